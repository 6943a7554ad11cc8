//! The Alerts pane's list: Alertmanager's alerts and opsdeck's own in one
//! model, worst and oldest first, narrowed by an Alertmanager matcher filter,
//! optionally grouped by a label. Instances of one cluster are one source.

pub mod ack;
pub(crate) mod details;
pub mod escalated;
pub mod own;
pub mod resolved;

use crate::app::panes::alerts::own as own_alerts;
use crate::app::{BackendStatus, PaneId, State, OWN_SOURCE};
use crate::app::{Command, View};
/// What this pane's keys can do (named in `model::action`, where the keymap reads them).
pub use crate::model::action::AlertsAction;
use crate::model::alerts::{AlertRow, Severity};
use crate::model::backend::BackendKind;
use crate::model::matchers::parse_matchers;
use chrono::{DateTime, Utc};
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};

/// An alert and the Alertmanager it was read from (`None`: opsdeck's own).
/// Borrowed where the alert is held (Alertmanager's), owned where it is
/// computed (opsdeck's own): ten thousand alerts are not copied per frame.
pub type Sourced<'a> = (Option<&'a BackendStatus>, Cow<'a, AlertRow>);

/// The Alerts pane: the filter, how the list is grouped and folded, when
/// opsdeck first saw each alert, and the acknowledgements made here.
#[derive(Debug, Clone, Default)]
pub struct AlertsPane {
    pub selected: usize,
    /// The matcher filter.
    pub filter: AlertsFilter,
    /// The filter is being typed (and applied as it is typed).
    pub filter_typing: bool,
    /// Hide silenced and inhibited alerts.
    pub hide_silenced: bool,
    /// Acknowledgements made from opsdeck (both kinds), oldest first.
    pub acks: Vec<crate::model::acks::AckRecord>,
    /// Critical alerts already seen firing (by `alert_key`): the bell rings
    /// once for each new one.
    pub critical_seen: rustc_hash::FxHashSet<u64>,
    /// Group by this label; `None`: one flat list.
    pub group_by: Option<String>,
    /// Folded groups, by their label value.
    pub folded: BTreeSet<String>,
    /// When this opsdeck first saw each alert that still fires, by
    /// `alert_key`: the start of its history here. Keys are hashes
    /// already: Fx hashes them again in one multiplication.
    pub first_seen: rustc_hash::FxHashMap<u64, DateTime<Utc>>,
    /// `r`: the alerts resolved in the last 24 hours are listed instead.
    pub resolved: Option<resolved::ResolvedAlerts>,
    /// Levels notified by escalation (`opsdeck record`), oldest first.
    pub escalations: Vec<crate::model::escalation::EscalationRecord>,
    /// When they were last asked for.
    pub escalations_read: Option<DateTime<Utc>>,
}

/// One line of the list: a group head or an alert.
#[derive(Debug, Clone)]
pub enum AlertLine<'a> {
    Group(AlertGroup),
    Alert(Option<&'a BackendStatus>, Cow<'a, AlertRow>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertGroup {
    /// The label's value ("" for alerts without the label).
    pub key: String,
    pub total: usize,
    /// Alerts nobody has yet (not silenced, inhibited or acknowledged).
    pub firing: usize,
    /// The worst severity among its firing alerts (among all when none fires).
    pub worst: Severity,
    pub folded: bool,
}

/// Who has an alert: the acknowledgement (or silence) holding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckInfo {
    pub by: String,
    pub at: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub comment: String,
    /// Set when it is a silence that is not an acknowledgement.
    pub silence_only: bool,
}

impl State {
    /// The name an alert's source is shown by: its cluster's when it has one.
    pub fn alert_source_name<'a>(&'a self, source: Option<&'a BackendStatus>) -> &'a str {
        match source {
            None => OWN_SOURCE,
            Some(b) => self.setup.clusters.get(&b.id.name).unwrap_or(&b.id.name),
        }
    }

