//! Checklist pane: the runbooks and open sessions to pick from; a session
//! with its phases (timers, overrun), steps (state, who, check result) and
//! the selected step's instructions, commands and notes; its timeline.

use super::widgets::{fit, hms, not_configured, Status};
use crate::app::panes::checklist::{session_lines, ListLine, SessionLine};
use crate::app::State;
use crate::config::theme::{Role, Theme};
use crate::runbook::model::Verdict;
use crate::runbook::session::report::timeline;
use crate::runbook::session::{elapsed, EventKind, Session, StepState};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph, Wrap};
use ratatui::Frame;

/// The dashboard tile: open sessions with their phase and overrun, and
/// today's morning round.
pub fn tile(state: &State, theme: &Theme, width: usize) -> (Status, Vec<Line<'static>>) {
    let c = &state.panes.checklist;
    if c.runbooks.is_empty() && c.sessions.is_empty() {
        let mut lines = if state.setup.runbook_dirs.is_empty() {
            not_configured(theme, "[runbooks] dirs", &state.setup.config_hint, width)
        } else {
            let text = format!("no runbooks in {}", state.setup.runbook_dirs.join(", "));
            vec![Line::from(Span::styled(fit(&text, width), theme.style(Role::Muted)))]
        };
        lines.extend(
            c.load_errors
                .iter()
                .map(|e| Line::from(Span::styled(fit(e, width), theme.style(Role::Warn)))),
        );
        return (Status::Unknown, lines);
    }
    let mut status = Status::Ok;
    let mut lines = Vec::new();
    let open: Vec<_> = c.sessions.iter().filter(|(m, _)| m.is_open()).collect();
    if open.is_empty() {
        lines.push(Line::from(Span::styled("no open session", theme.style(Role::Muted))));
    }
    for (m, runbook) in &open {
        // The session on screen knows its phase; others show their age.
        let detail = match c.active.as_ref().filter(|s| s.meta.id == m.id) {
            Some(s) => {
                let phase = s.current_phase();
                let over = s.phase_times(state.shell.now).get(phase).is_some_and(|t| t.overrun);
                if over {
                    status = status.min(Status::Warn);
                }
                let name = s.runbook.phases.get(phase).map(|p| p.name.as_str()).unwrap_or_default();
                format!("{name}{}", if over { " OVERRUN" } else { "" })
            }
            None => runbook.to_string(),
        };
        let text = format!(
            " {} {} {} · {}",
            m.id,
            elapsed(m.started_at, state.shell.now),
            m.severity.as_deref().unwrap_or(""),
            detail
        );
        let role = if detail.ends_with("OVERRUN") {
            Role::Warn
        } else {
            Role::Text
        };
        lines.push(Line::from(Span::styled(fit(&text, width), theme.style(role))));
    }
    // Today's daily round: the newest daily session started today.
    let today = state.shell.now.date_naive();
    let daily = c
        .sessions
        .iter()
        .find(|(m, _)| m.id.starts_with("DAY-") && m.started_at.date_naive() == today);
    let round = match daily {
        None => "morning round: not run today".to_string(),
        Some((m, _)) => match c.active.as_ref().filter(|s| s.meta.id == m.id) {
            Some(s) => {
                let (passed, failed) = check_counts(s);
                if failed > 0 {
                    status = status.min(Status::Warn);
                }
                format!("morning round {}: {passed} passed, {failed} failed", m.id)
            }
            None if m.is_open() => format!("morning round {}: in progress", m.id),
            None => format!(
                "morning round {}: {}",
                m.id,
                m.resolution.as_deref().unwrap_or("closed")
            ),
        },
    };
    lines.push(Line::from(Span::styled(fit(&round, width), theme.style(Role::Text))));
    if !c.load_errors.is_empty() {
        status = status.min(Status::Warn);
        lines.push(Line::from(Span::styled(
            fit(&format!("{} runbook file(s) not loaded", c.load_errors.len()), width),
            theme.style(Role::Warn),
        )));
    }
    (status, lines)
}

/// Passed and failed checks (the newest result of each step); one that
/// does not apply is neither.
fn check_counts(s: &Session) -> (usize, usize) {
    let results: Vec<Verdict> = s
        .runbook
        .steps()
        .filter_map(|(_, st)| s.last_check(&st.id).map(|r| r.verdict()))
        .collect();
    let count = |v: Verdict| results.iter().filter(|r| **r == v).count();
    (count(Verdict::Passed), count(Verdict::Failed))
}

