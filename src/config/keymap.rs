//! Keymaps as data: per-scope bindings from key sequences (with modifiers and
//! two-key sequences such as `g g`) to named actions. A user keymap is layered
//! over the default; help and footer are generated from the live bindings.

mod key;

use super::source::{read_text, FileError};
use crossterm::event::KeyCode;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

pub use key::{parse_seq, seq_to_string, Key, KeySeq};

pub const DEFAULT_KEYMAP: &str = include_str!("../../keymaps/default.toml");
pub const BUILTIN: [(&str, &str); 2] = [
    ("default", DEFAULT_KEYMAP),
    ("vim", include_str!("../../keymaps/vim.toml")),
];

/// Everything a key can do. Names are the keymap file's vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Quit,
    Help,
    Palette,
    Dashboard,
    Back,
    FocusNext,
    FocusPrev,
    Pane(crate::model::PaneId),
    /// Zoom the focused tile.
    Open,
    AuditLog,
    Redraw,
    MoveUp,
    MoveDown,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Details of the selected row.
    Details,
    Logs,
    Search,
    SearchNext,
    SearchPrev,
    LogFilter,
    LogTimestamps,
    LogPause,
    LogSave,
    Filter,
    ToggleStopped,
    /// Services: restart the selected container.
    Restart,
    /// Services: stop the selected container, or start it when it is not running.
    StopStart,
    /// Sort by the next column.
    Sort,
    SortReverse,
    /// Group rows (Services: by compose project; Alerts: by a label).
    Group,
    /// Alerts: group by the next label.
    GroupBy,
    /// Mark or unmark the selected row for an action on several.
    Mark,
    /// Mark every row like the selected one (Database: same user and state).
    MarkSimilar,
    /// Database: cancel the query of the selected (or marked) sessions.
    CancelQuery,
    /// Database: terminate the selected (or marked) sessions.
    TerminateBackend,
    /// Alerts: acknowledge the selected alert with a silence.
    Acknowledge,
    /// Alerts: expire the silences holding the selected alert.
    ExpireSilence,
    /// Alerts: show or hide silenced and inhibited alerts.
    ToggleSilenced,
    /// Alerts: start the checklist of the runbook the selected alert names.
    AlertRunbook,
    Checklist(super::keymap_checklist::ChecklistAction),
    /// Access: keep the selected (or marked) access, with a justification.
    ReviewKeep,
    /// Access: revoke it (runs the source's revoke statement, asks first).
    ReviewRevoke,
    /// Access: defer the decision, with a justification.
    ReviewDefer,
    /// Access: show every item, or only the flagged ones.
    ReviewAll,
    /// Access: start a review campaign over the rows loaded now.
    ReviewNew,
    /// Access: the list of campaigns, or back to the queue.
    ReviewCampaigns,
    /// Access: write the campaign's evidence to a CSV file.
    ReviewExport,
    /// Access: read the sources again.
    ReviewReload,
}

impl Action {
    pub fn all() -> Vec<Action> {
        use crate::model::PaneId;
        let mut v = vec![
            Action::Quit,
            Action::Help,
            Action::Palette,
            Action::Dashboard,
            Action::Back,
            Action::FocusNext,
            Action::FocusPrev,
        ];
        v.extend(PaneId::ALL.iter().map(|p| Action::Pane(*p)));
        v.extend([
            Action::Open,
            Action::AuditLog,
            Action::Redraw,
            Action::MoveUp,
            Action::MoveDown,
            Action::PageUp,
            Action::PageDown,
            Action::Top,
            Action::Bottom,
            Action::Details,
            Action::Logs,
            Action::Search,
            Action::SearchNext,
            Action::SearchPrev,
            Action::LogFilter,
            Action::LogTimestamps,
            Action::LogPause,
            Action::LogSave,
            Action::Filter,
            Action::ToggleStopped,
            Action::Restart,
            Action::StopStart,
            Action::Sort,
            Action::SortReverse,
            Action::Group,
            Action::GroupBy,
            Action::Mark,
            Action::MarkSimilar,
            Action::CancelQuery,
            Action::TerminateBackend,
            Action::Acknowledge,
            Action::ExpireSilence,
            Action::ToggleSilenced,
            Action::AlertRunbook,
            Action::ReviewKeep,
            Action::ReviewRevoke,
            Action::ReviewDefer,
            Action::ReviewAll,
            Action::ReviewNew,
            Action::ReviewCampaigns,
            Action::ReviewExport,
            Action::ReviewReload,
        ]);
        v.extend(super::keymap_checklist::ChecklistAction::ALL.map(Action::Checklist));
        v
    }

