//! Access review pane: the tile (campaign progress, flagged items without a
//! decision, overdue campaigns, sources), and the zoomed queue or campaign list.

use super::widgets::{fit, not_configured, Status};
use crate::app::{OpenCampaign, PaneId, SourceState, State};
use crate::config::theme::{Role, Theme};
use crate::model::access::ReviewItem;
use crate::model::review::{self, CampaignSummary};
use chrono::{DateTime, Utc};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table, TableState};
use ratatui::Frame;

/// Campaigns a tile names at most.
const TILE_CAMPAIGNS: usize = 4;

/// "due Mon 07 Dec (in 14d)" or "OVERDUE 3d".
fn due_text(due: DateTime<Utc>, now: DateTime<Utc>) -> (String, bool) {
    if due <= now {
        (format!("OVERDUE {}", super::widgets::age(now, due)), true)
    } else {
        // Rounded: a campaign due in 14 days says so for most of today.
        let left = (due.signed_duration_since(now).num_hours() + 12) / 24;
        (format!("due {} (in {left}d)", due.format("%a %d %b")), false)
    }
}

fn progress(s: &CampaignSummary) -> String {
    let mut text = format!("{}/{} decided", s.decided, s.total);
    if s.deferred > 0 {
        text.push_str(&format!(", {} deferred", s.deferred));
    }
    text
}

pub fn tile(state: &State, theme: &Theme, width: usize) -> (Status, Vec<Line<'static>>) {
    let a = &state.panes.access;
    if a.sources.is_empty() && a.summaries().is_empty() && state.setup.access_sources.is_empty() {
        return (
            Status::Unknown,
            not_configured(theme, "[[access.source]]", &state.setup.config_hint, width),
        );
    }
    let mut worst = Status::Ok;
    let mut lines = Vec::new();
    let unfinished: Vec<&CampaignSummary> = a.summaries().iter().filter(|s| !s.complete()).collect();
    let overdue = unfinished.iter().filter(|s| s.overdue(state.shell.now)).count();
    if let Some(Err(e)) = &a.campaigns {
        worst = Status::Crit;
        lines.push(Line::from(vec![
            Status::Crit.span(theme),
            Span::styled(fit(&format!(" campaigns: {e}"), width), theme.style(Role::Crit)),
        ]));
    }
    if unfinished.is_empty() {
        let muted = theme.style(Role::Muted);
        lines.extend(
            crate::text::wrap("no review in progress (in the pane: n starts one)", width)
                .into_iter()
                .map(|r| Line::from(Span::styled(r, muted))),
        );
    }
    for s in unfinished.iter().take(TILE_CAMPAIGNS) {
        let (due, late) = due_text(s.campaign.due_at, state.shell.now);
        // The tile is narrow: the date itself is in the pane.
        let due = if late {
            due
        } else {
            due.split(" (")
                .nth(1)
                .map(|d| format!("due {}", d.trim_end_matches(')')))
                .unwrap_or(due)
        };
        let status = if late {
            Status::Crit
        } else if s.flagged_open > 0 {
            Status::Warn
        } else {
            Status::Ok
        };
        worst = worst.min(status);
        let head = format!(" {}: {}/{} decided · ", s.campaign.name, s.decided, s.total);
        lines.push(Line::from(vec![
            status.span(theme),
            Span::styled(head, theme.style(Role::Text)),
            Span::styled(
                format!("{} flagged undecided", s.flagged_open),
                theme.style(if s.flagged_open > 0 { Role::Warn } else { Role::Muted }),
            ),
            Span::styled(" · ", theme.style(Role::Text)),
            Span::styled(due, theme.style(if late { Role::Crit } else { Role::Text })),
        ]));
    }
    if unfinished.len() > TILE_CAMPAIGNS {
        lines.push(Line::from(Span::styled(
            format!("  … {} more in progress", unfinished.len() - TILE_CAMPAIGNS),
            theme.style(Role::Muted),
        )));
    }
    if overdue > 0 {
        lines.push(Line::from(Span::styled(
            format!("{overdue} campaign(s) overdue"),
            theme.style(Role::Crit),
        )));
    }
    for (name, load) in &a.loads {
        let (status, text) = match load {
            SourceState::Loading => (Status::Unknown, format!(" {name}: reading…")),
            SourceState::Failed { error, .. } => (Status::Crit, format!(" {name}: FAILED: {error}")),
            SourceState::Loaded {
                items, problems, total, ..
            } => {
                // Queue order puts the flagged first: their count is where they end.
                let flagged = items.partition_point(|i| !i.flags.is_empty());
                let mut t = format!(" {name}: {total} rows, {flagged} flagged");
                if !problems.is_empty() {
                    t.push_str(&format!(" · {} bad rows skipped", problems.len()));
                }
                let s = if problems.is_empty() { Status::Ok } else { Status::Warn };
                (s, t)
            }
        };
        if status == Status::Crit {
            worst = worst.min(Status::Warn);
        }
        lines.push(Line::from(vec![
            status.span(theme),
            Span::styled(fit(&text, width.saturating_sub(1)), theme.style(Role::Muted)),
        ]));
    }
    for name in state.setup.access_sources.iter().filter(|n| !a.loads.contains_key(*n)) {
        lines.push(Line::from(vec![
            Status::Unknown.span(theme),
            Span::styled(
                fit(&format!(" {name}: not read yet"), width.saturating_sub(1)),
                theme.style(Role::Muted),
            ),
        ]));
    }
    if a.summaries().is_empty() && a.loads.values().all(|l| *l == SourceState::Loading) {
        worst = Status::Unknown;
    }
    (worst, lines)
}

