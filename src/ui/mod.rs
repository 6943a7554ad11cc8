//! Views: pure functions of `&State` and the theme. They never lock, await or
//! touch the network; one file per pane.

mod access;
pub(crate) mod access_dialogs;
mod alerts;
mod alerts_resolved;
mod checklist;
pub mod confirm;
mod database;
mod footer;
mod form;
mod header;
mod logs;
mod overlay;
mod prometheus;
mod redis;
mod services;
mod trends;
pub mod widgets;

pub use overlay::ack_text;

use crate::app::{Overlay, PaneId, State, View};
use crate::config::theme::{Role, Theme};
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Table, TableState, Wrap};
use ratatui::Frame;
use widgets::Status;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Draw the whole screen.
pub fn draw(frame: &mut Frame, state: &State, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area, theme);
        return;
    }
    let [head, body, foot] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(area);
    header::draw(frame, head, state, theme);
    match state.shell.view {
        View::Dashboard => dashboard(frame, body, state, theme),
        View::Zoom(pane) => zoomed(frame, body, state, theme, pane),
    }
    footer::draw(frame, foot, state, theme);
    match &state.shell.overlay {
        Some(Overlay::Confirm {
            on_yes,
            facts,
            justification,
        }) => {
            // Keys held as too fast: said where the operator is looking.
            let held = state
                .shell
                .status
                .as_ref()
                .is_some_and(|s| s.text == crate::app::typeahead::TOO_FAST);
            let dialog = confirm::Dialog {
                on_yes,
                facts,
                justification: justification.as_deref(),
                held,
            };
            confirm::draw(frame, body, theme, &dialog)
        }
        Some(Overlay::Help { scroll }) => overlay::help(frame, body, state, theme, *scroll),
        Some(Overlay::Details { title, rows, scroll }) => {
            overlay::details(frame, body, theme, title, rows.as_ref(), *scroll)
        }
        Some(Overlay::Palette { input, selected }) => overlay::palette(frame, body, theme, input, *selected),
        Some(Overlay::HistoryAt(input)) => overlay::history_at(frame, body, theme, &input.text()),
        Some(Overlay::AuditLog { entries, scroll }) => overlay::audit(frame, body, theme, entries.as_ref(), *scroll),
        Some(Overlay::Ack(dialog)) => overlay::ack(frame, body, theme, dialog),
        Some(Overlay::Editor(editor)) => overlay::editor(frame, body, state, theme, editor),
        Some(Overlay::Justify(dialog)) => access_dialogs::justify(frame, body, theme, dialog),
        Some(Overlay::Campaign(dialog)) => access_dialogs::campaign(frame, body, theme, dialog),
        None => {}
    }
}

fn too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    let text = format!(
        "terminal too small (need {MIN_WIDTH}x{MIN_HEIGHT}, have {}x{})",
        area.width, area.height
    );
    let y = area.height / 2;
    let line = Rect::new(area.x, area.y + y, area.width, 1.min(area.height));
    frame.render_widget(
        Paragraph::new(text)
            .style(theme.style(Role::Warn))
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        line,
    );
}

/// A pane's status and summary lines, as shown on its tile.
pub fn pane_summary(state: &State, theme: &Theme, pane: PaneId, width: usize) -> (Status, Vec<Line<'static>>) {
    match pane {
        PaneId::Services => services::tile(state, theme, width),
        PaneId::Database => database::tile(state, theme, width),
        PaneId::Alerts => alerts::tile(state, theme, width),
        PaneId::Access => access::tile(state, theme, width),
        PaneId::Checklist => checklist::tile(state, theme, width),
    }
}

/// Five tiles: the three live panes on top, review and checklist below.
fn dashboard(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let [top, bottom] = Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
    let top_cols = Layout::horizontal([Constraint::Ratio(1, 3); 3]).split(top);
    let bottom_cols = Layout::horizontal([Constraint::Ratio(1, 2); 2]).split(bottom);
    let places = [top_cols[0], top_cols[1], top_cols[2], bottom_cols[0], bottom_cols[1]];
    for (pane, rect) in PaneId::ALL.into_iter().zip(places) {
        tile(frame, rect, state, theme, pane);
    }
}

fn pane_block(state: &State, theme: &Theme, pane: PaneId, status: Status) -> Block<'static> {
    let focused = state.shell.focus == pane;
    let border = if focused {
        theme.style(Role::Focus)
    } else {
        theme.style(Role::Border)
    };
    Block::default()
        .borders(Borders::ALL)
        // A thick frame marks focus even where colour is off.
        .border_type(if focused { BorderType::Thick } else { BorderType::Plain })
        .border_style(border)
        .title(Line::from(vec![
            Span::styled(
                format!(" {} {} ", pane.number(), pane.title()),
                theme.style(Role::Title),
            ),
            status.span(theme),
            Span::raw(" "),
        ]))
}

