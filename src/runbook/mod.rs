//! Runbooks: the format, reading and linting files, the Markdown importer,
//! and the automated checks a step can carry.

pub mod checks;
pub mod load;
pub mod model;
pub mod session;
pub mod session_report;

pub use model::{Check, CheckResult, Kind, Phase, Runbook, Step};
