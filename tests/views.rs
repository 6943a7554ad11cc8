//! Snapshot tests of the views on a TestBackend: text and styles.

mod fixtures;

use opsdeck::app::{update, Msg, Overlay, PaneId, View};
use opsdeck::backends::{BackendKind, BackendReport};
use opsdeck::cli::snapshot::{buffer_text, render};
use opsdeck::config::theme::{ColorSupport, Theme};

fn theme(name: &str) -> Theme {
    Theme::builtin(name, ColorSupport::Ansi256).expect("built-in theme")
}

fn screen(state: &opsdeck::app::State, theme_name: &str, w: u16, h: u16) -> ratatui::buffer::Buffer {
    render(state, &theme(theme_name), w, h).expect("render")
}

#[test]
fn dashboard_80x24_default() {
    insta::assert_debug_snapshot!(screen(&fixtures::state(), "default", 80, 24));
}

/// No text on the header bar is drawn in the bar's own colour, in any
/// built-in theme (high-contrast drew the title white on white).
#[test]
fn the_header_bar_is_legible_in_every_theme() {
    for name in ["default", "high-contrast", "light", "mono"] {
        let buf = screen(&fixtures::state(), name, 120, 30);
        for x in 0..buf.area.width {
            let cell = &buf[(x, 0)];
            if cell.symbol().trim().is_empty() {
                continue;
            }
            assert!(
                cell.fg != cell.bg || cell.fg == ratatui::style::Color::Reset,
                "{name}: {:?} at column {x} is drawn {:?} on {:?}",
                cell.symbol(),
                cell.fg,
                cell.bg
            );
        }
    }
}

#[test]
fn dashboard_80x24_mono() {
    insta::assert_debug_snapshot!(screen(&fixtures::state(), "mono", 80, 24));
}

#[test]
fn dashboard_160x50_default() {
    insta::assert_debug_snapshot!(screen(&fixtures::state(), "default", 160, 50));
}

#[test]
fn dashboard_160x50_mono() {
    insta::assert_debug_snapshot!(screen(&fixtures::state(), "mono", 160, 50));
}

#[test]
fn dashboard_text_shows_worst_first() {
    let text = buffer_text(&screen(&fixtures::state(), "default", 160, 50));
    let api = text
        .find("api Up 3 hours (unhealthy)")
        .expect("unhealthy container listed");
    let worker = text.find("worker Exited (137)").expect("exited container listed");
    assert!(api < worker, "unhealthy before exited:\n{text}");
    let down = text.find("PostgresDown").expect("critical alert listed");
    let disk = text.find("DiskAlmostFull").expect("warning alert listed");
    assert!(down < disk, "critical before warning:\n{text}");
    assert!(text.contains("alice@prod-jump-1 from 10.1.2.3"), "{text}");
    assert!(
        text.contains("2 overdue · oldest critical 7m"),
        "critical at once, warning within the hour:\n{text}"
    );
    let zoomed = {
        let mut z = fixtures::state();
        z.shell.view = View::Zoom(PaneId::Alerts);
        buffer_text(&screen(&z, "default", 120, 30))
    };
    assert!(
        zoomed.contains("by Mon 17:00"),
        "a deadline past half a day names its day:\n{zoomed}"
    );
    assert!(text.contains("03:00:00 UTC"), "{text}");
}

