//! Where and how a `[[docker]]` entry is reached: a unix socket, plain
//! HTTP, or HTTPS with a client certificate (`tls_ca`, `tls_cert`,
//! `tls_key`), and whether those three files hold what they should. Config
//! validation asks both at load time; the Docker backend asks them again
//! when it connects.
//!
//! Key files are read to check them, never shown: errors name the path only.

use super::DockerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};

/// The three files of a TLS client, as given in the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Where and how to connect, decided from the url and the TLS keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// The socket path.
    Unix(String),
    /// `http://host:port`.
    Http(String),
    /// `host:port`, spoken to over HTTPS.
    Tls { addr: String, files: TlsFiles },
    /// `ssh://[user@]host[:port]`: the system `ssh` runs `docker system
    /// dial-stdio` on the far side, as the docker CLI does.
    Ssh(SshDestination),
}

/// Where `ssh` goes: `destination` is `[user@]host`, given to ssh as one
/// argument after `--`, so it can never be read as an option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshDestination {
    pub destination: String,
    pub port: Option<u16>,
}

/// `[user@]host[:port]` of an `ssh://` url (or of a `ssh_tunnel`, `key`):
/// no path, no option-looking host, a port that is a number.
pub fn ssh_destination(rest: &str, key: &'static str) -> Result<SshDestination, KeyError> {
    let bad = |why: &str| match key {
        "url" => KeyError::new(key, format!("ssh url: {why} (ssh://[user@]host[:port])")),
        _ => KeyError::new(key, format!("{key}: {why} ([user@]host[:port])")),
    };
    let rest = rest.trim_end_matches('/');
    if rest.contains('/') {
        return Err(bad("no path after the host"));
    }
    let (user, hostport) = match rest.rsplit_once('@') {
        Some((user, hp)) => (Some(user), hp),
        None => (None, rest),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        // [::1]:22 or host:22; a bare IPv6 address needs its brackets.
        Some((host, port)) if !host.ends_with(':') && !host.is_empty() => {
            let port = port
                .parse::<u16>()
                .map_err(|_| bad(&format!("port {port:?} is not a number")))?;
            (host, Some(port))
        }
        _ => (hostport, None),
    };
    let ok = |s: &str| !s.is_empty() && !s.starts_with('-') && !s.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok(host) || user.is_some_and(|u| !ok(u)) {
        return Err(bad("a host (and user) without spaces, not starting with -"));
    }
    let destination = match user {
        Some(u) => format!("{u}@{host}"),
        None => host.to_string(),
    };
    Ok(SshDestination { destination, port })
}

/// A problem with a `[[docker]]` entry, naming the config key it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError {
    pub key: &'static str,
    pub message: String,
}

impl KeyError {
    fn new(key: &'static str, message: impl Into<String>) -> Self {
        Self {
            key,
            message: message.into(),
        }
    }
}

const ALL_THREE: &str = "set tls_ca, tls_cert and tls_key together";

/// Decide the transport for `url` (already `${VAR}`-expanded) and the TLS
/// keys of `cfg`. Pure: reads no file.
pub fn endpoint(url: &str, cfg: &DockerConfig) -> Result<Endpoint, KeyError> {
    let given: Vec<(&'static str, &PathBuf)> = [
        ("tls_ca", cfg.tls_ca.as_ref()),
        ("tls_cert", cfg.tls_cert.as_ref()),
        ("tls_key", cfg.tls_key.as_ref()),
    ]
    .into_iter()
    .filter_map(|(k, p)| p.map(|p| (k, p)))
    .collect();
    let first_given = given.first().map(|(k, _)| *k);
    let files = match (&cfg.tls_ca, &cfg.tls_cert, &cfg.tls_key) {
        (Some(ca), Some(cert), Some(key)) => Some(TlsFiles {
            ca: ca.clone(),
            cert: cert.clone(),
            key: key.clone(),
        }),
        (None, None, None) => None,
        _ => {
            let missing: Vec<&str> = ["tls_ca", "tls_cert", "tls_key"]
                .into_iter()
                .filter(|k| !given.iter().any(|(g, _)| g == k))
                .collect();
            let set: Vec<&str> = given.iter().map(|(k, _)| *k).collect();
            let verb = if set.len() == 1 { "is" } else { "are" };
            return Err(KeyError::new(
                first_given.unwrap_or("tls_ca"),
                format!(
                    "{} {verb} set without {}: {ALL_THREE}",
                    set.join(" and "),
                    missing.join(" and ")
                ),
            ));
        }
    };
    if let Some(path) = url.strip_prefix("unix://") {
        if let Some(key) = first_given {
            return Err(KeyError::new(
                key,
                "TLS keys do not apply to a unix:// socket: remove them, or use tcp:// or https://",
            ));
        }
        return Ok(Endpoint::Unix(path.to_string()));
    }
    if let Some(rest) = url.strip_prefix("ssh://") {
        if let Some(key) = first_given {
            return Err(KeyError::new(
                key,
                "TLS keys do not apply to ssh://: ssh authenticates (your agent and known_hosts)",
            ));
        }
        return ssh_destination(rest, "url").map(Endpoint::Ssh);
    }
    if let Some(rest) = url.strip_prefix("http://") {
        if let Some(key) = first_given {
            return Err(KeyError::new(
                key,
                "http:// is plain HTTP: use https:// (or tcp://) with tls_ca, tls_cert and tls_key",
            ));
        }
        return Ok(Endpoint::Http(format!("http://{rest}")));
    }
    let (rest, https) = if let Some(rest) = url.strip_prefix("tcp://") {
        (rest, false)
    } else if let Some(rest) = url.strip_prefix("https://") {
        (rest, true)
    } else {
        return Err(KeyError::new(
            "url",
            format!("docker url {url:?} must start with unix://, tcp://, http://, https:// or ssh://"),
        ));
    };
    match files {
        Some(files) => Ok(Endpoint::Tls {
            addr: rest.trim_end_matches('/').to_string(),
            files,
        }),
        None if https => Err(KeyError::new(
            "url",
            "https:// needs tls_ca (the CA of the daemon's certificate), tls_cert and tls_key (our client certificate and its key)",
        )),
        None => Ok(Endpoint::Http(format!("http://{rest}"))),
    }
}

