//! Command line.

use crate::store::audit::ExportFormat;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "opsdeck", version, about = "A terminal console for on-call engineers", long_about = None)]
pub struct Cli {
    /// Config file (default: $OPSDECK_CONFIG, then ~/.config/opsdeck/config.toml)
    #[arg(long, global = true, env = "OPSDECK_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// State store (SQLite file; default: ~/.local/share/opsdeck/state.db)
    #[arg(long, global = true, value_name = "PATH")]
    pub state: Option<PathBuf>,
    /// Theme: default, light, high-contrast, mono, or a file path
    #[arg(long, global = true, value_name = "NAME|PATH")]
    pub theme: Option<String>,
    /// Keymap layered over the default: vim, or a file path
    #[arg(long, global = true, value_name = "NAME|PATH")]
    pub keymap: Option<String>,
    /// Refuse every action with a side effect (and audit the refusal)
    #[arg(long, global = true)]
    pub read_only: bool,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Poll every backend once and print the screen as plain text
    Snapshot {
        /// Show one pane full screen instead of the dashboard
        #[arg(long, value_name = "NAME")]
        pane: Option<String>,
        #[arg(long, default_value_t = 120)]
        width: u16,
        #[arg(long, default_value_t = 40)]
        height: u16,
    },
    /// Inspect the audit log
    Audit {
        #[command(subcommand)]
        command: AuditCmd,
    },
    /// Access-review campaigns: list them, export their evidence
    Review {
        #[command(subcommand)]
        command: ReviewCmd,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReviewCmd {
    /// List the campaigns with their progress (overdue ones are marked)
    List,
    /// Print a campaign's evidence: every item, its flags and decision, and
    /// the audit chain's head
    Export {
        #[arg(long, value_name = "ID")]
        campaign: i64,
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Recompute the hash chain; exit 1 naming the first broken entry
    Verify,
    /// Print entries as JSON or CSV
    Export {
        #[arg(long, value_enum, default_value = "json")]
        format: ExportFormat,
        /// RFC 3339 time, a date (2026-11-23) or a duration ago (24h)
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
    },
}
