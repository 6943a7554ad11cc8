//! The whole UI state: plain data, cloned into nothing, drawn by pure views.

use crate::app::PaneId;
use crate::config::keymap::{Key, Keymap};
use crate::model::audit::AuditEntry;
use crate::model::backend::{BackendData, BackendId, BackendKind};
use crate::model::identity::Identity;
use crate::model::{alerts::AlertsSummary, docker::DockerSummary, http::HttpProbe, postgres::PgSummary};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Dashboard,
    Zoom(PaneId),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    /// A side effect waiting for y/Enter or n/Esc: the command to run on
    /// yes and the facts the operator decides on (`ui::confirm` words them).
    Confirm {
        on_yes: crate::app::Command,
        facts: super::dialogs::confirm::Facts,
        /// `Some` when a one-line reason is required: typed here, and the
        /// dialog cannot be confirmed while it is empty.
        justification: Option<Box<super::dialogs::input::Input>>,
    },
    Help {
        scroll: u16,
    },
    /// Inspect output of one container; `None` while it loads.
    Details {
        title: String,
        rows: Option<Result<crate::model::docker::Details, String>>,
        scroll: u16,
    },
    Palette {
        input: String,
        selected: usize,
    },
    AuditLog {
        entries: Option<Result<Vec<AuditEntry>, String>>,
        scroll: u16,
    },
    /// Acknowledge alerts: a comment and a duration.
    Ack(crate::app::AckDialog),
    /// Text to write: a note, a reason, a resolution, a session title.
    Editor(Box<crate::app::TextEditor>),
    /// Access review: the justification of a decision, in an editor.
    Justify(Box<crate::app::JustifyDialog>),
    /// Access review: start a campaign (name, due date).
    Campaign(crate::app::CampaignDialog),
    /// History mode: the time to show, as typed (`03:12`, `-15m`).
    HistoryAt(Box<super::dialogs::input::Input>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Info,
    Warn,
    Error,
}

/// A transient line in the footer: feedback for the last key or event.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusLine {
    pub text: String,
    pub level: Level,
    pub until: DateTime<Utc>,
}

/// Why side effects on a target are refused, if they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lock {
    Open,
    /// `read_only = true` on the target.
    Target,
    /// Its environment is read-only (and this run did not lift it).
    Env(String),
}

impl Lock {
    /// The first of `locks` that refuses, if any.
    pub fn any(locks: impl IntoIterator<Item = Lock>) -> Lock {
        locks.into_iter().find(|l| *l != Lock::Open).unwrap_or(Lock::Open)
    }
}

/// How fresh a backend's data is, judged at draw time from `State::now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// No answer yet since start.
    Pending,
    Ok,
    /// The last answer is older than it should be.
    Stale,
    /// The last attempt failed.
    Down,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BackendStatus {
    pub id: BackendId,
    pub interval: Duration,
    pub timeout: Duration,
    pub last_ok: Option<DateTime<Utc>>,
    pub last_error: Option<(DateTime<Utc>, String)>,
    /// Last good data, kept visible while the backend is down.
    pub data: Option<BackendData>,
    /// Side effects on this target are refused (`read_only = true` on it,
    /// or on its environment).
    pub read_only: bool,
    /// The environment it is in: its badge, and whether its read-only is why.
    pub env: Option<crate::model::env::Environment>,
    /// The wait before the next report, as the poller last said: longer
    /// than `interval` when its answers are slow.
    pub next_in: Duration,
}

impl BackendStatus {
    pub fn new(id: BackendId, interval: Duration, timeout: Duration) -> Self {
        Self {
            id,
            interval,
            timeout,
            last_ok: None,
            last_error: None,
            data: None,
            read_only: false,
            env: None,
            next_in: Duration::ZERO,
        }
    }

    /// A poll's report: its data kept (an error keeps the last good data
    /// beside it). Whether what is kept changed.
    pub fn take(&mut self, report: crate::model::backend::BackendReport) -> bool {
        self.next_in = report.next_in;
        match report.result {
            Ok(data) => {
                self.last_ok = Some(report.at);
                let changed = self.data.as_ref() != Some(&data);
                if changed {
                    self.data = Some(data);
                }
                changed
            }
            Err(err) => {
                let same = self.last_error.as_ref().is_some_and(|(_, e)| *e == err);
                self.last_error = Some((report.at, err));
                !same
            }
        }
    }

    pub fn freshness(&self, now: DateTime<Utc>) -> Freshness {
        let failed_last = match (&self.last_error, self.last_ok) {
            (Some((err_at, _)), Some(ok_at)) => *err_at >= ok_at,
            (Some(_), None) => true,
            _ => false,
        };
        if failed_last {
            return Freshness::Down;
        }
        let Some(ok_at) = self.last_ok else {
            return Freshness::Pending;
        };
        // Two missed intervals plus one timeout: the poller is late, not just slow.
        let grace = self.interval.max(self.next_in).saturating_mul(2) + self.timeout;
        let age = now.signed_duration_since(ok_at).to_std().unwrap_or_default();
        if age > grace {
            Freshness::Stale
        } else {
            Freshness::Ok
        }
    }

