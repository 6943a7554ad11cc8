//! The fault suite: the real binary in tmux, with every kind of backend
//! (dockerd, PostgreSQL, Alertmanager, an HTTP endpoint, Redis and
//! Prometheus) reached through a
//! fault proxy in front of the real service. Each backend in turn is killed,
//! hung and made to answer garbage, then brought back. For each fault:
//! - its backend is shown down, with what went wrong, within its interval
//!   plus its timeout plus a second, and its pane opens at a key;
//! - the other panes keep updating (a change made meanwhile on another
//!   backend reaches the screen) and keys keep answering;
//! - it recovers on screen with nobody pressing a key.
//!
//! The times measured are printed (`--nocapture`) for the README.

mod common;

use common::fault_proxy::{Fault, FaultProxy, Upstream};
use common::tmux::Tmux;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const INTERVAL: Duration = Duration::from_secs(1);
const TIMEOUT: Duration = Duration::from_secs(1);
/// The bound: a fault is on screen within its timeout plus a second,
/// after the poll that meets it (at most one interval away).
const SHOWN_WITHIN: Duration = Duration::from_secs(3);
/// Failures back off up to four intervals; then a poll, then a frame.
const RECOVERED_WITHIN: Duration = Duration::from_secs(7);
/// A key answered on screen within this (tmux capture included).
const KEY_WITHIN: Duration = Duration::from_millis(1000);

struct Backend {
    /// As in the header: "docker:dock".
    label: &'static str,
    /// The name in "NAME DOWN at ...".
    name: &'static str,
    /// The key of the pane that shows it.
    pane: &'static str,
    proxy: FaultProxy,
}

fn socket_addr(url: &str) -> SocketAddr {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host_port = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let host_port = host_port.split('/').next().unwrap_or(host_port);
    host_port
        .parse()
        .unwrap_or_else(|e| panic!("{url}: not host:port ({e})"))
}

fn docker_socket() -> std::path::PathBuf {
    let host = common::docker_host();
    let path = host
        .strip_prefix("unix://")
        .unwrap_or_else(|| panic!("the test dockerd listens on a unix socket, not {host}"));
    path.into()
}

fn down_line<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!(" {name} DOWN at ");
    screen.lines().find_map(|l| l.find(&needle).map(|i| &l[i + 1..]))
}

