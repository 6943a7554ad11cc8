//! What a Prometheus poll found: its scrape targets, the rules it fails to
//! evaluate, the size of its TSDB head and the named queries' values with
//! their last hour. Also how a value is written with its unit, and which
//! of all this is a problem worth one of opsdeck's own alerts.

use crate::model::alerts::Severity;
use crate::model::redact::Redactor;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PromSummary {
    /// Down first, then by job and instance.
    pub targets: Vec<PromTarget>,
    /// Rules whose last evaluation failed.
    pub failing_rules: Vec<FailingRule>,
    /// Series in the TSDB head, when the server says.
    pub head_series: Option<u64>,
    /// The named queries, in config order.
    pub queries: Vec<QueryValue>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PromTarget {
    pub job: String,
    pub instance: String,
    pub up: bool,
    /// The last scrape's error ("" when it worked).
    pub last_error: String,
    pub scrape_secs: f64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FailingRule {
    pub group: String,
    pub name: String,
    pub error: String,
}

/// One series of a query's answer: its labels written as PromQL does
/// (`up{job="api"}`) and its value.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PromSample {
    pub labels: String,
    /// NaN and the infinities are kept as JSON null (read back as NaN): the
    /// flight recorder stores models as JSON, which has no such numbers.
    #[serde(with = "nan_as_null")]
    pub value: f64,
}

mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        match v.is_finite() {
            true => s.serialize_f64(*v),
            false => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}

/// A named query as last read.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct QueryValue {
    pub name: String,
    pub unit: String,
    pub warn: Option<f64>,
    pub crit: Option<f64>,
    pub below: bool,
    /// The series (sorted by labels), or why the query failed.
    pub result: Result<Vec<PromSample>, String>,
    /// The last hour, a value per minute (oldest first; `None`: no point).
    pub spark: Vec<Option<f64>>,
}

/// A threshold a value crossed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Breach {
    pub severity: Severity,
    pub threshold: f64,
}

impl QueryValue {
    /// The value shown: the first series'.
    pub fn value(&self) -> Option<f64> {
        self.result.as_ref().ok()?.first().map(|s| s.value)
    }

    /// How many series the answer had.
    pub fn series(&self) -> usize {
        self.result.as_ref().map_or(0, Vec::len)
    }

    /// The worst threshold the value crossed: over it, or under it with
    /// `below` (a floor). A value equal to the threshold has not crossed it.
    pub fn breach(&self) -> Option<Breach> {
        let v = self.value().filter(|v| !v.is_nan())?;
        let crossed = |t: f64| if self.below { v < t } else { v > t };
        [(self.crit, Severity::Critical), (self.warn, Severity::Warning)]
            .into_iter()
            .find_map(|(t, severity)| {
                t.filter(|t| crossed(*t))
                    .map(|threshold| Breach { severity, threshold })
            })
    }

    /// "7.2 % (crit at 5 %)", "0.9 (warn under 1)".
    pub fn breach_text(&self, b: Breach) -> String {
        let which = if b.severity == Severity::Critical {
            "crit"
        } else {
            "warn"
        };
        let side = if self.below { "under" } else { "at" };
        format!(
            "{} ({which} {side} {})",
            with_unit(self.value().unwrap_or_default(), &self.unit),
            with_unit(b.threshold, &self.unit)
        )
    }
}

impl PromSummary {
    pub fn targets_up(&self) -> usize {
        self.targets.iter().filter(|t| t.up).count()
    }

    /// What is wrong, as opsdeck's own alerts: name, severity, instance
    /// (under `server`, the target's name) and summary.
    pub fn problems(&self, server: &str) -> Vec<(&'static str, Severity, String, String)> {
        let mut out = Vec::new();
        for t in self.targets.iter().filter(|t| !t.up) {
            out.push((
                "PrometheusTargetDown",
                Severity::Warning,
                format!("{server}/{}/{}", t.job, t.instance),
                format!("job {} scrape failed: {}", t.job, t.last_error),
            ));
        }
        for r in &self.failing_rules {
            out.push((
                "PrometheusRuleFailing",
                Severity::Warning,
                format!("{server}/{}/{}", r.group, r.name),
                format!("rule {} fails: {}", r.name, r.error),
            ));
        }
        for q in &self.queries {
            if let Some(b) = q.breach() {
                out.push((
                    "PrometheusQueryBreach",
                    b.severity,
                    format!("{server}/{}", q.name),
                    format!("{}: {}", q.name, q.breach_text(b)),
                ));
            }
        }
        out
    }

