//! How long a line of a busy log takes to be on screen: a container writing
//! 1,000 lines a second, its lines batched as the follower batches them,
//! each batch taken by `update` and the log view drawn on a TestBackend.
//! The measured time of one iteration is the worst wait of any line in a
//! quarter second of that log; the budget is 250 ms (a line is sent at most
//! 100 ms after it was read). `cargo bench --bench log_latency`

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

use criterion::{criterion_group, criterion_main, Criterion};
use opsdeck::app::{update, LogView, Msg, PaneId, View};
use opsdeck::backends::docker::log_batch::forward;
use opsdeck::backends::docker::logs::{LogEvent, LogLine};
use opsdeck::config::theme::{ColorSupport, Theme};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::time::{Duration, Instant};

const LINES_PER_SEC: u64 = 1000;
const LINES: u64 = 250;
const BUDGET: Duration = Duration::from_millis(250);

/// One quarter second of a 1,000 lines/s log: the worst wait from a line
/// being written to the frame that shows it.
fn worst_wait(rt: &tokio::runtime::Runtime, theme: &Theme) -> Duration {
    rt.block_on(async {
        let mut terminal = Terminal::new(TestBackend::new(160, 50)).expect("terminal");
        let mut state = fixtures::state();
        state.shell.view = View::Zoom(PaneId::Services);
        state.panes.logs.open = Some(LogView::new(1, "local".into(), "api".into()));
        let (line_tx, mut line_rx) = futures::channel::mpsc::unbounded();
        let (tx, mut rx) = tokio::sync::mpsc::channel(64);
        let start = Instant::now();
        let writer = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / LINES_PER_SEC));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            for _ in 0..LINES {
                tick.tick().await;
                let line = LogLine {
                    text: format!("{} GET /orders 200 in 3 ms", start.elapsed().as_micros()),
                    ..Default::default()
                };
                if line_tx.unbounded_send(Ok(vec![line])).is_err() {
                    return;
                }
            }
        });
        let follower = tokio::spawn(async move { forward(&mut line_rx, &tx, true).await });
        let mut worst = Duration::ZERO;
        while let Some(event) = rx.recv().await {
            let written: Vec<u64> = match &event {
                LogEvent::Lines(lines) => lines
                    .iter()
                    .filter_map(|l| l.text.split(' ').next()?.parse().ok())
                    .collect(),
                LogEvent::Ended(_) => Vec::new(),
            };
            update(&mut state, Msg::Log { follower: 1, event });
            terminal.draw(|f| opsdeck::ui::draw(f, &state, theme)).expect("draw");
            let shown = start.elapsed();
            for w in written {
                worst = worst.max(shown.saturating_sub(Duration::from_micros(w)));
            }
        }
        let _ = writer.await;
        let _ = follower.await;
        worst
    })
}

fn bench(c: &mut Criterion) {
    let theme = Theme::builtin("default", ColorSupport::Ansi256).expect("theme");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut overall = Duration::ZERO;
    let mut group = c.benchmark_group("log latency");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("worst line wait at 1,000 lines/s", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let w = worst_wait(&rt, &theme);
                overall = overall.max(w);
                total += w;
            }
            total
        })
    });
    group.finish();
    println!(
        "worst wait of any line: {} ms (budget {} ms): {}",
        overall.as_millis(),
        BUDGET.as_millis(),
        if overall <= BUDGET { "within" } else { "OVER BUDGET" }
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
