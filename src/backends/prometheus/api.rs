//! Prometheus's HTTP API, read only (GET): the calls the poller and the
//! `promql` check share, each bounded by the client's timeout, and the
//! parsing of their answers. Garbage is an error in plain words, never a
//! panic; the server's text is cleaned before it goes anywhere.

use crate::config::{PrometheusConfig, Secret};
use crate::model::prometheus::{labels_text, FailingRule, PromSample, PromTarget};
use crate::text::clean;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// A range answer's series: its labels and its (time, value) points.
pub type RangeSeries = (String, Vec<(f64, f64)>);

/// One server, ready to ask: its base URL and credentials resolved.
pub struct Api<'a> {
    client: &'a reqwest::Client,
    base: Secret,
    auth: Auth,
    timeout: Duration,
}

enum Auth {
    None,
    Basic(String, Secret),
    Bearer(Secret),
}

/// Every answer of the API is wrapped so.
#[derive(Deserialize)]
struct Envelope<T> {
    status: String,
    data: Option<T>,
    #[serde(default)]
    error: String,
}

impl<'a> Api<'a> {
    /// The server `cfg` names, its URL expanded and its secrets read now (a
    /// rotated token is picked up at the next poll).
    pub fn new(cfg: &PrometheusConfig, client: &'a reqwest::Client) -> Result<Self, String> {
        let base = cfg.url.expand()?;
        let base = Secret::new(base.expose().trim_end_matches('/'));
        let auth = if let Some(token) = cfg.bearer_token().resolve()? {
            Auth::Bearer(token)
        } else if let Some(user) = &cfg.username {
            let pw = cfg.password().resolve()?.unwrap_or_else(|| Secret::new(""));
            Auth::Basic(user.clone(), pw)
        } else {
            Auth::None
        };
        Ok(Self {
            client,
            base,
            auth,
            timeout: cfg.timeout,
        })
    }

    /// GET `path` and the `data` of its answer.
    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str, query: &[(&str, &str)]) -> Result<T, String> {
        let failed = |e| crate::backends::http_error(e, self.timeout);
        let mut req = self.client.get(format!("{}{path}", self.base.expose())).query(query);
        req = match &self.auth {
            Auth::None => req,
            Auth::Basic(user, pw) => req.basic_auth(user, Some(pw.expose())),
            Auth::Bearer(token) => req.bearer_auth(token.expose()),
        };
        let resp = req.send().await.map_err(failed)?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(failed)?;
        parse_envelope(status, &body)
    }

    /// Every active scrape target: down first, then by job and instance.
    pub async fn targets(&self) -> Result<Vec<PromTarget>, String> {
        let raw: RawTargets = self.get("/api/v1/targets", &[("state", "active")]).await?;
        Ok(targets_of(raw))
    }

    /// The rules whose last evaluation failed.
    pub async fn failing_rules(&self) -> Result<Vec<FailingRule>, String> {
        let raw: RawRules = self.get("/api/v1/rules", &[]).await?;
        Ok(failing_of(raw))
    }

    /// Series in the TSDB head.
    pub async fn head_series(&self) -> Result<u64, String> {
        let raw: RawTsdb = self.get("/api/v1/status/tsdb", &[]).await?;
        Ok(raw.head_stats.num_series)
    }

    /// An instant query now: each series with its value, sorted by labels.
    pub async fn query(&self, expr: &str) -> Result<Vec<PromSample>, String> {
        let raw: RawResult = self.get("/api/v1/query", &[("query", expr)]).await?;
        instant_of(raw)
    }

    /// A range query: each series (sorted by labels) with its points.
    pub async fn query_range(&self, expr: &str, start: i64, end: i64, step: i64) -> Result<Vec<RangeSeries>, String> {
        let (start, end, step) = (start.to_string(), end.to_string(), step.to_string());
        let q = [("query", expr), ("start", &start), ("end", &end), ("step", &step)];
        let raw: RawResult = self.get("/api/v1/query_range", &q).await?;
        range_of(raw)
    }
}

