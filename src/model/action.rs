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
    #[strum(
        serialize = "trends.window",
        message = "1h/24h",
        detailed_message = "Trends in a zoomed pane: the last hour or day"
    )]
    TrendWindow,
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

mod panes;
pub use panes::{AccessAction, AlertsAction, ChecklistAction, DatabaseAction, LogsAction, ServicesAction};

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