#[test]
fn empty_config_tiles_say_what_to_add() {
    let text = buffer_text(&screen(&fixtures::empty_state(), "default", 120, 30));
    for what in [
        "[[docker]]",
        "[[postgres]]",
        "[[alertmanager]]",
        "[[access.source]]",
        "[runbooks]",
    ] {
        assert!(text.contains(what), "missing hint for {what}:\n{text}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn too_small_terminal_says_so() {
    for (w, h) in [(79, 24), (80, 23), (20, 5), (1, 1), (0, 0)] {
        let text = buffer_text(&screen(&fixtures::state(), "default", w.max(1), h.max(1)));
        if w >= 40 {
            assert!(text.contains("terminal too small (need 80x24"), "{w}x{h}:\n{text}");
        }
    }
}

#[test]
fn read_only_badge_in_header() {
    let mut s = fixtures::state();
    s.shell.read_only = true;
    let text = buffer_text(&screen(&s, "default", 120, 30));
    assert!(text.lines().next().is_some_and(|l| l.contains("READ-ONLY")), "{text}");
}

#[test]
fn down_backend_keeps_last_data_and_says_down() {
    let mut s = fixtures::state();
    s.shell.now = fixtures::t0() + chrono::Duration::seconds(20);
    update(
        &mut s,
        Msg::Backend(BackendReport {
            id: fixtures::id(BackendKind::Postgres, "main"),
            at: fixtures::t0() + chrono::Duration::seconds(20),
            next_in: Default::default(),
            result: Err("connection refused".into()),
        }),
    );
    let text = buffer_text(&screen(&s, "default", 160, 50));
    assert!(text.contains("main DOWN at 03:00:20, data from 03:00:00:"), "{text}");
    assert!(text.contains("connection refused"), "{text}");
    assert!(text.contains("42/100 conns"), "last good data stays visible:\n{text}");
}

#[test]
fn stale_backend_is_marked_stale() {
    let mut s = fixtures::state();
    // Docker polls every 5 s with a 3 s timeout: after 14 s without news it is stale.
    update(&mut s, Msg::Tick(fixtures::t0() + chrono::Duration::seconds(14)));
    let text = buffer_text(&screen(&s, "default", 160, 50));
    assert!(text.contains("local: STALE since 03:00:00"), "{text}");
}

#[test]
fn zoomed_panes_and_overlays() {
    let mut s = fixtures::state();
    for pane in PaneId::ALL {
        s.shell.view = View::Zoom(pane);
        s.shell.focus = pane;
        insta::assert_snapshot!(
            format!("zoom_{}", pane.key()),
            buffer_text(&screen(&s, "default", 100, 30))
        );
    }
    s.shell.view = View::Dashboard;
    s.shell.overlay = Some(Overlay::Help { scroll: 0 });
    insta::assert_snapshot!("help_overlay", buffer_text(&screen(&s, "default", 100, 40)));
    s.shell.overlay = Some(Overlay::Palette {
        input: "d".into(),
        selected: 0,
    });
    insta::assert_snapshot!("palette_overlay", buffer_text(&screen(&s, "default", 100, 30)));
}

/// At the smallest screen the names and instances keep the width, cut with
/// `…`; the severity word (the mark tells it) and the summary make room.
#[test]
fn zoomed_alerts_at_80x24_cut_names_with_an_ellipsis() {
    let mut s = fixtures::state();
    s.shell.view = View::Zoom(PaneId::Alerts);
    s.shell.focus = PaneId::Alerts;
    let text = buffer_text(&screen(&s, "default", 80, 24));
    insta::assert_snapshot!("zoom_alerts_80x24", text);
    assert!(text.contains("PostgresIdleInTransac…"), "cut with an ellipsis: {text}");
    assert!(text.contains("prod-jump-1:/v… "), "{text}");
}

#[test]
fn help_lists_live_bindings_including_user_layer() {
    let mut km = opsdeck::config::keymap::Keymap::default_keymap();
    km.layer("[global]\nx = \"quit\"\n", std::path::Path::new("user.toml"))
        .expect("valid layer");
    let mut s = fixtures::state();
    s.shell.keymap = std::sync::Arc::new(km);
    s.shell.overlay = Some(Overlay::Help { scroll: 0 });
    let text = buffer_text(&screen(&s, "default", 100, 40));
    assert!(text.contains("q, x, ctrl+c") || text.contains("q, x"), "{text}");
}

#[test]
fn confirm_dialog_names_container_and_host() {
    let mut s = fixtures::state();
    update(
        &mut s,
        Msg::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char('1'),
            crossterm::event::KeyModifiers::NONE,
        )),
    );
    update(
        &mut s,
        Msg::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char('r'),
            crossterm::event::KeyModifiers::NONE,
        )),
    );
    assert!(matches!(s.shell.overlay, Some(Overlay::Confirm { .. })));
    let text = buffer_text(&screen(&s, "default", 100, 30));
    assert!(
        text.contains("Restart container?") && text.contains("container  api") && text.contains("host       local"),
        "{text}"
    );
    insta::assert_snapshot!("confirm_restart", text);
}

