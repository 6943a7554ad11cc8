//! `opsdeck snapshot`: poll each backend once, render exactly what the TUI
//! would show, and print it as plain text.

use super::{config_error, print_out, Cli, EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE};
use crate::app::{update, Msg, PaneId, State, View};
use crate::backends::Target;
use crate::config::theme::ColorSupport;
use crate::config::theme::Theme;
use crate::model::identity::Identity;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;
use std::process::ExitCode;

pub async fn run(cli: &Cli, pane: Option<&str>, width: u16, height: u16) -> ExitCode {
    let pane = match pane.map(|p| PaneId::parse(p).ok_or(p)) {
        Some(Err(p)) => {
            eprintln!("opsdeck: unknown pane {p:?}; panes: services, database, alerts, access, checklist");
            return ExitCode::from(EXIT_USAGE);
        }
        Some(Ok(p)) => Some(p),
        None => None,
    };
    // Plain text out: colours do not matter, symbols do.
    let loaded = match crate::runtime::setup::load(cli, ColorSupport::None) {
        Ok(l) => l,
        Err(e) => return config_error(&e),
    };
    let identity = Identity::detect(loaded.config.operator.name.as_deref());
    let targets = crate::backends::targets(&loaded.config);
    let mut state = crate::runtime::setup::initial_state(&loaded, identity, &targets);
    // Everything the TUI shows once its first polls are in, all at once,
    // each bounded by its own timeout: the backends, the access sources,
    // and what the state store holds.
    let (_, access, stored) = tokio::join!(
        poll_all(&mut state, targets),
        load_access(&loaded.config),
        read_store(cli, &loaded.config),
    );
    for msg in access.into_iter().chain(stored) {
        update(&mut state, msg);
    }
    update(&mut state, Msg::DismissStatus);
    match render_text(&state, &loaded.theme, pane, width.max(1), height.max(1)) {
        Ok(text) => {
            print_out(&text);
            ExitCode::from(EXIT_OK)
        }
        Err(e) => {
            eprintln!("opsdeck: cannot render: {e}");
            ExitCode::from(EXIT_CHECK_FAILED)
        }
    }
}

/// Poll every target once, concurrently; each poll is bounded by its timeout.
pub async fn poll_all(state: &mut State, targets: Vec<Target>) {
    let reports = futures::future::join_all(targets.into_iter().map(|mut t| async move { t.poll_once().await })).await;
    for r in reports {
        update(state, Msg::Backend(r));
    }
    update(state, Msg::Tick(chrono::Utc::now()));
    // A snapshot is the data, not the last event's footer line.
    update(state, Msg::DismissStatus);
}

/// Every `[[access.source]]` read once, as the TUI reads them at start
/// (each load has its own timeout).
async fn load_access(config: &crate::config::Config) -> Vec<Msg> {
    let postgres = &config.postgres;
    futures::future::join_all(
        config
            .access
            .source
            .iter()
            .map(|src| async move { Msg::AccessLoaded(crate::backends::access::load(src, postgres).await) }),
    )
    .await
}

/// The runbooks (built-in and configured), and from the state store the
/// sessions, the access-review campaigns and the acknowledgements, as the
/// TUI shows them a moment after it starts. A snapshot creates no store:
/// without one it lists the runbooks alone.
pub(super) async fn read_store(cli: &Cli, config: &crate::config::Config) -> Vec<Msg> {
    let loaded = crate::runbook::load::load(config);
    let mut errors: Vec<String> = loaded.errors.iter().map(|e| e.to_string()).collect();
    let mut sessions = Vec::new();
    let mut msgs = Vec::new();
    let location = crate::runtime::setup::state_location(cli, config);
    let exists = match &location {
        Some(crate::store::Location::File(path)) => path.exists(),
        Some(_) => true,
        None => false,
    };
    if let (Some(location), true) = (location, exists) {
        match crate::store::Store::open_at(&location).await {
            Ok(store) => {
                match crate::effects::checklist::recent_sessions(&store).await {
                    Ok(s) => sessions = s,
                    Err(e) => errors.push(format!("sessions: {e}")),
                }
                msgs.push(crate::effects::reads::campaigns(&store).await);
                msgs.push(crate::effects::acks(&store).await);
                store.close().await;
            }
            Err(e) => errors.push(format!("sessions: {e}")),
        }
    }
    msgs.push(Msg::ChecklistLoaded {
        runbooks: loaded.runbooks.into_iter().map(|r| r.runbook).collect(),
        errors,
        sessions,
    });
    msgs
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
        state.shell.view = View::Zoom(p);
        state.shell.focus = p;
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
            skip = crate::text::width(sym).saturating_sub(1);
            line.push_str(sym);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    // The models are cleaned where their data is read; this is the second
    // line: a snapshot is plain text, so no control character is ever ours.
    crate::text::clean::lines(out)
}
