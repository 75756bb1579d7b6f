//! The command line (docs/operations.md §11): `serve` and the administrative commands.
//! Exit codes: 0 success, 1 runtime failure, 2 usage error (clap's own).

use crate::app::build_app;
use crate::config::{AppConfig, ConfigError, Database, OfficeZone, StoreConfig, Synchronous};
use crate::credentials::new_password;
use crate::domain::directory::{ImportBatch, Property, Resident, RowKind, Unit, LISTED_PROBLEMS};
use crate::domain::ids::{PropertyId, ResidentId, TokenId, UnitId};
use crate::domain::query::{Page, MAX_PAGE_SIZE};
use crate::domain::time::{zone_named, Stamp, UnknownZone};
use crate::domain::users::{check_password, check_user_name, NewUser, Role, TokenKind, User, UserChanges};
use crate::service::access::Admin;
use crate::service::{Service, ServiceError};
use crate::state::AppState;
use crate::store::{self, Store};
use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use jiff::tz::TimeZone;
use std::io::{BufRead, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "calllog", version, about = "Call-center activity log for property management")]
pub struct Cli {
    /// The SQLite database file (created with its schema on first use, not by check or backup),
    /// or a postgres://user:pass@host:port/dbname URL.
    #[arg(long, global = true, env = "CALLLOG_DB", default_value = "./calllog.db", value_parser = Database::parse)]
    pub db: Database,

    /// What to do; without a command, calllog serves (so `cargo run` starts the service).
    #[command(subcommand)]
    pub command: Option<Command>,

    /// `serve`'s options, for when no command is given.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the HTTP API.
    Serve(ServeArgs),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Import the directory from CSV files (header row of the API field names).
    Import(ImportArgs),
    /// Copy the database consistently (also while the server runs) and verify the copy.
    Backup {
        /// Where to write the copy; an existing file is never overwritten.
        dest: PathBuf,
    },
    /// Check the database's integrity; exit 0 when sound.
    Check,
    /// Copy a SQLite database into a PostgreSQL database that has no calllog schema yet
    /// (before the first serve on it): every row, ids and dates kept, counts verified.
    /// It reads --from and writes --to; --db is refused here.
    Migrate(MigrateArgs),
}

#[derive(Args, Debug)]
pub struct MigrateArgs {
    /// The SQLite file to copy (brought to the current schema first, like any command does).
    #[arg(long, value_name = "FILE.db")]
    pub from: PathBuf,
    /// The PostgreSQL database to copy into: postgres://user:pass@host:port/dbname.
    #[arg(long, value_name = "URL", value_parser = parse_postgres_url)]
    pub to: String,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CALLLOG_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// IANA time zone dates are written in (e.g. America/New_York), fixed for this process; without it, the
    /// office time zone set on /admin or by PUT /api/settings (UTC until one is set).
    #[arg(long, env = "CALLLOG_TIMEZONE", value_parser = parse_zone)]
    pub timezone: Option<TimeZone>,
    /// SQLite synchronous mode: full (the default, durable) or normal (faster). SQLite only.
    #[arg(long, env = "CALLLOG_SYNCHRONOUS", value_parser = Synchronous::parse)]
    pub synchronous: Option<Synchronous>,
    /// Load a small sample directory when the directory is empty.
    #[arg(long)]
    pub demo: bool,
    /// Read-only database connections kept for reads (1 to 256).
    #[arg(long, env = "CALLLOG_READ_POOL_SIZE", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=256))]
    pub read_pool_size: u32,
    /// Writes that may wait for the writer before more are refused with 503 (1 to 1000000).
    #[arg(long, env = "CALLLOG_WRITE_QUEUE", default_value_t = 1024,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub write_queue: u32,
    /// MiB the write-ahead log may grow to before the writer forces a checkpoint (1 to 65536).
    #[arg(long, env = "CALLLOG_WAL_LIMIT_MIB", default_value_t = 64,
          value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub wal_limit_mib: u32,
    /// A reverse proxy's IP address (repeatable, or comma-separated): from it, the client address is the last
    /// hop of X-Forwarded-For (for the sign-in throttle).
    #[arg(long = "trusted-proxy", env = "CALLLOG_TRUSTED_PROXY", value_name = "ADDR", value_delimiter = ',',
          value_parser = parse_proxy_address)]
    pub trusted_proxies: Vec<IpAddr>,
}