    /// As it may be kept: the server's words and labels through the redactor.
    pub fn masked(&self, r: &Redactor) -> Self {
        let mut p = self.clone();
        for t in &mut p.targets {
            t.last_error = r.redact(&t.last_error);
            t.instance = r.redact(&t.instance);
        }
        for rule in &mut p.failing_rules {
            rule.error = r.redact(&rule.error);
        }
        for q in &mut p.queries {
            match &mut q.result {
                Ok(series) => series.iter_mut().for_each(|s| s.labels = r.redact(&s.labels)),
                Err(e) => *e = r.redact(e),
            }
        }
        p
    }
}

/// Labels as PromQL writes them: `name{a="1", b="2"}`, or `{}` for none.
pub fn labels_text(labels: &BTreeMap<String, String>) -> String {
    let name = labels.get("__name__").map(String::as_str).unwrap_or("");
    let rest: Vec<String> = labels
        .iter()
        .filter(|(k, _)| k.as_str() != "__name__")
        .map(|(k, v)| format!("{k}={v:?}"))
        .collect();
    if rest.is_empty() && !name.is_empty() {
        return name.to_string();
    }
    format!("{name}{{{}}}", rest.join(", "))
}

/// A value with its unit: "7.2 %", "1.5 GiB" for bytes, "0.25 s", "42".
pub fn with_unit(v: f64, unit: &str) -> String {
    if !v.is_finite() {
        return format!("{v} {unit}").trim_end().to_string();
    }
    if matches!(unit, "bytes" | "B") {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        let mut x = v;
        let mut i = 0;
        while x.abs() >= 1024.0 && i < units.len() - 1 {
            x /= 1024.0;
            i += 1;
        }
        return format!("{} {}", number(x), units[i]);
    }
    if unit.is_empty() {
        number(v)
    } else {
        format!("{} {unit}", number(v))
    }
}

/// Three significant digits at most, no trailing zeros: "7.2", "1234", "0.0042".
fn number(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if v.abs() >= 100.0 {
        return format!("{}", v.round() as i64);
    }
    let decimals = (2 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    if s == "-0" { "0" } else { s }.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(value: f64, warn: Option<f64>, crit: Option<f64>, below: bool) -> QueryValue {
        QueryValue {
            name: "q".into(),
            unit: "%".into(),
            warn,
            crit,
            below,
            result: Ok(vec![PromSample {
                labels: "{}".into(),
                value,
            }]),
            spark: Vec::new(),
        }
    }

    #[test]
    fn values_read_with_their_unit() {
        assert_eq!(with_unit(7.2, "%"), "7.2 %");
        assert_eq!(with_unit(1536.0 * 1024.0 * 1024.0, "bytes"), "1.5 GiB");
        assert_eq!(with_unit(0.25, "s"), "0.25 s");
        assert_eq!(with_unit(1234.4, ""), "1234");
        assert_eq!(with_unit(0.004_21, ""), "0.00421");
        assert_eq!(with_unit(f64::NAN, ""), "NaN");
    }

    #[test]
    fn breaches_take_the_worst_threshold_and_floors_read_under() {
        assert_eq!(query(3.0, Some(5.0), Some(10.0), false).breach(), None);
        assert_eq!(query(5.0, Some(5.0), None, false).breach(), None, "equal is not over");
        let b = query(7.0, Some(5.0), Some(10.0), false).breach().expect("warn");
        assert_eq!((b.severity, b.threshold), (Severity::Warning, 5.0));
        let q = query(12.0, Some(5.0), Some(10.0), false);
        let b = q.breach().expect("crit");
        assert_eq!(b.severity, Severity::Critical);
        assert_eq!(q.breach_text(b), "12 % (crit at 10 %)");
        let floor = query(0.5, Some(2.0), Some(1.0), true);
        let b = floor.breach().expect("under the floor");
        assert_eq!(floor.breach_text(b), "0.5 % (crit under 1 %)");
        assert_eq!(query(3.0, Some(2.0), None, true).breach(), None);
    }

    #[test]
    fn a_nan_value_survives_the_recorders_json() {
        let summary = PromSummary {
            queries: vec![query(f64::NAN, None, None, false), query(2.5, None, None, false)],
            ..PromSummary::default()
        };
        let json = serde_json::to_value(&summary).expect("to json");
        let back: PromSummary = serde_json::from_value(json).expect("from json");
        assert!(back.queries[0].value().is_some_and(f64::is_nan));
        assert_eq!(back.queries[1].value(), Some(2.5));
    }

    #[test]
    fn labels_are_written_as_promql_does() {
        let l = BTreeMap::from([
            ("__name__".to_string(), "up".to_string()),
            ("job".to_string(), "api".to_string()),
        ]);
        assert_eq!(labels_text(&l), "up{job=\"api\"}");
        assert_eq!(labels_text(&BTreeMap::new()), "{}");
    }
}
