//! `[[redis]]` and `[[prometheus]]` targets: one poll each, as the console
//! would make it, bounded by the target's timeout; what it found, or what
//! went wrong with the fix for it.

use super::{bounded, Finding};
use crate::config::{PrometheusConfig, RedisConfig};

pub async fn redis(cfg: &RedisConfig) -> Vec<Finding> {
    let subject = format!("redis {:?}", cfg.name);
    let mut poller = crate::backends::redis::RedisPoller::new(cfg);
    match bounded(cfg.timeout, poller.poll()).await {
        Ok(s) => {
            let mut out = vec![Finding::ok(
                &subject,
                format!(
                    "answers PING and INFO at {}: Redis {} {}, {:.1} ms",
                    cfg.url,
                    crate::text::clean::line(s.version.clone()),
                    s.role_word(),
                    s.ping_ms
                ),
            )];
            if s.maxmemory == 0 {
                out.push(Finding::info(
                    &subject,
                    "no maxmemory: memory is shown, never judged against a limit",
                ));
            }
            out
        }
        Err(e) => {
            let fix = if e.contains("password") || e.contains("authentication") {
                "set password_env or password_file to where the password is (requirepass, or the user's)"
            } else {
                "check the url (redis://HOST:6379, Redis's default port) and that the server runs"
            };
            vec![Finding::fail(
                &subject,
                format!("not reachable at {}: {e}", cfg.url),
                fix,
            )]
        }
    }
}

pub async fn prometheus(cfg: &PrometheusConfig) -> Vec<Finding> {
    let subject = format!("prometheus {:?}", cfg.name);
    let mut poller = crate::backends::prometheus::PrometheusPoller::new(cfg);
    match bounded(cfg.timeout, poller.poll()).await {
        Ok(s) => {
            let up = s.targets.iter().filter(|t| t.up).count();
            let mut out = vec![Finding::ok(
                &subject,
                format!("answers at {}: {up} of {} targets up", cfg.url, s.targets.len()),
            )];
            for (name, error) in s
                .queries
                .iter()
                .filter_map(|q| Some((&q.name, q.result.as_ref().err()?)))
            {
                out.push(Finding::fail(
                    &subject,
                    format!("query {name:?} fails: {error}"),
                    "fix its expr in [[prometheus.query]] (try it in Prometheus's expression browser)",
                ));
            }
            out
        }
        Err(e) => {
            let fix = if e.contains("401") || e.contains("403") {
                "give the credentials by reference: username with password_env, or bearer_token_env"
            } else {
                "check the url (Prometheus listens on port 9090 by default, without /api/...) and that it runs"
            };
            vec![Finding::fail(
                &subject,
                format!("not reachable at {}: {e}", cfg.url),
                fix,
            )]
        }
    }
}
