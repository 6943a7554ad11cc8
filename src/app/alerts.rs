//! The Alerts pane's list: Alertmanager's alerts and opsdeck's own in one
//! model, worst and oldest first, narrowed by an Alertmanager matcher filter.

use super::{own_alerts, BackendStatus, PaneId, State};
use crate::backends::alertmanager::{AlertRow, Severity};
use crate::backends::am_matchers::parse_matchers;
use crate::backends::BackendKind;
use chrono::{DateTime, Utc};
use std::borrow::Cow;

impl State {
    /// Every alert with where it comes from (`None`: opsdeck's own), sorted
    /// by severity then age, narrowed by the matcher filter.
    pub fn alert_rows(&self) -> Vec<(Option<&BackendStatus>, Cow<'_, AlertRow>)> {
        let mut all = self.all_alerts();
        all.retain(|(_, a)| a.matches(&self.alerts_filter.matchers));
        if self.hide_silenced {
            all.retain(|(_, a)| a.state != "suppressed");
        }
        all
    }

    /// Borrowed where the alert is held (Alertmanager's), owned where it is
    /// computed (opsdeck's own): ten thousand alerts are not copied per frame.
    fn all_alerts(&self) -> Vec<(Option<&BackendStatus>, Cow<'_, AlertRow>)> {
        let mut all: Vec<(Option<&BackendStatus>, Cow<'_, AlertRow>)> = own_alerts::rows(self)
            .into_iter()
            .map(|r| (None, Cow::Owned(r)))
            .collect();
        for b in self.backends_of(BackendKind::Alertmanager) {
            if let Some(a) = b.alerts() {
                all.extend(a.alerts.iter().map(|r| (Some(b), Cow::Borrowed(r))));
            }
        }
        all.sort_by(|(_, a), (_, b)| a.severity.cmp(&b.severity).then(a.starts_at.cmp(&b.starts_at)));
        all
    }

    /// The alert under the selection, copied out so the state can change.
    pub fn selected_alert(&self) -> Option<(Option<&BackendStatus>, AlertRow)> {
        self.alert_rows()
            .into_iter()
            .nth(self.selection[PaneId::Alerts.index()])
            .map(|(source, a)| (source, a.into_owned()))
    }

    /// When an alert that still fires (not silenced or inhibited) must have
    /// been answered: its start plus its severity's response time.
    pub fn respond_by(&self, a: &AlertRow) -> Option<DateTime<Utc>> {
        if a.state == "suppressed" {
            return None;
        }
        let cfg = &self.alerts_config;
        let within = match a.severity {
            Severity::Critical => cfg.respond_critical,
            Severity::Warning => cfg.respond_warning,
            Severity::Info | Severity::None => cfg.respond_info,
        };
        Some(a.starts_at + chrono::Duration::from_std(within).unwrap_or(chrono::Duration::MAX))
    }

    /// Critical alerts firing now (not silenced), from every source.
    pub fn firing_critical(&self) -> usize {
        self.all_alerts()
            .iter()
            .filter(|(_, a)| a.severity == Severity::Critical && a.state != "suppressed")
            .count()
    }
}

/// Acknowledge the selected Alertmanager alert: a dialog showing exactly
/// what the silence will match, asking a comment.
pub fn ask_ack(state: &mut State) -> Vec<super::Command> {
    use super::update::{read_only_refusal, set_status};
    use super::{Command, Level, Overlay};
    let Some((source, alert)) = state.selected_alert() else {
        set_status(state, Level::Warn, "no alert selected");
        return Vec::new();
    };
    let Some(b) = source else {
        set_status(
            state,
            Level::Info,
            "opsdeck's own alerts end when their condition does: they are not silenced",
        );
        return Vec::new();
    };
    if alert.state == "suppressed" {
        set_status(
            state,
            Level::Info,
            format!("{} is already silenced (e expires)", alert.name),
        );
        return Vec::new();
    }
    let (source, read_only) = (b.id.name.clone(), b.read_only);
    let target = format!("{source}/{}", alert.name);
    if let Some(refusal) = read_only_refusal(state, read_only, PaneId::Alerts, "alert.ack", &target) {
        return refusal;
    }
    let default = std::time::Duration::from_secs(2 * 3600);
    let duration = state.setup.ack_durations.get(&source).copied().unwrap_or(default);
    let mut lines = vec![format!(
        "silence on {source} for {}, created by {}, matching exactly:",
        humantime::format_duration(duration),
        state.identity.operator
    )];
    lines.extend(alert.labels.iter().map(|(k, v)| format!("  {k}=\"{v}\"")));
    state.overlay = Some(Overlay::Confirm {
        title: format!("Acknowledge {}?", alert.name),
        lines,
        on_yes: Command::Silence {
            source,
            labels: alert.labels.clone(),
            comment: String::new(),
            duration,
        },
        justification: Some(String::new()),
    });
    Vec::new()
}

/// Everything about the selected alert: labels, annotations, where it comes
/// from, its deadline and the silences that hold it.
pub fn open_details(state: &mut State) {
    use crate::backends::docker_inspect::Row;
    let Some((source, a)) = state.selected_alert() else {
        super::update::set_status(state, super::Level::Warn, "no alert selected");
        return;
    };
    let field = |k: &str, v: String| Row::Field(k.into(), v);
    let source = source.map(|b| b.id.name.clone()).unwrap_or_else(|| "opsdeck".into());
    let mut rows = vec![
        Row::Section("alert".into()),
        field("name", a.name.clone()),
        field("severity", a.severity.label().into()),
        field(
            "state",
            if a.state == "suppressed" {
                "silenced or inhibited".into()
            } else {
                "firing".into()
            },
        ),
        field("source", source),
        field("started", a.starts_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()),
        field(
            "respond by",
            state
                .respond_by(&a)
                .map(|t| t.format("%H:%M UTC").to_string())
                .unwrap_or_else(|| "-".into()),
        ),
    ];
    if !a.silenced_by.is_empty() {
        rows.push(field("silenced by", a.silenced_by.join(", ")));
    }
    if !a.generator_url.is_empty() {
        rows.push(field("generator", a.generator_url.clone()));
    }
    // A runbook named by the alert: the checklist to start for it.
    let runbook = a.annotations.get("runbook").cloned().or_else(|| {
        a.annotations
            .get("runbook_url")
            .and_then(|u| u.trim_end_matches('/').rsplit('/').next().map(String::from))
    });
    if let Some(id) = runbook {
        rows.push(field("runbook", id));
    }
    rows.push(Row::Section("labels".into()));
    rows.extend(a.labels.iter().map(|(k, v)| field(k, v.clone())));
    if !a.annotations.is_empty() {
        rows.push(Row::Section("annotations".into()));
        rows.extend(a.annotations.iter().map(|(k, v)| field(k, v.clone())));
    }
    state.overlay = Some(super::Overlay::Details {
        title: a.name.clone(),
        rows: Some(Ok(rows)),
        scroll: 0,
    });
}

/// Expire the silences that hold the selected alert, after a yes.
pub fn ask_expire(state: &mut State) -> Vec<super::Command> {
    use super::update::{read_only_refusal, set_status};
    use super::{Command, Level, Overlay};
    let Some((Some(b), alert)) = state.selected_alert() else {
        set_status(state, Level::Warn, "no Alertmanager alert selected");
        return Vec::new();
    };
    if alert.silenced_by.is_empty() {
        set_status(state, Level::Info, format!("{} is not silenced", alert.name));
        return Vec::new();
    }
    let (source, read_only) = (b.id.name.clone(), b.read_only);
    let target = format!("{source}/{}", alert.name);
    if let Some(refusal) = read_only_refusal(state, read_only, PaneId::Alerts, "silence.expire", &target) {
        return refusal;
    }
    let mut lines = vec![format!("alert   {}", alert.name), format!("source  {source}")];
    lines.extend(alert.silenced_by.iter().map(|id| format!("silence {id}")));
    state.overlay = Some(Overlay::Confirm {
        title: "Expire the silence?".into(),
        lines,
        on_yes: Command::ExpireSilences {
            source,
            ids: alert.silenced_by.clone(),
        },
        justification: None,
    });
    Vec::new()
}

/// After alerts changed: ring the bell for critical alerts not seen firing
/// before (once each), and remember what fires now.
pub fn ring_for_new_criticals(state: &mut State) -> Vec<super::Command> {
    let now: std::collections::BTreeSet<String> = state
        .all_alerts()
        .iter()
        .filter(|(_, a)| a.severity == Severity::Critical && a.state != "suppressed")
        .map(|(src, a)| {
            format!(
                "{}/{}",
                src.map(|b| b.id.name.as_str()).unwrap_or("opsdeck"),
                a.fingerprint
            )
        })
        .collect();
    let new = now.difference(&state.critical_seen).count();
    state.critical_seen = now;
    if new > 0 && state.alerts_config.bell {
        vec![super::Command::Bell]
    } else {
        Vec::new()
    }
}

/// The matcher filter as typed, and what it parsed to. While the text does
/// not parse, the last good matchers keep applying and the error is shown.
#[derive(Debug, Clone, Default)]
pub struct AlertsFilter {
    pub text: Option<String>,
    pub matchers: Vec<crate::backends::am_matchers::Matcher>,
    pub error: Option<String>,
}

impl AlertsFilter {
    pub fn set(&mut self, text: Option<String>) {
        match text.as_deref().map(parse_matchers) {
            None => {
                self.matchers.clear();
                self.error = None;
            }
            Some(Ok(m)) => {
                self.matchers = m;
                self.error = None;
            }
            Some(Err(e)) => self.error = Some(e),
        }
        self.text = text;
    }
}

/// A key while the Alerts filter is typed: applied as it parses.
pub fn on_filter_key(state: &mut State, ev: &crossterm::event::KeyEvent) {
    use super::input::{edit, Edit};
    let mut text = state.alerts_filter.text.clone().unwrap_or_default();
    let outcome = edit(&mut text, ev);
    let text = match outcome {
        Edit::Editing => Some(text),
        Edit::Submit => {
            state.filter_typing = false;
            (!text.trim().is_empty()).then_some(text)
        }
        Edit::Cancel => {
            state.filter_typing = false;
            None
        }
    };
    state.alerts_filter.set(text);
    let last = state.row_count(PaneId::Alerts).saturating_sub(1);
    let sel = &mut state.selection[PaneId::Alerts.index()];
    *sel = (*sel).min(last);
}
