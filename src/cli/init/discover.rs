//! What `opsdeck config init` finds on this machine: Docker (the local
//! socket, `DOCKER_HOST`, docker contexts), PostgreSQL (`PG*` variables,
//! `pg_service.conf`, `.pgpass`) and Alertmanager (`ALERTMANAGER_URL`, or
//! one answering on 127.0.0.1:9093).
//!
//! Passwords are never read into what is found: `PGPASSWORD` becomes
//! `password_env = "PGPASSWORD"`, a `.pgpass` is read by the connection
//! itself (as psql reads it), and a password in `pg_service.conf` is named
//! as something to move into a `password_file`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where Alertmanager listens when nothing says otherwise.
pub const LOCAL_ALERTMANAGER: &str = "http://127.0.0.1:9093";
/// A local Alertmanager answers at once or not at all.
const PROBE_TIMEOUT: Duration = Duration::from_millis(800);

/// What discovery reads: the environment, the home directory, the socket
/// path. Tests build one; `from_process` reads the real ones.
pub struct Env {
    pub vars: HashMap<String, String>,
    pub home: Option<PathBuf>,
    pub docker_socket: PathBuf,
}

impl Env {
    pub fn from_process() -> Self {
        Self {
            vars: std::env::vars().collect(),
            home: std::env::var_os("HOME").map(PathBuf::from),
            docker_socket: PathBuf::from("/var/run/docker.sock"),
        }
    }

    /// A variable that is set and not empty.
    fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    fn home_file(&self, rel: &str) -> Option<PathBuf> {
        self.home.as_ref().map(|h| h.join(rel))
    }
}

/// One target found, as it will be written.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// `docker`, `postgres` or `alertmanager`.
    pub table: &'static str,
    pub name: String,
    /// Keys after `name`, each with its value (a string).
    pub keys: Vec<(&'static str, String)>,
    /// Where it was found, for the comment above it.
    pub source: String,
    /// More comment lines: what to do about a password, say.
    pub notes: Vec<String>,
    /// Why it is written commented out: opsdeck cannot use it as it is.
    pub disabled: Option<String>,
}

impl Found {
    fn new(table: &'static str, name: &str, url: &str, source: impl Into<String>) -> Self {
        let ssh = table == "docker" && url.starts_with("ssh://");
        Self {
            table,
            name: name.to_string(),
            keys: vec![("url", url.to_string())],
            source: source.into(),
            // The system ssh runs in batch mode: no prompt can be answered.
            notes: match ssh {
                true => vec![
                    "reached with your ssh (agent and known_hosts): the key must be loaded and the host known".into(),
                ],
                false => Vec::new(),
            },
            disabled: None,
        }
    }

    pub fn url(&self) -> &str {
        self.keys.iter().find(|(k, _)| *k == "url").map_or("", |(_, v)| v)
    }
}

/// Docker and PostgreSQL: everything that needs no network.
pub fn local(env: &Env) -> Vec<Found> {
    let mut found = docker(env);
    found.extend(postgres(env));
    unique_names(&mut found);
    found
}

// ------------------------------------------------------------------ Docker

fn docker(env: &Env) -> Vec<Found> {
    let mut out: Vec<Found> = Vec::new();
    let mut add = |f: Found| {
        if let Some(same) = out.iter_mut().find(|o| o.url() == f.url()) {
            same.source = format!("{} (also {})", same.source, f.source);
        } else {
            out.push(f);
        }
    };
    if env.docker_socket.exists() {
        let url = format!("unix://{}", env.docker_socket.display());
        add(Found::new("docker", "local", &url, "the local Docker socket"));
    }
    if let Some(host) = env.var("DOCKER_HOST") {
        let mut f = from_var("docker", &name_of_url(host, "docker"), host, "DOCKER_HOST");
        let verify = env.var("DOCKER_TLS_VERIFY").is_some_and(|v| v != "0");
        if verify && !host.starts_with("unix://") {
            let dir = env
                .var("DOCKER_CERT_PATH")
                .map(PathBuf::from)
                .or_else(|| env.home_file(".docker"));
            if let Some(dir) = dir {
                tls_keys(&mut f, &dir);
            }
        }
        add(f);
    }
    for f in contexts(env) {
        add(f);
    }
    out
}

