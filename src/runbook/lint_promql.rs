//! What makes a `promql` check wrong before it runs: no query or a query
//! whose brackets or quotes do not close, both bounds and `expect` or
//! neither, a floor above the ceiling, a target the config does not have.

use super::model::PromExpect;
use crate::config::Config;

/// Each problem with the key it is about.
pub fn problems(
    target: Option<&str>,
    query: &str,
    (min, max, expect): (Option<f64>, Option<f64>, Option<PromExpect>),
    config: Option<&Config>,
) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Err(e) = balanced(query) {
        out.push(("query", e));
    }
    let bounded = min.is_some() || max.is_some();
    match (bounded, expect) {
        (true, Some(_)) => out.push(("expect", "give bounds (`min`/`max`) or `expect`, not both".into())),
        (false, None) => out.push((
            "query",
            "give a bound (`min`, `max`) or `expect = \"empty\"`/`\"nonempty\"`".into(),
        )),
        _ => {}
    }
    if let (Some(lo), Some(hi)) = (min, max) {
        if lo > hi {
            out.push(("min", format!("min {lo} is above max {hi}: the check can never pass")));
        }
    }
    if let Some(t) = target {
        if t.trim().is_empty() {
            out.push(("target", "the target must not be empty".into()));
        } else if crate::runbook::set::is_set(t) {
            out.push(("target", format!("target {t:?}: name one [[prometheus]], not a set")));
        } else if let Some(c) = config.filter(|c| !c.prometheus.is_empty()) {
            if !c.prometheus.iter().any(|p| p.name == t) {
                out.push(("target", format!("no [[prometheus]] named {t:?} in the config")));
            }
        }
    }
    out
}

/// A query that is there and whose brackets and quotes close, in order.
/// Prometheus itself says more when it runs; this catches a cut-off paste.
fn balanced(query: &str) -> Result<(), String> {
    if query.trim().is_empty() {
        return Err("the query is empty".into());
    }
    let mut open: Vec<char> = Vec::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in query.chars() {
        if let Some(q) = quote {
            match c {
                _ if escaped => escaped = false,
                '\\' if q != '`' => escaped = true,
                _ if c == q => quote = None,
                _ => {}
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '(' | '[' | '{' => open.push(c),
            ')' | ']' | '}' => {
                let want = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if open.pop() != Some(want) {
                    return Err(format!("the query {query:?} has a `{c}` that closes nothing"));
                }
            }
            _ => {}
        }
    }
    if quote.is_some() {
        return Err(format!("the query {query:?} has a quote that is not closed"));
    }
    if let Some(c) = open.pop() {
        return Err(format!("the query {query:?} has a `{c}` that is not closed"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_must_close_what_they_open() {
        assert!(balanced(r#"sum(rate(http_requests_total{code=~"5.."}[5m]))"#).is_ok());
        assert!(balanced(r#"up{job="a)"}"#).is_ok(), "a bracket in a string is text");
        assert!(balanced("sum(rate(x[5m])").is_err());
        assert!(balanced("up{job=\"a}").is_err());
        assert!(balanced("up)").is_err());
        assert!(balanced("  ").is_err());
    }

    #[test]
    fn bounds_or_expect_but_not_both() {
        let p = problems(None, "up", (Some(1.0), None, Some(PromExpect::Empty)), None);
        assert_eq!(p[0].0, "expect");
        assert_eq!(problems(None, "up", (None, None, None), None).len(), 1);
        assert!(problems(None, "up", (Some(1.0), Some(2.0), None), None).is_empty());
        assert_eq!(problems(None, "up", (Some(3.0), Some(2.0), None), None)[0].0, "min");
    }
}