    /// Why side effects on this target are refused, if they are.
    pub fn lock(&self) -> Lock {
        match &self.env {
            _ if !self.read_only => Lock::Open,
            Some(env) if env.read_only => Lock::Env(env.name.clone()),
            _ => Lock::Target,
        }
    }

    pub fn docker(&self) -> Option<&DockerSummary> {
        match &self.data {
            Some(BackendData::Docker(d)) => Some(d),
            _ => None,
        }
    }
    pub fn postgres(&self) -> Option<&PgSummary> {
        match &self.data {
            Some(BackendData::Postgres(d)) => Some(d),
            _ => None,
        }
    }
    pub fn alerts(&self) -> Option<&AlertsSummary> {
        match &self.data {
            Some(BackendData::Alerts(d)) => Some(d),
            _ => None,
        }
    }
    pub fn host(&self) -> Option<&crate::model::host::HostSummary> {
        match &self.data {
            Some(BackendData::Host(d)) => Some(d),
            _ => None,
        }
    }
    pub fn http(&self) -> Option<&HttpProbe> {
        match &self.data {
            Some(BackendData::Http(d)) => Some(d),
            _ => None,
        }
    }
    pub fn redis(&self) -> Option<&crate::model::redis::RedisSummary> {
        match &self.data {
            Some(BackendData::Redis(d)) => Some(d),
            _ => None,
        }
    }

    pub fn prometheus(&self) -> Option<&crate::model::prometheus::PromSummary> {
        match &self.data {
            Some(BackendData::Prometheus(d)) => Some(d),
            _ => None,
        }
    }
}

/// What is configured for the panes that have no live backend yet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Setup {
    pub access_sources: Vec<String>,
    pub runbook_dirs: Vec<String>,
    /// Where the config came from, shown in "not configured" hints.
    pub config_hint: String,
    /// How long an acknowledgement silence lasts, per Alertmanager.
    pub ack_durations: std::collections::BTreeMap<String, std::time::Duration>,
    /// The always-firing heartbeat alert's name, per Alertmanager.
    pub heartbeats: std::collections::BTreeMap<String, String>,
    /// The cluster each clustered Alertmanager belongs to.
    pub clusters: std::collections::BTreeMap<String, String>,
    /// Alerts: response times and the bell.
    pub alerts: crate::config::AlertsConfig,
    /// Masks the config's secrets and credential-shaped text in what is
    /// typed and in what is shown from outside.
    pub redactor: crate::model::redact::Redactor,
    /// Environments whose read-only this run lifted (`--allow-writes`).
    pub allow_writes: Vec<String>,
    /// Limits within one incident (restarts per container).
    pub incident: crate::config::IncidentConfig,
    /// `[[escalation]]` levels are configured: the Alerts pane reads what
    /// was notified.
    pub escalates: bool,
}

/// The whole UI state: the shell around the panes, each pane's own state,
/// the data the backends last sent, the team store's link, and what the
/// config set up.
#[derive(Debug, Clone)]
pub struct State {
    pub shell: Shell,
    pub panes: Panes,
    pub backends: Backends,
    /// The shared store: its link and who else is on it.
    pub team: TeamView,
    pub setup: Setup,
    /// History mode: a recorded moment on screen instead of the live data.
    pub history: Option<crate::app::HistoryMode>,
    /// The last day of a few numbers, from the store and every live
    /// report, and the window the zoomed panes show.
    pub trends: crate::model::trend::Trends,
}

/// What is around the panes: the clock, the terminal, which pane is shown,
/// the overlay, the footer's message, keys in flight, who is at the keyboard.
#[derive(Debug, Clone)]
pub struct Shell {
    pub now: DateTime<Utc>,
    /// Terminal size, for paging.
    pub size: (u16, u16),
    pub focus: PaneId,
    pub view: View,
    pub overlay: Option<Overlay>,
    pub status: Option<StatusLine>,
    /// First key of a two-key sequence, waiting for the second.
    pub pending: Vec<Key>,
    pub keymap: Arc<Keymap>,
    pub identity: Identity,
    /// Side effects are refused.
    pub read_only: bool,
    pub quit: bool,
    /// Set by `update` when the screen must be redrawn.
    pub dirty: bool,
    /// Secrets were taken out of what was typed for the action in flight:
    /// its result says so again (it replaces the footer).
    pub redacted: Option<String>,
    /// The flight recorder stopped recording, and why (a full disk): the
    /// header says so until it records again.
    pub not_recorded: Option<String>,
}

