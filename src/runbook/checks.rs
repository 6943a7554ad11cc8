// TEMPORARY stub (not committed): replaced by the checks engine.
use super::model::{Check, CheckResult};
pub struct CheckContext;
impl CheckContext {
    pub fn new(_c: &crate::config::Config) -> Self {
        CheckContext
    }
}
pub async fn evaluate(_check: &Check, _ctx: &CheckContext) -> CheckResult {
    CheckResult {
        at: chrono::Utc::now(),
        passed: true,
        observed: "stub".into(),
        evidence: "stub".into(),
        evidence_sha256: String::new(),
    }
}