fn tile(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, pane: PaneId) {
    let inner_width = usize::from(area.width.saturating_sub(2));
    let (status, mut lines) = pane_summary(state, theme, pane, inner_width);
    // Last: on a short tile the trends give way.
    lines.extend(trends::tile_lines(state, theme, pane, inner_width));
    let block = pane_block(state, theme, pane, status);
    // Cut, not wrapped: a wrapped row would push the rows below out of the tile.
    frame.render_widget(
        Paragraph::new(widgets::fit_lines(lines, inner_width)).block(block),
        area,
    );
}

fn zoomed(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, pane: PaneId) {
    match pane {
        PaneId::Services => match &state.panes.logs.open {
            Some(view) => logs::draw(frame, area, view, state, theme),
            None => services::full(frame, area, state, theme),
        },
        PaneId::Database => database::full(frame, area, state, theme),
        PaneId::Alerts => alerts::full(frame, area, state, theme),
        PaneId::Checklist => checklist::full(frame, area, state, theme),
        PaneId::Access => access::full(frame, area, state, theme),
    }
}

/// A bordered pane: problem notes on top (backend down, stale), the table
/// below. With neither rows nor problems, the tile's summary says why
/// (not configured, connecting).
fn table_with_notes(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    theme: &Theme,
    pane: PaneId,
    (table, mut table_state): (Table<'static>, TableState),
    has_rows: bool,
) {
    use crate::model::backend::BackendKind;
    let kinds: &[BackendKind] = match pane {
        PaneId::Services => &[BackendKind::Docker, BackendKind::Http, BackendKind::Prometheus],
        PaneId::Database => &[BackendKind::Postgres],
        PaneId::Alerts => &[BackendKind::Alertmanager],
        PaneId::Access | PaneId::Checklist => &[],
    };
    // The summary is drawn inside the borders.
    let (status, summary) = pane_summary(state, theme, pane, usize::from(area.width.saturating_sub(2)));
    let mut notes: Vec<Line> = Vec::new();
    if pane == PaneId::Services {
        notes.extend(services::host_lines(state, theme, usize::from(area.width.saturating_sub(2))).1);
        notes.extend(services::endpoint_lines(state, theme));
        notes.extend(services::view_line(state, theme));
        notes.extend(prometheus::lines(state, theme, usize::from(area.width.saturating_sub(2)), true).1);
    }
    if pane == PaneId::Alerts {
        match &state.panes.alerts.resolved {
            Some(r) => notes.extend(alerts_resolved::notes(state, r, theme)),
            None => notes.extend(alerts::filter_line(state, theme)),
        }
    }
    notes.extend(
        kinds
            .iter()
            .flat_map(|k| state.backends_of(*k))
            .filter_map(|b| widgets::backend_problem(b, state, theme)),
    );
    if !has_rows && notes.len() <= usize::from(pane == PaneId::Services) {
        notes = summary;
    }
    notes.extend(trends::pane_lines(
        state,
        theme,
        pane,
        usize::from(area.width.saturating_sub(2)),
    ));
    let block = pane_block(state, theme, pane, status);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let note_height = u16::try_from(notes.len()).unwrap_or(u16::MAX).min(inner.height / 2);
    let [note_area, table_area] = Layout::vertical([Constraint::Length(note_height), Constraint::Min(1)]).areas(inner);
    if note_height > 0 {
        let notes = widgets::fit_lines(notes, usize::from(note_area.width));
        frame.render_widget(Paragraph::new(notes), note_area);
    }
    frame.render_stateful_widget(
        table.row_highlight_style(theme.style(Role::Selected)),
        table_area,
        &mut table_state,
    );
}

/// A bordered pane with the caller's notes on top and a table below. With
/// no rows, the tile's summary follows the notes and says why.
#[allow(clippy::too_many_arguments)]
fn pane_with_notes(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    theme: &Theme,
    pane: PaneId,
    mut notes: Vec<Line<'static>>,
    (table, mut table_state): (Table<'static>, TableState),
    has_rows: bool,
) {
    // The summary is drawn inside the borders.
    let (status, summary) = pane_summary(state, theme, pane, usize::from(area.width.saturating_sub(2)));
    if !has_rows {
        notes.extend(summary);
    }
    let block = pane_block(state, theme, pane, status);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let cap = if has_rows { inner.height / 2 } else { inner.height };
    let note_height = u16::try_from(notes.len()).unwrap_or(u16::MAX).min(cap);
    let [note_area, table_area] = Layout::vertical([Constraint::Length(note_height), Constraint::Min(1)]).areas(inner);
    if note_height > 0 {
        let notes = widgets::fit_lines(notes, usize::from(note_area.width));
        frame.render_widget(Paragraph::new(notes), note_area);
    }
    if has_rows {
        frame.render_stateful_widget(
            table.row_highlight_style(theme.style(Role::Selected)),
            table_area,
            &mut table_state,
        );
    }
}
