//! Reading a column of a PostgreSQL row. The client's `Row::get` panics
//! when the column's type is not the one asked for; every row here is read
//! through `col`, so a mismatch (a schema and a binary that disagree) is a
//! `StoreError` the request answers, never a panic.

use crate::store::{StoreError, StoreResult, UnknownWord};
use postgres::types::FromSql;
use postgres::Row;
use std::str::FromStr;

pub trait RowExt {
    /// Column `i`, or a `StoreError::Failed` naming it when it cannot be read as a `T`.
    fn col<'a, T: FromSql<'a>>(&'a self, i: usize) -> StoreResult<T>;

    /// Text column `i` read as the enum `T` it names (a role, a category);
    /// a word `T` does not have is a `StoreError::Failed` naming the column and the word.
    fn word<T: FromStr>(&self, i: usize) -> StoreResult<T>;
}

impl RowExt for Row {
    fn col<'a, T: FromSql<'a>>(&'a self, i: usize) -> StoreResult<T> {
        col(self, i)
    }

    fn word<T: FromStr>(&self, i: usize) -> StoreResult<T> {
        let text: String = col(self, i)?;
        let name = self.columns().get(i).map_or("?", |c| c.name());
        Ok(UnknownWord::parse(name, text)?)
    }
}

/// `row.col(i)`, for a column whose index is computed.
pub fn col<'a, T: FromSql<'a>>(row: &'a Row, i: usize) -> StoreResult<T> {
    row.try_get(i).map_err(|e| {
        let name = row.columns().get(i).map_or("?", |c| c.name());
        StoreError::Failed(format!("reading column {i} ({name}): {e}"))
    })
}
