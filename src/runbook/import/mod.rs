//! `opsdeck runbook import FILE.md`: a Markdown runbook turned into the TOML
//! format, for a person to review. Headings and bold labels become phases
//! (with budgets from "(0-15 minutes)"), numbered items, `- [ ]` items and
//! bold step lines become steps, fenced code becomes commands to copy.
//!
//! A document with several procedures ("### IR-002: Service Down Response")
//! is a library: one procedure is imported at a time (`--procedure`), the
//! first by default, because twenty procedures in one checklist is none.

mod build;
mod inline;
mod markdown;
mod mojibake;
mod shell;
mod structure;

use crate::runbook::lint::{is_valid_id, lint, LintContext};
use crate::runbook::model::{Kind, Phase, Runbook};
use build::Builder;
use markdown::{blocks, plain, timing, Block, Timing};
use mojibake::repair_mojibake;
use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

/// Why a document could not be imported.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportError {
    /// Nothing that could be a step.
    NoSteps(String),
    /// `--procedure` matched nothing; the procedures there are.
    NoSuchProcedure { wanted: String, available: Vec<String> },
    /// The result did not read back or lint clean: a bug in the importer.
    Internal(String),
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::NoSteps(what) => write!(
                f,
                "no steps found in {what}: expected numbered items (1. ...), `- [ ]` items, \
                 bold step lines (**Do this**) or headings with commands under them"
            ),
            ImportError::NoSuchProcedure { wanted, available } => {
                write!(f, "no procedure matches {wanted:?}")?;
                if !available.is_empty() {
                    write!(f, "; procedures: {}", available.join(", "))?;
                }
                Ok(())
            }
            ImportError::Internal(why) => write!(f, "import produced an invalid runbook (a bug): {why}"),
        }
    }
}

impl std::error::Error for ImportError {}

/// A heading and the blocks under it (up to the next heading as shallow).
#[derive(Debug, Clone)]
pub struct Section {
    pub level: usize,
    pub title: String,
    /// "IR-002" in "IR-002: Service Down Response".
    pub code: Option<String>,
    body: Vec<Block>,
}

/// One procedure found in a document, for `--list`.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcedureInfo {
    pub code: Option<String>,
    pub title: String,
    pub phases: usize,
    pub steps: usize,
    pub commands: usize,
}

/// "IR-002" at the start of a heading: capitals, a dash, digits.
fn procedure_code(title: &str) -> Option<String> {
    let code: String = title
        .chars()
        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '-')
        .collect();
    let (letters, digits) = code.split_once('-')?;
    let ok = (1..=10).contains(&letters.len())
        && letters.starts_with(|c: char| c.is_ascii_uppercase())
        && !digits.is_empty()
        && digits.len() <= 6
        && digits.bytes().all(|b| b.is_ascii_digit());
    let after = title[code.len()..].chars().next();
    (ok && after.is_none_or(|c| c == ':' || c == ' ' || c == '.')).then_some(code)
}

/// Every heading's section in document order.
fn sections(all: &[Block]) -> Vec<Section> {
    let mut out = Vec::new();
    for (i, b) in all.iter().enumerate() {
        if let Block::Heading { level, text } = b {
            let end = all[i + 1..]
                .iter()
                .position(|x| matches!(x, Block::Heading { level: l, .. } if l <= level))
                .map_or(all.len(), |p| p + i + 1);
            out.push(Section {
                level: *level,
                title: plain(text),
                code: procedure_code(&plain(text)),
                body: all[i + 1..end].to_vec(),
            });
        }
    }
    out
}

/// A parsed document: its blocks, title, and procedures when it is a library.
pub struct Document {
    all: Vec<Block>,
    title: String,
    sections: Vec<Section>,
    /// Indices into `sections` of the procedures of a library (two or more
    /// headings with a code); empty for a single-procedure document.
    procedures: Vec<usize>,
    file_name: String,
}

