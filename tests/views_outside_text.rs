//! Views of outside text that carries terminal controls: an alert whose
//! label and annotation hold an OSC title sequence and SGR codes is drawn
//! with visible placeholders, and no cell holds a control character.

mod fixtures;

use opsdeck::app::{update, Msg};
use opsdeck::backends::alertmanager::parse_alerts;
use opsdeck::backends::{BackendData, BackendKind, BackendReport};
use opsdeck::cli::snapshot::{buffer_text, render};
use opsdeck::config::theme::{ColorSupport, Theme};

/// Alertmanager's answer with one alert whose text would steer the terminal.
const HOSTILE: &str = r#"[{
  "labels": {"alertname": "Hostile", "severity": "critical", "instance": "esc\u001b]2;PWNED-TITLE\u0007host"},
  "annotations": {"summary": "\u001b[7mINVERTED\u001b[0m \u009b7m c1 \u202etxt.exe"},
  "startsAt": "2026-11-23T02:50:00Z", "fingerprint": "h0st1le",
  "status": {"state": "active", "silencedBy": [], "inhibitedBy": []}
}]"#;

fn hostile_state() -> opsdeck::app::State {
    let mut s = fixtures::state();
    let alerts = parse_alerts(HOSTILE.as_bytes()).expect("parses");
    update(
        &mut s,
        Msg::Backend(BackendReport {
            id: fixtures::id(BackendKind::Alertmanager, "prod"),
            at: fixtures::t0(),
            next_in: Default::default(),
            result: Ok(BackendData::Alerts(alerts.into())),
        }),
    );
    s.shell.status = None;
    s
}

fn keys(s: &mut opsdeck::app::State, typed: &str) {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    for c in typed.chars() {
        update(s, Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
    }
}

/// Every cell of the buffer as drawn, before any text conversion: none may
/// hold a C0, DEL or C1 control, or a bidi override.
fn assert_no_control_cells(buffer: &ratatui::buffer::Buffer) {
    let bad: Vec<String> = buffer
        .content
        .iter()
        .map(|c| c.symbol())
        .filter(|sym| {
            sym.chars()
                .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c))
        })
        .map(|sym| format!("{sym:?}"))
        .collect();
    assert!(bad.is_empty(), "cells with control characters: {bad:?}");
}

#[test]
fn alert_row_shows_placeholders_for_terminal_controls() {
    let mut s = hostile_state();
    keys(&mut s, "3");
    let theme = Theme::builtin("default", ColorSupport::Ansi256).expect("built-in theme");
    let buffer = render(&s, &theme, 140, 24).expect("render");
    assert_no_control_cells(&buffer);
    let text = buffer_text(&buffer);
    insta::assert_snapshot!("alert_row_with_terminal_controls", text);
    assert!(text.contains("esc␛]2;PWNED-TITLE"), "{text}");
    assert!(text.contains("␛[7mINVERTED␛[0m [U+009B]7m c1"), "{text}");
}

#[test]
fn dashboard_tile_and_details_hold_no_control_cells() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut s = hostile_state();
    let theme = Theme::builtin("default", ColorSupport::Ansi256).expect("built-in theme");
    assert_no_control_cells(&render(&s, &theme, 160, 50).expect("render"));
    keys(&mut s, "3");
    update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    let buffer = render(&s, &theme, 120, 40).expect("render");
    assert_no_control_cells(&buffer);
    let text = buffer_text(&buffer);
    assert!(text.contains("esc␛]2;PWNED-TITLE␇host"), "{text}");
    assert!(text.contains("[U+202E]txt.exe"), "{text}");
}