/// The `data` of an answer, or the server's own words for why not.
pub fn parse_envelope<T: serde::de::DeserializeOwned>(status: reqwest::StatusCode, body: &[u8]) -> Result<T, String> {
    match serde_json::from_slice::<Envelope<T>>(body) {
        Ok(e) if e.status == "success" => e.data.ok_or_else(|| "Prometheus answered without data".to_string()),
        Ok(e) if !e.error.is_empty() => Err(format!("Prometheus: {}", clean::line(e.error))),
        _ if !status.is_success() => Err(format!("Prometheus answered HTTP {status}")),
        Ok(_) => Err("Prometheus answered neither success nor an error".into()),
        Err(e) => Err(format!("unexpected answer from Prometheus: {e}")),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawTargets {
    active_targets: Vec<RawTarget>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTarget {
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    scrape_pool: String,
    #[serde(default)]
    last_error: String,
    #[serde(default)]
    last_scrape_duration: f64,
    health: String,
}

pub fn targets_of(raw: RawTargets) -> Vec<PromTarget> {
    let mut out: Vec<PromTarget> = raw
        .active_targets
        .into_iter()
        .map(|t| PromTarget {
            job: clean::line(t.labels.get("job").cloned().unwrap_or(t.scrape_pool)),
            instance: clean::line(t.labels.get("instance").cloned().unwrap_or_default()),
            // "unknown" (not scraped yet) is not down.
            up: t.health != "down",
            last_error: clean::line(t.last_error),
            // Shown only for a target that is down: for the others it
            // would make every poll differ, and each differing poll is
            // drawn again.
            scrape_secs: if t.health == "down" {
                t.last_scrape_duration
            } else {
                0.0
            },
        })
        .collect();
    out.sort_by(|a, b| (a.up, &a.job, &a.instance).cmp(&(b.up, &b.job, &b.instance)));
    out
}

#[derive(Deserialize)]
pub struct RawRules {
    groups: Vec<RawGroup>,
}

#[derive(Deserialize)]
struct RawGroup {
    name: String,
    #[serde(default)]
    rules: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRule {
    name: String,
    #[serde(default)]
    health: String,
    #[serde(default)]
    last_error: String,
}

pub fn failing_of(raw: RawRules) -> Vec<FailingRule> {
    raw.groups
        .into_iter()
        .flat_map(|g| {
            let group = clean::line(g.name);
            g.rules
                .into_iter()
                .filter(|r| r.health == "err")
                .map(move |r| FailingRule {
                    group: group.clone(),
                    name: clean::line(r.name),
                    error: clean::line(r.last_error),
                })
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTsdb {
    head_stats: RawHead,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawHead {
    num_series: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawResult {
    result_type: String,
    result: serde_json::Value,
}

#[derive(Deserialize)]
struct RawSeries {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    #[serde(default)]
    value: Option<(f64, String)>,
    #[serde(default)]
    values: Vec<(f64, String)>,
}

/// Prometheus writes values as text: "1", "0.25", "NaN", "+Inf".
fn value_of(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .map_err(|_| format!("unexpected value from Prometheus: {:?}", clean::line(text.to_string())))
}

fn series_of(result: serde_json::Value) -> Result<Vec<RawSeries>, String> {
    serde_json::from_value(result).map_err(|e| format!("unexpected query result from Prometheus: {e}"))
}

/// An instant answer: a vector (each series), a scalar (one, no labels),
/// or a matrix (each series at its last point).
pub fn instant_of(raw: RawResult) -> Result<Vec<PromSample>, String> {
    let mut out = match raw.result_type.as_str() {
        "scalar" => {
            let (_, v): (f64, String) =
                serde_json::from_value(raw.result).map_err(|e| format!("unexpected scalar from Prometheus: {e}"))?;
            vec![PromSample {
                labels: "scalar".into(),
                value: value_of(&v)?,
            }]
        }
        "vector" | "matrix" => {
            let mut out = Vec::new();
            for s in series_of(raw.result)? {
                let last = s.value.or_else(|| s.values.last().cloned());
                let Some((_, v)) = last else { continue };
                out.push(PromSample {
                    labels: clean::line(labels_text(&s.metric)),
                    value: value_of(&v)?,
                });
            }
            out
        }
        other => {
            return Err(format!(
                "a {} result has no number to show",
                clean::line(other.to_string())
            ))
        }
    };
    out.sort_by(|a, b| a.labels.cmp(&b.labels));
    Ok(out)
}

/// A range answer: each series with its (time, value) points.
pub fn range_of(raw: RawResult) -> Result<Vec<RangeSeries>, String> {
    if raw.result_type != "matrix" {
        return Err(format!(
            "a range query answered a {}",
            clean::line(raw.result_type.clone())
        ));
    }
    let mut out = Vec::new();
    for s in series_of(raw.result)? {
        let points = s
            .values
            .iter()
            .map(|(t, v)| value_of(v).map(|v| (*t, v)))
            .collect::<Result<Vec<_>, _>>()?;
        out.push((clean::line(labels_text(&s.metric)), points));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    /// One request's head as a server on loopback received it; it answers 401.
    async fn request_head(cfg_extra: &str) -> (String, Result<Vec<PromTarget>, String>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.expect("accept");
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = sock.read(&mut buf).await.expect("read");
                if n == 0 {
                    break;
                }
                head.extend_from_slice(&buf[..n]);
            }
            let _ = sock
                .write_all(
                    b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 13\r\nconnection: close\r\n\r\nUnauthorized\n",
                )
                .await;
            String::from_utf8_lossy(&head).into_owned()
        });
        let text = format!("[[prometheus]]\nname = \"p\"\nurl = \"http://{addr}\"\n{cfg_extra}");
        let config = crate::config::Config::parse(&text, std::path::Path::new("t.toml")).expect("config");
        let cfg = &config.prometheus[0];
        let client = crate::backends::http_client(cfg.timeout).expect("client");
        let api = Api::new(cfg, &client).expect("api");
        let result = api.targets().await;
        (server.await.expect("server"), result)
    }

    #[tokio::test]
    async fn credentials_are_sent_by_reference_and_never_shown() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pw = dir.path().join("pw");
        std::fs::write(&pw, "s3cret-pw\n").expect("write");
        let token = dir.path().join("token");
        std::fs::write(&token, "tok-123\n").expect("write");

        let (head, result) = request_head(&format!("username = \"ops\"\npassword_file = {:?}\n", pw)).await;
        // base64("ops:s3cret-pw")
        assert!(head.contains("authorization: Basic b3BzOnMzY3JldC1wdw=="), "{head}");
        assert!(
            head.starts_with("GET /api/v1/targets?state=active "),
            "read only: {head}"
        );
        let err = result.expect_err("401");
        assert_eq!(err, "Prometheus answered HTTP 401 Unauthorized");

        let (head, result) = request_head(&format!("bearer_token_file = {:?}\n", token)).await;
        assert!(head.contains("authorization: Bearer tok-123"), "{head}");
        assert!(!result.expect_err("401").contains("tok-123"));

        let config = crate::config::Config::parse(
            &format!("[[prometheus]]\nname = \"p\"\nurl = \"http://x\"\nbearer_token_file = {token:?}\n"),
            std::path::Path::new("t.toml"),
        )
        .expect("config");
        assert!(!format!("{config:?}").contains("tok-123"));
        assert_eq!(config.redactor().redact("Bearer tok-123"), "Bearer [redacted]");
    }

    #[test]
    fn errors_are_the_servers_words_and_garbage_is_an_error() {
        let bad = br#"{"status":"error","errorType":"bad_data","error":"parse error: unclosed left parenthesis"}"#;
        let r: Result<RawResult, _> = parse_envelope(StatusCode::BAD_REQUEST, bad);
        assert_eq!(
            r.err().as_deref(),
            Some("Prometheus: parse error: unclosed left parenthesis")
        );
        let r: Result<RawResult, _> = parse_envelope(StatusCode::UNAUTHORIZED, b"Unauthorized\n");
        assert_eq!(r.err().as_deref(), Some("Prometheus answered HTTP 401 Unauthorized"));
        let r: Result<RawTargets, _> = parse_envelope(StatusCode::OK, b"<html>");
        assert!(r.is_err());
        let r: Result<RawTargets, _> = parse_envelope(StatusCode::OK, br#"{"status":"success","data":{"x":1}}"#);
        assert!(r.is_err());
    }

    #[test]
    fn instant_results_sorted_with_labels_and_odd_values() {
        let body = br#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"__name__":"up","job":"z"},"value":[1.5,"NaN"]},
            {"metric":{"__name__":"up","job":"a"},"value":[1.5,"+Inf"]}]}}"#;
        let raw: RawResult = parse_envelope(StatusCode::OK, body).expect("parse");
        let s = instant_of(raw).expect("vector");
        assert_eq!(s[0].labels, "up{job=\"a\"}");
        assert!(s[0].value.is_infinite() && s[1].value.is_nan());
        let scalar = br#"{"status":"success","data":{"resultType":"scalar","result":[1.5,"42"]}}"#;
        let raw: RawResult = parse_envelope(StatusCode::OK, scalar).expect("parse");
        assert_eq!(instant_of(raw).expect("scalar")[0].value, 42.0);
        let junk = br#"{"status":"success","data":{"resultType":"vector","result":[{"value":[1,"x"]}]}}"#;
        let raw: RawResult = parse_envelope(StatusCode::OK, junk).expect("parse");
        assert!(instant_of(raw).is_err());
    }
}