/// An IP address, white space around it allowed (as in `CALLLOG_TRUSTED_PROXY=10.0.0.1, 10.0.0.2`).
fn parse_proxy_address(text: &str) -> Result<IpAddr, BadValue> {
    text.trim().parse::<IpAddr>().map(|ip| ip.to_canonical()).map_err(|_| BadValue::IpAddress(text.to_string()))
}

impl ServeArgs {
    /// The application settings these flags choose.
    fn app_config(&self) -> AppConfig {
        let zone = match &self.timezone {
            Some(zone) => OfficeZone::pinned(zone.clone()),
            None => OfficeZone::from_settings(),
        };
        AppConfig { zone, trusted_proxies: self.trusted_proxies.clone(), ..AppConfig::default() }
    }

    /// The store settings these flags choose for `db`.
    fn store_config(&self, db: &Database) -> StoreConfig {
        let mut config = StoreConfig::for_database(db.clone());
        config.synchronous = self.synchronous.unwrap_or(Synchronous::Full);
        config.read_pool_size = self.read_pool_size;
        config.write_queue_capacity = self.write_queue as usize;
        config.wal_limit_bytes = u64::from(self.wal_limit_mib) * 1024 * 1024;
        config
    }
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user; prints a generated password unless --password-stdin is given.
    Add(UserAddArgs),
    /// List every user: NAME, ROLE, active|inactive, property ids (tab-separated).
    List,
    /// Set a new password for user NAME and sign out its sessions (API tokens
    /// stay); prints a generated password unless --password-stdin is given.
    /// The way back in when the admin password is lost.
    Passwd {
        /// The user's name.
        name: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Clear the sign-in throttle's failures for user NAME, so it can sign in again
    /// from every address (a running server sees it at once); exit 1 when there is no such user.
    Unlock {
        /// The user whose failed sign-ins are cleared (any case).
        name: String,
    },
}

// `user add`'s arguments, one value for the command to take whole (no doc
// comment: clap would show it beside the variant's as the command's help).
#[derive(Args, Debug)]
pub struct UserAddArgs {
    /// The user name: 1 to 100 letters, digits and . _ - @ (unique ignoring case).
    #[arg(value_parser = parse_user_name)]
    name: String,
    /// admin (everything), agent (reads and logs calls) or viewer (reads only).
    #[arg(long, value_parser = parse_role)]
    role: Role,
    /// First name (the display name is first and last name).
    #[arg(long)]
    first: Option<String>,
    /// Last name.
    #[arg(long)]
    last: Option<String>,
    /// Email address.
    #[arg(long)]
    email: Option<String>,
    /// A property to link (repeatable).
    #[arg(long = "property", value_parser = clap::value_parser!(i64).range(1..))]
    properties: Vec<i64>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token for user NAME; prints only the token.
    Create {
        /// The user the token acts as (an active one).
        name: String,
        /// A label to tell the token by in lists (default: "command line").
        #[arg(long)]
        label: Option<String>,
        /// Days until the token expires (1 to 36500); no expiry when absent.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=36_500))]
        expires_days: Option<u32>,
    },
    /// List user NAME's live API tokens: TOKENID, LABEL, CREATED, EXPIRES or never (tab-separated).
    List {
        /// The user whose tokens to list.
        name: String,
        /// IANA time zone the dates are written in (default: the office time zone).
        #[arg(long, env = "CALLLOG_TIMEZONE", value_parser = parse_zone)]
        timezone: Option<TimeZone>,
    },
    /// Revoke the live token TOKENID (any user's); exit 1 when there is none.
    Revoke {
        /// The token's id (TokenId), as `token list` or the API shows it.
        #[arg(value_name = "TOKENID", value_parser = clap::value_parser!(i64).range(1..))]
        token_id: i64,
    },
}

#[derive(Args, Debug)]
#[group(skip)]
#[command(group(clap::ArgGroup::new("files").required(true).multiple(true).args(["properties", "units", "residents"])))]
pub struct ImportArgs {
    /// CSV of properties; header row with PropertyId and PropertyName, other Property fields optional.
    #[arg(long, value_name = "FILE.csv")]
    pub properties: Option<PathBuf>,
    /// CSV of units; header row with UnitId, PropertyId and UnitNumber, other Unit fields optional.
    #[arg(long, value_name = "FILE.csv")]
    pub units: Option<PathBuf>,
    /// CSV of residents; header row with ResidentId, PropertyId, UnitId and ResidentFirstName or
    /// ResidentLastName, other Resident fields optional.
    #[arg(long, value_name = "FILE.csv")]
    pub residents: Option<PathBuf>,
    /// IANA time zone of MoveInDate and MoveOutDate values written without an offset (default: the office
    /// time zone).
    #[arg(long, env = "CALLLOG_TIMEZONE", value_parser = parse_zone)]
    pub timezone: Option<TimeZone>,
}

// Value parsers: a bad value is a usage error (exit 2), reported by clap.

/// Why a value parser refuses a value; clap prints the text after the option's name.
#[derive(Debug, thiserror::Error)]
enum BadValue {
    #[error("{0:?} is not an IP address (such as 127.0.0.1 or ::1)")]
    IpAddress(String),
    #[error("must be a postgres://user:pass@host:port/dbname URL")]
    NotPostgres,
    #[error("must be admin, agent or viewer")]
    Role,
    #[error("{0}")]
    UserName(&'static str),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Zone(#[from] UnknownZone),
}

fn parse_zone(name: &str) -> Result<TimeZone, BadValue> {
    Ok(zone_named(name)?)
}

/// `migrate --to`: only a PostgreSQL URL (a file path there is a mistake).
fn parse_postgres_url(text: &str) -> Result<String, BadValue> {
    match Database::parse(text)? {
        Database::Postgres(url) => Ok(url),
        Database::Sqlite(_) => Err(BadValue::NotPostgres),
    }
}

fn parse_role(text: &str) -> Result<Role, BadValue> {
    Role::parse(text).ok_or(BadValue::Role)
}

fn parse_user_name(name: &str) -> Result<String, BadValue> {
    check_user_name(name).map(|()| name.to_string()).map_err(BadValue::UserName)
}

/// A failure of a command: one line for stderr.
struct Failure(String);

impl From<ServiceError> for Failure {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Refused(e) if e.errors.is_empty() => Failure(e.message),
            // An import lists its first 100 problems, and its message says how many there are in all.
            ServiceError::Refused(e) if e.errors.len() >= LISTED_PROBLEMS => Failure(e.message),
            ServiceError::Refused(e) => {
                let details: Vec<String> = e.errors.iter().map(|f| format!("{} {}", f.field, f.message)).collect();
                Failure(format!("{} problem(s): {}", details.len(), details.join("; ")))
            }
            ServiceError::Store(e) => Failure(e.to_string()),
            ServiceError::Busy { message, .. } => Failure(message),
            ServiceError::Internal(cause) => Failure(format!("internal failure: {cause}")),
        }
    }
}