pub fn full(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style(Role::Focus))
        .title(Span::styled(" 5 Checklist ", theme.style(Role::Title)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    match &state.panes.checklist.active {
        Some(s) if state.panes.checklist.show_timeline => timeline_view(frame, inner, state, theme, s),
        Some(s) => session_view(frame, inner, state, theme, s),
        None => list_view(frame, inner, state, theme),
    }
}

fn selected(state: &State) -> usize {
    state.panes.checklist.selected
}

fn list_view(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let c = &state.panes.checklist;
    let lines = c.list_lines();
    let sel = selected(state).min(lines.len().saturating_sub(1));
    // The selection counts list lines; headings sit between them.
    let mut row = 0;
    let mut items = Vec::new();
    let mut last_kind = None;
    for (i, l) in lines.iter().enumerate() {
        let kind = matches!(l, ListLine::Session(..));
        if last_kind != Some(kind) {
            let head = if kind {
                "open sessions"
            } else {
                "runbooks (enter or n starts one)"
            };
            items.push(ListItem::new(Line::from(Span::styled(head, theme.style(Role::Title)))));
            last_kind = Some(kind);
        }
        let text = match l {
            ListLine::Session(m, runbook) => format!(
                "  {}  {}  {}  {}  started {} by {}",
                m.id,
                m.severity.as_deref().unwrap_or("--"),
                m.title,
                runbook,
                hms(m.started_at),
                m.started_by
            ),
            ListLine::Runbook(r) => {
                let n = r.steps().count();
                let steps = if n == 1 {
                    "1 step".to_string()
                } else {
                    format!("{n} steps")
                };
                format!("  {:<24} {:<11} {} ({steps})", r.id, r.kind.label(), r.title)
            }
        };
        if i == sel {
            row = items.len();
        }
        items.push(ListItem::new(Line::from(Span::styled(text, theme.style(Role::Text)))));
    }
    if lines.is_empty() {
        items.push(ListItem::new(Line::from(Span::styled(
            "no runbooks: add [runbooks] dirs to your config",
            theme.style(Role::Muted),
        ))));
    }
    let list = List::new(items).highlight_style(theme.style(Role::Selected));
    let mut ls = ListState::default().with_selected((!lines.is_empty()).then_some(row));
    frame.render_stateful_widget(list, area, &mut ls);
}

fn step_mark(state: &StepState, running: bool, check: Option<Verdict>) -> (&'static str, Role) {
    if running {
        return ("…", Role::Info);
    }
    match state {
        // Nothing to check in this config: neither done nor failed.
        StepState::Pending if check == Some(Verdict::NotApplicable) => ("⊘", Role::Stale),
        StepState::Pending => ("○", Role::Muted),
        StepState::Done { verified: true, .. } => ("✔", Role::Ok),
        StepState::Done { .. } => ("✓", Role::Ok),
        StepState::Skipped { .. } => ("↷", Role::Muted),
        StepState::Failed { .. } => ("✖", Role::Crit),
    }
}

fn session_view(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, s: &Session) {
    let [steps_area, detail_area] =
        Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(area);
    let times = s.phase_times(state.shell.now);
    let current = s.current_phase();
    let items: Vec<ListItem> = session_lines(s)
        .into_iter()
        .map(|l| match l {
            SessionLine::Head => {
                let (settled, total) = s.progress();
                let closed = if s.meta.is_open() {
                    String::new()
                } else {
                    "  CLOSED".to_string()
                };
                let mut head = vec![
                    Span::styled(format!("{} ", s.meta.id), theme.style(Role::Title)),
                    Span::styled(
                        format!(
                            "{} · {} · {} · {} · {settled}/{total} settled · {}{closed}",
                            s.meta.title,
                            s.meta.severity.as_deref().unwrap_or("--"),
                            s.runbook.id,
                            elapsed(s.meta.started_at, s.meta.closed_at.unwrap_or(state.shell.now)),
                            s.participants().join(", ")
                        ),
                        theme.style(Role::Text),
                    ),
                ];
                head.extend(super::widgets::also_here(
                    state,
                    theme,
                    &crate::model::team::session_subject(&s.meta.id),
                ));
                match window_line(s, state, theme) {
                    Some(w) => ListItem::new(vec![Line::from(head), w]),
                    None => ListItem::new(Line::from(head)),
                }
            }
            SessionLine::Phase(i) => {
                let t = &times[i];
                // The deadline as a time of day, and how much is left (or over).
                let budget = t
                    .deadline
                    .and_then(|d| chrono::Duration::from_std(d).ok())
                    .map(|d| {
                        let due = s.meta.started_at + d;
                        let left = if due >= state.shell.now {
                            format!("{} left", elapsed(state.shell.now, due))
                        } else {
                            format!("{} over", elapsed(due, state.shell.now))
                        };
                        let left = if t.settled < t.total && s.meta.is_open() {
                            left
                        } else {
                            "".into()
                        };
                        format!(" · due {} {left}", due.format("%H:%M"))
                    })
                    .unwrap_or_default();
                let marker = if i == current { "▶" } else { " " };
                let role_word = phase_role(s, i);
                let role = if t.overrun { Role::Crit } else { Role::Title };
                let over = if t.overrun { " · OVERRUN" } else { "" };
                ListItem::new(Line::from(Span::styled(
                    format!(
                        "{marker} {}{role_word} ({}/{}){budget}{over}",
                        s.runbook.phases[i].name, t.settled, t.total
                    ),
                    theme.style(role),
                )))
            }
            SessionLine::Step(_, step) => {
                let st = s.step_state(&step.id);
                let (mark, role) = step_mark(
                    &st,
                    state.panes.checklist.running.contains(&step.id),
                    s.last_check(&step.id).map(|r| r.verdict()),
                );
                let who = match &st {
                    StepState::Pending => String::new(),
                    StepState::Done { by, at, .. }
                    | StepState::Skipped { by, at, .. }
                    | StepState::Failed { by, at, .. } => {
                        format!("  {} {by}", hms(*at))
                    }
                };
                let running = state.panes.checklist.running.contains(&step.id);
                let held = step.check.as_ref().and_then(|c| {
                    crate::app::panes::checklist::hold::progress(s, &step.id, c, state.shell.now, running)
                });
                let check = match (&step.check, s.last_check(&step.id)) {
                    _ if held.is_some() && !st.is_settled() => format!("  [{}]", held.unwrap_or_default()),
                    (Some(_), Some(r)) if r.passed => format!("  [check ok: {}]", r.observed),
                    (Some(_), Some(r)) if r.not_applicable => format!("  [{}]", r.observed),
                    (Some(_), Some(r)) => format!("  [check FAILED: {}]", r.observed),
                    (Some(c), None) => match c.window() {
                        Some(w) => format!(
                            "  [{} check, for {}]",
                            c.kind(),
                            crate::text::duration_text(w.length.as_secs() as i64)
                        ),
                        None => format!("  [{} check]", c.kind()),
                    },
                    (None, _) => String::new(),
                };
                let note = if step.requires_note && s.notes(Some(&step.id)).next().is_none() {
                    "  (note required)"
                } else {
                    ""
                };
                ListItem::new(Line::from(vec![
                    Span::styled(format!("    {mark} "), theme.style(role)),
                    Span::styled(step.title.clone(), theme.style(Role::Text)),
                    Span::styled(format!("{who}{check}{note}"), theme.style(Role::Muted)),
                ]))
            }
        })
        .collect();
    let list = List::new(items).highlight_style(theme.style(Role::Selected));
    let mut ls = ListState::default().with_selected(Some(selected(state)));
    frame.render_stateful_widget(list, steps_area, &mut ls);
    detail(frame, detail_area, state, theme, s);
}

/// A maintenance session's window under its head: what it holds, where,
/// and the time left (or how long it overran).
fn window_line(s: &Session, state: &State, theme: &Theme) -> Option<Line<'static>> {
    if s.runbook.kind != crate::runbook::Kind::Maintenance {
        return None;
    }
    let Some(w) = s.window_state() else {
        return Some(Line::from(Span::styled(
            "  window: not opened".to_string(),
            theme.style(Role::Warn),
        )));
    };
    let time = crate::app::panes::checklist::window::window_time(&w, state.shell.now, s.meta.is_open());
    let silences = match w.silences.len() {
        0 => "no silence".to_string(),
        n => format!(
            "{n} silence(s) on {}",
            w.silences
                .iter()
                .map(|x| x.source.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let failed = if w.failed.is_empty() {
        ""
    } else {
        " · NOT silenced everywhere"
    };
    let over = w.overran_by(state.shell.now, s.meta.is_open()).is_some();
    let role = if over || !w.failed.is_empty() {
        Role::Warn
    } else {
        Role::Info
    };
    Some(Line::from(Span::styled(
        format!("  window {{{}}} · {silences} · {time}{failed}", w.matchers.join(", ")),
        theme.style(role),
    )))
}

/// " (pre-check)" on a maintenance runbook's first phase, " (post-check)" on its last.
/// Nothing when the phase's name says it already.
fn phase_role(s: &Session, i: usize) -> &'static str {
    let last = s.runbook.phases.len().saturating_sub(1);
    let role = match (s.runbook.kind, i) {
        (crate::runbook::Kind::Maintenance, 0) if last > 0 => "pre-check",
        (crate::runbook::Kind::Maintenance, i) if i == last && last > 0 => "post-check",
        _ => return "",
    };
    let name = s.runbook.phases[i].name.to_lowercase().replace(' ', "-");
    match (name.contains(role), role) {
        (true, _) => "",
        (false, "pre-check") => " (pre-check)",
        (false, _) => " (post-check)",
    }
}

/// The selected line in full: a step's instructions, commands, check and
/// notes; on the head line, the session's notes and resolution.
fn detail(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, s: &Session) {
    let mut lines: Vec<Line> = Vec::new();
    let text = |t: String| Line::from(Span::styled(t, theme.style(Role::Text)));
    let head = |t: &str| Line::from(Span::styled(t.to_string(), theme.style(Role::Title)));
    match session_lines(s).into_iter().nth(selected(state)) {
        Some(SessionLine::Step(_, step)) => {
            lines.push(head(&step.title));
            if !step.instructions.is_empty() {
                lines.extend(step.instructions.lines().map(|l| text(l.to_string())));
            }
            if !step.commands.is_empty() {
                lines.push(head("commands (copy; opsdeck does not run them)"));
                lines.extend(
                    step.commands
                        .iter()
                        .map(|c| Line::from(Span::styled(format!("  $ {c}"), theme.style(Role::Info)))),
                );
            }
            match s.step_state(&step.id) {
                StepState::Skipped { reason, by, .. } => lines.push(text(format!("skipped by {by}: {reason}"))),
                StepState::Failed { reason, by, .. } => lines.push(text(format!("failed ({by}): {reason}"))),
                _ => {}
            }
            if let Some(r) = s.last_check(&step.id) {
                let verdict = r.verdict().word();
                lines.push(head(&format!("check {verdict} at {}: {}", hms(r.at), r.observed)));
                lines.push(Line::from(Span::styled(
                    format!(
                        "  {} (sha256 {})",
                        r.evidence,
                        r.evidence_sha256.get(..12).unwrap_or_default()
                    ),
                    theme.style(Role::Muted),
                )));
            }
            if let Some(hint) = &step.on_fail {
                lines.push(text(format!("if it fails: {hint}")));
            }
            if let Some(rb) = &step.on_fail_runbook {
                lines.push(text(format!("if it fails: start the runbook {rb}")));
            }
            notes(&mut lines, s, Some(&step.id), theme);
        }
        _ => {
            lines.push(head("session notes (i adds one; X closes the session)"));
            if let Some(r) = &s.meta.resolution {
                lines.push(text(format!("resolution: {r}")));
            }
            notes(&mut lines, s, None, theme);
        }
    }
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.style(Role::Muted));
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), area);
}

fn notes(lines: &mut Vec<Line<'static>>, s: &Session, step: Option<&str>, theme: &Theme) {
    for n in s.notes(step) {
        if let EventKind::Note { text } = &n.what {
            lines.push(Line::from(Span::styled(
                format!("note {} {}:", hms(n.at), n.operator),
                theme.style(Role::Info),
            )));
            lines.extend(
                text.lines()
                    .map(|l| Line::from(Span::styled(format!("  {l}"), theme.style(Role::Text)))),
            );
        }
    }
}

fn timeline_view(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, s: &Session) {
    let end = s.meta.closed_at.unwrap_or(state.shell.now);
    let mut lines = vec![Line::from(Span::styled(
        format!("timeline of {} (t returns to the steps)", s.meta.id),
        theme.style(Role::Title),
    ))];
    lines.extend(
        timeline(s, &state.panes.checklist.timeline, end)
            .into_iter()
            .map(|l| Line::from(Span::styled(l, theme.style(Role::Text)))),
    );
    let scroll = u16::try_from(selected(state)).unwrap_or(u16::MAX);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((scroll, 0)),
        area,
    );
}
