//! The Access-review pane's state: what the sources hold now, the campaigns,
//! and the one being worked through (its snapshot and decisions).

pub mod decide;
mod listed;
pub use listed::Listed;

use crate::app::update::set_status;
use crate::app::{Command, Level, Overlay, PaneId, State, View};
use crate::model::access::{AccessLoad, FlagRules, ReviewItem};
/// What this pane's keys can do (named in `model::action`, where the keymap reads them).
pub use crate::model::action::AccessAction;
use crate::model::docker::Row;
use crate::model::review::{Campaign, CampaignSummary, DecisionRecord};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// A configured source, as far as the pane needs to know it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AccessSource {
    pub name: String,
    /// The `[[postgres]]` target of a SQL source.
    pub database: Option<String>,
    /// The revoke statement, shown in the confirm dialog.
    pub revoke: Option<String>,
    pub rules: FlagRules,
}

/// The last load of one source.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceState {
    Loading,
    Loaded {
        at: DateTime<Utc>,
        items: Arc<Vec<ReviewItem>>,
        problems: Vec<String>,
        total: usize,
    },
    Failed {
        at: DateTime<Utc>,
        error: String,
    },
}

/// A campaign opened for review: its snapshot in queue order (flagged items
/// first, so the flagged view is a prefix) and its decisions.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenCampaign {
    pub campaign: Campaign,
    pub items: Arc<Vec<ReviewItem>>,
    /// `items[..flagged]` have flags.
    pub flagged: usize,
    /// Every decision, oldest first.
    pub decisions: Vec<DecisionRecord>,
    /// The newest decision per item id.
    pub latest: HashMap<i64, usize>,
    /// Ids of the decisions held: one read again (another reviewer
    /// decided) adds only what is new.
    pub known: std::collections::HashSet<i64>,
    pub decided: usize,
    pub deferred: usize,
    pub flagged_open: usize,
}

impl OpenCampaign {
    pub fn new(campaign: Campaign, items: Vec<ReviewItem>, decisions: Vec<DecisionRecord>) -> Self {
        let flagged = items.iter().take_while(|i| !i.flags.is_empty()).count();
        let mut open = Self {
            campaign,
            items: Arc::new(items),
            flagged,
            decisions: Vec::new(),
            latest: HashMap::new(),
            known: Default::default(),
            decided: 0,
            deferred: 0,
            flagged_open: 0,
        };
        open.add(decisions);
        open
    }

    /// Take in decisions that are now in the store (those not held yet),
    /// and recount. An item's newest decision is the one with the highest
    /// id: another reviewer's may arrive after this opsdeck's own.
    pub fn add(&mut self, decisions: Vec<DecisionRecord>) {
        for d in decisions {
            if !self.known.insert(d.id) {
                continue;
            }
            let newer = self.latest.get(&d.item_id).is_none_or(|&n| self.decisions[n].id < d.id);
            if newer {
                self.latest.insert(d.item_id, self.decisions.len());
            }
            self.decisions.push(d);
        }
        let latest = |i: &ReviewItem| self.latest.get(&i.id).map(|&n| &self.decisions[n]);
        self.decided = self
            .items
            .iter()
            .filter(|i| latest(i).is_some_and(|d| d.settles()))
            .count();
        self.deferred = self
            .items
            .iter()
            .filter(|i| latest(i).is_some_and(|d| d.outcome == crate::model::review::DEFERRED))
            .count();
        self.flagged_open = self.items[..self.flagged]
            .iter()
            .filter(|i| !latest(i).is_some_and(|d| d.settles()))
            .count();
    }

    pub fn latest(&self, item_id: i64) -> Option<&DecisionRecord> {
        self.latest.get(&item_id).map(|&n| &self.decisions[n])
    }

    pub fn history(&self, item_id: i64) -> impl Iterator<Item = &DecisionRecord> {
        self.decisions.iter().filter(move |d| d.item_id == item_id)
    }

