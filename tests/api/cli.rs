//! docs/operations.md §11: the command line, run as a real process.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_calllog");
/// How long any one command may take before the test gives up on it.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

// ---- running processes ----------------------------------------------------

/// A child process that is killed when the test ends, however it ends.
struct Running(Child);

impl Running {
    fn pid(&self) -> u32 {
        self.0.id()
    }

    /// Waits for the exit, at most `timeout`; `None` when still running.
    fn wait_for(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.0.try_wait().expect("try_wait") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// `calllog --db DB` with no configuration inherited from the environment.
fn calllog(db: &Path) -> Command {
    let mut command = Command::new(BIN);
    command.arg("--db").arg(db);
    for var in ["CALLLOG_DB", "CALLLOG_BIND", "CALLLOG_TIMEZONE", "CALLLOG_SYNCHRONOUS", "RUST_LOG"] {
        command.env_remove(var);
    }
    command
}

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Outcome {
    fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "exit code; stdout: {:?}; stderr: {:?}", self.stdout, self.stderr);
        self
    }

    /// A usage error (docs/operations.md §11: exit 2), told by clap on stderr, nothing on stdout.
    fn assert_usage_error(&self, mentions: &str) {
        self.assert_code(2);
        assert!(self.stderr.contains(mentions), "stderr should mention {mentions:?}: {:?}", self.stderr);
        assert_eq!(self.stdout, "", "nothing on stdout on a usage error");
    }

    /// A runtime failure: exit 1, one line on stderr, nothing on stdout.
    fn assert_failure_line(&self) -> &str {
        self.assert_code(1);
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "stderr must be one line: {:?}", self.stderr);
        assert!(lines[0].starts_with("calllog: "), "{:?}", lines[0]);
        assert_eq!(self.stdout, "", "nothing on stdout on failure");
        lines[0]
    }
}

fn read_all_in_thread(mut source: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = source.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Runs a command to completion (bounded by `COMMAND_TIMEOUT`), feeding `stdin`.
fn run(mut command: Command, stdin: Option<&str>) -> Outcome {
    command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = Running(command.spawn().expect("starting calllog"));
    let mut input = child.0.stdin.take().unwrap();
    if let Some(text) = stdin {
        // A command that fails before reading its input closes the pipe; that is its business.
        let _ = input.write_all(text.as_bytes());
    }
    drop(input);
    let stdout = read_all_in_thread(child.0.stdout.take().unwrap());
    let stderr = read_all_in_thread(child.0.stderr.take().unwrap());
    let status = child.wait_for(COMMAND_TIMEOUT).expect("the command did not finish in time");
    Outcome {
        code: status.code().expect("exited by a signal"),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

fn read_only(db: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
}

fn count(db: &Path, table: &str) -> i64 {
    read_only(db).query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

// What the crate stores, in its own terms: checked against the file's rows.

/// Whether `password` is the one a stored password hash was made from.
fn password_matches(password: &str, stored_hash: &str) -> bool {
    calllog::credentials::verify_password_with(password, stored_hash, &mut Vec::new())
}

/// The digest a token is stored as.
fn stored_token_hash(token: &str) -> Vec<u8> {
    calllog::credentials::token_hash(token)
}

/// Now, as stored: 100 ns ticks.
fn now_in_ticks() -> i64 {
    calllog::domain::time::Stamp::now().0
}

/// A date (read in UTC), as stored: 100 ns ticks.
fn date_in_ticks(date: &str) -> i64 {
    calllog::domain::time::parse_date(date, &jiff::tz::TimeZone::UTC).unwrap().0
}

// ---- user add -------------------------------------------------------------

#[test]
fn user_add_with_password_stdin_creates_the_user() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let mut command = calllog(&db);
    command.args(["user", "add", "ann", "--role", "agent", "--first", "Ann", "--last", "Lee", "--property", "1"]);
    command.args(["--property", "2", "--email", "ann@example.com", "--password-stdin"]);
    let out = run(command, Some("correct-horse-9\n"));
    out.assert_code(0);
    assert_eq!(out.stdout, "Created user ann (id 1, role agent).\n");
    assert!(!out.stdout.contains("correct-horse-9") && !out.stdout.contains("Password"));

    let conn = read_only(&db);
    let (name, first, last, email, role, active, hash): (String, String, String, String, String, bool, String) = conn
        .query_row("SELECT user_name, first_name, last_name, email, role, active, password_hash FROM users", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        })
        .unwrap();
    assert_eq!((name.as_str(), first.as_str(), last.as_str()), ("ann", "Ann", "Lee"));
    assert_eq!((email.as_str(), role.as_str(), active), ("ann@example.com", "agent", true));
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(password_matches("correct-horse-9", &hash), "the stdin password (without its newline)");
    let links: Vec<i64> = conn
        .prepare("SELECT property_id FROM user_properties ORDER BY property_id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(links, [1, 2]);
}

#[test]
fn user_add_without_password_stdin_prints_a_generated_password() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let mut command = calllog(&db);
    command.args(["user", "add", "viv", "--role", "viewer"]);
    let out = run(command, None);
    out.assert_code(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{:?}", out.stdout);
    assert_eq!(lines[0], "Created user viv (id 1, role viewer).");
    let password = lines[1].strip_prefix("Password: ").expect("a Password: line");
    assert!(password.len() >= 16, "generated password too short: {password:?}");
    let hash: String = read_only(&db).query_row("SELECT password_hash FROM users", [], |r| r.get(0)).unwrap();
    assert!(password_matches(password, &hash), "the printed password must be the stored one");
}

#[test]
fn user_add_of_a_taken_name_fails_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let mut first = calllog(&db);
    first.args(["user", "add", "dup", "--role", "agent", "--password-stdin"]);
    run(first, Some("long-enough-1\n")).assert_code(0);
    for name in ["dup", "DUP"] {
        let mut again = calllog(&db);
        again.args(["user", "add", name, "--role", "viewer", "--password-stdin"]);
        let out = run(again, Some("long-enough-2\n"));
        let line = out.assert_failure_line();
        assert!(line.contains("already taken"), "{line}");
    }
    assert_eq!(count(&db, "users"), 1);
}

#[test]
fn user_add_with_a_bad_role_or_short_password_fails_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let mut command = calllog(&db);
    command.args(["user", "add", "bo", "--role", "boss", "--password-stdin"]);
    run(command, Some("long-enough-1\n")).assert_usage_error("admin, agent or viewer");
    let mut command = calllog(&db);
    command.args(["user", "add", "bad name", "--role", "agent", "--password-stdin"]);
    run(command, Some("long-enough-1\n")).assert_usage_error("bad name");
    let mut command = calllog(&db);
    command.args(["user", "add", "bo", "--role", "agent", "--property", "0", "--password-stdin"]);
    run(command, Some("long-enough-1\n")).assert_usage_error("--property");
    let mut command = calllog(&db);
    command.args(["user", "add", "bo", "--role", "agent", "--password-stdin"]);
    let line = run(command, Some("short\n")).assert_failure_line().to_string();
    assert!(line.contains("password"), "{line}");
    let mut command = calllog(&db);
    command.args(["user", "add", "bo", "--role", "agent", "--password-stdin"]);
    run(command, Some("long-enough-1\n")).assert_code(0);
    assert_eq!(count(&db, "users"), 1, "only the good attempt created a user");
}

#[test]
fn an_unknown_flag_is_a_usage_error_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let mut command = calllog(&db);
    command.args(["user", "add", "x", "--role", "agent", "--bogus"]);
    let out = run(command, None);
    out.assert_code(2);
    assert!(out.stderr.contains("--bogus"), "{}", out.stderr);
    let mut command = calllog(&db);
    command.arg("frobnicate");
    run(command, None).assert_code(2);
    let mut command = calllog(&db);
    command.args(["user", "add", "norole"]);
    run(command, None).assert_code(2);
}

