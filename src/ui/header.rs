//! The top line: history mode, who, where, read-only, one freshness dot per backend, the UTC clock.

use super::widgets::Status;
use crate::app::State;
use crate::config::theme::{Role, Theme};
use crate::text::width as columns;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let header = theme.style(Role::Header);
    // In history mode the clock stays the wall clock; the badge names the moment shown.
    let clock = format!(" {} UTC ", state.wall_now().format("%H:%M:%S"));
    let mut left: Vec<Span> = vec![Span::styled(" opsdeck ", theme.on(Role::Header, Role::Title))];
    if let Some(h) = &state.history {
        let text = match h.at {
            Some(at) => format!(
                " HISTORY {} UTC · {} ago ",
                at.format("%H:%M:%S"),
                crate::text::age(h.wall, at)
            ),
            None => " HISTORY loading… ".to_string(),
        };
        badge(&mut left, text, Role::Warn, theme);
    }
    let who = match &state.shell.identity.ssh_client {
        Some(addr) => format!(
            "{}@{} from {addr} ",
            state.shell.identity.operator, state.shell.identity.host
        ),
        None => format!("{}@{} ", state.shell.identity.operator, state.shell.identity.host),
    };
    left.push(Span::styled(who, header));
    if state.shell.read_only {
        badge(&mut left, " READ-ONLY ", Role::Warn, theme);
    }
    // The team store: gone (everything is read-only until it is back), or
    // how many others are on it.
    if let Some((since, _)) = &state.team.down {
        badge(
            &mut left,
            format!(" TEAM STORE DOWN since {} · READ-ONLY ", since.format("%H:%M:%S")),
            Role::Crit,
            theme,
        );
    } else if state.team.shared {
        let others = state.team.others.len();
        let text = match others {
            0 => " team ".to_string(),
            n => format!(" team +{n} "),
        };
        left.push(Span::styled(text, theme.on(Role::Header, Role::Info)));
    }
    // The environments on screen, each once, as their targets show them.
    let mut envs: Vec<&crate::model::env::Environment> = Vec::new();
    for env in state.backends.targets.iter().filter_map(|b| b.env.as_ref()) {
        if !envs.iter().any(|e| e.name == env.name) {
            envs.push(env);
        }
    }
    for env in envs {
        left.push(super::widgets::env_badge(env, theme));
        left.push(Span::styled(" ", header));
    }
    // A badge while critical alerts fire: seen from every pane.
    let critical = state.firing_critical();
    if critical > 0 {
        badge(&mut left, format!(" {critical} CRITICAL "), Role::Crit, theme);
    }
    // A maintenance window that ended with its session still open: its
    // silences are over, the work is not.
    for (session, by) in crate::app::panes::checklist::window::overruns(state) {
        let text = format!(
            " maintenance {session} overran by {} ",
            crate::text::duration_text(by.as_secs() as i64)
        );
        badge(&mut left, text, Role::Warn, theme);
    }
    // The recorder stopped (a full disk): after the alerts, which matter more.
    if let Some(why) = &state.shell.not_recorded {
        // Shorter words where the line is short: neither the clock nor a
        // freshness dot (two columns each at the least) is pushed out.
        let dots = 2 * state.backends.targets.len();
        let used: usize = left.iter().map(|s| columns(&s.content)).sum::<usize>() + columns(&clock) + dots;
        let room = usize::from(area.width).saturating_sub(used + 1);
        let words = [format!(" {why} "), " NOT RECORDED ".to_string(), " REC ✖ ".to_string()];
        if let Some(text) = words.into_iter().find(|w| columns(w) <= room) {
            badge(&mut left, text, Role::Warn, theme);
        }
    }
    let used: usize = left.iter().map(|s| columns(&s.content)).sum::<usize>() + columns(&clock);
    let room = usize::from(area.width).saturating_sub(used);
    left.extend(freshness_spans(state, theme, room));
    let used: usize = left.iter().map(|s| columns(&s.content)).sum();
    let pad = usize::from(area.width).saturating_sub(used + columns(&clock));
    left.push(Span::styled(" ".repeat(pad), header));
    left.push(Span::styled(clock, header));
    let line = super::widgets::fit_line(Line::from(left), usize::from(area.width));
    frame.render_widget(Paragraph::new(line).style(header), area);
}

/// "● docker:local ✖ pg:main", shortened to bare symbols when room is short.
fn freshness_spans(state: &State, theme: &Theme, room: usize) -> Vec<Span<'static>> {
    let header = theme.style(Role::Header);
    let full: Vec<(Status, String)> = state
        .backends
        .targets
        .iter()
        .map(|b| (Status::from(b.freshness(state.shell.now)), format!(" {} ", b.id)))
        .collect();
    let full_width: usize = full.iter().map(|(s, l)| columns(s.symbol(theme)) + columns(l)).sum();
    let short = full_width > room;
    let mut out = Vec::new();
    let mut width = 0;
    for (status, label) in full {
        let label = if short { " ".to_string() } else { label };
        let w = columns(status.symbol(theme)) + columns(&label);
        if width + w > room {
            break;
        }
        width += w;
        out.push(Span::styled(
            status.symbol(theme).to_string(),
            theme.on(Role::Header, status.role()),
        ));
        out.push(Span::styled(label, header));
    }
    out
}

/// A badge that must stand out in any theme (reversed), and the space after it.
fn badge(left: &mut Vec<Span<'static>>, text: impl Into<String>, role: Role, theme: &Theme) {
    let reversed = ratatui::style::Style::default().add_modifier(ratatui::style::Modifier::REVERSED);
    left.push(Span::styled(text.into(), theme.style(role).patch(reversed)));
    left.push(Span::styled(" ", theme.style(Role::Header)));
}
