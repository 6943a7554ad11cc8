//! One polling round of a PostgreSQL target (health, sessions, blocking
//! locks, replication, statistics, size, xid age) on its kept connection,
//! against the server tests/run.sh starts:
//! `tests/run.sh cargo bench --bench pg_poll`.

use criterion::{criterion_group, criterion_main, Criterion};
use opsdeck::backends::{self, BackendData};
use opsdeck::config::Config;
use std::path::Path;

fn var(name: &str) -> String {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => v,
        _ => panic!("{name} is not set: run this bench through tests/run.sh, which starts PostgreSQL"),
    }
}

fn bench(c: &mut Criterion) {
    let url = var("OPSDECK_TEST_PG_URL");
    std::env::set_var("OPSDECK_BENCH_PG_PW", var("OPSDECK_TEST_PG_PASSWORD"));
    let text = format!(
        "[[postgres]]\nname = \"bench\"\nurl = \"{url}\"\npassword_env = \"OPSDECK_BENCH_PG_PW\"\ntimeout = \"3s\"\n"
    );
    let mut config = Config::parse(&text, Path::new("bench.toml")).unwrap_or_else(|e| panic!("{e}"));
    config.host.enabled = false;
    let mut target = backends::targets(&config).remove(0);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut poll = || {
        let report = rt.block_on(target.poll_once());
        match report.result {
            Ok(BackendData::Postgres(p)) => p,
            other => panic!("pg poll failed: {other:?}"),
        }
    };
    // Connect once outside the measurement, as the poller keeps its connection.
    poll();
    c.bench_function("pg poll round (kept connection)", |b| b.iter(&mut poll));
}

criterion_group!(benches, bench);
criterion_main!(benches);