/// The zoomed pane: the campaign list, or the queue with its header lines.
pub fn full(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let (table, has_rows) = if state.panes.access.list {
        (
            campaign_table(state, theme, area),
            !state.panes.access.summaries().is_empty(),
        )
    } else {
        (queue_table(state, theme, area), !state.panes.access.listed().is_empty())
    };
    let notes = header_lines(state, theme);
    super::pane_with_notes(frame, area, state, theme, PaneId::Access, notes, table, has_rows);
}

fn header_lines(state: &State, theme: &Theme) -> Vec<Line<'static>> {
    let a = &state.panes.access;
    let mut lines = Vec::new();
    if a.list {
        lines.push(Line::from(Span::styled(
            "review campaigns, newest first · enter opens · e exports · c back to the queue",
            theme.style(Role::Info),
        )));
        return lines;
    }
    match &a.open {
        Some(open) => lines.push(campaign_line(state, theme, open)),
        None => lines.push(Line::from(Span::styled(
            "no campaign open: the sources' rows as read now · n starts a review (a snapshot) · c lists campaigns",
            theme.style(Role::Info),
        ))),
    }
    let (total, flagged) = match &a.open {
        Some(o) => (o.items.len(), o.flagged),
        None => (a.live.len(), a.live_flagged),
    };
    let mut view = if a.show_all || flagged == 0 {
        format!("[all {total} items, {flagged} flagged]")
    } else {
        format!("[flagged: {flagged} of {total}] a shows all")
    };
    if !a.marked.is_empty() {
        view.push_str(&format!(
            " · {} marked (y/x/d decide on all, esc clears)",
            a.marked.len()
        ));
    }
    let filter = a.filter.describe();
    if !filter.is_empty() {
        view.push_str(&format!(" · {} of them: {}", a.listed().len(), filter.join(" · ")));
    }
    lines.push(Line::from(Span::styled(view, theme.style(Role::Muted))));
    for (name, load) in &a.loads {
        match load {
            SourceState::Failed { error, at } => lines.push(Line::from(vec![
                Status::Crit.span(theme),
                Span::styled(
                    format!(" {name}: FAILED at {}: {error}", at.format("%H:%M:%S")),
                    theme.style(Role::Crit),
                ),
            ])),
            SourceState::Loaded { problems, total, .. } if !problems.is_empty() => {
                let shown: Vec<&str> = problems.iter().take(3).map(String::as_str).collect();
                let more = if problems.len() > 3 {
                    format!("; … {} more", problems.len() - 3)
                } else {
                    String::new()
                };
                lines.push(Line::from(vec![
                    Status::Warn.span(theme),
                    Span::styled(
                        format!(
                            " {name}: {} of {total} rows skipped: {}{more}",
                            problems.len(),
                            shown.join("; ")
                        ),
                        theme.style(Role::Warn),
                    ),
                ]));
            }
            _ => {}
        }
    }
    lines
}

