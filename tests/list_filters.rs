//! `/` in the Database and Access panes: the same regex filter as Services
//! (smart case, "!" inverts, a bad regex keeps the last good one), matched
//! against what the rows show.

#[path = "fixtures/access.rs"]
mod access_fixture;
mod fixtures;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opsdeck::app::{update, Msg, State};
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

fn screen(s: &State, w: u16, h: u16) -> String {
    let theme = Theme::builtin("default", ColorSupport::Ansi256).expect("theme");
    buffer_text(&render(s, &theme, w, h).expect("render"))
}

fn pids(s: &State) -> Vec<i32> {
    s.db_backends().iter().map(|(_, b)| b.pid).collect()
}

fn database() -> State {
    let mut s = fixtures::state();
    update(&mut s, key(KeyCode::Char('2')));
    s
}

#[test]
fn database_sessions_filter_by_user_state_and_query() {
    let mut s = database();
    assert_eq!(pids(&s).len(), 3);
    update(&mut s, key(KeyCode::Char('/')));
    typed(&mut s, "^report$");
    assert_eq!(pids(&s), [4250], "by user");
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(pids(&s), [4250], "enter keeps it");
    let text = screen(&s, 140, 40);
    assert!(text.contains("filter: ^report$"), "{text}");
    // Esc clears a kept filter.
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(pids(&s).len(), 3);

    update(&mut s, key(KeyCode::Char('/')));
    typed(&mut s, "for update|idle in");
    assert_eq!(pids(&s), [4301], "by query or state, case-insensitive");
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, key(KeyCode::Char('/')));
    typed(&mut s, "!^app$");
    assert_eq!(pids(&s), [4250], "inverted");
    typed(&mut s, "(");
    assert_eq!(pids(&s), [4250], "a bad regex keeps the last good filter");
    let text = screen(&s, 140, 40);
    assert!(text.contains("not a regex (unclosed group)"), "{text}");
}

#[test]
fn a_literal_the_screen_masks_cannot_be_found_by_filtering() {
    let mut s = database();
    if let Some(p) = s.backends.targets.iter_mut().find_map(|b| match &mut b.data {
        Some(opsdeck::backends::BackendData::Postgres(p)) => Some(p),
        _ => None,
    }) {
        p.backends[0].query = "ALTER ROLE app PASSWORD 'hunter2'".into();
    }
    update(&mut s, key(KeyCode::Char('/')));
    typed(&mut s, "hunter2");
    assert!(pids(&s).is_empty(), "{:?}", pids(&s));
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, key(KeyCode::Char('/')));
    typed(&mut s, "alter role");
    assert_eq!(pids(&s), [4242]);
}

fn subjects(s: &State) -> Vec<String> {
    s.panes.access.listed().iter().map(|i| i.row.subject.clone()).collect()
}

fn access() -> State {
    let mut s = access_fixture::loaded_state();
    update(&mut s, key(KeyCode::Char('4')));
    // Every item, not only the flagged ones.
    update(&mut s, key(KeyCode::Char('a')));
    // Esc takes a message away before a filter: none shown.
    s.shell.status = None;
    s
}

#[test]
fn access_items_filter_by_subject_role_and_flag() {
    let mut s = access();
    let all = subjects(&s);
    assert!(all.len() >= 6, "{all:?}");
    update(&mut s, key(KeyCode::Char('/')));
    typed(&mut s, "^(admin|manager)$");
    let mut got = subjects(&s);
    got.sort();
    assert_eq!(got, ["alice@corp.example", "dave@corp.example"], "by role");
    update(&mut s, key(KeyCode::Enter));
    let text = screen(&s, 160, 40);
    assert!(text.contains("2 of them: filter: ^(admin|manager)$"), "{text}");
    assert!(!text.contains("frank@corp.example"), "{text}");
    // The selection moves within what is listed.
    update(&mut s, key(KeyCode::Char('j')));
    assert!(s.selected_access_item().is_some());
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(subjects(&s), all, "esc drops it");

    update(&mut s, key(KeyCode::Char('/')));
    typed(&mut s, "!corp");
    assert!(subjects(&s).iter().all(|n| !n.contains("corp")), "{:?}", subjects(&s));
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, key(KeyCode::Char('/')));
    typed(&mut s, "no-mfa");
    assert_eq!(subjects(&s), ["dave@corp.example"], "by flag");
}

#[test]
fn the_access_filter_follows_a_new_load() {
    let mut s = access();
    update(&mut s, key(KeyCode::Char('/')));
    typed(&mut s, "frank");
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(subjects(&s), ["frank@corp.example"]);
    // The source read again: the filter applies to the new rows.
    update(&mut s, Msg::AccessLoaded(access_fixture::load()));
    assert_eq!(subjects(&s), ["frank@corp.example"]);
    assert_eq!(s.panes.access.listed().len(), 1);
}
