#![forbid(unsafe_code)]
use std::process::ExitCode;

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    calllog::cli::run(calllog::cli::parse_from(std::env::args_os()).unwrap_or_else(|e| e.exit()))
}
