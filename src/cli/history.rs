//! `opsdeck history`: what the flight recorder kept. `show` rebuilds the
//! console's state from the models recorded at a time and draws it as
//! `snapshot` draws the present; `alerts` lists every alert seen.

use super::{
    config_error, existing_store, print_out, Cli, HistoryCmd, ListFormat, EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE,
};
use crate::app::{PaneId, State};
use crate::config::theme::{ColorSupport, Theme};
use crate::effects::report::{self, DrawScreen};
use crate::model::identity::Identity;
use crate::runtime::setup::Loaded;
use crate::store::history::Recorded;
use chrono::{DateTime, Utc};
use std::process::ExitCode;
use std::sync::Arc;

pub async fn run(cli: &Cli, command: &HistoryCmd) -> ExitCode {
    match command {
        HistoryCmd::Show {
            at,
            pane,
            width,
            height,
        } => show(cli, at, pane.as_deref(), *width, *height).await,
        HistoryCmd::Alerts { since, format } => alerts(cli, since.as_deref(), *format).await,
    }
}

pub use crate::text::parse_at;

async fn show(cli: &Cli, at: &str, pane: Option<&str>, width: u16, height: u16) -> ExitCode {
    let t = match parse_at(at, Utc::now()) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("opsdeck: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let pane = match pane.map(|p| PaneId::parse(p).ok_or(p)) {
        Some(Err(p)) => {
            eprintln!("opsdeck: unknown pane {p:?}; panes: services, database, alerts, access, checklist");
            return ExitCode::from(EXIT_USAGE);
        }
        Some(Ok(p)) => Some(p),
        None => None,
    };
    let loaded = match crate::runtime::setup::load(cli, ColorSupport::None) {
        Ok(l) => l,
        Err(e) => return config_error(&e),
    };
    let store = match existing_store(cli).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let recorded = store.history_at(t).await;
    // The trends of the day before the moment, drawn up to it.
    let day = chrono::Duration::minutes(crate::model::trend::SPAN_MINUTES);
    let samples = store.history_samples(t - day, t).await.map_err(|e| e.to_string());
    store.close().await;
    let recorded = match recorded {
        Ok(r) if r.is_empty() => {
            eprintln!("opsdeck: nothing was recorded at or before {}", t.to_rfc3339());
            return ExitCode::from(EXIT_CHECK_FAILED);
        }
        Ok(r) => r,
        Err(e) => {
            eprintln!("opsdeck: {e}");
            return ExitCode::from(EXIT_CHECK_FAILED);
        }
    };
    let mut state = base_state(cli, &loaded).await;
    crate::app::update(&mut state, crate::app::Msg::TrendsLoaded(samples));
    replay_into(&mut state, recorded, t);
    match super::snapshot::render_text(&state, &loaded.theme, pane, width.max(1), height.max(1)) {
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

/// The console's state before any poll, that recorded moments are drawn
/// on: the setup, and what the state store holds (sessions, campaigns,
/// acknowledgements), as the TUI has it a moment after it starts.
async fn base_state(cli: &Cli, loaded: &Loaded) -> State {
    let identity = Identity::detect(loaded.config.operator.name.as_deref());
    let targets = crate::backends::targets(&loaded.config);
    let mut state = crate::runtime::setup::initial_state(loaded, identity, &targets);
    drop(targets);
    for msg in super::snapshot::read_store(cli, &loaded.config).await {
        crate::app::update(&mut state, msg);
    }
    state
}

/// What draws the dashboards of a session report here; None when the
/// configuration cannot be loaded (the report says they were not drawn).
pub async fn dashboard_drawer(cli: &Cli) -> Option<DrawScreen> {
    let loaded = crate::runtime::setup::load(cli, ColorSupport::None).ok()?;
    let state = base_state(cli, &loaded).await;
    Some(drawer(state, loaded.theme))
}

/// Draws a recorded moment on `base` as `history show` does, at a
/// report's size.
pub fn drawer(base: State, theme: Theme) -> DrawScreen {
    let base = Arc::new((base, theme));
    Arc::new(move |reports, at| {
        let (base, theme) = &*base;
        let mut state = base.clone();
        crate::app::history::replay(&mut state, reports, at);
        super::snapshot::render_text(&state, theme, None, report::WIDTH, report::HEIGHT)
    })
}

/// The state at `t`, rebuilt from what was recorded as the console's
/// history mode rebuilds it (`app::history::replay`).
pub fn replay_into(state: &mut State, recorded: Vec<Recorded>, t: DateTime<Utc>) {
    let (reports, unreadable) = crate::store::history::reports(recorded);
    for why in unreadable {
        eprintln!("opsdeck: {why}");
    }
    crate::app::history::replay(state, reports, t);
}

async fn alerts(cli: &Cli, since: Option<&str>, format: ListFormat) -> ExitCode {
    let now = Utc::now();
    let since = match since.map(|s| parse_at(s, now)).transpose() {
        Ok(s) => s.unwrap_or(now - chrono::Duration::hours(24)),
        Err(e) => {
            eprintln!("opsdeck: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let store = match existing_store(cli).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let episodes = store.history_alerts(since).await;
    store.close().await;
    let episodes = match episodes {
        Ok(e) => e,
        Err(e) => {
            eprintln!("opsdeck: {e}");
            return ExitCode::from(EXIT_CHECK_FAILED);
        }
    };
    let text = match format {
        ListFormat::Json => serde_json::to_string_pretty(&episodes).unwrap_or_default() + "\n",
        ListFormat::Text => episodes
            .iter()
            .map(|e| {
                let when = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M:%S").to_string();
                let labels: Vec<String> = e.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!(
                    "{:<8} {:<8} {}  {}  {}/{}  {}{}\n",
                    if e.resolved_at.is_some() { "resolved" } else { "firing" },
                    e.severity,
                    when(e.first_seen),
                    e.resolved_at.map(when).unwrap_or_else(|| "-".repeat(19)),
                    e.source,
                    e.alertname,
                    labels.join(","),
                    if e.acks.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "  acked by {}",
                            e.acks
                                .iter()
                                .map(|a| a.operator.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    },
                )
            })
            .collect(),
    };
    print_out(&text);
    ExitCode::from(EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_in_three_forms() {
        let now = DateTime::parse_from_rfc3339("2026-12-06T09:30:00Z").map(|t| t.with_timezone(&Utc));
        let Ok(now) = now else {
            panic!("fixed time");
        };
        let at = |s| parse_at(s, now).map(|t| t.to_rfc3339());
        assert_eq!(at("03:12"), Ok("2026-12-06T03:12:00+00:00".into()));
        assert_eq!(at("-15m"), Ok("2026-12-06T09:15:00+00:00".into()));
        assert_eq!(at("2026-12-05T23:00:00Z"), Ok("2026-12-05T23:00:00+00:00".into()));
        assert!(at("soon").is_err());
    }
}