    pub fn name(self) -> String {
        match self {
            Action::Quit => "quit".into(),
            Action::Help => "help".into(),
            Action::Palette => "palette".into(),
            Action::Dashboard => "dashboard".into(),
            Action::Back => "back".into(),
            Action::FocusNext => "focus.next".into(),
            Action::FocusPrev => "focus.prev".into(),
            Action::Pane(p) => format!("pane.{}", p.key()),
            Action::Open => "open".into(),
            Action::AuditLog => "audit".into(),
            Action::Redraw => "redraw".into(),
            Action::MoveUp => "move.up".into(),
            Action::MoveDown => "move.down".into(),
            Action::PageUp => "page.up".into(),
            Action::PageDown => "page.down".into(),
            Action::Top => "top".into(),
            Action::Bottom => "bottom".into(),
            Action::Details => "details".into(),
            Action::Logs => "container.logs".into(),
            Action::Search => "search".into(),
            Action::SearchNext => "search.next".into(),
            Action::SearchPrev => "search.prev".into(),
            Action::LogFilter => "logs.filter".into(),
            Action::LogTimestamps => "logs.timestamps".into(),
            Action::LogPause => "logs.pause".into(),
            Action::LogSave => "logs.save".into(),
            Action::Filter => "filter".into(),
            Action::ToggleStopped => "services.stopped".into(),
            Action::Restart => "container.restart".into(),
            Action::StopStart => "container.stop-start".into(),
            Action::Sort => "sort".into(),
            Action::SortReverse => "sort.reverse".into(),
            Action::Group => "group".into(),
            Action::GroupBy => "group.by".into(),
            Action::Mark => "mark".into(),
            Action::MarkSimilar => "mark.similar".into(),
            Action::CancelQuery => "query.cancel".into(),
            Action::TerminateBackend => "backend.terminate".into(),
            Action::Acknowledge => "alert.ack".into(),
            Action::ExpireSilence => "alert.expire".into(),
            Action::ToggleSilenced => "alerts.silenced".into(),
            Action::AlertRunbook => "alert.runbook".into(),
            Action::Checklist(c) => c.name().into(),
            Action::ReviewKeep => "review.keep".into(),
            Action::ReviewRevoke => "review.revoke".into(),
            Action::ReviewDefer => "review.defer".into(),
            Action::ReviewAll => "review.all".into(),
            Action::ReviewNew => "review.new".into(),
            Action::ReviewCampaigns => "review.campaigns".into(),
            Action::ReviewExport => "review.export".into(),
            Action::ReviewReload => "review.reload".into(),
        }
    }