/// `serve` makes `admin` only in a database with no user at all: a first
/// `user add` of an agent would leave nobody to manage users, silently.
#[test]
fn user_add_says_when_the_database_is_left_without_an_active_admin() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let add = |name: &str, role: &str| {
        let mut command = calllog(&db);
        command.args(["user", "add", name, "--role", role, "--password-stdin"]);
        run(command, Some("a-long-enough-password\n"))
    };
    let first = add("jdoe", "agent");
    first.assert_code(0);
    assert_eq!(first.stdout, "Created user jdoe (id 1, role agent).\n", "the note is not on stdout");
    let lines: Vec<&str> = first.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr: {:?}", first.stderr);
    assert!(lines[0].starts_with("calllog: note: ") && lines[0].contains("no active admin"), "{:?}", lines[0]);
    assert!(lines[0].contains("calllog user add NAME --role admin"), "it says how to get one: {:?}", lines[0]);
    let admin = add("boss", "admin");
    admin.assert_code(0);
    assert_eq!(admin.stderr, "", "an admin now exists");
    let second = add("viv", "viewer");
    second.assert_code(0);
    assert_eq!(second.stderr, "", "there is an active admin");
}

/// `calllog` with no `--db` and no configuration from the environment.
fn calllog_without_db() -> Command {
    let mut command = Command::new(BIN);
    for var in ["CALLLOG_DB", "CALLLOG_BIND", "CALLLOG_TIMEZONE", "CALLLOG_SYNCHRONOUS", "RUST_LOG"] {
        command.env_remove(var);
    }
    command
}

/// `migrate` reads `--from` and writes `--to`: its help does not offer the
/// global `--db`, and `--db` given to it (before or after the command) is a
/// usage error rather than silently ignored. `CALLLOG_DB` from a service's
/// environment is no mistake of the command line and stays allowed.
#[test]
fn migrate_neither_offers_nor_takes_db() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("other.db");
    let file = file.to_str().unwrap();
    let missing = dir.path().join("missing.db");
    let missing = missing.to_str().unwrap();
    let to = "postgres://nobody@127.0.0.1:1/none";

    let mut command = calllog_without_db();
    command.args(["migrate", "--help"]);
    let help = run(command, None);
    help.assert_code(0);
    assert!(help.stdout.contains("--from") && help.stdout.contains("--to"), "{}", help.stdout);
    let offered: Vec<&str> = help.stdout.lines().filter(|l| l.trim_start().starts_with("--db")).collect();
    assert!(offered.is_empty(), "migrate --help offers {offered:?}");
    assert!(!help.stdout.contains("[env: CALLLOG_DB"), "{}", help.stdout);

    for args in [
        vec!["migrate", "--db", file, "--from", missing, "--to", to],
        vec!["--db", file, "migrate", "--from", missing, "--to", to],
    ] {
        let mut command = calllog_without_db();
        command.args(&args);
        let out = run(command, None);
        out.assert_usage_error("--db");
        assert!(!Path::new(file).exists(), "{args:?} created {file}");
    }

    let mut command = calllog_without_db();
    command.env("CALLLOG_DB", file).args(["migrate", "--from", missing, "--to", to]);
    let out = run(command, None);
    assert!(out.assert_failure_line().contains("no database at"), "{:?}", out.stderr);
}

/// Every argument of every command says what it is in `--help`
/// (`import --help` once described none of its flags).
#[test]
fn every_argument_of_every_command_has_a_help_text() {
    fn walk(command: &clap::Command, path: &str, silent: &mut Vec<String>) {
        for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
            if arg.get_help().is_none_or(|help| help.to_string().trim().is_empty()) {
                silent.push(format!("{path} {}", arg.get_id()));
            }
        }
        for sub in command.get_subcommands() {
            if sub.get_about().is_none() {
                silent.push(format!("{path} {} (the command)", sub.get_name()));
            }
            walk(sub, &format!("{path} {}", sub.get_name()), silent);
        }
    }
    let mut silent = Vec::new();
    walk(&calllog::cli::command(), "calllog", &mut silent);
    assert!(silent.is_empty(), "no help text: {silent:?}");

    let mut command = calllog_without_db();
    command.args(["import", "--help"]);
    let help = run(command, None);
    help.assert_code(0);
    for flag in ["--properties", "--units", "--residents", "--timezone"] {
        let line = help.stdout.lines().find(|l| l.trim_start().starts_with(flag)).unwrap_or_else(|| panic!("{flag}"));
        let words = line.trim_start().splitn(3, ' ').nth(2).unwrap_or("").trim();
        assert!(words.len() > 10, "{flag} has no description: {line:?}");
    }
}

// ---- token create ---------------------------------------------------------

#[test]
fn token_create_prints_only_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let mut add = calllog(&db);
    add.args(["user", "add", "robot", "--role", "agent", "--password-stdin"]);
    run(add, Some("long-enough-1\n")).assert_code(0);
    let mut command = calllog(&db);
    command.args(["token", "create", "robot", "--label", "L", "--expires-days", "3"]);
    let before = now_in_ticks();
    let out = run(command, None);
    out.assert_code(0);
    let token = out.stdout.strip_suffix('\n').expect("one line");
    assert!(!token.contains('\n'), "stdout must be only the token: {:?}", out.stdout);
    assert_eq!(token.len(), 64, "{token:?}");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token:?}");

    let (hash, kind, name, expires): (Vec<u8>, String, String, i64) = read_only(&db)
        .query_row("SELECT token_hash, kind, name, expires_on FROM tokens", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap();
    assert_eq!(hash, stored_token_hash(token), "stored as its hash");
    assert_eq!((kind.as_str(), name.as_str()), ("api", "L"));
    let ahead = (expires - before) / 10_000_000; // stored in 100 ns ticks
    assert!((3 * 86_400 - 120..=3 * 86_400 + 120).contains(&ahead), "expires {ahead} s ahead");
}

