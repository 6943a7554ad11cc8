//! Application core: `State`, the `Msg`s that change it, the `Command`s it asks
//! for, and `update`, the only place state changes. No IO here.

pub mod dialogs;
pub mod history;
pub mod incident;
pub mod panes;
mod paste;
pub mod typeahead;

mod redact;
mod state;
mod team;
mod update;

pub use crate::model::PaneId;
pub use dialogs::editor::TextEditor;
pub use dialogs::{palette_commands, palette_matches};
pub use history::{HistoryAsk, HistoryMode, RecordedMoment};
pub use panes::access::decide::{parse_due, CampaignDialog, JustifyDialog};
pub use panes::access::{AccessPane, AccessSource, OpenCampaign, SourceState};
pub use panes::alerts::ack::AckDialog;
pub use panes::alerts::{AckInfo, AlertGroup, AlertLine, AlertsFilter, AlertsPane, Sourced};
pub use panes::checklist::{ChecklistPane, EditPurpose};
pub use panes::database::DatabasePane;
pub use panes::database::SignalRequest;
pub use panes::logs::{LogView, LogsPane};
pub use panes::services::{ServiceRow, ServicesPane, SortKey, NO_PROJECT};
pub use state::*;
pub use update::{active_scopes, read_only_refusal, update};

use crate::model::audit::{AuditEntry, AuditRecord};
use crate::model::backend::BackendReport;
use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

/// Everything that can happen to the app.
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    /// Text the terminal says was pasted.
    Paste(String),
    /// Keys not taken: too fast to have been typed in answer (`typeahead`).
    TooFast,
    Resize(u16, u16),
    /// The 1 s clock.
    Tick(DateTime<Utc>),
    Backend(BackendReport),
    AuditLoaded(Result<Vec<AuditEntry>, String>),
    /// An audit append failed: the operator must know that something was not recorded.
    AuditFailed(String),
    /// An audit checkpoint did not reach a witness: a warning, the entries are saved.
    WitnessFailed(String),
    /// The team store's audit log no longer holds a head this opsdeck saw.
    AuditRewritten(String),
    /// The flight recorder stopped recording (a full disk: `ok` false) or
    /// records again: what to tell the operator.
    History {
        ok: bool,
        text: String,
    },
    /// Inspect output for the details overlay of `container`.
    Inspected {
        container: String,
        result: Result<crate::model::docker::Details, String>,
    },
    /// Lines from (or the end of) log follower `follower`.
    Log {
        follower: u64,
        event: crate::model::docker::LogEvent,
    },
    /// A side effect finished: what to tell the operator.
    ActionDone {
        ok: bool,
        text: String,
    },
    /// A cancel sent to sessions idle in a transaction changed nothing:
    /// what to tell the operator, and the sessions to offer terminating.
    CancelHadNoEffect {
        text: String,
        requests: Vec<SignalRequest>,
    },
    /// Acknowledgements from the state store, at start.
    AcksLoaded(Result<Vec<crate::model::acks::AckRecord>, String>),
    /// An acknowledgement that is now on Alertmanager and in the store.
    Acked(crate::model::acks::AckRecord),
    /// Runbooks (built-in and from `[runbooks] dirs`) and recent sessions, at start.
    ChecklistLoaded {
        runbooks: Vec<crate::runbook::Runbook>,
        errors: Vec<String>,
        sessions: Vec<(crate::runbook::session::SessionMeta, String)>,
    },
    /// A session started or read back from the store.
    SessionOpened(Box<crate::runbook::session::Session>),
    /// An event the store has committed.
    SessionEvent {
        session: String,
        event: crate::runbook::session::Event,
    },
    /// A sustained check's window stopped without a verdict (the session
    /// closed, the step settled meanwhile): no longer running.
    HoldStopped {
        step: String,
    },
    /// Check results that could not be recorded.
    ChecksFailed {
        steps: Vec<String>,
        error: String,
    },
    /// Other panes' audit entries since a session started, for its timeline.
    TimelineLoaded(Result<Vec<AuditEntry>, String>),
    /// One access source read (or not).
    AccessLoaded(crate::model::access::AccessLoad),
    /// Review campaigns with their progress, from the store.
    ReviewCampaigns(Result<Vec<crate::model::review::CampaignSummary>, String>),
    /// A campaign's snapshot and decisions, from the store.
    ReviewOpened(Result<OpenCampaign, String>),
    /// Decisions now committed to the store (only these are shown decided);
    /// `attempted` names every item the command was about.
    ReviewDecided {
        campaign_id: i64,
        attempted: Vec<i64>,
        records: Vec<crate::model::review::DecisionRecord>,
    },
    /// The team store: another opsdeck's change, the server lost, or back.
    Store(crate::model::team::StoreEvent),
    /// Who else has the store open.
    PresenceLoaded(Result<Vec<crate::model::team::Presence>, String>),
    /// A session read again because someone else changed it.
    SessionRefreshed(Box<crate::runbook::session::Session>),
    /// The session list read again.
    SessionsLoaded(Result<Vec<(crate::runbook::session::SessionMeta, String)>, String>),
    /// A campaign's decisions read again because someone else decided.
    DecisionsRefreshed {
        campaign_id: i64,
        decisions: Result<Vec<crate::model::review::DecisionRecord>, String>,
    },
    /// A recorded moment read back for history mode (`None`: nothing
    /// recorded there), answering the load that asked for `ask`.
    HistoryLoaded {
        ask: HistoryAsk,
        result: Result<Option<RecordedMoment>, String>,
    },
    /// The alerts resolved in the window ending `to`, from the flight recorder.
    ResolvedAlertsLoaded {
        to: DateTime<Utc>,
        result: Result<Vec<crate::model::alerts::AlertEpisode>, String>,
    },
    /// The flight recorder's trend samples of the last day, at start.
    TrendsLoaded(Result<Vec<crate::model::trend::Sample>, String>),
    /// Take the footer's transient line away (a snapshot shows data only).
    DismissStatus,
    /// The screen now shows the state.
    Drawn,
    /// What start-up learned before the first frame.
    Started(Box<Started>),
    /// SIGTERM, SIGHUP, or the terminal went away.
    Shutdown(&'static str),
    /// Escalations from the state store, read now and then.
    EscalationsLoaded(Result<Vec<crate::model::escalation::EscalationRecord>, String>),
}

