//! `opsdeck config init`: write a first config from what this machine has
//! (`discover`), commented, and only once it loads: the text is parsed back
//! with the config's own loader before anything is written. An entry the
//! loader refuses (TLS files that are not there, say) is written commented
//! out, with the loader's reason above it.

pub mod discover;

use super::{print_out, EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE};
use crate::config::Config;
use discover::{Env, Found};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub async fn run(out: Option<&Path>, force: bool) -> ExitCode {
    let to_stdout = out.is_some_and(|p| p.as_os_str() == "-");
    let path = match out {
        Some(p) if !to_stdout => p.to_path_buf(),
        Some(_) => PathBuf::from("-"),
        None => match crate::config::default_config_path() {
            Some(p) => p,
            None => {
                eprintln!("opsdeck: no user config directory (is HOME set?): pass --out FILE");
                return ExitCode::from(EXIT_USAGE);
            }
        },
    };
    if !to_stdout && !force && path.exists() {
        eprintln!("opsdeck: {} exists: pass --force to overwrite it", path.display());
        return ExitCode::from(EXIT_USAGE);
    }
    let env = Env::from_process();
    let mut found = discover::local(&env);
    found.extend(discover::alertmanager(&env).await);
    discover::unique_names(&mut found);
    let text = match build(&mut found, &path, chrono::Utc::now()) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("opsdeck: the config written would not load: {e}");
            return ExitCode::from(EXIT_CHECK_FAILED);
        }
    };
    if to_stdout {
        print_out(&text);
        return ExitCode::from(EXIT_OK);
    }
    if let Err(e) = write(&path, &text, force) {
        eprintln!("opsdeck: cannot write {}: {e}", path.display());
        return ExitCode::from(EXIT_CHECK_FAILED);
    }
    print_out(&summary(&found, &path));
    ExitCode::from(EXIT_OK)
}

/// The config text for `found`, checked: each entry the loader refuses on
/// its own is disabled with the reason, then the whole text must load.
pub fn build(found: &mut [Found], path: &Path, now: chrono::DateTime<chrono::Utc>) -> Result<String, String> {
    for f in found.iter_mut().filter(|f| f.disabled.is_none()) {
        if let Err(e) = Config::parse(&entry(f), path) {
            f.disabled = Some(e.message);
        }
    }
    let text = render(found, now);
    Config::parse(&text, path).map_err(|e| e.to_string())?;
    Ok(text)
}

fn write(path: &Path, text: &str, force: bool) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    // Without --force, a file that appeared since the check is not replaced.
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

fn summary(found: &[Found], path: &Path) -> String {
    let mut out = format!("wrote {}\n", path.display());
    for f in found {
        let state = if f.disabled.is_some() { "commented out" } else { "added" };
        out.push_str(&format!(
            "  [[{}]] {:?} {state}: {} ({})\n",
            f.table,
            f.name,
            f.url(),
            f.source
        ));
    }
    if found.is_empty() {
        out.push_str("  nothing found: the file shows where targets go\n");
    }
    out.push_str("check it: opsdeck doctor\n");
    out
}

/// One table, uncommented.
fn entry(f: &Found) -> String {
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut t = format!("[[{}]]\nname = {}\n", f.table, q(&f.name));
    for (k, v) in &f.keys {
        t.push_str(&format!("{k} = {}\n", q(v)));
    }
    t
}

fn comment(text: &str) -> String {
    text.lines().map(|l| format!("# {l}\n")).collect()
}

const HEADER: &str = "\
opsdeck config, written by `opsdeck config init` on {date}.
Every key, with its default: config/opsdeck.example.toml in the source, or
/usr/share/doc/opsdeck/examples/config.toml where the package is installed.
Passwords are never written here: password_env names a variable,
password_file a file holding the password alone.
Check every target with `opsdeck doctor`.
";

