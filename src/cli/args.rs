//! Command line.

use crate::store::audit::ExportFormat;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// `opsdeck --version`: the release, the commit and the build date, both
/// stamped by build.rs ("unknown" when built outside a git checkout).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("OPSDECK_GIT_COMMIT"),
    ", built ",
    env!("OPSDECK_BUILD_DATE"),
    ")"
);

#[derive(Debug, Parser)]
#[command(name = "opsdeck", version = VERSION, about = "A terminal console for on-call engineers", long_about = None)]
pub struct Cli {
    /// Config file (default: $OPSDECK_CONFIG, then ~/.config/opsdeck/config.toml, then /etc/opsdeck/config.toml)
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
    /// Lift the read-only of environment NAME ([env.NAME]) for this run;
    /// recorded in the audit log at session open. Repeatable
    #[arg(long, global = true, value_name = "NAME")]
    pub allow_writes: Vec<String>,
    /// Diagnostic log filter: error, warn, info, debug, trace, or per module
    /// (opsdeck=debug). Wins over $RUST_LOG, which wins over [log] level
    #[arg(long, global = true, value_name = "FILTER", value_parser = log_filter)]
    pub log_level: Option<String>,
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
    /// The config, state store, log, theme and keymap in use
    Info,
    /// Write a first config from what this machine has
    Config {
        #[command(subcommand)]
        command: ConfigCmd,
    },
    /// Check every configured target, the state store and the terminal; exit
    /// 0 when all is well, 1 naming what is not
    Doctor,
    /// Print a shell completion script (bash: source it, or install it as
    /// /usr/share/bash-completion/completions/opsdeck)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command into a directory
    Man {
        /// Write opsdeck.1 and a page for every subcommand (opsdeck-snapshot.1...) here
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Evidence packs: capture one (sealed in the audit log), verify one
    Evidence {
        #[command(subcommand)]
        command: EvidenceCmd,
    },
}

/// `--log-level` must be a filter the log can use: a typo is a usage error,
/// not a quiet fall back to the default.
fn log_filter(text: &str) -> Result<String, String> {
    tracing_subscriber::EnvFilter::try_new(text)
        .map(|_| text.to_string())
        .map_err(|e| e.to_string())
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
pub enum ConfigCmd {
    /// Find the local Docker socket, DOCKER_HOST and docker contexts,
    /// PostgreSQL from PG* variables, pg_service.conf and .pgpass, and
    /// Alertmanager (ALERTMANAGER_URL or 127.0.0.1:9093), and write a
    /// commented config that loads. Passwords are written as references only
    Init {
        /// Where to write it (default: the user config file); `-` for stdout
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Overwrite the file if it exists
        #[arg(long)]
        force: bool,
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
    /// Recompute the hash chain; exit 1 naming the first broken entry. With
    /// --head or --witness, also that the log still holds every head
    /// recorded earlier: a log rewritten whole, every hash recomputed, does not
    Verify {
        /// A head recorded earlier, as `audit head` printed it; repeatable
        #[arg(long = "head", value_name = "SEQ:HASH")]
        heads: Vec<String>,
        /// A witness file ([audit] witnesses file:, or the syslog file), or a
        /// witness database (postgres://user:${VAR}@host/db); repeatable
        #[arg(long = "witness", value_name = "FILE|URL")]
        witnesses: Vec<PathBuf>,
        /// The checkpoint key's public half (as `audit keygen` printed it):
        /// every checkpoint in the witness files must be signed by it
        #[arg(long, value_name = "HEX", requires = "witnesses")]
        public_key: Option<String>,
    },
    /// Print the newest entry's head as SEQ:HASH, to keep somewhere else
    Head,
    /// Write a new checkpoint signing key ([audit] signing_key_file), mode
    /// 0600, and print its public key
    Keygen {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
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

#[derive(Debug, Subcommand)]
pub enum EvidenceCmd {
    /// Write containers' inspect and logs, PostgreSQL sessions and locks,
    /// alerts and silences, host facts and audit entries into a new
    /// directory with MANIFEST.sha256, whose hash goes into the audit log;
    /// exit 1 when a source could not be read (the pack says which)
    Capture {
        /// The incident (checklist session) the pack is for: its audit
        /// entries, and an event in its timeline while it is open
        #[arg(long, value_name = "ID")]
        incident: Option<String>,
        /// A container, on whichever Docker host has it (default: every
        /// unhealthy, exited or dead one). Repeatable
        #[arg(long = "container", value_name = "NAME")]
        containers: Vec<String>,
        /// A [[postgres]] target (default: every one). Repeatable
        #[arg(long = "postgres", value_name = "TARGET")]
        postgres: Vec<String>,
        /// The pack's directory: new, or empty (default: evidence/ beside
        /// the reports, named after the incident and the time)
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Check every file of a pack against its MANIFEST.sha256 and that the
    /// manifest's hash is in an intact audit log; exit 0, or 1 naming each
    /// changed, missing or added file
    Verify {
        /// The pack's directory
        dir: PathBuf,
    },
}