/// Read the three TLS files and check that each holds what it should: PEM
/// certificates in `tls_ca` and `tls_cert`, one private key in `tls_key`
/// that belongs to the certificate. Errors name the key and the path, never
/// what the files hold.
pub fn check_tls_files(files: &TlsFiles) -> Result<(), KeyError> {
    read_tls_files(files).map(|_| ())
}

/// What the three TLS files hold, read and checked.
pub(crate) struct TlsMaterial {
    pub(crate) ca: Vec<CertificateDer<'static>>,
    pub(crate) chain: Vec<CertificateDer<'static>>,
    pub(crate) key: PrivateKeyDer<'static>,
}

/// `check_tls_files`, keeping what was read.
pub(crate) fn read_tls_files(files: &TlsFiles) -> Result<TlsMaterial, KeyError> {
    let ca = read_certs("tls_ca", &files.ca)?;
    if ca.is_empty() {
        return Err(no_pem("tls_ca", &files.ca, "certificate"));
    }
    let cert = read_certs("tls_cert", &files.cert)?;
    if cert.is_empty() {
        return Err(no_pem("tls_cert", &files.cert, "certificate"));
    }
    // Read the bytes first so "cannot read" and "not a key" are told apart.
    let bytes = read("tls_key", &files.key)?;
    let key = match PrivateKeyDer::from_pem_slice(&bytes) {
        Ok(k) => k,
        Err(rustls::pki_types::pem::Error::NoItemsFound) => return Err(no_pem("tls_key", &files.key, "private key")),
        // The parser's message may quote the file: say only that it is broken.
        Err(_) => {
            return Err(KeyError::new(
                "tls_key",
                format!("{} is not a valid PEM private key", files.key.display()),
            ))
        }
    };
    let provider = rustls::crypto::ring::default_provider();
    let signer = provider.key_provider.load_private_key(key.clone_key()).map_err(|_| {
        KeyError::new(
            "tls_key",
            format!(
                "{}: unsupported private key (RSA, ECDSA P-256/P-384 or Ed25519 expected)",
                files.key.display()
            ),
        )
    })?;
    let certified = rustls::sign::CertifiedKey::new(cert.clone(), signer);
    match certified.keys_match() {
        Ok(()) | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {
            Ok(TlsMaterial { ca, chain: cert, key })
        }
        Err(rustls::Error::InconsistentKeys(_)) => Err(KeyError::new(
            "tls_key",
            format!(
                "{} is not the key of the certificate in {}",
                files.key.display(),
                files.cert.display()
            ),
        )),
        Err(e) => Err(KeyError::new(
            "tls_cert",
            format!("{}: not a usable certificate: {e}", files.cert.display()),
        )),
    }
}

fn read(key: &'static str, path: &Path) -> Result<Vec<u8>, KeyError> {
    std::fs::read(path).map_err(|e| KeyError::new(key, format!("cannot read {}: {}", path.display(), io_words(&e))))
}

fn read_certs(key: &'static str, path: &Path) -> Result<Vec<CertificateDer<'static>>, KeyError> {
    let bytes = read(key, path)?;
    CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| KeyError::new(key, format!("{} is not a valid PEM file", path.display())))
}