    pub fn is_settled(&self, item_id: i64) -> bool {
        self.latest(item_id).is_some_and(|d| d.settles())
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccessPane {
    pub selected: usize,
    pub sources: Vec<AccessSource>,
    /// Other names the operator appears under (`[operator] aliases`).
    pub aliases: Vec<String>,
    pub loads: BTreeMap<String, SourceState>,
    /// Every loaded source's rows, merged in queue order.
    pub live: Arc<Vec<ReviewItem>>,
    pub live_flagged: usize,
    /// From the store; `None` until read.
    pub campaigns: Option<Result<Vec<CampaignSummary>, String>>,
    pub open: Option<OpenCampaign>,
    /// A campaign asked for and not loaded yet.
    pub opening: Option<i64>,
    /// The newest unfinished campaign is opened once, at start.
    pub resumed: bool,
    /// Show every item, not only the flagged ones.
    pub show_all: bool,
    /// The campaign list is shown instead of the queue.
    pub list: bool,
    /// The selection of the view not shown (list or queue).
    pub list_selected: usize,
    /// Marked item ids, for a decision on several.
    pub marked: BTreeSet<i64>,
    /// Only items matching this (subject, role, source, status,
    /// organization, granted by, flags).
    pub filter: crate::app::panes::filter::ListFilter,
    /// What the filter keeps of the queue, worked out once per change.
    pub hits: Option<listed::Hits>,
}

impl AccessPane {
    /// The rows the queue shows: the open campaign's, or the sources' live rows.
    pub fn queue(&self) -> &[ReviewItem] {
        let (items, flagged) = match &self.open {
            Some(o) => (&o.items, o.flagged),
            None => (&self.live, self.live_flagged),
        };
        // With nothing flagged the flagged view would be empty: show all.
        if self.show_all || flagged == 0 {
            items
        } else {
            &items[..flagged]
        }
    }

    pub fn source(&self, name: &str) -> Option<&AccessSource> {
        self.sources.iter().find(|s| s.name == name)
    }

    pub fn summaries(&self) -> &[CampaignSummary] {
        match &self.campaigns {
            Some(Ok(list)) => list,
            _ => &[],
        }
    }
}

impl State {
    pub fn access_rows(&self) -> usize {
        if self.panes.access.list {
            self.panes.access.summaries().len()
        } else {
            self.panes.access.listed().len()
        }
    }

    pub fn selected_access_item(&self) -> Option<&ReviewItem> {
        if self.panes.access.list {
            return None;
        }
        self.panes.access.listed().get(self.panes.access.selected)
    }
}

/// A source finished loading: merge every loaded source's rows again.
pub fn on_loaded(state: &mut State, load: AccessLoad) {
    let entry = match load.result {
        Ok(rows) => {
            if !rows.problems.is_empty() {
                let text = format!(
                    "{}: {} of {} rows skipped (bad rows; see the pane)",
                    load.source,
                    rows.problems.len(),
                    rows.total
                );
                set_status(state, Level::Warn, text);
            }
            SourceState::Loaded {
                at: load.at,
                items: Arc::new(rows.items),
                problems: rows.problems,
                total: rows.total,
            }
        }
        Err(error) => {
            set_status(state, Level::Error, format!("access source {}: {error}", load.source));
            SourceState::Failed { at: load.at, error }
        }
    };
    state.panes.access.loads.insert(load.source, entry);
    let loaded: Vec<&Arc<Vec<ReviewItem>>> = state
        .panes
        .access
        .loads
        .values()
        .filter_map(|s| match s {
            SourceState::Loaded { items, .. } => Some(items),
            _ => None,
        })
        .collect();
    let live = match loaded.as_slice() {
        // One source (the usual case): its rows are already in queue order,
        // shared rather than copied; 50,000 rows cost the UI task nothing.
        [one] => Arc::clone(one),
        many => {
            let mut live: Vec<ReviewItem> = many.iter().flat_map(|items| items.iter().cloned()).collect();
            // Each source's rows are already in order: this sort merges sorted runs.
            live.sort_by(|a, b| crate::model::access::queue_order((&a.row, &a.flags), (&b.row, &b.flags)));
            Arc::new(live)
        }
    };
    state.panes.access.live_flagged = live.iter().take_while(|i| !i.flags.is_empty()).count();
    state.panes.access.live = live;
    clamp(state);
}

/// Campaigns read from the store. At start, the newest unfinished one is
/// opened, so a review in progress is resumed.
pub fn on_campaigns(state: &mut State, result: Result<Vec<CampaignSummary>, String>) -> Vec<Command> {
    if let Err(e) = &result {
        set_status(state, Level::Error, format!("review campaigns not loaded: {e}"));
    }
    state.panes.access.campaigns = Some(result);
    clamp(state);
    if state.panes.access.resumed || state.panes.access.open.is_some() || state.panes.access.opening.is_some() {
        return Vec::new();
    }
    state.panes.access.resumed = true;
    let resume = state
        .panes
        .access
        .summaries()
        .iter()
        .find(|s| !s.complete())
        .map(|s| s.campaign.id);
    match resume {
        Some(id) => open_campaign(state, id),
        None => Vec::new(),
    }
}

pub fn open_campaign(state: &mut State, id: i64) -> Vec<Command> {
    state.panes.access.opening = Some(id);
    vec![Command::OpenCampaign { id }]
}

/// A campaign's snapshot and decisions arrived: show it at its first item
/// without a decision (flagged ones first), where the review was left.
pub fn on_opened(state: &mut State, result: Result<OpenCampaign, String>) {
    let open = match result {
        Ok(open) if state.panes.access.opening.is_none_or(|id| id == open.campaign.id) => open,
        Ok(_) => return,
        Err(e) => {
            state.panes.access.opening = None;
            set_status(state, Level::Error, format!("review campaign not loaded: {e}"));
            return;
        }
    };
    state.panes.access.opening = None;
    let first_open = open.items.iter().position(|i| !open.is_settled(i.id));
    let in_flagged = first_open.is_some_and(|n| n < open.flagged);
    state.panes.access.show_all = open.flagged == 0 || (first_open.is_some() && !in_flagged);
    state.panes.access.selected = first_open.unwrap_or(0);
    state.panes.access.marked.clear();
    state.panes.access.list = false;
    state.panes.access.open = Some(open);
    clamp(state);
}

/// Decisions that are now in the store: only now are they shown.
pub fn on_decided(state: &mut State, campaign_id: i64, attempted: &[i64], records: Vec<DecisionRecord>) {
    for id in attempted {
        state.panes.access.marked.remove(id);
    }
    if let Some(open) = state
        .panes
        .access
        .open
        .as_mut()
        .filter(|o| o.campaign.id == campaign_id)
    {
        open.add(records);
    }
}

/// A campaign's decisions read again (another reviewer decided): the new
/// ones are taken in.
pub fn on_decisions_refreshed(state: &mut State, campaign_id: i64, decisions: Result<Vec<DecisionRecord>, String>) {
    match decisions {
        Ok(records) => on_decided(state, campaign_id, &[], records),
        Err(e) => set_status(state, Level::Error, format!("review decisions not read: {e}")),
    }
}

fn clamp(state: &mut State) {
    let last = state.access_rows().saturating_sub(1);
    let sel = &mut state.panes.access.selected;
    *sel = (*sel).min(last);
}

/// `a`: the flagged items only, or all of them; the selection stays on its item.
pub fn toggle_all(state: &mut State) {
    keeping_item(state, |s| s.panes.access.show_all = !s.panes.access.show_all);
    let text = if state.panes.access.show_all {
        "showing every item"
    } else {
        "showing flagged items"
    };
    set_status(state, Level::Info, text);
}

/// Run a change to what the queue lists, keeping the selection on its item.
fn keeping_item(state: &mut State, change: impl FnOnce(&mut State)) {
    let keep = state
        .selected_access_item()
        .map(|i| (i.id, i.row.subject.clone(), i.row.role.clone()));
    change(state);
    state.panes.access.refilter();
    let found = keep.and_then(|key| {
        let listed = state.panes.access.listed();
        let n = listed
            .iter()
            .position(|i| (i.id, &i.row.subject, &i.row.role) == (key.0, &key.1, &key.2));
        n
    });
    if let Some(n) = found {
        state.panes.access.selected = n;
    }
    clamp(state);
}

/// The items filter being typed: applied live, Enter keeps it, Esc drops it.
pub(crate) fn on_filter_key(state: &mut State, ev: &crossterm::event::KeyEvent) -> Vec<Command> {
    keeping_item(state, |s| {
        s.panes.access.filter.key(ev);
    });
    Vec::new()
}

/// `c`: the campaign list, or back to the queue.
pub fn toggle_list(state: &mut State) {
    state.panes.access.list = !state.panes.access.list;
    // Each view keeps its own place.
    std::mem::swap(&mut state.panes.access.selected, &mut state.panes.access.list_selected);
    clamp(state);
}

/// `space`: mark or unmark the selected item and move on.
pub fn toggle_mark(state: &mut State) {
    if state.panes.access.open.is_none() {
        set_status(state, Level::Warn, "marks are for a review campaign: n starts one");
        return;
    }
    let Some(id) = state.selected_access_item().map(|i| i.id) else {
        return;
    };
    if !state.panes.access.marked.remove(&id) {
        state.panes.access.marked.insert(id);
    }
    let last = state.access_rows().saturating_sub(1);
    let sel = &mut state.panes.access.selected;
    *sel = (*sel + 1).min(last);
}

/// `enter`: in the list, open the campaign; in the queue, the item's details.
pub fn enter(state: &mut State) -> Vec<Command> {
    if state.panes.access.list {
        let Some(id) = state
            .panes
            .access
            .summaries()
            .get(state.panes.access.selected)
            .map(|s| s.campaign.id)
        else {
            return Vec::new();
        };
        return open_campaign(state, id);
    }
    open_details(state);
    Vec::new()
}

/// The item whole: every field, each flag's reason, every decision on it.
fn open_details(state: &mut State) {
    let Some(item) = state.selected_access_item().cloned() else {
        set_status(state, Level::Warn, "no item selected");
        return;
    };
    let field = |label: &str, value: String| Row::Field(label.into(), value);
    let r = &item.row;
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let mut rows = vec![
        Row::Section("access".into()),
        field("subject", r.subject.clone()),
        field("role", r.role.clone()),
        field("source", r.source.clone()),
        field("status", opt(&r.status)),
        field("last login", last_login_text(r.last_login, state.shell.now)),
        field(
            "created",
            r.created_at
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| "-".into()),
        ),
        field(
            "MFA",
            match r.mfa_enabled {
                Some(true) => "enabled".into(),
                Some(false) => "DISABLED".into(),
                None => "-".into(),
            },
        ),
        field("organization", opt(&r.organization)),
        field("granted by", opt(&r.granted_by)),
    ];
    rows.push(Row::Section("flags".into()));
    if item.flags.is_empty() {
        rows.push(field("-", "nothing flagged".into()));
    }
    rows.extend(item.flags.iter().map(|f| field(f.kind.short(), f.reason.clone())));
    if !r.extra.is_empty() {
        rows.push(Row::Section("other columns".into()));
        rows.extend(r.extra.iter().map(|(k, v)| field(k, v.clone())));
    }
    if let Some(open) = &state.panes.access.open {
        rows.push(Row::Section(format!("decisions (campaign {})", open.campaign.id)));
        let mut any = false;
        for d in open.history(item.id) {
            any = true;
            rows.push(field(
                &d.decided_at.format("%Y-%m-%d %H:%M").to_string(),
                format!("{} by {}: {}", d.outcome, d.reviewer, d.justification),
            ));
        }
        if !any {
            rows.push(field("-", "no decision yet".into()));
        }
    }
    let rows = crate::app::redact::details(&state.setup.redactor, rows);
    state.shell.overlay = Some(Overlay::Details {
        title: format!("{} · {}", r.subject, r.role),
        rows: Some(Ok(rows)),
        scroll: 0,
    });
}

/// "2026-07-03 (143d ago)", "never", or "-" when the source does not say.
pub fn last_login_text(l: crate::model::access::LastLogin, now: DateTime<Utc>) -> String {
    use crate::model::access::LastLogin;
    match l {
        LastLogin::Unknown => "-".into(),
        LastLogin::Never => "never".into(),
        LastLogin::At(t) => format!(
            "{} ({}d ago)",
            t.format("%Y-%m-%d"),
            now.signed_duration_since(t).num_days().max(0)
        ),
    }
}

/// `r`: read every source again.
pub fn reload(state: &mut State) -> Vec<Command> {
    if state.panes.access.sources.is_empty() {
        set_status(state, Level::Warn, "no [[access.source]] configured");
        return Vec::new();
    }
    for s in &state.panes.access.sources {
        state.panes.access.loads.insert(s.name.clone(), SourceState::Loading);
    }
    set_status(state, Level::Info, "reading the access sources…");
    vec![Command::LoadAccess]
}

/// `e`: write the open campaign's evidence (or the selected one's, in the list).
pub fn export(state: &mut State) -> Vec<Command> {
    let id = if state.panes.access.list {
        state
            .panes
            .access
            .summaries()
            .get(state.panes.access.selected)
            .map(|s| s.campaign.id)
    } else {
        state.panes.access.open.as_ref().map(|o| o.campaign.id)
    };
    match id {
        Some(campaign) => {
            set_status(state, Level::Info, "exporting…");
            vec![Command::ExportReview { campaign }]
        }
        None => {
            set_status(state, Level::Warn, "no review campaign to export");
            Vec::new()
        }
    }
}

/// Whether the Access pane is zoomed (its keys apply).
pub fn zoomed(state: &State) -> bool {
    state.shell.view == View::Zoom(PaneId::Access)
}

/// What an Access key does (while the pane is zoomed).
pub fn on_action(state: &mut State, action: AccessAction) -> Vec<Command> {
    use crate::model::review::Decision;
    if !zoomed(state) {
        return Vec::new();
    }
    match action {
        AccessAction::Details => return enter(state),
        AccessAction::Mark => toggle_mark(state),
        AccessAction::Keep => return decide::ask_decision(state, Decision::Keep),
        AccessAction::Revoke => return decide::ask_decision(state, Decision::Revoke),
        AccessAction::Defer => return decide::ask_decision(state, Decision::Defer),
        AccessAction::All => toggle_all(state),
        AccessAction::New => return decide::ask_campaign(state),
        AccessAction::Campaigns => toggle_list(state),
        AccessAction::Export => return export(state),
        AccessAction::Reload => return reload(state),
        AccessAction::Filter if state.panes.access.list => {}
        AccessAction::Filter => state.panes.access.filter.start(),
    }
    Vec::new()
}
