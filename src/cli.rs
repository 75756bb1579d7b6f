//! The command line (API.md §9): `serve` and the administrative commands.
//! Exit codes: 0 success, 1 runtime failure, 2 usage error (clap's own).

use crate::app::{build_app, AppState};
use crate::auth::{hash_password, new_password, new_token, token_hash};
use crate::config::{AppConfig, StoreConfig, Synchronous};
use crate::domain::directory::{ImportBatch, Property, Resident, Unit};
use crate::domain::input::Fields;
use crate::domain::time::{zone_named, Stamp};
use crate::domain::users::{check_password, check_user_name, NewUser, Role};
use crate::error::ApiError;
use crate::store::directory as directory_store;
use crate::store::users::{self as user_store, NewToken};
use crate::store::{integrity_check, Store};
use clap::{Args, Parser, Subcommand};
use jiff::tz::TimeZone;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "calllog", version, about = "Call-center activity log for property management")]
pub struct Cli {
    /// The SQLite database file; created with its schema on first use (not by check or backup).
    #[arg(long, global = true, env = "CALLLOG_DB", default_value = "./calllog.db")]
    pub db: PathBuf,

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
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CALLLOG_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// IANA time zone dates are written in (e.g. America/New_York).
    #[arg(long, env = "CALLLOG_TIMEZONE", default_value = "UTC", value_parser = parse_zone)]
    pub timezone: TimeZone,
    /// SQLite synchronous mode: full (default, durable) or normal (faster).
    #[arg(long, env = "CALLLOG_SYNCHRONOUS", default_value = "full", value_parser = Synchronous::parse)]
    pub synchronous: Synchronous,
    /// Load a small sample directory when the directory is empty.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user; prints a generated password unless --password-stdin is given.
    Add {
        #[arg(value_parser = parse_user_name)]
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        first: Option<String>,
        #[arg(long)]
        last: Option<String>,
        #[arg(long)]
        email: Option<String>,
        /// A property to link (repeatable).
        #[arg(long = "property", value_parser = clap::value_parser!(i64).range(1..))]
        properties: Vec<i64>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token for user NAME; prints only the token.
    Create {
        name: String,
        #[arg(long)]
        label: Option<String>,
        /// Days until the token expires (1 to 36500); no expiry when absent.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=36_500))]
        expires_days: Option<u32>,
    },
}

#[derive(Args, Debug)]
#[group(skip)]
#[command(group(clap::ArgGroup::new("files").required(true).multiple(true).args(["properties", "units", "residents"])))]
pub struct ImportArgs {
    #[arg(long)]
    pub properties: Option<PathBuf>,
    #[arg(long)]
    pub units: Option<PathBuf>,
    #[arg(long)]
    pub residents: Option<PathBuf>,
    /// Zone for MoveInDate values without an offset.
    #[arg(long, env = "CALLLOG_TIMEZONE", default_value = "UTC", value_parser = parse_zone)]
    pub timezone: TimeZone,
}

// Value parsers: a bad value is a usage error (exit 2), reported by clap.

fn parse_zone(name: &str) -> Result<TimeZone, String> {
    zone_named(name)
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| "must be admin, agent or viewer".to_string())
}

fn parse_user_name(name: &str) -> Result<String, String> {
    check_user_name(name).map(|()| name.to_string()).map_err(str::to_string)
}

/// A failure of a command: one line for stderr.
struct Failure(String);

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        if e.errors.is_empty() {
            Failure(e.message)
        } else {
            let details: Vec<String> = e.errors.iter().map(|f| format!("{} {}", f.field, f.message)).collect();
            Failure(format!("{} problem(s): {}", details.len(), details.join("; ")))
        }
    }
}

impl From<crate::store::OpenError> for Failure {
    fn from(e: crate::store::OpenError) -> Self {
        Failure(e.to_string())
    }
}

pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Serve(args) => serve(&cli.db, args),
        Command::User(UserCommand::Add { name, role, first, last, email, properties, password_stdin }) => {
            user_add(&cli.db, name, role, first, last, email, properties, password_stdin)
        }
        Command::Token(TokenCommand::Create { name, label, expires_days }) => {
            token_create(&cli.db, &name, label, expires_days)
        }
        Command::Import(args) => import(&cli.db, args),
        Command::Backup { dest } => backup(&cli.db, &dest),
        Command::Check => check(&cli.db),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("calllog: {message}");
            ExitCode::from(1)
        }
    }
}

fn open_store(db: &Path, synchronous: Synchronous) -> Result<Store, Failure> {
    let mut config = StoreConfig::new(db);
    config.synchronous = synchronous;
    Ok(Store::open(&config)?)
}

