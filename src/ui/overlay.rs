//! Overlays drawn over the body: help, command palette, audit log.

use crate::app::{palette_matches, State};
use crate::config::keymap::Scope;
use crate::config::theme::{Role, Theme};
use crate::model::action::*;
use crate::model::audit::AuditEntry;
use crate::model::docker::Row;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

fn centered(area: Rect, width_pct: u16, height_pct: u16) -> Rect {
    let [_, mid, _] = Layout::vertical([
        Constraint::Percentage((100 - height_pct) / 2),
        Constraint::Percentage(height_pct),
        Constraint::Percentage((100 - height_pct) / 2),
    ])
    .areas(area);
    let [_, center, _] = Layout::horizontal([
        Constraint::Percentage((100 - width_pct) / 2),
        Constraint::Percentage(width_pct),
        Constraint::Percentage((100 - width_pct) / 2),
    ])
    .areas(mid);
    center
}

fn boxed(title: &str, theme: &Theme) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style(Role::Focus))
        .title(Span::styled(format!(" {title} "), theme.style(Role::Title)))
}

/// The acknowledge dialog: what it will hold, then the comment and the
/// duration, the field being typed marked by the cursor.
pub fn ack(frame: &mut Frame, area: Rect, theme: &Theme, dialog: &crate::app::AckDialog) {
    let (title, lines) = ack_text(dialog);
    // The lines, a blank, comment, duration, the error line, the keys, borders.
    let height = u16::try_from(lines.len()).unwrap_or(16) + 7;
    let rect = super::form::dialog_rect(area, 90, height);
    let mut text: Vec<Line> = lines
        .iter()
        .map(|l| Line::from(Span::styled(format!(" {l}"), theme.style(Role::Text))))
        .collect();
    text.push(Line::raw(""));
    text.extend(super::form::fields(&dialog.form, theme));
    text.push(match &dialog.error {
        Some(e) => Line::from(Span::styled(format!(" {e}"), theme.style(Role::Warn))),
        None => Line::raw(""),
    });
    text.push(Line::from(vec![
        Span::styled(" tab", theme.style(Role::Title)),
        Span::styled(" comment/duration   ", theme.style(Role::Muted)),
        Span::styled("enter", theme.style(Role::Title)),
        Span::styled(" acknowledge (a comment is required)   ", theme.style(Role::Muted)),
        Span::styled("esc", theme.style(Role::Title)),
        Span::styled(" cancel", theme.style(Role::Muted)),
    ]));
    super::form::warn_dialog(frame, rect, &title, text, theme);
}

/// Alerts a dialog lists by name before it says "and N more".
const LISTED: usize = 8;

/// The acknowledge dialog's title and lines: for one Alertmanager alert the
/// exact matchers and every listed alert they hold; for several, each alert.
pub fn ack_text(dialog: &crate::app::AckDialog) -> (String, Vec<String>) {
    use crate::app::panes::alerts::ack::AckFacts;
    let title = match dialog.targets.as_slice() {
        [one] => format!("Acknowledge {}?", one.name),
        many => format!("Acknowledge {} alerts?", many.len()),
    };
    let mut lines = Vec::new();
    match &dialog.facts {
        AckFacts::Silence {
            source,
            by,
            labels,
            held,
        } => {
            lines.push(format!("a silence on {source}, created by {by}, matching exactly:"));
            lines.extend(
                labels
                    .iter()
                    .map(|(k, v)| match crate::text::clean::matching_pattern(v) {
                        Some(pattern) => format!("  {k}=~\"{pattern}\""),
                        None => format!("  {k}=\"{v}\""),
                    }),
            );
            lines.push(format!("it holds {} alert(s) listed now:", held.len()));
            lines.extend(listed(held.iter().map(|(name, instance)| format!("{name} {instance}"))));
        }
        AckFacts::Several { by, alerts } => {
            let silenced = alerts.iter().filter(|a| a.3).count();
            let own = alerts.len() - silenced;
            if silenced > 0 {
                lines.push(format!(
                    "{silenced} silence(s), each matching one alert's labels exactly, by {by}"
                ));
            }
            if own > 0 {
                lines.push(format!(
                    "{own} of opsdeck's own alert(s), acknowledged in the state store by {by}"
                ));
            }
            lines.extend(listed(
                alerts
                    .iter()
                    .map(|(name, instance, source, _)| format!("{name} {instance} ({source})")),
            ));
        }
    }
    (title, lines)
}