fn no_pem(key: &'static str, path: &Path, what: &str) -> KeyError {
    KeyError::new(key, format!("{} holds no PEM {what}", path.display()))
}

/// "No such file or directory", without the "(os error 2)".
fn io_words(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigUrl;
    use std::time::Duration;

    fn cfg(url: &str, ca: Option<&str>, cert: Option<&str>, key: Option<&str>) -> DockerConfig {
        DockerConfig {
            name: "t".into(),
            url: ConfigUrl::new(url),
            tls_ca: ca.map(PathBuf::from),
            tls_cert: cert.map(PathBuf::from),
            tls_key: key.map(PathBuf::from),
            interval: Duration::from_secs(5),
            timeout: Duration::from_secs(3),
            read_only: false,
            env: None,
        }
    }

    fn ep(c: &DockerConfig) -> Result<Endpoint, KeyError> {
        endpoint(c.url.as_written(), c)
    }

    #[test]
    fn urls_choose_the_transport() {
        let tls = |u| cfg(u, Some("/c/ca.pem"), Some("/c/cert.pem"), Some("/c/key.pem"));
        let files = TlsFiles {
            ca: "/c/ca.pem".into(),
            cert: "/c/cert.pem".into(),
            key: "/c/key.pem".into(),
        };
        assert_eq!(
            ep(&cfg("unix:///run/d.sock", None, None, None)),
            Ok(Endpoint::Unix("/run/d.sock".into()))
        );
        assert_eq!(
            ep(&cfg("tcp://10.0.0.5:2375", None, None, None)),
            Ok(Endpoint::Http("http://10.0.0.5:2375".into()))
        );
        assert_eq!(
            ep(&cfg("http://10.0.0.5:2375", None, None, None)),
            Ok(Endpoint::Http("http://10.0.0.5:2375".into()))
        );
        for u in ["tcp://10.0.0.5:2376", "https://10.0.0.5:2376/"] {
            assert_eq!(
                ep(&tls(u)),
                Ok(Endpoint::Tls {
                    addr: "10.0.0.5:2376".into(),
                    files: files.clone()
                })
            );
        }
    }

    #[test]
    fn tls_key_mistakes_are_named() {
        let e = ep(&cfg("https://h:2376", None, None, None)).unwrap_err();
        assert_eq!(e.key, "url");
        assert!(e.message.contains("tls_ca") && e.message.contains("tls_key"), "{e:?}");
        let e = ep(&cfg("tcp://h:2376", Some("/ca"), Some("/cert"), None)).unwrap_err();
        assert_eq!(
            e.message,
            "tls_ca and tls_cert are set without tls_key: set tls_ca, tls_cert and tls_key together"
        );
        let e = ep(&cfg("tcp://h:2376", None, None, Some("/key"))).unwrap_err();
        assert_eq!(e.key, "tls_key");
        assert!(e.message.contains("without tls_ca and tls_cert"), "{e:?}");
        let e = ep(&cfg("unix:///s", Some("/ca"), Some("/cert"), Some("/key"))).unwrap_err();
        assert_eq!(e.key, "tls_ca");
        assert!(e.message.contains("unix://"), "{e:?}");
        let e = ep(&cfg("http://h:2376", Some("/ca"), Some("/cert"), Some("/key"))).unwrap_err();
        assert!(e.message.contains("plain HTTP"), "{e:?}");
    }

    #[test]
    fn ssh_urls_name_the_destination_and_refuse_what_ssh_would_misread() {
        let dest = |u: &str| match ep(&cfg(u, None, None, None)) {
            Ok(Endpoint::Ssh(d)) => Ok((d.destination, d.port)),
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e.message),
        };
        assert_eq!(dest("ssh://ops@db-1"), Ok(("ops@db-1".into(), None)));
        assert_eq!(dest("ssh://ops@db-1:2222/"), Ok(("ops@db-1".into(), Some(2222))));
        assert_eq!(dest("ssh://db-1"), Ok(("db-1".into(), None)));
        assert_eq!(dest("ssh://[::1]:22"), Ok(("[::1]".into(), Some(22))));
        for bad in [
            "ssh://-oProxyCommand=x",
            "ssh://ops@host:port",
            "ssh://ops@host/var/run",
            "ssh://",
            "ssh://a b",
        ] {
            let e = dest(bad).expect_err(bad);
            assert!(e.starts_with("ssh url:"), "{bad}: {e}");
        }
        let e = ep(&cfg("ssh://h", Some("/c/ca.pem"), Some("/c/c.pem"), Some("/c/k.pem"))).expect_err("tls");
        assert_eq!(e.key, "tls_ca");
    }
}
