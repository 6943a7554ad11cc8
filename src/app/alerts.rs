//! The Alerts pane's list: Alertmanager's alerts and opsdeck's own in one
//! model, worst and oldest first, narrowed by an Alertmanager matcher filter.

use super::{own_alerts, BackendStatus, PaneId, State};
use crate::backends::alertmanager::{AlertRow, Severity};
use crate::backends::am_matchers::parse_matchers;
use crate::backends::BackendKind;
use chrono::{DateTime, Utc};

impl State {
    /// Every alert with where it comes from (`None`: opsdeck's own), sorted
    /// by severity then age, narrowed by the matcher filter.
    pub fn alert_rows(&self) -> Vec<(Option<&BackendStatus>, AlertRow)> {
        let mut all = self.all_alerts();
        all.retain(|(_, a)| a.matches(&self.alerts_filter.matchers));
        all
    }

    fn all_alerts(&self) -> Vec<(Option<&BackendStatus>, AlertRow)> {
        let mut all: Vec<(Option<&BackendStatus>, AlertRow)> =
            own_alerts::rows(self).into_iter().map(|r| (None, r)).collect();
        for b in self.backends_of(BackendKind::Alertmanager) {
            if let Some(a) = b.alerts() {
                all.extend(a.alerts.iter().map(|r| (Some(b), r.clone())));
            }
        }
        all.sort_by(|(_, a), (_, b)| a.severity.cmp(&b.severity).then(a.starts_at.cmp(&b.starts_at)));
        all
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
