//! The Services pane's list: containers of every host, filtered, sorted,
//! optionally grouped by compose project; the selection follows its
//! container when the list reorders; the rows on screen are the ones that
//! get CPU and memory stats.

use crate::app::dialogs::confirm::Facts;
use crate::app::panes::filter::ListFilter;
use crate::app::update::{read_only_refusal, set_status};
use crate::app::{BackendStatus, Command, PaneId, State, View};
use crate::app::{Level, Overlay};
/// What this pane's keys can do (named in `model::action`, where the keymap reads them).
pub use crate::model::action::ServicesAction;
use crate::model::backend::BackendKind;
use crate::model::docker::ContainerRow;
use crossterm::event::KeyEvent;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Columns the list can be sorted by, in the order `o` walks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Unhealthy, restarting, exited non-zero, then the rest.
    #[default]
    Worst,
    Name,
    Project,
    State,
    /// Most recently started or stopped first.
    Age,
    Restarts,
    Cpu,
    Memory,
    Image,
    Host,
}

impl SortKey {
    pub const ALL: [SortKey; 10] = [
        SortKey::Worst,
        SortKey::Name,
        SortKey::Project,
        SortKey::State,
        SortKey::Age,
        SortKey::Restarts,
        SortKey::Cpu,
        SortKey::Memory,
        SortKey::Image,
        SortKey::Host,
    ];

    pub fn next(self) -> SortKey {
        let i = Self::ALL.iter().position(|k| *k == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Worst => "worst first",
            SortKey::Name => "name",
            SortKey::Project => "project",
            SortKey::State => "state",
            SortKey::Age => "uptime",
            SortKey::Restarts => "restarts",
            SortKey::Cpu => "cpu",
            SortKey::Memory => "memory",
            SortKey::Image => "image",
            SortKey::Host => "host",
        }
    }

    /// Each key's natural order puts what needs a look first: the busiest,
    /// the most restarted, the most recently (re)started.
    fn compare(self, (ha, a): (&str, &ContainerRow), (hb, b): (&str, &ContainerRow)) -> Ordering {
        let cpu = |c: &ContainerRow| c.usage.and_then(|u| u.cpu_pct).unwrap_or(-1.0);
        let mem = |c: &ContainerRow| c.usage.map(|u| u.mem_used).unwrap_or(0);
        match self {
            SortKey::Worst => a.rank().cmp(&b.rank()),
            SortKey::Name => Ordering::Equal,
            SortKey::Project => project_of(a).cmp(project_of(b)),
            SortKey::State => a.state.cmp(&b.state),
            SortKey::Age => a.age_secs.unwrap_or(u64::MAX).cmp(&b.age_secs.unwrap_or(u64::MAX)),
            SortKey::Restarts => b.restarts.unwrap_or(-1).cmp(&a.restarts.unwrap_or(-1)),
            SortKey::Cpu => cpu(b).total_cmp(&cpu(a)),
            SortKey::Memory => mem(b).cmp(&mem(a)),
            SortKey::Image => a.image.cmp(&b.image),
            SortKey::Host => ha.cmp(hb),
        }
        .then_with(|| a.name.cmp(&b.name))
        .then_with(|| ha.cmp(hb))
    }
}

/// The Services pane: which containers are listed, how they are ordered
/// and shaped, and the selected row; remembered while opsdeck runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ServicesPane {
    pub selected: usize,
    /// Only containers matching this (name, image, project, labels).
    pub filter: ListFilter,
    /// Show stopped containers too.
    pub show_stopped: bool,
    pub sort: SortKey,
    pub reverse: bool,
    pub group_by_project: bool,
    /// Projects whose rows are folded under their group line.
    pub folded: std::collections::BTreeSet<String>,
    /// First row on screen: kept here so update knows which rows are visible.
    pub offset: usize,
    /// The container ids last asked to be watched for stats, per host.
    pub watched: BTreeMap<String, Vec<String>>,
}

impl Default for ServicesPane {
    fn default() -> Self {
        Self {
            selected: 0,
            filter: ListFilter::default(),
            show_stopped: true,
            sort: SortKey::default(),
            reverse: false,
            group_by_project: false,
            folded: Default::default(),
            offset: 0,
            watched: Default::default(),
        }
    }
}

/// The group name of containers outside any compose project.
pub const NO_PROJECT: &str = "(no project)";

pub fn project_of(c: &ContainerRow) -> &str {
    c.compose_project.as_deref().unwrap_or(NO_PROJECT)
}

/// One line of the Services table.
#[derive(Debug, Clone, Copy)]
pub enum ServiceRow<'a> {
    Group {
        project: &'a str,
        containers: usize,
        problems: usize,
        folded: bool,
    },
    Container(&'a BackendStatus, &'a ContainerRow),
}

/// What a selected row is, independent of where it is in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RowKey {
    Group(String),
    Container(String, String),
}

impl ServiceRow<'_> {
    fn key(&self) -> RowKey {
        match self {
            ServiceRow::Group { project, .. } => RowKey::Group(project.to_string()),
            ServiceRow::Container(b, c) => RowKey::Container(b.id.name.clone(), c.id.clone()),
        }
    }
}