impl From<store::OpenError> for Failure {
    fn from(e: store::OpenError) -> Self {
        Failure(e.to_string())
    }
}

/// The command line as clap reads it, with one change the derive cannot
/// state: `migrate` copies `--from` into `--to` and never opens `--db`, so its
/// help does not offer the global `--db` (and `parse_from` refuses it there).
pub fn command() -> clap::Command {
    // A global argument reaches every subcommand that has no argument of its
    // own by that id: `migrate` gets a hidden one, so `migrate --help` does
    // not offer it while `--db` there still parses (to be refused by name).
    Cli::command().mut_subcommand("migrate", |migrate| {
        migrate.arg(clap::Arg::new("db").long("db").hide(true).value_parser(Database::parse))
    })
}

/// Reads `args` (the program's name first), or the usage error clap prints
/// with exit code 2. `--db` given to `migrate` is such an error: silently
/// ignoring it would let `calllog --db new.db migrate …` look as if it did
/// something with `new.db`. `CALLLOG_DB` from the environment stays allowed,
/// since a service's environment sets it for every command.
pub fn parse_from<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let mut command = command();
    let matches = command.try_get_matches_from_mut(args)?;
    if let Some(("migrate", migrate)) = matches.subcommand() {
        if migrate.value_source("db") == Some(ValueSource::CommandLine) {
            let message = "migrate reads the file given by --from and writes to --to; it takes no --db";
            return Err(match command.find_subcommand_mut("migrate") {
                Some(migrate) => migrate.error(clap::error::ErrorKind::ArgumentConflict, message),
                None => command.error(clap::error::ErrorKind::ArgumentConflict, message),
            });
        }
    }
    Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut command))
}