#[test]
fn token_create_for_an_unknown_user_fails_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let mut command = calllog(&db);
    command.args(["token", "create", "ghost", "--label", "L"]);
    let line = run(command, None).assert_failure_line().to_string();
    assert!(line.contains("ghost"), "{line}");
    assert_eq!(count(&db, "tokens"), 0);
}

// ---- user list, user passwd, token list, token revoke -----------------------

/// `calllog user add NAME --role ROLE [extra…] --password-stdin` with `password`.
fn add_user(db: &Path, name: &str, role: &str, extra: &[&str], password: &str) {
    let mut command = calllog(db);
    command.args(["user", "add", name, "--role", role]).args(extra).arg("--password-stdin");
    run(command, Some(&format!("{password}\n"))).assert_code(0);
}

/// Every audit row as (user_id, user_name, action, target, details), oldest first.
type AuditRow = (Option<i64>, String, String, String, Option<String>);
fn audit_rows(db: &Path) -> Vec<AuditRow> {
    read_only(db)
        .prepare("SELECT user_id, user_name, action, target, details FROM admin_audit ORDER BY audit_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn user_list_prints_one_tab_separated_line_per_user_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    add_user(&db, "zed", "viewer", &["--property", "2", "--property", "1"], "long-enough-1");
    add_user(&db, "Amy", "agent", &[], "long-enough-1");
    add_user(&db, "boss", "admin", &[], "long-enough-1");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("UPDATE users SET active = 0 WHERE user_name = 'Amy'", [])
        .unwrap();
    let mut command = calllog(&db);
    command.args(["user", "list"]);
    let out = run(command, None);
    out.assert_code(0);
    assert_eq!(out.stdout, "Amy\tagent\tinactive\t\nboss\tadmin\tactive\t\nzed\tviewer\tactive\t1,2\n");
    assert_eq!(out.stderr, "");
}

#[test]
fn user_passwd_sets_the_password_from_stdin_or_prints_a_generated_one_and_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    add_user(&db, "admin", "admin", &[], "forgotten-password");
    let stored =
        || -> String { read_only(&db).query_row("SELECT password_hash FROM users", [], |r| r.get(0)).unwrap() };

    let mut command = calllog(&db);
    command.args(["user", "passwd", "ADMIN", "--password-stdin"]);
    let out = run(command, Some("remembered-now-1\n"));
    out.assert_code(0);
    assert_eq!(out.stdout, "Set a new password for admin (id 1); its sessions are signed out, its API tokens stay.\n");
    assert!(password_matches("remembered-now-1", &stored()));
    assert!(!password_matches("forgotten-password", &stored()));

    let mut command = calllog(&db);
    command.args(["user", "passwd", "admin"]);
    let out = run(command, None);
    out.assert_code(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{:?}", out.stdout);
    let password = lines[1].strip_prefix("Password: ").expect("a Password: line");
    assert!(password.len() >= 16, "{password:?}");
    assert!(password_matches(password, &stored()), "the printed password is the stored one");

    let rows = audit_rows(&db);
    let resets: Vec<&AuditRow> = rows.iter().filter(|r| r.2 == "user.password_reset").collect();
    assert_eq!(resets.len(), 2, "{rows:?}");
    for row in resets {
        assert_eq!((row.0, row.1.as_str(), row.3.as_str()), (None, "command line", "user admin (id 1)"));
    }
    assert!(!format!("{rows:?}").contains(password), "no password in the audit");
}

#[test]
fn user_passwd_of_an_unknown_user_or_a_short_password_fails_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    add_user(&db, "ann", "agent", &[], "long-enough-1");
    let mut command = calllog(&db);
    command.args(["user", "passwd", "ghost", "--password-stdin"]);
    let line = run(command, Some("long-enough-2\n")).assert_failure_line().to_string();
    assert_eq!(line, "calllog: there is no user \"ghost\"");
    let mut command = calllog(&db);
    command.args(["user", "passwd", "ann", "--password-stdin"]);
    let line = run(command, Some("short\n")).assert_failure_line().to_string();
    assert!(line.contains("password"), "{line}");
    let mut command = calllog(&db);
    command.args(["user", "passwd"]);
    run(command, None).assert_usage_error("NAME");
    let hash: String = read_only(&db).query_row("SELECT password_hash FROM users", [], |r| r.get(0)).unwrap();
    assert!(password_matches("long-enough-1", &hash));
    assert_eq!(audit_rows(&db).len(), 1, "only the user's creation");
}

#[test]
fn token_list_prints_live_api_tokens_and_token_revoke_revokes_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    add_user(&db, "robot", "agent", &[], "long-enough-1");
    for args in [&["--label", "nightly\texport"][..], &["--label", "short", "--expires-days", "2"], &[]] {
        let mut command = calllog(&db);
        command.args(["token", "create", "robot"]).args(args);
        run(command, None).assert_code(0);
    }
    let list = || {
        let mut command = calllog(&db);
        command.args(["token", "list", "robot"]);
        let out = run(command, None);
        out.assert_code(0);
        out.stdout
    };
    let listed = list();
    let lines: Vec<Vec<&str>> = listed.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(lines.len(), 3, "{listed:?}");
    let date = |text: &str| {
        assert_eq!(text.len(), 33, "{text:?}");
        assert!(text.ends_with("+00:00") && text.as_bytes()[19] == b'.', "the API's date format: {text:?}");
    };
    assert_eq!(&lines[0][..2], ["1", "nightly export"], "a tab in a label becomes a space");
    assert_eq!((lines[0][3], lines[2][1], lines[2][3]), ("never", "command line", "never"));
    assert_eq!(lines[1][..2], ["2", "short"]);
    for line in &lines {
        assert_eq!(line.len(), 4, "{line:?}");
        date(line[2]);
    }
    date(lines[1][3]);

    let mut command = calllog(&db);
    command.args(["token", "revoke", "2"]);
    let out = run(command, None);
    out.assert_code(0);
    assert_eq!(out.stdout, "Revoked API token 2 \"short\" of user robot.\n");
    let after: Vec<&str> = listed.lines().filter(|l| !l.starts_with("2\t")).collect();
    assert_eq!(list(), format!("{}\n", after.join("\n")));
    let revoked: Option<i64> =
        read_only(&db).query_row("SELECT revoked_on FROM tokens WHERE token_id = 2", [], |r| r.get(0)).unwrap();
    assert!(revoked.is_some());

    // Not live (any more), or never there: exit 1 with one line.
    for id in ["2", "99"] {
        let mut command = calllog(&db);
        command.args(["token", "revoke", id]);
        let line = run(command, None).assert_failure_line().to_string();
        assert_eq!(line, format!("calllog: There is no live token {id}."));
    }
    let mut command = calllog(&db);
    command.args(["token", "revoke", "x"]);
    run(command, None).assert_usage_error("TOKENID");
    let mut command = calllog(&db);
    command.args(["token", "list", "ghost"]);
    assert_eq!(run(command, None).assert_failure_line(), "calllog: there is no user \"ghost\"");

    let rows = audit_rows(&db);
    let actions: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
    assert_eq!(actions, ["user.created", "token.created", "token.created", "token.created", "token.revoked"]);
    assert!(rows.iter().all(|r| r.0.is_none() && r.1 == "command line"), "{rows:?}");
    assert_eq!(rows[4].3, "API token 2 \"short\" of user robot (id 1)");
}

