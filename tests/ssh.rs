//! opsdeck through the system ssh, against the run's own sshd (tests/run.sh:
//! loopback, the key in an ssh-agent, the host key in the known hosts):
//! Docker over `ssh://` in front of the test dockerd (listed, events
//! followed, a restart, a dropped link shown DOWN with ssh's reason and
//! recovered, an unknown host key refused) and PostgreSQL behind a bastion
//! (`ssh_tunnel`).

mod common;

use common::fault_proxy::{Fault, FaultProxy, Upstream};
use common::tmux::Tmux;
use opsdeck::config::{ConfigUrl, DockerConfig};
use std::time::{Duration, Instant};

fn unique(prefix: &str) -> String {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{prefix}-{}-{n}", std::process::id())
}

fn config(url: &str) -> DockerConfig {
    DockerConfig {
        name: "far".into(),
        url: ConfigUrl::new(url),
        tls_ca: None,
        tls_cert: None,
        tls_key: None,
        interval: Duration::from_secs(1),
        timeout: Duration::from_secs(3),
        read_only: false,
        env: None,
    }
}

async fn started_at(name: &str) -> String {
    let d = common::docker::client().await;
    let i = d.inspect_container(name, None).await.expect("inspect");
    i.state.and_then(|s| s.started_at).unwrap_or_default()
}

