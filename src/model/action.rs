//! Everything a key can do, one enum per place it acts in. Each action is
//! defined once, here: its keymap name (`serialize`), its footer label
//! (`message`) and its help line (`detailed_message`). Adding an action is
//! one variant here, one line in `keymaps/default.toml` and one arm in its
//! pane's `on_action`.

use crate::model::PaneId;
use strum::{EnumIter, EnumMessage, IntoEnumIterator, IntoStaticStr};

/// A key's action, by where it acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Global(GlobalAction),
    Nav(NavAction),
    Services(ServicesAction),
    Database(DatabaseAction),
    Alerts(AlertsAction),
    Checklist(ChecklistAction),
    Access(AccessAction),
    Logs(LogsAction),
}

/// Anywhere: panes, overlays, the whole screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, IntoStaticStr, EnumMessage)]
pub enum GlobalAction {
    #[strum(
        serialize = "quit",
        message = "quit",
        detailed_message = "Quit opsdeck (state is saved)"
    )]
    Quit,
    #[strum(serialize = "help", message = "help", detailed_message = "Show this help")]
    Help,
    #[strum(
        serialize = "palette",
        message = "command",
        detailed_message = "Open the command palette"
    )]
    Palette,
    #[strum(
        serialize = "dashboard",
        message = "dashboard",
        detailed_message = "Back to the dashboard"
    )]
    Dashboard,
    #[strum(serialize = "back", message = "back", detailed_message = "Close, go back")]
    Back,
    #[strum(
        serialize = "focus.next",
        message = "next pane",
        detailed_message = "Focus the next pane"
    )]
    FocusNext,
    #[strum(
        serialize = "focus.prev",
        message = "prev pane",
        detailed_message = "Focus the previous pane"
    )]
    FocusPrev,
    #[strum(
        serialize = "pane.services",
        message = "services",
        detailed_message = "Zoom the Services pane"
    )]
    PaneServices,
    #[strum(
        serialize = "pane.database",
        message = "database",
        detailed_message = "Zoom the Database pane"
    )]
    PaneDatabase,
    #[strum(
        serialize = "pane.alerts",
        message = "alerts",
        detailed_message = "Zoom the Alerts pane"
    )]
    PaneAlerts,
    #[strum(
        serialize = "pane.access",
        message = "access review",
        detailed_message = "Zoom the Access review pane"
    )]
    PaneAccess,
    #[strum(
        serialize = "pane.checklist",
        message = "checklist",
        detailed_message = "Zoom the Checklist pane"
    )]
    PaneChecklist,
    /// Zoom the focused tile.
    #[strum(
        serialize = "open",
        message = "open",
        detailed_message = "Open the focused pane full screen"
    )]
    Open,
    #[strum(serialize = "audit", message = "audit log", detailed_message = "Show the audit log")]
    AuditLog,
    #[strum(
        serialize = "redraw",
        message = "redraw",
        detailed_message = "Redraw the whole screen"
    )]
    Redraw,
    #[strum(
        serialize = "history",
        message = "history",
        detailed_message = "History mode: the recorded past (esc: live)"
    )]
    History,
    #[strum(
        serialize = "history.prev",
        message = "earlier",
        detailed_message = "Previous change"
    )]
    HistoryPrev,
    #[strum(serialize = "history.next", message = "later", detailed_message = "Next change")]
    HistoryNext,
    #[strum(serialize = "history.back", message = "-5m", detailed_message = "5 min earlier")]
    HistoryEarlier,
    #[strum(serialize = "history.forward", message = "+5m", detailed_message = "5 min later")]
    HistoryLater,
    #[strum(serialize = "history.at", message = "go to", detailed_message = "History at a time")]
    HistoryAt,
}

impl GlobalAction {
    /// The action that zooms `pane`.
    pub fn pane(pane: PaneId) -> Self {
        match pane {
            PaneId::Services => Self::PaneServices,
            PaneId::Database => Self::PaneDatabase,
            PaneId::Alerts => Self::PaneAlerts,
            PaneId::Access => Self::PaneAccess,
            PaneId::Checklist => Self::PaneChecklist,
        }
    }

    /// The pane this action zooms, if it zooms one.
    pub fn zooms(self) -> Option<PaneId> {
        PaneId::ALL.into_iter().find(|p| Self::pane(*p) == self)
    }
}