impl State {
    /// Containers as the Services pane lists them (groups aside): every host,
    /// narrowed by the filter and the stopped toggle, in the chosen order.
    pub fn container_rows(&self) -> Vec<(&BackendStatus, &ContainerRow)> {
        let view = &self.panes.services;
        let mut rows: Vec<_> = self
            .backends_of(BackendKind::Docker)
            .filter_map(|b| b.docker().map(|d| (b, d)))
            .flat_map(|(b, d)| d.containers.iter().map(move |c| (b, c)))
            .filter(|(_, c)| self.panes.services.show_stopped || c.is_running())
            .filter(|(_, c)| self.panes.services.filter.pattern().is_none_or(|p| c.matches(p)))
            .collect();
        rows.sort_by(|(ba, a), (bb, b)| {
            let order = view.sort.compare((&ba.id.name, a), (&bb.id.name, b));
            if view.reverse {
                order.reverse()
            } else {
                order
            }
        });
        rows
    }

    /// The table's rows: containers, or with grouping a line per compose
    /// project (worst project first) followed by its rows unless folded.
    pub fn service_rows(&self) -> Vec<ServiceRow<'_>> {
        let containers = self.container_rows();
        if !self.panes.services.group_by_project {
            return containers
                .into_iter()
                .map(|(b, c)| ServiceRow::Container(b, c))
                .collect();
        }
        let mut groups: BTreeMap<&str, Vec<(&BackendStatus, &ContainerRow)>> = BTreeMap::new();
        for (b, c) in containers {
            groups.entry(project_of(c)).or_default().push((b, c));
        }
        let mut groups: Vec<_> = groups.into_iter().collect();
        let worst = |rows: &[(&BackendStatus, &ContainerRow)]| rows.iter().map(|(_, c)| c.rank()).min();
        groups.sort_by(|(pa, a), (pb, b)| worst(a).cmp(&worst(b)).then_with(|| pa.cmp(pb)));
        let mut out = Vec::new();
        for (project, rows) in groups {
            let folded = self.panes.services.folded.contains(project);
            out.push(ServiceRow::Group {
                project,
                containers: rows.len(),
                problems: rows.iter().filter(|(_, c)| c.is_problem()).count(),
                folded,
            });
            if !folded {
                out.extend(rows.into_iter().map(|(b, c)| ServiceRow::Container(b, c)));
            }
        }
        out
    }

    pub fn selected_service_row(&self) -> Option<ServiceRow<'_>> {
        self.service_rows().into_iter().nth(self.panes.services.selected)
    }

    /// The container under the selection in the Services pane, with its host.
    pub fn selected_container(&self) -> Option<(&BackendStatus, &ContainerRow)> {
        match self.selected_service_row()? {
            ServiceRow::Container(b, c) => Some((b, c)),
            ServiceRow::Group { .. } => None,
        }
    }

    /// Table rows that fit on screen at most (borders, header, footer off).
    pub fn services_page(&self) -> usize {
        usize::from(self.shell.size.1.saturating_sub(5)).max(1)
    }
}

/// Run a change that may reorder the list, keeping the selection on the row
/// (container or group) it was on.
pub fn keeping_selection(state: &mut State, change: impl FnOnce(&mut State)) {
    let before = state.selected_service_row().map(|r| r.key());
    change(state);
    let Some(key) = before else { return };
    if let Some(i) = state.service_rows().iter().position(|r| r.key() == key) {
        state.panes.services.selected = i;
    }
}

/// Fold or unfold the selected group; false when the selection is no group.
pub fn toggle_fold(state: &mut State) -> bool {
    let Some(ServiceRow::Group { project, .. }) = state.selected_service_row() else {
        return false;
    };
    let project = project.to_string();
    if !state.panes.services.folded.remove(&project) {
        state.panes.services.folded.insert(project);
    }
    true
}

/// After every change: keep the selection inside the list and on screen, and
/// tell each Docker poller which of its containers are now visible (only
/// those get CPU and memory stats, so the cost does not grow with the host).
pub fn after_update(state: &mut State) -> Vec<Command> {
    let rows = state.row_count(PaneId::Services);
    let page = state.services_page();
    let sel = &mut state.panes.services.selected;
    *sel = (*sel).min(rows.saturating_sub(1));
    let sel = *sel;
    let view = &mut state.panes.services;
    if sel < view.offset {
        view.offset = sel;
    } else if sel >= view.offset + page {
        view.offset = sel + 1 - page;
    }
    view.offset = view.offset.min(rows.saturating_sub(page));

    let showing = state.shell.view == View::Zoom(PaneId::Services) && state.panes.logs.open.is_none();
    let mut watched: BTreeMap<String, Vec<String>> = state
        .backends_of(BackendKind::Docker)
        .map(|b| (b.id.name.clone(), Vec::new()))
        .collect();
    if showing {
        let offset = state.panes.services.offset;
        for row in state.service_rows().into_iter().skip(offset).take(page) {
            if let ServiceRow::Container(b, c) = row {
                if c.state == "running" {
                    watched.entry(b.id.name.clone()).or_default().push(c.id.clone());
                }
            }
        }
    }
    let mut commands = Vec::new();
    for (host, mut ids) in watched {
        ids.sort();
        let last = state.panes.services.watched.get(&host);
        if last != Some(&ids) && !(last.is_none() && ids.is_empty()) {
            state.panes.services.watched.insert(host.clone(), ids.clone());
            commands.push(Command::WatchStats { host, ids });
        }
    }
    commands
}

