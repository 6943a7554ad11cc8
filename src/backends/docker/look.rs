//! One container's state, health, health-check interval and start period, read by
//! inspect: what a verified restart, start or stop is judged from.

use crate::config::DockerConfig;
use crate::model::verify::{ContainerLook, DEFAULT_HEALTH_INTERVAL};
use bollard::models::ContainerInspectResponse;
use std::time::Duration;

pub async fn look(cfg: &DockerConfig, name: &str) -> Result<ContainerLook, String> {
    let timeout = cfg.timeout.max(Duration::from_secs(1));
    let client = crate::backends::docker::connect(cfg, timeout.as_secs()).await?;
    let resp = tokio::time::timeout(timeout, client.inspect_container(name, None))
        .await
        .map_err(|_| crate::text::no_answer(timeout))?
        .map_err(|e| crate::backends::docker::connect::explain(&e))?;
    Ok(of(&resp))
}

/// Docker leaves a health check's interval 0 when it uses the default; a
/// test of `["NONE"]` turns an image's check off.
pub fn of(r: &ContainerInspectResponse) -> ContainerLook {
    let state = r.state.clone().unwrap_or_default();
    let check = r
        .config
        .as_ref()
        .and_then(|c| c.healthcheck.clone())
        .filter(|h| h.test.as_ref().is_some_and(|t| !t.is_empty() && t[0] != "NONE"));
    let health_interval = check.as_ref().map(|h| match h.interval {
        Some(ns) if ns > 0 => Duration::from_nanos(ns.unsigned_abs()),
        _ => DEFAULT_HEALTH_INTERVAL,
    });
    let health_start_period = check
        .and_then(|h| h.start_period)
        .filter(|ns| *ns > 0)
        .map_or(Duration::ZERO, |ns| Duration::from_nanos(ns.unsigned_abs()));
    let health = state
        .health
        .and_then(|h| h.status)
        .map(|s| s.to_string())
        .filter(|s| !s.is_empty() && s != "none")
        .or_else(|| health_interval.map(|_| "starting".to_string()));
    ContainerLook {
        status: state
            .status
            .map(|s| crate::text::clean::line(s.to_string()))
            .unwrap_or_else(|| "unknown".into()),
        health: health.map(crate::text::clean::line),
        exit_code: state.exit_code,
        health_interval,
        health_start_period,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{ContainerConfig, ContainerState, ContainerStateStatusEnum, HealthConfig};

    #[test]
    fn a_health_check_without_an_interval_uses_dockers_default_and_none_turns_it_off() {
        let with = |test: Vec<&str>, interval: Option<i64>, start_period: Option<i64>| ContainerInspectResponse {
            state: Some(ContainerState {
                status: Some(ContainerStateStatusEnum::RUNNING),
                ..Default::default()
            }),
            config: Some(ContainerConfig {
                healthcheck: Some(HealthConfig {
                    test: Some(test.into_iter().map(String::from).collect()),
                    interval,
                    start_period,
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let l = of(&with(vec!["CMD", "true"], None, None));
        assert_eq!(l.health_interval, Some(DEFAULT_HEALTH_INTERVAL));
        assert_eq!(l.health_start_period, Duration::ZERO);
        assert_eq!(l.health.as_deref(), Some("starting"));
        assert_eq!(l.status, "running");
        let l = of(&with(vec!["CMD", "true"], Some(1_000_000_000), Some(20_000_000_000)));
        assert_eq!(l.health_interval, Some(Duration::from_secs(1)));
        assert_eq!(l.health_start_period, Duration::from_secs(20));
        let l = of(&with(vec!["NONE"], None, Some(20_000_000_000)));
        assert_eq!((l.health_interval, l.health), (None, None));
        assert_eq!(l.health_start_period, Duration::ZERO);
    }
}