// ---- import ---------------------------------------------------------------

const PROPERTIES_CSV: &str = "PropertyId,PropertyName,Address1,PropertyTypeId,PropertyStatus\r\n\
1,\"Harbor View, North\",\"Suite \"\"A\"\"\nBuilding 2\",1,true\r\n\
2,Zoë Gardens,,2,false\r\n";

const UNITS_CSV: &str = "unitid,PROPERTYID,UnitNumber,DisplayOrder\n\
11,1,101,1\n\
21,2,\"A-1\",\n";

const RESIDENTS_CSV: &str = "ResidentId,PropertyId,UnitId,ResidentFirstName,ResidentLastName,ResidentType,MoveInDate\n\
111,1,11,José,Núñez,1,2024-05-01\n\
211,2,21,Zoë,\"O'Brien, Jr.\",3,\n";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn import(db: &Path, files: &[(&str, &Path)]) -> Outcome {
    let mut command = calllog(db);
    command.arg("import");
    for (flag, path) in files {
        command.arg(flag).arg(path);
    }
    run(command, None)
}

#[test]
fn import_reads_rfc4180_csv_with_quotes_newlines_and_non_ascii() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let p = write(dir.path(), "p.csv", PROPERTIES_CSV);
    let u = write(dir.path(), "u.csv", UNITS_CSV);
    let r = write(dir.path(), "r.csv", RESIDENTS_CSV);
    let out = import(&db, &[("--properties", &p), ("--units", &u), ("--residents", &r)]);
    out.assert_code(0);
    assert_eq!(out.stdout, "Imported 2 properties, 2 units, 2 residents.\n");
    assert_eq!(
        audit_rows(&db),
        [(
            None,
            "command line".into(),
            "directory.imported".into(),
            "directory".into(),
            Some("2 properties, 2 units, 2 residents".into())
        )]
    );

    let conn = read_only(&db);
    type PropertyRow = (i64, String, Option<String>, Option<i64>, bool);
    let properties: Vec<PropertyRow> = conn
        .prepare(
            "SELECT property_id, property_name, address1, property_type_id, property_status FROM properties ORDER BY 1",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        properties,
        [
            (1, "Harbor View, North".to_string(), Some("Suite \"A\"\nBuilding 2".to_string()), Some(1), true),
            (2, "Zoë Gardens".to_string(), None, Some(2), false),
        ]
    );
    let units: Vec<(i64, i64, String, Option<i64>)> = conn
        .prepare("SELECT unit_id, property_id, unit_number, display_order FROM units ORDER BY 1")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(units, [(11, 1, "101".to_string(), Some(1)), (21, 2, "A-1".to_string(), None)]);
    let residents: Vec<(i64, i64, String, String, i64, Option<i64>)> = conn
        .prepare(
            "SELECT resident_id, unit_id, first_name, last_name, resident_type, move_in_date FROM residents ORDER BY 1",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let may_first = date_in_ticks("2024-05-01");
    assert_eq!(
        residents,
        [
            (111, 11, "José".to_string(), "Núñez".to_string(), 1, Some(may_first)),
            (211, 21, "Zoë".to_string(), "O'Brien, Jr.".to_string(), 3, None),
        ]
    );
}

#[test]
fn import_again_upserts_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let p = write(dir.path(), "p.csv", PROPERTIES_CSV);
    import(&db, &[("--properties", &p)]).assert_code(0);
    let renamed = write(dir.path(), "p2.csv", "PropertyId,PropertyName\n2,Zoë Gardens East\n");
    let out = import(&db, &[("--properties", &renamed)]);
    out.assert_code(0);
    assert_eq!(out.stdout, "Imported 1 property, 0 units, 0 residents.\n");
    let name: String = read_only(&db)
        .query_row("SELECT property_name FROM properties WHERE property_id = 2", [], |r| r.get(0))
        .unwrap();
    assert_eq!(name, "Zoë Gardens East");
    assert_eq!(count(&db, "properties"), 2);
}

#[test]
fn an_import_with_an_unknown_property_names_file_and_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let p = write(dir.path(), "p.csv", PROPERTIES_CSV);
    let u = write(dir.path(), "u.csv", "UnitId,PropertyId,UnitNumber\n11,1,101\n12,99,102\n");
    let r = write(dir.path(), "r.csv", RESIDENTS_CSV);
    let out = import(&db, &[("--properties", &p), ("--units", &u), ("--residents", &r)]);
    let line = out.assert_failure_line();
    assert!(line.contains("u.csv line 3: PropertyId"), "must name the file, the line and the field: {line}");
    for table in ["properties", "units", "residents"] {
        assert_eq!(count(&db, table), 0, "{table} must be untouched");
    }
}

#[test]
fn an_import_with_a_missing_field_names_the_line_after_a_multiline_record() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    // The first record spans lines 2 and 3, so the bad record starts on line 4.
    let p = write(
        dir.path(),
        "props.csv",
        "PropertyId,PropertyName,Address1\n1,Harbor View,\"line one\nline two\"\n2,,nowhere\n3,Fine,\n",
    );
    let out = import(&db, &[("--properties", &p)]);
    let line = out.assert_failure_line();
    assert!(line.contains("props.csv line 4: PropertyName"), "{line}");
    assert_eq!(count(&db, "properties"), 0);
}

#[test]
fn an_import_lists_every_bad_row_across_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let p = write(dir.path(), "p.csv", "PropertyId,PropertyName,PropertyTypeId\n1,One,9\n2,Two,1\n");
    let r = write(dir.path(), "r.csv", "ResidentId,PropertyId,UnitId,ResidentLastName\n5,2,77,Nobody\n");
    let out = import(&db, &[("--properties", &p), ("--residents", &r)]);
    let line = out.assert_failure_line();
    assert!(line.contains("p.csv line 2: PropertyTypeId"), "{line}");
    assert!(line.contains("r.csv line 2: UnitId"), "{line}");
    assert_eq!(count(&db, "properties"), 0);
}

#[test]
fn an_import_of_a_missing_file_fails_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let missing = dir.path().join("nope.csv");
    let line = import(&db, &[("--properties", &missing)]).assert_failure_line().to_string();
    assert!(line.contains("nope.csv"), "{line}");
    let mut command = calllog(&db);
    command.arg("import");
    run(command, None).assert_usage_error("--properties");
}

// ---- check and backup -----------------------------------------------------