fn listed(names: impl ExactSizeIterator<Item = String>) -> Vec<String> {
    let n = names.len();
    let mut lines: Vec<String> = names.take(LISTED).map(|l| format!("  {l}")).collect();
    if n > LISTED {
        lines.push(format!("  … and {} more", n - LISTED));
    }
    lines
}

/// A text editor dialog: its title, the text area, and how to save.
pub fn editor(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, editor: &crate::app::TextEditor) {
    use crate::app::EditPurpose;
    let rect = centered(area, 80, 50);
    frame.render_widget(Clear, rect);
    let (extra, keys) = match &editor.purpose {
        EditPurpose::NewSession { runbook, severity } => {
            let severities = state
                .panes
                .checklist
                .runbook(runbook)
                .map(|r| r.severities.clone())
                .unwrap_or_default();
            let sev = match severities.get(*severity) {
                Some(s) => format!("severity {s} (tab: {})", severities.join(" ")),
                None => "no severity levels in this runbook".to_string(),
            };
            (Some(sev), " enter start   esc cancel ")
        }
        EditPurpose::Window { .. } => (
            Some("the alerts to hold (Alertmanager matchers), then \"for\" and how long".to_string()),
            " enter start   esc cancel ",
        ),
        _ => (None, " ctrl+s save   enter new line   esc cancel "),
    };
    let block = boxed(&editor.title, theme).title_bottom(Span::styled(keys, theme.style(Role::Muted)));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    // The notice (open steps, a failed check) above the text, in the warning style.
    let mut info_lines: Vec<Line> = extra
        .into_iter()
        .map(|e| Line::from(Span::styled(e, theme.style(Role::Info))))
        .collect();
    info_lines.extend(
        editor
            .notice
            .iter()
            .map(|n| Line::from(Span::styled(n.clone(), theme.style(Role::Warn)))),
    );
    let height = u16::try_from(info_lines.len()).unwrap_or(u16::MAX);
    let [info, text] = Layout::vertical([Constraint::Length(height), Constraint::Min(1)]).areas(inner);
    frame.render_widget(Paragraph::new(info_lines), info);
    frame.render_widget(editor.input.area(), text);
}

/// Container details: section heads in the title style, then label/value rows.
pub fn details(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    title: &str,
    rows: Option<&Result<crate::model::docker::Details, String>>,
    scroll: u16,
) {
    let rect = centered(area, 90, 90);
    let lines: Vec<Line> = match rows {
        None => vec![Line::from(Span::styled("loading…", theme.style(Role::Muted)))],
        Some(Err(e)) => vec![Line::from(Span::styled(
            format!("cannot inspect: {e}"),
            theme.style(Role::Crit),
        ))],
        Some(Ok(rows)) => {
            // Long values (a query, a command line) wrap under their column.
            let value_width = usize::from(rect.width.saturating_sub(2 + 21)).max(10);
            rows.iter()
                .flat_map(|row| match row {
                    Row::Section(name) => vec![Line::from(Span::styled(format!("[{name}]"), theme.style(Role::Title)))],
                    Row::Field(label, value) => {
                        let role = if label == "OOM killed" && value == "YES" {
                            Role::Crit
                        } else {
                            Role::Text
                        };
                        crate::text::chunks(value, value_width)
                            .into_iter()
                            .enumerate()
                            .map(|(i, chunk)| {
                                let head = if i == 0 {
                                    format!("  {label:<18} ")
                                } else {
                                    " ".repeat(21)
                                };
                                Line::from(vec![
                                    Span::styled(head, theme.style(Role::Info)),
                                    Span::styled(chunk, theme.style(role)),
                                ])
                            })
                            .collect()
                    }
                })
                .collect()
        }
    };
    scrolled_box(frame, rect, lines, &format!("{title} (esc closes)"), theme, scroll);
}

/// A boxed, scrollable list; the scroll stops at the last page.
fn scrolled_box(frame: &mut Frame, rect: Rect, lines: Vec<Line<'static>>, title: &str, theme: &Theme, scroll: u16) {
    let max = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_sub(rect.height.saturating_sub(2));
    frame.render_widget(Clear, rect);
    let lines = super::widgets::fit_lines(lines, usize::from(rect.width.saturating_sub(2)));
    frame.render_widget(
        Paragraph::new(lines)
            .block(boxed(title, theme))
            .scroll((scroll.min(max), 0)),
        rect,
    );
}