/// `~/.docker/contexts/meta/*/meta.json` (or under `$DOCKER_CONFIG`), with
/// the context's TLS files when it has them. In name order.
fn contexts(env: &Env) -> Vec<Found> {
    let Some(base) = env
        .var("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| env.home_file(".docker"))
    else {
        return Vec::new();
    };
    let Ok(dirs) = std::fs::read_dir(base.join("contexts/meta")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for dir in dirs.flatten() {
        let meta = dir.path().join("meta.json");
        let Ok(text) = std::fs::read_to_string(&meta) else {
            continue;
        };
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        let (Some(name), Some(host)) = (v["Name"].as_str(), v["Endpoints"]["docker"]["Host"].as_str()) else {
            continue;
        };
        let mut f = Found::new("docker", name, host, format!("docker context {name:?}"));
        tls_keys(&mut f, &base.join("contexts/tls").join(dir.file_name()).join("docker"));
        out.push(f);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// A target from the variable `var` holding `url`. A password in the URL
/// is not written: it becomes a `${VAR}` reference to a variable named for
/// it, and a note says to set that variable.
fn from_var(table: &'static str, name: &str, url: &str, var: &str) -> Found {
    let Some((head, tail)) = literal_password(url) else {
        return Found::new(table, name, url, var);
    };
    let secret_var = format!("{}_PASSWORD", var.trim_end_matches("_URL"));
    let mut f = Found::new(table, name, &format!("{head}${{{secret_var}}}{tail}"), var);
    f.notes.push(format!(
        "the password in ${var} is not written here: export {secret_var} with it"
    ));
    f
}

/// `url` split around a literal password: `("https://u:", "@host")`.
fn literal_password(url: &str) -> Option<(&str, &str)> {
    if !crate::config::ConfigUrl::new(url).has_literal_password() {
        return None;
    }
    let start = url.find("://")? + 3;
    let authority_end = url[start..].find(['/', '?', '#']).map_or(url.len(), |i| start + i);
    let at = url[start..authority_end].rfind('@')? + start;
    let colon = url[start..at].find(':')? + start;
    Some((&url[..=colon], &url[at..]))
}

/// `tls_ca`, `tls_cert`, `tls_key` from a directory holding ca.pem,
/// cert.pem and key.pem, when it does.
fn tls_keys(f: &mut Found, dir: &Path) {
    let files = [("tls_ca", "ca.pem"), ("tls_cert", "cert.pem"), ("tls_key", "key.pem")];
    if files.iter().all(|(_, file)| dir.join(file).is_file()) {
        for (key, file) in files {
            f.keys.push((key, dir.join(file).display().to_string()));
        }
    }
}

/// A name from a URL's host: `tcp://build-1:2376` is "build-1".
fn name_of_url(url: &str, fallback: &str) -> String {
    if url.starts_with("unix://") {
        return "local".into();
    }
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    if host.is_empty() {
        fallback.into()
    } else {
        host.into()
    }
}

// -------------------------------------------------------------- PostgreSQL

/// Where one PostgreSQL server is, as libpq's settings say.
#[derive(Default)]
struct PgPlace<'a> {
    host: Option<&'a str>,
    port: Option<&'a str>,
    user: Option<&'a str>,
    db: Option<&'a str>,
    sslmode: Option<&'a str>,
}

impl PgPlace<'_> {
    /// `postgres://user@host:port/db`; a socket directory goes in `?host=`.
    fn url(&self) -> String {
        let enc = |s: &str| percent_encode(s);
        let mut url = String::from("postgres://");
        if let Some(u) = self.user {
            url.push_str(&enc(u));
            url.push('@');
        }
        let host = self.host.unwrap_or("localhost");
        let socket = host.starts_with('/');
        url.push_str(if socket { "localhost" } else { host });
        if let Some(p) = self.port {
            url.push(':');
            url.push_str(p);
        }
        url.push('/');
        if let Some(db) = self.db {
            url.push_str(&enc(db));
        }
        let mut query = Vec::new();
        if socket {
            query.push(format!("host={}", enc(host)));
        }
        if let Some(m) = self.sslmode {
            query.push(format!("sslmode={}", enc(m)));
        }
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query.join("&"));
        }
        url
    }
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn postgres(env: &Env) -> Vec<Found> {
    let mut out = Vec::new();
    let pgpass = env
        .var("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| env.home_file(".pgpass"));
    let pgpass = pgpass.filter(|p| p.is_file());
    let pgpass_note = |f: &mut Found| {
        if let Some(p) = &pgpass {
            f.notes.push(format!(
                "password: from {} when a line there matches (read when connecting, as psql does)",
                p.display()
            ));
        }
    };
    let vars = ["PGHOST", "PGPORT", "PGUSER", "PGDATABASE"];
    if vars.iter().any(|v| env.var(v).is_some()) {
        let place = PgPlace {
            host: env.var("PGHOST"),
            port: env.var("PGPORT"),
            user: env.var("PGUSER").or_else(|| env.var("USER")),
            db: env.var("PGDATABASE"),
            sslmode: env.var("PGSSLMODE"),
        };
        let set: Vec<&str> = vars.iter().copied().filter(|v| env.var(v).is_some()).collect();
        let mut f = Found::new("postgres", "postgres", &place.url(), set.join(", "));
        if env.var("PGPASSWORD").is_some() {
            f.keys.push(("password_env", "PGPASSWORD".into()));
        } else {
            pgpass_note(&mut f);
        }
        out.push(f);
    }
    out.extend(services(env));
    if let Some(p) = &pgpass {
        for f in pgpass_servers(p) {
            if !out.iter().any(|o: &Found| o.url() == f.url()) {
                out.push(f);
            }
        }
    }
    out
}

/// Each `[service]` of `$PGSERVICEFILE` or `~/.pg_service.conf`.
fn services(env: &Env) -> Vec<Found> {
    let Some(file) = env
        .var("PGSERVICEFILE")
        .map(PathBuf::from)
        .or_else(|| env.home_file(".pg_service.conf"))
    else {
        return Vec::new();
    };
    let Ok(text) = std::fs::read_to_string(&file) else {
        return Vec::new();
    };
    let mut sections: Vec<(String, HashMap<String, String>)> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            sections.push((name.trim().to_string(), HashMap::new()));
        } else if let (Some((k, v)), Some((_, keys))) = (line.split_once('='), sections.last_mut()) {
            keys.insert(k.trim().to_string(), v.trim().to_string());
        }
    }
    sections
        .iter()
        .map(|(name, keys)| {
            let get = |k: &str| keys.get(k).map(String::as_str).filter(|v| !v.is_empty());
            let place = PgPlace {
                host: get("host"),
                port: get("port"),
                user: get("user"),
                db: get("dbname"),
                sslmode: get("sslmode"),
            };
            let mut f = Found::new(
                "postgres",
                name,
                &place.url(),
                format!("service {name:?} in {}", file.display()),
            );
            if get("password").is_some() {
                // The service file's password stays where it is: opsdeck
                // takes passwords by reference only.
                f.notes.push(format!(
                    "the service file holds a password: put it alone in a file only you can read \
                     and set password_file = \"~/.config/opsdeck/{name}.password\""
                ));
            }
            f
        })
        .collect()
}

