//! Alertmanager matcher syntax: `severity="critical", instance=~"db.*"`,
//! with `=`, `!=`, `=~` and `!~`, optionally inside `{…}`. Regexes match the
//! whole value, as in Alertmanager; a label that is absent matches as "".

use regex::Regex;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOp {
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

impl MatchOp {
    pub fn symbol(self) -> &'static str {
        match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regex => "=~",
            MatchOp::NotRegex => "!~",
        }
    }

    pub fn is_regex(self) -> bool {
        matches!(self, MatchOp::Regex | MatchOp::NotRegex)
    }
}

#[derive(Debug, Clone)]
pub struct Matcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
    /// The anchored regex for `=~` and `!~`.
    regex: Option<Regex>,
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        (&self.name, self.op, &self.value) == (&other.name, other.op, &other.value)
    }
}

impl Matcher {
    pub fn new(name: &str, op: MatchOp, value: &str) -> Result<Matcher, String> {
        let regex = if op.is_regex() {
            let anchored = format!("^(?:{value})$");
            Some(Regex::new(&anchored).map_err(|e| format!("{name}{}\"{value}\": bad regex: {e}", op.symbol()))?)
        } else {
            None
        };
        Ok(Matcher {
            name: name.to_string(),
            op,
            value: value.to_string(),
            regex,
        })
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let v = labels.get(&self.name).map(String::as_str).unwrap_or("");
        match (self.op, &self.regex) {
            (MatchOp::Equal, _) => v == self.value,
            (MatchOp::NotEqual, _) => v != self.value,
            (MatchOp::Regex, Some(re)) => re.is_match(v),
            (MatchOp::NotRegex, Some(re)) => !re.is_match(v),
            // A regex op always carries its regex (see `new`).
            (MatchOp::Regex | MatchOp::NotRegex, None) => false,
        }
    }
}

impl std::fmt::Display for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let escaped = self.value.replace('\\', "\\\\").replace('"', "\\\"");
        write!(f, "{}{}\"{escaped}\"", self.name, self.op.symbol())
    }
}

/// True when every matcher matches (an empty list matches everything).
pub fn all_match(matchers: &[Matcher], labels: &BTreeMap<String, String>) -> bool {
    matchers.iter().all(|m| m.matches(labels))
}

/// Parse a comma-separated list of matchers. Errors name the position and
/// what was expected; nothing in the input can make this panic.
pub fn parse_matchers(input: &str) -> Result<Vec<Matcher>, String> {
    let trimmed = input.trim();
    let body = match (trimmed.strip_prefix('{'), trimmed.ends_with('}')) {
        (Some(rest), true) => rest.strip_suffix('}').unwrap_or(rest),
        (Some(_), false) => return Err("missing closing }".into()),
        (None, _) => trimmed,
    };
    let chars: Vec<char> = body.chars().collect();
    let mut pos = 0;
    let mut out = Vec::new();
    let skip_space = |pos: &mut usize| {
        while chars.get(*pos).is_some_and(|c| c.is_whitespace()) {
            *pos += 1;
        }
    };
    loop {
        skip_space(&mut pos);
        if pos >= chars.len() {
            break;
        }
        let start = pos;
        while chars.get(pos).is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_') {
            pos += 1;
        }
        let name: String = chars[start..pos].iter().collect();
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!("column {}: expected a label name", start + 1));
        }
        skip_space(&mut pos);
        let two: String = chars.iter().skip(pos).take(2).collect();
        let op = match two.as_str() {
            "=~" => MatchOp::Regex,
            "!~" => MatchOp::NotRegex,
            "!=" => MatchOp::NotEqual,
            _ if two.starts_with('=') => MatchOp::Equal,
            _ => return Err(format!("column {}: expected =, !=, =~ or !~ after {name}", pos + 1)),
        };
        pos += op.symbol().len();
        skip_space(&mut pos);
        let value = if chars.get(pos) == Some(&'"') {
            pos += 1;
            let mut v = String::new();
            loop {
                match chars.get(pos) {
                    None => return Err(format!("{name}: missing closing quote")),
                    Some('"') => {
                        pos += 1;
                        break;
                    }
                    Some('\\') => {
                        let escaped = match chars.get(pos + 1) {
                            Some('n') => '\n',
                            Some(c) => *c,
                            None => return Err(format!("{name}: missing closing quote")),
                        };
                        v.push(escaped);
                        pos += 2;
                    }
                    Some(c) => {
                        v.push(*c);
                        pos += 1;
                    }
                }
            }
            v
        } else {
            let start = pos;
            while chars.get(pos).is_some_and(|c| *c != ',' && !c.is_whitespace()) {
                pos += 1;
            }
            if pos == start {
                // An empty value is written "": a bare `name=` is a matcher not finished yet.
                return Err(format!(
                    "column {}: expected a value after {name}{}",
                    pos + 1,
                    op.symbol()
                ));
            }
            chars[start..pos].iter().collect()
        };
        out.push(Matcher::new(&name, op, &value)?);
        skip_space(&mut pos);
        match chars.get(pos) {
            None => break,
            Some(',') => pos += 1,
            Some(c) => return Err(format!("column {}: expected , between matchers, found {c:?}", pos + 1)),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_four_operators() {
        let l = labels(&[("severity", "critical"), ("instance", "db-1:9100")]);
        let ok = |q: &str| all_match(&parse_matchers(q).unwrap_or_else(|e| panic!("{q}: {e}")), &l);
        assert!(ok(r#"severity="critical""#));
        assert!(!ok(r#"severity!="critical""#));
        assert!(ok(r#"instance=~"db.*""#));
        assert!(!ok(r#"instance=~"db""#), "regexes match the whole value");
        assert!(ok(r#"instance!~"web.*""#));
        assert!(ok(r#"{severity="critical", instance=~"db-\\d:.*"}"#));
        assert!(ok(r#"team="""#), "an absent label matches the empty string");
        assert!(ok("severity=critical"), "unquoted values");
        assert!(ok(""), "no matcher matches everything");
    }

    #[test]
    fn quoting_and_display_round_trip() {
        let m = parse_matchers(r#"summary="say \"hi\", then go""#).expect("parse");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].value, r#"say "hi", then go"#);
        assert_eq!(parse_matchers(&m[0].to_string()).expect("again"), m);
    }

    #[test]
    fn mistakes_are_errors_not_panics() {
        for bad in [
            "severity",
            "=critical",
            r#"severity="critical"#,
            "{severity=critical",
            "severity=~\"(\"",
            "a=1 b=2",
            "9x=1",
            "sev€rity=1",
            "severity=",
            "severity=~ ,a=1",
        ] {
            assert!(parse_matchers(bad).is_err(), "{bad} should be rejected");
        }
    }
}