/// Moving in a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, IntoStaticStr, EnumMessage)]
pub enum NavAction {
    #[strum(serialize = "move.up", message = "up", detailed_message = "Move up")]
    MoveUp,
    #[strum(serialize = "move.down", message = "down", detailed_message = "Move down")]
    MoveDown,
    #[strum(serialize = "page.up", message = "page up", detailed_message = "Page up")]
    PageUp,
    #[strum(serialize = "page.down", message = "page down", detailed_message = "Page down")]
    PageDown,
    #[strum(serialize = "top", message = "top", detailed_message = "Go to the top")]
    Top,
    #[strum(serialize = "bottom", message = "bottom", detailed_message = "Go to the bottom")]
    Bottom,
}

/// The Services pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, IntoStaticStr, EnumMessage)]
pub enum ServicesAction {
    #[strum(
        serialize = "details",
        message = "details",
        detailed_message = "Details of the selected row"
    )]
    Details,
    #[strum(
        serialize = "container.logs",
        message = "logs",
        detailed_message = "Follow the selected container's log"
    )]
    Logs,
    #[strum(
        serialize = "filter",
        message = "filter",
        detailed_message = "Filter the list (name, image, project, labels)"
    )]
    Filter,
    #[strum(
        serialize = "services.stopped",
        message = "stopped",
        detailed_message = "Show or hide stopped containers"
    )]
    ToggleStopped,
    #[strum(
        serialize = "container.restart",
        message = "restart",
        detailed_message = "Restart the selected container (asks first)"
    )]
    Restart,
    #[strum(
        serialize = "container.stop-start",
        message = "stop/start",
        detailed_message = "Stop the selected container, or start it (asks first)"
    )]
    StopStart,
    #[strum(
        serialize = "sort",
        message = "sort",
        detailed_message = "Sort by the next column (worst first, name, project, state, uptime, restarts, cpu, memory, image, host)"
    )]
    Sort,
    #[strum(
        serialize = "sort.reverse",
        message = "reverse",
        detailed_message = "Reverse the sort order"
    )]
    SortReverse,
    /// Group rows by compose project.
    #[strum(
        serialize = "group",
        message = "group",
        detailed_message = "Group (Services: by compose project; Alerts: by a label); enter folds a group"
    )]
    Group,
}

/// The Database pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, IntoStaticStr, EnumMessage)]
pub enum DatabaseAction {
    #[strum(
        serialize = "details",
        message = "details",
        detailed_message = "Details of the selected row"
    )]
    Details,
    #[strum(
        serialize = "mark",
        message = "mark",
        detailed_message = "Mark or unmark the selected row"
    )]
    Mark,
    /// Mark every session with the same user and state.
    #[strum(
        serialize = "mark.similar",
        message = "mark similar",
        detailed_message = "Mark every session with the same user and state"
    )]
    MarkSimilar,
    #[strum(
        serialize = "query.cancel",
        message = "cancel query",
        detailed_message = "Cancel the query of the selected or marked sessions (asks, with a reason)"
    )]
    CancelQuery,
    #[strum(
        serialize = "backend.terminate",
        message = "terminate",
        detailed_message = "Terminate the selected or marked sessions (asks, with a reason)"
    )]
    TerminateBackend,
    #[strum(
        serialize = "filter",
        message = "filter",
        detailed_message = "Filter the sessions (target, user, database, application, client, state, query)"
    )]
    Filter,
}

/// The Alerts pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, IntoStaticStr, EnumMessage)]
pub enum AlertsAction {
    #[strum(
        serialize = "details",
        message = "details",
        detailed_message = "Details of the selected row"
    )]
    Details,
    #[strum(
        serialize = "filter",
        message = "filter",
        detailed_message = "Filter the list (name, image, project, labels)"
    )]
    Filter,
    /// Group by a label.
    #[strum(
        serialize = "group",
        message = "group",
        detailed_message = "Group (Services: by compose project; Alerts: by a label); enter folds a group"
    )]
    Group,
    #[strum(
        serialize = "group.by",
        message = "group by",
        detailed_message = "Alerts: group by the next label the alerts carry"
    )]
    GroupBy,
    #[strum(
        serialize = "alert.ack",
        message = "ack",
        detailed_message = "Acknowledge: silence exactly this alert's labels for ack_duration (asks a comment)"
    )]
    Acknowledge,
    #[strum(
        serialize = "alert.expire",
        message = "expire",
        detailed_message = "Expire the silences holding the selected alert (asks first)"
    )]
    ExpireSilence,
    #[strum(
        serialize = "alerts.silenced",
        message = "silenced",
        detailed_message = "Show or hide silenced and inhibited alerts"
    )]
    ToggleSilenced,
    #[strum(
        serialize = "alert.runbook",
        message = "runbook",
        detailed_message = "Start the checklist of the runbook the selected alert names"
    )]
    AlertRunbook,
}

