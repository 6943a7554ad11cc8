//! Where the config is found and how it is read: `--config`, the XDG
//! config file, or built-in defaults; paths as written (`~/`, relative to
//! the file) made absolute; the XDG places of the state and the log.

use super::defaults;
use super::{source, Config, ConfigOrigin, ConfigUrl, DockerConfig, FileError};
use std::path::{Path, PathBuf};

impl Config {
    /// Parse and validate config text. `file` is used in error messages.
    pub fn parse(text: &str, file: &Path) -> Result<Self, FileError> {
        let mut config: Config = toml::from_str(text).map_err(|e| FileError::from_toml(file, text, &e))?;
        config.resolve_paths(file);
        config.validate(text, file)?;
        config.origin = Some(ConfigOrigin::File(file.to_path_buf()));
        Ok(config)
    }

    /// Find and load the config: `explicit` (--config or $OPSDECK_CONFIG),
    /// else the user's XDG config file when it exists, else the jump host's
    /// `/etc/opsdeck/config.toml` when it exists, else built-in defaults.
    pub fn discover(explicit: Option<&Path>) -> Result<Self, FileError> {
        Self::discover_in(explicit, &search_path())
    }

    /// `discover` over the files `search` names, first existing one wins.
    pub fn discover_in(explicit: Option<&Path>, search: &[PathBuf]) -> Result<Self, FileError> {
        if let Some(path) = explicit {
            return Self::parse(&source::read_text(path)?, path);
        }
        if let Some(path) = search.iter().find(|p| p.exists()) {
            return Self::parse(&source::read_text(path)?, path);
        }
        let mut config = Config {
            origin: Some(ConfigOrigin::Defaults),
            ..Config::default()
        };
        config.add_default_docker();
        Ok(config)
    }

    /// With no `[[docker]]`, use `$DOCKER_HOST`, then the local socket when present.
    pub fn add_default_docker(&mut self) {
        if !self.docker.is_empty() {
            return;
        }
        let url = match std::env::var("DOCKER_HOST") {
            Ok(h) if !h.is_empty() => h,
            _ if Path::new("/var/run/docker.sock").exists() => "unix:///var/run/docker.sock".to_string(),
            _ => return,
        };
        self.docker.push(DockerConfig {
            name: "local".into(),
            url: ConfigUrl::new(url),
            tls_ca: None,
            tls_cert: None,
            tls_key: None,
            interval: defaults::docker_interval(),
            timeout: defaults::timeout(),
            read_only: false,
            env: None,
        });
    }

    /// TLS files as written may start with `~/` or be relative to the config file.
    fn resolve_paths(&mut self, file: &Path) {
        let base = file.parent().unwrap_or(Path::new(""));
        for d in &mut self.docker {
            for p in [&mut d.tls_ca, &mut d.tls_cert, &mut d.tls_key].into_iter().flatten() {
                let expanded = expand_home(p);
                *p = if expanded.is_relative() {
                    base.join(expanded)
                } else {
                    expanded
                };
            }
        }
        // Access files likewise: an exported RBAC matrix kept beside the config.
        for s in &mut self.access.source {
            if let Some(p) = &mut s.file {
                let expanded = expand_home(p);
                *p = if expanded.is_relative() {
                    base.join(expanded)
                } else {
                    expanded
                };
            }
        }
    }
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "opsdeck")
}

/// `$XDG_CONFIG_HOME/opsdeck/config.toml`.
pub fn default_config_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().join("config.toml"))
}

/// A shared jump host's config, for everyone without one of their own.
pub const SYSTEM_CONFIG: &str = "/etc/opsdeck/config.toml";

/// Where a config is looked for when none is named, in order.
pub fn search_path() -> Vec<PathBuf> {
    default_config_path()
        .into_iter()
        .chain([PathBuf::from(SYSTEM_CONFIG)])
        .collect()
}

/// `$XDG_DATA_HOME/opsdeck/state.db`.
pub fn default_state_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.data_dir().join("state.db"))
}