fn campaign_line(state: &State, theme: &Theme, open: &OpenCampaign) -> Line<'static> {
    let c = &open.campaign;
    let (due, late) = due_text(c.due_at, state.shell.now);
    let mut spans = vec![
        Span::styled(format!("campaign {} \"{}\"", c.id, c.name), theme.style(Role::Title)),
        Span::styled(
            format!(" by {} {} · ", c.created_by, c.created_at.format("%Y-%m-%d")),
            theme.style(Role::Muted),
        ),
        Span::styled(
            format!("{}/{} decided", open.decided, open.items.len()),
            theme.style(Role::Text),
        ),
    ];
    if open.deferred > 0 {
        spans.push(Span::styled(
            format!(", {} deferred", open.deferred),
            theme.style(Role::Text),
        ));
    }
    spans.push(Span::styled(" · ", theme.style(Role::Muted)));
    spans.push(Span::styled(
        format!("{} flagged undecided", open.flagged_open),
        theme.style(if open.flagged_open > 0 { Role::Warn } else { Role::Ok }),
    ));
    spans.push(Span::styled(" · ", theme.style(Role::Muted)));
    let done = open.decided >= open.items.len();
    spans.push(if done {
        Span::styled("complete", theme.style(Role::Ok))
    } else {
        Span::styled(due, theme.style(if late { Role::Crit } else { Role::Text }))
    });
    spans.extend(super::widgets::also_here(
        state,
        theme,
        &crate::model::team::campaign_subject(c.id),
    ));
    Line::from(spans)
}

/// Rows a table area shows, and the first one so the selection is on screen.
fn window(area: Rect, notes: usize, selected: usize) -> (usize, usize) {
    let visible = usize::from(area.height).saturating_sub(4 + notes).max(1);
    (selected.saturating_sub(visible - 1), visible)
}

fn queue_table(state: &State, theme: &Theme, area: Rect) -> (Table<'static>, TableState) {
    let a = &state.panes.access;
    let queue = a.listed();
    let selected = state.panes.access.selected.min(queue.len().saturating_sub(1));
    let notes = header_lines(state, theme).len();
    let (offset, visible) = window(area, notes, selected);
    let wide = area.width >= 150;
    // Only the rows on screen are built: a review can hold fifty thousand.
    let mut header = vec!["", "", "SUBJECT", "ROLE"];
    let mut widths = vec![
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(if wide { 3 } else { 2 }),
        Constraint::Length(if wide { 10 } else { 8 }),
    ];
    if wide {
        header.extend(["SOURCE", "STATUS"]);
        widths.extend([Constraint::Length(12), Constraint::Length(9)]);
    }
    header.extend(["LAST LOGIN", "MFA", "FLAGS", "DECISION"]);
    widths.extend([
        Constraint::Length(10),
        Constraint::Length(3),
        Constraint::Fill(if wide { 4 } else { 2 }),
        // Narrow: the outcome only; the reviewer is in the details.
        Constraint::Length(if wide { 28 } else { 11 }),
    ]);
    let cols = super::widgets::column_widths(&widths, area.width.saturating_sub(2));
    let rows: Vec<Row> = queue
        .iter()
        .skip(offset)
        .take(visible)
        .map(|item| item_row(state, theme, item, wide, &cols))
        .collect();
    let table = Table::new(rows, widths).header(Row::new(header).style(theme.style(Role::Title)));
    (table, TableState::default().with_selected(Some(selected - offset)))
}

/// One queue row, its text cut to the laid-out column widths `cols`.
fn item_row(state: &State, theme: &Theme, item: &ReviewItem, wide: bool, cols: &[usize]) -> Row<'static> {
    let fitted = |i: usize, s: &str| crate::text::fit(s, cols.get(i).copied().unwrap_or(0));
    let a = &state.panes.access;
    let r = &item.row;
    let marked = if a.marked.contains(&item.id) && item.id != 0 {
        "●"
    } else {
        " "
    };
    let status = if item.flags.is_empty() {
        Status::Ok
    } else if item.flags.len() > 1 {
        Status::Crit
    } else {
        Status::Warn
    };
    let decision = a.open.as_ref().and_then(|o| o.latest(item.id));
    let text = theme.style(if decision.is_some_and(|d| d.settles()) {
        Role::Muted
    } else {
        Role::Text
    });
    let login = match r.last_login {
        crate::model::access::LastLogin::Unknown => "-".to_string(),
        crate::model::access::LastLogin::Never => "never".to_string(),
        crate::model::access::LastLogin::At(t) => t.format("%Y-%m-%d").to_string(),
    };
    let mfa = match r.mfa_enabled {
        Some(true) => Cell::from("on").style(text),
        Some(false) => Cell::from("OFF").style(theme.style(Role::Warn)),
        None => Cell::from("-").style(theme.style(Role::Muted)),
    };
    let reasons: Vec<&str> = item.flags.iter().map(|f| f.reason.as_str()).collect();
    let mut cells = vec![
        Cell::from(marked).style(theme.style(Role::Info)),
        Cell::from(if item.flags.is_empty() {
            Span::raw(" ")
        } else {
            status.span(theme)
        }),
        Cell::from(fitted(2, &r.subject)).style(text),
        Cell::from(fitted(3, &r.role)).style(text),
    ];
    if wide {
        cells.push(Cell::from(fitted(4, &r.source)).style(theme.style(Role::Muted)));
        cells.push(Cell::from(fitted(5, r.status.as_deref().unwrap_or_default())).style(text));
    }
    cells.push(Cell::from(login).style(text));
    cells.push(mfa);
    let flags_at = cells.len();
    cells.push(Cell::from(fitted(flags_at, &reasons.join("; "))).style(theme.style(status.role())));
    cells.push(decision_cell(theme, decision, a.open.is_some(), wide));
    Row::new(cells)
}