    /// Short label for the footer.
    pub fn label(self) -> String {
        match self {
            Action::Quit => "quit".into(),
            Action::Help => "help".into(),
            Action::Palette => "command".into(),
            Action::Dashboard => "dashboard".into(),
            Action::Back => "back".into(),
            Action::FocusNext => "next pane".into(),
            Action::FocusPrev => "prev pane".into(),
            Action::Pane(p) => p.title().to_lowercase(),
            Action::Open => "open".into(),
            Action::AuditLog => "audit log".into(),
            Action::Redraw => "redraw".into(),
            Action::MoveUp => "up".into(),
            Action::MoveDown => "down".into(),
            Action::PageUp => "page up".into(),
            Action::PageDown => "page down".into(),
            Action::Top => "top".into(),
            Action::Bottom => "bottom".into(),
            Action::Details => "details".into(),
            Action::Logs => "logs".into(),
            Action::Search => "search".into(),
            Action::SearchNext => "next match".into(),
            Action::SearchPrev => "prev match".into(),
            Action::LogFilter => "filter".into(),
            Action::LogTimestamps => "timestamps".into(),
            Action::LogPause => "pause".into(),
            Action::LogSave => "save".into(),
            Action::Filter => "filter".into(),
            Action::ToggleStopped => "stopped".into(),
            Action::Restart => "restart".into(),
            Action::StopStart => "stop/start".into(),
            Action::Sort => "sort".into(),
            Action::SortReverse => "reverse".into(),
            Action::Group => "group".into(),
            Action::GroupBy => "group by".into(),
            Action::Mark => "mark".into(),
            Action::MarkSimilar => "mark similar".into(),
            Action::CancelQuery => "cancel query".into(),
            Action::TerminateBackend => "terminate".into(),
            Action::Acknowledge => "ack".into(),
            Action::ExpireSilence => "expire".into(),
            Action::ToggleSilenced => "silenced".into(),
            Action::AlertRunbook => "runbook".into(),
            Action::Checklist(c) => c.label().into(),
            Action::ReviewKeep => "keep".into(),
            Action::ReviewRevoke => "revoke".into(),
            Action::ReviewDefer => "defer".into(),
            Action::ReviewAll => "all/flagged".into(),
            Action::ReviewNew => "new review".into(),
            Action::ReviewCampaigns => "campaigns".into(),
            Action::ReviewExport => "export".into(),
            Action::ReviewReload => "reload".into(),
        }
    }

    /// One line for the help screen.
    pub fn description(self) -> String {
        match self {
            Action::Quit => "Quit opsdeck (state is saved)".into(),
            Action::Help => "Show this help".into(),
            Action::Palette => "Open the command palette".into(),
            Action::Dashboard => "Back to the dashboard".into(),
            Action::Back => "Close, go back".into(),
            Action::FocusNext => "Focus the next pane".into(),
            Action::FocusPrev => "Focus the previous pane".into(),
            Action::Pane(p) => format!("Zoom the {} pane", p.title()),
            Action::Open => "Open the focused pane full screen".into(),
            Action::AuditLog => "Show the audit log".into(),
            Action::Redraw => "Redraw the whole screen".into(),
            Action::MoveUp => "Move up".into(),
            Action::MoveDown => "Move down".into(),
            Action::PageUp => "Page up".into(),
            Action::PageDown => "Page down".into(),
            Action::Top => "Go to the top".into(),
            Action::Bottom => "Go to the bottom".into(),
            Action::Details => "Details of the selected row".into(),
            Action::Logs => "Follow the selected container's log".into(),
            Action::Search => "Search (logs)".into(),
            Action::SearchNext => "Next match".into(),
            Action::SearchPrev => "Previous match".into(),
            Action::LogFilter => "Show only matching lines".into(),
            Action::LogTimestamps => "Show or hide timestamps".into(),
            Action::LogPause => "Pause or resume following".into(),
            Action::LogSave => "Save the shown log lines to a file".into(),
            Action::Filter => "Filter the list (name, image, project, labels)".into(),
            Action::ToggleStopped => "Show or hide stopped containers".into(),
            Action::Restart => "Restart the selected container (asks first)".into(),
            Action::StopStart => "Stop the selected container, or start it (asks first)".into(),
            Action::Sort => "Sort by the next column (worst first, name, project, state, uptime, restarts, cpu, memory, image, host)".into(),
            Action::SortReverse => "Reverse the sort order".into(),
            Action::Group => {
                "Group (Services: by compose project; Alerts: by a label); enter folds a group".into()
            }
            Action::GroupBy => "Alerts: group by the next label the alerts carry".into(),
            Action::Mark => "Mark or unmark the selected row".into(),
            Action::MarkSimilar => "Mark every session with the same user and state".into(),
            Action::CancelQuery => "Cancel the query of the selected or marked sessions (asks, with a reason)".into(),
            Action::TerminateBackend => "Terminate the selected or marked sessions (asks, with a reason)".into(),
            Action::Acknowledge => "Acknowledge: silence exactly this alert's labels for ack_duration (asks a comment)".into(),
            Action::ExpireSilence => "Expire the silences holding the selected alert (asks first)".into(),
            Action::ToggleSilenced => "Show or hide silenced and inhibited alerts".into(),
            Action::AlertRunbook => "Start the checklist of the runbook the selected alert names".into(),
            Action::Checklist(c) => c.help().into(),
            Action::ReviewKeep => "Access: keep the selected or marked access (asks a justification)".into(),
            Action::ReviewRevoke => {
                "Access: revoke the selected or marked access (asks a justification, then confirms the statement)".into()
            }
            Action::ReviewDefer => "Access: defer the decision (asks a justification)".into(),
            Action::ReviewAll => "Access: show every item, or only the flagged ones".into(),
            Action::ReviewNew => "Access: start a review campaign (a snapshot of the rows loaded now)".into(),
            Action::ReviewCampaigns => "Access: list the review campaigns (enter opens one)".into(),
            Action::ReviewExport => "Access: write the campaign's evidence to a CSV file".into(),
            Action::ReviewReload => "Access: read the sources again".into(),
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::all().into_iter().find(|a| a.name() == name)
    }
}

/// Where a binding applies. Lookup goes pane scope, then navigation, then global.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Global,
    Navigation,
    Pane(crate::model::PaneId),
    /// An open container log.
    Logs,
}

