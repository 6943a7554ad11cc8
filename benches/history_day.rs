//! A day recorded, and what it costs to look back through it and to prune
//! it. One simulated day of the idle-cost scenario (200 containers, 30
//! alerts, 40 PostgreSQL sessions, every backend at its default interval)
//! goes through the real recorder into a real SQLite store (Alertmanager
//! every 10 s rather than every second, which makes the same rows); then:
//!
//! - the day's size (the store file, frames and episodes) against the
//!   20 MB a day budget;
//! - a history step in the console, as `[` does it: the store asked for the
//!   previous change and every backend's state there, the state replayed,
//!   the screen drawn (200x50) — measured by criterion, against 30 ms;
//! - a jump to a time of the day (`t`), the same way;
//! - pruning half the day in the recorder's batches: the longest single
//!   statement (a write transaction: how long the store is locked), against
//!   50 ms.
//!
//! `cargo bench --bench history_day` (a few minutes to record the day).

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

#[path = "common/history_gen.rs"]
mod history_gen;

use chrono::{DateTime, Duration as Span, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use history_gen::{alert_sets, base_alerts, recorder_on, second, Size};
use opsdeck::app::{update, HistoryAsk, Msg, RecordedMoment, State};
use opsdeck::config::theme::{ColorSupport, Theme};
use opsdeck::runtime::recorder::PRUNE_BATCH;
use opsdeck::store::Store;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::time::{Duration, Instant};

const DAY_SECS: i64 = 86_400;

const SCENARIO: Size = Size {
    name: "idle-cost scenario",
    containers: 200,
    alerts: 30,
    sessions: 40,
};

/// Record a day ending now into a new store; its start.
async fn record_day(store: &Store) -> DateTime<Utc> {
    let (tx, task) = recorder_on(store, opsdeck::config::HistoryConfig::default().keyframe).await;
    let alerts = alert_sets(base_alerts(&SCENARIO));
    let start = Utc::now() - Span::seconds(DAY_SECS);
    let began = Instant::now();
    for secs in 0..DAY_SECS {
        // Alertmanager every 10 s, not every second: its answers change
        // every 5 minutes, so the rows are the same and the day records in
        // a tenth of the time (the polls between only extend a row).
        let reports = second(&SCENARIO, &alerts, start + Span::seconds(secs), secs)
            .into_iter()
            .filter(|r| secs % 10 == 0 || r.id.kind != opsdeck::backends::BackendKind::Alertmanager);
        for r in reports {
            tx.send(r).await.expect("recorder running");
        }
    }
    drop(tx);
    task.await.expect("recorder");
    println!(
        "{}: a day recorded in {:.0} s ({:.1} µs of recording per simulated second)",
        SCENARIO.name,
        began.elapsed().as_secs_f64(),
        began.elapsed().as_secs_f64() * 1e6 / DAY_SECS as f64
    );
    start
}

/// The console's state at the newest change before `t`, as history mode
/// loads it (`effects::reads::history`) and shows it.
async fn step(store: &Store, state: &mut State, ask: HistoryAsk) -> Option<DateTime<Utc>> {
    let at = match ask {
        HistoryAsk::Before(t) => store.history_change_near(t, false).await.expect("near")?,
        HistoryAsk::After(t) => store.history_change_near(t, true).await.expect("near")?,
        HistoryAsk::At(t) => t,
    };
    let recorded = store.history_at(at).await.expect("history_at");
    let (reports, _) = opsdeck::store::history::reports(recorded);
    update(
        state,
        Msg::HistoryLoaded {
            ask,
            result: Ok(Some(RecordedMoment { at, reports })),
        },
    );
    Some(at)
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.db");
    let store = rt.block_on(Store::open(&path)).expect("store");
    let on_disk = || {
        std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
            + std::fs::metadata(dir.path().join("state.db-wal"))
                .map(|m| m.len())
                .unwrap_or(0)
    };
    let empty = on_disk();
    let start = rt.block_on(record_day(&store));
    let end = start + Span::seconds(DAY_SECS);
    let (frames, rows, episodes) = rt.block_on(async {
        // What the day holds, not what the write-ahead log still carries.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(store.pool())
            .await
            .expect("checkpoint");
        let frames = store.history_bytes().await.expect("bytes");
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM history_frames")
            .fetch_one(store.pool())
            .await
            .expect("rows");
        let episodes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM history_alerts")
            .fetch_one(store.pool())
            .await
            .expect("episodes");
        (frames, rows, episodes)
    });
    let file = on_disk().saturating_sub(empty);
    let samples: i64 = rt
        .block_on(sqlx::query_scalar("SELECT COUNT(*) FROM history_samples").fetch_one(store.pool()))
        .expect("samples");
    println!(
        "{}: a day is {:.1} MB on disk (frames {:.1} MB in {rows} rows, {samples} trend samples, {episodes} alert episodes); budget 20 MB",
        SCENARIO.name,
        file as f64 / 1e6,
        frames as f64 / 1e6
    );

    let theme = Theme::builtin("default", ColorSupport::Ansi256).expect("theme");
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    let mut state = fixtures::state();
    update(&mut state, Msg::Tick(end));
    update(
        &mut state,
        Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('H'))),
    );
    let mut at = end;
    c.bench_function("history step back ([) + render 200x50, a day recorded", |b| {
        b.iter(|| {
            at = rt
                .block_on(step(&store, &mut state, HistoryAsk::Before(at)))
                .filter(|t| *t > start)
                .unwrap_or(end);
            terminal.draw(|f| opsdeck::ui::draw(f, &state, &theme)).expect("draw");
        })
    });
    let mut jump = 0i64;
    c.bench_function("history jump to a time (t) + render 200x50, a day recorded", |b| {
        b.iter(|| {
            // Spread over the day: early, late, and between keyframes.
            jump = (jump + 7_919) % DAY_SECS;
            rt.block_on(step(&store, &mut state, HistoryAsk::At(start + Span::seconds(jump))));
            terminal.draw(|f| opsdeck::ui::draw(f, &state, &theme)).expect("draw");
        })
    });

    // Pruning the older half in the recorder's batches: each statement is
    // a write transaction, so its time is how long writers wait.
    let (longest, statements, gone) = rt.block_on(async {
        let before = start + Span::seconds(DAY_SECS / 2);
        let (mut longest, mut statements, mut gone) = (Duration::ZERO, 0, 0);
        loop {
            let t = Instant::now();
            let n = store.history_prune(before, u64::MAX, PRUNE_BATCH).await.expect("prune");
            longest = longest.max(t.elapsed());
            statements += 1;
            gone += n;
            if n < PRUNE_BATCH as u64 {
                break;
            }
        }
        (longest, statements, gone)
    });
    println!(
        "pruning half the day: {gone} frames in {statements} batches of {PRUNE_BATCH}, the longest {:.1} ms (budget 50 ms)",
        longest.as_secs_f64() * 1e3
    );
    rt.block_on(store.close());
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(10));
    targets = bench
}
criterion_main!(benches);
