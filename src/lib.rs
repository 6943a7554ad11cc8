//! opsdeck: a terminal console for on-call engineers.

pub mod actions;
pub mod app;
pub mod backends;
pub mod checklist_io;
pub mod cli;
pub mod config;
mod effects;
pub mod headless;
pub mod headless_incident;
pub mod headless_state;
pub mod identity;
pub mod logging;
pub mod runbook;
pub mod runtime;
pub mod setup;
pub mod snapshot;
pub mod store;
pub mod terminal;
pub mod ui;