/// What the down line must say for each fault.
fn says(fault: Fault, error: &str) -> bool {
    let e = error.to_lowercase();
    match fault {
        Fault::Killed => e.contains("refused"),
        Fault::Hung => e.contains("no answer within 1s"),
        Fault::Garbage => e.contains("the answer is not"),
        Fault::Pass => true,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_backend_killed_hung_and_garbled_is_shown_and_recovers() {
    let am_url = common::alertmanager_url();
    let backends = [
        Backend {
            label: "docker:dock",
            name: "dock",
            pane: "1",
            proxy: FaultProxy::start(Upstream::Unix(docker_socket())).await,
        },
        Backend {
            label: "pg:pgmain",
            name: "pgmain",
            pane: "2",
            proxy: FaultProxy::start(Upstream::Tcp(socket_addr(&common::pg_url()))).await,
        },
        Backend {
            label: "am:amprod",
            name: "amprod",
            pane: "3",
            proxy: FaultProxy::start(Upstream::Tcp(socket_addr(&am_url))).await,
        },
        Backend {
            label: "http:health",
            name: "health",
            pane: "1",
            proxy: FaultProxy::start(Upstream::Tcp(socket_addr(&am_url))).await,
        },
        Backend {
            label: "redis:cache",
            name: "cache",
            pane: "2",
            proxy: FaultProxy::start(Upstream::Tcp(socket_addr(&common::redis_url()))).await,
        },
        Backend {
            label: "prom:pmain",
            name: "pmain",
            pane: "1",
            proxy: FaultProxy::start(Upstream::Tcp(socket_addr(&common::prometheus_url()))).await,
        },
    ];
    let [dock, pg, am, http, redis, prom] = [0, 1, 2, 3, 4, 5].map(|i| backends[i].proxy.addr);
    let pg_db = common::pg_url()
        .rsplit_once('/')
        .map(|(_, db)| db.to_string())
        .expect("database in the url");
    let (every, wait) = (
        humantime::format_duration(INTERVAL),
        humantime::format_duration(TIMEOUT),
    );
    let config = format!(
        "[[docker]]\nname = \"dock\"\nurl = \"tcp://{dock}\"\ninterval = \"{every}\"\ntimeout = \"{wait}\"\n\n\
         [[postgres]]\nname = \"pgmain\"\nurl = \"postgres://opsdeck@{pg}/{pg_db}\"\npassword_env = \"FAULTS_PG_PASSWORD\"\n\
         interval = \"{every}\"\ntimeout = \"{wait}\"\n\n\
         [[alertmanager]]\nname = \"amprod\"\nurl = \"http://{am}\"\ninterval = \"{every}\"\ntimeout = \"{wait}\"\n\n\
         [[http]]\nname = \"health\"\nurl = \"http://{http}/-/healthy\"\ninterval = \"{every}\"\ntimeout = \"{wait}\"\n\n\
         [[redis]]\nname = \"cache\"\nurl = \"redis://{redis}\"\npassword_env = \"FAULTS_REDIS_PASSWORD\"\n\
         interval = \"{every}\"\ntimeout = \"{wait}\"\n\n\
         [[prometheus]]\nname = \"pmain\"\nurl = \"http://{prom}\"\ninterval = \"{every}\"\ntimeout = \"{wait}\"\n"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, config).expect("config");
    let state = dir.path().join("state.db");
    let args = [
        "--config".to_string(),
        cfg.display().to_string(),
        "--state".to_string(),
        state.display().to_string(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let password = common::pg_password();
    let redis_password = common::redis_password();
    let t = Tmux::start_in(
        dir,
        &args,
        &[
            ("FAULTS_PG_PASSWORD", &password),
            ("FAULTS_REDIS_PASSWORD", &redis_password),
        ],
        160,
        50,
    );

    let all_ok = |s: &str| backends.iter().all(|b| s.contains(&format!("● {}", b.label)));
    t.wait_for("every backend up", all_ok);

    let tag = std::process::id();
    let mut report = Vec::new();
    for (n, b) in backends.iter().enumerate() {
        for fault in [Fault::Killed, Fault::Hung, Fault::Garbage] {
            let step = format!("{}{n}{}", tag, format!("{fault:?}").to_lowercase());
            let injected = Instant::now();
            b.proxy.set(fault);
            let what = format!("{} {fault:?} shown down", b.label);
            let (_, shown) = t.wait_until(&what, injected, SHOWN_WITHIN, |s| {
                s.contains(&format!("✖ {}", b.label)) && down_line(s, b.name).is_some()
            });
            // Keys answer: the backend's pane, zoomed, has room for the
            // whole line, which says what went wrong.
            let pressed = t.keys(&[b.pane]);
            let (screen, key) = t.wait_until(&format!("{what}, in its pane"), pressed, KEY_WITHIN, |s| {
                let zoomed = s.contains(&format!("┏ {} ", b.pane)) && !s.contains("4 Access review");
                zoomed && down_line(s, b.name).is_some_and(|l| says(fault, l))
            });
            let line = down_line(&screen, b.name)
                .unwrap_or_default()
                .trim_end_matches([' ', '│', '┃'])
                .to_string();
            t.keys(&["0"]);
            t.wait_until("the dashboard again", pressed, KEY_WITHIN * 2, |s| {
                s.contains("┌ 4 Access")
            });

            // Meanwhile another backend's change reaches the screen: a new
            // alert, or (while Alertmanager itself is down) a container
            // that exits at once (the tile lists containers in trouble).
            let changed = Instant::now();
            let probe = if b.name == "amprod" {
                let name = format!("probe-{step}");
                common::docker_cli(&[
                    "run",
                    "-d",
                    "--network",
                    "none",
                    "--name",
                    &name,
                    &common::test_image(),
                    "false",
                ]);
                name
            } else {
                let name = format!("Probe{step}");
                common::alertmanager::post_alert(
                    &am_url,
                    &[("alertname", &name), ("severity", "critical")],
                    &[("summary", "fault suite probe")],
                )
                .await;
                name
            };
            let (_, other) = t.wait_until(
                &format!("{probe} on screen while {} is {fault:?}", b.label),
                changed,
                SHOWN_WITHIN,
                |s| s.contains(&probe),
            );
            if b.name == "amprod" {
                common::docker_cli(&["rm", "-f", &probe]);
            }

            // Back, with nobody pressing a key.
            let restored = Instant::now();
            b.proxy.set(Fault::Pass);
            let (_, back) = t.wait_until(
                &format!("{} back after {fault:?}", b.label),
                restored,
                RECOVERED_WITHIN,
                |s| s.contains(&format!("● {}", b.label)) && down_line(s, b.name).is_none(),
            );
            assert!(all_ok(&t.capture()), "every backend up after {} {fault:?}", b.label);
            report.push(format!(
                "{:<12} {:<8} shown {:>5} ms ({line}); other pane {:>4} ms; key {:>3} ms; back {:>5} ms",
                b.label,
                format!("{fault:?}"),
                shown.as_millis(),
                other.as_millis(),
                key.as_millis(),
                back.as_millis()
            ));
        }
    }
    t.keys(&["q"]);
    eprintln!("fault suite (interval {every}, timeout {wait}):\n{}", report.join("\n"));
}