/// Keys held as too fast are said in the dialog, where the operator looks.
#[test]
fn a_confirm_dialog_says_when_keys_were_too_fast() {
    let mut s = fixtures::state();
    for c in ['1', 'r'] {
        update(
            &mut s,
            Msg::Key(crossterm::event::KeyEvent::new(
                crossterm::event::KeyCode::Char(c),
                crossterm::event::KeyModifiers::NONE,
            )),
        );
    }
    update(&mut s, Msg::TooFast);
    let text = buffer_text(&screen(&s, "default", 100, 30));
    insta::assert_snapshot!("confirm_restart_too_fast", text);
    let dialog_line = text
        .lines()
        .find(|l| l.contains(opsdeck::app::typeahead::TOO_FAST))
        .expect("said on screen");
    assert!(dialog_line.contains('│'), "inside the dialog: {dialog_line}");
}

#[test]
fn details_overlay() {
    use opsdeck::backends::docker::inspect::Row;
    let mut s = fixtures::state();
    s.shell.view = View::Zoom(PaneId::Services);
    let f = |l: &str, v: &str| Row::Field(l.into(), v.into());
    s.shell.overlay = Some(Overlay::Details {
        title: "worker".into(),
        rows: Some(Ok(vec![
            f("name", "worker"),
            f("exit code", "137"),
            f("OOM killed", "YES"),
            f("restart count", "4"),
            Row::Section("environment".into()),
            f("DB_PASSWORD", "••••"),
            f("LOG_LEVEL", "debug"),
        ])),
        scroll: 0,
    });
    insta::assert_snapshot!("details_overlay", buffer_text(&screen(&s, "default", 100, 30)));
}

#[test]
fn log_view_marks_stderr_and_matches() {
    use opsdeck::app::LogView;
    use opsdeck::backends::docker::logs::LogLine;
    let mut s = fixtures::state();
    s.shell.view = View::Zoom(PaneId::Services);
    let mut v = LogView::new(1, "local".into(), "api".into());
    let l = |t: &str, e: bool| LogLine {
        stderr: e,
        ts: "2026-11-23T02:59:58.123456789Z".into(),
        text: t.into(),
        ..Default::default()
    };
    v.push(vec![
        l("GET /health 200", false),
        l("upstream timeout after 3s", true),
        l("GET /orders 200", false),
    ]);
    v.set_search(Some("timeout".into())).expect("a valid regex");
    v.timestamps = true;
    s.panes.logs.open = Some(v);
    let buf = screen(&s, "default", 100, 30);
    let text = buffer_text(&buf);
    assert!(text.contains("Logs local/api [following] [search: timeout]"), "{text}");
    assert!(text.contains("E 02:59:58.123 upstream timeout after 3s"), "{text}");
    insta::assert_snapshot!("log_view", text);
}