    /// Every alert, sorted by severity then age, narrowed by the matcher
    /// filter (and without the quiet ones when those are hidden).
    pub fn alert_rows(&self) -> Vec<Sourced<'_>> {
        let mut all = self.all_alerts();
        all.retain(|(_, a)| a.matches(&self.panes.alerts.filter.matchers));
        if self.panes.alerts.hide_silenced {
            all.retain(|(_, a)| !a.is_quiet());
        }
        all
    }

    /// How many alerts the filter lets through (no sorting needed).
    pub fn shown_alert_count(&self) -> usize {
        self.alerts_unsorted()
            .iter()
            .filter(|(_, a)| {
                a.matches(&self.panes.alerts.filter.matchers) && !(self.panes.alerts.hide_silenced && a.is_quiet())
            })
            .count()
    }

    /// Every alert from every source, worst then oldest first.
    pub fn all_alerts(&self) -> Vec<Sourced<'_>> {
        let mut all = self.alerts_unsorted();
        // Each source's list comes sorted: this merges a few sorted runs.
        all.sort_by(|(_, a), (_, b)| a.severity.cmp(&b.severity).then(a.starts_at.cmp(&b.starts_at)));
        all
    }

    /// Every alert from every source, in no order. Members of one cluster
    /// hold the same alerts: each is taken once, from a member that answers.
    fn alerts_unsorted(&self) -> Vec<Sourced<'_>> {
        let mut all: Vec<Sourced<'_>> = own_alerts::rows(self)
            .into_iter()
            .map(|r| (None, Cow::Owned(r)))
            .collect();
        let mut taken: HashSet<(&str, &str)> = HashSet::new();
        for b in self.backends_of(BackendKind::Alertmanager) {
            let Some(a) = b.alerts() else { continue };
            match self.setup.clusters.get(&b.id.name) {
                Some(cluster) if self.speaks_for_cluster(b, cluster) => all.extend(
                    a.alerts
                        .iter()
                        .filter(|r| taken.insert((cluster.as_str(), r.fingerprint.as_str())))
                        .map(|r| (Some(b), Cow::Borrowed(r))),
                ),
                Some(_) => {}
                None => all.extend(a.alerts.iter().map(|r| (Some(b), Cow::Borrowed(r)))),
            }
        }
        all
    }

    /// Whether a cluster member's alerts are taken: every member that
    /// answers now, or, when none does, the one that answered last (an alert
    /// resolved while a member was down must not linger from it).
    fn speaks_for_cluster(&self, member: &BackendStatus, cluster: &str) -> bool {
        let members = || {
            self.backends_of(BackendKind::Alertmanager)
                .filter(|b| self.setup.clusters.get(&b.id.name).is_some_and(|c| c == cluster))
        };
        if members().any(|b| b.freshness(self.shell.now) == crate::app::Freshness::Ok) {
            return member.freshness(self.shell.now) == crate::app::Freshness::Ok;
        }
        let latest = members().filter_map(|b| b.last_ok).max();
        member.last_ok.is_some() && member.last_ok == latest
    }

    /// The list as shown: alerts, or groups (worst, then oldest, first)
    /// each followed by its alerts unless folded.
    pub fn alert_lines(&self) -> Vec<AlertLine<'_>> {
        let rows = self.alert_rows();
        let Some(label) = &self.panes.alerts.group_by else {
            return rows.into_iter().map(|(s, a)| AlertLine::Alert(s, a)).collect();
        };
        // Rows are sorted worst and oldest first, so groups in order of
        // their first row are too. Keys are borrowed while grouping: one
        // string per group, not per alert.
        let (keys, group_of) = {
            let mut index: HashMap<&str, usize> = HashMap::new();
            let mut keys: Vec<String> = Vec::new();
            let group_of: Vec<usize> = rows
                .iter()
                .map(|(_, a)| {
                    let key = a.labels.get(label).map(String::as_str).unwrap_or_default();
                    *index.entry(key).or_insert_with(|| {
                        keys.push(key.to_string());
                        keys.len() - 1
                    })
                })
                .collect();
            (keys, group_of)
        };
        let mut groups: Vec<(String, Vec<Sourced<'_>>)> = keys.into_iter().map(|k| (k, Vec::new())).collect();
        for (row, g) in rows.into_iter().zip(group_of) {
            groups[g].1.push(row);
        }
        let mut lines = Vec::new();
        for (key, members) in groups {
            let firing: Vec<&AlertRow> = members
                .iter()
                .map(|(_, a)| a.as_ref())
                .filter(|a| !a.is_quiet())
                .collect();
            let worst = firing
                .iter()
                .map(|a| a.severity)
                .min()
                .or_else(|| members.iter().map(|(_, a)| a.severity).min())
                .unwrap_or(Severity::None);
            let folded = self.panes.alerts.folded.contains(&key);
            lines.push(AlertLine::Group(AlertGroup {
                total: members.len(),
                firing: firing.len(),
                worst,
                folded,
                key,
            }));
            if !folded {
                lines.extend(members.into_iter().map(|(s, a)| AlertLine::Alert(s, a)));
            }
        }
        lines
    }

    /// The alert under the selection, copied out so the state can change;
    /// `None` on a group head.
    pub fn selected_alert(&self) -> Option<(Option<&BackendStatus>, AlertRow)> {
        match self.alert_lines().into_iter().nth(self.panes.alerts.selected)? {
            AlertLine::Alert(source, a) => Some((source, a.into_owned())),
            AlertLine::Group(_) => None,
        }
    }

    /// The group under the selection and its alerts (folded or not).
    pub fn selected_group(&self) -> Option<(String, Vec<Sourced<'_>>)> {
        let label = self.panes.alerts.group_by.as_ref()?;
        let AlertLine::Group(g) = self.alert_lines().into_iter().nth(self.panes.alerts.selected)? else {
            return None;
        };
        let members = self
            .alert_rows()
            .into_iter()
            .filter(|(_, a)| a.labels.get(label).map(String::as_str).unwrap_or_default() == g.key)
            .collect();
        Some((g.key, members))
    }

    /// The source's heartbeat (`heartbeat = "Watchdog"`): it fires so that
    /// its absence can be noticed, and asks nothing of anyone.
    pub fn is_heartbeat(&self, source: Option<&BackendStatus>, a: &AlertRow) -> bool {
        source.is_some_and(|b| self.setup.heartbeats.get(&b.id.name) == Some(&a.name))
    }

    /// Firing and nobody has it: not silenced, inhibited, acknowledged, nor
    /// the heartbeat.
    pub fn needs_response(&self, source: Option<&BackendStatus>, a: &AlertRow) -> bool {
        !a.is_quiet() && !self.is_heartbeat(source, a)
    }

    /// When an alert nobody has yet must have been answered: its start plus
    /// its severity's response time.
    pub fn respond_by(&self, source: Option<&BackendStatus>, a: &AlertRow) -> Option<DateTime<Utc>> {
        if !self.needs_response(source, a) {
            return None;
        }
        // An own alert a maintenance window holds has no deadline while it holds.
        if crate::app::panes::checklist::window::holding(self, source, a).is_some() {
            return None;
        }
        let cfg = &self.setup.alerts;
        let within = match a.severity {
            Severity::Critical => cfg.respond_critical,
            Severity::Warning => cfg.respond_warning,
            Severity::Info | Severity::None => cfg.respond_info,
        };
        Some(a.starts_at + chrono::Duration::from_std(within).unwrap_or(chrono::Duration::MAX))
    }

    /// Critical alerts firing now (nobody has them), from every source.
    pub fn firing_critical(&self) -> usize {
        self.alerts_unsorted()
            .iter()
            .filter(|(_, a)| a.severity == Severity::Critical && !a.is_quiet())
            .count()
    }

    /// The acknowledgement holding an alert: opsdeck's own from the state
    /// store, Alertmanager's from its silences ("ack:" ones first).
    pub fn ack_of(&self, source: Option<&BackendStatus>, a: &AlertRow) -> Option<AckInfo> {
        let Some(b) = source else {
            return self
                .panes
                .alerts
                .acks
                .iter()
                .rev()
                .find(|k| k.source == OWN_SOURCE && k.fingerprint == a.fingerprint && k.holds(self.shell.now))
                .map(|k| AckInfo {
                    by: k.operator.clone(),
                    at: k.acked_at,
                    until: k.until,
                    comment: k.comment.clone(),
                    silence_only: false,
                });
        };
        let summary = b.alerts()?;
        let silences: Vec<_> = a.silenced_by.iter().filter_map(|id| summary.silence(id)).collect();
        let s = silences.iter().find(|s| s.is_ack()).or(silences.first())?;
        Some(AckInfo {
            by: s.created_by.clone(),
            at: s.starts_at,
            until: s.ends_at,
            comment: s.comment.clone(),
            silence_only: !s.is_ack(),
        })
    }

    /// The state word shown for an alert.
    pub fn alert_state_word(&self, source: Option<&BackendStatus>, a: &AlertRow) -> &'static str {
        if self.is_heartbeat(source, a) {
            return "heartbeat";
        }
        if !a.is_quiet() {
            return "firing";
        }
        match self.ack_of(source, a) {
            Some(ack) if !ack.silence_only => "acked",
            Some(_) => "silenced",
            None => "inhibited",
        }
    }
}