#[test]
fn check_passes_a_sound_database_and_fails_a_garbage_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let p = write(dir.path(), "p.csv", PROPERTIES_CSV);
    import(&db, &[("--properties", &p)]).assert_code(0);
    let mut command = calllog(&db);
    command.arg("check");
    run(command, None).assert_code(0);

    let garbage = dir.path().join("garbage.db");
    let mut bytes = vec![0u8; 8192];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = (i as u32).wrapping_mul(2_654_435_761).rotate_left(13) as u8;
    }
    std::fs::write(&garbage, &bytes).unwrap();
    let mut command = calllog(&garbage);
    command.arg("check");
    run(command, None).assert_failure_line();
    assert_eq!(std::fs::read(&garbage).unwrap(), bytes, "check must not change the file");

    // docs/operations.md §11: check on a file that does not exist fails instead of creating one.
    let absent = dir.path().join("absent.db");
    let mut command = calllog(&absent);
    command.arg("check");
    let line = run(command, None).assert_failure_line().to_string();
    assert_eq!(line, format!("calllog: no database at {}", absent.display()));
    assert!(!absent.exists());
}

#[test]
fn backup_makes_a_sound_copy_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let p = write(dir.path(), "p.csv", PROPERTIES_CSV);
    import(&db, &[("--properties", &p)]).assert_code(0);
    let dest = dir.path().join("copy.db");
    let mut command = calllog(&db);
    command.arg("backup").arg(&dest);
    run(command, None).assert_code(0);
    let mut command = calllog(&dest);
    command.arg("check");
    run(command, None).assert_code(0);
    assert_eq!(count(&dest, "properties"), 2);

    let before = std::fs::read(&dest).unwrap();
    let mut command = calllog(&db);
    command.arg("backup").arg(&dest);
    let line = run(command, None).assert_failure_line().to_string();
    assert!(line.contains("copy.db"), "{line}");
    assert_eq!(std::fs::read(&dest).unwrap(), before, "the existing file must be left alone");
}

#[test]
fn backup_into_a_missing_folder_says_the_folder_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let p = write(dir.path(), "p.csv", PROPERTIES_CSV);
    import(&db, &[("--properties", &p)]).assert_code(0);
    let folder = dir.path().join("backups");
    let mut command = calllog(&db);
    command.arg("backup").arg(folder.join("copy.db"));
    let line = run(command, None).assert_failure_line().to_string();
    assert_eq!(
        line,
        format!(
            "calllog: the folder {} does not exist; create it first or choose another place for the copy",
            folder.display()
        )
    );
    assert!(!folder.exists(), "the folder is not created behind the operator's back");
}

// ---- serve ----------------------------------------------------------------

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// One HTTP exchange: status and body. Connections are not kept: a server
/// under test must be able to stop without waiting for idle clients.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> reqwest::Result<(u16, String)> {
    static CLIENT: OnceLock<reqwest::blocking::Client> = OnceLock::new();
    let client = CLIENT.get_or_init(|| {
        reqwest::blocking::Client::builder()
            // The server is on loopback: a proxy set in the environment must not come between.
            .no_proxy()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .pool_max_idle_per_host(0)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client")
    });
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method name");
    let mut request = client.request(method, format!("http://{addr}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.header("Content-Type", "application/json").body(body.to_string());
    }
    let response = request.send()?;
    let status = response.status().as_u16();
    Ok((status, response.text()?))
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text:?}"))
}

/// A running `calllog serve`: its process, address, stdout lines and stderr file.
struct Server {
    process: Running,
    addr: String,
    stdout: Receiver<String>,
    stderr_file: PathBuf,
}

impl Server {
    fn start(db: &Path, extra: &[&str]) -> Server {
        let addr = format!("127.0.0.1:{}", free_port());
        let mut command = calllog(db);
        command.args(["serve", "--bind", &addr]).args(extra);
        Server::spawn(db, command, addr)
    }

    fn spawn(db: &Path, mut command: Command, addr: String) -> Server {
        let stderr_file = db.with_extension(format!("{}.stderr", addr.replace([':', '.'], "_")));
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(File::create(&stderr_file).unwrap());
        let mut process = Running(command.spawn().expect("starting calllog serve"));
        let (lines, stdout) = mpsc::channel();
        let out = process.0.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        Server { process, addr, stdout, stderr_file }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr_file).unwrap_or_default()
    }

    /// The first-run password printed on stdout.
    fn first_password(&self) -> String {
        let line = self.stdout.recv_timeout(Duration::from_secs(30)).unwrap_or_else(|e| {
            panic!("no first-run line on stdout ({e}); log: {}", self.log());
        });
        let password = line
            .strip_prefix("Created the first user: admin, password ")
            .and_then(|rest| rest.strip_suffix(" (shown only this once)."))
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"));
        assert!(password.len() >= 16, "{password:?}");
        password.to_string()
    }

    /// Polls /healthz until it answers 200 (bounded).
    fn wait_until_healthy(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok((200, body)) = http(&self.addr, "GET", "/healthz", None, None) {
                assert_eq!(body, "ok");
                return;
            }
            if let Some(status) = self.process.wait_for(Duration::ZERO) {
                panic!("the server exited early with {status}; log: {}", self.log());
            }
            assert!(Instant::now() < deadline, "/healthz never answered; log: {}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn sign_in(&self, password: &str) -> String {
        let body = serde_json::json!({"UserName": "admin", "Password": password}).to_string();
        let (status, text) = http(&self.addr, "POST", "/api/auth/token", None, Some(&body)).unwrap();
        assert_eq!(status, 200, "{text}");
        json(&text)["Token"].as_str().unwrap().to_string()
    }

    /// Sends SIGTERM and asserts a clean exit (code 0) within 10 s; answers the later stdout lines.
    fn stop(self) -> Vec<String> {
        self.stop_with("-TERM")
    }

    fn stop_with(mut self, signal: &str) -> Vec<String> {
        let status = Command::new("kill").arg(signal).arg(self.process.pid().to_string()).status().unwrap();
        assert!(status.success(), "kill {signal} failed");
        let exit = self.process.wait_for(Duration::from_secs(10));
        let exit = exit.unwrap_or_else(|| panic!("no exit within 10 s of {signal}; log: {}", self.log()));
        assert_eq!(exit.code(), Some(0), "exit after {signal}: {exit}; log: {}", self.log());
        // Every later stdout line, up to end of file.
        let mut rest = Vec::new();
        loop {
            match self.stdout.recv_timeout(Duration::from_secs(5)) {
                Ok(line) => rest.push(line),
                Err(RecvTimeoutError::Disconnected) => return rest,
                Err(RecvTimeoutError::Timeout) => panic!("stdout stayed open after the exit"),
            }
        }
    }
}