/// Each `.pgpass` line that names one server (no `*` host): the server is
/// there, and its password is read from the file when connecting.
fn pgpass_servers(file: &Path) -> Vec<Found> {
    let Ok(text) = std::fs::read_to_string(file) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
        // host:port:database:user:password; `\:` is a colon in a field.
        let fields = split_pgpass(line);
        let [host, port, db, user, _password] = fields.as_slice() else {
            continue;
        };
        if host == "*" || host.is_empty() {
            continue;
        }
        fn wild(s: &str) -> Option<&str> {
            (s != "*" && !s.is_empty()).then_some(s)
        }
        let place = PgPlace {
            host: Some(host),
            port: wild(port),
            user: wild(user),
            db: wild(db),
            sslmode: None,
        };
        let mut f = Found::new(
            "postgres",
            &name_of_url(&place.url(), "postgres"),
            &place.url(),
            format!("{}", file.display()),
        );
        f.notes.push(format!(
            "password: from {} (read when connecting, as psql does)",
            file.display()
        ));
        out.push(f);
    }
    out
}

fn split_pgpass(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => fields.last_mut().into_iter().for_each(|f| f.extend(chars.next())),
            ':' => fields.push(String::new()),
            c => fields.last_mut().into_iter().for_each(|f| f.push(c)),
        }
    }
    fields
}

// ------------------------------------------------------------ Alertmanager

/// `ALERTMANAGER_URL` as given, else one answering `GET /api/v2/status` on
/// 127.0.0.1:9093 within a moment.
pub async fn alertmanager(env: &Env) -> Option<Found> {
    if let Some(url) = env.var("ALERTMANAGER_URL") {
        return Some(from_var(
            "alertmanager",
            "alertmanager",
            url.trim_end_matches('/'),
            "ALERTMANAGER_URL",
        ));
    }
    let client = crate::backends::http_client(PROBE_TIMEOUT).ok()?;
    let resp = client
        .get(format!("{LOCAL_ALERTMANAGER}/api/v2/status"))
        .send()
        .await
        .ok()?;
    resp.status().is_success().then(|| {
        Found::new(
            "alertmanager",
            "alertmanager",
            LOCAL_ALERTMANAGER,
            "answering on 127.0.0.1:9093",
        )
    })
}

