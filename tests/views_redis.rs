//! Snapshots of Redis in the Database pane: on the dashboard tile beside
//! PostgreSQL, zoomed with a master and its replica, one target down with
//! its last good data, and Redis alone (no PostgreSQL configured); and
//! opsdeck's own alerts from its thresholds.

mod fixtures;

use opsdeck::app::{update, BackendStatus, Msg, PaneId, State, View};
use opsdeck::backends::{BackendData, BackendKind, BackendReport};
use opsdeck::cli::snapshot::{buffer_text, render};
use opsdeck::config::theme::{ColorSupport, Theme};
use opsdeck::model::redis::{RedisMasterLink, RedisReplica, RedisSummary, RedisThresholds};
use std::time::Duration;

fn screen(state: &State, w: u16, h: u16) -> String {
    let theme = Theme::builtin("default", ColorSupport::Ansi256).expect("built-in theme");
    buffer_text(&render(state, &theme, w, h).expect("render"))
}

/// A master near its memory limit, evicting, with one replica behind.
fn master() -> RedisSummary {
    RedisSummary {
        version: "7.0.15".into(),
        role: "master".into(),
        ping_ms: 0.4,
        uptime_secs: 3 * 86400,
        connected_clients: 42,
        blocked_clients: 0,
        used_memory: 3_900 << 20,
        maxmemory: 4 << 30,
        fragmentation_ratio: Some(1.08),
        evicted_keys: 1200,
        evicted_delta: Some(17),
        keys: 1_250_000,
        rdb_last_save_ok: true,
        rdb_last_save_time: fixtures::t0().timestamp() - 600,
        rdb_saving: true,
        rdb_changes_since_save: 5000,
        aof_enabled: false,
        aof_last_write_ok: true,
        master_repl_offset: 1_000_000,
        replicas: vec![RedisReplica {
            addr: "10.0.0.12:6379".into(),
            state: "online".into(),
            offset: 998_976,
            lag_bytes: 1024,
        }],
        master_link: None,
        thresholds: RedisThresholds {
            memory_warn_pct: 90.0,
            blocked_clients_warn: 0,
            save_max_age_secs: 7200,
        },
    }
}

/// A replica whose master link is down, with a blocked client.
fn replica() -> RedisSummary {
    RedisSummary {
        role: "slave".into(),
        connected_clients: 3,
        blocked_clients: 2,
        used_memory: 12 << 20,
        maxmemory: 0,
        evicted_keys: 0,
        evicted_delta: Some(0),
        keys: 1_249_000,
        rdb_saving: false,
        replicas: vec![],
        master_link: Some(RedisMasterLink {
            master: "10.0.0.11:6379".into(),
            status: "down".into(),
            down_secs: Some(42),
            sync_in_progress: false,
        }),
        ..master()
    }
}

fn report(name: &str, result: Result<BackendData, String>) -> Msg {
    Msg::Backend(BackendReport {
        id: fixtures::id(BackendKind::Redis, name),
        at: fixtures::t0(),
        next_in: Default::default(),
        result,
    })
}

/// `base` with three Redis targets: a master, a replica, and one down
/// since t0 after a good poll a minute before.
fn with_redis(mut s: State) -> State {
    for name in ["cache", "cache-ro", "sessions"] {
        s.backends.targets.push(BackendStatus::new(
            fixtures::id(BackendKind::Redis, name),
            Duration::from_secs(5),
            Duration::from_secs(3),
        ));
    }
    update(&mut s, report("cache", Ok(BackendData::Redis(Box::new(master())))));
    update(&mut s, report("cache-ro", Ok(BackendData::Redis(Box::new(replica())))));
    let earlier = Msg::Backend(BackendReport {
        id: fixtures::id(BackendKind::Redis, "sessions"),
        at: fixtures::t0() - chrono::Duration::seconds(60),
        next_in: Default::default(),
        result: Ok(BackendData::Redis(Box::new(RedisSummary {
            evicted_delta: None,
            replicas: vec![],
            maxmemory: 0,
            used_memory: 2 << 20,
            ..master()
        }))),
    });
    update(&mut s, earlier);
    update(&mut s, report("sessions", Err("connection refused".into())));
    s.shell.status = None;
    s
}