pub fn run(cli: Cli) -> ExitCode {
    let command = cli.command.unwrap_or(Command::Serve(cli.serve));
    if let (Command::Serve(args), Database::Postgres(_)) = (&command, &cli.db) {
        if args.synchronous.is_some() {
            // docs/operations.md §11: a usage error (exit 2), like any flag clap refuses.
            eprintln!(
                "calllog: --synchronous (CALLLOG_SYNCHRONOUS) is for SQLite files; \
                 on PostgreSQL set synchronous_commit in PostgreSQL itself"
            );
            return ExitCode::from(2);
        }
    }
    let result = match command {
        Command::Serve(args) => serve(&cli.db, args),
        Command::User(UserCommand::Add(args)) => user_add(&cli.db, args),
        Command::User(UserCommand::List) => user_list(&cli.db),
        Command::User(UserCommand::Passwd { name, password_stdin }) => user_passwd(&cli.db, &name, password_stdin),
        Command::User(UserCommand::Unlock { name }) => user_unlock(&cli.db, &name),
        Command::Token(TokenCommand::Create { name, label, expires_days }) => {
            token_create(&cli.db, &name, label, expires_days)
        }
        Command::Token(TokenCommand::List { name, timezone }) => token_list(&cli.db, &name, timezone.as_ref()),
        Command::Token(TokenCommand::Revoke { token_id }) => token_revoke(&cli.db, TokenId(token_id)),
        Command::Import(args) => import(&cli.db, args),
        Command::Backup { dest } => backup(&cli.db, &dest),
        Command::Check => check(&cli.db),
        Command::Migrate(args) => migrate(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("calllog: {message}");
            ExitCode::from(1)
        }
    }
}

fn open_store(config: &StoreConfig) -> Result<Store, Failure> {
    Ok(Store::open(config)?)
}

/// Runs an administrative command's operations on the service, then
/// commits what is queued and closes the store.
fn with_service<T>(db: &Database, work: impl AsyncFnOnce(&Service) -> Result<T, Failure>) -> Result<T, Failure> {
    let service = Service::new(open_store(&StoreConfig::for_database(db.clone()))?, AppConfig::default());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure(format!("cannot start the runtime: {e}")))?;
    let result = runtime.block_on(async {
        // The office time zone, for the dates a command reads or prints.
        service.load_office_settings().await?;
        work(&service).await
    });
    service.store.close();
    result
}

fn serve(db: &Database, args: ServeArgs) -> Result<(), Failure> {
    let store = open_store(&args.store_config(db))?;
    let state = actix_web::web::Data::new(AppState::new(store.clone(), args.app_config()));
    let bind = args.bind.clone();
    let mut started = false;
    let result = actix_web::rt::System::new().block_on(async {
        // Bind first (docs/operations.md §11): a start that cannot listen must not spend
        // the first admin's password, which is shown only once.
        let app_state = state.clone();
        let server = actix_web::HttpServer::new(move || build_app(app_state.clone()))
            .bind(&bind)
            .map_err(|e| Failure(format!("cannot listen on {bind}: {e}")))?;
        let addresses = server.addrs();
        state.service.load_office_settings().await?;
        if let Some(password) = state.service.ensure_first_admin().await? {
            println!("Created the first user: admin, password {password} (shown only this once).");
            let _ = std::io::stdout().flush();
        }
        if args.demo {
            load_demo_directory(&state.service).await?;
        }
        let server = server.shutdown_timeout(30).run();
        started = true;
        for address in addresses {
            let base = base_url(address);
            log::info!(
                "calllog serving on {address} (database {}): console {base}/ · help {base}/help · metrics {base}/metrics",
                db.describe()
            );
        }
        server.await.map_err(|e| Failure(format!("server stopped: {e}")))
    });
    // In-flight requests have finished; commit what is queued, then stop.
    store.close();
    if started {
        log::info!("calllog stopped");
    }
    result
}