/// The key an alert is known by across polls: a hash of its source (the
/// cluster for a member) and fingerprint. A number, not a string: ten
/// thousand alerts are keyed on every poll.
pub fn alert_key(state: &State, source: Option<&BackendStatus>, a: &AlertRow) -> u64 {
    use std::hash::{Hash, Hasher};
    // Not SipHash: these keys are computed for every alert when the list
    // changes, and nobody outside chooses them to collide.
    let mut h = rustc_hash::FxHasher::default();
    state.alert_source_name(source).hash(&mut h);
    a.fingerprint.hash(&mut h);
    h.finish()
}

/// After alerts changed: note when each was first seen, ring the bell for
/// critical alerts not seen firing before (once each), and remember what
/// fires now.
pub fn note_alerts(state: &mut State) -> Vec<crate::app::Command> {
    let now = state.shell.now;
    let alerts = state.alerts_unsorted();
    let mut seen = rustc_hash::FxHashMap::with_capacity_and_hasher(alerts.len(), Default::default());
    let mut critical = rustc_hash::FxHashSet::default();
    for (source, a) in alerts {
        let key = alert_key(state, source, &a);
        if a.severity == Severity::Critical && !a.is_quiet() {
            critical.insert(key);
        }
        let first = state.panes.alerts.first_seen.get(&key).copied().unwrap_or(now);
        seen.insert(key, first);
    }
    let new = critical.difference(&state.panes.alerts.critical_seen).count();
    state.panes.alerts.critical_seen = critical;
    state.panes.alerts.first_seen = seen;
    if new > 0 && state.setup.alerts.bell {
        vec![crate::app::Command::Bell]
    } else {
        Vec::new()
    }
}