#[test]
fn the_dashboard_tile_shows_redis_beside_postgres() {
    let s = with_redis(fixtures::state());
    let text = screen(&s, 160, 50);
    // One freshness dot per target (bare at this width): eight, the
    // stopped Redis down.
    let header = text.lines().next().unwrap_or_default();
    let dots = header.matches('●').count() + header.matches('✖').count();
    assert_eq!(dots, 8, "{header}");
    let wide = screen(&s, 300, 50);
    let header = wide.lines().next().unwrap_or_default();
    assert!(
        header.contains("● redis:cache") && header.contains("✖ redis:sessions"),
        "{header}"
    );
    insta::assert_snapshot!("redis_dashboard_160x50", text);
}

#[test]
fn the_zoomed_database_pane_has_a_redis_block() {
    let mut s = with_redis(fixtures::state());
    s.shell.view = View::Zoom(PaneId::Database);
    s.shell.focus = PaneId::Database;
    let text = screen(&s, 140, 45);
    assert!(
        text.contains("sessions DOWN at 03:00:00, data from 02:59:00: connection refused"),
        "{text}"
    );
    assert!(
        text.contains("cache-ro ← master 10.0.0.11:6379: link down for 42s"),
        "{text}"
    );
    insta::assert_snapshot!("redis_database_zoomed", text);
}

#[test]
fn redis_alone_fills_the_database_pane() {
    let mut s = with_redis(fixtures::empty_state());
    let tile = screen(&s, 120, 40);
    assert!(!tile.contains("not configured: add [[postgres]]"), "{tile}");
    insta::assert_snapshot!("redis_alone_dashboard", tile);
    s.shell.view = View::Zoom(PaneId::Database);
    s.shell.focus = PaneId::Database;
    insta::assert_snapshot!("redis_alone_zoomed", screen(&s, 120, 40));
}

#[test]
fn thresholds_raise_own_alerts_and_a_missing_maxmemory_does_not() {
    let s = with_redis(fixtures::empty_state());
    let own: Vec<(String, String, String)> = s
        .alert_rows()
        .into_iter()
        .filter(|(source, _)| source.is_none())
        .map(|(_, a)| (a.name.clone(), a.instance.clone(), a.summary.clone()))
        .collect();
    let has = |name: &str, instance: &str| own.iter().any(|(n, i, _)| n == name && i == instance);
    assert!(has("RedisMemoryHigh", "cache"), "{own:#?}");
    assert!(has("RedisEvictingKeys", "cache"), "{own:#?}");
    assert!(has("RedisBlockedClients", "cache-ro"), "{own:#?}");
    assert!(has("RedisReplicationBroken", "cache-ro"), "{own:#?}");
    assert!(has("RedisDown", "sessions"), "{own:#?}");
    // No maxmemory on the replica: said on screen, never an alert.
    assert!(!has("RedisMemoryHigh", "cache-ro"), "{own:#?}");
    // Saved 10 minutes ago with a 2 h limit: not stale.
    assert!(!own.iter().any(|(n, _, _)| n == "RedisSaveStale"), "{own:#?}");
    let mut late = with_redis(fixtures::empty_state());
    update(
        &mut late,
        report(
            "cache",
            Ok(BackendData::Redis(Box::new(RedisSummary {
                rdb_last_save_time: fixtures::t0().timestamp() - 3 * 3600,
                ..master()
            }))),
        ),
    );
    update(
        &mut late,
        report(
            "cache-ro",
            Ok(BackendData::Redis(Box::new(RedisSummary {
                rdb_last_save_ok: false,
                rdb_saving: true,
                ..replica()
            }))),
        ),
    );
    let names: Vec<(String, String)> = late
        .alert_rows()
        .into_iter()
        .filter(|(source, _)| source.is_none())
        .map(|(_, a)| (a.name.clone(), a.instance.clone()))
        .collect();
    assert!(names.contains(&("RedisSaveStale".into(), "cache".into())), "{names:?}");
    assert!(
        names.contains(&("RedisSaveFailing".into(), "cache-ro".into())),
        "{names:?}"
    );
}

#[test]
fn a_server_up_less_than_a_minute_reads_so() {
    let mut s = with_redis(fixtures::state());
    update(
        &mut s,
        report(
            "cache",
            Ok(BackendData::Redis(Box::new(RedisSummary {
                uptime_secs: 0,
                ..master()
            }))),
        ),
    );
    s.shell.view = View::Zoom(PaneId::Database);
    s.shell.focus = PaneId::Database;
    let text = screen(&s, 140, 45);
    assert!(text.contains("up <1m"), "{text}");
    assert!(!text.contains("up 0s"), "{text}");
}
