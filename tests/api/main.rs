//! The integration suite: one test binary (one link, one set of helpers),
//! a module per group of rules. API tests run the real app over loopback
//! HTTP on a fresh database (`helpers::spawn_app`); `service_rules` asks
//! the service itself, without HTTP; `cli` runs the built binary; the
//! `sqlite_*` modules and `full_disk` test the SQLite engine itself;
//! `layering` reads the source. Tests that need Chromium, nginx or
//! PostgreSQL are `#[ignore]`d with the reason (README, "The two commands").

mod helpers;

mod audit;
mod auth_passwords;
mod auth_throttle;
mod auth_users;
mod browser;
mod calllog_lists;
mod calllogs;
mod catalog;
mod cli;
mod console_admin;
mod console_calls;
mod console_pages;
mod console_proxy;
mod console_reading;
mod console_safety;
mod conventions;
mod costly_reads;
mod directory;
mod directory_import;
mod docs;
mod export;
mod full_disk;
mod import_limits;
mod layering;
mod lookup;
mod ops;
mod postgres_engine;
mod postgres_instances;
mod postgres_migrate;
mod robustness;
mod schema_upgrades;
mod search;
mod search_reference;
mod service_rules;
mod settings;
mod sqlite_checkpoints;
mod sqlite_query_plans;
mod sqlite_search_bounds;
mod sqlite_writer_batches;
mod summaries;
