//! Snapshots of team mode on screen: who else is on the store and on the
//! session, and the header when the team store is gone.

#[path = "fixtures/access.rs"]
mod access_fixture;
mod fixtures;

use fixtures::checklist;
use opsdeck::app::{update, Msg, State};
use opsdeck::cli::snapshot::{buffer_text, render};
use opsdeck::config::theme::{ColorSupport, Theme};
use opsdeck::store::changes::{StoreChange, StoreEvent};
use opsdeck::store::presence::{session_subject, Presence};

fn text(state: &State, w: u16, h: u16) -> String {
    let theme = Theme::builtin("default", ColorSupport::Ansi256).expect("theme");
    buffer_text(&render(state, &theme, w, h).expect("render"))
}

fn on_session() -> State {
    let mut s = fixtures::state();
    s.team.shared = true;
    update(&mut s, Msg::SessionOpened(Box::new(checklist::session())));
    let here = |operator: &str, subject: Option<String>| Presence {
        instance: format!("opsdeck-1-{operator}"),
        operator: operator.into(),
        host: format!("{operator}-laptop"),
        subject,
        seen_at: fixtures::t0(),
    };
    let id = checklist::session().meta.id;
    update(
        &mut s,
        Msg::PresenceLoaded(Ok(vec![here("bob", Some(session_subject(&id))), here("carol", None)])),
    );
    s.shell.status = None;
    s
}

#[test]
fn others_on_the_store_and_on_the_session_are_shown() {
    let s = on_session();
    let t = text(&s, 140, 24);
    insta::assert_snapshot!("team_presence", t);
    let header = t.lines().next().unwrap_or_default();
    assert!(header.contains(" team +2 "), "{header}");
    assert!(t.contains("also here: bob@bob-laptop"), "{t}");
    assert!(!t.contains("carol@"), "carol is on the store, not on this session: {t}");
}

#[test]
fn a_lost_team_store_turns_the_screen_read_only_and_keeps_what_was_read() {
    let mut s = on_session();
    let before = text(&s, 140, 24);
    update(&mut s, Msg::Store(StoreEvent::Down("connection refused".into())));
    let t = text(&s, 140, 24);
    insta::assert_snapshot!("team_store_down", t);
    assert!(t.contains("TEAM STORE DOWN since 03:00:00 · READ-ONLY"), "{t}");
    assert!(t.contains("team store unreachable (connection refused)"), "{t}");
    // Still down, for another reason, later: the header keeps when it went.
    s.shell.now += chrono::Duration::seconds(5);
    update(&mut s, Msg::Store(StoreEvent::Down("no connection within 3s".into())));
    assert_eq!(s.team.down.as_ref().map(|(since, _)| *since), Some(fixtures::t0()));
    // The session is still on screen, line for line below the header.
    let body = |x: &str| x.lines().skip(2).take(8).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&t), body(&before));
    // A tick is refused with the reason, and asks the store for nothing.
    let cmds = update(
        &mut s,
        Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char(' '))),
    );
    assert!(cmds.is_empty(), "{cmds:?}");
    let status = s.shell.status.as_ref().map(|x| x.text.clone()).unwrap_or_default();
    assert!(
        status.contains("refused") && status.contains("team store is unreachable"),
        "{status}"
    );
    // Back: everything shown is read again.
    let cmds = update(&mut s, Msg::Store(StoreEvent::Resync));
    assert!(s.team.down.is_none());
    let asks = format!("{cmds:?}");
    assert!(
        asks.contains("RefreshSession") && asks.contains("LoadSessions") && asks.contains("LoadAcks"),
        "{asks}"
    );
    // Another opsdeck's change to this session is read again; to another one, not.
    let id = checklist::session().meta.id;
    let cmds = update(
        &mut s,
        Msg::Store(StoreEvent::Changed(vec![
            StoreChange::Session(id.clone()),
            StoreChange::Session("INC-other".into()),
        ])),
    );
    assert_eq!(format!("{cmds:?}"), format!("[RefreshSession {{ id: {id:?} }}]"));
    // Someone arriving or leaving is read, not answered with a write.
    let cmds = update(&mut s, Msg::Store(StoreEvent::Changed(vec![StoreChange::Presence])));
    assert_eq!(format!("{cmds:?}"), "[LoadPresence]");
}

#[test]
fn another_reviewers_decisions_are_taken_in_once_and_the_newest_counts() {
    let mut s = access_fixture::campaign_state();
    let open = s.panes.access.open.as_ref().expect("open campaign");
    let (held, carol) = (open.decisions.clone(), open.decisions[2].item_id);
    let deferred = open.deferred;
    // Read again: what this opsdeck held, plus ben keeping carol (id 9),
    // arriving before an older decision of ana's (id 7) on the same item.
    let mut again = held.clone();
    let by = |id: i64, reviewer: &str, outcome: &str| opsdeck::store::DecisionRecord {
        id,
        reviewer: reviewer.into(),
        outcome: outcome.into(),
        decision: opsdeck::store::Decision::Keep,
        ..held[2].clone()
    };
    again.push(by(9, "ben", "kept"));
    again.push(by(7, "ana", "deferred"));
    update(
        &mut s,
        Msg::DecisionsRefreshed {
            campaign_id: 3,
            decisions: Ok(again.clone()),
        },
    );
    // And once more, the same: nothing doubles.
    update(
        &mut s,
        Msg::DecisionsRefreshed {
            campaign_id: 3,
            decisions: Ok(again),
        },
    );
    let open = s.panes.access.open.as_ref().expect("open campaign");
    assert_eq!(open.decisions.len(), held.len() + 2);
    let latest = open.latest(carol).expect("carol decided");
    assert_eq!((latest.id, latest.reviewer.as_str()), (9, "ben"));
    assert_eq!(open.deferred, deferred - 1, "carol is kept now, not deferred");
}
