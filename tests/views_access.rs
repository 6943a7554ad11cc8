//! Snapshot tests of the Access-review pane: the queue, an item's details,
//! the justification editor, the campaign list and the dashboard tile.

#[path = "fixtures/access.rs"]
mod access_fixture;
mod fixtures;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opsdeck::app::{update, Msg, Overlay, PaneId, State, View};
use opsdeck::cli::snapshot::{buffer_text, render};
use opsdeck::config::theme::{ColorSupport, Theme};

fn text(state: &State, w: u16, h: u16) -> String {
    let theme = Theme::builtin("default", ColorSupport::Ansi256).expect("theme");
    buffer_text(&render(state, &theme, w, h).expect("render"))
}

fn key(s: &mut State, code: KeyCode) {
    update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn chars(s: &mut State, text: &str) {
    for c in text.chars() {
        key(s, KeyCode::Char(c));
    }
}

#[test]
fn queue_flagged_first_with_reasons_and_decisions() {
    let s = access_fixture::campaign_state();
    let t = text(&s, 160, 30);
    assert!(t.contains("campaign 3 \"Q4 access review\""), "{t}");
    assert!(t.contains("2/6 decided, 1 deferred · 4 flagged undecided"), "{t}");
    assert!(t.contains("privileged role manager; MFA disabled"), "{t}");
    assert!(t.contains("✖ revoked (1 row) · alice"), "{t}");
    assert!(t.contains("row 7 (line 8): no subject"), "bad rows are named:\n{t}");
    let dave = t.find("dave@corp.example").expect("dave listed");
    assert!(!t.contains("frank@corp.example"), "unflagged items wait for `a`:\n{t}");
    assert!(dave < t.find("carol@corp.example").expect("carol listed"));
    insta::assert_snapshot!(t);
}

#[test]
fn queue_80x24_all_items() {
    let mut s = access_fixture::campaign_state();
    key(&mut s, KeyCode::Char('a'));
    s.shell.status = None;
    let t = text(&s, 80, 24);
    assert!(t.contains("frank@corp.example"), "{t}");
    insta::assert_snapshot!(t);
}

#[test]
fn item_details() {
    let mut s = access_fixture::campaign_state();
    // bob: the third flagged item (dave, alice, bob...).
    let bob = s
        .panes
        .access
        .queue()
        .iter()
        .position(|i| i.row.subject.starts_with("bob"))
        .expect("bob");
    s.panes.access.selected = bob;
    key(&mut s, KeyCode::Enter);
    assert!(matches!(s.shell.overlay, Some(Overlay::Details { .. })));
    let t = text(&s, 120, 36);
    assert!(t.contains("inactive 119 days (last login 2026-07-26; limit 90)"), "{t}");
    assert!(t.contains("revoked by alice: left in August, HR-4411"), "{t}");
    assert!(t.contains("team"), "other columns are kept:\n{t}");
    insta::assert_snapshot!(t);
}

#[test]
fn justification_editor() {
    let mut s = access_fixture::campaign_state();
    s.panes.access.selected = 0;
    key(&mut s, KeyCode::Char('y'));
    assert!(
        matches!(s.shell.overlay, Some(Overlay::Justify(_))),
        "{:?}",
        s.shell.status
    );
    chars(&mut s, "Finance lead, confirmed by the CFO");
    key(&mut s, KeyCode::Enter);
    chars(&mut s, "ticket SEC-204");
    let t = text(&s, 120, 30);
    assert!(t.contains("Keep dave@corp.example (manager)?"), "{t}");
    assert!(t.contains("ticket SEC-204"), "{t}");
    assert!(t.contains("ctrl+s save the decision"), "{t}");
    insta::assert_snapshot!(t);
}

#[test]
fn campaign_list_and_progress() {
    let mut s = access_fixture::campaign_state();
    key(&mut s, KeyCode::Char('c'));
    let t = text(&s, 120, 24);
    assert!(t.contains("OVERDUE"), "{t}");
    assert!(t.contains("complete"), "{t}");
    insta::assert_snapshot!(t);
}

#[test]
fn dashboard_tile_progress_and_overdue() {
    let mut s = access_fixture::campaign_state();
    s.shell.view = View::Dashboard;
    let t = text(&s, 160, 50);
    assert!(
        t.contains("Q4 access review: 2/6 decided · 4 flagged undecided · due in 12d"),
        "{t}"
    );
    assert!(t.contains("1 campaign(s) overdue"), "{t}");
    insta::assert_snapshot!(t);
}

#[test]
fn new_campaign_dialog() {
    let mut s = access_fixture::loaded_state();
    s.shell.view = View::Zoom(PaneId::Access);
    key(&mut s, KeyCode::Char('n'));
    assert!(matches!(s.shell.overlay, Some(Overlay::Campaign(_))));
    insta::assert_snapshot!(text(&s, 120, 30));
}

/// A batch with one's own item in it is refused whole, and says so: the
/// others were not recorded either.
#[test]
fn a_batch_with_ones_own_access_says_none_was_recorded() {
    let mut s = access_fixture::campaign_state();
    s.shell.view = View::Zoom(PaneId::Access);
    s.shell.focus = PaneId::Access;
    let ids: Vec<i64> = ["alice@", "dave@"]
        .iter()
        .filter_map(|who| {
            let open = s.panes.access.open.as_ref()?;
            open.items.iter().find(|i| i.row.subject.starts_with(who)).map(|i| i.id)
        })
        .collect();
    assert_eq!(ids.len(), 2);
    s.panes.access.marked.extend(ids);
    key(&mut s, KeyCode::Char('y'));
    assert!(s.shell.overlay.is_none(), "no justification is asked for");
    let status = s.shell.status.as_ref().map(|m| m.text.clone()).unwrap_or_default();
    assert!(status.contains("your own access"), "{status}");
    assert!(status.contains("none of the 2 marked items was recorded"), "{status}");
}

/// The revoke statement an operator approves is shown whole, however long.
#[test]
fn the_revoke_confirmation_shows_the_whole_statement() {
    let mut s = access_fixture::campaign_state();
    let sql = "UPDATE users SET status = 'suspended', suspended_reason = 'access review', \
               suspended_at = now() WHERE email = $1 AND role = $2 AND status <> 'suspended' \
               AND tenant_id IN (SELECT id FROM tenants WHERE region = 'eu-west-1-final')";
    s.panes.access.sources[0].revoke = Some(sql.into());
    s.panes.access.selected = 0;
    key(&mut s, KeyCode::Char('x'));
    chars(&mut s, "left the company");
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
    );
    assert!(
        matches!(s.shell.overlay, Some(Overlay::Confirm { .. })),
        "{:?}",
        s.shell.overlay
    );
    let t = text(&s, 120, 40);
    let shown: String = t
        .lines()
        .filter_map(|l| l.split('│').nth(1))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(shown.contains(sql), "{t}");
}