/// Help generated from the live keymap, scope by scope.
pub fn help(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, scroll: u16) {
    let rect = centered(area, 80, 90);
    let mut lines: Vec<Line> = Vec::new();
    for scope in Scope::all() {
        let actions = state.shell.keymap.actions_in(scope);
        if actions.is_empty() {
            continue;
        }
        lines.push(Line::from(Span::styled(
            format!("[{}]", scope.name()),
            theme.style(Role::Title),
        )));
        for (action, keys) in actions {
            lines.push(help_line(theme, &keys.join(", "), action));
        }
        lines.push(Line::raw(""));
    }
    lines.push(Line::from(Span::styled(
        "Keys come from keymaps/default.toml and your keymap layered over it.",
        theme.style(Role::Muted),
    )));
    scrolled_box(frame, rect, lines, "Keys (esc closes)", theme, scroll);
}

fn help_line(theme: &Theme, keys: &str, action: Action) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("  {keys:<18}"), theme.style(Role::Info)),
        Span::styled(action.description(), theme.style(Role::Text)),
    ])
}

pub fn palette(frame: &mut Frame, area: Rect, theme: &Theme, input: &str, selected: usize) {
    let matches = palette_matches(input);
    let height = u16::try_from(matches.len()).unwrap_or(10).min(10) + 3;
    let width = area.width.min(60);
    let rect = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + 1,
        width,
        height.min(area.height),
    );
    let mut lines = vec![Line::from(vec![
        Span::styled(":", theme.style(Role::Title)),
        Span::styled(input.to_string(), theme.style(Role::Text)),
        Span::styled("█", theme.style(Role::Muted)),
    ])];
    for (i, (name, desc)) in matches.iter().enumerate() {
        let style = if i == selected {
            theme.style(Role::Selected)
        } else {
            theme.style(Role::Text)
        };
        lines.push(Line::from(Span::styled(format!(" {name:<12}{desc}"), style)));
    }
    if matches.is_empty() {
        lines.push(Line::from(Span::styled(
            " no matching command",
            theme.style(Role::Muted),
        )));
    }
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(boxed("Command", theme)), rect);
}

/// History mode's "go to": the time as typed, and the forms it takes.
pub fn history_at(frame: &mut Frame, area: Rect, theme: &Theme, input: &str) {
    let width = area.width.min(60);
    let rect = Rect::new(area.x + (area.width - width) / 2, area.y + 1, width, 4.min(area.height));
    let lines = vec![
        Line::from(vec![
            Span::styled(" at ", theme.style(Role::Title)),
            Span::styled(input.to_string(), theme.style(Role::Text)),
            Span::styled("█", theme.style(Role::Muted)),
        ]),
        Line::from(Span::styled(
            " 03:12 (UTC, today) · -15m · 2026-12-06T03:12:00Z",
            theme.style(Role::Muted),
        )),
    ];
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(boxed("History", theme)), rect);
}

pub fn audit(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    entries: Option<&Result<Vec<AuditEntry>, String>>,
    scroll: u16,
) {
    let rect = centered(area, 96, 90);
    let lines: Vec<Line> = match entries {
        None => vec![Line::from(Span::styled("loading…", theme.style(Role::Muted)))],
        Some(Err(e)) => vec![Line::from(Span::styled(
            format!("cannot read the audit log: {e}"),
            theme.style(Role::Crit),
        ))],
        Some(Ok(list)) if list.is_empty() => vec![Line::from(Span::styled("no entries yet", theme.style(Role::Muted)))],
        Some(Ok(list)) => list
            .iter()
            .map(|e| {
                let role = match e.outcome.as_str() {
                    "failed" => Role::Crit,
                    "refused" => Role::Warn,
                    "intent" => Role::Info,
                    _ => Role::Text,
                };
                let time = e.ts.get(..19).unwrap_or(&e.ts).replace('T', " ");
                Line::from(vec![
                    Span::styled(format!("{:>6} ", e.seq), theme.style(Role::Muted)),
                    Span::styled(format!("{time} "), theme.style(Role::Muted)),
                    Span::styled(format!("{:<8} ", e.outcome), theme.style(role)),
                    Span::styled(format!("{} {}", e.pane, e.action), theme.style(Role::Text)),
                    Span::styled(
                        format!("  {} {}", e.target.as_deref().unwrap_or(""), e.operator),
                        theme.style(Role::Muted),
                    ),
                ])
            })
            .collect(),
    };
    scrolled_box(
        frame,
        rect,
        lines,
        "Audit log, newest first (esc closes)",
        theme,
        scroll,
    );
}
