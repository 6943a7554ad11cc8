//! HTTP health endpoints.

use crate::config::HttpConfig;
use std::time::Instant;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpProbe {
    pub status: u16,
    pub expected: u16,
    pub latency_ms: u64,
}

impl HttpProbe {
    pub fn ok(&self) -> bool {
        self.status == self.expected
    }
}

pub struct HttpPoller {
    url: crate::config::ConfigUrl,
    expected: u16,
    client: Result<reqwest::Client, String>,
}

impl HttpPoller {
    pub fn new(cfg: &HttpConfig) -> Self {
        let client = super::http_client(cfg.timeout);
        Self {
            url: cfg.url.clone(),
            expected: cfg.expect_status,
            client,
        }
    }

    pub async fn poll(&mut self) -> Result<HttpProbe, String> {
        let client = self.client.as_ref().map_err(Clone::clone)?;
        let url = self.url.expand()?;
        let started = Instant::now();
        let resp = client
            .get(url.expose())
            .send()
            .await
            // reqwest errors include the URL, which may carry an expanded secret.
            .map_err(|e| super::error_chain(&e.without_url()))?;
        Ok(HttpProbe {
            status: resp.status().as_u16(),
            expected: self.expected,
            latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        })
    }
}
