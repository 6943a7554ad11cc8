//! Keys while an overlay is open: the confirm dialogs, the scrolled views
//! (help, details, audit log) and the command palette.

pub mod confirm;
pub mod editor;
pub mod form;
pub mod input;

use crate::app::update::{apply, set_status};
use crate::app::{Command, Level, Overlay, PaneId, State, View};
use crate::config::keymap::{Key, Lookup, Scope};
use crate::model::action::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// y or Enter runs the action; n or Esc cancels; anything else is ignored so
/// a stray key can never confirm.
pub(super) fn on_confirm_key(state: &mut State, ev: KeyEvent, on_yes: Command) -> Vec<Command> {
    match ev.code {
        KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
            state.shell.overlay = None;
            set_status(state, Level::Info, "working…");
            vec![on_yes]
        }
        KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
            state.shell.overlay = None;
            // Nothing was sent: no result will speak of what was typed.
            state.shell.redacted = None;
            set_status(state, Level::Info, "cancelled");
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// A confirm dialog that needs a reason: every printable key is text (so y
/// and n cannot confirm by accident), Enter confirms once the reason is not
/// blank, Esc cancels.
pub(super) fn on_justified_confirm_key(
    state: &mut State,
    ev: KeyEvent,
    on_yes: Command,
    mut reason: Box<crate::app::dialogs::input::Input>,
) -> Vec<Command> {
    use crate::app::dialogs::input::Edit;
    match reason.key(&ev) {
        Edit::Editing => {
            if let Some(Overlay::Confirm { justification, .. }) = &mut state.shell.overlay {
                *justification = Some(reason);
            }
            Vec::new()
        }
        Edit::Cancel => {
            let refused = crate::app::incident::refused_on_cancel(state);
            state.shell.overlay = None;
            if refused.is_empty() {
                set_status(state, Level::Info, "cancelled");
            }
            refused
        }
        Edit::Submit if reason.text().trim().is_empty() => {
            set_status(state, Level::Warn, "a reason is required: type why, then enter");
            Vec::new()
        }
        Edit::Submit => {
            state.shell.overlay = None;
            set_status(state, Level::Info, "working…");
            let (reason, notice) = crate::app::redact::typed(state, "reason", reason.text().trim());
            crate::app::redact::tell(state, notice, true);
            vec![on_yes.with_justification(&reason)]
        }
    }
}

pub(super) fn on_overlay_key(state: &mut State, key: Key) -> Vec<Command> {
    // An alert's details offer its runbook: the key that starts it works here too.
    if state.shell.view == View::Zoom(PaneId::Alerts)
        && state.panes.alerts.resolved.is_none()
        && matches!(state.shell.overlay, Some(Overlay::Details { .. }))
    {
        let scopes = [Scope::Pane(PaneId::Alerts)];
        if state.shell.keymap.lookup(&scopes, std::slice::from_ref(&key))
            == Lookup::Action(Action::Alerts(AlertsAction::AlertRunbook))
        {
            state.shell.overlay = None;
            return crate::app::panes::checklist::start_from_alert(state);
        }
    }
    // Two-key sequences (`g g`) work here as on a pane.
    let mut seq = std::mem::take(&mut state.shell.pending);
    let retry = !seq.is_empty();
    seq.push(key);
    let action = match state.shell.keymap.lookup(&[Scope::Navigation, Scope::Global], &seq) {
        Lookup::Action(a) => Some(a),
        Lookup::Pending => {
            state.shell.pending = seq;
            return Vec::new();
        }
        // The sequence went nowhere: try the last key on its own.
        Lookup::None if retry => return on_overlay_key(state, key),
        Lookup::None => None,
    };
    let scroll = match &mut state.shell.overlay {
        Some(Overlay::Help { scroll })
        | Some(Overlay::AuditLog { scroll, .. })
        | Some(Overlay::Details { scroll, .. }) => scroll,
        _ => return Vec::new(),
    };
    let page = state.shell.size.1.saturating_sub(6).max(1);
    match action {
        Some(Action::Nav(NavAction::MoveDown)) => *scroll = scroll.saturating_add(1),
        Some(Action::Nav(NavAction::MoveUp)) => *scroll = scroll.saturating_sub(1),
        Some(Action::Nav(NavAction::PageDown)) => *scroll = scroll.saturating_add(page),
        Some(Action::Nav(NavAction::PageUp)) => *scroll = scroll.saturating_sub(page),
        Some(Action::Nav(NavAction::Top)) => *scroll = 0,
        Some(Action::Nav(NavAction::Bottom)) => *scroll = u16::MAX,
        // Quit closes the overlay rather than the program: q in help must be safe.
        Some(
            Action::Global(GlobalAction::Back)
            | Action::Global(GlobalAction::Quit)
            | Action::Global(GlobalAction::Help)
            | Action::Global(GlobalAction::AuditLog)
            | Action::Global(GlobalAction::Dashboard),
        ) => state.shell.overlay = None,
        Some(Action::Global(GlobalAction::Redraw)) => {
            return vec![Command::ClearScreen];
        }
        _ => return Vec::new(),
    }
    Vec::new()
}

/// Command palette entries: name, aliases, what it does.
pub fn palette_commands() -> Vec<(&'static str, &'static [&'static str], &'static str)> {
    vec![
        ("dashboard", &["dash", "home", "0"], "All panes as tiles"),
        ("services", &["svc", "1"], "Services pane"),
        ("database", &["db", "2"], "Database pane"),
        ("alerts", &["3"], "Alerts pane"),
        ("access", &["4"], "Access review pane"),
        ("checklist", &["5"], "Checklist pane"),
        ("audit", &["log"], "Audit log"),
        ("help", &["keys"], "Key bindings"),
        ("redraw", &[], "Repaint the screen"),
        ("quit", &["q", "exit"], "Quit opsdeck"),
    ]
}

/// Palette entries matching what was typed, best first (name prefix, then alias, then substring).
pub fn palette_matches(input: &str) -> Vec<(&'static str, &'static str)> {
    let typed = input.trim().trim_start_matches(':').to_ascii_lowercase();
    let word = typed.split_whitespace().next().unwrap_or("");
    let mut scored: Vec<(u8, &'static str, &'static str)> = palette_commands()
        .into_iter()
        .filter_map(|(name, aliases, desc)| {
            let score = if word.is_empty() || name.starts_with(word) {
                0
            } else if aliases.contains(&word) {
                1
            } else if name.contains(word) || desc.to_ascii_lowercase().contains(word) {
                2
            } else {
                return None;
            };
            Some((score, name, desc))
        })
        .collect();
    scored.sort_by_key(|(s, _, _)| *s);
    scored.into_iter().map(|(_, n, d)| (n, d)).collect()
}

pub(super) fn on_palette_key(state: &mut State, ev: KeyEvent, mut input: String, mut selected: usize) -> Vec<Command> {
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    match ev.code {
        KeyCode::Esc => {
            state.shell.overlay = None;
            return Vec::new();
        }
        KeyCode::Char('c') if ctrl => {
            state.shell.overlay = None;
            return Vec::new();
        }
        KeyCode::Char('u') if ctrl => input.clear(),
        KeyCode::Char(c) if !ctrl => {
            input.push(c);
            selected = 0;
        }
        KeyCode::Backspace => {
            if input.pop().is_none() {
                state.shell.overlay = None;
                return Vec::new();
            }
            selected = 0;
        }
        KeyCode::Up => selected = selected.saturating_sub(1),
        KeyCode::Down => selected = selected.saturating_add(1),
        KeyCode::Tab => {
            if let Some((name, _)) = palette_matches(&input).get(selected) {
                input = (*name).to_string();
            }
        }
        KeyCode::Enter => {
            state.shell.overlay = None;
            let matches = palette_matches(&input);
            let Some((name, _)) = matches.get(selected.min(matches.len().saturating_sub(1))) else {
                set_status(
                    state,
                    Level::Warn,
                    format!("unknown command {:?}: type : and pick from the list", input.trim()),
                );
                return Vec::new();
            };
            let action = match *name {
                "dashboard" => Action::Global(GlobalAction::Dashboard),
                "audit" => Action::Global(GlobalAction::AuditLog),
                "help" => Action::Global(GlobalAction::Help),
                "redraw" => Action::Global(GlobalAction::Redraw),
                "quit" => Action::Global(GlobalAction::Quit),
                other => match PaneId::parse(other) {
                    Some(p) => Action::pane(p),
                    None => return Vec::new(),
                },
            };
            return apply(state, action);
        }
        _ => {}
    }
    let count = palette_matches(&input).len();
    selected = selected.min(count.saturating_sub(1));
    state.shell.overlay = Some(Overlay::Palette { input, selected });
    Vec::new()
}
