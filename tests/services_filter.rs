//! The Services filter is a regex: smart case, "!" inverts, and a text that
//! does not compile keeps the last good filter and says why.

mod fixtures;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opsdeck::app::{update, Msg, State};
use opsdeck::backends::{BackendData, BackendKind, BackendReport};
use opsdeck::cli::snapshot::{buffer_text, render};
use opsdeck::config::theme::{ColorSupport, Theme};

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        update(s, key(KeyCode::Char(c)));
    }
}

fn clear(s: &mut State) {
    while s.panes.services.filter.text.as_deref().is_some_and(|f| !f.is_empty()) {
        update(s, key(KeyCode::Backspace));
    }
}

/// Services zoomed with api-web, api-worker, api-webhook, redis and web.
fn state() -> State {
    let mut s = fixtures::state();
    let mut docker = fixtures::docker_summary();
    docker.containers = ["api-web", "api-worker", "api-webhook", "redis", "web"]
        .into_iter()
        .map(|n| fixtures::container(n, "running", "Up 3 hours"))
        .collect();
    update(
        &mut s,
        Msg::Backend(BackendReport {
            id: fixtures::id(BackendKind::Docker, "local"),
            at: fixtures::t0(),
            next_in: Default::default(),
            result: Ok(BackendData::Docker(docker)),
        }),
    );
    update(&mut s, key(KeyCode::Char('1')));
    update(&mut s, key(KeyCode::Char('/')));
    s
}

fn shown(s: &State) -> Vec<String> {
    let mut names: Vec<String> = s.container_rows().iter().map(|(_, c)| c.name.clone()).collect();
    names.sort();
    names
}

#[test]
fn the_filter_is_an_anchored_regex() {
    let mut s = state();
    typed(&mut s, "^api-(web|worker)$");
    assert_eq!(shown(&s), ["api-web", "api-worker"]);
    assert!(s.panes.services.filter.error.is_none());
    clear(&mut s);
    typed(&mut s, "^API-WEB$");
    assert!(shown(&s).is_empty(), "an upper-case letter makes it case-sensitive");
    clear(&mut s);
    typed(&mut s, "^Api-web");
    assert!(shown(&s).is_empty());
    clear(&mut s);
    typed(&mut s, "^api-web$");
    assert_eq!(shown(&s), ["api-web"], "lower case matches either case");
}

#[test]
fn a_bang_inverts_the_filter() {
    let mut s = state();
    typed(&mut s, "!api");
    assert_eq!(shown(&s), ["redis", "web"]);
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(shown(&s), ["redis", "web"], "enter keeps it");
}

#[test]
fn an_invalid_regex_keeps_the_last_good_filter_and_says_why() {
    let mut s = state();
    typed(&mut s, "^api-(web|worker)$");
    typed(&mut s, "(");
    assert_eq!(s.panes.services.filter.text.as_deref(), Some("^api-(web|worker)$("));
    assert_eq!(shown(&s), ["api-web", "api-worker"], "the last good filter stays");
    let why = s.panes.services.filter.error.clone().expect("the error is kept");
    assert!(why.contains("unclosed group"), "{why}");
    let theme = Theme::builtin("default", ColorSupport::Ansi256).expect("theme");
    let screen = buffer_text(&render(&s, &theme, 120, 30).expect("render"));
    assert!(screen.contains("not a regex (unclosed group)"), "{screen}");
    update(&mut s, key(KeyCode::Backspace));
    assert!(s.panes.services.filter.error.is_none());
    assert_eq!(shown(&s), ["api-web", "api-worker"]);
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(shown(&s).len(), 5, "esc drops the filter");
}

#[test]
fn a_log_search_that_is_not_a_regex_says_why_and_keeps_the_last() {
    let mut s = state();
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, key(KeyCode::Char('l')));
    let Some(view) = s.panes.logs.open.as_mut() else {
        panic!("the log opens");
    };
    view.push(vec![
        opsdeck::model::docker::LogLine {
            text: "GET /health 200".into(),
            ..Default::default()
        },
        opsdeck::model::docker::LogLine {
            text: "upstream timeout".into(),
            ..Default::default()
        },
    ]);
    for text in ["/time(out|d)", "/("] {
        typed(&mut s, text);
        update(&mut s, key(KeyCode::Enter));
    }
    let view = s.panes.logs.open.as_ref().expect("still open");
    assert_eq!(view.search.as_deref(), Some("time(out|d)"));
    let status = s.shell.status.as_ref().map(|st| st.text.clone()).unwrap_or_default();
    assert!(status.contains("not a regex (unclosed group)"), "{status}");
    assert!(status.contains("/time(out|d)/"), "{status}");
}
