//! Names in a check that stand for a set: `"*"` (every one configured) or a
//! glob (`"web-*"`, `"db-[12]"`). A name without `*`, `?` or `[` is one
//! target, matched exactly, as before sets existed.

/// One target by name, or a set of them by pattern.
#[derive(Debug, Clone)]
pub enum Names {
    One(String),
    Set { written: String, pattern: glob::Pattern },
}

/// Whether a name as written stands for a set.
pub fn is_set(written: &str) -> bool {
    written.contains(['*', '?', '['])
}

impl Names {
    /// A name as written in a runbook; a malformed glob says why.
    pub fn parse(written: &str) -> Result<Self, String> {
        if !is_set(written) {
            return Ok(Names::One(written.to_string()));
        }
        glob::Pattern::new(written)
            .map(|pattern| Names::Set {
                written: written.to_string(),
                pattern,
            })
            .map_err(|e| format!("{written:?} is not a valid pattern: {}", e.msg))
    }

    /// Every name; what `host = "*"` parses to.
    pub fn every() -> Self {
        // "*" always parses; the fallback only keeps this free of panics.
        Self::parse("*").unwrap_or(Names::One(String::new()))
    }

    pub fn matches(&self, name: &str) -> bool {
        match self {
            Names::One(n) => n == name,
            Names::Set { pattern, .. } => pattern.matches(name),
        }
    }

    pub fn is_set(&self) -> bool {
        matches!(self, Names::Set { .. })
    }

    pub fn written(&self) -> &str {
        match self {
            Names::One(n) => n,
            Names::Set { written, .. } => written,
        }
    }

    /// The members of `all` it names, in their order.
    pub fn pick<'a, T>(&self, all: &'a [T], name: impl Fn(&T) -> &str) -> Vec<&'a T> {
        all.iter().filter(|t| self.matches(name(t))).collect()
    }
}

/// The failures of a set check as one line: every failing member named,
/// the passing ones counted ("2 of 5 containers failing: a …; b …").
pub fn failing_line(noun: &str, total: usize, failing: &[String]) -> String {
    let plural = if total == 1 {
        noun.to_string()
    } else {
        format!("{noun}s")
    };
    format!("{} of {total} {plural} failing: {}", failing.len(), failing.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_match_exactly_and_globs_match_sets() {
        let one = Names::parse("api").expect("name");
        assert!(!one.is_set() && one.matches("api") && !one.matches("api-2"));
        let web = Names::parse("web-*").expect("glob");
        assert!(web.is_set() && web.matches("web-1") && web.matches("web-") && !web.matches("db-1"));
        assert!(Names::every().matches("anything"));
        let class = Names::parse("db-[12]").expect("class");
        assert!(class.matches("db-1") && !class.matches("db-3"));
        assert!(Names::parse("db-[").is_err());
        let all = ["web-1", "db", "web-2"];
        assert_eq!(web.pick(&all, |s| s), vec![&"web-1", &"web-2"]);
    }

    #[test]
    fn failures_name_each_member() {
        assert_eq!(
            failing_line("container", 5, &["web-1: exited".into(), "web-2: exited".into()]),
            "2 of 5 containers failing: web-1: exited; web-2: exited"
        );
    }
}