/// `c`: group by the configured label, or back to one list.
pub fn toggle_grouping(state: &mut State) {
    state.panes.alerts.group_by = match state.panes.alerts.group_by {
        Some(_) => None,
        None => Some(state.setup.alerts.group_by.clone()),
    };
    state.panes.alerts.selected = 0;
}

/// `C`: group by the next label the alerts carry (in name order, the
/// configured one first).
pub fn next_group_label(state: &mut State) {
    let configured = state.setup.alerts.group_by.clone();
    let mut labels: Vec<String> = state
        .all_alerts()
        .iter()
        .flat_map(|(_, a)| a.labels.keys())
        .filter(|k| **k != configured)
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    labels.insert(0, configured);
    let next = match &state.panes.alerts.group_by {
        Some(now) => labels
            .iter()
            .position(|l| l == now)
            .map(|i| labels[(i + 1) % labels.len()].clone())
            .unwrap_or_else(|| labels[0].clone()),
        None => labels[0].clone(),
    };
    state.panes.alerts.folded.clear();
    crate::app::update::set_status(state, crate::app::Level::Info, format!("alerts grouped by {next}"));
    state.panes.alerts.group_by = Some(next);
    state.panes.alerts.selected = 0;
}

/// Enter on a group head folds or unfolds it; false when not on one.
pub fn toggle_fold(state: &mut State) -> bool {
    let Some((key, _)) = state.selected_group() else {
        return false;
    };
    if !state.panes.alerts.folded.remove(&key) {
        state.panes.alerts.folded.insert(key);
    }
    true
}

