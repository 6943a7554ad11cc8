//! Addresses of the real services started by tests/run.sh. A missing variable
//! fails the test: these tests never skip.
#![allow(dead_code)]

pub mod alertmanager;
pub mod cli;
pub mod docker;
pub mod fault_proxy;
pub mod history;
pub mod pg;
pub mod pg_cluster;
pub mod redis;
pub mod rewrite;
pub mod rng;
pub mod tmux;

fn var(name: &str) -> String {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => v,
        _ => panic!(
            "{name} is not set: run the tests through tests/run.sh, which starts dockerd, PostgreSQL, Alertmanager and sshd"
        ),
    }
}

pub fn docker_host() -> String {
    var("OPSDECK_TEST_DOCKER_HOST")
}

pub fn pg_url() -> String {
    var("OPSDECK_TEST_PG_URL")
}

pub fn pg_password() -> String {
    var("OPSDECK_TEST_PG_PASSWORD")
}

/// `ssh://root@127.0.0.1:PORT`: the run's sshd, whose sessions reach the test dockerd.
pub fn ssh_url() -> String {
    var("OPSDECK_TEST_SSH_URL")
}

pub fn alertmanager_url() -> String {
    var("OPSDECK_TEST_ALERTMANAGER_URL")
}

/// `redis://127.0.0.1:PORT`: the run's redis-server (its password apart).
pub fn redis_url() -> String {
    var("OPSDECK_TEST_REDIS_URL")
}

pub fn redis_password() -> String {
    var("OPSDECK_TEST_REDIS_PASSWORD")
}

/// The run's Prometheus: it scrapes itself (job "prometheus") and a job
/// "down" that nothing answers, with one rule that fails at every evaluation.
pub fn prometheus_url() -> String {
    var("OPSDECK_TEST_PROMETHEUS_URL")
}

/// The docker CLI against the test dockerd; a failure fails the test with
/// what docker said.
pub fn docker_cli(args: &[&str]) {
    let out = std::process::Command::new("docker")
        .arg("-H")
        .arg(docker_host())
        .args(args)
        .output()
        .expect("the docker CLI (tests/run.sh installs it)");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn test_image() -> String {
    var("OPSDECK_TEST_IMAGE")
}

/// The test image as a tar for `docker import` (busybox-static), for tests
/// that start a dockerd of their own. Its directory is run.sh's private work
/// directory, which run.sh cleans up whatever a test leaves behind.
pub fn test_image_tar() -> std::path::PathBuf {
    std::path::PathBuf::from(var("OPSDECK_TEST_IMAGE_TAR"))
}

/// The cgroup run.sh has the containers of every dockerd of the run go
/// under (`--cgroup-parent`); run.sh removes it at teardown.
pub fn cgroup_parent() -> String {
    var("OPSDECK_TEST_CGROUP_PARENT")
}

/// run.sh's own network namespace (`net:[inode]`), for tests that must run
/// only inside it.
pub fn test_netns() -> String {
    var("OPSDECK_TEST_NETNS")
}

/// A fresh state store in a temporary directory (kept alive by the first
/// value) and the operator actions are recorded under.
pub async fn audit_store() -> (
    tempfile::TempDir,
    opsdeck::store::Store,
    opsdeck::model::identity::Identity,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = opsdeck::store::Store::open(&dir.path().join("state.db"))
        .await
        .expect("store");
    let who = opsdeck::model::identity::Identity {
        operator: "alice".into(),
        host: "jump".into(),
        ssh_client: None,
    };
    (dir, store, who)
}
