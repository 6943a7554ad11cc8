//! Runbooks: the format, reading and linting files, the Markdown importer,
//! and the automated checks a step can carry.

pub mod checks;
mod checks_alerts;
mod checks_command;
mod checks_container;
mod checks_file;
mod checks_http;
mod checks_postgres;
pub mod evidence;
pub mod find;
pub mod import;
mod import_build;
mod import_md;
mod import_shell;
pub mod lint;
pub mod load;
pub mod model;
pub mod report;
pub mod session;
pub mod session_report;
mod spans;

pub use model::{Check, CheckResult, Kind, Phase, Runbook, Step};