impl Document {
    /// Read Markdown bytes; invalid UTF-8 is replaced, not refused, because a
    /// runbook pasted through three wikis is what people have.
    pub fn parse(bytes: &[u8], file: &Path) -> Self {
        let text = String::from_utf8_lossy(bytes);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text).replace("\r\n", "\n");
        let text: String = text.lines().map(|l| repair_mojibake(l) + "\n").collect();
        // Every title, step and note comes from here: no control character
        // of the page's reaches the runbook (line breaks and tabs stay).
        let text = crate::text::clean::lines(text);
        let all = blocks(&text);
        let sections = sections(&all);
        let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned());
        let title = sections
            .iter()
            .find(|s| s.level == 1)
            .map(|s| s.title.clone())
            .filter(|t| !t.is_empty())
            .or_else(|| stem.clone().map(|s| s.replace(['-', '_'], " ")))
            .unwrap_or_else(|| "Imported runbook".into());
        let coded: Vec<usize> = (0..sections.len()).filter(|i| sections[*i].code.is_some()).collect();
        let procedures = if coded.len() >= 2 { coded } else { Vec::new() };
        let file_name = file
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        Self {
            all,
            title,
            sections,
            procedures,
            file_name,
        }
    }

    pub fn is_library(&self) -> bool {
        !self.procedures.is_empty()
    }

    /// The procedures `--list` shows: a library's, else the whole document.
    pub fn list(&self) -> Vec<ProcedureInfo> {
        let info = |code: Option<String>, title: String, r: Option<Runbook>| {
            let r = r.as_ref();
            ProcedureInfo {
                code,
                title,
                phases: r.map_or(0, |r| r.phases.len()),
                steps: r.map_or(0, |r| r.steps().count()),
                commands: r.map_or(0, |r| r.steps().map(|(_, s)| s.commands.len()).sum()),
            }
        };
        if self.procedures.is_empty() {
            return vec![info(None, self.title.clone(), self.build_whole().ok())];
        }
        self.procedures
            .iter()
            .map(|i| {
                let s = &self.sections[*i];
                info(s.code.clone(), s.title.clone(), self.build_section(s).ok())
            })
            .collect()
    }

    /// The section `--procedure` names: a code ("IR-002", any case), then a
    /// title equal to it, then a title containing it (procedures first).
    fn find(&self, wanted: &str) -> Option<&Section> {
        let w = wanted.trim().to_lowercase();
        if w.is_empty() {
            return None;
        }
        let by_code = self
            .sections
            .iter()
            .find(|s| s.code.as_ref().is_some_and(|c| c.to_lowercase() == w));
        let equal = || self.sections.iter().find(|s| s.title.to_lowercase() == w);
        let in_procedures = || {
            self.procedures
                .iter()
                .map(|i| &self.sections[*i])
                .find(|s| s.title.to_lowercase().contains(&w))
        };
        let anywhere = || self.sections.iter().find(|s| s.title.to_lowercase().contains(&w));
        by_code.or_else(equal).or_else(in_procedures).or_else(anywhere)
    }

    /// Import one procedure (by `--procedure`), else a library's first
    /// procedure, else the whole document.
    pub fn import(&self, procedure: Option<&str>) -> Result<Runbook, ImportError> {
        match procedure {
            Some(wanted) => match self.find(wanted) {
                Some(s) => self.build_section(s),
                None => Err(ImportError::NoSuchProcedure {
                    wanted: wanted.to_string(),
                    available: self.list().into_iter().map(|p| p.code.unwrap_or(p.title)).collect(),
                }),
            },
            None => match self.procedures.first() {
                Some(i) => self.build_section(&self.sections[*i]),
                None => self.build_whole(),
            },
        }
    }

    fn build_whole(&self) -> Result<Runbook, ImportError> {
        // Under the top heading when there is one, so its preamble is the description.
        let body: &[Block] = match self.sections.iter().find(|s| s.level == 1) {
            Some(top) if self.sections.iter().filter(|s| s.level == 1).count() == 1 => &top.body,
            _ => &self.all,
        };
        self.build(&self.title, None, body)
    }

    fn build_section(&self, s: &Section) -> Result<Runbook, ImportError> {
        self.build(&s.title, s.code.as_deref(), &s.body)
    }

    fn build(&self, title: &str, code: Option<&str>, body: &[Block]) -> Result<Runbook, ImportError> {
        let mut b = Builder::default();
        b.phases_of(body, "Procedure");
        let what = match code {
            Some(c) => format!("{c} of {}", self.file_name),
            None => self.file_name.clone(),
        };
        if b.phases.is_empty() {
            return Err(ImportError::NoSteps(what));
        }
        let mut description = b.notes.join("\n").trim().to_string();
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description.push_str(&format!("Imported from {what}."));
        let kind = guess_kind(title, &b.notes, &b.labels);
        let mut runbook = Runbook {
            id: unique_slug(title, &mut HashSet::new(), "imported"),
            // Already plain text: a section's title, or the file's name.
            title: title.to_string(),
            kind,
            description,
            severities: Vec::new(),
            escalation: b.contacts,
            phases: b.phases,
            window: None,
        };
        assign_budgets(&mut runbook.phases, &b.timings);
        let mut seen = HashSet::new();
        for phase in &mut runbook.phases {
            for step in &mut phase.steps {
                // "Initial Assessment (0-5 minutes)": the timing is no part of the id.
                let name = timing(&step.title).map_or_else(|| step.title.clone(), |(_, rest)| rest);
                step.id = unique_slug(&name, &mut seen, "step");
            }
        }
        Ok(runbook)
    }
}