/// What the runtime learned while starting: the store's kind, the pane and
/// view the operator left, and whether the audit log can be written.
#[derive(Debug, Clone, Default)]
pub struct Started {
    /// A team store (PostgreSQL): changes arrive live.
    pub shared: bool,
    pub focus: Option<PaneId>,
    pub view: Option<View>,
    /// The audit log could not be opened: opsdeck runs read-only.
    pub audit_failed: Option<String>,
}

/// The source name of opsdeck's own alerts.
pub const OWN_SOURCE: &str = "opsdeck";

/// One alert to acknowledge: where it lives (`None`: opsdeck's own) and
/// exactly which labels a silence must match.
#[derive(Debug, Clone, PartialEq)]
pub struct AckTarget {
    pub source: Option<String>,
    pub fingerprint: String,
    pub name: String,
    pub labels: std::collections::BTreeMap<String, String>,
}

/// Effects `update` asks the runtime to carry out.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Audit(AuditRecord),
    InspectContainer {
        host: String,
        container: String,
    },
    /// Start following a container's log, beginning with its last `tail` lines.
    FollowLogs {
        follower: u64,
        host: String,
        container: String,
        tail: usize,
    },
    StopLogs {
        follower: u64,
    },
    /// Write the shown log lines to a file of this name in the saved-logs
    /// directory (never the process's working directory).
    SaveLog {
        file_name: String,
        text: String,
    },
    /// Restart, stop or start a container (audited intent, call, outcome).
    Container {
        host: String,
        container: String,
        op: crate::model::docker::ContainerOp,
        /// The open checklist session (set by `update`): the verdict goes
        /// into its timeline, and its restarts count toward the limit.
        session: Option<String>,
        /// Why a restart past `max_restarts_per_incident` is done anyway.
        reason: Option<String>,
    },
    LoadAuditLog {
        limit: i64,
    },
    /// Acknowledge alerts for `duration`: Alertmanager's with a silence each,
    /// opsdeck's own in the state store. The comment starts with "ack:".
    Acknowledge {
        targets: Vec<AckTarget>,
        comment: String,
        duration: std::time::Duration,
        /// The open checklist session (set by `update`), for the verdicts.
        session: Option<String>,
    },
    /// End the acknowledgement of one of opsdeck's own alerts.
    EndOwnAck {
        fingerprint: String,
        name: String,
    },
    /// Expire these silences on `source`.
    ExpireSilences {
        source: String,
        ids: Vec<String>,
        /// The open checklist session (set by `update`), for the verdicts.
        session: Option<String>,
    },
    /// Cancel or terminate PostgreSQL sessions (audited intent, call,
    /// outcome, one entry each, with the operator's reason).
    PgSignal {
        requests: Vec<SignalRequest>,
        op: crate::model::postgres::PgSignal,
        justification: String,
        /// The open checklist session (set by `update`), for the verdicts.
        session: Option<String>,
    },
    /// Fetch CPU and memory for these containers of `host` (the rows on
    /// screen); an empty list stops stats for that host.
    WatchStats {
        host: String,
        ids: Vec<String>,
    },
    /// Start a checklist session of `runbook` (stored before it is shown).
    StartSession {
        runbook: Box<crate::runbook::Runbook>,
        title: String,
        severity: Option<String>,
    },
    /// Read a session back whole.
    OpenSession {
        id: String,
    },
    /// Commit one event to a session (and the audit log), then show it.
    RecordEvent {
        session: String,
        event: crate::runbook::session::Event,
        /// For an event that sets a step's state: the step's newest such
        /// event on screen when the key was pressed (`Some(None)`: none).
        /// The store refuses it when someone else changed the step since.
        seen: Option<Option<Box<crate::runbook::session::Event>>>,
    },
    /// Evaluate these steps' checks and record the results; with
    /// `auto_tick` a step whose check passes is ticked as verified.
    RunChecks {
        session: String,
        checks: Vec<(String, crate::runbook::Check)>,
        auto_tick: bool,
    },
    /// Audit entries since `since`, for a session's timeline.
    LoadTimeline {
        since: DateTime<Utc>,
    },
    /// Write a session's report (Markdown) to a file.
    WriteReport {
        session: String,
    },
    /// Read every access source (each on a task of its own).
    LoadAccess,
    /// Read the review campaigns' progress.
    LoadReviews,
    /// Read one campaign's snapshot and decisions.
    OpenCampaign {
        id: i64,
    },
    /// Store a campaign with its snapshot of the rows loaded now.
    StartCampaign {
        name: String,
        due_at: DateTime<Utc>,
        items: std::sync::Arc<Vec<crate::model::access::ReviewItem>>,
        sources: serde_json::Value,
    },
    /// Keep, revoke or defer: one audited, stored decision per item (a
    /// revoke runs the source's statement first).
    ReviewDecide {
        campaign_id: i64,
        items: Vec<crate::model::access::ReviewItem>,
        decision: crate::model::review::Decision,
        justification: String,
        /// Each item's newest decision id the reviewer saw (absent: none).
        seen: std::collections::HashMap<i64, i64>,
        /// The reviewer's other names: their own access is never theirs to decide.
        aliases: Vec<String>,
        /// The open checklist session (set by `update`), for the verdicts.
        session: Option<String>,
    },
    /// Write a campaign's evidence (CSV) to a file in the working directory.
    ExportReview {
        campaign: i64,
    },
    /// Read a session again (another opsdeck changed it): shown without
    /// moving the cursor.
    RefreshSession {
        id: String,
    },
    /// Read the session list again.
    LoadSessions,
    /// Read a campaign's decisions again.
    RefreshDecisions {
        campaign_id: i64,
    },
    /// Read the acknowledgements again.
    LoadAcks,
    /// Say this opsdeck is here, with what it has open (also the heartbeat),
    /// then read who else is.
    Announce {
        subject: Option<String>,
    },
    /// Read who else is on the store.
    LoadPresence,
    /// Read the flight recorder's state of a moment, for history mode.
    LoadHistory(HistoryAsk),
    /// Read the alerts that were resolved between `from` and `to`.
    LoadResolvedAlerts {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    /// Read the flight recorder's trend samples of the last day.
    LoadTrends,
    /// Clear and repaint the whole terminal (after line noise on a slow link).
    ClearScreen,
    Bell,
    Quit,
    /// Start a maintenance session and open its window: a silence on each
    /// planned Alertmanager (audited), recorded in the session.
    StartMaintenance {
        runbook: Box<crate::runbook::Runbook>,
        title: String,
        severity: Option<String>,
        plan: crate::runbook::window::WindowPlan,
    },
    /// Expire a maintenance window's silences (audited) and record it.
    CloseWindow {
        session: String,
        silences: Vec<crate::runbook::session::window::WindowSilence>,
        early: bool,
    },
    /// Capture an evidence pack for the open incident `incident`.
    CaptureEvidence {
        incident: String,
    },
    /// Read the escalations of the last days again.
    LoadEscalations,
}

impl Command {
    /// The command with the reason the operator typed in its confirm dialog.
    pub fn with_justification(self, reason: &str) -> Command {
        match self {
            Command::PgSignal {
                requests, op, session, ..
            } => Command::PgSignal {
                requests,
                op,
                justification: reason.to_string(),
                session,
            },
            Command::Container {
                host,
                container,
                op,
                session,
                ..
            } => Command::Container {
                host,
                container,
                op,
                session,
                reason: Some(reason.to_string()),
            },
            other => other,
        }
    }

    /// The command tagged with the open checklist session, for the side
    /// effects whose verdicts go into its timeline.
    pub fn in_session(mut self, id: &str) -> Command {
        match &mut self {
            Command::Container { session, .. }
            | Command::PgSignal { session, .. }
            | Command::Acknowledge { session, .. }
            | Command::ExpireSilences { session, .. }
            | Command::ReviewDecide { session, .. }
                if session.is_none() =>
            {
                *session = Some(id.to_string());
            }
            _ => {}
        }
        self
    }
}
