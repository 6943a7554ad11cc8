//! A filter an operator types: a regular expression, case-insensitive
//! unless it has an upper-case letter (as in less and ripgrep's smart
//! case), and "!" in front to keep what does not match.

use regex::{Regex, RegexBuilder};

/// A compiled filter. Compiled once when its text changes, never per frame.
#[derive(Debug, Clone)]
pub struct Pattern {
    text: String,
    regex: Regex,
    invert: bool,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

/// Big enough for any filter typed by hand, small enough that a pasted
/// monster cannot stall the screen while it compiles.
const SIZE_LIMIT: usize = 1 << 20;

/// A regular expression written in a file (a runbook check's pattern), as
/// written: case-sensitive, within the same size limit; or why it is not one.
pub fn regex(text: &str) -> Result<Regex, String> {
    build(&mut RegexBuilder::new(text))
}

fn build(builder: &mut RegexBuilder) -> Result<Regex, String> {
    builder.size_limit(SIZE_LIMIT).build().map_err(|e| match e {
        // The last line says what is wrong ("error: unclosed group"); the
        // lines above draw the pattern with a caret under the spot.
        regex::Error::Syntax(s) => {
            let last = s.lines().last().unwrap_or(&s);
            crate::text::one_line(last.trim_start_matches("error: "))
        }
        other => crate::text::one_line(&other.to_string()),
    })
}

impl Pattern {
    /// The filter in `text`, or why it is not a regular expression (on one
    /// line, for the status row).
    pub fn parse(text: &str) -> Result<Pattern, String> {
        let (invert, body) = match text.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let regex = build(RegexBuilder::new(body).case_insensitive(!body.chars().any(char::is_uppercase)))?;
        Ok(Pattern {
            text: text.to_string(),
            regex,
            invert,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Byte ranges of every match in `text`, to mark them; none when the
    /// filter is inverted (what it keeps is what does not match).
    pub fn ranges(&self, text: &str) -> Vec<(usize, usize)> {
        if self.invert {
            return Vec::new();
        }
        self.regex
            .find_iter(text)
            .filter(|m| !m.is_empty())
            .map(|m| (m.start(), m.end()))
            .collect()
    }

    /// Whether a thing with these `fields` is kept: any field matching, or
    /// none when the filter is inverted.
    pub fn keeps<'a>(&self, mut fields: impl Iterator<Item = &'a str>) -> bool {
        fields.any(|f| self.regex.is_match(f)) != self.invert
    }
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    fn keeps(p: &str, s: &str) -> bool {
        Pattern::parse(p).expect("valid").keeps(std::iter::once(s))
    }

    #[test]
    fn smart_case_anchors_and_inversion() {
        assert!(keeps("^api-(web|worker)$", "API-Web"));
        assert!(!keeps("^api-(web|worker)$", "api-webhook"));
        assert!(!keeps("API", "api-web"), "an upper-case letter makes it case-sensitive");
        assert!(keeps("!api", "redis"));
        assert!(!keeps("!api", "api-web"));
        assert!(keeps("", "anything"));
    }

    #[test]
    fn an_invalid_regex_says_why_on_one_line() {
        let e = Pattern::parse("(").expect_err("unclosed group");
        assert!(e.contains("unclosed group"), "{e}");
        assert_eq!(e, "unclosed group");
    }
}