#[test]
fn log_view_draws_container_colours_as_styles_and_no_escapes() {
    use opsdeck::app::LogView;
    use opsdeck::backends::docker::logs::parse_line;
    use ratatui::style::{Color, Modifier};
    let mut s = fixtures::state();
    s.shell.view = View::Zoom(PaneId::Services);
    let mut v = LogView::new(1, "local".into(), "api".into());
    v.push(vec![
        parse_line(b"2026-11-23T02:59:58.1Z \x1b[32mINFO\x1b[0m ready\n", false),
        parse_line(b"2026-11-23T02:59:58.2Z \x1b[1;31mERROR\x1b[22m db down\x1b[0m\n", true),
        // A window title, a cursor move and a screen clear: none of it is drawn.
        parse_line(b"2026-11-23T02:59:58.3Z \x1b]0;pwned\x07\x1b[2J\x1b[5;5Hplain\n", false),
    ]);
    s.panes.logs.open = Some(v);
    let buf = screen(&s, "default", 80, 24);
    let text = buffer_text(&buf);
    assert!(text.contains("  INFO ready"), "{text}");
    assert!(text.contains("E ERROR db down"), "{text}");
    assert!(text.contains("  plain"), "{text}");
    assert!(
        !text.contains("pwned") && !text.contains('\u{1b}') && !text.contains('\u{fffd}'),
        "{text}"
    );
    let cell_at = |needle: &str| {
        let row = text.lines().position(|l| l.contains(needle)).expect("line on screen");
        let col = text.lines().nth(row).and_then(|l| l.find(needle)).unwrap_or(0);
        let col = text.lines().nth(row).map(|l| l[..col].chars().count()).unwrap_or(0);
        buf[(col as u16, row as u16)].clone()
    };
    assert_eq!(cell_at("INFO").fg, Color::Green);
    assert_eq!(cell_at("ERROR").fg, Color::Red);
    assert!(cell_at("ERROR").modifier.contains(Modifier::BOLD));
    assert!(!cell_at("db down").modifier.contains(Modifier::BOLD));
    let saved = s.panes.logs.open.as_ref().map(|v| v.text()).unwrap_or_default();
    assert!(!saved.contains('\u{1b}'), "{saved:?}");
    assert!(saved.contains("stdout INFO ready\n"), "{saved:?}");
    insta::assert_debug_snapshot!("log_view_colours", buf);
    // `c` shows the same lines plain: no colour of the container's.
    update(
        &mut s,
        Msg::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char('c'),
            crossterm::event::KeyModifiers::NONE,
        )),
    );
    let buf = screen(&s, "default", 80, 24);
    let text = buffer_text(&buf);
    assert!(text.contains("[plain]"), "{text}");
    assert!(text.contains("  INFO ready"), "{text}");
    let row = text.lines().position(|l| l.contains("INFO ready")).expect("line");
    let col = text.lines().nth(row).and_then(|l| l.find("INFO")).unwrap_or(0);
    let col = text.lines().nth(row).map(|l| l[..col].chars().count()).unwrap_or(0);
    assert_ne!(buf[(col as u16, row as u16)].fg, Color::Green, "plain");
}

/// A second Docker host with a container outside any compose project, for
/// the host column and the "(no project)" group.
fn with_edge_host(s: &mut opsdeck::app::State) {
    use opsdeck::backends::docker::DockerSummary;
    use opsdeck::backends::BackendData;
    let edge = fixtures::id(BackendKind::Docker, "edge");
    s.backends.targets.push(opsdeck::app::BackendStatus::new(
        edge.clone(),
        std::time::Duration::from_secs(5),
        std::time::Duration::from_secs(3),
    ));
    let mut cron = fixtures::container("cron", "restarting", "Restarting (1) 4 seconds ago");
    cron.compose_project = None;
    cron.compose_service = None;
    let report = BackendReport {
        id: edge,
        at: fixtures::t0(),
        next_in: Default::default(),
        result: Ok(BackendData::Docker(DockerSummary {
            engine_version: "20.10.24".into(),
            containers: vec![cron],
        })),
    };
    update(s, Msg::Backend(report));
}