/// The Checklist pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, IntoStaticStr, EnumMessage)]
pub enum ChecklistAction {
    /// Start a session of the selected runbook (asks a title and severity).
    #[strum(
        serialize = "session.new",
        message = "new",
        detailed_message = "Start a session of the selected runbook (asks a title; tab picks the severity)"
    )]
    New,
    /// On the list: open the selected session or start the selected
    /// runbook; in a session: run the selected step's check.
    #[strum(
        serialize = "step.run",
        message = "open/check",
        detailed_message = "Open the selected session or runbook; in a session, run the step's check"
    )]
    Run,
    #[strum(
        serialize = "step.tick",
        message = "tick",
        detailed_message = "Tick the selected step done, or take the tick back"
    )]
    Tick,
    #[strum(
        serialize = "step.skip",
        message = "skip",
        detailed_message = "Skip the selected step (asks why)"
    )]
    Skip,
    #[strum(
        serialize = "step.fail",
        message = "fail",
        detailed_message = "Mark the selected step failed (asks why)"
    )]
    Fail,
    #[strum(
        serialize = "note",
        message = "note",
        detailed_message = "Add a note to the selected step (on the session line: to the session)"
    )]
    Note,
    #[strum(
        serialize = "phase.recheck",
        message = "recheck phase",
        detailed_message = "Run every check of the current phase again"
    )]
    RecheckPhase,
    #[strum(
        serialize = "timeline",
        message = "timeline",
        detailed_message = "Show or hide the session's timeline"
    )]
    Timeline,
    #[strum(
        serialize = "report",
        message = "report",
        detailed_message = "Write the session's report (Markdown) to a file"
    )]
    Report,
    #[strum(
        serialize = "session.close",
        message = "close",
        detailed_message = "Close the session (asks for a resolution summary)"
    )]
    Close,
}

/// The Access pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, IntoStaticStr, EnumMessage)]
pub enum AccessAction {
    #[strum(
        serialize = "details",
        message = "details",
        detailed_message = "Details of the selected row"
    )]
    Details,
    #[strum(
        serialize = "mark",
        message = "mark",
        detailed_message = "Mark or unmark the selected row"
    )]
    Mark,
    #[strum(
        serialize = "review.keep",
        message = "keep",
        detailed_message = "Access: keep the selected or marked access (asks a justification)"
    )]
    Keep,
    /// Runs the source's revoke statement, after asking.
    #[strum(
        serialize = "review.revoke",
        message = "revoke",
        detailed_message = "Access: revoke the selected or marked access (asks a justification, then confirms the statement)"
    )]
    Revoke,
    #[strum(
        serialize = "review.defer",
        message = "defer",
        detailed_message = "Access: defer the decision (asks a justification)"
    )]
    Defer,
    #[strum(
        serialize = "review.all",
        message = "all/flagged",
        detailed_message = "Access: show every item, or only the flagged ones"
    )]
    All,
    #[strum(
        serialize = "review.new",
        message = "new review",
        detailed_message = "Access: start a review campaign (a snapshot of the rows loaded now)"
    )]
    New,
    #[strum(
        serialize = "review.campaigns",
        message = "campaigns",
        detailed_message = "Access: list the review campaigns (enter opens one)"
    )]
    Campaigns,
    #[strum(
        serialize = "review.export",
        message = "export",
        detailed_message = "Access: write the campaign's evidence to a CSV file"
    )]
    Export,
    #[strum(
        serialize = "review.reload",
        message = "reload",
        detailed_message = "Access: read the sources again"
    )]
    Reload,
    #[strum(
        serialize = "filter",
        message = "filter",
        detailed_message = "Filter the items (subject, role, source, status, flags, decision)"
    )]
    Filter,
}

/// An open container log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, IntoStaticStr, EnumMessage)]
pub enum LogsAction {
    #[strum(serialize = "search", message = "search", detailed_message = "Search (logs)")]
    Search,
    #[strum(serialize = "search.next", message = "next match", detailed_message = "Next match")]
    SearchNext,
    #[strum(
        serialize = "search.prev",
        message = "prev match",
        detailed_message = "Previous match"
    )]
    SearchPrev,
    #[strum(
        serialize = "logs.filter",
        message = "filter",
        detailed_message = "Show only matching lines"
    )]
    Filter,
    #[strum(
        serialize = "logs.timestamps",
        message = "timestamps",
        detailed_message = "Show or hide timestamps"
    )]
    Timestamps,
    #[strum(
        serialize = "logs.plain",
        message = "plain",
        detailed_message = "Show the log in the container's colours, or plain"
    )]
    Plain,
    #[strum(
        serialize = "logs.pause",
        message = "pause",
        detailed_message = "Pause or resume following"
    )]
    Pause,
    #[strum(
        serialize = "logs.save",
        message = "save",
        detailed_message = "Save the shown log lines to a file"
    )]
    Save,
}