impl Scope {
    pub fn all() -> Vec<Scope> {
        let mut v = vec![Scope::Global, Scope::Navigation];
        v.extend(crate::model::PaneId::ALL.iter().map(|p| Scope::Pane(*p)));
        v.push(Scope::Logs);
        v
    }

    pub fn name(self) -> String {
        match self {
            Scope::Global => "global".into(),
            Scope::Navigation => "navigation".into(),
            Scope::Pane(p) => p.key().into(),
            Scope::Logs => "logs".into(),
        }
    }

    fn from_name(name: &str) -> Option<Scope> {
        Scope::all().into_iter().find(|s| s.name() == name)
    }
}

/// What a key sequence means in the current scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Action(Action),
    /// The sequence so far starts a longer binding: wait for the next key.
    Pending,
    None,
}

/// Where a binding was defined, so later conflicts can point at it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    file: PathBuf,
    line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: BTreeMap<Scope, HashMap<KeySeq, (Action, Origin)>>,
}

const UNBIND: &str = "none";

impl Keymap {
    /// The built-in default keymap.
    pub fn default_keymap() -> Self {
        let mut km = Keymap {
            bindings: BTreeMap::new(),
        };
        // The embedded default is tested to parse; fall back to empty, never panic.
        let _ = km.layer(DEFAULT_KEYMAP, Path::new("keymaps/default.toml"));
        km
    }

    /// Default keymap with `spec` (a built-in name or a path) layered over it.
    pub fn load(spec: Option<&str>, user_dir: Option<&Path>) -> Result<Self, FileError> {
        let mut km = Keymap {
            bindings: BTreeMap::new(),
        };
        km.layer(DEFAULT_KEYMAP, Path::new("keymaps/default.toml"))?;
        let Some(spec) = spec.filter(|s| *s != "default") else {
            return Ok(km);
        };
        if spec.contains('/') || spec.ends_with(".toml") {
            let p = PathBuf::from(spec);
            km.layer(&read_text(&p)?, &p)?;
        } else if let Some(p) = user_dir.map(|d| d.join(format!("{spec}.toml"))).filter(|p| p.exists()) {
            km.layer(&read_text(&p)?, &p)?;
        } else if let Some((name, text)) = BUILTIN.iter().find(|(n, _)| *n == spec) {
            km.layer(text, Path::new(&format!("keymaps/{name}.toml")))?;
        } else {
            let names: Vec<_> = BUILTIN.iter().map(|(n, _)| *n).collect();
            return Err(FileError::new(
                Path::new(spec),
                format!("no such keymap; built-in keymaps: {}", names.join(", ")),
            ));
        }
        Ok(km)
    }