/// The matcher filter as typed, and what it parsed to. While the text does
/// not parse, the last good matchers keep applying and the error is shown.
#[derive(Debug, Clone, Default)]
pub struct AlertsFilter {
    pub text: Option<String>,
    pub matchers: Vec<crate::model::matchers::Matcher>,
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

/// Keep the selection within the list after it shrank.
pub fn clamp_selection(state: &mut State) {
    let last = state.row_count(PaneId::Alerts).saturating_sub(1);
    let sel = &mut state.panes.alerts.selected;
    *sel = (*sel).min(last);
}

/// A key while the Alerts filter is typed: applied as it parses.
pub fn on_filter_key(state: &mut State, ev: &crossterm::event::KeyEvent) {
    use crate::app::dialogs::input::{edit, Edit};
    let mut text = state.panes.alerts.filter.text.clone().unwrap_or_default();
    let outcome = edit(&mut text, ev);
    let text = match outcome {
        Edit::Editing => Some(text),
        Edit::Submit => {
            state.panes.alerts.filter_typing = false;
            (!text.trim().is_empty()).then_some(text)
        }
        Edit::Cancel => {
            state.panes.alerts.filter_typing = false;
            None
        }
    };
    state.panes.alerts.filter.set(text);
    clamp_selection(state);
}

/// What an Alerts key does (while the pane is zoomed; hiding silenced
/// alerts works from anywhere it is bound).
pub fn on_action(state: &mut State, action: AlertsAction) -> Vec<Command> {
    if action == AlertsAction::ToggleSilenced {
        state.panes.alerts.hide_silenced = !state.panes.alerts.hide_silenced;
        clamp_selection(state);
        return Vec::new();
    }
    if state.shell.view != View::Zoom(PaneId::Alerts) {
        return Vec::new();
    }
    if state.panes.alerts.resolved.is_some() {
        match action {
            AlertsAction::Resolved => return resolved::toggle(state),
            AlertsAction::Details => resolved::open_details(state),
            AlertsAction::Filter => start_filter(state),
            // Ended alerts: nothing to acknowledge, expire or group.
            _ => crate::app::update::set_status(
                state,
                crate::app::Level::Warn,
                "resolved alerts are a record: r shows the firing ones",
            ),
        }
        return Vec::new();
    }
    match action {
        AlertsAction::Resolved => return resolved::toggle(state),
        AlertsAction::Details => {
            if !toggle_fold(state) {
                details::open_details(state)
            }
        }
        AlertsAction::Filter => start_filter(state),
        AlertsAction::Group => toggle_grouping(state),
        AlertsAction::GroupBy => next_group_label(state),
        AlertsAction::Acknowledge => return ack::ask_ack(state),
        AlertsAction::ExpireSilence => return ack::ask_expire(state),
        AlertsAction::AlertRunbook => return crate::app::panes::checklist::start_from_alert(state),
        AlertsAction::ToggleSilenced => {}
    }
    Vec::new()
}

/// `/`: type an Alertmanager matcher filter (applied as it is typed).
fn start_filter(state: &mut State) {
    state.panes.alerts.filter_typing = true;
    let text = state.panes.alerts.filter.text.clone().unwrap_or_default();
    state.panes.alerts.filter.set(Some(text));
}
