//! `opsdeck snapshot`: poll each backend once, render exactly what the TUI
//! would show, and print it as plain text.

use crate::app::{update, Msg, PaneId, State, View};
use crate::backends::Target;
use crate::config::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;

/// Poll every target once, concurrently; each poll is bounded by its timeout.
pub async fn poll_all(state: &mut State, targets: Vec<Target>) {
    let reports = futures::future::join_all(targets.into_iter().map(|mut t| async move { t.poll_once().await })).await;
    for r in reports {
        update(state, Msg::Backend(r));
    }
    update(state, Msg::Tick(chrono::Utc::now()));
    state.status = None;
}

/// Render the state at a size and return it as plain text, one line per row.
pub fn render_text(
    state: &State,
    theme: &Theme,
    pane: Option<PaneId>,
    width: u16,
    height: u16,
) -> Result<String, String> {
    let mut state = state.clone();
    if let Some(p) = pane {
        state.view = View::Zoom(p);
        state.focus = p;
    }
    let buffer = render(&state, theme, width, height)?;
    Ok(buffer_text(&buffer))
}

pub fn render(state: &State, theme: &Theme, width: u16, height: u16) -> Result<Buffer, String> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).map_err(|e| e.to_string())?;
    terminal
        .draw(|f| crate::ui::draw(f, state, theme))
        .map_err(|e| e.to_string())?;
    Ok(terminal.backend().buffer().clone())
}

/// The characters of a buffer, trailing spaces trimmed, no escape codes.
pub fn buffer_text(buffer: &Buffer) -> String {
    let width = usize::from(buffer.area.width);
    let mut out = String::new();
    for row in buffer.content.chunks(width.max(1)) {
        let mut line = String::new();
        let mut skip = 0;
        for cell in row {
            // Wide characters occupy two cells; the second is empty.
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = cell.symbol();
            skip = unicode_width(sym).saturating_sub(1);
            line.push_str(sym);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn unicode_width(s: &str) -> usize {
    use ratatui::text::Span;
    Span::raw(s).width()
}
