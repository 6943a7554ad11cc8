//! The types every layer shares: what the backends report, what `app`
//! holds, what `ui` draws and what `store` keeps. Plain data and the pure
//! logic that belongs to it; no IO, and nothing of ours from outside `model`.

pub mod access;
pub mod acks;
pub mod action;
pub mod alerts;
pub mod audit;
pub mod backend;
pub mod checkpoint;
pub mod docker;
pub mod env;
pub mod escalation;
pub mod host;
pub mod http;
pub mod identity;
pub mod masked;
pub mod matchers;
pub mod pane;
pub mod pattern;
pub mod postgres;
pub mod prometheus;
pub mod redact;
pub mod redis;
pub mod review;
pub mod team;
pub mod trend;
pub mod verify;

pub use backend::{BackendData, BackendId, BackendKind, BackendReport};
pub use pane::PaneId;