fn serve(db: &Path, args: ServeArgs) -> Result<(), Failure> {
    let zone = args.timezone.clone();
    let store = open_store(db, args.synchronous)?;
    ensure_first_admin(&store)?;
    if args.demo {
        load_demo_directory(&store)?;
    }
    let state = actix_web::web::Data::new(AppState::new(store.clone(), AppConfig { zone, ..AppConfig::default() }));
    let bind = args.bind.clone();
    let result = actix_web::rt::System::new().block_on(async move {
        let server = actix_web::HttpServer::new(move || build_app(state.clone()))
            .bind(&bind)
            .map_err(|e| Failure(format!("cannot listen on {bind}: {e}")))?
            .shutdown_timeout(30)
            .run();
        log::info!("calllog serving on http://{bind} (database {})", db.display());
        server.await.map_err(|e| Failure(format!("server stopped: {e}")))
    });
    // In-flight requests have finished; commit what is queued, then stop.
    store.close();
    log::info!("calllog stopped");
    result
}

/// First run: with no user at all, create `admin` with a random password and print it once.
fn ensure_first_admin(store: &Store) -> Result<(), Failure> {
    if store.read_blocking(user_store::count_users)? > 0 {
        return Ok(());
    }
    let password = new_password();
    let password_hash = hash_password(&password)?;
    let user = NewUser {
        user_name: "admin".into(),
        password: password.clone(),
        first_name: None,
        last_name: None,
        email: None,
        role: Role::Admin,
        property_ids: Vec::new(),
    };
    store.write_blocking(move |conn| user_store::insert_user(conn, &user, &password_hash, Stamp::now()))?;
    println!("Created the first user: admin, password {password} (shown only this once).");
    let _ = std::io::stdout().flush();
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn user_add(
    db: &Path,
    name: String,
    role: Role,
    first: Option<String>,
    last: Option<String>,
    email: Option<String>,
    properties: Vec<i64>,
    password_stdin: bool,
) -> Result<(), Failure> {
    let (password, generated) = if password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure(format!("cannot read the password from standard input: {e}")))?;
        let password = line.trim_end_matches(['\r', '\n']).to_string();
        check_password(&password).map_err(|p| Failure(format!("the password {p}")))?;
        (password, false)
    } else {
        (new_password(), true)
    };
    let store = open_store(db, Synchronous::Full)?;
    let password_hash = hash_password(&password)?;
    let user = NewUser {
        user_name: name,
        password: password.clone(),
        first_name: first.filter(|s| !s.trim().is_empty()),
        last_name: last.filter(|s| !s.trim().is_empty()),
        email: email.filter(|s| !s.trim().is_empty()),
        role,
        property_ids: properties,
    };
    let user = store.write_blocking(move |conn| user_store::insert_user(conn, &user, &password_hash, Stamp::now()))?;
    store.close();
    println!("Created user {} (id {}, role {}).", user.user_name, user.user_id, user.role.as_str());
    if generated {
        println!("Password: {password}");
    }
    Ok(())
}

fn token_create(db: &Path, name: &str, label: Option<String>, expires_days: Option<u32>) -> Result<(), Failure> {
    let store = open_store(db, Synchronous::Full)?;
    let user_name = name.to_string();
    let user_id = store
        .read_blocking(|conn| user_store::find_user_id_by_name(conn, &user_name))?
        .ok_or_else(|| Failure(format!("there is no user {name:?}")))?;
    let user = store
        .read_blocking(|conn| user_store::get_user(conn, user_id))?
        .ok_or_else(|| Failure(format!("there is no user {name:?}")))?;
    if !user.active {
        return Err(Failure(format!("user {name:?} is inactive; activate it first")));
    }
    let token = new_token();
    let hash = token_hash(&token);
    let now = Stamp::now();
    let expires_on = expires_days.map(|d| now.plus_seconds(i64::from(d) * 86_400));
    let label = label.unwrap_or_else(|| "command line".to_string());
    store.write_blocking(move |conn| {
        user_store::insert_token(
            conn,
            NewToken { user_id, hash: &hash, kind: "api", name: Some(&label), created_on: now, expires_on },
        )
    })?;
    store.close();
    println!("{token}");
    Ok(())
}

/// Reads one CSV file into rows named after their file and line; each row
/// comes with that name, which the import uses for problems it finds later.
fn read_csv(path: &Path) -> Result<Vec<(String, Fields)>, Failure> {
    let file_name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .map_err(|e| Failure(format!("cannot read {}: {e}", path.display())))?;
    let headers =
        reader.headers().map_err(|e| Failure(format!("{file_name}: cannot read the header row: {e}")))?.clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Failure(format!("{file_name}: {e}")))?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let pairs = headers.iter().zip(record.iter()).map(|(h, v)| (h.to_string(), v.trim().to_string())).collect();
        let name = format!("{file_name} line {line}: ");
        rows.push((name.clone(), Fields::from_text_pairs(pairs, name)));
    }
    Ok(rows)
}