#[test]
fn serve_prints_the_first_password_serves_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let mut server = Server::start(&db, &[]);
    let password = server.first_password();
    server.wait_until_healthy();
    let token = server.sign_in(&password);
    let (status, body) = http(&server.addr, "GET", "/api/users/me", Some(&token), None).unwrap();
    assert_eq!(status, 200, "{body}");
    let me = json(&body);
    assert_eq!(
        (me["UserName"].as_str(), me["Role"].as_str(), me["Active"].as_bool()),
        (Some("admin"), Some("admin"), Some(true))
    );
    let (status, body) = http(&server.addr, "GET", "/api/users/me", None, None).unwrap();
    assert_eq!((status, json(&body)["Code"].as_i64()), (401, Some(100)));
    let rest = server.stop();
    assert!(rest.is_empty(), "nothing more on stdout: {rest:?}");
    assert_eq!(count(&db, "users"), 1);
}

#[test]
fn a_start_that_cannot_listen_creates_no_admin_and_the_next_start_prints_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    // Something else holds the port.
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let mut command = calllog(&db);
    command.args(["serve", "--bind", &addr]);
    let out = run(command, None);
    let line = out.assert_failure_line();
    assert!(line.starts_with(&format!("calllog: cannot listen on {addr}")), "{line}");
    assert!(!out.stderr.contains("calllog stopped"), "it never started: {:?}", out.stderr);
    assert_eq!(count(&db, "users"), 0, "no admin whose password nobody saw");
    drop(taken);

    // The next start, on a free port, creates the admin and shows its password.
    let mut server = Server::start(&db, &[]);
    let password = server.first_password();
    server.wait_until_healthy();
    server.sign_in(&password);
    server.stop();
}

#[test]
fn the_startup_log_names_the_urls_served_and_the_stop_is_logged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let mut server = Server::start(&db, &[]);
    server.first_password();
    server.wait_until_healthy();
    let log = server.log();
    let base = format!("http://{}", server.addr);
    for url in [format!("{base}/ "), format!("{base}/help "), format!("{base}/metrics")] {
        assert!(log.contains(&url), "the log should name {url:?}: {log}");
    }
    let stderr_file = server.stderr_file.clone();
    server.stop();
    let log = std::fs::read_to_string(stderr_file).unwrap();
    assert!(log.contains("calllog stopped"), "{log}");
}

#[test]
fn a_second_serve_on_the_same_database_prints_no_new_password() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let mut first = Server::start(&db, &[]);
    let password = first.first_password();
    first.wait_until_healthy();
    first.stop();

    let mut second = Server::start(&db, &[]);
    second.wait_until_healthy();
    // The first password still works: no new admin, no reset.
    let token = second.sign_in(&password);
    let (status, body) = http(&second.addr, "GET", "/api/users", Some(&token), None).unwrap();
    assert_eq!((status, json(&body)["Total"].as_i64()), (200, Some(1)), "{body}");
    let printed = second.stop();
    assert!(printed.is_empty(), "a second start must print nothing on stdout: {printed:?}");
}

/// Asks `GET /api/users/me` with `token` until it answers 401, for at most
/// 10 s: a token the server had verified and cached, refused once the
/// command line revoked it in the database (the cache alone trusts it 30 s).
fn refused_soon(server: &Server, token: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = http(&server.addr, "GET", "/api/users/me", Some(token), None).unwrap();
        if status == 401 {
            assert_eq!(json(&body)["Code"], 101, "{body}");
            return;
        }
        assert_eq!(status, 200, "{body}");
        assert!(Instant::now() < deadline, "the running server still takes the token the command line revoked");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_running_server_honours_passwd_and_revoke_from_the_command_line_and_audits_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let mut server = Server::start(&db, &[]);
    let lost = server.first_password();
    server.wait_until_healthy();
    let session = server.sign_in(&lost);
    let body = serde_json::json!({"Name": "script"}).to_string();
    let (status, text) = http(&server.addr, "POST", "/api/users/1/tokens", Some(&session), Some(&body)).unwrap();
    assert_eq!(status, 201, "{text}");
    let api = json(&text)["Token"].as_str().unwrap().to_string();
    let token_id = json(&text)["TokenId"].as_i64().unwrap();
    // Both tokens are now verified and cached by the server.
    for token in [&session, &api] {
        assert_eq!(http(&server.addr, "GET", "/api/users/me", Some(token), None).unwrap().0, 200);
    }

    let mut command = calllog(&db);
    command.args(["token", "list", "admin"]);
    let out = run(command, None);
    out.assert_code(0);
    assert!(out.stdout.starts_with(&format!("{token_id}\tscript\t")), "{:?}", out.stdout);
    let mut command = calllog(&db);
    command.args(["token", "revoke", &token_id.to_string()]);
    run(command, None).assert_code(0);
    refused_soon(&server, &api);

    // The lost admin password: reset from the command line, the old session ends.
    let mut command = calllog(&db);
    command.args(["user", "passwd", "admin", "--password-stdin"]);
    run(command, Some("found-again-123\n")).assert_code(0);
    refused_soon(&server, &session);
    let old = serde_json::json!({"UserName": "admin", "Password": lost}).to_string();
    assert_eq!(http(&server.addr, "POST", "/api/auth/token", None, Some(&old)).unwrap().0, 401);
    let token = server.sign_in("found-again-123");

    let (status, text) = http(&server.addr, "GET", "/api/admin/audit", Some(&token), None).unwrap();
    assert_eq!(status, 200, "{text}");
    let entries = json(&text)["Elements"].as_array().unwrap().clone();
    let summary: Vec<(serde_json::Value, &str, &str)> = entries
        .iter()
        .map(|e| (e["UserId"].clone(), e["UserName"].as_str().unwrap(), e["Action"].as_str().unwrap()))
        .collect();
    let cli = serde_json::Value::Null;
    assert_eq!(
        summary,
        [
            (cli.clone(), "command line", "user.password_reset"),
            (cli.clone(), "command line", "token.revoked"),
            (serde_json::json!(1), "admin", "token.created"),
            (cli, "command line", "user.created"),
        ]
    );
    server.stop();
}

#[test]
fn user_unlock_lets_a_locked_out_name_into_the_running_server_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let mut server = Server::start(&db, &[]);
    let password = server.first_password();
    server.wait_until_healthy();
    let wrong = serde_json::json!({"UserName": "admin", "Password": "guess"}).to_string();
    for _ in 0..5 {
        assert_eq!(http(&server.addr, "POST", "/api/auth/token", None, Some(&wrong)).unwrap().0, 401);
    }
    let right = serde_json::json!({"UserName": "admin", "Password": password}).to_string();
    let (status, body) = http(&server.addr, "POST", "/api/auth/token", None, Some(&right)).unwrap();
    assert_eq!((status, json(&body)["Code"].as_i64()), (429, Some(116)), "{body}");

    let mut command = calllog(&db);
    command.args(["user", "unlock", "ADMIN"]);
    let out = run(command, None);
    out.assert_code(0);
    assert_eq!(out.stdout, "Cleared 5 failed sign-in(s) of admin (id 1); it can sign in again from every address.\n");
    // The server asks the database on every attempt: the very next one is let in.
    let token = server.sign_in(&password);
    let (_, text) = http(&server.addr, "GET", "/api/admin/audit", Some(&token), None).unwrap();
    let newest = &json(&text)["Elements"][0];
    assert_eq!((newest["Action"].as_str(), newest["UserName"].as_str()), (Some("user.unlocked"), Some("command line")));

    let mut command = calllog(&db);
    command.args(["user", "unlock", "admin"]);
    let out = run(command, None);
    out.assert_code(0);
    assert_eq!(out.stdout, "admin (id 1) had no failed sign-ins to clear.\n");
    let mut command = calllog(&db);
    command.args(["user", "unlock", "nobody"]);
    let line = run(command, None).assert_failure_line().to_string();
    assert_eq!(line, "calllog: There is no user \"nobody\".");
    server.stop();
}

