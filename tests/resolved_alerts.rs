//! The Alerts pane's `r`: alerts resolved in the last 24 hours, read from
//! the flight recorder (feed a Msg, assert State and Commands; one view).

mod fixtures;

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use opsdeck::app::{update, Command, Msg, Overlay, PaneId, State, View};
use opsdeck::cli::snapshot::{buffer_text, render};
use opsdeck::config::theme::{ColorSupport, Theme};
use opsdeck::model::alerts::{AlertEpisode, EpisodeAck};

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn enter() -> Msg {
    let mut k = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
    k.kind = KeyEventKind::Press;
    Msg::Key(k)
}

fn episode(name: &str, instance: &str, fired: i64, resolved_ago: i64) -> AlertEpisode {
    let end = fixtures::t0() - Duration::minutes(resolved_ago);
    AlertEpisode {
        source: "am".into(),
        fingerprint: format!("fp-{name}"),
        alertname: name.into(),
        severity: "critical".into(),
        labels: [("alertname", name), ("instance", instance), ("severity", "critical")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        first_seen: end - Duration::minutes(fired),
        last_seen: end - Duration::seconds(5),
        resolved_at: Some(end),
        acks: Vec::new(),
    }
}

fn zoomed() -> State {
    let mut s = fixtures::state();
    s.shell.view = View::Zoom(PaneId::Alerts);
    s.shell.focus = PaneId::Alerts;
    s
}

/// `r`, and the store's answer with two resolved alerts.
fn showing_resolved() -> State {
    let mut s = zoomed();
    update(&mut s, key('r'));
    let mut disk = episode("DiskFull", "db-1:9100", 42, 3);
    disk.acks.push(EpisodeAck {
        operator: "alice".into(),
        comment: "on it".into(),
        acked_at: disk.first_seen + Duration::minutes(2),
        until: disk.first_seen + Duration::hours(1),
    });
    update(
        &mut s,
        Msg::ResolvedAlertsLoaded {
            to: fixtures::t0(),
            result: Ok(vec![disk, episode("HighLatency", "web-1:8080", 7, 95)]),
        },
    );
    s
}

#[test]
fn r_asks_the_store_for_the_last_24_hours() {
    let mut s = zoomed();
    let commands = update(&mut s, key('r'));
    assert_eq!(
        commands,
        vec![Command::LoadResolvedAlerts {
            from: fixtures::t0() - Duration::hours(24),
            to: fixtures::t0()
        }]
    );
    assert!(s.panes.alerts.resolved.is_some());
}

#[test]
fn the_answer_is_listed_and_r_again_shows_the_firing_alerts() {
    let mut s = showing_resolved();
    let firing = {
        let z = zoomed();
        z.row_count(PaneId::Alerts)
    };
    assert_eq!(s.row_count(PaneId::Alerts), 2);
    assert_ne!(firing, 2, "the fixtures' firing list differs from the resolved one");
    assert!(update(&mut s, key('r')).is_empty());
    assert!(s.panes.alerts.resolved.is_none());
    assert_eq!(s.row_count(PaneId::Alerts), firing);
}

#[test]
fn an_answer_to_an_older_ask_is_not_shown() {
    let mut s = zoomed();
    update(&mut s, key('r'));
    update(
        &mut s,
        Msg::ResolvedAlertsLoaded {
            to: fixtures::t0() - Duration::minutes(5),
            result: Ok(vec![episode("Old", "x", 1, 10)]),
        },
    );
    let r = s.panes.alerts.resolved.as_ref().map(|r| r.episodes.is_none());
    assert_eq!(r, Some(true));
}

#[test]
fn the_list_is_read_again_when_stale_and_not_while_a_read_is_awaited() {
    let mut s = showing_resolved();
    let at = |secs: i64| Msg::Tick(fixtures::t0() + Duration::seconds(secs));
    assert!(update(&mut s, at(10)).is_empty(), "fresh enough");
    let again = update(&mut s, at(31));
    assert_eq!(
        again,
        vec![Command::LoadResolvedAlerts {
            from: fixtures::t0() + Duration::seconds(31) - Duration::hours(24),
            to: fixtures::t0() + Duration::seconds(31)
        }]
    );
    assert!(update(&mut s, at(70)).is_empty(), "the last read is still awaited");
}

#[test]
fn a_failed_read_keeps_the_list_and_says_why() {
    let mut s = showing_resolved();
    update(&mut s, Msg::Tick(fixtures::t0() + Duration::seconds(40)));
    update(
        &mut s,
        Msg::ResolvedAlertsLoaded {
            to: fixtures::t0() + Duration::seconds(40),
            result: Err("database is locked".into()),
        },
    );
    let r = s.panes.alerts.resolved.as_ref();
    assert_eq!(r.and_then(|r| r.error.clone()), Some("database is locked".into()));
    assert_eq!(s.row_count(PaneId::Alerts), 2, "the list read before stays");
}

#[test]
fn acting_on_a_resolved_alert_is_refused_and_nothing_is_sent() {
    let mut s = showing_resolved();
    for k in ['a', 'e', 'c', 'R'] {
        assert!(update(&mut s, key(k)).is_empty(), "{k} sent something");
        assert!(s.shell.overlay.is_none(), "{k} opened a dialog");
        let status = s.shell.status.as_ref().map(|l| l.text.clone()).unwrap_or_default();
        assert!(status.contains("r shows the firing ones"), "{k}: {status:?}");
    }
}

#[test]
fn the_filter_narrows_the_resolved_list_by_labels() {
    let mut s = showing_resolved();
    update(&mut s, key('/'));
    for c in "instance=~\"web.*\"".chars() {
        update(&mut s, key(c));
    }
    assert_eq!(s.row_count(PaneId::Alerts), 1);
}

#[test]
fn enter_shows_when_it_fired_ended_and_who_acknowledged_it() {
    let mut s = showing_resolved();
    update(&mut s, enter());
    let Some(Overlay::Details {
        title,
        rows: Some(Ok(rows)),
        ..
    }) = &s.shell.overlay
    else {
        panic!("no details: {:?}", s.shell.overlay);
    };
    assert_eq!(title, "DiskFull");
    let text = format!("{rows:?}");
    for want in ["seen firing for", "42m00s", "alice", "on it", "db-1:9100"] {
        assert!(text.contains(want), "{want} missing from {text}");
    }
}

#[test]
fn in_history_mode_the_window_ends_at_the_moment_shown() {
    let mut s = zoomed();
    let then: DateTime<Utc> = fixtures::t0() - Duration::hours(3);
    update(&mut s, key('H'));
    update(
        &mut s,
        Msg::HistoryLoaded {
            ask: opsdeck::app::HistoryAsk::Before(fixtures::t0()),
            result: Ok(Some(opsdeck::app::RecordedMoment {
                at: then,
                reports: Vec::new(),
            })),
        },
    );
    assert_eq!(
        update(&mut s, key('r')),
        vec![Command::LoadResolvedAlerts {
            from: then - Duration::hours(24),
            to: then
        }]
    );
}

#[test]
fn the_resolved_list_at_120x30() {
    let s = showing_resolved();
    let theme = Theme::builtin("default", ColorSupport::Ansi256).expect("built-in theme");
    let buf = render(&s, &theme, 120, 30).expect("render");
    insta::assert_snapshot!(buffer_text(&buf));
}

#[test]
fn the_resolved_list_at_80x24_keeps_times_whole() {
    let s = showing_resolved();
    let theme = Theme::builtin("default", ColorSupport::Ansi256).expect("built-in theme");
    let buf = render(&s, &theme, 80, 24).expect("render");
    insta::assert_snapshot!(buffer_text(&buf));
}
