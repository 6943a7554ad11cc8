//! HTTP health endpoints: status, latency, the run of failures, and for https
//! the days left on the server's certificate.

use crate::config::HttpConfig;
pub use crate::model::http::{HttpProbe, CERT_WARN_DAYS};
use chrono::{DateTime, Utc};
use std::time::{Duration, Instant};

pub struct HttpPoller {
    url: crate::config::ConfigUrl,
    expected: u16,
    client: Result<reqwest::Client, String>,
    timeout: Duration,
    failures: u32,
    last_success: Option<DateTime<Utc>>,
}

impl HttpPoller {
    pub fn new(cfg: &HttpConfig) -> Self {
        Self {
            url: cfg.url.clone(),
            expected: cfg.expect_status,
            client: client(cfg.timeout),
            timeout: cfg.timeout,
            failures: 0,
            last_success: None,
        }
    }

    pub async fn poll(&mut self) -> Result<HttpProbe, String> {
        let result = self.check().await;
        let passed = matches!(&result, Ok(p) if p.ok());
        self.failures = if passed { 0 } else { self.failures.saturating_add(1) };
        if passed {
            self.last_success = Some(Utc::now());
        }
        let since = match self.last_success {
            Some(t) => format!("last success {}", t.format("%H:%M:%S")),
            None => "no success yet".into(),
        };
        match result {
            Ok(p) => Ok(HttpProbe {
                failures: self.failures,
                last_success: self.last_success,
                ..p
            }),
            Err(e) => Err(format!("{e} ({} failed in a row, {since})", self.failures)),
        }
    }

    async fn check(&self) -> Result<HttpProbe, String> {
        let client = self.client.as_ref().map_err(Clone::clone)?;
        let url = self.url.expand()?;
        let answer = get_once(client, url.expose(), self.timeout, 0).await?;
        Ok(HttpProbe {
            status: answer.status,
            expected: self.expected,
            latency_ms: answer.latency_ms,
            failures: 0,
            last_success: None,
            cert_days_left: answer.cert_days_left,
        })
    }
}

/// What one GET saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// "OK", "Service Unavailable".
    pub reason: String,
    /// Until the response headers arrived.
    pub latency_ms: u64,
    /// Days until the server certificate expires (https only).
    pub cert_days_left: Option<i64>,
    /// A few headers worth showing (type, length, server); never cookies.
    pub headers: Vec<(String, String)>,
    /// The start of the body, at most `body_limit` bytes, as text.
    pub body_start: String,
}

/// Headers kept in an `Answer`: they say what answered, and carry no secret.
const SHOWN_HEADERS: [&str; 4] = ["content-type", "content-length", "server", "location"];

/// One GET with a client from `client()`: status, latency, certificate, and
/// up to `body_limit` bytes of the body (0: the body is not read). Errors
/// never carry the URL (it may hold an expanded secret).
pub async fn get_once(
    client: &reqwest::Client,
    url: &str,
    timeout: Duration,
    body_limit: usize,
) -> Result<Answer, String> {
    let started = Instant::now();
    let mut resp = client
        .get(url)
        .send()
        .await
        .map_err(|e| crate::backends::http_error(e, timeout))?;
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let cert_days_left = resp
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|info| info.peer_certificate())
        .and_then(cert_days_left);
    let headers = SHOWN_HEADERS
        .iter()
        .filter_map(|h| {
            let v = resp.headers().get(*h)?.to_str().ok()?;
            Some((h.to_string(), v.to_string()))
        })
        .collect();
    let mut body = Vec::new();
    while body.len() < body_limit {
        match resp.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk[..chunk.len().min(body_limit - body.len())]),
            Ok(None) => break,
            // A body cut short still says what the server meant.
            Err(_) => break,
        }
    }
    Ok(Answer {
        status: resp.status().as_u16(),
        reason: resp.status().canonical_reason().unwrap_or("").to_string(),
        latency_ms,
        cert_days_left,
        headers,
        body_start: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// Like the shared client, but keeping the peer certificate for the expiry check.
pub fn client(timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("opsdeck/", env!("CARGO_PKG_VERSION")))
        .tls_info(true)
        .build()
        .map_err(|e| crate::text::error_chain(&e))
}

/// Whole days until a DER certificate's notAfter; negative once expired.
pub fn cert_days_left(der: &[u8]) -> Option<i64> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let not_after = cert.validity().not_after.timestamp();
    Some((not_after - Utc::now().timestamp()).div_euclid(86_400))
}

#[cfg(test)]
mod tests {
    #[test]
    fn garbage_certificate_is_no_answer() {
        assert_eq!(super::cert_days_left(b"not a certificate"), None);
    }
}