/// Each pane's own state.
#[derive(Debug, Clone, Default)]
pub struct Panes {
    pub services: super::ServicesPane,
    pub database: super::DatabasePane,
    pub alerts: super::AlertsPane,
    pub access: super::AccessPane,
    pub checklist: super::ChecklistPane,
    pub logs: super::LogsPane,
}

impl Panes {
    /// The selected row of a pane's list.
    pub fn selected_mut(&mut self, pane: PaneId) -> &mut usize {
        match pane {
            PaneId::Services => &mut self.services.selected,
            PaneId::Database => &mut self.database.selected,
            PaneId::Alerts => &mut self.alerts.selected,
            PaneId::Access => &mut self.access.selected,
            PaneId::Checklist => &mut self.checklist.selected,
        }
    }
}

/// What the pollers last sent, per target, and opsdeck's own alerts judged
/// from it.
#[derive(Debug, Clone, Default)]
pub struct Backends {
    pub targets: Vec<BackendStatus>,
    /// First seen time of each of opsdeck's own alerts that holds now.
    pub own_alerts_since: std::collections::BTreeMap<String, DateTime<Utc>>,
}

impl State {
    pub fn new(identity: Identity, keymap: Arc<Keymap>, now: DateTime<Utc>) -> Self {
        Self {
            shell: Shell {
                now,
                size: (80, 24),
                focus: PaneId::Services,
                view: View::Dashboard,
                overlay: None,
                status: None,
                pending: Vec::new(),
                keymap,
                identity,
                read_only: false,
                quit: false,
                dirty: true,
                redacted: None,
                not_recorded: None,
            },
            panes: Panes::default(),
            backends: Backends::default(),
            team: TeamView::default(),
            setup: Setup::default(),
            history: None,
            trends: Default::default(),
        }
    }

    pub fn backends_of(&self, kind: BackendKind) -> impl Iterator<Item = &BackendStatus> {
        self.backends.targets.iter().filter(move |b| b.id.kind == kind)
    }

    /// Rows in a zoomed pane's list, for clamping the selection.
    pub fn row_count(&self, pane: PaneId) -> usize {
        match pane {
            PaneId::Services => self.service_rows().len(),
            PaneId::Database => self.db_backends().len(),
            PaneId::Alerts => match &self.panes.alerts.resolved {
                Some(r) => r.shown(self).count(),
                None => self.alert_lines().len(),
            },
            PaneId::Access => self.access_rows(),
            PaneId::Checklist => self.checklist_rows(),
        }
    }
}

/// The store as other opsdecks share it: whether it is a team store, its
/// server's link, and who else is on it now.
#[derive(Debug, Clone, Default)]
pub struct TeamView {
    /// A team store (PostgreSQL): changes arrive live, its server can go away.
    pub shared: bool,
    /// The server is gone since then, for this reason: writes are refused
    /// (nothing can be recorded), what was read stays on screen.
    pub down: Option<(DateTime<Utc>, String)>,
    /// The other opsdecks seen on the store.
    pub others: Vec<crate::model::team::Presence>,
    /// What this opsdeck last announced, and when (the heartbeat's clock).
    pub announced: Option<(Option<String>, DateTime<Utc>)>,
}

impl State {
    /// Why nothing may be recorded now, if it may not: opsdeck runs
    /// read-only, or the team store's server is gone.
    pub fn write_refusal(&self) -> Option<String> {
        if self.history.is_some() {
            return Some("history: read-only".into());
        }
        if self.shell.read_only {
            return Some("opsdeck runs read-only".into());
        }
        let (since, why) = self.team.down.as_ref()?;
        Some(format!(
            "the team store is unreachable since {} ({why}): nothing can be recorded",
            since.format("%H:%M:%S")
        ))
    }

    /// The wall clock: `shell.now`, except in history mode, where that is
    /// the moment shown.
    pub fn wall_now(&self) -> DateTime<Utc> {
        self.history.as_ref().map_or(self.shell.now, |h| h.wall)
    }

    /// What this opsdeck has open, as presence names it.
    pub fn presence_subject(&self) -> Option<String> {
        use crate::model::team::{campaign_subject, session_subject};
        if let Some(s) = &self.panes.checklist.active {
            return Some(session_subject(&s.meta.id));
        }
        self.panes.access.open.as_ref().map(|c| campaign_subject(c.campaign.id))
    }

    /// The others with `subject` open: "bob@laptop-2".
    pub fn others_on(&self, subject: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .team
            .others
            .iter()
            .filter(|p| p.subject.as_deref() == Some(subject))
            .map(|p| format!("{}@{}", p.operator, p.host))
            .collect();
        names.dedup();
        names
    }
}
