//! `Db`: a pooled PostgreSQL connection with the statements it has
//! prepared. The client's `query(&str, …)` prepares the text anew each time
//! (a round trip of its own before the one that runs it); here a statement
//! is prepared once per connection and reused, as SQLite's `prepare_cached`.

use postgres::types::ToSql;
use postgres::{Client, NoTls, Row, Statement};
use r2d2_postgres::PostgresConnectionManager;
use std::collections::HashMap;

/// Distinct statements kept per connection. Lists build their SQL from the
/// filter, so the set is open-ended: past this, the cache starts over.
const STATEMENT_CACHE: usize = 256;

pub struct Db {
    client: Client,
    statements: HashMap<String, Statement>,
}

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

impl Db {
    /// A connection of its own (outside any pool), for tools and tests.
    pub fn connect(url: &str) -> Result<Db, postgres::Error> {
        let config: postgres::Config = url.parse()?;
        Ok(Db { client: config.connect(NoTls)?, statements: HashMap::new() })
    }

    fn statement(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        if self.statements.len() >= STATEMENT_CACHE {
            self.statements.clear();
        }
        let statement = self.client.prepare(sql)?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    pub fn query(&mut self, sql: &str, params: Params) -> Result<Vec<Row>, postgres::Error> {
        let statement = self.statement(sql)?;
        self.client.query(&statement, params)
    }

    pub fn query_one(&mut self, sql: &str, params: Params) -> Result<Row, postgres::Error> {
        let statement = self.statement(sql)?;
        self.client.query_one(&statement, params)
    }

    pub fn query_opt(&mut self, sql: &str, params: Params) -> Result<Option<Row>, postgres::Error> {
        let statement = self.statement(sql)?;
        self.client.query_opt(&statement, params)
    }

    pub fn execute(&mut self, sql: &str, params: Params) -> Result<u64, postgres::Error> {
        let statement = self.statement(sql)?;
        self.client.execute(&statement, params)
    }

    /// Statements without parameters, sent as they are (transaction control).
    pub fn batch_execute(&mut self, sql: &str) -> Result<(), postgres::Error> {
        self.client.batch_execute(sql)
    }
}

/// The r2d2 manager of `Db`s: `r2d2_postgres`'s, with the statement cache.
pub struct DbManager(pub PostgresConnectionManager<NoTls>);

impl r2d2::ManageConnection for DbManager {
    type Connection = Db;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Db, postgres::Error> {
        Ok(Db { client: self.0.connect()?, statements: HashMap::new() })
    }

    fn is_valid(&self, db: &mut Db) -> Result<(), postgres::Error> {
        self.0.is_valid(&mut db.client)
    }

    fn has_broken(&self, db: &mut Db) -> bool {
        self.0.has_broken(&mut db.client)
    }
}