const NONE_FOUND: [(&str, &str); 3] = [
    (
        "docker",
        "No Docker found (no /var/run/docker.sock, DOCKER_HOST or docker context). Example:\n\
         [[docker]]\nname = \"local\"\nurl = \"unix:///var/run/docker.sock\"",
    ),
    (
        "postgres",
        "No PostgreSQL found (no PG* variables, pg_service.conf or .pgpass). Example:\n\
         [[postgres]]\nname = \"main\"\nurl = \"postgres://monitor@db.internal:5432/postgres\"\npassword_env = \"PGPASSWORD\"",
    ),
    (
        "alertmanager",
        "No Alertmanager found (no ALERTMANAGER_URL, none on 127.0.0.1:9093). Example:\n\
         [[alertmanager]]\nname = \"prod\"\nurl = \"http://alertmanager.internal:9093\"",
    ),
];

fn render(found: &[Found], now: chrono::DateTime<chrono::Utc>) -> String {
    let mut text = comment(&HEADER.replace("{date}", &now.format("%Y-%m-%d %H:%M UTC").to_string()));
    for (table, example) in NONE_FOUND {
        text.push('\n');
        let of_table: Vec<&Found> = found.iter().filter(|f| f.table == table).collect();
        if of_table.is_empty() {
            text.push_str(&comment(example));
        }
        for (i, f) in of_table.iter().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            text.push_str(&comment(&format!("Found: {}", f.source)));
            for note in &f.notes {
                text.push_str(&comment(note));
            }
            match &f.disabled {
                Some(why) => {
                    text.push_str(&comment(&format!(
                        "Commented out, opsdeck cannot use it as it is: {why}"
                    )));
                    text.push_str(&comment(&entry(f)));
                }
                None => text.push_str(&entry(f)),
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(table: &'static str, name: &str, keys: &[(&'static str, &str)]) -> Found {
        Found {
            table,
            name: name.into(),
            keys: keys.iter().map(|(k, v)| (*k, v.to_string())).collect(),
            source: "test".into(),
            notes: vec!["a note".into()],
            disabled: None,
        }
    }

    #[test]
    fn what_the_loader_refuses_is_commented_out_and_the_rest_loads() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.toml");
        let mut all = vec![
            found("docker", "local", &[("url", "unix:///var/run/docker.sock")]),
            found("docker", "remote", &[("url", "ftp://me@build-1")]),
            found(
                "docker",
                "tls",
                &[
                    ("url", "tcp://h:2376"),
                    ("tls_ca", "/nope/ca.pem"),
                    ("tls_cert", "/nope/cert.pem"),
                    ("tls_key", "/nope/key.pem"),
                ],
            ),
            found(
                "postgres",
                "main",
                &[("url", "postgres://mon@db/app"), ("password_env", "PGPASSWORD")],
            ),
        ];
        let text = build(&mut all, &path, chrono::Utc::now()).expect("a config that loads");
        let config = Config::parse(&text, &path).expect("parses back");
        assert_eq!(
            config.docker.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
            ["local"]
        );
        assert_eq!(config.postgres[0].password_env.as_deref(), Some("PGPASSWORD"));
        assert!(config.alertmanager.is_empty());
        assert!(text.contains("# url = \"ftp://me@build-1\""), "{text}");
        assert!(text.contains("# tls_ca = \"/nope/ca.pem\""), "{text}");
        assert!(text.contains("No Alertmanager found"), "{text}");
        assert!(
            all[1]
                .disabled
                .as_deref()
                .is_some_and(|d| d.contains("must start with unix://")),
            "{:?}",
            all[1]
        );
        assert!(
            all[2]
                .disabled
                .as_deref()
                .is_some_and(|d| d.contains("cannot read /nope/ca.pem")),
            "{:?}",
            all[2]
        );
    }

    #[test]
    fn nothing_found_still_loads() {
        let path = Path::new("c.toml");
        let text = build(&mut [], path, chrono::Utc::now()).expect("loads");
        let config = Config::parse(&text, path).expect("parses back");
        assert!(config.docker.is_empty() && config.postgres.is_empty());
    }
}
