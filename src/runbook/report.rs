//! What `opsdeck check` prints: one line per checked step, or one JSON
//! object for scripts, built from `run_all`'s results.

use super::model::{CheckResult, Runbook};
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub runbook: String,
    pub title: String,
    pub started: DateTime<Utc>,
    pub finished: DateTime<Utc>,
    pub results: Vec<Row>,
    pub totals: Totals,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub phase: String,
    pub step: String,
    pub title: String,
    pub kind: String,
    pub passed: bool,
    /// The kind of backend it reads is not configured: neither passed nor failed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub not_applicable: bool,
    pub observed: String,
    pub evidence: String,
    pub evidence_sha256: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Totals {
    pub checks: usize,
    pub passed: usize,
    pub failed: usize,
    #[serde(skip_serializing_if = "is_zero")]
    pub not_applicable: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Report {
    /// Results in runbook order, each with its phase, title and kind.
    pub fn new(
        runbook: &Runbook,
        results: Vec<(String, CheckResult)>,
        started: DateTime<Utc>,
        finished: DateTime<Utc>,
    ) -> Self {
        let rows: Vec<Row> = results
            .into_iter()
            .map(|(step_id, r)| {
                let (phase, step) = match runbook.step(&step_id) {
                    Some((p, s)) => (runbook.phases.get(p).map(|p| p.name.clone()), Some(s)),
                    None => (None, None),
                };
                Row {
                    phase: phase.unwrap_or_default(),
                    title: step.map(|s| s.title.clone()).unwrap_or_else(|| step_id.clone()),
                    kind: step
                        .and_then(|s| s.check.as_ref())
                        .map(|c| c.kind().to_string())
                        .unwrap_or_default(),
                    step: step_id,
                    passed: r.passed,
                    not_applicable: r.not_applicable && !r.passed,
                    observed: r.observed,
                    evidence: r.evidence,
                    evidence_sha256: r.evidence_sha256,
                    at: r.at,
                }
            })
            .collect();
        let passed = rows.iter().filter(|r| r.passed).count();
        let not_applicable = rows.iter().filter(|r| r.not_applicable).count();
        Self {
            runbook: runbook.id.clone(),
            title: runbook.title.clone(),
            started,
            finished,
            totals: Totals {
                checks: rows.len(),
                passed,
                failed: rows.len() - passed - not_applicable,
                not_applicable,
            },
            results: rows,
        }
    }

    /// No check failed (one that does not apply is no failure).
    pub fn all_passed(&self) -> bool {
        self.totals.failed == 0
    }

    /// `PASS  title — observed` per step, then the totals.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for r in &self.results {
            let verdict = match (r.passed, r.not_applicable) {
                (true, _) => "PASS",
                (false, true) => "N/A ",
                (false, false) => "FAIL",
            };
            out.push_str(&format!("{verdict}  {} — {}\n", one_line(&r.title), r.observed));
        }
        let t = self.totals;
        if t.checks == 0 {
            out.push_str(&format!("{}: no automated checks\n", self.runbook));
        } else {
            let not_applicable = if t.not_applicable > 0 {
                format!(", {} not applicable", t.not_applicable)
            } else {
                String::new()
            };
            out.push_str(&format!(
                "{}: {} checks, {} passed, {} failed{not_applicable}\n",
                self.runbook, t.checks, t.passed, t.failed
            ));
        }
        out
    }

    pub fn json(&self) -> String {
        // Plain data with string keys: serializing it cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()))
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