#[test]
fn user_add_and_passwd_refuse_a_weak_password_naming_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    for (password, rule) in [("password", "most common"), ("        ", "white space"), ("BOB.BUILDER", "user name")] {
        let mut command = calllog(&db);
        command.args(["user", "add", "bob.builder", "--role", "agent", "--password-stdin"]);
        let line = run(command, Some(&format!("{password}\n"))).assert_failure_line().to_string();
        assert!(line.starts_with("calllog: the password ") && line.contains(rule), "{line}");
    }
    assert!(!db.exists(), "refused before the database was opened");
    let mut command = calllog(&db);
    command.args(["user", "add", "bob.builder", "--role", "agent", "--password-stdin"]);
    run(command, Some("can we fix it? yes\n")).assert_code(0);
    let mut command = calllog(&db);
    command.args(["user", "passwd", "bob.builder", "--password-stdin"]);
    let line = run(command, Some("Bob.Builder\n")).assert_failure_line().to_string();
    assert!(line.contains("must not be the user name"), "{line}");
}

#[test]
fn an_unknown_timezone_or_expiry_out_of_range_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let mut command = calllog(&db);
    command.args(["serve", "--bind", &format!("127.0.0.1:{}", free_port()), "--timezone", "Not/AZone"]);
    run(command, None).assert_usage_error("Not/AZone");
    for days in ["0", "36501", "4294967295"] {
        let mut command = calllog(&db);
        command.args(["token", "create", "admin", "--expires-days", days]);
        run(command, None).assert_usage_error("--expires-days");
    }
}

#[test]
fn serve_demo_loads_two_properties() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let mut server = Server::start(&db, &["--demo"]);
    let password = server.first_password();
    server.wait_until_healthy();
    let token = server.sign_in(&password);
    let (status, body) = http(&server.addr, "GET", "/api/properties", Some(&token), None).unwrap();
    assert_eq!(status, 200, "{body}");
    let list = json(&body);
    assert_eq!(list["Total"], 2, "{body}");
    let (status, body) = http(&server.addr, "GET", "/api/properties/1/units?pageSize=100", Some(&token), None).unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["Total"], 20, "{body}");
    server.stop();
    assert_eq!(count(&db, "residents"), 80);
}

#[test]
fn serve_stops_cleanly_on_sigint_too() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let mut server = Server::start(&db, &[]);
    server.first_password();
    server.wait_until_healthy();
    server.stop_with("-INT");
    let mut command = calllog(&db);
    command.arg("check");
    run(command, None).assert_code(0);
}

#[test]
fn backup_while_the_server_runs_is_a_sound_copy() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let mut server = Server::start(&db, &["--demo"]);
    let password = server.first_password();
    server.wait_until_healthy();
    server.sign_in(&password);
    let dest = dir.path().join("live-copy.db");
    let mut command = calllog(&db);
    command.arg("backup").arg(&dest);
    run(command, None).assert_code(0);
    // The server keeps serving.
    let (status, _) = http(&server.addr, "GET", "/healthz", None, None).unwrap();
    assert_eq!(status, 200);
    server.stop();
    let mut command = calllog(&dest);
    command.arg("check");
    run(command, None).assert_code(0);
    assert_eq!(count(&dest, "properties"), 2);
    assert_eq!(count(&dest, "units"), 40);
    assert_eq!(count(&dest, "users"), 1);
    assert_eq!(count(&dest, "tokens"), 1, "the session token committed before the backup is in the copy");
}

// ---- refusing a database that must not be served ---------------------------

#[test]
fn serve_refuses_a_file_that_is_not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("garbage.db");
    std::fs::write(&db, vec![0x5a_u8; 16384]).unwrap();
    let mut command = calllog(&db);
    command.args(["serve", "--bind", &format!("127.0.0.1:{}", free_port())]);
    let line = run(command, None).assert_failure_line().to_string();
    assert!(line.contains("damaged"), "{line}");
}

#[test]
fn serve_refuses_a_database_with_a_corrupt_page() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let p = write(dir.path(), "p.csv", PROPERTIES_CSV);
    import(&db, &[("--properties", &p)]).assert_code(0);
    // Fold the WAL into the file, then scribble over the interior of a table page.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    let page_size: usize = conn.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
    let root: usize =
        conn.query_row("SELECT rootpage FROM sqlite_schema WHERE name = 'properties'", [], |r| r.get(0)).unwrap();
    drop(conn);
    let mut bytes = std::fs::read(&db).unwrap();
    let start = (root - 1) * page_size;
    for b in &mut bytes[start..start + 64] {
        *b = 0xff;
    }
    std::fs::write(&db, &bytes).unwrap();
    let mut command = calllog(&db);
    command.args(["serve", "--bind", &format!("127.0.0.1:{}", free_port())]);
    let line = run(command, None).assert_failure_line().to_string();
    assert!(line.contains("damaged"), "{line}");
}

#[test]
fn serve_refuses_a_database_from_a_newer_calllog() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let p = write(dir.path(), "p.csv", PROPERTIES_CSV);
    import(&db, &[("--properties", &p)]).assert_code(0);
    rusqlite::Connection::open(&db).unwrap().pragma_update(None, "user_version", 99).unwrap();
    let mut command = calllog(&db);
    command.args(["serve", "--bind", &format!("127.0.0.1:{}", free_port())]);
    let line = run(command, None).assert_failure_line().to_string();
    assert!(line.contains("newer") && line.contains("99"), "{line}");
}