/// `$XDG_STATE_HOME/opsdeck/opsdeck.log` (data dir where there is no state dir).
pub fn default_log_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.state_dir().unwrap_or(d.data_dir()).join("opsdeck.log"))
}

/// Expand a leading `~/` so paths from config files work as people write them.
pub fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn parse(text: &str) -> Result<Config, FileError> {
        Config::parse(text, Path::new("test.toml"))
    }

    #[test]
    fn empty_config_is_valid() {
        let c = parse("").unwrap();
        assert!(!c.read_only);
        assert_eq!(c.host.cpu_warn, 70);
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let e =
            parse("read_only = true\n\n[[postgres]]\nname = \"main\"\nurl = \"postgres://h/db\"\nintervall = \"5s\"\n")
                .unwrap_err();
        assert_eq!(e.line, Some(6), "{e}");
        assert_eq!(e.key.as_deref(), Some("intervall"), "{e}");
        assert!(e.to_string().starts_with("test.toml:6: key `intervall`:"), "{e}");
    }

    #[test]
    fn wrong_type_names_line_and_key() {
        let e = parse("[host]\ncpu_warn = \"high\"\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert_eq!(e.key.as_deref(), Some("cpu_warn"));
    }

    #[test]
    fn bad_duration_is_explained() {
        let e = parse("[[http]]\nname = \"api\"\nurl = \"http://x/health\"\ntimeout = \"soon\"\n").unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        assert!(e.message.contains("invalid duration"), "{e}");
    }

    #[test]
    fn literal_password_is_rejected_with_line() {
        let e = parse("[[postgres]]\nname = \"m\"\nurl = \"postgres://u:pw@h/db\"\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(
            !e.to_string().contains(":pw@"),
            "the error must not repeat the secret: {e}"
        );
    }

    #[test]
    fn duplicate_names_are_rejected() {
        let e = parse("[[http]]\nname = \"a\"\nurl = \"http://x\"\n[[http]]\nname = \"a\"\nurl = \"http://y\"\n")
            .unwrap_err();
        assert!(e.message.contains("used twice"), "{e}");
    }

    /// A CA-signed client certificate and its key, plus the CA, as PEM files in `dir`.
    fn write_tls_files(dir: &Path) {
        let ca_key = rcgen::KeyPair::generate().expect("key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::new()).expect("params");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).expect("ca");
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = rcgen::CertificateParams::new(vec!["client".to_string()])
            .expect("params")
            .signed_by(&key, &issuer)
            .expect("cert");
        std::fs::write(dir.join("ca.pem"), ca.pem()).expect("write");
        std::fs::write(dir.join("cert.pem"), cert.pem()).expect("write");
        std::fs::write(dir.join("key.pem"), key.serialize_pem()).expect("write");
        let other = rcgen::KeyPair::generate().expect("key");
        std::fs::write(dir.join("other-key.pem"), other.serialize_pem()).expect("write");
    }

    fn tls_host(name: &str, url: &str, files: [(&str, &str); 3]) -> String {
        let mut t = format!("[[docker]]\nname = \"{name}\"\nurl = \"{url}\"\n");
        for (k, v) in files.iter().filter(|(_, v)| !v.is_empty()) {
            t.push_str(&format!("{k} = \"{v}\"\n"));
        }
        t
    }

    #[test]
    fn docker_tls_files_relative_to_the_config_are_accepted() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_tls_files(dir.path());
        let file = dir.path().join("opsdeck.toml");
        let text = tls_host(
            "remote",
            "tcp://10.0.0.5:2376",
            [("tls_ca", "ca.pem"), ("tls_cert", "cert.pem"), ("tls_key", "key.pem")],
        );
        let c = Config::parse(&text, &file).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            c.docker[0].tls_key.as_deref(),
            Some(dir.path().join("key.pem").as_path())
        );
    }

    #[test]
    fn a_team_store_is_a_postgres_url_with_its_password_by_reference() {
        let c = parse("[state]\nurl = \"postgres://opsdeck@db/opsdeck\"\npassword_env = \"PW\"\n").expect("team");
        let url = c.state.url.as_ref().expect("a team store");
        assert_eq!(url.to_string(), "postgres://opsdeck@db/opsdeck");
        assert_eq!(c.state.password().env.as_deref(), Some("PW"));
        let bad = [
            ("[state]\nurl = \"mysql://db/x\"\n", 2, "must start with postgres://"),
            ("[state]\npath = \"/x.db\"\nurl = \"postgres://db/x\"\n", 3, "not both"),
            (
                "[state]\nurl = \"postgres://u:hunter2@db/x\"\n",
                2,
                "a password is written in the URL",
            ),
        ];
        for (text, line, says) in bad {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, Some(line), "{e}");
            assert!(e.to_string().contains(says), "{e}");
            assert!(!e.to_string().contains("hunter2"), "{e}");
        }
    }

    #[test]
    fn the_users_config_comes_before_the_jump_hosts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let user = dir.path().join("user.toml");
        let system = dir.path().join("etc.toml");
        std::fs::write(&system, "[[docker]]\nname = \"shared\"\nurl = \"unix:///s.sock\"\n").expect("write");
        let search = [user.clone(), system.clone()];
        let c = Config::discover_in(None, &search).expect("the jump host's");
        assert_eq!(c.docker[0].name, "shared");
        assert_eq!(c.origin, Some(ConfigOrigin::File(system)));
        std::fs::write(&user, "[[docker]]\nname = \"mine\"\nurl = \"unix:///m.sock\"\n").expect("write");
        let c = Config::discover_in(None, &search).expect("the user's");
        assert_eq!(c.docker[0].name, "mine");
        assert!(search_path().ends_with(&[PathBuf::from(SYSTEM_CONFIG)]));
    }

    #[test]
    fn environments_are_defined_before_targets_name_them() {
        let c = parse(
            "[env.prod]\nread_only = true\n[env.staging]\nbadge = \"warn\"\n[[docker]]\nname = \"p\"\nurl = \"unix:///p.sock\"\nenv = \"prod\"\n",
        )
        .expect("environments");
        assert_eq!(c.docker[0].env.as_deref(), Some("prod"));
        let prod = c.environment("prod");
        assert!(prod.read_only);
        assert_eq!(prod.badge, crate::model::env::Badge::Crit, "prod stands out by default");
        assert_eq!(c.environment("staging").badge, crate::model::env::Badge::Warn);
        let mut locked = c.clone();
        locked.apply_environments(&[]).expect("apply");
        assert!(
            locked.docker[0].read_only,
            "a target of a read-only environment is read-only"
        );
        let mut lifted = c.clone();
        lifted.apply_environments(&["prod".into()]).expect("apply");
        assert!(
            !lifted.environment("prod").read_only && !lifted.docker[0].read_only,
            "--allow-writes prod"
        );
        let e = c.clone().apply_environments(&["prdo".into()]).unwrap_err();
        assert_eq!(e, "--allow-writes prdo: no [env.prdo] in the config");
        let e = parse("[[docker]]\nname = \"p\"\nurl = \"unix:///p.sock\"\nenv = \"prdo\"\n").unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        assert!(
            e.to_string()
                .contains("env \"prdo\" is not defined: add an [env.prdo] table"),
            "{e}"
        );
        let e = parse("[env.prod]\nbadge = \"pink\"\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
    }

    #[test]
    fn ssh_destinations_load_and_a_bad_one_names_its_line() {
        let c = parse("[[docker]]\nname = \"far\"\nurl = \"ssh://ops@db-1:2222\"\n").expect("ssh");
        assert_eq!(c.docker[0].url.as_written(), "ssh://ops@db-1:2222");
        for (text, says) in [
            (
                "[[docker]]\nname = \"far\"\nurl = \"ftp://db-1\"\n",
                "must start with unix://, tcp://, http://, https:// or ssh://",
            ),
            (
                "[[docker]]\nname = \"far\"\nurl = \"ssh://-oProxyCommand=x\"\n",
                "ssh url:",
            ),
            (
                "[[postgres]]\nname = \"db\"\nssh_tunnel = \"-oProxyCommand=x\"\nurl = \"postgres://m@db/x\"\n",
                "ssh_tunnel: a host",
            ),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, Some(3), "{e}");
            assert!(e.to_string().contains(says), "{e}");
        }
    }

    #[test]
    fn docker_tls_cert_without_key_names_line_and_key() {
        let text = format!(
            "{}{}",
            tls_host("local", "unix:///var/run/docker.sock", [("", ""), ("", ""), ("", "")]),
            tls_host(
                "remote",
                "https://10.0.0.5:2376",
                [("tls_ca", "/x/ca.pem"), ("tls_cert", "/x/cert.pem"), ("", "")]
            ),
        );
        let e = parse(&text).unwrap_err();
        assert_eq!(e.line, Some(7), "{e}");
        assert_eq!(e.key.as_deref(), Some("tls_ca"), "{e}");
        assert_eq!(
            e.to_string(),
            "test.toml:7: key `tls_ca`: [[docker]] \"remote\": tls_ca and tls_cert are set without tls_key: \
             set tls_ca, tls_cert and tls_key together"
        );
        let e = parse(&tls_host(
            "r",
            "tcp://h:2376",
            [("", ""), ("", ""), ("tls_key", "/x/key.pem")],
        ))
        .unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(4), Some("tls_key")), "{e}");
        assert!(e.message.contains("tls_key is set without tls_ca and tls_cert"), "{e}");
    }

    #[test]
    fn docker_tls_on_a_unix_socket_or_https_without_keys_is_rejected() {
        let e = parse(&tls_host(
            "local",
            "unix:///var/run/docker.sock",
            [
                ("tls_ca", "/x/ca.pem"),
                ("tls_cert", "/x/cert.pem"),
                ("tls_key", "/x/key.pem"),
            ],
        ))
        .unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(4), Some("tls_ca")), "{e}");
        assert!(e.message.contains("do not apply to a unix:// socket"), "{e}");
        let e = parse(&tls_host("r", "https://h:2376", [("", ""), ("", ""), ("", "")])).unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(3), Some("url")), "{e}");
        assert!(e.message.contains("https:// needs tls_ca"), "{e}");
    }

    #[test]
    fn docker_tls_file_missing_or_wrong_names_file_line_key_and_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_tls_files(dir.path());
        let d = dir.path().display().to_string();
        let missing = format!("{d}/nope/ca.pem");
        let e = parse(&tls_host(
            "r",
            "tcp://h:2376",
            [
                ("tls_ca", &missing),
                ("tls_cert", &format!("{d}/cert.pem")),
                ("tls_key", &format!("{d}/key.pem")),
            ],
        ))
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("test.toml:4: key `tls_ca`: [[docker]] \"r\": cannot read {missing}: No such file or directory")
        );
        // A directory cannot be read as a file either.
        let e = parse(&tls_host(
            "r",
            "tcp://h:2376",
            [
                ("tls_ca", &format!("{d}/ca.pem")),
                ("tls_cert", &d),
                ("tls_key", &format!("{d}/key.pem")),
            ],
        ))
        .unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(5), Some("tls_cert")), "{e}");
        assert!(e.message.contains(&format!("cannot read {d}")), "{e}");
        // Certificate and key swapped: the key file holds no key.
        let e = parse(&tls_host(
            "r",
            "tcp://h:2376",
            [
                ("tls_ca", &format!("{d}/ca.pem")),
                ("tls_cert", &format!("{d}/cert.pem")),
                ("tls_key", &format!("{d}/cert.pem")),
            ],
        ))
        .unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(6), Some("tls_key")), "{e}");
        assert!(
            e.message.ends_with(&format!("{d}/cert.pem holds no PEM private key")),
            "{e}"
        );
        // A key that is not the certificate's: named, and never shown.
        let e = parse(&tls_host(
            "r",
            "tcp://h:2376",
            [
                ("tls_ca", &format!("{d}/ca.pem")),
                ("tls_cert", &format!("{d}/cert.pem")),
                ("tls_key", &format!("{d}/other-key.pem")),
            ],
        ))
        .unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(6), Some("tls_key")), "{e}");
        assert!(e.message.contains("is not the key of the certificate"), "{e}");
        assert!(!e.to_string().contains("PRIVATE KEY"), "{e}");
    }

    #[test]
    fn design_sketch_parses() {
        let text = include_str!("../../config/opsdeck.example.toml");
        let c = Config::parse(text, Path::new("opsdeck.example.toml")).unwrap();
        assert_eq!(c.postgres[0].long_query, Duration::from_secs(300));
        // The example writes every postgres threshold with its default.
        let d = parse("[[postgres]]\nname = \"m\"\nurl = \"postgres://h/db\"\n").unwrap();
        let (e, d) = (&c.postgres[0], &d.postgres[0]);
        assert_eq!(e.idle_in_tx, d.idle_in_tx);
        assert_eq!(e.replication_lag_bytes, d.replication_lag_bytes);
        assert_eq!(e.lag_breach_samples, d.lag_breach_samples);
        assert_eq!(e.xid_age_warn_pct, d.xid_age_warn_pct);
    }

    #[test]
    fn postgres_thresholds() {
        let pg = "[[postgres]]\nname = \"m\"\nurl = \"postgres://h/db\"\n";
        let c = parse(pg).unwrap();
        let p = &c.postgres[0];
        assert_eq!(p.idle_in_tx, Duration::from_secs(300));
        assert_eq!(p.replication_lag_bytes, 16 * 1024 * 1024);
        assert_eq!(p.lag_breach_samples, 3);
        assert_eq!(p.xid_age_warn_pct, 50.0);
        let c = parse(&format!(
            "{pg}idle_in_tx = \"90s\"\nreplication_lag_bytes = 1024\nlag_breach_samples = 1\nxid_age_warn_pct = 75.5\n"
        ))
        .unwrap();
        let p = &c.postgres[0];
        assert_eq!(p.idle_in_tx, Duration::from_secs(90));
        assert_eq!(p.replication_lag_bytes, 1024);
        assert_eq!(p.lag_breach_samples, 1);
        assert_eq!(p.xid_age_warn_pct, 75.5);
        let e = parse(&format!("{pg}lag_breach_samples = 0\n")).unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(4), Some("lag_breach_samples")), "{e}");
        let e = parse(&format!("{pg}xid_age_warn_pct = 150\n")).unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(4), Some("xid_age_warn_pct")), "{e}");
        let e = parse(&format!("{pg}replication_lag_bytes = -1\n")).unwrap_err();
        assert_eq!(
            (e.line, e.key.as_deref()),
            (Some(4), Some("replication_lag_bytes")),
            "{e}"
        );
        let e = parse(&format!("{pg}idle_in_tx = \"soon\"\n")).unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(4), Some("idle_in_tx")), "{e}");
    }

    #[test]
    fn alert_response_times_allow_immediately() {
        let c = parse("[alerts]\nrespond_critical = \"0s\"\nrespond_warning = \"30m\"\nbell = false\n").expect("parse");
        assert_eq!(c.alerts.respond_critical, Duration::ZERO);
        assert_eq!(c.alerts.respond_warning, Duration::from_secs(1800));
        assert_eq!(c.alerts.respond_info, Duration::from_secs(86_400), "default kept");
        assert!(!c.alerts.bell);
        let e = parse("[alerts]\nrespond_info = \"tomorrow\"\n").unwrap_err();
        assert!(e.to_string().starts_with("test.toml:2: key `respond_info`:"), "{e}");
    }
}
