//! Runbooks: the format, reading and linting files, the Markdown importer,
//! and the automated checks a step can carry.

pub mod checks;
pub mod evidence;
pub mod find;
pub mod import;
pub mod lint;
mod lint_promql;
mod lint_window;
pub mod load;
pub mod model;
pub mod report;
pub mod session;
pub mod set;
mod spans;
pub mod window;

pub use model::{Check, CheckResult, Kind, Phase, Runbook, Step};
