//! Keys and messages of an open container log.

use crate::app::dialogs::input::{edit, Edit};
use crate::app::panes::logs::LogView;
use crate::app::{Command, Level, PaneId, State, View};
use crate::model::action::*;
use crate::model::docker::LogEvent;
use crossterm::event::KeyEvent;

/// Lines fetched from before the log was opened.
pub const TAIL_LINES: usize = 500;

/// Rows the log body has on screen: the terminal less header, footer, borders and the status line.
fn page(state: &State) -> usize {
    usize::from(state.shell.size.1.saturating_sub(5)).max(1)
}

pub fn open(state: &mut State) -> Vec<Command> {
    if state.history.is_some() {
        // A log is read live: shown over a past moment it would pass for then.
        crate::app::update::set_status(state, Level::Warn, "history: logs are live only (esc returns to live)");
        return Vec::new();
    }
    let Some((host, c)) = state.selected_container() else {
        crate::app::update::set_status(state, Level::Warn, "no container selected");
        return Vec::new();
    };
    let (host, container) = (host.id.name.clone(), c.name.clone());
    state.panes.logs.next_id += 1;
    let follower = state.panes.logs.next_id;
    state.panes.logs.open = Some(LogView::new(follower, host.clone(), container.clone()));
    vec![Command::FollowLogs {
        follower,
        host,
        container,
        tail: TAIL_LINES,
    }]
}

pub fn close(state: &mut State) -> Vec<Command> {
    match state.panes.logs.open.take() {
        Some(v) => vec![Command::StopLogs { follower: v.follower }],
        None => Vec::new(),
    }
}

/// Close the log when the operator has gone to another view.
pub fn close_if_hidden(state: &mut State) -> Vec<Command> {
    if state.panes.logs.open.is_some() && state.shell.view != View::Zoom(PaneId::Services) {
        close(state)
    } else {
        Vec::new()
    }
}

/// Lines from a follower; whether they are the open log's (a closed log's
/// late lines are dropped). Secrets are taken out before a line is kept:
/// what is kept is drawn, searched and saved.
pub fn on_msg(state: &mut State, follower: u64, event: LogEvent) -> bool {
    let redactor = &state.setup.redactor;
    let Some(view) = state.panes.logs.open.as_mut().filter(|v| v.follower == follower) else {
        return false;
    };
    match event {
        LogEvent::Lines(mut lines) => {
            for line in &mut lines {
                let clean = redactor.redact(&line.text);
                if clean != line.text {
                    // The coloured copy holds the secret too: draw it plain.
                    line.styled = None;
                    line.text = clean;
                }
            }
            view.push(lines)
        }
        LogEvent::Ended(why) => view.ended = Some(why),
    }
    true
}

/// Keys typed into the search line. `None`: not typing, let the keymap decide.
pub fn on_typing_key(state: &mut State, ev: &KeyEvent) -> Option<Vec<Command>> {
    let height = page(state);
    let view = state.panes.logs.open.as_mut()?;
    let typing = view.typing.as_mut()?;
    match edit(typing, ev) {
        Edit::Editing => {}
        Edit::Cancel => view.typing = None,
        Edit::Submit => {
            let query = view.typing.take().unwrap_or_default();
            if let Err(e) = view.set_search((!query.is_empty()).then_some(query)) {
                let kept = view
                    .search
                    .clone()
                    .map_or("no search".into(), |q| format!("the search stays /{q}/"));
                crate::app::update::set_status(state, Level::Warn, format!("not a regex ({e}); {kept}"));
                return Some(Vec::new());
            }
            view.current = None;
            if view.search.is_some() && !view.jump(false, height) {
                crate::app::update::set_status(state, Level::Warn, "no match");
            }
        }
    }
    Some(Vec::new())
}

/// Actions while a log is open. `None`: not a log action, handle it as usual.
pub fn apply(state: &mut State, action: Action) -> Option<Vec<Command>> {
    let height = page(state);
    let view = state.panes.logs.open.as_mut()?;
    match action {
        Action::Nav(NavAction::MoveUp) => view.scroll(-1, height),
        Action::Nav(NavAction::MoveDown) => view.scroll(1, height),
        Action::Nav(NavAction::PageUp) => view.scroll(-(height as isize), height),
        Action::Nav(NavAction::PageDown) => view.scroll(height as isize, height),
        Action::Nav(NavAction::Top) => {
            view.follow = false;
            view.top = 0;
        }
        Action::Nav(NavAction::Bottom) => view.follow = true,
        Action::Logs(LogsAction::Search) => view.typing = Some(String::new()),
        Action::Logs(LogsAction::SearchNext) | Action::Logs(LogsAction::SearchPrev) => {
            if !view.jump(action == Action::Logs(LogsAction::SearchNext), height) {
                crate::app::update::set_status(state, Level::Warn, "no match (search with /)");
            }
        }
        Action::Logs(LogsAction::Filter) => {
            view.filter = !view.filter;
            // Positions refer to the other list now: show the newest lines.
            view.current = None;
            view.follow = true;
            if view.filter && view.search.is_none() {
                view.filter = false;
                crate::app::update::set_status(state, Level::Warn, "search first (/), then filter");
            }
        }
        Action::Logs(LogsAction::Timestamps) => view.timestamps = !view.timestamps,
        Action::Logs(LogsAction::Plain) => view.plain = !view.plain,
        Action::Logs(LogsAction::Pause) => view.pause_toggle(height),
        Action::Logs(LogsAction::Save) => {
            let stamp = state.shell.now.format("%Y%m%dT%H%M%SZ");
            // A container's name is outside data: only a plain file name.
            let name = crate::text::file_name_chars(&view.container);
            return Some(vec![Command::SaveLog {
                file_name: format!("{}-{stamp}.log", name.trim_start_matches('.')),
                text: view.text(),
            }]);
        }
        // Esc peels one layer: the search, then the log itself.
        Action::Global(GlobalAction::Back) => {
            if view.search.is_some() {
                view.pattern = None;
                view.search = None;
                // The search is what paused the view: resume following.
                view.filter = false;
                view.current = None;
                view.follow = true;
            } else {
                return Some(close(state));
            }
        }
        _ => return None,
    }
    Some(Vec::new())
}
