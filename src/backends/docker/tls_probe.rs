//! A second look at a TLS connection that failed without saying why.
//!
//! In TLS 1.3 the client finishes its side of the handshake before the
//! daemon has checked the client certificate; the daemon's refusal (an
//! alert) arrives afterwards. hyper's connection task may read that alert
//! and close before the request is handed to it, and the request then fails
//! with only "connection was not ready". This probe shakes hands itself and
//! reads, so the alert reaches us and the operator is told the real reason.

use crate::backends::docker::connect::{read_tls_files, TlsFiles, TlsMaterial};
use rustls::pki_types::ServerName;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// The alert the daemon at `addr` (`host:port`) answers our client
/// certificate with, if it refuses it within `wait`. `None` when it accepts
/// us, or when anything else goes wrong: the caller keeps its own error then.
pub async fn refusal(addr: &str, files: &TlsFiles, wait: Duration) -> Option<rustls::AlertDescription> {
    tokio::time::timeout(wait, shake_and_read(addr, files))
        .await
        .ok()
        .flatten()
}

async fn shake_and_read(addr: &str, files: &TlsFiles) -> Option<rustls::AlertDescription> {
    let config = client_config(files)?;
    let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
    let name = ServerName::try_from(host.trim_start_matches('[').trim_end_matches(']').to_string()).ok()?;
    let tcp = tokio::net::TcpStream::connect(addr).await.ok()?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    // TLS 1.2: the refusal ends the handshake itself.
    let mut tls = match connector.connect(name, tcp).await {
        Ok(tls) => tls,
        Err(e) => return alert_in(&e),
    };
    // TLS 1.3: it is the first thing read after the handshake. A daemon
    // that accepts us sends nothing more (or a session ticket) and waits.
    let mut buf = [0u8; 256];
    match tls.read(&mut buf).await {
        Err(e) => alert_in(&e),
        Ok(_) => None,
    }
}

fn alert_in(e: &std::io::Error) -> Option<rustls::AlertDescription> {
    match e.get_ref()?.downcast_ref::<rustls::Error>()? {
        rustls::Error::AlertReceived(alert) => Some(*alert),
        _ => None,
    }
}

/// The client bollard builds from the same files: `tls_ca` as the roots,
/// `tls_cert` and `tls_key` as our identity.
fn client_config(files: &TlsFiles) -> Option<rustls::ClientConfig> {
    let TlsMaterial { ca, chain, key } = read_tls_files(files).ok()?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in ca {
        roots.add(cert).ok()?;
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .ok()?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .ok()
}
