//! Where each part of a runbook file is written: the same TOML read a second
//! time into a shadow of the model that keeps only byte spans, so lint can
//! name the exact line of the third step's check instead of the first line
//! that happens to contain the same key.

use crate::config::source::line_of_offset;
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

type At = Option<Spanned<IgnoredAny>>;

#[derive(Debug, Default, Deserialize)]
pub struct RunbookSpans {
    #[serde(default)]
    id: At,
    #[serde(default)]
    title: At,
    #[serde(default)]
    severities: At,
    #[serde(default)]
    escalation: Vec<Spanned<BTreeMap<String, Spanned<IgnoredAny>>>>,
    #[serde(default)]
    phase: Vec<Spanned<PhaseSpans>>,
    #[serde(default)]
    kind: At,
    #[serde(default)]
    window: Option<Spanned<WindowSpans>>,
}

#[derive(Debug, Default, Deserialize)]
struct WindowSpans {
    #[serde(default)]
    matchers: Option<Spanned<Vec<Spanned<IgnoredAny>>>>,
    #[serde(default)]
    duration: At,
}

#[derive(Debug, Default, Deserialize)]
struct PhaseSpans {
    #[serde(default)]
    name: At,
    #[serde(default)]
    budget: At,
    #[serde(default)]
    step: Vec<Spanned<StepSpans>>,
}

#[derive(Debug, Default, Deserialize)]
struct StepSpans {
    #[serde(default)]
    id: At,
    #[serde(default)]
    title: At,
    #[serde(default)]
    on_fail_runbook: At,
    #[serde(default)]
    commands: At,
    #[serde(default)]
    check: Option<Spanned<BTreeMap<String, Spanned<IgnoredAny>>>>,
}

/// Line numbers of the parts of one runbook file. Every lookup falls back to
/// the enclosing part, and finally to line 1, so a problem always has a line.
pub struct Lines<'a> {
    text: &'a str,
    spans: RunbookSpans,
}

fn line(text: &str, s: &Spanned<impl Sized>) -> usize {
    line_of_offset(text, s.span().start)
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Self {
        // The model already parsed this text; if the shadow cannot, every
        // problem is placed on line 1 rather than lost.
        let spans = toml::from_str(text).unwrap_or_default();
        Self { text, spans }
    }

    /// A top-level key: "id", "title", "severities".
    pub fn top(&self, key: &str) -> usize {
        let s = &self.spans;
        let at = match key {
            "id" => s.id.as_ref(),
            "title" => s.title.as_ref(),
            "severities" => s.severities.as_ref(),
            "kind" => s.kind.as_ref(),
            _ => None,
        };
        at.map(|a| line(self.text, a)).unwrap_or(1)
    }

    pub fn escalation(&self, i: usize, key: &str) -> usize {
        match self.spans.escalation.get(i) {
            Some(c) => c
                .get_ref()
                .get(key)
                .map(|k| line(self.text, k))
                .unwrap_or_else(|| line(self.text, c)),
            None => self.top("id"),
        }
    }

    fn phase_spans(&self, p: usize) -> Option<&Spanned<PhaseSpans>> {
        self.spans.phase.get(p)
    }

    /// A key of phase `p` ("name", "budget"), or the phase itself.
    pub fn phase(&self, p: usize, key: &str) -> usize {
        let Some(ph) = self.phase_spans(p) else {
            return self.top("id");
        };
        let at = match key {
            "name" => ph.get_ref().name.as_ref(),
            "budget" => ph.get_ref().budget.as_ref(),
            _ => None,
        };
        at.map(|a| line(self.text, a)).unwrap_or_else(|| line(self.text, ph))
    }

    fn step_spans(&self, p: usize, s: usize) -> Option<&Spanned<StepSpans>> {
        self.phase_spans(p)?.get_ref().step.get(s)
    }

    /// A key of step `s` of phase `p` ("id", "title", "on_fail_runbook",
    /// "commands"), or the step itself.
    pub fn step(&self, p: usize, s: usize, key: &str) -> usize {
        let Some(st) = self.step_spans(p, s) else {
            return self.phase(p, "name");
        };
        let st_ref = st.get_ref();
        let at = match key {
            "id" => st_ref.id.as_ref(),
            "title" => st_ref.title.as_ref(),
            "on_fail_runbook" => st_ref.on_fail_runbook.as_ref(),
            "commands" => st_ref.commands.as_ref(),
            _ => None,
        };
        at.map(|a| line(self.text, a)).unwrap_or_else(|| line(self.text, st))
    }

    /// The maintenance window ("duration", "matchers", or `matcher` the
    /// index of one of them), or the window itself, or the runbook's kind.
    pub fn window(&self, key: &str, matcher: Option<usize>) -> usize {
        let Some(w) = &self.spans.window else {
            return self.top("kind");
        };
        let at = match key {
            "duration" => w.get_ref().duration.as_ref().map(|d| line(self.text, d)),
            "matchers" => w.get_ref().matchers.as_ref().map(|m| {
                matcher
                    .and_then(|i| m.get_ref().get(i))
                    .map(|one| line(self.text, one))
                    .unwrap_or_else(|| line(self.text, m))
            }),
            _ => None,
        };
        at.unwrap_or_else(|| line(self.text, w))
    }

    /// A key of the check of step `s` in phase `p`, or the check itself.
    pub fn check(&self, p: usize, s: usize, key: &str) -> usize {
        let Some(check) = self.step_spans(p, s).and_then(|st| st.get_ref().check.as_ref()) else {
            return self.step(p, s, "id");
        };
        check
            .get_ref()
            .get(key)
            .map(|k| line(self.text, k))
            .unwrap_or_else(|| line(self.text, check))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_point_at_the_part_asked_for() {
        let t = "id = \"x\"\ntitle = \"T\"\n[[phase]]\nname = \"a\"\n[[phase.step]]\nid = \"s1\"\n\
                 check = { type = \"http\", url = \"u\" }\n[[phase.step]]\nid = \"s2\"\n\
                 [phase.step.check]\ntype = \"http\"\nurl = \"v\"\n";
        let l = Lines::new(t);
        assert_eq!(l.top("title"), 2);
        assert_eq!(l.phase(0, "name"), 4);
        assert_eq!(l.step(0, 1, "id"), 9);
        assert_eq!(l.check(0, 0, "url"), 7);
        assert_eq!(l.check(0, 1, "url"), 12);
        // Missing parts fall back to their container.
        assert_eq!(l.check(0, 1, "sha256"), 10);
        assert_eq!(l.step(3, 0, "id"), 1);
    }
}
