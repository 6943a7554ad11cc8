//! Snapshot of escalation on the Alerts pane: the overdue cell names the
//! level paged and when (or the level whose page is failing), the details
//! list each level of the alert.

mod fixtures;

use opsdeck::app::{update, Msg, PaneId, View};
use opsdeck::cli::snapshot::{buffer_text, render};
use opsdeck::config::theme::{ColorSupport, Theme};
use opsdeck::model::escalation::{EscalationRecord, Key};

fn text(state: &opsdeck::app::State, w: u16, h: u16) -> String {
    let theme = Theme::builtin("default", ColorSupport::Ansi256).expect("built-in theme");
    buffer_text(&render(state, &theme, w, h).expect("render"))
}

#[test]
fn an_escalated_alert_says_which_level_was_paged_and_when() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut s = fixtures::state();
    update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Char('3'), KeyModifiers::NONE)));
    let (source, alert) = s.selected_alert().expect("an alert selected");
    let source = s.alert_source_name(source).to_string();
    let at = |h: u32, m: u32| {
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 23, h, m, 0)
            .single()
            .expect("time")
    };
    let record = |level: &str, sent: Option<chrono::DateTime<chrono::Utc>>, error: Option<&str>| EscalationRecord {
        key: Key {
            source: source.clone(),
            fingerprint: alert.fingerprint.clone(),
            starts_at: alert.starts_at,
            level: level.into(),
        },
        alertname: alert.name.clone(),
        severity: "critical".into(),
        claimed_at: at(2, 53),
        sent_at: sent,
        attempts: if sent.is_some() { 1 } else { 8 },
        last_error: error.map(str::to_string),
    };
    s.panes.alerts.escalations = vec![
        record("L1", Some(at(2, 53)), None),
        record("L2", Some(at(2, 58)), None),
        record("L3", None, Some("HTTP 500")),
    ];
    s.shell.view = View::Zoom(PaneId::Alerts);
    s.shell.focus = PaneId::Alerts;
    // L3's pager refuses: the cell says so, not that L2 was reached.
    let list = text(&s, 120, 24);
    insta::assert_snapshot!("escalated_alert_row", list);
    assert!(list.contains("↑L3 failing"), "{list}");
    // Until L3 is tried, L2 is what is known.
    let all = std::mem::take(&mut s.panes.alerts.escalations);
    s.panes.alerts.escalations = all[..2].to_vec();
    let list = text(&s, 120, 24);
    assert!(list.contains("↑L2 02:58"), "{list}");
    s.panes.alerts.escalations = all;
    update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    let details = text(&s, 100, 40);
    insta::assert_snapshot!("escalated_alert_details", details);
    for want in [
        "escalated to L1 at 02:53",
        "escalated to L2 at 02:58",
        "L3: not sent after 8 attempts (HTTP 500)",
    ] {
        assert!(details.contains(want), "{want}:\n{details}");
    }
}

/// With levels configured the escalations are read at once, then every 15 s;
/// without, never.
#[test]
fn escalations_are_read_now_and_then_only_when_levels_are_configured() {
    use opsdeck::app::Command;
    let loads = |cmds: Vec<Command>| cmds.iter().filter(|c| **c == Command::LoadEscalations).count();
    let mut s = fixtures::state();
    let t0 = s.wall_now();
    assert_eq!(loads(update(&mut s, Msg::Tick(t0))), 0);
    s.setup.escalates = true;
    let secs = |n| t0 + chrono::Duration::seconds(n);
    assert_eq!(loads(update(&mut s, Msg::Tick(secs(1)))), 1);
    assert_eq!(loads(update(&mut s, Msg::Tick(secs(2)))), 0);
    assert_eq!(loads(update(&mut s, Msg::Tick(secs(15)))), 0);
    assert_eq!(loads(update(&mut s, Msg::Tick(secs(16)))), 1);
    // What was read replaces what was shown; a failed read keeps it.
    let record = EscalationRecord {
        key: Key {
            source: "prod".into(),
            fingerprint: "f".into(),
            starts_at: t0,
            level: "L1".into(),
        },
        alertname: "PostgresDown".into(),
        severity: "critical".into(),
        claimed_at: t0,
        sent_at: Some(t0),
        attempts: 1,
        last_error: None,
    };
    update(&mut s, Msg::EscalationsLoaded(Ok(vec![record.clone()])));
    update(&mut s, Msg::EscalationsLoaded(Err("state store: gone".into())));
    assert_eq!(s.panes.alerts.escalations, vec![record]);
}

/// An own alert's escalation, claimed by the recorder, which dated the
/// alert from its own first poll: the details show it all the same.
#[test]
fn an_own_alert_shows_the_escalation_the_recorder_made() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let key = |c| Msg::Key(KeyEvent::new(c, KeyModifiers::NONE));
    let mut s = fixtures::state();
    update(&mut s, key(KeyCode::Char('3')));
    s.shell.view = View::Zoom(PaneId::Alerts);
    s.shell.focus = PaneId::Alerts;
    while s.selected_alert().is_some_and(|(source, _)| source.is_some()) {
        update(&mut s, key(KeyCode::Char('j')));
    }
    let (source, alert) = s.selected_alert().expect("an own alert selected");
    assert!(source.is_none(), "{alert:?}");
    let seen = alert.starts_at;
    let record = |starts_at, claimed_at| EscalationRecord {
        key: Key {
            source: "opsdeck".into(),
            fingerprint: alert.fingerprint.clone(),
            starts_at,
            level: "L1".into(),
        },
        alertname: alert.name.clone(),
        severity: "warning".into(),
        claimed_at,
        sent_at: Some(claimed_at),
        attempts: 1,
        last_error: None,
    };
    // Seen by the recorder 8 s before this console saw it.
    s.panes.alerts.escalations = vec![record(seen - chrono::Duration::seconds(8), seen)];
    update(&mut s, key(KeyCode::Enter));
    let details = text(&s, 100, 40);
    let want = format!("escalated to L1 at {}", seen.format("%H:%M"));
    assert!(details.contains(&want), "{want}:\n{details}");
    // An earlier firing's, claimed before this one began: not this one's.
    let earlier = seen - chrono::Duration::hours(2);
    s.panes.alerts.escalations = vec![record(earlier, earlier + chrono::Duration::minutes(1))];
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, key(KeyCode::Enter));
    let details = text(&s, 100, 40);
    assert!(details.contains("seen here since"), "the details again:\n{details}");
    assert!(!details.contains("escalated to L1"), "{details}");
}
