//! The five panes and the container log: each module holds its pane's
//! state, what its keys do, and how the messages for it change it.

pub mod access;
pub mod alerts;
pub mod checklist;
pub mod database;
pub mod filter;
pub mod logs;
pub mod services;
