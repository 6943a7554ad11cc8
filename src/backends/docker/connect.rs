//! How opsdeck reaches a Docker engine: a unix socket, plain HTTP, or HTTPS
//! with a client certificate (`tls_ca`, `tls_cert`, `tls_key`), and what to
//! say, on one line, when that fails.
//!
//! - `unix:///path`: the socket; no TLS keys allowed.
//! - `tcp://host:port` or `http://host:port` without TLS keys: plain HTTP.
//! - `tcp://host:port` or `https://host:port` with all three TLS keys: HTTPS,
//!   the daemon's certificate checked against `tls_ca` (and the system roots),
//!   our client certificate presented (`dockerd --tlsverify`).
//!
//! Key files are read to check them, never shown: errors name the path only.

use crate::config::DockerConfig;
use bollard::Docker;
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
            format!("docker url {url:?} must start with unix://, tcp://, http:// or https://"),
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

/// bollard's TLS client asks rustls for the process-wide crypto provider and
/// panics when there is none: install ring (the provider this build carries)
/// once, before the first TLS connection.
fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err only means another provider was installed first: that one serves.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Connect and agree on the API version: older daemons (Debian's 20.10)
/// refuse newer clients. `timeout_secs` bounds every request of the client.
pub async fn connect(cfg: &DockerConfig, timeout_secs: u64) -> Result<Docker, String> {
    let url = cfg.url.expand()?;
    let endpoint = endpoint(url.expose(), cfg).map_err(|e| e.message)?;
    let version = bollard::API_DEFAULT_VERSION;
    let client = match &endpoint {
        Endpoint::Unix(path) => Docker::connect_with_unix(path, timeout_secs, version),
        Endpoint::Http(addr) => Docker::connect_with_http(addr, timeout_secs, version),
        Endpoint::Tls { addr, files } => {
            // bollard reads them itself, and a bad key would only show as the
            // daemon refusing us: check them first, for a message that says why.
            check_tls_files(files).map_err(|e| format!("{}: {}", e.key, e.message))?;
            install_crypto_provider();
            Docker::connect_with_ssl(addr, &files.key, &files.cert, &files.ca, timeout_secs, version)
        }
    };
    let timeout = |e: bollard::errors::Error| match e {
        bollard::errors::Error::RequestTimeoutError => format!(
            "no answer within {}",
            humantime::format_duration(std::time::Duration::from_secs(timeout_secs))
        ),
        e => explain(&e),
    };
    let e = match client.map_err(timeout)?.negotiate_version().await {
        Ok(docker) => return Ok(docker),
        Err(e) => e,
    };
    // A transport failure that names no TLS error may be a refusal hyper
    // lost; an HTTP answer or a timeout means the daemon did not refuse us.
    let silent = matches!(e, bollard::errors::Error::HyperLegacyError { .. }) && tls_error_in(&e).is_none();
    if let (Endpoint::Tls { addr, files }, true) = (&endpoint, silent) {
        let wait = std::time::Duration::from_secs(timeout_secs.clamp(1, 3));
        if let Some(alert) = crate::backends::docker::tls_probe::refusal(addr, files, wait).await {
            return Err(explain_tls(&rustls::Error::AlertReceived(alert)));
        }
    }
    Err(timeout(e))
}

/// The TLS error somewhere in `e`'s causes.
fn tls_error_in(e: &bollard::errors::Error) -> Option<&rustls::Error> {
    let mut causes = Vec::new();
    causes_of(e, &mut causes);
    causes.into_iter().find_map(|c| c.downcast_ref::<rustls::Error>())
}

/// One line an operator can act on: "certificate verify failed: unknown CA",
/// "connection refused", "the daemon refused our client certificate", ...
/// Anything not recognised is the whole error chain, on one line.
pub fn explain(e: &bollard::errors::Error) -> String {
    use bollard::errors::Error as B;
    if let Some(tls) = tls_error_in(e) {
        return explain_tls(tls);
    }
    let mut causes = Vec::new();
    causes_of(e, &mut causes);
    // The innermost io::Error says what happened; the outer ones wrap it.
    let io_kind = causes
        .iter()
        .rev()
        .find_map(|c| c.downcast_ref::<std::io::Error>())
        .map(|io| io.kind());
    match io_kind {
        Some(std::io::ErrorKind::ConnectionRefused) => return "connection refused".into(),
        Some(std::io::ErrorKind::NotFound) => return "socket not found (is dockerd running?)".into(),
        Some(std::io::ErrorKind::PermissionDenied) => {
            return "permission denied on the socket (is this user in the docker group?)".into()
        }
        _ => {}
    }
    match e {
        B::SocketNotFoundError(path) => format!("socket {path} not found (is dockerd running?)"),
        B::DockerResponseServerError { message, .. } if message.contains("HTTP request to an HTTPS server") => {
            "the daemon speaks TLS: use https:// (or tcp://) with tls_ca, tls_cert and tls_key".into()
        }
        B::RequestTimeoutError => "no answer in time".into(),
        _ => crate::text::error_chain(e),
    }
}

/// `e` and its causes, outermost first. An io::Error hides the error it wraps
/// from `source()` (it skips to that error's own source), and hyper-rustls
/// wraps the TLS error in two of them: look inside each.
fn causes_of<'a>(e: &'a (dyn std::error::Error + 'static), out: &mut Vec<&'a (dyn std::error::Error + 'static)>) {
    let mut next = Some(e);
    while let Some(err) = next {
        out.push(err);
        if let Some(inner) = err.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            causes_of(inner, out);
        }
        next = err.source();
    }
}

fn explain_tls(e: &rustls::Error) -> String {
    use rustls::{AlertDescription as A, CertificateError as C};
    match e {
        rustls::Error::InvalidCertificate(c) => {
            let why = match c {
                C::UnknownIssuer => "unknown CA (the daemon's certificate is not signed by tls_ca)".to_string(),
                C::NotValidForName | C::NotValidForNameContext { .. } => {
                    "the daemon's certificate is not for this host name or address".to_string()
                }
                C::Expired | C::ExpiredContext { .. } => "the daemon's certificate has expired".to_string(),
                C::NotValidYet | C::NotValidYetContext { .. } => {
                    "the daemon's certificate is not valid yet (check the clocks)".to_string()
                }
                C::BadSignature => "bad signature".to_string(),
                _ => return crate::text::one_line(&format!("certificate verify failed: {e}")),
            };
            format!("certificate verify failed: {why}")
        }
        rustls::Error::AlertReceived(alert) => match alert {
            A::BadCertificate
            | A::UnknownCA
            | A::CertificateRequired
            | A::CertificateUnknown
            | A::UnsupportedCertificate
            | A::CertificateRevoked
            | A::CertificateExpired
            | A::AccessDenied => format!(
                "the daemon refused our client certificate ({}): tls_cert must be signed by the CA the daemon trusts",
                alert_words(alert)
            ),
            other => format!("TLS: the daemon ended the handshake ({})", alert_words(other)),
        },
        other => format!("TLS: {other}"),
    }
}

/// `BadCertificate` → "bad certificate".
fn alert_words(alert: &rustls::AlertDescription) -> String {
    let name = format!("{alert:?}");
    let mut out = String::new();
    let mut prev_upper = true;
    for ch in name.chars() {
        if ch.is_ascii_uppercase() && !prev_upper {
            out.push(' ');
        }
        prev_upper = ch.is_ascii_uppercase();
        out.push(ch.to_ascii_lowercase());
    }
    out
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
    fn alert_names_read_as_words() {
        assert_eq!(
            alert_words(&rustls::AlertDescription::BadCertificate),
            "bad certificate"
        );
        assert_eq!(alert_words(&rustls::AlertDescription::UnknownCA), "unknown ca");
    }

    #[test]
    fn tls_verify_errors_read_as_one_line() {
        let e = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        assert_eq!(
            explain_tls(&e),
            "certificate verify failed: unknown CA (the daemon's certificate is not signed by tls_ca)"
        );
        let e = rustls::Error::AlertReceived(rustls::AlertDescription::BadCertificate);
        assert!(explain_tls(&e).starts_with("the daemon refused our client certificate (bad certificate)"));
    }
}