/// Names are unique per table: a second "postgres" becomes "postgres-2".
pub fn unique_names(found: &mut [Found]) {
    let mut seen: std::collections::HashSet<(&'static str, String)> = Default::default();
    for f in found.iter_mut() {
        let base = f.name.clone();
        let mut n = 1;
        while !seen.insert((f.table, f.name.clone())) {
            n += 1;
            f.name = format!("{base}-{n}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(home: &Path, vars: &[(&str, &str)]) -> Env {
        Env {
            vars: vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            home: Some(home.to_path_buf()),
            docker_socket: home.join("no-docker.sock"),
        }
    }

    #[test]
    fn pg_variables_make_a_url_and_the_password_a_reference() {
        let dir = tempfile::tempdir().expect("tempdir");
        let found = local(&env(
            dir.path(),
            &[
                ("PGHOST", "db.example"),
                ("PGPORT", "5433"),
                ("PGUSER", "mon"),
                ("PGDATABASE", "app"),
                ("PGPASSWORD", "s3cret"),
            ],
        ));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].url(), "postgres://mon@db.example:5433/app");
        assert!(found[0].keys.contains(&("password_env", "PGPASSWORD".into())));
        assert!(!format!("{found:?}").contains("s3cret"));
        let socket = local(&env(dir.path(), &[("PGHOST", "/run/postgresql"), ("PGUSER", "me")]));
        assert_eq!(socket[0].url(), "postgres://me@localhost/?host=%2Frun%2Fpostgresql");
    }

    #[test]
    fn service_file_and_pgpass_name_servers_without_their_passwords() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join(".pg_service.conf"),
            "# ours\n[billing]\nhost=pg1\nport=5432\ndbname=billing\nuser=mon\npassword=hunter2\n",
        )
        .expect("write");
        std::fs::write(dir.path().join(".pgpass"), "pg2:5432:*:mon:pa\\:ss\n*:*:*:me:x\n").expect("write");
        let found = local(&env(dir.path(), &[]));
        let text = format!("{found:?}");
        assert!(!text.contains("hunter2") && !text.contains("pa:ss"), "{text}");
        assert_eq!(found[0].name, "billing");
        assert_eq!(found[0].url(), "postgres://mon@pg1:5432/billing");
        assert!(found[0].notes[0].contains("password_file"), "{:?}", found[0].notes);
        assert_eq!(found[1].url(), "postgres://mon@pg2:5432/");
        assert_eq!(found.len(), 2, "the line with a * host names no server: {found:?}");
    }

    #[test]
    fn docker_host_and_contexts_deduplicated_ssh_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let meta = dir.path().join(".docker/contexts/meta");
        for (id, name, host) in [
            ("a1", "build", "ssh://ci@build-1"),
            ("b2", "same", "tcp://10.1.2.3:2375"),
        ] {
            std::fs::create_dir_all(meta.join(id)).expect("mkdir");
            let json = serde_json::json!({"Name": name, "Endpoints": {"docker": {"Host": host}}});
            std::fs::write(meta.join(id).join("meta.json"), json.to_string()).expect("write");
        }
        let found = local(&env(dir.path(), &[("DOCKER_HOST", "tcp://10.1.2.3:2375")]));
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(
            (found[0].name.as_str(), found[0].url()),
            ("10.1.2.3", "tcp://10.1.2.3:2375")
        );
        assert!(
            found[0].source.contains("docker context \"same\""),
            "{}",
            found[0].source
        );
        assert_eq!((found[1].name.as_str(), found[1].url()), ("build", "ssh://ci@build-1"));
        assert!(found[1].disabled.is_none(), "opsdeck reaches Docker over ssh://");
        assert!(
            found[1].notes[0].contains("agent and known_hosts"),
            "{:?}",
            found[1].notes
        );
    }

    #[test]
    fn a_url_with_a_password_is_written_as_its_variable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let found = local(&env(dir.path(), &[("DOCKER_HOST", "tcp://me:s3cret@h:2375")]));
        assert_eq!(found[0].url(), "tcp://me:${DOCKER_HOST_PASSWORD}@h:2375");
        assert!(
            found[0].notes[0].contains("export DOCKER_HOST_PASSWORD"),
            "{:?}",
            found[0].notes
        );
        assert!(!format!("{found:?}").contains("s3cret"));
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        let am = rt.block_on(alertmanager(&env(
            dir.path(),
            &[("ALERTMANAGER_URL", "https://u:pw@am:9093/")],
        )));
        assert_eq!(
            am.map(|f| f.url().to_string()).as_deref(),
            Some("https://u:${ALERTMANAGER_PASSWORD}@am:9093")
        );
    }
}