/// The URL a browser on this machine reaches a bound address by: an
/// any-address bind (`0.0.0.0`, `::`) is reached at loopback too.
fn base_url(address: std::net::SocketAddr) -> String {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    let ip = match address.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", std::net::SocketAddr::new(ip, address.port()))
}

fn user_add(db: &Database, args: UserAddArgs) -> Result<(), Failure> {
    let UserAddArgs { name, role, first, last, email, properties, password_stdin } = args;
    let (password, generated) = read_or_generate_password(password_stdin, &name)?;
    let user = NewUser {
        user_name: name,
        password: password.clone(),
        first_name: first.filter(|s| !s.trim().is_empty()),
        last_name: last.filter(|s| !s.trim().is_empty()),
        email: email.filter(|s| !s.trim().is_empty()),
        role,
        property_ids: properties.into_iter().map(PropertyId).collect(),
    };
    let (user, has_admin) = with_service(db, async |service| {
        let user = service.create_user(&Admin::command_line(), user).await?;
        let has_admin = user.role == Role::Admin || has_active_admin(service).await?;
        Ok((user, has_admin))
    })?;
    println!("Created user {} (id {}, role {}).", user.user_name, user.user_id, user.role.as_str());
    if generated {
        println!("Password: {password}");
    }
    if !has_admin {
        // `serve` creates `admin` only in a database with no user at all, so
        // a first `user add` of an agent would otherwise leave nobody able to
        // manage users, and nothing would say so.
        eprintln!(
            "calllog: note: this database has no active admin, and serve creates one only when there is no user \
             at all; add one with: calllog user add NAME --role admin"
        );
    }
    Ok(())
}

/// Whether any user is an active admin.
async fn has_active_admin(service: &Service) -> Result<bool, Failure> {
    let operator = Admin::command_line();
    let mut seen = 0;
    for number in 1.. {
        let (total, page) = service.list_users(&operator, Page { number, size: MAX_PAGE_SIZE }).await?;
        if page.iter().any(|user| user.active && user.role == Role::Admin) {
            return Ok(true);
        }
        seen += page.len() as i64;
        if page.is_empty() || seen >= total {
            break;
        }
    }
    Ok(false)
}

/// The first line of standard input (checked by the password rules for the
/// user `user_name`), or a generated password; `true` when generated (it is
/// then printed once).
fn read_or_generate_password(password_stdin: bool, user_name: &str) -> Result<(String, bool), Failure> {
    if !password_stdin {
        return Ok((new_password(), true));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure(format!("cannot read the password from standard input: {e}")))?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    check_password(&password, user_name).map_err(|p| Failure(format!("the password {p}")))?;
    Ok((password, false))
}

/// The user named `name`, or a failure saying there is none.
async fn user_named(service: &Service, name: &str) -> Result<User, Failure> {
    service
        .find_user_by_name(&Admin::command_line(), name)
        .await?
        .ok_or_else(|| Failure(format!("there is no user {name:?}")))
}

