//! docs/architecture.md "Layout": the layers are held by reading the source.
//! Nothing in `src/domain/` names actix, utoipa, serde_json or a database
//! crate (domain is types and rules: the wire format and the engines live
//! at the edges), and no module of one store engine names the other (what
//! both share lives in `store/`). The one module that may use both engines
//! is the copy between them (`calllog migrate`).
//!
//! A mention is a path (`rusqlite::Connection`, `crate::store::postgres`,
//! `super::super::sqlite`) or a `use` of one, comments left out; a word in
//! prose ("PostgreSQL") or a URL ("postgres://") is none.

use regex::Regex;
use std::path::{Path, PathBuf};

/// The crates `src/domain/` may not name.
const NOT_IN_DOMAIN: &[&str] = &[
    "actix_web",
    "actix_http",
    "actix_multipart",
    "actix_rt",
    "utoipa",
    "serde_json",
    "rusqlite",
    "r2d2_sqlite",
    "postgres",
    "tokio_postgres",
    "r2d2_postgres",
];

/// The copy between engines, where it is now and where issue 17 moves it.
const MAY_USE_BOTH_ENGINES: &[&str] = &["src/store/copy.rs", "src/store/postgres/copy.rs"];

/// Each engine's module name and the crates that are that engine.
const ENGINES: &[(&str, &[&str])] =
    &[("sqlite", &["rusqlite", "r2d2_sqlite"]), ("postgres", &["postgres", "tokio_postgres", "r2d2_postgres"])];

/// Every `.rs` file under `dir`, as paths relative to the crate's root.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).display().to_string()
}

/// `source` without its comments (`//…` to the end of the line, `/* … */`).
/// A `//` right after a `:` is a URL's, inside a string, and is kept.
fn without_comments(source: &str) -> String {
    let block = Regex::new(r"(?s)/\*.*?\*/").unwrap();
    let line = Regex::new(r"(^|[^:])//.*").unwrap();
    let source = block.replace_all(source, " ");
    source.lines().map(|l| line.replace(l, "$1").into_owned()).collect::<Vec<_>>().join("\n")
}

/// The patterns that are a mention of crate `name`: a path through it, or a `use` of it.
fn crate_patterns(name: &str) -> Vec<Regex> {
    vec![
        Regex::new(&format!(r"(^|[^\w:])(::)?{name}::")).unwrap(),
        Regex::new(&format!(r"\buse\s+(::)?{name}\b")).unwrap(),
    ]
}

/// The patterns that are a mention of the store module `engine` from
/// inside `store/`: `store::engine`, `super::engine`,
/// `super::super::engine`, or either inside a grouped `use … {…}`.
fn module_patterns(engine: &str) -> Vec<Regex> {
    vec![
        Regex::new(&format!(r"\b(store|super)::{engine}\b")).unwrap(),
        Regex::new(&format!(r"\b(store|super)::\{{[^;]*\b{engine}\b")).unwrap(),
    ]
}

/// For each file under `dir` (but `allowed`), the first line of it that
/// matches one of `patterns`.
fn mentions(dir: &str, patterns: &[Regex], allowed: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in rust_files(&root().join(dir)) {
        let name = relative(&file);
        if allowed.contains(&name.as_str()) {
            continue;
        }
        let source = without_comments(&std::fs::read_to_string(&file).unwrap());
        if let Some(line) = first_match(&source, patterns) {
            found.push(format!("{name}: {line}"));
        }
    }
    found
}

/// The first line of `source` that one of `patterns` matches, or that a
/// multi-line match (a grouped `use`) begins on.
fn first_match(source: &str, patterns: &[Regex]) -> Option<String> {
    let at = patterns.iter().filter_map(|p| p.find(source)).map(|m| m.start()).min()?;
    let start = source[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = source[at..].find('\n').map_or(source.len(), |i| at + i);
    Some(source[start..end].trim().to_string())
}

fn domain_patterns() -> Vec<Regex> {
    NOT_IN_DOMAIN.iter().flat_map(|name| crate_patterns(name)).collect()
}

fn patterns_of_other_engine(engine: &str) -> Vec<Regex> {
    let (other, crates) = ENGINES.iter().find(|(name, _)| *name != engine).unwrap();
    let mut patterns = module_patterns(other);
    patterns.extend(crates.iter().flat_map(|name| crate_patterns(name)));
    patterns
}

#[test]
fn nothing_in_domain_names_the_web_the_api_document_or_a_database() {
    let found = mentions("src/domain", &domain_patterns(), &[]);
    assert!(found.is_empty(), "domain/ names what belongs at the edges:\n{}", found.join("\n"));
}

#[test]
fn no_module_of_one_engine_names_the_other() {
    let mut found = Vec::new();
    for (engine, _) in ENGINES {
        found.extend(mentions(&format!("src/store/{engine}"), &patterns_of_other_engine(engine), MAY_USE_BOTH_ENGINES));
    }
    assert!(found.is_empty(), "one engine names the other (what both share belongs in store/):\n{}", found.join("\n"));
}

/// The checks above find what they look for, and only that.
#[test]
fn the_checks_see_paths_and_uses_and_not_prose() {
    let domain = domain_patterns();
    for line in [
        "use serde_json::Value;",
        "use rusqlite;",
        "#[derive(Debug, utoipa::ToSchema)]",
        "fn f() -> actix_web::HttpResponse {",
        "let c = ::postgres::Client::connect(url, NoTls);",
        "use {std::fmt, rusqlite::Row};",
    ] {
        assert!(first_match(&without_comments(line), &domain).is_some(), "missed: {line}");
    }
    for line in [
        "// rusqlite::Connection in a comment",
        "/* use serde_json::Value; */",
        "let url = \"postgres://calllog@localhost/db\";",
        "/// The PostgreSQL engine's twin (`store::sqlite::calllogs`).",
        "use crate::domain::postgres_free::Thing;",
        "fn my_postgres() {}",
    ] {
        assert_eq!(first_match(&without_comments(line), &domain), None, "flagged: {line}");
    }

    let from_postgres = patterns_of_other_engine("postgres");
    for line in [
        "use crate::store::sqlite::schema::{Migration, SEED_REASONS};",
        "use super::super::sqlite::schema;",
        "use crate::store::{\n    sqlite::schema::Migration,\n    StoreError,\n};",
        "let conn = rusqlite::Connection::open(path)?;",
    ] {
        assert!(first_match(&without_comments(line), &from_postgres).is_some(), "missed: {line}");
    }
    for line in [
        "use postgres::Client;",
        "use super::db::Db;",
        "//! the twin of `sqlite/audit.rs`",
        "use crate::store::{StoreError, Reads};",
    ] {
        assert_eq!(first_match(&without_comments(line), &from_postgres), None, "flagged: {line}");
    }
    let from_sqlite = patterns_of_other_engine("sqlite");
    assert!(first_match("use crate::store::postgres::copy;", &from_sqlite).is_some());
    assert!(first_match("let client = postgres::Client::connect(u, t)?;", &from_sqlite).is_some());
    assert_eq!(first_match("use rusqlite::Connection;", &from_sqlite), None);
}
