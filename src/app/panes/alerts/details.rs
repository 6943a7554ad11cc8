//! Enter on an alert: everything about it — labels, annotations, where it
//! comes from, its deadline, the silences that hold it, the runbook it names
//! and its history as this opsdeck saw it.

use crate::app::panes::alerts::alert_key;
use crate::app::{BackendStatus, Overlay, State};
use crate::model::alerts::AlertRow;
use crate::model::docker::Row;

const TIME: &str = "%Y-%m-%d %H:%M:%S UTC";

fn field(k: &str, v: String) -> Row {
    Row::Field(k.into(), v)
}

pub fn open_details(state: &mut State) {
    let Some((source, a)) = state.selected_alert() else {
        crate::app::update::set_status(state, crate::app::Level::Warn, "no alert selected");
        return;
    };
    let mut rows = vec![
        Row::Section("alert".into()),
        field("name", a.name.clone()),
        field("severity", a.severity.label().into()),
        field("state", state.alert_state_word(source, &a).into()),
        field("source", state.alert_source_name(source).into()),
        field("started", a.starts_at.format(TIME).to_string()),
        field(
            "respond by",
            match crate::app::panes::checklist::window::holding(state, source, &a) {
                Some(w) => crate::app::panes::checklist::window::held_word(w),
                None => state
                    .respond_by(source, &a)
                    .map(|t| t.format("%H:%M UTC").to_string())
                    .unwrap_or_else(|| "-".into()),
            },
        ),
    ];
    if !a.generator_url.is_empty() {
        rows.push(field("generator", a.generator_url.clone()));
    }
    if let Some(id) = runbook_of(&a) {
        let known = state.panes.checklist.runbook(&id).is_some();
        rows.push(field(
            "runbook",
            if known {
                format!("{id} (R starts its checklist)")
            } else {
                format!("{id} (not loaded)")
            },
        ));
    }
    rows.push(Row::Section("labels".into()));
    rows.extend(a.labels.iter().map(|(k, v)| field(k, v.clone())));
    if !a.annotations.is_empty() {
        rows.push(Row::Section("annotations".into()));
        rows.extend(a.annotations.iter().map(|(k, v)| field(k, v.clone())));
    }
    rows.extend(silences(source, &a));
    rows.extend(history(state, source, &a));
    let rows = crate::app::redact::details(&state.setup.redactor, rows);
    state.shell.overlay = Some(Overlay::Details {
        title: a.name.clone(),
        rows: Some(Ok(rows)),
        scroll: 0,
    });
}

/// The runbook an alert names: its `runbook` annotation, or the last part
/// of its `runbook_url`.
pub fn runbook_of(a: &AlertRow) -> Option<String> {
    a.annotations.get("runbook").cloned().or_else(|| {
        a.annotations
            .get("runbook_url")
            .and_then(|u| u.trim_end_matches('/').rsplit('/').next())
            .map(|last| last.trim_end_matches(".md").trim_end_matches(".toml").to_string())
            .filter(|id| !id.is_empty())
    })
}

/// The silences holding the alert, as Alertmanager has them.
fn silences(source: Option<&BackendStatus>, a: &AlertRow) -> Vec<Row> {
    if a.silenced_by.is_empty() {
        return Vec::new();
    }
    let summary = source.and_then(|b| b.alerts());
    let mut rows = vec![Row::Section("silences".into())];
    for id in &a.silenced_by {
        match summary.and_then(|s| s.silence(id)) {
            Some(s) => {
                rows.push(field("silence", s.id.clone()));
                rows.push(field("  by", s.created_by.clone()));
                rows.push(field("  comment", s.comment.clone()));
                rows.push(field(
                    "  from / until",
                    format!("{} / {}", s.starts_at.format(TIME), s.ends_at.format(TIME)),
                ));
                rows.push(field("  matchers", s.matchers.join(", ")));
            }
            None => rows.push(field("silence", format!("{id} (not among the active silences)"))),
        }
    }
    rows
}

/// When this opsdeck first saw the alert, and every acknowledgement made
/// from opsdeck (kept in the state store), oldest first.
fn history(state: &State, source: Option<&BackendStatus>, a: &AlertRow) -> Vec<Row> {
    let mut rows = vec![Row::Section("history here".into())];
    if let Some(t) = state.panes.alerts.first_seen.get(&alert_key(state, source, a)) {
        rows.push(field("seen here since", t.format(TIME).to_string()));
    }
    let shown_as = state.alert_source_name(source);
    // An ack made through one member of a cluster belongs to the cluster.
    let acks = state.panes.alerts.acks.iter().filter(|k| {
        k.fingerprint == a.fingerprint && state.setup.clusters.get(&k.source).unwrap_or(&k.source) == shown_as
    });
    for k in acks {
        let silence = k
            .silence_id
            .as_deref()
            .map(|id| format!(", silence {id}"))
            .unwrap_or_default();
        let ended = if k.holds(state.shell.now) { "until" } else { "ended" };
        rows.push(field(
            "acknowledged",
            format!(
                "{} by {}, {ended} {}{silence}: {}",
                k.acked_at.format(TIME),
                k.operator,
                k.until.format("%H:%M UTC"),
                k.comment
            ),
        ));
    }
    for line in super::escalated::detail_lines(state, source, a) {
        rows.push(field("escalation", line));
    }
    if rows.len() == 1 {
        rows.push(field("", "nothing recorded yet".into()));
    }
    rows
}