/// Text for one tab-separated field: tabs and line breaks become spaces.
fn field(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

fn user_list(db: &Database) -> Result<(), Failure> {
    let users = with_service(db, async |service| {
        let operator = Admin::command_line();
        let mut users = Vec::new();
        for number in 1.. {
            let (total, page) = service.list_users(&operator, Page { number, size: MAX_PAGE_SIZE }).await?;
            users.extend(page);
            if users.len() as i64 >= total {
                break;
            }
        }
        Ok(users)
    })?;
    let mut out = std::io::stdout().lock();
    for user in users {
        let properties: Vec<String> = user.property_ids.iter().map(PropertyId::to_string).collect();
        let active = if user.active { "active" } else { "inactive" };
        let line = format!("{}\t{}\t{active}\t{}", field(&user.user_name), user.role.as_str(), properties.join(","));
        writeln!(out, "{line}").map_err(|e| Failure(format!("cannot write to standard output: {e}")))?;
    }
    Ok(())
}

fn user_passwd(db: &Database, name: &str, password_stdin: bool) -> Result<(), Failure> {
    let (password, generated) = read_or_generate_password(password_stdin, name)?;
    let new_password = password.clone();
    let user = with_service(db, async |service| {
        let user = user_named(service, name).await?;
        let changes = UserChanges { password: Some(new_password), ..UserChanges::default() };
        Ok(service.update_user(&Admin::command_line(), user.user_id, changes).await?)
    })?;
    let inactive = if user.active { "" } else { " It is inactive: activate it before it can sign in." };
    println!(
        "Set a new password for {} (id {}); its sessions are signed out, its API tokens stay.{inactive}",
        user.user_name, user.user_id
    );
    if generated {
        println!("Password: {password}");
    }
    Ok(())
}

fn user_unlock(db: &Database, name: &str) -> Result<(), Failure> {
    let (user, cleared) =
        with_service(db, async |service| Ok(service.clear_sign_in_failures(&Admin::command_line(), name).await?))?;
    match cleared {
        0 => println!("{} (id {}) had no failed sign-ins to clear.", user.user_name, user.user_id),
        n => println!(
            "Cleared {n} failed sign-in(s) of {} (id {}); it can sign in again from every address.",
            user.user_name, user.user_id
        ),
    }
    Ok(())
}

fn token_list(db: &Database, name: &str, zone: Option<&TimeZone>) -> Result<(), Failure> {
    let (tokens, zone) = with_service(db, async |service| {
        let user = user_named(service, name).await?;
        let zone = zone.cloned().unwrap_or_else(|| service.config.zone.current());
        Ok((service.list_api_tokens(&Admin::command_line().user_access(user.user_id)).await?, zone))
    })?;
    let zone = &zone;
    for token in tokens {
        let expires = token.expires_on.map(|e| e.format_in(zone)).unwrap_or_else(|| "never".to_string());
        let label = field(token.name.as_deref().unwrap_or(""));
        println!("{}\t{label}\t{}\t{expires}", token.token_id, token.created_on.format_in(zone));
    }
    Ok(())
}

fn token_revoke(db: &Database, token_id: TokenId) -> Result<(), Failure> {
    let token =
        with_service(db, async |service| Ok(service.revoke_token_by_id(&Admin::command_line(), token_id).await?))?;
    let kind = if token.kind == TokenKind::Api { "API token" } else { "session token" };
    let label = token.name.as_deref().map(|n| format!(" {n:?}")).unwrap_or_default();
    println!("Revoked {kind} {}{label} of user {}.", token.token_id, token.user_name);
    Ok(())
}

fn token_create(db: &Database, name: &str, label: Option<String>, expires_days: Option<u32>) -> Result<(), Failure> {
    let token = with_service(db, async |service| {
        let operator = Admin::command_line();
        let user = service
            .find_user_by_name(&operator, name)
            .await?
            .ok_or_else(|| Failure(format!("there is no user {name:?}")))?;
        if !user.active {
            return Err(Failure(format!("user {name:?} is inactive; activate it first")));
        }
        let expires_on = expires_days.map(|d| Stamp::now().plus_seconds(i64::from(d) * 86_400));
        let label = label.unwrap_or_else(|| "command line".to_string());
        Ok(service.create_api_token(&operator.user_access(user.user_id), label, expires_on).await?.token)
    })?;
    println!("{token}");
    Ok(())
}

fn import(db: &Database, args: ImportArgs) -> Result<(), Failure> {
    let zone = match &args.timezone {
        Some(zone) => zone.clone(),
        None => office_zone_of(db)?,
    };
    // Each file is read row by row into typed rows named by file and line,
    // for shape problems and reference problems alike.
    let mut batch = ImportBatch::default();
    for (kind, path) in
        [(RowKind::Property, &args.properties), (RowKind::Unit, &args.units), (RowKind::Resident, &args.residents)]
    {
        let Some(path) = path else { continue };
        let file_name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let file = std::fs::File::open(path).map_err(|e| Failure(format!("cannot read {}: {e}", path.display())))?;
        crate::wire::directory::add_csv(&mut batch, kind, std::io::BufReader::new(file), &file_name, &zone)
            .map_err(|refused| Failure(refused.0))?;
    }
    let counts = with_service(db, async |service| {
        let operator = Admin::command_line();
        let permit = service.admit_import(&operator).await?;
        Ok(service.import_directory(&operator, permit, batch).await?)
    })?;
    println!("Imported {}.", counts.summary());
    Ok(())
}

/// The office time zone stored in `db` (docs/api.md §16); UTC for a SQLite
/// file not made yet, which is not made here (a command whose input is bad
/// must leave no new file behind).
fn office_zone_of(db: &Database) -> Result<TimeZone, Failure> {
    if let Database::Sqlite(path) = db {
        if !path.exists() {
            return Ok(TimeZone::UTC);
        }
    }
    with_service(db, async |service| Ok(service.config.zone.current()))
}

fn backup(db: &Database, dest: &Path) -> Result<(), Failure> {
    let db = sqlite_file_for(db, "backup", "pg_dump (or your provider's backups)")?;
    if dest.exists() {
        return Err(Failure(format!("{} already exists; choose a new file name", dest.display())));
    }
    let folder = dest.parent().filter(|f| !f.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if folder.exists() && !folder.is_dir() {
        return Err(Failure(format!("{} is a file, not a folder; choose a folder for the copy", folder.display())));
    }
    if !folder.is_dir() {
        return Err(Failure(format!(
            "the folder {} does not exist; create it first or choose another place for the copy",
            folder.display()
        )));
    }
    // Read only, never through the Store: a copy must not upgrade its source.
    store::backup(db, dest).map_err(|e| Failure(e.0))?;
    println!("Backed up {} to {} (integrity check ok).", db.display(), dest.display());
    Ok(())
}

fn check(db: &Database) -> Result<(), Failure> {
    let db = sqlite_file_for(db, "check", "PostgreSQL's amcheck (pg_amcheck)")?;
    // Read only: a damaged file must not be "repaired" by opening it for writing.
    store::integrity_check(db).map_err(|e| Failure(format!("{} is damaged: {e}", db.display())))?;
    println!("{}: ok", db.display());
    Ok(())
}

/// `migrate --from FILE --to URL` (docs/operations.md §6): see `store::postgres::copy`.
fn migrate(args: &MigrateArgs) -> Result<(), Failure> {
    require_database(&args.from)?;
    let to = Database::Postgres(args.to.clone()).describe();
    let copied = store::copy::migrate_file(&args.from, &args.to).map_err(|e| Failure(e.0))?;
    for (table, rows) in &copied.tables {
        println!("{table}: {rows} {}", if *rows == 1 { "row" } else { "rows" });
    }
    println!("Copied {} to {to} (row counts verified).", args.from.display());
    Ok(())
}

/// `check` and `backup` work on SQLite files (docs/operations.md §6): on a PostgreSQL
/// URL they say what does the job there, `tool`.
fn sqlite_file_for<'d>(db: &'d Database, command: &str, tool: &str) -> Result<&'d Path, Failure> {
    match db {
        Database::Sqlite(path) => {
            require_database(path)?;
            Ok(path)
        }
        Database::Postgres(_) => Err(Failure(format!(
            "calllog {command} is for SQLite files; for PostgreSQL ({}) use {tool}",
            db.describe()
        ))),
    }
}

