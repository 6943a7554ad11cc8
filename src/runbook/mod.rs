//! Runbooks: the format, reading and linting files, the Markdown importer,
//! and the automated checks a step can carry.

pub mod model;

pub use model::{Check, CheckResult, Kind, Phase, Runbook, Step};
