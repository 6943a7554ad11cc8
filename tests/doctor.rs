//! `opsdeck config init` and `opsdeck doctor` against the real services of
//! tests/run.sh (`tests/run.sh cargo test --test doctor`).

mod common;

use sqlx::{Connection, Executor};
use std::path::Path;
use std::process::{Command, Output};
use std::str::FromStr;
use std::time::{Duration, Instant};

/// The binary with an environment of the test's own: no config, no
/// DOCKER_HOST or PG* variables from outside, HOME in `home`.
fn opsdeck(home: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_opsdeck"));
    cmd.args(args).env("HOME", home);
    for var in [
        "OPSDECK_CONFIG",
        "DOCKER_HOST",
        "DOCKER_CONFIG",
        "PGHOST",
        "PGPORT",
        "PGUSER",
        "PGDATABASE",
        "PGPASSWORD",
        "PGPASSFILE",
        "PGSERVICEFILE",
        "ALERTMANAGER_URL",
        "XDG_CONFIG_HOME",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    cmd.output().expect("run opsdeck")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// PGHOST, PGPORT, PGUSER, PGDATABASE and PGPASSWORD of the test PostgreSQL.
fn pg_vars() -> Vec<(&'static str, String)> {
    let opts = sqlx::postgres::PgConnectOptions::from_str(&common::pg_url()).expect("OPSDECK_TEST_PG_URL parses");
    vec![
        ("PGHOST", opts.get_host().to_string()),
        ("PGPORT", opts.get_port().to_string()),
        ("PGUSER", opts.get_username().to_string()),
        ("PGDATABASE", opts.get_database().unwrap_or("postgres").to_string()),
        ("PGPASSWORD", common::pg_password()),
    ]
}

/// A config of the three test services, each named as given.
fn services_config(docker: &str, postgres: &str, alertmanager: &str) -> String {
    format!(
        "[host]\nenabled = false\n\n\
         [[docker]]\nname = {docker:?}\nurl = {:?}\n\n\
         [[postgres]]\nname = {postgres:?}\nurl = {:?}\npassword_env = \"OPSDECK_TEST_PG_PASSWORD\"\n\n\
         [[alertmanager]]\nname = {alertmanager:?}\nurl = {:?}\n",
        common::docker_host(),
        common::pg_url(),
        common::alertmanager_url()
    )
}

#[test]
fn config_init_finds_the_three_services_and_snapshot_shows_them_up() {
    let home = tempfile::tempdir().expect("tempdir");
    let file = home.path().join("opsdeck.toml");
    let file_arg = file.to_str().expect("utf-8 path");
    let vars = pg_vars();
    let mut env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let docker_host = common::docker_host();
    let am = common::alertmanager_url();
    env.push(("DOCKER_HOST", &docker_host));
    env.push(("ALERTMANAGER_URL", &am));
    let out = opsdeck(home.path(), &env, &["config", "init", "--out", file_arg]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    let written = std::fs::read_to_string(&file).expect("the config was written");
    assert!(
        !written.contains(&common::pg_password()),
        "a password was written:\n{written}"
    );
    let config = opsdeck::config::Config::parse(&written, &file).unwrap_or_else(|e| panic!("{e}\n{written}"));
    assert!(
        config.docker.iter().any(|d| d.url.as_written() == docker_host),
        "DOCKER_HOST not found:\n{written}"
    );
    let pg = &config.postgres[..];
    assert_eq!(pg.len(), 1, "{written}");
    assert_eq!(pg[0].password_env.as_deref(), Some("PGPASSWORD"), "{written}");
    let expected_url = format!("postgres://{}@{}:{}/{}", vars[2].1, vars[0].1, vars[1].1, vars[3].1);
    assert_eq!(pg[0].url.as_written(), expected_url, "{written}");
    assert_eq!(config.alertmanager.len(), 1, "{written}");
    assert_eq!(config.alertmanager[0].url.as_written(), am, "{written}");

    // The file runs: a snapshot with it shows every target up.
    let state = home.path().join("state.db");
    let out = opsdeck(
        home.path(),
        &[("PGPASSWORD", &common::pg_password())],
        &[
            "snapshot",
            "--config",
            file_arg,
            "--state",
            state.to_str().expect("utf-8"),
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(!stdout.contains("DOWN"), "a target is down:\n{stdout}");
    for name in config
        .docker
        .iter()
        .map(|d| &d.name)
        .chain(pg.iter().map(|p| &p.name))
        .chain(config.alertmanager.iter().map(|a| &a.name))
    {
        assert!(stdout.contains(name.as_str()), "{name} is not on the screen:\n{stdout}");
    }
    // And doctor agrees.
    let out = opsdeck(
        home.path(),
        &[("PGPASSWORD", &common::pg_password())],
        &[
            "doctor",
            "--config",
            file_arg,
            "--state",
            state.to_str().expect("utf-8"),
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
}

#[test]
fn config_init_refuses_to_overwrite_without_force() {
    let home = tempfile::tempdir().expect("tempdir");
    let file = home.path().join("config.toml");
    let file_arg = file.to_str().expect("utf-8 path");
    std::fs::write(&file, "# mine\n").expect("write");
    let out = opsdeck(home.path(), &[], &["config", "init", "--out", file_arg]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stderr.contains(file_arg) && stderr.contains("--force"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        "# mine\n",
        "the file was changed"
    );
    let out = opsdeck(home.path(), &[], &["config", "init", "--out", file_arg, "--force"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let written = std::fs::read_to_string(&file).expect("read");
    assert!(written.contains("opsdeck config init"), "{written}");
    opsdeck::config::Config::parse(&written, &file).unwrap_or_else(|e| panic!("{e}\n{written}"));
    // The default place is the user config file; it is refused the same way.
    let default = home.path().join(".config/opsdeck/config.toml");
    let out = opsdeck(home.path(), &[], &["config", "init"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(default.is_file(), "{:?}", text(&out));
    let out = opsdeck(home.path(), &[], &["config", "init"]);
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
    assert!(
        text(&out).1.contains(default.to_str().expect("utf-8")),
        "{:?}",
        text(&out)
    );
}

#[tokio::test]
async fn doctor_is_well_on_the_test_services() {
    let home = tempfile::tempdir().expect("tempdir");
    let file = home.path().join("opsdeck.toml");
    std::fs::write(&file, services_config("engine", "main", "am")).expect("write");
    let state = home.path().join("state.db");
    opsdeck::store::Store::open(&state).await.expect("store").close().await;
    let pw = common::pg_password();
    let out = opsdeck(
        home.path(),
        &[("OPSDECK_TEST_PG_PASSWORD", &pw)],
        &[
            "doctor",
            "--config",
            file.to_str().expect("utf-8"),
            "--state",
            state.to_str().expect("utf-8"),
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    for expected in [
        "ok    docker \"engine\": reachable at unix://",
        "ok    docker \"engine\": clock within",
        "ok    postgres \"main\": role \"opsdeck\" is a member of pg_monitor",
        "ok    postgres \"main\": clock within",
        "ok    alertmanager \"am\": API v2 answers at",
        "ok    alertmanager \"am\": clock within",
        "is writable",
        "audit chain intact (0 entries)",
        "info  terminal: stdout is not a terminal",
        "all is well",
    ] {
        assert!(stdout.contains(expected), "no {expected:?} in:\n{stdout}");
    }
    assert!(!stdout.contains(&pw));
}

#[test]
fn doctor_names_a_dead_and_a_hung_target_without_hanging() {
    let home = tempfile::tempdir().expect("tempdir");
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    // Accepts connections (the kernel does) and never answers.
    let hung = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let hung_port = hung.local_addr().expect("addr").port();
    let config = format!(
        "{}\n[[alertmanager]]\nname = \"gone\"\nurl = \"http://127.0.0.1:{closed}\"\n\n\
         [[alertmanager]]\nname = \"stuck\"\nurl = \"http://127.0.0.1:{hung_port}\"\ntimeout = \"1s\"\n",
        services_config("engine", "main", "am")
    );
    let file = home.path().join("opsdeck.toml");
    std::fs::write(&file, config).expect("write");
    let started = Instant::now();
    let out = opsdeck(
        home.path(),
        &[("OPSDECK_TEST_PG_PASSWORD", &common::pg_password())],
        &[
            "doctor",
            "--config",
            file.to_str().expect("utf-8"),
            "--state",
            home.path().join("s.db").to_str().expect("utf-8"),
        ],
    );
    let took = started.elapsed();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!(
            "FAIL  alertmanager \"gone\": not reachable at http://127.0.0.1:{closed}: connection refused — fix:"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAIL  alertmanager \"stuck\": not reachable at") && stdout.contains("no answer within 1s"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ok    alertmanager \"am\": API v2 answers"),
        "the others are still checked:\n{stdout}"
    );
    assert!(
        stdout.contains("not well: alertmanager \"gone\", alertmanager \"stuck\""),
        "{stdout}"
    );
    assert!(took < Duration::from_secs(10), "doctor took {took:?}");
    drop(hung);
}

/// A login role without pg_monitor, dropped when the test ends.
struct Role {
    name: String,
}

async fn admin() -> sqlx::PgConnection {
    let opts = sqlx::postgres::PgConnectOptions::from_str(&common::pg_url())
        .expect("OPSDECK_TEST_PG_URL parses")
        .password(&common::pg_password());
    sqlx::PgConnection::connect_with(&opts)
        .await
        .expect("connect to the test PostgreSQL")
}

/// Statement text built by the server from parameters (`%I`, `%L`): DDL
/// takes no bind parameters, and nothing of ours is pasted into SQL.
async fn ddl(conn: &mut sqlx::PgConnection, template: &str, args: &[&str]) {
    let mut q = sqlx::query_scalar::<_, String>(template);
    for a in args {
        q = q.bind(*a);
    }
    let sql = q.fetch_one(&mut *conn).await.expect("format the statement");
    conn.execute(sql.as_str()).await.expect("run the statement");
}

impl Drop for Role {
    fn drop(&mut self) {
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let mut conn = admin().await;
                ddl(&mut conn, "SELECT format('DROP ROLE IF EXISTS %I', $1::text)", &[&name]).await;
            });
            Some(())
        })
        .join();
    }
}

#[tokio::test]
async fn doctor_names_a_role_without_pg_monitor() {
    let name = format!("opsdeck doctor {}", std::process::id());
    let password = format!("pw-{}", std::process::id());
    let mut conn = admin().await;
    ddl(
        &mut conn,
        "SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', $1::text, $2::text)",
        &[&name, &password],
    )
    .await;
    let role = Role { name: name.clone() };
    let _ = conn.close().await;
    let home = tempfile::tempdir().expect("tempdir");
    let opts = sqlx::postgres::PgConnectOptions::from_str(&common::pg_url()).expect("parses");
    let url = format!(
        "postgres://{}@{}:{}/{}",
        name.replace(' ', "%20"),
        opts.get_host(),
        opts.get_port(),
        opts.get_database().unwrap_or("postgres")
    );
    let config = format!(
        "[host]\nenabled = false\n\n[[postgres]]\nname = \"unprivileged\"\nurl = {url:?}\npassword_env = \"OPSDECK_DOCTOR_ROLE_PW\"\n"
    );
    let file = home.path().join("opsdeck.toml");
    std::fs::write(&file, config).expect("write");
    let out = opsdeck(
        home.path(),
        &[("OPSDECK_DOCTOR_ROLE_PW", &password)],
        &[
            "doctor",
            "--config",
            file.to_str().expect("utf-8"),
            "--state",
            home.path().join("s.db").to_str().expect("utf-8"),
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    let line =
        format!("FAIL  postgres \"unprivileged\": role \"{name}\" is not a member of pg_monitor or pg_read_all_stats");
    assert!(stdout.contains(&line), "no {line:?} in:\n{stdout}");
    assert!(
        stdout.contains(&format!("fix: as a superuser: GRANT pg_monitor TO \"{name}\";")),
        "{stdout}"
    );
    assert!(
        stdout.contains("ok    postgres \"unprivileged\": reachable at"),
        "{stdout}"
    );
    assert!(stdout.contains("not well: postgres \"unprivileged\""), "{stdout}");
    drop(role);
}

#[test]
fn doctor_names_an_unreadable_docker_socket() {
    use std::os::unix::fs::PermissionsExt;
    // Root passes permission bits: the check runs as the user nobody, as
    // an engineer outside the docker group would run it.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let socket = dir.path().join("docker.sock");
    let listener = std::os::unix::net::UnixListener::bind(&socket).expect("bind a socket");
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o000)).expect("chmod 000");
    let file = dir.path().join("opsdeck.toml");
    std::fs::write(
        &file,
        format!(
            "[host]\nenabled = false\n\n[[docker]]\nname = \"locked\"\nurl = \"unix://{}\"\n",
            socket.display()
        ),
    )
    .expect("write");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = Command::new("runuser")
        .args([
            "-u",
            "nobody",
            "--",
            env!("CARGO_BIN_EXE_opsdeck"),
            "doctor",
            "--config",
        ])
        .arg(&file)
        .arg("--state")
        .arg(dir.path().join("state.db"))
        .env_remove("OPSDECK_CONFIG")
        .output()
        .expect("runuser (util-linux; tests/run.sh installs it)");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    let line = format!(
        "FAIL  docker \"locked\": cannot read and write the socket {}: permission denied — fix: add yourself to the docker group",
        socket.display()
    );
    assert!(stdout.contains(&line), "no {line:?} in:\n{stdout}");
    assert!(stdout.contains("not well: docker \"locked\""), "{stdout}");

    // As root the bits do not stop anyone: a socket nobody listens on is
    // named all the same, as not reachable.
    drop(listener);
    let out = opsdeck(
        dir.path(),
        &[],
        &[
            "doctor",
            "--config",
            file.to_str().expect("utf-8"),
            "--state",
            dir.path().join("s.db").to_str().expect("utf-8"),
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!(
            "FAIL  docker \"locked\": not reachable at unix://{}: connection refused",
            socket.display()
        )),
        "{stdout}"
    );
}

#[test]
fn config_init_finds_an_alertmanager_answering_on_the_default_port() {
    use std::io::{Read, Write};
    // tests/run.sh gives the run a network namespace of its own: port 9093
    // there is the test's.
    let listener = std::net::TcpListener::bind("127.0.0.1:9093")
        .expect("bind 127.0.0.1:9093 (run through tests/run.sh: its network namespace has the port free)");
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().expect("accept");
        let mut request = [0u8; 2048];
        let n = conn.read(&mut request).unwrap_or(0);
        let asked = String::from_utf8_lossy(&request[..n]).into_owned();
        let body = r#"{"cluster":{"status":"disabled"},"versionInfo":{"version":"0.25.0"}}"#;
        let _ = write!(
            conn,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        asked
    });
    let home = tempfile::tempdir().expect("tempdir");
    let out = opsdeck(home.path(), &[], &["config", "init", "--out", "-"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    let asked = server.join().expect("the probe was answered");
    assert!(asked.starts_with("GET /api/v2/status HTTP/1.1"), "{asked}");
    let config = opsdeck::config::Config::parse(&stdout, Path::new("-")).unwrap_or_else(|e| panic!("{e}\n{stdout}"));
    assert_eq!(config.alertmanager.len(), 1, "{stdout}");
    assert_eq!(config.alertmanager[0].url.as_written(), "http://127.0.0.1:9093");
    assert!(stdout.contains("# Found: answering on 127.0.0.1:9093"), "{stdout}");
}

#[tokio::test]
async fn doctor_names_a_broken_audit_chain_and_a_store_it_cannot_write() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let state = dir.path().join("state.db");
    let who = opsdeck::model::identity::Identity {
        operator: "alice".into(),
        host: "jump".into(),
        ssh_client: None,
    };
    let store = opsdeck::store::Store::open(&state).await.expect("store");
    for target in ["api-1", "api-2"] {
        let rec = opsdeck::store::AuditRecord::new("services", "container.restart", opsdeck::store::Outcome::Ok)
            .target(target);
        store.append_audit(&who, rec).await.expect("append");
    }
    for sql in [
        "DROP TRIGGER IF EXISTS audit_log_no_update",
        "UPDATE audit_log SET target = 'innocent' WHERE seq = 2",
    ] {
        sqlx::query(sql).execute(store.pool()).await.expect(sql);
    }
    store.close().await;
    let file = dir.path().join("opsdeck.toml");
    std::fs::write(&file, "[host]\nenabled = false\n").expect("write");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let args = [
        "doctor",
        "--config",
        file.to_str().expect("utf-8"),
        "--state",
        state.to_str().expect("utf-8"),
    ];
    let out = opsdeck(dir.path(), &[], &args);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!("ok    state store: {} is writable", state.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAIL  state store: audit chain BROKEN at sequence 2: content does not match its hash"),
        "{stdout}"
    );
    // The store is root's: to the user nobody it is read-only.
    let out = Command::new("runuser")
        .args(["-u", "nobody", "--", env!("CARGO_BIN_EXE_opsdeck")])
        .args(args)
        .env_remove("OPSDECK_CONFIG")
        .output()
        .expect("runuser (util-linux; tests/run.sh installs it)");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!("FAIL  state store: {} is read-only", state.display())),
        "{stdout}{stderr}"
    );
    assert!(stdout.contains("not well: state store"), "{stdout}");
}

#[test]
fn doctor_in_a_terminal_names_term_colours_and_a_size_too_small() {
    for (width, height, code) in [(100u16, 30u16, 0), (70, 20, 1)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("opsdeck.toml");
        std::fs::write(&file, "[host]\nenabled = false\n").expect("write");
        let state = dir.path().join("s.db");
        let t = common::tmux::Tmux::start_in(
            dir,
            &[
                "doctor",
                "--config",
                file.to_str().expect("utf-8"),
                "--state",
                state.to_str().expect("utf-8"),
            ],
            &[],
            width,
            height,
        );
        assert_eq!(t.wait_dead(), code, "{}", t.capture());
        let screen = t.capture();
        assert!(
            screen.contains("ok    terminal: TERM=tmux-256color, colours:"),
            "{screen}"
        );
        let size = if code == 0 {
            format!("ok    terminal: {width}x{height}")
        } else {
            format!("FAIL  terminal: {width}x{height} is smaller than the 80x24 opsdeck needs")
        };
        assert!(screen.contains(&size), "no {size:?} in:\n{screen}");
    }
}

#[test]
fn doctor_checks_redis_and_prometheus_and_names_what_is_wrong() {
    let home = tempfile::tempdir().expect("tempdir");
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let redis = common::redis_url();
    let prom = common::prometheus_url();
    let config = format!(
        "{}\n[[redis]]\nname = \"cache\"\nurl = \"{redis}\"\npassword_env = \"OPSDECK_TEST_REDIS_PASSWORD\"\n\n\
         [[redis]]\nname = \"nopass\"\nurl = \"{redis}\"\n\n\
         [[prometheus]]\nname = \"prom\"\nurl = \"{prom}\"\n\n\
         [[prometheus]]\nname = \"gone\"\nurl = \"http://127.0.0.1:{closed}\"\n",
        services_config("engine", "main", "am")
    );
    let file = home.path().join("opsdeck.toml");
    std::fs::write(&file, config).expect("write");
    let redis_pw = common::redis_password();
    let out = opsdeck(
        home.path(),
        &[
            ("OPSDECK_TEST_PG_PASSWORD", &common::pg_password()),
            ("OPSDECK_TEST_REDIS_PASSWORD", &redis_pw),
        ],
        &[
            "doctor",
            "--config",
            file.to_str().expect("utf-8"),
            "--state",
            home.path().join("s.db").to_str().expect("utf-8"),
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    for expected in [
        format!("ok    redis \"cache\": answers PING and INFO at {redis}: Redis 7"),
        format!("FAIL  redis \"nopass\": not reachable at {redis}: the server wants a password"),
        "— fix: set password_env or password_file".to_string(),
        format!("ok    prometheus \"prom\": answers at {prom}: 1 of 2 targets up"),
        format!("FAIL  prometheus \"gone\": not reachable at http://127.0.0.1:{closed}: connection refused — fix: check the url"),
        "not well: redis \"nopass\", prometheus \"gone\"".to_string(),
    ] {
        assert!(stdout.contains(&expected), "no {expected:?} in:\n{stdout}");
    }
    assert!(!stdout.contains(&redis_pw), "the Redis password was printed");
}