/// docs/operations.md §11: `check`, `backup` and `migrate --from` fail on a file that does
/// not exist rather than create one (an empty new database would hide a mistyped path).
fn require_database(db: &Path) -> Result<(), Failure> {
    if db.exists() {
        Ok(())
    } else {
        Err(Failure(format!("no database at {}", db.display())))
    }
}

/// `serve --demo`: a small sample directory, only into an empty directory.
async fn load_demo_directory(service: &Service) -> Result<(), Failure> {
    if !service.directory_is_empty().await? {
        return Ok(());
    }
    let operator = Admin::command_line();
    let permit = service.admit_import(&operator).await?;
    let counts = service.import_directory(&operator, permit, demo_batch()).await?;
    log::info!("demo directory loaded: {}", counts.summary());
    Ok(())
}

fn demo_batch() -> ImportBatch {
    const FIRST: [&str; 10] = ["Ana", "Ben", "Chloé", "Dev", "Elena", "Femi", "Grace", "Hiro", "Inés", "Jamal"];
    const LAST: [&str; 10] =
        ["Alvarez", "Brooks", "Chen", "Dubois", "Evans", "Fischer", "García", "Haddad", "Ito", "Jensen"];
    let mut batch = ImportBatch::default();
    let sites = [(1, "Harbor View Condominiums", 1, "Miami", "FL"), (2, "Oak Hollow HOA", 2, "Austin", "TX")];
    for (property_id, name, type_id, city, state) in sites {
        batch.add_property(&Property {
            property_id: PropertyId(property_id),
            c4_uid: None,
            property_name: name.into(),
            address1: Some(format!("{} Main Street", 100 * property_id)),
            address2: None,
            city: Some(city.into()),
            state: Some(state.into()),
            zip: None,
            entity_number: None,
            legal_name: Some(format!("{name} Association, Inc.")),
            property_type_id: Some(type_id),
            property_status: true,
        });
        for n in 1..=20 {
            let unit_id = property_id * 100 + n;
            batch.add_unit(&Unit {
                unit_id: UnitId(unit_id),
                property_id: PropertyId(property_id),
                unit_number: if type_id == 1 { format!("{}{:02}", 1 + (n - 1) / 5, n) } else { format!("{}", 10 * n) },
                address1: None,
                address2: None,
                city: Some(city.into()),
                state: Some(state.into()),
                zip: None,
                display_order: Some(n),
                floor: (type_id == 1).then(|| (1 + (n - 1) / 5).to_string()),
                latitude: None,
                longitude: None,
            });
            for k in 0..2 {
                let i = (unit_id * 2 + k) as usize;
                batch.add_resident(&Resident {
                    resident_id: ResidentId(unit_id * 10 + k),
                    property_id: PropertyId(property_id),
                    unit_id: UnitId(unit_id),
                    resident_first_name: Some(FIRST[i % 10].into()),
                    resident_middle_initial: i.is_multiple_of(3).then(|| "M".to_string()),
                    resident_last_name: Some(LAST[(i / 10 + n as usize) % 10].into()),
                    resident_email: None,
                    resident_unitphone: None,
                    resident_cellphone: Some(format!("555-01{:02}", i % 100)),
                    resident_workphone: None,
                    resident_otherphone: None,
                    occupancy_type: None,
                    resident_type: Some(if k == 0 { 1 } else { 2 }),
                    move_in_date: None,
                    move_out_date: None,
                });
            }
        }
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve_args(args: &[&str]) -> Result<ServeArgs, clap::Error> {
        let cli = Cli::try_parse_from(["calllog", "serve"].iter().chain(args))?;
        match cli.command {
            Some(Command::Serve(args)) => Ok(args),
            other => panic!("not serve: {other:?}"),
        }
    }

    #[test]
    fn pool_queue_and_wal_flags_reach_the_store_settings() {
        let args = serve_args(&["--read-pool-size", "3", "--write-queue", "5", "--wal-limit-mib", "2"]).unwrap();
        let config = args.store_config(&Database::Sqlite("x.db".into()));
        assert_eq!(config.read_pool_size, 3);
        assert_eq!(config.write_queue_capacity, 5);
        assert_eq!(config.wal_limit_bytes, 2 * 1024 * 1024);
        let defaults = serve_args(&[]).unwrap().store_config(&Database::Sqlite("x.db".into()));
        let documented = StoreConfig::new("x.db");
        assert_eq!(
            (defaults.read_pool_size, defaults.write_queue_capacity, defaults.wal_limit_bytes),
            (documented.read_pool_size, documented.write_queue_capacity, documented.wal_limit_bytes)
        );
    }

    #[test]
    fn trusted_proxies_are_repeatable_or_comma_separated() {
        let args = serve_args(&["--trusted-proxy", "10.0.0.1", "--trusted-proxy", "::1, 10.0.0.2"]).unwrap();
        let expected: Vec<IpAddr> = ["10.0.0.1", "::1", "10.0.0.2"].iter().map(|a| a.parse().unwrap()).collect();
        assert_eq!(args.app_config().trusted_proxies, expected);
        assert!(serve_args(&[]).unwrap().app_config().trusted_proxies.is_empty());
        let e = serve_args(&["--trusted-proxy", "proxy.local"]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn out_of_range_settings_are_usage_errors() {
        for bad in
            [["--read-pool-size", "0"], ["--write-queue", "0"], ["--wal-limit-mib", "70000"], ["--write-queue", "x"]]
        {
            let e = serve_args(&bad).err().unwrap_or_else(|| panic!("{bad:?} was accepted"));
            assert_eq!(e.exit_code(), 2, "{bad:?}");
        }
    }
}