fn decision_cell(theme: &Theme, d: Option<&review::DecisionRecord>, in_campaign: bool, wide: bool) -> Cell<'static> {
    let Some(d) = d else {
        return Cell::from(if in_campaign { "-" } else { "" }).style(theme.style(Role::Muted));
    };
    let (symbol, role) = match d.outcome.as_str() {
        review::KEPT => ("✓", Role::Ok),
        review::REVOKED => ("✖", Role::Ok),
        review::REVOCATION_REQUESTED => ("→", Role::Ok),
        review::DEFERRED => ("…", Role::Info),
        _ => ("!", Role::Crit),
    };
    let rows = d.details.get("rows_affected").and_then(|v| v.as_u64());
    let outcome = match (d.outcome.as_str(), rows, wide) {
        (review::REVOKED, Some(n), true) => format!("revoked ({n} row{})", if n == 1 { "" } else { "s" }),
        (review::REVOKE_FAILED, _, _) => "REVOKE FAILED".to_string(),
        (review::REVOCATION_REQUESTED, _, false) => "requested".to_string(),
        (o, _, _) => o.to_string(),
    };
    let text = if wide {
        format!("{symbol} {outcome} · {}", d.reviewer)
    } else {
        format!("{symbol} {outcome}")
    };
    Cell::from(text).style(theme.style(role))
}

fn campaign_table(state: &State, theme: &Theme, area: Rect) -> (Table<'static>, TableState) {
    let list = state.panes.access.summaries();
    let selected = state.panes.access.selected.min(list.len().saturating_sub(1));
    let (offset, visible) = window(area, 1, selected);
    let open_id = state.panes.access.open.as_ref().map(|o| o.campaign.id);
    let rows: Vec<Row> =
        list.iter()
            .skip(offset)
            .take(visible)
            .map(|s| {
                let (due, late) = due_text(s.campaign.due_at, state.shell.now);
                let (word, role) = if s.complete() {
                    ("complete", Role::Ok)
                } else if late {
                    ("OVERDUE", Role::Crit)
                } else {
                    ("in progress", Role::Text)
                };
                let shown = if open_id == Some(s.campaign.id) { "▶" } else { " " };
                Row::new(vec![
                    Cell::from(shown).style(theme.style(Role::Info)),
                    Cell::from(s.campaign.id.to_string()).style(theme.style(Role::Muted)),
                    Cell::from(s.campaign.name.clone()).style(theme.style(Role::Text)),
                    Cell::from(format!(
                        "{} {}",
                        s.campaign.created_at.format("%Y-%m-%d"),
                        s.campaign.created_by
                    ))
                    .style(theme.style(Role::Muted)),
                    Cell::from(if s.complete() { "-".into() } else { due })
                        .style(theme.style(if late && !s.complete() { Role::Crit } else { Role::Text })),
                    Cell::from(progress(s)).style(theme.style(Role::Text)),
                    Cell::from(s.flagged_open.to_string()).style(theme.style(if s.flagged_open > 0 {
                        Role::Warn
                    } else {
                        Role::Muted
                    })),
                    Cell::from(word).style(theme.style(role)),
                ])
            })
            .collect();
    let header = Row::new(["", "ID", "NAME", "CREATED", "DUE", "PROGRESS", "FLAGGED OPEN", "STATE"])
        .style(theme.style(Role::Title));
    let widths = [
        Constraint::Length(1),
        Constraint::Length(4),
        Constraint::Fill(2),
        Constraint::Length(18),
        Constraint::Length(24),
        Constraint::Fill(1),
        Constraint::Length(12),
        Constraint::Length(11),
    ];
    (
        Table::new(rows, widths).header(header),
        TableState::default().with_selected(Some(selected - offset)),
    )
}
