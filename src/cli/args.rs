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
    /// State store: a SQLite file (default: ~/.local/share/opsdeck/state.db),
    /// or postgres://user@host/db for a team store
    #[arg(long, global = true, value_name = "PATH|URL")]
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
        /// Columns, at least the smallest screen opsdeck draws (80)
        #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u16).range(i64::from(crate::ui::MIN_WIDTH)..))]
        width: u16,
        /// Rows, at least the smallest screen opsdeck draws (24)
        #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u16).range(i64::from(crate::ui::MIN_HEIGHT)..))]
        height: u16,
    },
    /// Run a runbook's automated checks; exit 0 when all pass, 1 when any fails
    #[command(after_help = builtin_runbooks_help())]
    Check {
        /// A runbook file, the id of a built-in runbook (listed below) or of one in [runbooks] dirs
        #[arg(long, value_name = "ID_OR_FILE")]
        runbook: String,
        #[arg(long, value_enum, default_value = "text")]
        format: CheckFormat,
    },
    /// Inspect the audit log
    Audit {
        #[command(subcommand)]
        command: AuditCmd,
    },
    /// Checklist sessions: list them, print one's report
    Incident {
        #[command(subcommand)]
        command: IncidentCmd,
    },
    /// Check runbook files, import Markdown runbooks
    Runbook {
        #[command(subcommand)]
        command: RunbookCmd,
    },
    /// Access-review campaigns: list them, export their evidence
    Review {
        #[command(subcommand)]
        command: ReviewCmd,
    },
    /// Poll every backend and record what they report, without a console
    /// (stop with SIGTERM or Ctrl-C); one recorder per store writes
    Record,
    /// The flight recorder: the screen or the alerts as they were
    History {
        #[command(subcommand)]
        command: HistoryCmd,
    },
    /// The state store: move the embedded one into a team store
    State {
        #[command(subcommand)]
        command: StateCmd,
    },
}

#[derive(Debug, Subcommand)]
pub enum HistoryCmd {
    /// Print the screen as it was at a time, as `snapshot` prints the present;
    /// exit 1 when nothing was recorded at or before it
    Show {
        /// RFC 3339 (2026-12-06T03:12:00Z), HH:MM today (UTC), or a duration ago (-15m)
        #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
        at: String,
        /// Show one pane full screen instead of the dashboard
        #[arg(long, value_name = "NAME")]
        pane: Option<String>,
        /// Columns, at least the smallest screen opsdeck draws (80)
        #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u16).range(i64::from(crate::ui::MIN_WIDTH)..))]
        width: u16,
        /// Rows, at least the smallest screen opsdeck draws (24)
        #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u16).range(i64::from(crate::ui::MIN_HEIGHT)..))]
        height: u16,
    },
    /// Every alert seen: first seen, last seen, resolved, severity, labels, acks
    Alerts {
        /// RFC 3339, HH:MM today (UTC), or a duration ago (-24h); default 24 hours ago
        #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
        since: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: ListFormat,
    },
}

/// How a list is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    /// One line each
    Text,
    /// A JSON array of objects
    Json,
}

#[derive(Debug, Subcommand)]
pub enum StateCmd {
    /// Copy the embedded store (--state, or the config's) into an empty team
    /// store, every row with its id, the audit chain verified on both sides;
    /// nothing is copied when anything is wrong
    Migrate {
        /// The team store: postgres://user@host/db. No password in it: use
        /// --password-env, --password-file or ${VAR}
        #[arg(long, value_name = "URL")]
        to: String,
        /// The environment variable holding the team store's password
        /// (default: the config's [state] password_env or password_file)
        #[arg(long, value_name = "VAR", conflicts_with = "password_file")]
        password_env: Option<String>,
        /// A file holding the team store's password
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum IncidentCmd {
    /// Every session, newest first: id, state, runbook, title
    List,
    /// A session's report in Markdown
    Report {
        /// The session id (INC-20261122-031502)
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum RunbookCmd {
    /// Print every problem as FILE:LINE: message; exit 1 when there is any
    /// (with --config, target names must exist in that config)
    Lint {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Turn a Markdown runbook into the TOML format, printed on stdout
    Import {
        #[arg(value_name = "FILE.md")]
        file: PathBuf,
        /// From a library of procedures: the one with this ID (IR-002) or a title containing this
        #[arg(long, value_name = "ID_OR_TITLE")]
        procedure: Option<String>,
        /// List the procedures found and exit
        #[arg(long, conflicts_with = "procedure")]
        list: bool,
    },
}

/// How `opsdeck check` prints its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// One line per step: PASS or FAIL, the step, what was seen
    Text,
    /// One object: runbook, times, results with evidence, totals
    Json,
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

/// The built-in runbooks, for `check --help`: ids an operator can pass
/// without a file.
fn builtin_runbooks_help() -> String {
    let runbooks = crate::runbook::load::builtin();
    let width = runbooks.iter().map(|r| r.id.len()).max().unwrap_or(0);
    let mut text = String::from("Built-in runbooks (a file in [runbooks] dirs with the same id replaces one):\n");
    for r in runbooks {
        text.push_str(&format!("  {:width$}  {}\n", r.id, r.title));
    }
    text
}