/// What a Services key does.
pub fn on_action(state: &mut State, action: ServicesAction) -> Vec<Command> {
    match action {
        ServicesAction::Details if state.shell.view == View::Zoom(PaneId::Services) && toggle_fold(state) => {}
        ServicesAction::Details => return open_details(state),
        ServicesAction::Logs => return crate::app::panes::logs::keys::open(state),
        ServicesAction::Filter => state.panes.services.filter.start(),
        ServicesAction::ToggleStopped => keeping_selection(state, |s| {
            s.panes.services.show_stopped = !s.panes.services.show_stopped
        }),
        ServicesAction::Restart | ServicesAction::StopStart => return ask_container_action(state, action),
        ServicesAction::Sort | ServicesAction::SortReverse | ServicesAction::Group => change_order(state, action),
    }
    Vec::new()
}

fn open_details(state: &mut State) -> Vec<Command> {
    let Some((host, c)) = state.selected_container() else {
        set_status(state, Level::Warn, "no container selected");
        return Vec::new();
    };
    let (host, container) = (host.id.name.clone(), c.name.clone());
    state.shell.overlay = Some(Overlay::Details {
        title: container.clone(),
        rows: None,
        scroll: 0,
    });
    vec![Command::InspectContainer { host, container }]
}

/// Restart or stop/start the selected container: refused when read-only,
/// otherwise a confirm dialog naming the container and its host.
fn ask_container_action(state: &mut State, action: ServicesAction) -> Vec<Command> {
    use crate::model::docker::ContainerOp;
    let Some((host, c)) = state.selected_container() else {
        set_status(state, Level::Warn, "no container selected");
        return Vec::new();
    };
    let op = match action {
        ServicesAction::Restart => ContainerOp::Restart,
        _ if c.state == "running" || c.state == "restarting" => ContainerOp::Stop,
        _ => ContainerOp::Start,
    };
    let (host_name, host_ro, name, status, image) = (
        host.id.name.clone(),
        host.lock(),
        c.name.clone(),
        c.status.clone(),
        c.image.clone(),
    );
    let target = format!("{host_name}/{name}");
    if let Some(refusal) = read_only_refusal(state, host_ro, PaneId::Services, op.audit_action(), &target) {
        return refusal;
    }
    let limited = match op {
        ContainerOp::Restart => crate::app::incident::restart_limit_reached(state, &target),
        _ => None,
    };
    let (facts, justification) = match limited {
        // Past the limit: refused unless the operator says why (audited).
        Some((restarts, limit)) => {
            let words = crate::app::incident::limit_words(limit);
            set_status(state, Level::Warn, format!("{words}, or type why to restart anyway"));
            let facts = Facts::RestartLimit {
                image,
                status,
                restarts,
                limit,
            };
            (facts, Some(Default::default()))
        }
        None => (Facts::Container { image, status }, None),
    };
    state.shell.overlay = Some(Overlay::Confirm {
        facts,
        on_yes: Command::Container {
            host: host_name,
            container: name,
            op,
            session: None,
            reason: None,
        },
        justification,
    });
    Vec::new()
}

/// Services filter being typed: applied live, Enter keeps it, Esc drops it.
pub(crate) fn on_filter_key(state: &mut State, ev: &KeyEvent) -> Vec<Command> {
    keeping_selection(state, |state| {
        state.panes.services.filter.key(ev);
    });
    Vec::new()
}

/// Sort by the next column, reverse the order, or group by compose project
/// (Services; the other panes have one order for now). The selection stays
/// on its row.
pub(crate) fn change_order(state: &mut State, action: ServicesAction) {
    if state.shell.view != View::Zoom(PaneId::Services) {
        return;
    }
    keeping_selection(state, |s| {
        let view = &mut s.panes.services;
        match action {
            ServicesAction::Sort => {
                view.sort = view.sort.next();
                view.reverse = false;
            }
            ServicesAction::SortReverse => view.reverse = !view.reverse,
            _ => view.group_by_project = !view.group_by_project,
        }
    });
    let view = &state.panes.services;
    let order = match (view.sort, view.reverse) {
        (SortKey::Worst, false) => "worst first".to_string(),
        (key, false) => format!("sorted by {}", key.label()),
        (key, true) => format!("sorted by {}, reversed", key.label()),
    };
    let grouped = if view.group_by_project {
        ", grouped by project"
    } else {
        ""
    };
    set_status(state, Level::Info, format!("{order}{grouped}"));
}
