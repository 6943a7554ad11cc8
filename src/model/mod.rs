//! The types every layer shares: what the backends report, what `app`
//! holds, what `ui` draws and what `store` keeps. Plain data and the pure
//! logic that belongs to it; no IO, and nothing of ours from outside `model`.

pub mod access;
pub mod matchers;
pub mod pane;
pub mod postgres;

pub use pane::PaneId;
