//! Names in CJK, emoji and combining characters: every row is fitted by
//! display columns and cut with an ellipsis on its own line, never wrapped
//! onto the next row nor drawn past the screen's edge.

#[path = "fixtures/access.rs"]
mod access_fixture;
mod fixtures;

use opsdeck::app::{update, Msg, PaneId, State, View};
use opsdeck::backends::access::rows::parse_csv;
use opsdeck::backends::access::{flagged, AccessLoad};
use opsdeck::backends::{BackendData, BackendKind, BackendReport};
use opsdeck::cli::snapshot::{buffer_text, render};
use opsdeck::config::theme::{ColorSupport, Theme};
use opsdeck::model::alerts::Severity;
use opsdeck::text::width;

const CJK_ALERT: &str = "磁盘空间不足告警测试数据库主机";
const EMOJI_ALERT: &str = "🔥🔥DiskOnFire🔥🔥";
const COMBINING_ALERT: &str = "Cafe\u{301}ServiceDe\u{301}grade\u{301}Everywhere";
const CJK_CONTAINER: &str = "监控代理服务容器实例名称";
const EMOJI_CONTAINER: &str = "🚀🚀rocket-launcher-worker";
const CJK_SUBJECT: &str = "张伟张伟张伟@corp.example";

const SIZES: [(u16, u16); 3] = [(80, 24), (100, 30), (160, 50)];

fn wide_state() -> State {
    let mut s = access_fixture::loaded_state();
    let mut alerts = fixtures::alerts_summary();
    for (a, name) in alerts.alerts.iter_mut().zip([CJK_ALERT, EMOJI_ALERT, COMBINING_ALERT]) {
        a.name = name.into();
        a.fingerprint = name.into();
    }
    alerts.alerts[2].severity = Severity::Warning;
    let mut docker = fixtures::docker_summary();
    docker.containers[0].name = CJK_CONTAINER.into();
    docker.containers[1].name = EMOJI_CONTAINER.into();
    for (kind, name, data) in [
        (BackendKind::Alertmanager, "prod", BackendData::Alerts(alerts.into())),
        (BackendKind::Docker, "local", BackendData::Docker(docker)),
    ] {
        update(
            &mut s,
            Msg::Backend(BackendReport {
                id: fixtures::id(kind, name),
                at: fixtures::t0(),
                next_in: Default::default(),
                result: Ok(data),
            }),
        );
    }
    let csv = format!(
        "subject,role,status,last_login_at,created_at,mfa_enabled,team\n\
         {CJK_SUBJECT},admin,active,2026-11-22T09:00:00Z,2023-05-01,false,运维平台基础设施团队\n\
         🦀🦀🦀🦀@corp.example,manager,active,2026-07-26T10:00:00Z,2024-02-01,true,sre\n\
         jose\u{301}-garci\u{301}a-lo\u{301}pez@corp.example,viewer,active,,2026-10-24,true,support\n"
    );
    let parsed = parse_csv("app users", csv.as_bytes()).expect("CSV parses");
    update(
        &mut s,
        Msg::AccessLoaded(AccessLoad {
            source: "app users".into(),
            at: fixtures::t0(),
            result: Ok(flagged(parsed, &access_fixture::rules(), fixtures::t0())),
        }),
    );
    s.shell.status = None;
    s
}

fn text(state: &State, w: u16, h: u16) -> String {
    let theme = Theme::builtin("default", ColorSupport::Ansi256).expect("theme");
    buffer_text(&render(state, &theme, w, h).expect("render"))
}

/// No row is wider than the screen, in display columns.
fn assert_fits(screen: &str, w: u16) {
    for (i, line) in screen.lines().enumerate() {
        assert!(
            width(line) <= usize::from(w),
            "row {i} is {} columns:\n{screen}",
            width(line)
        );
    }
}

/// Rows showing a later part of `name` without its start: what a wrapped
/// row leaves on the row below. None when the name stays on its row.
fn wrapped_rows(screen: &str, name: &str) -> Vec<String> {
    let peculiar: Vec<char> = name.chars().filter(|c| !c.is_ascii()).collect();
    let first = peculiar[0];
    screen
        .lines()
        .filter(|l| l.chars().any(|c| peculiar.contains(&c)) && !l.contains(first))
        .map(str::to_string)
        .collect()
}

fn rows_showing(screen: &str, name: &str) -> usize {
    let first = name.chars().find(|c| !c.is_ascii()).unwrap_or(' ');
    screen.lines().filter(|l| l.contains(first)).count()
}

fn view(mut s: State, zoom: Option<PaneId>) -> State {
    if let Some(p) = zoom {
        s.shell.view = View::Zoom(p);
    }
    s
}

#[test]
fn dashboard_rows_with_wide_names_stay_on_one_line() {
    for (w, h) in SIZES {
        let screen = text(&wide_state(), w, h);
        assert_fits(&screen, w);
        for name in [CJK_ALERT, EMOJI_ALERT, COMBINING_ALERT, CJK_CONTAINER, EMOJI_CONTAINER] {
            assert!(rows_showing(&screen, name) >= 1, "{w}x{h}: {name} not shown:\n{screen}");
            let wrapped = wrapped_rows(&screen, name);
            assert!(
                wrapped.is_empty(),
                "{w}x{h}: {name} wrapped onto {wrapped:?}:\n{screen}"
            );
        }
        // Container counts are never split from their words.
        for phrase in ["up", "unhealthy", "exited"] {
            assert!(
                screen
                    .lines()
                    .any(|l| l.contains(&format!("1 {phrase}")) || l.contains(&format!("4 {phrase}"))),
                "{w}x{h}: `{phrase}` lost its count:\n{screen}"
            );
        }
        insta::assert_snapshot!(format!("dashboard_{w}x{h}"), screen);
    }
}

#[test]
fn zoomed_tables_cut_wide_names_with_an_ellipsis() {
    for (w, h) in SIZES {
        for (pane, name) in [
            (PaneId::Alerts, CJK_ALERT),
            (PaneId::Services, CJK_CONTAINER),
            (PaneId::Access, CJK_SUBJECT),
        ] {
            let screen = text(&view(wide_state(), Some(pane)), w, h);
            assert_fits(&screen, w);
            assert!(
                rows_showing(&screen, name) >= 1,
                "{w}x{h} {pane:?}: {name} not shown:\n{screen}"
            );
            for line in screen
                .lines()
                .filter(|l| l.contains(name.chars().next().unwrap_or(' ')))
            {
                assert!(
                    line.contains(name) || line.contains('…'),
                    "{w}x{h} {pane:?}: {name} cut without an ellipsis:\n{line}"
                );
            }
            insta::assert_snapshot!(format!("zoom_{pane:?}_{w}x{h}"), screen);
        }
    }
}