fn keys(s: &mut opsdeck::app::State, typed: &str) {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    for c in typed.chars() {
        update(s, Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
    }
}

#[test]
fn services_wide_grouped_by_project() {
    let mut s = fixtures::state();
    with_edge_host(&mut s);
    keys(&mut s, "1c");
    let text = buffer_text(&screen(&s, "default", 160, 24));
    insta::assert_snapshot!("services_grouped_160", text);
    let shop = text.find("▾ shop").expect("project group line");
    let none = text
        .find("▾ (no project)")
        .expect("group for containers outside compose");
    let cron = text.find("cron").expect("the edge host's container");
    assert!(
        shop < none && none < cron,
        "the group with an unhealthy container first:\n{text}"
    );
    assert!(text.contains("5 total") && text.contains("2 failing"), "{text}");
    assert!(text.contains("8080→80/tcp"), "ports shown when wide:\n{text}");
    assert!(
        text.contains("HOST") && text.contains("edge"),
        "host column with two hosts:\n{text}"
    );
    assert!(text.contains("restarting (4s ago)"), "{text}");
}

#[test]
fn services_narrow_sorted_by_memory() {
    let mut s = fixtures::state();
    keys(&mut s, "1oooooooO");
    assert_eq!(s.panes.services.sort, opsdeck::app::SortKey::Memory);
    let text = buffer_text(&screen(&s, "default", 80, 24));
    insta::assert_snapshot!("services_80x24_memory", text);
    assert!(text.contains("MEM▲"), "sorted column marked, reversed:\n{text}");
    assert!(text.contains("sorted by memory, reversed"), "{text}");
    assert!(text.contains("unhealthy"), "narrow STATE shows health:\n{text}");
    assert!(!text.contains("IMAGE"), "no room for the image at 80 columns:\n{text}");
}

#[test]
fn cancel_dialog_asks_for_a_reason() {
    let mut s = fixtures::state();
    keys(&mut s, "2cINC-42 blocks checkout");
    let text = buffer_text(&screen(&s, "default", 120, 30));
    insta::assert_snapshot!("database_cancel_dialog", text);
    assert!(text.contains("Cancel query — pid 4242?"), "{text}");
    assert!(text.contains("pid 4242"), "{text}");
    assert!(text.contains("reason: INC-42 blocks checkout█"), "{text}");
    assert!(text.contains("a reason is required"), "{text}");
}

#[test]
fn session_details_view() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut s = fixtures::state();
    keys(&mut s, "2j");
    update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    let text = buffer_text(&screen(&s, "default", 100, 30));
    insta::assert_snapshot!("database_session_details", text);
    assert!(text.contains("main pid 4250"), "{text}");
    assert!(text.contains("SELECT count(*) FROM orders"), "{text}");
    assert!(text.contains("4250 ← 4242"), "{text}");
}

#[test]
fn long_values_wrap_in_details() {
    use opsdeck::app::Overlay;
    use opsdeck::backends::docker::inspect::Row;
    let mut s = fixtures::state();
    let query = format!(
        "SELECT {} FROM wide_table",
        (0..40).map(|i| format!("col{i}")).collect::<Vec<_>>().join(", ")
    );
    s.shell.overlay = Some(Overlay::Details {
        title: "main pid 1".into(),
        rows: Some(Ok(vec![Row::Field("text".into(), query)])),
        scroll: 0,
    });
    let text = buffer_text(&screen(&s, "default", 100, 30));
    assert!(text.contains("col0, col1"), "{text}");
    assert!(
        text.contains("col39 FROM wide_table"),
        "the end of a long query is on screen:\n{text}"
    );
}

#[test]
fn database_sessions_scroll_to_the_selection() {
    use opsdeck::backends::BackendData;
    let mut s = fixtures::state();
    let mut p = fixtures::pg_summary();
    p.backends = (0..100)
        .map(|i| fixtures::pg_session(7000 + i, "app", "active", 400.0, "SELECT 1", &[]))
        .collect();
    update(
        &mut s,
        Msg::Backend(BackendReport {
            id: fixtures::id(BackendKind::Postgres, "main"),
            at: fixtures::t0(),
            next_in: Default::default(),
            result: Ok(BackendData::Postgres(Box::new(p))),
        }),
    );
    keys(&mut s, "2");
    for _ in 0..60 {
        keys(&mut s, "j");
    }
    assert_eq!(s.selected_backend().map(|(_, x)| x.pid), Some(7060));
    let buf = screen(&s, "default", 100, 30);
    let text = buffer_text(&buf);
    assert!(text.contains("7060"), "the selected session is on screen:\n{text}");
    assert!(!text.contains("7000 "), "the first rows scrolled away:\n{text}");
    let row = text.lines().position(|l| l.contains("7060")).expect("row");
    let col = text.lines().nth(row).and_then(|l| l.find("7060")).expect("col");
    let x = u16::try_from(text.lines().nth(row).unwrap_or("")[..col].chars().count()).unwrap_or(0);
    let cell = &buf[(x, u16::try_from(row).unwrap_or(0))];
    let selected = theme("default").style(opsdeck::config::theme::Role::Selected);
    assert_eq!(
        cell.bg,
        selected.bg.unwrap_or(ratatui::style::Color::Reset),
        "the row is highlighted"
    );
}