/// The first matching word: title, then frequency lines, then labels.
/// Quarterly and yearly routines are the longest cadence opsdeck has: monthly.
fn guess_kind(title: &str, notes: &[String], labels: &[String]) -> Kind {
    let freq = notes
        .iter()
        .filter(|n| {
            let l = n.to_lowercase();
            l.starts_with("frequency") || l.starts_with("schedule")
        })
        .cloned();
    let texts = std::iter::once(title.to_string())
        .chain(freq)
        .chain(labels.iter().cloned());
    for text in texts {
        let lower = text.to_lowercase();
        let words = [
            ("incident", Kind::Incident),
            ("emergency", Kind::Incident),
            ("outage", Kind::Incident),
            ("daily", Kind::Daily),
            ("weekly", Kind::Weekly),
            ("monthly", Kind::Monthly),
            ("quarterly", Kind::Monthly),
            ("yearly", Kind::Monthly),
            ("annual", Kind::Monthly),
        ];
        if let Some((_, k)) = words
            .iter()
            .filter_map(|(w, k)| lower.find(w).map(|at| (at, *k)))
            .min_by_key(|(at, _)| *at)
        {
            return k;
        }
    }
    Kind::Incident
}

/// Phase budgets from their timings, as shares counted from the session
/// start: "(0-15 minutes)", "(15 minutes - 4 hours)" are 15m then 3h45m.
fn assign_budgets(phases: &mut [Phase], timings: &[Option<Timing>]) {
    let mut elapsed = Duration::ZERO;
    for (phase, t) in phases.iter_mut().zip(timings) {
        phase.budget = match t {
            Some(Timing::Range(_, end)) if *end > elapsed => {
                let share = *end - elapsed;
                elapsed = *end;
                Some(share)
            }
            Some(Timing::Span(d)) => {
                elapsed += *d;
                Some(*d)
            }
            _ => None,
        };
    }
}

/// A slug id: lowercase ASCII letters and digits joined by single dashes,
/// cut at 48 characters, made unique with "-2", "-3"...
fn unique_slug(title: &str, seen: &mut HashSet<String>, fallback: &str) -> String {
    let mut slug = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 48 {
            break;
        }
    }
    let mut slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        slug = fallback.to_string();
    }
    let mut candidate = slug.clone();
    let mut n = 2;
    while !seen.insert(candidate.clone()) {
        candidate = format!("{slug}-{n}");
        n += 1;
    }
    candidate
}