#[test]
fn without_a_command_calllog_serves_configured_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let addr = format!("127.0.0.1:{}", free_port());
    let mut command = Command::new(BIN);
    for var in ["RUST_LOG", "CALLLOG_TIMEZONE", "CALLLOG_SYNCHRONOUS"] {
        command.env_remove(var);
    }
    command.env("CALLLOG_DB", &db).env("CALLLOG_BIND", &addr).env("CALLLOG_TIMEZONE", "America/New_York");
    let mut server = Server::spawn(&db, command, addr);
    let password = server.first_password();
    server.wait_until_healthy();
    let token = server.sign_in(&password);
    assert!(db.exists(), "CALLLOG_DB names the database");
    let (status, body) = http(&server.addr, "GET", "/api/users/me", Some(&token), None).unwrap();
    assert_eq!(status, 200, "{body}");
    let sign_in = serde_json::json!({"UserName": "admin", "Password": password}).to_string();
    let (_, text) = http(&server.addr, "POST", "/api/auth/token", None, Some(&sign_in)).unwrap();
    let expires = json(&text)["ExpiresOn"].as_str().unwrap().to_string();
    assert!(expires.ends_with("-05:00") || expires.ends_with("-04:00"), "CALLLOG_TIMEZONE applies: {expires}");
    server.stop();
}

// ---- import: the example files and file-level problems ---------------------

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(name)
}

#[test]
fn the_example_csv_files_import_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let files = [
        ("--properties", example("properties.csv")),
        ("--units", example("units.csv")),
        ("--residents", example("residents.csv")),
    ];
    let files: Vec<(&str, &Path)> = files.iter().map(|(flag, path)| (*flag, path.as_path())).collect();
    let out = import(&db, &files);
    out.assert_code(0);
    assert_eq!(out.stdout, "Imported 2 properties, 6 units, 8 residents.\n");
    let conn = read_only(&db);
    let moved: Vec<(i64, Option<i64>)> = conn
        .prepare("SELECT resident_id, move_out_date FROM residents WHERE resident_id IN (5005, 5006) ORDER BY 1")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(moved, [(5005, Some(date_in_ticks("2025-06-30"))), (5006, None)]);
    // Importing the same files again replaces the same rows.
    import(&db, &files).assert_code(0);
}

#[test]
fn an_unknown_csv_column_is_named_with_the_nearest_known_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let p = write(dir.path(), "p.csv", "Property ID,PropertyName\n1,Harbor View\n");
    let line = import(&db, &[("--properties", &p)]).assert_failure_line().to_string();
    assert!(line.contains("p.csv: unknown column \"Property ID\" — did you mean PropertyId?"), "{line}");
    let u = write(dir.path(), "u.csv", "UnitId,PropertyId,Colour\n1,1,red\n");
    let line = import(&db, &[("--units", &u)]).assert_failure_line().to_string();
    assert!(line.contains("unknown column \"Colour\"") && line.contains("UnitNumber"), "{line}");
}

#[test]
fn a_csv_file_that_is_not_utf8_says_to_save_it_as_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let p = write(dir.path(), "p.csv", "PropertyId,PropertyName\n1,Harbor View\n");
    let u = write(dir.path(), "u.csv", "UnitId,PropertyId,UnitNumber\n11,1,101\n");
    let r = dir.path().join("r.csv");
    // "Núñez" as Windows-1252 (Excel's plain "CSV" on a Western Windows).
    let mut latin1 = b"ResidentId,PropertyId,UnitId,ResidentLastName\n111,1,11,N".to_vec();
    latin1.extend_from_slice(&[0xFA, 0xF1]);
    latin1.extend_from_slice(b"ez\n");
    std::fs::write(&r, latin1).unwrap();
    let out = import(&db, &[("--properties", &p), ("--units", &u), ("--residents", &r)]);
    let line = out.assert_failure_line();
    assert!(line.contains("r.csv line 2") && line.contains("save the file as UTF-8"), "{line}");
    assert!(!db.exists(), "nothing written: every file is read before the database is opened");
}

#[test]
fn csv_headers_ignore_case_and_a_byte_order_mark_and_a_short_line_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let p = write(dir.path(), "p.csv", "\u{feff}propertyID, PROPERTYNAME \n1,Harbor View\n");
    import(&db, &[("--properties", &p)]).assert_code(0);
    let u = write(dir.path(), "u.csv", "UnitId,PropertyId,UnitNumber\n11,1,101\n12,1\n");
    let line = import(&db, &[("--units", &u)]).assert_failure_line().to_string();
    assert!(line.contains("u.csv line 3") && line.contains("2 cells but the header row has 3"), "{line}");
}

#[test]
fn a_csv_file_without_a_required_column_is_refused_once_not_on_every_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let r = write(dir.path(), "r.csv", "ResidentId,PropertyId,Email\n1,1,a@example.com\n2,1,b@example.com\n");
    let line = import(&db, &[("--residents", &r)]).assert_failure_line().to_string();
    assert!(line.contains("unknown column \"Email\" — did you mean ResidentEmail?"), "{line}");
    let r = write(dir.path(), "r.csv", "ResidentId,PropertyId,ResidentEmail\n1,1,a@example.com\n");
    let line = import(&db, &[("--residents", &r)]).assert_failure_line().to_string();
    assert!(
        line.contains("r.csv: the header row is missing UnitId, ResidentLastName (or ResidentFirstName); a residents"),
        "{line}"
    );
    let empty = write(dir.path(), "e.csv", "");
    import(&db, &[("--properties", &empty)]).assert_code(0);
}

/// docs/api.md §16: without `--timezone`, a command writes and reads dates
/// in the office time zone stored in the database; with it, in the flag's.
#[test]
fn commands_write_and_read_dates_in_the_office_time_zone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    add_user(&db, "robot", "agent", &[], "long-enough-1");
    // As an admin's PUT /api/settings leaves it.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("UPDATE office_settings SET time_zone = 'Asia/Tokyo'", [])
        .unwrap();
    let mut command = calllog(&db);
    command.args(["token", "create", "robot"]);
    run(command, None).assert_code(0);
    let listed = |flag: &[&str]| {
        let mut command = calllog(&db);
        command.args(["token", "list", "robot"]).args(flag);
        let out = run(command, None);
        out.assert_code(0);
        out.stdout.split('\t').nth(2).unwrap().to_string()
    };
    assert!(listed(&[]).ends_with("+09:00"), "{}", listed(&[]));
    assert!(listed(&["--timezone", "UTC"]).ends_with("+00:00"));
    // An import's date without an offset is midnight in Tokyo.
    let p = write(dir.path(), "p.csv", "PropertyId,PropertyName\n1,Harbor View\n");
    let u = write(dir.path(), "u.csv", "UnitId,PropertyId,UnitNumber\n11,1,101\n");
    let r = write(
        dir.path(),
        "r.csv",
        "ResidentId,PropertyId,UnitId,ResidentLastName,MoveInDate\n111,1,11,Cole,2024-05-01\n",
    );
    import(&db, &[("--properties", &p), ("--units", &u), ("--residents", &r)]).assert_code(0);
    let moved_in: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT move_in_date FROM residents WHERE resident_id = 111", [], |r| r.get(0))
        .unwrap();
    // 2024-04-30T15:00:00Z in 100 ns ticks since the Unix epoch.
    assert_eq!(moved_in, 1_714_489_200 * 10_000_000);
}
