//! opsdeck: a terminal console for on-call engineers.

pub mod app;
pub mod backends;
pub mod cli;
pub mod config;
pub mod effects;
pub mod model;
pub mod runbook;
pub mod runtime;
pub mod store;
pub mod text;
pub mod ui;