/// The TOML text for an imported runbook, checked to read back the same and
/// lint clean (built-in ids count as known).
pub fn to_toml(runbook: &Runbook, source: &Path) -> Result<String, ImportError> {
    let body = toml::to_string(runbook).map_err(|e| ImportError::Internal(e.to_string()))?;
    let text = format!(
        "# Imported from {} by `opsdeck runbook import`.\n\
         # Review it: add checks, on_fail hints, severities and escalation contacts.\n\n{body}",
        source.display()
    );
    let back: Runbook = toml::from_str(&text).map_err(|e| ImportError::Internal(e.to_string()))?;
    if &back != runbook {
        return Err(ImportError::Internal("the TOML does not read back the same".into()));
    }
    let ctx = LintContext {
        known_ids: crate::runbook::load::builtin().into_iter().map(|r| r.id).collect(),
        config: None,
    };
    let problems = lint(&back, &text, Path::new("imported.toml"), &ctx);
    if let Some(p) = problems.first() {
        return Err(ImportError::Internal(p.to_string()));
    }
    debug_assert!(is_valid_id(&back.id));
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import(md: &str, procedure: Option<&str>) -> Result<Runbook, ImportError> {
        Document::parse(md.as_bytes(), Path::new("doc.md")).import(procedure)
    }

    #[test]
    fn labels_with_timings_become_phases_with_budgets() {
        let md = "# Breach\n\n**Purpose:** respond\n\n**Immediate Response (0-15 minutes):**\n\n1. **Classify**\n   ```bash\n   # assess\n   risk-platform security audit\n   ```\n2. Contain\n\n**Investigation (15 minutes - 4 hours):**\n\n3. **Analyse**\n   - scope\n\n**Escalation:**\n- call someone\n";
        let r = import(md, None).expect("import");
        assert_eq!(r.id, "breach");
        assert_eq!(r.kind, Kind::Incident);
        assert_eq!(r.phases.len(), 2);
        assert_eq!(r.phases[0].name, "Immediate Response");
        assert_eq!(r.phases[0].budget, Some(Duration::from_secs(900)));
        assert_eq!(r.phases[1].budget, Some(Duration::from_secs(3 * 3600 + 2700)));
        assert_eq!(r.phases[0].steps[0].commands, vec!["risk-platform security audit"]);
        assert_eq!(r.phases[1].steps[0].instructions, "- scope");
        assert!(r.description.contains("Purpose: respond"));
        assert!(r.description.contains("Escalation:\n- call someone"));
        to_toml(&r, Path::new("doc.md")).expect("valid toml");
    }

    #[test]
    fn a_library_imports_one_procedure_at_a_time() {
        let md = "# Lib\n## Daily\n### DO-001: Daily Check\n**Frequency:** Daily\n1. Look\n### DO-002: Access Review\n**Frequency:** Weekly\n1. Review\n2. Revoke\n";
        let doc = Document::parse(md.as_bytes(), Path::new("lib.md"));
        assert!(doc.is_library());
        let list = doc.list();
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].steps, 2);
        assert_eq!(doc.import(None).expect("first").id, "do-001-daily-check");
        let r = doc.import(Some("do-002")).expect("by code");
        assert_eq!((r.kind, r.steps().count()), (Kind::Weekly, 2));
        assert_eq!(
            doc.import(Some("access")).expect("by title").title,
            "DO-002: Access Review"
        );
        assert!(matches!(
            doc.import(Some("nope")),
            Err(ImportError::NoSuchProcedure { .. })
        ));
    }

    #[test]
    fn headings_become_phases_and_steps_with_unique_ids() {
        let md = "# Ops\n## Daily\n### 1. Check\nrun `docker ps -a`\n### 2. Check\n```\nls\n```\n## Contacts\n- **Team**: t@example.com\n";
        let r = import(md, None).expect("import");
        assert_eq!(r.phases.len(), 1);
        let ids: Vec<&str> = r.phases[0].steps.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, vec!["check", "check-2"]);
        assert_eq!(r.phases[0].steps[0].commands, vec!["docker ps -a"]);
        assert_eq!(r.escalation.len(), 1);
    }

    #[test]
    fn checkboxes_are_steps_and_no_steps_is_an_error() {
        let r = import("- [ ] one\n- [x] two\n", None).expect("import");
        assert_eq!(r.id, "doc");
        assert_eq!(r.steps().count(), 2);
        assert!(matches!(
            import("# Only prose\n\nNothing to do.\n", None),
            Err(ImportError::NoSteps(_))
        ));
        assert!(matches!(import("", None), Err(ImportError::NoSteps(_))));
    }
}