fn sleeper() -> bollard::container::Config<String> {
    bollard::container::Config {
        image: Some(common::test_image()),
        cmd: Some(vec!["sleep".into(), "300".into()]),
        host_config: Some(bollard::models::HostConfig {
            network_mode: Some("none".into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[tokio::test]
async fn lists_follows_events_and_restarts_over_ssh() {
    let local = common::docker::client().await;
    let name = unique("od-ssh");
    common::docker::run(&local, &name, sleeper()).await;
    let cfg = config(&common::ssh_url());

    // Listed, as the TUI and the snapshot list it.
    let far = opsdeck::backends::docker::connect::connect(&cfg, 5)
        .await
        .unwrap_or_else(|e| panic!("connect over ssh: {e}"));
    let listed = far
        .list_containers::<String>(Some(bollard::container::ListContainersOptions {
            all: true,
            ..Default::default()
        }))
        .await
        .expect("list over ssh");
    assert!(
        listed
            .iter()
            .any(|c| c.names.iter().flatten().any(|n| n.trim_start_matches('/') == name)),
        "{name} listed over ssh"
    );

    // Events: a stop wakes the follower.
    let wake = std::sync::Arc::new(tokio::sync::Notify::new());
    let follower = tokio::spawn(opsdeck::backends::docker::follow_events(
        cfg.clone(),
        wake.clone(),
        Default::default(),
    ));
    // The follower wakes once when it (re)connects: then the stream is open.
    tokio::time::timeout(Duration::from_secs(10), wake.notified())
        .await
        .expect("the follower connected over ssh");
    let before = started_at(&name).await;
    opsdeck::backends::docker::container_action(&cfg, &name, opsdeck::model::docker::ContainerOp::Restart)
        .await
        .unwrap_or_else(|e| panic!("restart over ssh: {e}"));
    tokio::time::timeout(Duration::from_secs(5), wake.notified())
        .await
        .expect("the restart's events reached the follower over ssh");
    follower.abort();
    assert_ne!(started_at(&name).await, before, "restarted");
    common::docker::remove(&local, &name).await;
}

/// Where tests/run.sh put the sshd's host key: the system-wide known hosts
/// of the run's own copy-on-write /etc (ssh finds ~/.ssh by the passwd
/// entry, not $HOME).
const KNOWN_HOSTS: &str = "/etc/ssh/ssh_known_hosts";

/// `[127.0.0.1]:PORT KEY` for `port`: the run's sshd's host key, as
/// known_hosts holds it for the sshd's own port.
fn known_host_line(port: u16) -> String {
    let known = std::fs::read_to_string(KNOWN_HOSTS).expect("known hosts");
    let key = known
        .lines()
        .next()
        .and_then(|l| l.split_once(' ').map(|(_, k)| k.to_string()))
        .expect("a host key line");
    format!("[127.0.0.1]:{port} {key}\n")
}

fn ssh_port() -> u16 {
    std::env::var("OPSDECK_TEST_SSH_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .expect("OPSDECK_TEST_SSH_PORT (tests/run.sh)")
}

#[tokio::test]
async fn an_unknown_host_key_is_refused_in_ssh_words() {
    // The same sshd on another port: a host known_hosts does not know.
    let proxy = FaultProxy::start(Upstream::Tcp(([127, 0, 0, 1], ssh_port()).into())).await;
    let cfg = config(&format!("ssh://root@127.0.0.1:{}", proxy.addr.port()));
    let started = Instant::now();
    let err = match opsdeck::backends::docker::connect::connect(&cfg, 5).await {
        Ok(_) => panic!("connected to a host whose key is not known"),
        Err(e) => e,
    };
    assert!(err.contains("Host key verification failed"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "BatchMode: nothing waited for an answer"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_ssh_link_is_shown_down_with_the_reason_and_recovers() {
    let local = common::docker::client().await;
    let name = unique("od-sshdown");
    common::docker::run(&local, &name, sleeper()).await;
    let proxy = FaultProxy::start(Upstream::Tcp(([127, 0, 0, 1], ssh_port()).into())).await;
    let port = proxy.addr.port();
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(KNOWN_HOSTS)
            .expect("known hosts");
        f.write_all(known_host_line(port).as_bytes()).expect("append");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            "[[docker]]\nname = \"far\"\nurl = \"ssh://root@127.0.0.1:{port}\"\ninterval = \"1s\"\ntimeout = \"2s\"\n"
        ),
    )
    .expect("config");
    let state = dir.path().join("s.db");
    let args = [
        "--config",
        cfg.to_str().expect("path"),
        "--state",
        state.to_str().expect("path"),
    ];
    let t = Tmux::start(&args, &[], 160, 40);
    t.wait_text("1 Services");
    t.keys(&["1"]);
    t.wait_text(&name);
    proxy.set(Fault::Killed);
    let screen = t.wait_for("far DOWN with ssh's reason", |s| {
        s.contains("far DOWN at") && s.contains("Connection refused")
    });
    assert!(screen.contains("ssh: connect to host 127.0.0.1"), "{screen}");
    proxy.set(Fault::Pass);
    t.wait_for("far back", |s| !s.contains("far DOWN at") && s.contains(&name));
    t.keys(&["q"]);
    t.wait_dead();
    common::docker::remove(&local, &name).await;
}

/// The test PostgreSQL behind `bastion` (`[user@]host:port`).
fn pg_behind(bastion: &str) -> opsdeck::config::PostgresConfig {
    std::env::set_var("OPSDECK_TEST_PG_PW_REF", common::pg_password());
    let text = format!(
        "[[postgres]]\nname = \"behind\"\nurl = \"{}\"\npassword_env = \"OPSDECK_TEST_PG_PW_REF\"\ntimeout = \"3s\"\nssh_tunnel = \"{bastion}\"\n",
        common::pg_url()
    );
    let mut c = opsdeck::config::Config::parse(&text, std::path::Path::new("t.toml")).unwrap_or_else(|e| panic!("{e}"));
    c.postgres.remove(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_behind_a_bastion_is_reached_through_ssh_and_says_why_not() {
    let proxy = FaultProxy::start(Upstream::Tcp(([127, 0, 0, 1], ssh_port()).into())).await;
    let port = proxy.addr.port();
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(KNOWN_HOSTS)
            .expect("known hosts");
        f.write_all(known_host_line(port).as_bytes()).expect("append");
    }
    let cfg = pg_behind(&format!("root@127.0.0.1:{port}"));
    let one = |cfg: opsdeck::config::PostgresConfig| async move {
        let mut conn = opsdeck::backends::postgres::connect(&cfg).await?;
        sqlx::query_scalar::<_, i32>("SELECT 1")
            .fetch_one(&mut conn)
            .await
            .map_err(|e| e.to_string())
    };
    assert_eq!(one(cfg.clone()).await, Ok(1), "through the bastion");
    // The bastion gone: the reason is ssh's, not "unexpected end of file".
    proxy.set(Fault::Killed);
    let err = one(cfg.clone()).await.expect_err("no bastion, no server");
    assert!(
        err.contains("ssh: connect to host 127.0.0.1") && err.contains("Connection refused"),
        "{err}"
    );
    proxy.set(Fault::Pass);
    assert_eq!(one(cfg.clone()).await, Ok(1), "the bastion back");
    // The poller as the Database pane uses it.
    let mut poller = opsdeck::backends::postgres::PgPoller::new(&cfg);
    let summary = poller
        .poll()
        .await
        .unwrap_or_else(|e| panic!("poll through the bastion: {e}"));
    assert!(summary.max_connections > 0);
}