/// The place an action acts in, as keymap sections name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Global,
    Nav,
    Pane(PaneId),
    Logs,
}

impl Action {
    /// Every action, in help order.
    pub fn all() -> impl Iterator<Item = Action> {
        GlobalAction::iter()
            .map(Action::Global)
            .chain(NavAction::iter().map(Action::Nav))
            .chain(ServicesAction::iter().map(Action::Services))
            .chain(DatabaseAction::iter().map(Action::Database))
            .chain(AlertsAction::iter().map(Action::Alerts))
            .chain(ChecklistAction::iter().map(Action::Checklist))
            .chain(AccessAction::iter().map(Action::Access))
            .chain(LogsAction::iter().map(Action::Logs))
    }

    /// Where the action acts.
    pub fn place(self) -> Place {
        match self {
            Action::Global(_) => Place::Global,
            Action::Nav(_) => Place::Nav,
            Action::Services(_) => Place::Pane(PaneId::Services),
            Action::Database(_) => Place::Pane(PaneId::Database),
            Action::Alerts(_) => Place::Pane(PaneId::Alerts),
            Action::Checklist(_) => Place::Pane(PaneId::Checklist),
            Action::Access(_) => Place::Pane(PaneId::Access),
            Action::Logs(_) => Place::Logs,
        }
    }

    /// The keymap file's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Action::Global(a) => a.into(),
            Action::Nav(a) => a.into(),
            Action::Services(a) => a.into(),
            Action::Database(a) => a.into(),
            Action::Alerts(a) => a.into(),
            Action::Checklist(a) => a.into(),
            Action::Access(a) => a.into(),
            Action::Logs(a) => a.into(),
        }
    }

    fn message(self) -> (Option<&'static str>, Option<&'static str>) {
        fn of<T: EnumMessage>(a: T) -> (Option<&'static str>, Option<&'static str>) {
            (a.get_message(), a.get_detailed_message())
        }
        match self {
            Action::Global(a) => of(a),
            Action::Nav(a) => of(a),
            Action::Services(a) => of(a),
            Action::Database(a) => of(a),
            Action::Alerts(a) => of(a),
            Action::Checklist(a) => of(a),
            Action::Access(a) => of(a),
            Action::Logs(a) => of(a),
        }
    }

    /// Short label for the footer.
    pub fn label(self) -> &'static str {
        self.message().0.unwrap_or_else(|| self.name())
    }

    /// One line for the help screen.
    pub fn description(self) -> &'static str {
        self.message().1.unwrap_or_else(|| self.label())
    }

    /// The action named `name` in a keymap section for `place`: that
    /// place's own first, then the global and navigation ones, then any
    /// pane's (a pane action bound outside its pane).
    pub fn from_name(place: Place, name: &str) -> Option<Action> {
        let own = Action::all().find(|a| a.place() == place && a.name() == name);
        own.or_else(|| Action::all().find(|a| matches!(a.place(), Place::Global | Place::Nav) && a.name() == name))
            .or_else(|| Action::all().find(|a| a.name() == name))
    }

    /// The action that zooms `pane`.
    pub fn pane(pane: PaneId) -> Action {
        Action::Global(GlobalAction::pane(pane))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_name_label_and_help_and_is_found_by_its_name() {
        for a in Action::all() {
            assert!(
                !a.name().is_empty() && a.message().0.is_some() && a.message().1.is_some(),
                "{a:?}"
            );
            let place = a.place();
            assert_eq!(Action::from_name(place, a.name()), Some(a), "{a:?}");
        }
    }

    #[test]
    fn a_name_shared_by_panes_is_the_section_own() {
        assert_eq!(
            Action::from_name(Place::Pane(PaneId::Database), "details"),
            Some(Action::Database(DatabaseAction::Details))
        );
        assert_eq!(
            Action::from_name(Place::Pane(PaneId::Access), "mark"),
            Some(Action::Access(AccessAction::Mark))
        );
        assert_eq!(
            Action::from_name(Place::Global, "quit"),
            Some(Action::Global(GlobalAction::Quit))
        );
        assert_eq!(Action::from_name(Place::Global, "teleport"), None);
    }

    #[test]
    fn pane_actions_zoom_their_pane() {
        for p in PaneId::ALL {
            assert_eq!(GlobalAction::pane(p).zooms(), Some(p));
        }
        assert_eq!(GlobalAction::Quit.zooms(), None);
    }
}
