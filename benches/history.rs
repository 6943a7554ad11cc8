//! How much history an hour of polling makes: one simulated hour of every
//! backend's reports, at their default intervals, through the real
//! recorder into a real SQLite store, at two sizes: the dashboard fixtures
//! (5 containers, 5 alerts, a few sessions) and the scale fixtures (1,000
//! containers, 10,000 alerts, 500 sessions). What changes from poll to
//! poll is what changes on real systems: Docker's "Up N minutes" every
//! minute, a container restarting every 10 minutes, host CPU and memory,
//! PostgreSQL round trip, uptime and query ages every poll, an alert
//! firing or resolving every 5 minutes. Each is measured twice: with
//! deltas between keyframes every 5 minutes, and with a whole frame for
//! every change. Bytes, not time:
//! `cargo bench --bench history`.

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

#[path = "common/history_gen.rs"]
mod history_gen;

use history_gen::{alert_sets, base_alerts, recorder_on, second, Size};
use std::time::Duration;

struct Measured {
    bytes: i64,
    rows: i64,
    file: u64,
}

fn record(size: &Size, keyframe: Duration) -> Measured {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.db");
        let store = opsdeck::store::Store::open(&path).await.expect("store");
        // The empty store's own pages are not the hour's.
        let empty = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
            + std::fs::metadata(dir.path().join("state.db-wal"))
                .map(|m| m.len())
                .unwrap_or(0);
        let (tx, task) = recorder_on(&store, keyframe).await;
        let alerts = alert_sets(base_alerts(size));
        let start = chrono::Utc::now() - chrono::Duration::hours(1);
        for secs in 0..3600 {
            for r in second(size, &alerts, start + chrono::Duration::seconds(secs), secs) {
                tx.send(r).await.expect("recorder running");
            }
        }
        drop(tx);
        task.await.expect("recorder");
        let bytes = store.history_bytes().await.expect("bytes");
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM history_frames")
            .fetch_one(store.pool())
            .await
            .expect("rows");
        store.close().await;
        Measured {
            bytes,
            rows,
            file: std::fs::metadata(&path)
                .map(|m| m.len())
                .unwrap_or(0)
                .saturating_sub(empty),
        }
    })
}

fn main() {
    let sizes = [
        Size {
            name: "dashboard fixtures",
            containers: 5,
            alerts: 5,
            sessions: 3,
        },
        Size {
            name: "idle-cost scenario",
            containers: 200,
            alerts: 30,
            sessions: 40,
        },
        Size {
            name: "scale fixtures",
            containers: 1_000,
            alerts: 10_000,
            sessions: 500,
        },
    ];
    println!("history per hour: Docker and host every 5 s, PostgreSQL every 10 s, Alertmanager every 1 s");
    for size in &sizes {
        for (how, keyframe) in [
            ("keyframes every 5 min + deltas", Duration::from_secs(300)),
            ("a whole frame per change", Duration::from_nanos(1)),
        ] {
            let m = record(size, keyframe);
            println!(
                "{:<20} {:<32} {:>10} bytes of frames, {:>5} rows, store file +{:>9} bytes, {:>6.1} MB a day",
                size.name,
                how,
                m.bytes,
                m.rows,
                m.file,
                m.file as f64 * 24.0 / 1e6
            );
        }
    }
}