    /// Parse `text` and lay its bindings over the current ones.
    pub fn layer(&mut self, text: &str, file: &Path) -> Result<(), FileError> {
        let raw: BTreeMap<String, BTreeMap<String, toml::Spanned<String>>> =
            toml::from_str(text).map_err(|e| FileError::from_toml(file, text, &e))?;
        // Bindings from this file, to catch two spellings of one key.
        let mut this_file: HashMap<(Scope, KeySeq), usize> = HashMap::new();
        // Unbinds first, so a user can free `g g` and bind `g` in one file.
        let mut entries: Vec<(&String, &String, &toml::Spanned<String>)> = raw
            .iter()
            .flat_map(|(scope, table)| table.iter().map(move |(k, a)| (scope, k, a)))
            .collect();
        entries.sort_by_key(|(_, _, a)| a.get_ref() != UNBIND);
        for (scope_name, key_text, action_text) in entries {
            let scope = Scope::from_name(scope_name).ok_or_else(|| {
                let names: Vec<_> = Scope::all().iter().map(|s| s.name()).collect();
                FileError::new(
                    file,
                    format!("unknown section [{scope_name}]; sections are: {}", names.join(", ")),
                )
                .locate(text, &format!("[{scope_name}]"))
            })?;
            {
                let line = super::source::line_of_offset(text, action_text.span().start);
                let err = |msg: String| Err(FileError::new(file, msg).at_line(line).with_key(key_text.clone()));
                let seq = match parse_seq(key_text) {
                    Ok(s) => s,
                    Err(e) => return err(format!("cannot parse key: {e}")),
                };
                if let Some(first) = this_file.insert((scope, seq.clone()), line) {
                    return err(format!(
                        "key {} is bound twice in [{scope_name}] (also on line {first})",
                        seq_to_string(&seq)
                    ));
                }
                let scope_map = self.bindings.entry(scope).or_default();
                if action_text.get_ref() == UNBIND {
                    scope_map.remove(&seq);
                    continue;
                }
                let Some(action) = Action::from_name(action_text.get_ref()) else {
                    let names: Vec<String> = Action::all().iter().map(|a| a.name()).collect();
                    return err(format!(
                        "unknown action {:?}; actions: {}, or \"none\" to unbind",
                        action_text.get_ref(),
                        names.join(", ")
                    ));
                };
                // A key that is also the start of a sequence could never reach the longer binding.
                let clash = scope_map
                    .iter()
                    .find(|(other, _)| **other != seq && (other.starts_with(&seq) || seq.starts_with(other)));
                if let Some((other, (_, origin))) = clash {
                    return err(format!(
                        "{} conflicts with {} ({}:{}): one is the start of the other",
                        seq_to_string(&seq),
                        seq_to_string(other),
                        origin.file.display(),
                        origin.line
                    ));
                }
                scope_map.insert(
                    seq,
                    (
                        action,
                        Origin {
                            file: file.to_path_buf(),
                            line,
                        },
                    ),
                );
            }
        }
        Ok(())
    }

    /// Resolve a sequence against scopes in priority order.
    pub fn lookup(&self, scopes: &[Scope], seq: &[Key]) -> Lookup {
        let mut pending = false;
        for scope in scopes {
            let Some(map) = self.bindings.get(scope) else {
                continue;
            };
            if let Some((action, _)) = map.get(seq) {
                return Lookup::Action(*action);
            }
            pending |= map.keys().any(|k| k.len() > seq.len() && k.starts_with(seq));
        }
        if pending {
            Lookup::Pending
        } else {
            Lookup::None
        }
    }

    /// Keys bound to `action` in `scope`, in a stable order (single keys first).
    pub fn keys_for(&self, scope: Scope, action: Action) -> Vec<String> {
        let mut keys: Vec<&KeySeq> = self
            .bindings
            .get(&scope)
            .map(|m| m.iter().filter(|(_, (a, _))| *a == action).map(|(k, _)| k).collect())
            .unwrap_or_default();
        keys.sort_by_key(|k| (k.len(), key_rank(k), seq_to_string(k)));
        keys.into_iter().map(|k| seq_to_string(k)).collect()
    }

    /// First key for an action in any of the scopes, for hints.
    pub fn first_key(&self, scopes: &[Scope], action: Action) -> Option<String> {
        scopes.iter().find_map(|s| self.keys_for(*s, action).into_iter().next())
    }

