//! Confirm dialogs: the command waiting for yes, described in words from
//! the facts the dialog carries.

use crate::app::dialogs::confirm::Facts;
use crate::app::{Command, OWN_SOURCE};
use crate::config::theme::{Role, Theme};
use crate::model::postgres::query_for_screen;
use crate::model::redact::Redactor;
use crate::text::{capitalise, fit};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

/// The dialog's title and lines for `on_yes`.
pub fn describe(on_yes: &Command, facts: &Facts) -> (String, Vec<String>) {
    match (on_yes, facts) {
        (
            Command::Container {
                host, container, op, ..
            },
            Facts::Container { image, status },
        ) => (
            format!("{} container?", capitalise(op.verb())),
            vec![
                format!("container  {container}"),
                format!("host       {host}"),
                format!("image      {image}"),
                format!("status     {status}"),
            ],
        ),
        (Command::PgSignal { requests, op, .. }, Facts::Backends(shown)) => {
            let what = match &requests[..] {
                [one] => format!("pid {}", one.pid),
                _ => format!("{} sessions", requests.len()),
            };
            let mut lines: Vec<String> = shown
                .iter()
                .map(|s| {
                    let query = fit(&query_for_screen(&s.query, &Redactor::default()), 40);
                    format!("{}  pid {}  {}  {}", s.target, s.pid, s.user, query)
                })
                .collect();
            if requests.len() > shown.len() {
                lines.push(format!("… and {} more", requests.len() - shown.len()));
            }
            (format!("{} — {what}?", capitalise(op.verb())), lines)
        }
        (
            Command::Container { host, container, .. },
            Facts::RestartLimit {
                image,
                status,
                restarts,
                limit,
            },
        ) => (
            format!("Restart limit reached ({limit}): escalate"),
            vec![
                format!("container  {container}"),
                format!("host       {host}"),
                format!("image      {image}"),
                format!("status     {status}"),
                format!("restarted {restarts} times in this incident: escalate, or give a reason to restart again"),
            ],
        ),
        (Command::EndOwnAck { name, .. }, Facts::OwnAck { instance }) => (
            "End the acknowledgement?".into(),
            vec![format!("alert   {name} {instance}"), format!("source  {OWN_SOURCE}")],
        ),
        (Command::ExpireSilences { source, .. }, Facts::Silences { alert, silences }) => {
            let mut lines = vec![format!("alert   {alert}"), format!("source  {source}")];
            lines.extend(silences.iter().map(|(id, by)| match by {
                Some((who, why)) => format!("silence {id} by {who}: {why}"),
                None => format!("silence {id}"),
            }));
            ("Expire the silence?".into(), lines)
        }
        (
            Command::ReviewDecide {
                justification,
                items,
                decision,
                ..
            },
            Facts::Revoke { statements },
        ) => {
            let (_, mut lines) = super::access_dialogs::decision_text(*decision, items);
            lines.push(String::new());
            for (source, db, sql) in statements {
                lines.push(format!(
                    "runs on [[postgres]] {db} ({source}), $1 = subject, $2 = role:"
                ));
                // What is approved is shown whole: wrapped, never cut.
                lines.extend(wrapped(&sql.split_whitespace().collect::<Vec<_>>().join(" "), "  "));
            }
            lines.extend(wrapped(&format!("justification: {justification}"), ""));
            let title = match items.len() {
                1 => "Run the revoke statement?".into(),
                n => format!("Run the revoke statement for {n} items?"),
            };
            (title, lines)
        }
        // Facts of another kind than the command: nothing is worded from them.
        _ => ("Confirm?".into(), Vec::new()),
    }
}

/// Widest line of text a dialog wraps to.
const WRAP: usize = 92;

/// `text` on as many lines as it needs, each starting with `indent`.
fn wrapped(text: &str, indent: &str) -> Vec<String> {
    let options = textwrap::Options::new(WRAP)
        .initial_indent(indent)
        .subsequent_indent(indent);
    textwrap::wrap(text, options)
        .into_iter()
        .map(|l| l.into_owned())
        .collect()
}

/// What a confirm dialog shows.
pub struct Dialog<'a> {
    pub on_yes: &'a Command,
    pub facts: &'a Facts,
    pub justification: Option<&'a crate::app::dialogs::input::Input>,
    /// Keys were just not taken as an answer (too fast to be typed).
    pub held: bool,
}

/// A side effect waiting for an answer: what, where, and the two keys.
/// A yes/no dialog; with `justification` it asks for a reason first and
/// only Enter (with a reason typed) confirms.
pub fn draw(frame: &mut Frame, area: Rect, theme: &Theme, dialog: &Dialog) {
    let Dialog {
        on_yes,
        facts,
        justification,
        held,
    } = *dialog;
    let (title, lines) = describe(on_yes, facts);
    let lines = &lines;
    // Wide enough for its longest line (a revoke statement), within reason.
    let longest = lines.iter().map(|l| crate::text::width(l) + 4).max().unwrap_or(0);
    let width = area
        .width
        .min(if justification.is_some() { 90 } else { 64 })
        .max(u16::try_from(longest).unwrap_or(u16::MAX).min(100))
        .min(area.width);
    let extra = if justification.is_some() { 7 } else { 5 } + u16::from(held) * 2;
    let height = u16::try_from(lines.len()).unwrap_or(8) + extra;
    let rect = super::form::dialog_rect(area, width, height);
    let mut text: Vec<Line> = lines
        .iter()
        .map(|l| Line::from(Span::styled(format!(" {l}"), theme.style(Role::Text))))
        .collect();
    text.push(Line::raw(""));
    match justification {
        Some(reason) => {
            text.push(Line::from(vec![
                Span::styled(" reason: ", theme.style(Role::Title)),
                Span::styled(super::form::with_cursor(reason), theme.style(Role::Text)),
            ]));
            text.push(Line::raw(""));
            text.push(Line::from(vec![
                Span::styled(" enter", theme.style(Role::Title)),
                Span::styled(" confirm (a reason is required)   ", theme.style(Role::Muted)),
                Span::styled("esc", theme.style(Role::Title)),
                Span::styled(" cancel", theme.style(Role::Muted)),
            ]));
        }
        None => text.push(Line::from(vec![
            Span::styled(" y", theme.style(Role::Title)),
            Span::styled("/enter yes   ", theme.style(Role::Muted)),
            Span::styled("n", theme.style(Role::Title)),
            Span::styled("/esc no", theme.style(Role::Muted)),
        ])),
    }
    if held {
        text.push(Line::raw(""));
        text.push(Line::from(Span::styled(
            format!(" {}", crate::app::typeahead::TOO_FAST),
            theme.style(Role::Warn),
        )));
    }
    super::form::warn_dialog(frame, rect, &title, text, theme);
}