fn import(db: &Path, args: ImportArgs) -> Result<(), Failure> {
    let zone = args.timezone.clone();
    let load = |p: &Option<PathBuf>| -> Result<(Vec<String>, Vec<Fields>), Failure> {
        Ok(p.as_deref().map(read_csv).transpose()?.unwrap_or_default().into_iter().unzip())
    };
    let (property_rows, properties) = load(&args.properties)?;
    let (unit_rows, units) = load(&args.units)?;
    let (resident_rows, residents) = load(&args.residents)?;
    // Rows are named by file and line, for shape problems and reference problems alike.
    let batch = ImportBatch::read(properties, units, residents, &zone, |list, i| {
        let rows = match list {
            "Properties" => &property_rows,
            "Units" => &unit_rows,
            _ => &resident_rows,
        };
        rows.get(i).cloned().unwrap_or_default()
    });
    let store = open_store(db, Synchronous::Full)?;
    let counts = store.write_blocking(move |conn| directory_store::import(conn, batch))?;
    store.close();
    println!("Imported {} properties, {} units, {} residents.", counts.properties, counts.units, counts.residents);
    Ok(())
}

fn backup(db: &Path, dest: &Path) -> Result<(), Failure> {
    require_database(db)?;
    if dest.exists() {
        return Err(Failure(format!("{} already exists; choose a new file name", dest.display())));
    }
    let dest_text = dest.to_str().ok_or_else(|| Failure("the destination path is not valid UTF-8".into()))?;
    // Read only, never through the Store: a copy must not upgrade its source.
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| Failure(format!("cannot open {}: {e}", db.display())))?;
    conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(|e| Failure(e.to_string()))?;
    // VACUUM INTO reads in one transaction: a consistent copy while the server writes.
    conn.execute("VACUUM INTO ?1", [dest_text])
        .map_err(|e| Failure(format!("backup to {} failed: {e}", dest.display())))?;
    integrity_check(dest)
        .map_err(|e| Failure(format!("the copy {} failed its integrity check: {e}", dest.display())))?;
    println!("Backed up {} to {} (integrity check ok).", db.display(), dest.display());
    Ok(())
}

fn check(db: &Path) -> Result<(), Failure> {
    require_database(db)?;
    // Read only: a damaged file must not be "repaired" by opening it for writing.
    integrity_check(db).map_err(|e| Failure(format!("{} is damaged: {e}", db.display())))?;
    println!("{}: ok", db.display());
    Ok(())
}

/// API.md §9: `check` and `backup` fail on a file that does not exist rather
/// than create one (an empty new database would hide a mistyped path).
fn require_database(db: &Path) -> Result<(), Failure> {
    if db.exists() {
        Ok(())
    } else {
        Err(Failure(format!("no database at {}", db.display())))
    }
}

/// `serve --demo`: a small sample directory, only into an empty directory.
fn load_demo_directory(store: &Store) -> Result<(), Failure> {
    if !store.read_blocking(directory_store::directory_is_empty)? {
        return Ok(());
    }
    let batch = demo_batch();
    let counts = store.write_blocking(move |conn| directory_store::import(conn, batch))?;
    log::info!(
        "demo directory loaded: {} properties, {} units, {} residents",
        counts.properties,
        counts.units,
        counts.residents
    );
    Ok(())
}

fn demo_batch() -> ImportBatch {
    const FIRST: [&str; 10] = ["Ana", "Ben", "Chloé", "Dev", "Elena", "Femi", "Grace", "Hiro", "Inés", "Jamal"];
    const LAST: [&str; 10] =
        ["Alvarez", "Brooks", "Chen", "Dubois", "Evans", "Fischer", "García", "Haddad", "Ito", "Jensen"];
    let mut batch = ImportBatch::default();
    let sites = [(1, "Harbor View Condominiums", 1, "Miami", "FL"), (2, "Oak Hollow HOA", 2, "Austin", "TX")];
    for (property_id, name, type_id, city, state) in sites {
        batch.properties.push((
            String::new(),
            Property {
                property_id,
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
            },
        ));
        for n in 1..=20 {
            let unit_id = property_id * 100 + n;
            batch.units.push((
                String::new(),
                Unit {
                    unit_id,
                    property_id,
                    unit_number: if type_id == 1 {
                        format!("{}{:02}", 1 + (n - 1) / 5, n)
                    } else {
                        format!("{}", 10 * n)
                    },
                    address1: None,
                    address2: None,
                    city: Some(city.into()),
                    state: Some(state.into()),
                    zip: None,
                    display_order: Some(n),
                    floor: (type_id == 1).then(|| (1 + (n - 1) / 5).to_string()),
                    latitude: None,
                    longitude: None,
                },
            ));
            for k in 0..2 {
                let i = (unit_id * 2 + k) as usize;
                batch.residents.push((
                    String::new(),
                    Resident {
                        resident_id: unit_id * 10 + k,
                        property_id,
                        unit_id,
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
                    },
                ));
            }
        }
    }
    batch
}
