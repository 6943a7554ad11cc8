//! How opsdeck reaches a Docker engine: a unix socket, plain HTTP, or HTTPS
//! with a client certificate (`tls_ca`, `tls_cert`, `tls_key`), and what to
//! say, on one line, when that fails.
//!
//! - `unix:///path`: the socket; no TLS keys allowed.
//! - `tcp://host:port` or `http://host:port` without TLS keys: plain HTTP.
//! - `tcp://host:port` or `https://host:port` with all three TLS keys: HTTPS,
//!   the daemon's certificate checked against `tls_ca` (and the system roots),
//!   our client certificate presented (`dockerd --tlsverify`).
//! - `ssh://[user@]host[:port]`: the system ssh and `docker system dial-stdio`
//!   on the far side (`ssh.rs`).
//!
//! Key files are read to check them, never shown: errors name the path only.
//!
//! Deciding the endpoint and checking the TLS files is the config's
//! (`config::docker_endpoint`): a config whose TLS files are wrong is refused
//! at load time, and the files are checked again here before connecting.

use crate::config::DockerConfig;
use bollard::Docker;

pub use crate::config::docker_endpoint::{check_tls_files, endpoint, Endpoint, KeyError, TlsFiles};
pub(crate) use crate::config::docker_endpoint::{read_tls_files, TlsMaterial};

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
        Endpoint::Ssh(dest) => crate::backends::docker::ssh::client(dest, timeout_secs),
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