    /// All bindings of a scope grouped by action, for the help screen.
    pub fn actions_in(&self, scope: Scope) -> Vec<(Action, Vec<String>)> {
        let mut actions: Vec<Action> = self
            .bindings
            .get(&scope)
            .map(|m| m.values().map(|(a, _)| *a).collect())
            .unwrap_or_default();
        actions.sort();
        actions.dedup();
        actions.into_iter().map(|a| (a, self.keys_for(scope, a))).collect()
    }
}

/// Prefer plain letters over named keys when showing "the" key for an action.
fn key_rank(seq: &KeySeq) -> u8 {
    match seq.first().map(|k| (k.code, k.mods)) {
        Some((KeyCode::Char(_), m)) if m.is_empty() => 0,
        Some((_, m)) if m.is_empty() => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PaneId;

    fn layer(text: &str) -> Result<Keymap, FileError> {
        let mut km = Keymap::default_keymap();
        km.layer(text, Path::new("user.toml")).map(|_| km)
    }

    #[test]
    fn default_keymap_loads_without_error() {
        // default_keymap() cannot report errors; this is where they surface.
        assert!(Keymap::load(None, None).is_ok());
        assert!(Keymap::load(Some("vim"), None).is_ok());
        for action in Action::all() {
            assert_eq!(Action::from_name(&action.name()), Some(action));
        }
    }

    #[test]
    fn builtin_keymaps_parse() {
        for (name, text) in BUILTIN {
            let mut km = Keymap::default_keymap();
            km.layer(text, Path::new(name)).unwrap_or_else(|e| panic!("{e}"));
        }
        let km = Keymap::default_keymap();
        assert_eq!(
            km.lookup(&[Scope::Global], &[Key::char('q')]),
            Lookup::Action(Action::Quit)
        );
        assert_eq!(
            km.lookup(&[Scope::Global], &[Key::char('2')]),
            Lookup::Action(Action::Pane(PaneId::Database))
        );
    }

    #[test]
    fn two_key_sequences_wait_then_fire() {
        let km = layer("[navigation]\n\"z z\" = \"top\"\n").unwrap();
        let scopes = [Scope::Navigation, Scope::Global];
        assert_eq!(km.lookup(&scopes, &[Key::char('z')]), Lookup::Pending);
        assert_eq!(
            km.lookup(&scopes, &[Key::char('z'), Key::char('z')]),
            Lookup::Action(Action::Top)
        );
        assert_eq!(km.lookup(&scopes, &[Key::char('z'), Key::char('x')]), Lookup::None);
    }

    #[test]
    fn user_layer_overrides_and_unbinds() {
        let km = layer("[global]\nq = \"none\"\nx = \"quit\"\n").unwrap();
        assert_eq!(km.lookup(&[Scope::Global], &[Key::char('q')]), Lookup::None);
        assert_eq!(
            km.lookup(&[Scope::Global], &[Key::char('x')]),
            Lookup::Action(Action::Quit)
        );
    }

    #[test]
    fn unknown_action_names_file_and_line() {
        let e = layer("[global]\nq = \"quit\"\nw = \"teleport\"\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(
            e.to_string()
                .starts_with("user.toml:3: key `w`: unknown action \"teleport\""),
            "{e}"
        );
    }

    #[test]
    fn unparsable_key_names_file_and_line() {
        let e = layer("[global]\n\n\"ctrl+banana\" = \"quit\"\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("banana"), "{e}");
    }

    #[test]
    fn same_key_twice_in_scope_is_an_error() {
        let e = layer("[global]\n\"ctrl+x\" = \"quit\"\n\"Ctrl+X\" = \"help\"\n").unwrap_err();
        assert!(e.message.contains("bound twice"), "{e}");
        assert!(e.line.is_some());
    }

    #[test]
    fn prefix_conflict_is_an_error() {
        let e = layer("[navigation]\n\"z z\" = \"top\"\nz = \"bottom\"\n").unwrap_err();
        assert!(e.message.contains("start of the other"), "{e}");
    }

    #[test]
    fn unknown_section_is_an_error() {
        let e = layer("[globl]\nq = \"quit\"\n").unwrap_err();
        assert_eq!(e.line, Some(1), "{e}");
    }
}
