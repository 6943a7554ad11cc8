//! Freshness: how long from a change on a real system to the change on
//! opsdeck's screen, read from a tmux pane every 10 ms. Twenty tries each:
//! a container killed (`docker kill`) until its row says "exited", and an
//! alert posted to Alertmanager until it is listed. Run through the test
//! environment: `tests/run.sh cargo bench --bench freshness`
//! (`FRESH_AM_INTERVAL=5s` polls Alertmanager at another interval than the
//! default).

#[path = "../tests/common/mod.rs"]
mod common;

use common::tmux::Tmux;
use std::time::{Duration, Instant};

const TRIES: usize = 20;

/// Poll the pane every 10 ms until `pred` holds; the time since `since`.
fn seen(t: &Tmux, since: Instant, what: &str, pred: impl Fn(&str) -> bool) -> Duration {
    loop {
        if pred(&t.capture()) {
            return since.elapsed();
        }
        assert!(
            since.elapsed() < Duration::from_secs(60),
            "never saw {what}:\n{}",
            t.capture()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn summary(what: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what}: median {:.0} ms, max {:.0} ms, min {:.0} ms over {} tries",
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1]),
        ms(times[0]),
        times.len()
    );
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let interval = std::env::var("FRESH_AM_INTERVAL").ok();
    let interval_line = interval
        .as_ref()
        .map(|i| format!("interval = \"{i}\"\n"))
        .unwrap_or_default();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[docker]]\nname = \"test\"\nurl = \"{}\"\n\n[[alertmanager]]\nname = \"am\"\nurl = \"{}\"\n{interval_line}",
            common::docker_host(),
            common::alertmanager_url()
        ),
    )
    .expect("config");
    let state = dir.path().join("state.db");
    let (config, state) = (config.display().to_string(), state.display().to_string());
    let t = Tmux::start(&["--config", &config, "--state", &state], &[], 200, 50);
    t.wait_text("1 Services");
    let tag = std::process::id();

    t.keys(&["1"]);
    let mut deaths = Vec::new();
    for i in 0..TRIES {
        let name = format!("fresh-{tag}-{i}");
        common::docker_cli(&[
            "run",
            "-d",
            "--network",
            "none",
            "--name",
            &name,
            &common::test_image(),
            "sleep",
            "3600",
        ]);
        seen(&t, Instant::now(), "the container running", |s| {
            s.lines().any(|l| l.contains(&name) && l.contains("running"))
        });
        let killed = Instant::now();
        common::docker_cli(&["kill", &name]);
        deaths.push(seen(&t, killed, "the container exited", |s| {
            s.lines().any(|l| l.contains(&name) && l.contains("exited"))
        }));
        common::docker_cli(&["rm", "-f", &name]);
    }

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    t.keys(&["3"]);
    let mut alerts = Vec::new();
    // Alerts come at any moment, not just after a poll (as they would if
    // each were posted as soon as the last showed): a pause of 0 to 1.5 s
    // first, spread evenly over the tries, so the polls' phase is sampled.
    for i in 0..TRIES {
        std::thread::sleep(Duration::from_millis((i as u64 * 7919) % 1500));
        let name = format!("FreshProbe{tag}x{i}");
        let posted = Instant::now();
        rt.block_on(common::alertmanager::post_alert(
            &common::alertmanager_url(),
            &[("alertname", &name), ("severity", "warning"), ("instance", "fresh")],
            &[("summary", "freshness probe")],
        ));
        alerts.push(seen(&t, posted, "the alert listed", |s| s.contains(&name)));
    }
    t.keys(&["q"]);

    summary("container killed -> row shows exited", deaths);
    summary(
        &format!(
            "alert posted -> listed (Alertmanager polled every {})",
            interval.as_deref().unwrap_or("1s, the default")
        ),
        alerts,
    );
}
