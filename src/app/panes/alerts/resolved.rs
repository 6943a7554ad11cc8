//! `r` in the Alerts pane: the alerts resolved in the last 24 hours, as the
//! flight recorder kept them (Alertmanager forgets an alert once it ends).
//! The list is read from the store off the UI task and read again while it
//! is shown; in history mode "the last 24 hours" end at the moment shown.

use crate::app::{Command, State};
use crate::model::alerts::AlertEpisode;
use chrono::{DateTime, Duration, Utc};

/// How far back the list reaches.
pub const WINDOW: Duration = Duration::hours(24);
/// How stale the list may grow while it is shown before it is read again.
const REFRESH: Duration = Duration::seconds(30);

/// The resolved list is shown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResolvedAlerts {
    /// The episodes as last read, latest end first; `None` until the first
    /// answer.
    pub episodes: Option<Vec<AlertEpisode>>,
    /// The last read failed (the list read before stays).
    pub error: Option<String>,
    /// The end of the window last asked for, and whether its answer is awaited.
    pub asked: Option<DateTime<Utc>>,
    pub loading: bool,
}

impl ResolvedAlerts {
    /// The episodes the pane lists: those the matcher filter lets through.
    pub fn shown<'a>(&'a self, state: &'a State) -> impl Iterator<Item = &'a AlertEpisode> {
        let matchers = &state.panes.alerts.filter.matchers;
        self.episodes
            .iter()
            .flatten()
            .filter(move |e| crate::model::matchers::all_match(matchers, &e.labels))
    }
}

/// `r`: show the resolved alerts, or the firing ones again.
pub fn toggle(state: &mut State) -> Vec<Command> {
    state.panes.alerts.selected = 0;
    if state.panes.alerts.resolved.take().is_some() {
        return Vec::new();
    }
    state.panes.alerts.resolved = Some(ResolvedAlerts::default());
    load(state)
}

/// Ask for the window ending now (the moment shown, in history mode).
fn load(state: &mut State) -> Vec<Command> {
    let to = state.shell.now;
    let Some(r) = &mut state.panes.alerts.resolved else {
        return Vec::new();
    };
    r.asked = Some(to);
    r.loading = true;
    vec![Command::LoadResolvedAlerts { from: to - WINDOW, to }]
}

/// The clock moved (or history mode moved the moment shown): read again
/// when the list is older than `REFRESH` and no read is awaited.
pub fn on_tick(state: &mut State) -> Vec<Command> {
    let now = state.shell.now;
    let stale = state
        .panes
        .alerts
        .resolved
        .as_ref()
        .is_some_and(|r| !r.loading && r.asked.is_none_or(|at| (now - at).abs() >= REFRESH));
    if stale {
        load(state)
    } else {
        Vec::new()
    }
}

/// A read came back: shown if it answers the last ask and the list is still open.
pub fn on_loaded(state: &mut State, to: DateTime<Utc>, result: Result<Vec<AlertEpisode>, String>) {
    let Some(r) = &mut state.panes.alerts.resolved else {
        return;
    };
    if r.asked != Some(to) {
        return;
    }
    r.loading = false;
    match result {
        Ok(episodes) => {
            r.episodes = Some(episodes);
            r.error = None;
        }
        Err(e) => r.error = Some(e),
    }
    let count = state
        .panes
        .alerts
        .resolved
        .as_ref()
        .map_or(0, |r| r.shown(state).count());
    let selected = &mut state.panes.alerts.selected;
    *selected = (*selected).min(count.saturating_sub(1));
}

/// Enter on a resolved alert: when it fired and ended, for how long, its
/// labels and who acknowledged it.
pub fn open_details(state: &mut State) {
    use crate::model::docker::Row;
    const TIME: &str = "%Y-%m-%d %H:%M:%S UTC";
    let field = |k: &str, v: String| Row::Field(k.into(), v);
    let selected = state.panes.alerts.selected;
    let Some(e) = state
        .panes
        .alerts
        .resolved
        .as_ref()
        .and_then(|r| r.shown(state).nth(selected))
        .cloned()
    else {
        crate::app::update::set_status(state, crate::app::Level::Warn, "no alert selected");
        return;
    };
    let end = e.resolved_at.unwrap_or(e.last_seen);
    let mut rows = vec![
        Row::Section("resolved alert".into()),
        field("name", e.alertname.clone()),
        field("severity", e.severity.clone()),
        field("source", e.source.clone()),
        field("first seen", e.first_seen.format(TIME).to_string()),
        field("last seen", e.last_seen.format(TIME).to_string()),
        field("resolved", end.format(TIME).to_string()),
        // From the first answer that held it: Alertmanager's own start may be earlier.
        field("seen firing for", crate::runbook::session::elapsed(e.first_seen, end)),
        Row::Section("labels".into()),
    ];
    rows.extend(e.labels.iter().map(|(k, v)| field(k, v.clone())));
    if !e.acks.is_empty() {
        rows.push(Row::Section("acknowledged".into()));
        rows.extend(e.acks.iter().map(|a| {
            field(
                &a.operator,
                format!(
                    "{} until {}: {}",
                    a.acked_at.format(TIME),
                    a.until.format("%H:%M UTC"),
                    a.comment
                ),
            )
        }));
    }
    let rows = crate::app::redact::details(&state.setup.redactor, rows);
    state.shell.overlay = Some(crate::app::Overlay::Details {
        title: e.alertname,
        rows: Some(Ok(rows)),
        scroll: 0,
    });
}
