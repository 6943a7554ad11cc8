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

/// How long a member's part of the line may be, and the whole line: an
/// observed value is cut at 200 characters, and every failing member must
/// be named in it.
const MEMBER_MAX: usize = 60;
const LINE_MAX: usize = 190;

/// The failures of a set check as one line: every failing member named,
/// each with a short reason, the passing ones counted ("2 of 5 containers
/// failing: web-1: exited; web-2: exited"). Should the names not fit, the
/// reasons go first, then the names beyond the line are counted.
pub fn failing_line(noun: &str, total: usize, failing: &[(String, String)]) -> String {
    let plural = if total == 1 {
        noun.to_string()
    } else {
        format!("{noun}s")
    };
    let head = format!("{} of {total} {plural} failing: ", failing.len());
    let with_reasons: Vec<String> = failing
        .iter()
        .map(|(name, why)| crate::runbook::evidence::excerpt(&format!("{name}: {why}"), MEMBER_MAX.max(name.len() + 2)))
        .collect();
    let line = format!("{head}{}", with_reasons.join("; "));
    if line.chars().count() <= LINE_MAX {
        return line;
    }
    let mut names = head;
    for (i, (name, _)) in failing.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        let left = failing.len() - i;
        if names.chars().count() + sep.len() + name.chars().count() + 12 > LINE_MAX && left > 1 {
            names.push_str(&format!("{sep}and {left} more"));
            break;
        }
        names.push_str(&format!("{sep}{name}"));
    }
    names
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
        let two = [
            ("web-1".to_string(), "exited".to_string()),
            ("web-2".into(), "exited".into()),
        ];
        assert_eq!(
            failing_line("container", 5, &two),
            "2 of 5 containers failing: web-1: exited; web-2: exited"
        );
        // Too many for their reasons: the names alone, then a count.
        let many: Vec<(String, String)> = (0..40).map(|i| (format!("worker-{i:02}"), "exited".into())).collect();
        let line = failing_line("container", 40, &many);
        assert!(line.chars().count() <= 200, "{line}");
        assert!(
            line.starts_with("40 of 40 containers failing: worker-00, worker-01, "),
            "{line}"
        );
        assert!(line.ends_with(" more"), "{line}");
    }
}