#[test]
fn alerts_filtered_by_matchers() {
    let mut s = fixtures::state();
    keys(&mut s, "3/");
    keys(&mut s, r#"severity=~"critical|warning", alertname!~"Host.*""#);
    let text = buffer_text(&screen(&s, "default", 120, 30));
    insta::assert_snapshot!("alerts_filtered", text);
    assert!(
        text.contains(r#"[filter: severity=~"critical|warning", alertname!~"Host.*"█]"#),
        "{text}"
    );
    assert!(
        text.contains("PostgresDown") && text.contains("DiskAlmostFull"),
        "{text}"
    );
    assert!(
        !text.contains("CertExpiresSoon") && !text.contains("HostMemoryHigh"),
        "{text}"
    );
    keys(&mut s, ", x=");
    let text = buffer_text(&screen(&s, "default", 120, 30));
    assert!(
        text.contains("expected a value after x="),
        "the error is shown while typing:\n{text}"
    );
}

#[test]
fn ack_dialog_shows_what_the_silence_matches() {
    let mut s = fixtures::state();
    keys(&mut s, "3j");
    keys(&mut s, "a");
    keys(&mut s, "disk cleanup running");
    let text = buffer_text(&screen(&s, "default", 120, 30));
    insta::assert_snapshot!("alerts_ack_dialog", text);
    assert!(text.contains("Acknowledge DiskAlmostFull?"), "{text}");
    assert!(text.contains(r#"alertname="DiskAlmostFull""#), "{text}");
    assert!(text.contains("comment: disk cleanup running█"), "{text}");
    assert!(
        text.contains("for:     2h"),
        "the default duration, to edit with tab: {text}"
    );
    assert!(text.contains("it holds 1 alert(s) listed now:"), "{text}");
}

#[test]
fn alerts_grouped_with_a_folded_group() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut s = fixtures::state();
    keys(&mut s, "3c");
    // Fold the second group (the first warning one, DiskAlmostFull's).
    keys(&mut s, "jj");
    update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    let text = buffer_text(&screen(&s, "default", 120, 34));
    insta::assert_snapshot!("alerts_grouped_folded", text);
    assert!(text.contains("[grouped by alertname]"), "{text}");
    assert!(text.contains("▾ PostgresDown "), "{text}");
    assert!(text.contains("▸ DiskAlmostFull "), "folded: {text}");
    assert!(text.contains("▾ NodeLoadHigh "), "{text}");
    assert!(text.contains("0 firing, 1 silenced"), "{text}");
    // A folded group hides its alert rows: DiskAlmostFull appears on its head only.
    assert_eq!(text.matches("DiskAlmostFull").count(), 1, "{text}");
}

#[test]
fn alert_details_view() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut s = fixtures::state();
    keys(&mut s, "3");
    update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    let text = buffer_text(&screen(&s, "default", 100, 30));
    insta::assert_snapshot!("alert_details", text);
    for want in [
        "PostgresDown",
        "respond by",
        "runbook",
        "database-emergency",
        "[labels]",
        "instance",
        "generator",
    ] {
        assert!(text.contains(want), "{want}:\n{text}");
    }
}

/// Targets in environments: the header names each environment once, and
/// every tile line and row of a target carries its badge.
#[test]
fn environments_are_badged_on_the_header_tiles_and_rows() {
    use opsdeck::model::env::{Badge, Environment};
    let mut s = fixtures::state();
    with_edge_host(&mut s);
    for b in &mut s.backends.targets {
        b.env = match (b.id.kind, b.id.name.as_str()) {
            (BackendKind::Docker, "local") | (BackendKind::Postgres, _) => Some(Environment {
                name: "prod".into(),
                read_only: true,
                badge: Badge::Crit,
            }),
            (BackendKind::Docker, "edge") => Some(Environment {
                name: "staging".into(),
                read_only: false,
                badge: Badge::Info,
            }),
            _ => None,
        };
    }
    let dashboard = buffer_text(&screen(&s, "default", 140, 36));
    let header = dashboard.lines().next().unwrap_or_default();
    assert_eq!(header.matches(" prod RO ").count(), 1, "{header}");
    assert!(header.contains(" staging "), "{header}");
    assert!(dashboard.contains("local  prod RO :"), "{dashboard}");
    assert!(dashboard.contains("main  prod RO :"), "{dashboard}");
    s.shell.view = View::Zoom(PaneId::Services);
    let services = buffer_text(&screen(&s, "default", 140, 36));
    assert!(services.contains("edge  staging "), "{services}");
    insta::assert_snapshot!("environments_dashboard", dashboard);
    insta::assert_snapshot!("environments_services", services);
}

/// History mode: the header names the moment shown and how long ago it
/// was, reversed in the warn colour; the clock stays the wall clock.
#[test]
fn history_mode_header_names_the_moment_shown() {
    use opsdeck::app::{HistoryAsk, RecordedMoment};
    let mut s = fixtures::state();
    let then = fixtures::t0() - chrono::Duration::seconds(14 * 60 + 20);
    update(
        &mut s,
        Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('H'))),
    );
    update(
        &mut s,
        Msg::HistoryLoaded {
            ask: HistoryAsk::Before(fixtures::t0()),
            result: Ok(Some(RecordedMoment {
                at: then,
                reports: vec![BackendReport {
                    id: fixtures::id(BackendKind::Docker, "local"),
                    at: then,
                    next_in: Default::default(),
                    result: Ok(opsdeck::backends::BackendData::Docker(fixtures::docker_summary())),
                }],
            })),
        },
    );
    let buffer = screen(&s, "default", 120, 30);
    let text = buffer_text(&buffer);
    let header = text.lines().next().unwrap_or_default().to_string();
    insta::assert_snapshot!("history_header", header);
    let footer = text.lines().last().unwrap_or_default();
    assert!(footer.contains("[ earlier") && footer.contains("} +5m"), "{footer}");
    update(
        &mut s,
        Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('t'))),
    );
    update(
        &mut s,
        Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('3'))),
    );
    let text = buffer_text(&screen(&s, "default", 120, 30));
    assert!(
        text.contains(" at 3█") && text.contains("03:12 (UTC, today) · -15m"),
        "{text}"
    );
    let x = header.find("HISTORY").map(|i| header[..i].chars().count()).unwrap_or(0);
    let cell = &buffer[(u16::try_from(x).unwrap_or(0), 0)];
    assert_eq!(cell.symbol(), "H");
    assert!(cell.modifier.contains(ratatui::style::Modifier::REVERSED), "{cell:?}");
    assert_eq!(
        cell.style().fg,
        theme("default").style(opsdeck::config::theme::Role::Warn).fg,
        "{cell:?}"
    );
}

/// A full disk stopped the recorder: the header says so after the
/// critical badge (which it never pushes out), until it records again.
#[test]
fn the_header_says_history_is_not_recorded() {
    let mut s = fixtures::state();
    update(
        &mut s,
        Msg::History {
            ok: false,
            text: "history: not recorded — disk full".into(),
        },
    );
    update(&mut s, Msg::DismissStatus);
    for (w, h) in [(120, 30), (80, 24)] {
        let text = buffer_text(&screen(&s, "default", w, h));
        let header = text.lines().next().unwrap_or_default().to_string();
        insta::assert_snapshot!(format!("not_recorded_header_{w}"), header);
    }
}
