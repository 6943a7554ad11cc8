//! PromQL checks: a query on a `[[prometheus]]` whose single value must
//! be within bounds, or whose answer must be empty (or not). Asked with the
//! backend's own API code; the series seen are the evidence.

use super::{bounds_note, number, out_of_bounds, CheckContext, Outcome};
use crate::backends::prometheus::api::Api;
use crate::config::PrometheusConfig;
use crate::model::prometheus::PromSample;
use crate::runbook::model::PromExpect;

/// What the answer must be.
pub(crate) struct Want {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub expect: Option<PromExpect>,
}

pub(crate) async fn check(
    ctx: &CheckContext,
    target: Option<&str>,
    query: &str,
    want: Want,
) -> Result<Outcome, String> {
    let cfg: &PrometheusConfig = match target {
        Some(name) => ctx
            .prometheus
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| format!("no [[prometheus]] named {name:?} in the config"))?,
        None => ctx.prometheus.first().ok_or("no [[prometheus]] in the config")?,
    };
    let client = crate::backends::http_client(cfg.timeout)?;
    let api = Api::new(cfg, &client)?;
    let series = api.query(query).await?;
    let evidence = evidence(&cfg.name, query, &series);
    Ok(judge(&series, &want, evidence))
}

/// "prometheus main: up{job="api"}: 3 series" then a line per series.
fn evidence(server: &str, query: &str, series: &[PromSample]) -> String {
    let mut out = format!("prometheus {server}: {query}: {} series", series.len());
    for s in series {
        out.push_str(&format!("\n{} {}", s.labels, number(s.value)));
    }
    out
}

fn judge(series: &[PromSample], want: &Want, evidence: String) -> Outcome {
    let count = |n: usize| {
        if n == 1 {
            "1 series".to_string()
        } else {
            format!("{n} series")
        }
    };
    match want.expect {
        Some(PromExpect::Empty) if series.is_empty() => {
            return Outcome::new(true, "no series (empty, as expected)", evidence)
        }
        Some(PromExpect::Empty) => {
            return Outcome::new(false, format!("{} (expected empty)", count(series.len())), evidence)
        }
        Some(PromExpect::Nonempty) if series.is_empty() => {
            return Outcome::new(false, "no series (expected some)", evidence)
        }
        Some(PromExpect::Nonempty) => return Outcome::new(true, count(series.len()), evidence),
        None => {}
    }
    let value = match series {
        [] => return Outcome::new(false, "no data: the query returned no series", evidence),
        [one] => one.value,
        many => {
            let msg = format!("{}: bounds need a query with a single value", count(many.len()));
            return Outcome::new(false, msg, evidence);
        }
    };
    match out_of_bounds(value, want.max, want.min) {
        Some(broke) => Outcome::new(false, format!("{} ({broke})", number(value)), evidence),
        None => Outcome::new(
            true,
            format!("{}{}", number(value), bounds_note(want.max, want.min)),
            evidence,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: f64) -> PromSample {
        PromSample {
            labels: "up".into(),
            value: v,
        }
    }

    #[test]
    fn bounds_want_one_value_and_expectations_count_series() {
        let bounds = Want {
            min: Some(1.0),
            max: Some(2.0),
            expect: None,
        };
        assert!(judge(&[s(1.5)], &bounds, String::new()).passed);
        let o = judge(&[s(3.0)], &bounds, String::new());
        assert_eq!((o.passed, o.observed.as_str()), (false, "3 (over the max of 2)"));
        assert!(!judge(&[], &bounds, String::new()).passed);
        assert!(judge(&[s(1.0), s(1.0)], &bounds, String::new())
            .observed
            .contains("2 series"));
        let empty = Want {
            min: None,
            max: None,
            expect: Some(PromExpect::Empty),
        };
        assert!(judge(&[], &empty, String::new()).passed);
        assert!(!judge(&[s(0.0)], &empty, String::new()).passed);
    }
}
