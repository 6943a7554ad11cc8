//! Snapshots of trends: a tile over 24 hours, zoomed panes over 1 h and
//! 24 h, a disk's projection, and what a narrow terminal keeps.

mod fixtures;

use chrono::Duration;
use opsdeck::app::{update, Msg, PaneId, View};
use opsdeck::cli::snapshot::{buffer_text, render};
use opsdeck::config::theme::{ColorSupport, Theme};
use opsdeck::model::trend::{key, Sample};

fn screen(state: &opsdeck::app::State, w: u16, h: u16) -> String {
    let theme = Theme::builtin("default", ColorSupport::Ansi256).expect("built-in theme");
    buffer_text(&render(state, &theme, w, h).expect("render"))
}

/// The fixture's state with a recorded day: every minute up to t0,
/// the disk filling 6 points a day to its 91% (full in ~36 h), the
/// database growing 1 GiB a day to its 12 GiB, memory and connections
/// going up and down, alerts firing in the last hours, a restart.
fn with_a_day() -> opsdeck::app::State {
    let mut s = fixtures::state();
    let t0 = fixtures::t0();
    let mut samples = Vec::new();
    for i in 0..=1440i64 {
        let at = t0 - Duration::minutes(1440 - i);
        let day = i as f64 / 1440.0;
        let wave = ((i / 10 % 12) as f64 - 6.0).abs();
        let mut put = |metric: String, value: f64| samples.push(Sample { metric, at, value });
        put(key::host_disk("local", "/var/lib/postgresql"), 85.0 + 6.0 * day);
        put(key::host_memory("local"), 70.0 + wave);
        put(key::pg_size("main"), (11u64 << 30) as f64 + day * (1u64 << 30) as f64);
        put(key::pg_connections("main"), 30.0 + 2.0 * wave);
        put(key::alerts_firing("prod"), if i > 1200 { 3.0 } else { 1.0 });
        put(key::docker_restarts("local"), if i > 1000 { 3.0 } else { 2.0 });
    }
    update(&mut s, Msg::TrendsLoaded(Ok(samples)));
    s
}

#[test]
fn tiles_show_the_last_day() {
    let s = with_a_day();
    insta::assert_snapshot!("trends_dashboard_160x50", screen(&s, 160, 50));
    let small = screen(&s, 80, 24);
    insta::assert_snapshot!("trends_dashboard_80x24", small);
}

#[test]
fn zoomed_panes_show_their_window_and_the_projection() {
    let mut s = with_a_day();
    s.shell.view = View::Zoom(PaneId::Database);
    s.shell.focus = PaneId::Database;
    insta::assert_snapshot!("trends_database_1h", screen(&s, 120, 40));
    update(
        &mut s,
        Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('w'))),
    );
    update(&mut s, Msg::DismissStatus);
    let text = screen(&s, 120, 40);
    assert!(text.contains("+1.0G/day"), "{text}");
    insta::assert_snapshot!("trends_database_24h", text);
    s.shell.view = View::Zoom(PaneId::Services);
    s.shell.focus = PaneId::Services;
    let text = screen(&s, 120, 40);
    assert!(text.contains("full in ~36 h at the last 24 h's rate"), "{text}");
    insta::assert_snapshot!("trends_services_24h", text);
    let narrow = screen(&s, 80, 24);
    assert!(narrow.contains("full in ~36 h"), "{narrow}");
    insta::assert_snapshot!("trends_services_80x24", narrow);
}

#[test]
fn a_moment_in_history_draws_up_to_that_moment() {
    let mut s = with_a_day();
    s.shell.view = View::Zoom(PaneId::Services);
    update(
        &mut s,
        Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('w'))),
    );
    update(&mut s, Msg::DismissStatus);
    // Two hours earlier the disk stood 0.5 points lower, at the same rate.
    s.shell.now = fixtures::t0() - Duration::hours(2);
    let text = screen(&s, 120, 40);
    assert!(text.contains("full in ~38 h"), "{text}");
    // At the first recorded point, the only one up to then: no trend at all.
    s.shell.now = fixtures::t0() - Duration::hours(24);
    let text = screen(&s, 120, 40);
    assert!(!text.contains("trends, the last"), "{text}");
}

#[test]
fn one_point_draws_no_trend() {
    let s = fixtures::state();
    let text = screen(&s, 160, 50);
    assert!(!text.contains('▁') && !text.contains('█'), "{text}");
}
