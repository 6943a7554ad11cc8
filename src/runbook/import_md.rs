//! The Markdown side of the importer: lines into blocks (headings, bold
//! labels, list items, text, fenced code), shell code into copyable
//! commands, and "(0-15 minutes)" into durations. Written by hand rather than
//! with a CommonMark parser because runbooks are written loosely (code fences
//! indented under list items, bold lines used as headings) and what matters
//! here is the procedure's shape, not faithful rendering.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// `## Text` (levels 1 to 6).
    Heading {
        level: usize,
        text: String,
    },
    /// A line that is only bold text ending in a colon: `**Procedure:**`.
    Label {
        indent: usize,
        text: String,
    },
    /// `1. text`, `- [ ] text`, or a line that is only bold text
    /// (`**Platform Status Verification**`): something to do.
    Item {
        indent: usize,
        /// Where the item's own text starts: continuation lines indented at
        /// least this much belong to it.
        content: usize,
        text: String,
        /// A bold-only line, which starts a step only outside list items.
        bold_only: bool,
    },
    /// `- text` that is not a checkbox.
    Bullet {
        indent: usize,
        text: String,
    },
    Text {
        indent: usize,
        text: String,
    },
    Code {
        indent: usize,
        lang: String,
        lines: Vec<String>,
    },
    Blank,
}

impl Block {
    pub fn indent(&self) -> usize {
        match self {
            Block::Label { indent, .. }
            | Block::Item { indent, .. }
            | Block::Bullet { indent, .. }
            | Block::Text { indent, .. }
            | Block::Code { indent, .. } => *indent,
            Block::Heading { .. } | Block::Blank => 0,
        }
    }
}

/// Leading spaces, a tab counting as four.
fn indent_of(line: &str) -> usize {
    let mut n = 0;
    for c in line.chars() {
        match c {
            ' ' => n += 1,
            '\t' => n += 4,
            _ => break,
        }
    }
    n
}

/// The fence that opens a code block: its character, length and language.
fn fence_open(trimmed: &str) -> Option<(char, usize, String)> {
    let c = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = trimmed.chars().take_while(|x| *x == c).count();
    if len < 3 {
        return None;
    }
    let rest: String = trimmed.chars().skip(len).collect();
    // A backtick fence's info string cannot hold backticks (that is inline code).
    if c == '`' && rest.contains('`') {
        return None;
    }
    let lang = rest.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
    Some((c, len, lang))
}

/// `**text**` alone on a line (trailing colon inside or outside the stars).
fn bold_only(trimmed: &str) -> Option<String> {
    let inner = trimmed.strip_prefix("**")?;
    let (inner, after) = inner.split_once("**")?;
    let after = after.trim();
    if inner.trim().is_empty() || !(after.is_empty() || after == ":") {
        return None;
    }
    Some(format!("{}{}", inner.trim(), after))
}

/// `1. text` or `1) text`: the text and how many characters the marker took.
fn numbered(trimmed: &str) -> Option<(usize, &str)> {
    let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 9 {
        return None;
    }
    let rest = &trimmed[digits..];
    let rest = rest.strip_prefix('.').or_else(|| rest.strip_prefix(')'))?;
    if !(rest.is_empty() || rest.starts_with(' ') || rest.starts_with('\t')) {
        return None;
    }
    let text = rest.trim_start();
    Some((trimmed.len() - text.len(), text))
}

/// `- text`, `* text` or `+ text`: the text and the marker's width.
fn bullet(trimmed: &str) -> Option<(usize, &str)> {
    let rest = trimmed
        .strip_prefix("- ")
        .or_else(|| trimmed.strip_prefix("* "))
        .or_else(|| trimmed.strip_prefix("+ "))?;
    let text = rest.trim_start();
    Some((trimmed.len() - text.len(), text))
}

/// `[ ] text` or `[x] text` after a bullet marker.
fn checkbox(text: &str) -> Option<&str> {
    let rest = text
        .strip_prefix("[ ]")
        .or_else(|| text.strip_prefix("[x]"))
        .or_else(|| text.strip_prefix("[X]"))?;
    Some(rest.trim_start())
}

fn heading(trimmed: &str) -> Option<(usize, String)> {
    let level = trimmed.chars().take_while(|c| *c == '#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &trimmed[level..];
    if !(rest.is_empty() || rest.starts_with(' ') || rest.starts_with('\t')) {
        return None;
    }
    // Closing hashes ("## Title ##") are decoration.
    let text = rest.trim().trim_end_matches('#').trim();
    Some((level, text.to_string()))
}

/// Split a document into blocks. Nothing in the text can make this panic;
/// an unclosed code fence runs to the end of the document.
pub fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(raw) = lines.next() {
        let line = raw.trim_end();
        let indent = indent_of(line);
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            out.push(Block::Blank);
            continue;
        }
        if is_rule(trimmed) {
            out.push(Block::Blank);
            continue;
        }
        if let Some((fc, flen, lang)) = fence_open(trimmed) {
            let mut body = Vec::new();
            for raw in lines.by_ref() {
                let t = raw.trim();
                if t.chars().take_while(|x| *x == fc).count() >= flen && t.chars().all(|x| x == fc) {
                    break;
                }
                body.push(dedent(raw.trim_end(), indent));
            }
            out.push(Block::Code {
                indent,
                lang,
                lines: body,
            });
            continue;
        }
        if indent < 4 {
            if let Some((level, text)) = heading(trimmed) {
                out.push(Block::Heading { level, text });
                continue;
            }
        }
        if let Some(text) = bold_only(trimmed) {
            if let Some(label) = text.strip_suffix(':') {
                out.push(Block::Label {
                    indent,
                    text: label.trim().to_string(),
                });
            } else {
                out.push(Block::Item {
                    indent,
                    content: indent,
                    text,
                    bold_only: true,
                });
            }
            continue;
        }
        if let Some((marker, text)) = numbered(trimmed) {
            out.push(Block::Item {
                indent,
                content: indent + marker,
                text: text.to_string(),
                bold_only: false,
            });
            continue;
        }
        if let Some((marker, text)) = bullet(trimmed) {
            match checkbox(text) {
                Some(item) => out.push(Block::Item {
                    indent,
                    content: indent + marker,
                    text: item.to_string(),
                    bold_only: false,
                }),
                None => out.push(Block::Bullet {
                    indent,
                    text: text.to_string(),
                }),
            }
            continue;
        }
        out.push(Block::Text {
            indent,
            text: trimmed.to_string(),
        });
    }
    out
}

/// A thematic break (`---`, `***`, `_ _ _`): decoration between sections.
fn is_rule(trimmed: &str) -> bool {
    let marks: Vec<char> = trimmed.chars().filter(|c| !c.is_whitespace()).collect();
    marks.len() >= 3 && ['-', '*', '_'].iter().any(|m| marks.iter().all(|c| c == m))
}

/// Undo the commonest mojibake: UTF-8 read as Windows-1252 and saved again
/// ("Grafana â†’ Security" for "Grafana → Security"). A line is changed only
/// when every character maps back to one byte and those bytes are UTF-8.
pub fn repair_mojibake(line: &str) -> std::borrow::Cow<'_, str> {
    if line.is_ascii() || !line.chars().any(|c| ('\u{c2}'..='\u{f4}').contains(&c)) {
        return line.into();
    }
    let mut bytes = Vec::with_capacity(line.len());
    for c in line.chars() {
        let b = match c as u32 {
            0..=0xff => c as u32 as u8,
            _ => match CP1252.iter().position(|x| *x == c) {
                Some(i) => 0x80 + i as u8,
                None => return line.into(),
            },
        };
        bytes.push(b);
    }
    match String::from_utf8(bytes) {
        Ok(fixed) if fixed != line => fixed.into(),
        _ => line.into(),
    }
}

/// Windows-1252 at 0x80..=0x9f (undefined positions hold the C1 control itself).
const CP1252: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘', '’',
    '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
];

/// Remove up to `n` columns of leading whitespace.
fn dedent(line: &str, n: usize) -> String {
    let mut cols = 0;
    let mut start = line.len();
    for (i, c) in line.char_indices() {
        if cols >= n || !(c == ' ' || c == '\t') {
            start = i;
            break;
        }
        cols += if c == '\t' { 4 } else { 1 };
    }
    line.get(start..).unwrap_or("").to_string()
}

/// Remove Markdown emphasis markers from text shown in the checklist.
pub fn plain(text: &str) -> String {
    text.replace("**", "").replace("__", "").trim().to_string()
}

/// Languages whose blocks are shell sessions, split into one command each.
fn is_shell(lang: &str) -> bool {
    matches!(
        lang,
        "" | "bash" | "sh" | "shell" | "zsh" | "console" | "shell-session" | "terminal" | "cmd"
    )
}

/// The commands of a code block, and its notes. Shell: one command per
/// line, except that a line continued with `\`, `|` or `&&`, an open quote
/// (`psql -c "` and its SQL), a heredoc, or a `for`/`if`/`case` block keeps
/// going until it closes, so each command can be copied and run as is.
/// Comment lines are left out, but a run of them that no command follows
/// ("# Verify: # - Connection count < 50" closing a block) says what to
/// check, so it comes back as notes for the step's instructions.
/// Other languages (SQL, YAML...) are one command: the whole block.
pub fn split_code(lang: &str, lines: &[String]) -> (Vec<String>, Vec<String>) {
    if !is_shell(lang) {
        let body = lines.join("\n").trim().to_string();
        return (if body.is_empty() { vec![] } else { vec![body] }, vec![]);
    }
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let mut comments: Vec<String> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut state = ShellState::default();
    for line in lines {
        if current.is_empty() {
            let t = line.trim();
            if t.is_empty() {
                notes.append(&mut comments);
                continue;
            }
            if let Some(c) = t.strip_prefix('#') {
                let c = c.trim();
                if !c.is_empty() && !c.starts_with('!') {
                    comments.push(c.to_string());
                }
                continue;
            }
            comments.clear();
            let t = t.strip_prefix("$ ").unwrap_or(t);
            current.push(t.to_string());
            state.feed(t);
        } else {
            current.push(line.trim_end().to_string());
            state.feed(line);
        }
        if !state.open() {
            out.push(std::mem::take(&mut current).join("\n"));
            state = ShellState::default();
        }
    }
    if !current.is_empty() {
        out.push(current.join("\n"));
    }
    notes.append(&mut comments);
    out.retain(|c| !c.trim().is_empty());
    (out, notes)
}

/// Enough of the shell's grammar to know whether a command goes on.
#[derive(Default)]
struct ShellState {
    quote: Option<char>,
    heredoc: Option<String>,
    depth: i64,
    continued: bool,
}

impl ShellState {
    fn open(&self) -> bool {
        self.quote.is_some() || self.heredoc.is_some() || self.depth > 0 || self.continued
    }

    fn feed(&mut self, line: &str) {
        if let Some(delim) = &self.heredoc {
            if line.trim() == delim {
                self.heredoc = None;
            }
            return;
        }
        let chars: Vec<char> = line.chars().collect();
        let mut word = String::new();
        let mut words: Vec<String> = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            match self.quote {
                Some('\'') => {
                    if c == '\'' {
                        self.quote = None;
                    }
                }
                Some(q) => {
                    if c == '\\' {
                        i += 1;
                    } else if c == q {
                        self.quote = None;
                    }
                }
                None => match c {
                    '\\' => {
                        word.push(c);
                        i += 1;
                    }
                    '\'' | '"' => self.quote = Some(c),
                    '#' if word.is_empty() => break,
                    '<' if chars.get(i + 1) == Some(&'<') && chars.get(i + 2) != Some(&'<') => {
                        let rest: String = chars[i + 2..].iter().collect();
                        let rest = rest.trim_start_matches('-').trim_start();
                        let delim: String = rest
                            .trim_start_matches(['\'', '"'])
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        if !delim.is_empty() {
                            self.heredoc = Some(delim);
                        }
                        i += 1;
                    }
                    c if c.is_whitespace() || c == ';' => {
                        if !word.is_empty() {
                            words.push(std::mem::take(&mut word));
                        }
                    }
                    _ => word.push(c),
                },
            }
            i += 1;
        }
        if !word.is_empty() {
            words.push(word);
        }
        for w in &words {
            match w.as_str() {
                "for" | "while" | "until" | "if" | "case" => self.depth += 1,
                "done" | "fi" | "esac" => self.depth -= 1,
                _ => {}
            }
        }
        let end = line.trim_end();
        self.continued = self.quote.is_none()
            && (end.ends_with('\\') || end.ends_with('|') || end.ends_with("&&") || end.ends_with("||"));
    }
}

/// Inline code in running text that looks like a command (`docker logs
/// fluentd`), not a path or a URL (`reports/trivy.json`).
pub fn inline_commands(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut parts = text.split('`');
    parts.next();
    while let (Some(code), Some(_)) = (parts.next(), parts.next()) {
        let code = code.trim();
        let first = code.split_whitespace().next().unwrap_or("");
        let looks_like_program = !first.is_empty()
            && !first.contains("://")
            && !first.contains('=')
            && first
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._/-".contains(c));
        if code.contains(' ') && looks_like_program {
            out.push(code.to_string());
        }
    }
    out
}

/// A time written in a heading or label: a range ("0-15 minutes",
/// "15 minutes - 4 hours") or one span ("15 minutes").
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Timing {
    Range(Duration, Duration),
    Span(Duration),
}

fn unit_secs(word: &str) -> Option<u64> {
    let w = word.trim_end_matches(['.', ',']).to_ascii_lowercase();
    match w.as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => Some(1),
        "m" | "min" | "mins" | "minute" | "minutes" => Some(60),
        "h" | "hr" | "hrs" | "hour" | "hours" => Some(3600),
        "d" | "day" | "days" => Some(86_400),
        _ => None,
    }
}

/// "15 minutes", "15min", "4 hours": a number and a unit, if that is all.
fn amount(text: &str) -> Option<(u64, Option<u64>)> {
    let t = text.trim();
    let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > 6 {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    let rest = t[digits.len()..].trim();
    if rest.is_empty() {
        return Some((n, None));
    }
    Some((n, Some(unit_secs(rest)?)))
}

/// The timing in the first parenthesis of `text` that holds one, and the
/// text without it. "T-60 minutes" (relative to a deployment) is no timing.
pub fn timing(text: &str) -> Option<(Timing, String)> {
    let mut from = 0;
    while let Some(open) = text[from..].find('(').map(|i| i + from) {
        let close = text[open..].find(')').map(|i| i + open)?;
        let inner = &text[open + 1..close];
        if let Some(t) = parse_timing(inner) {
            let rest = format!("{} {}", text[..open].trim_end(), text[close + 1..].trim_start());
            return Some((t, rest.trim().trim_end_matches(':').trim().to_string()));
        }
        from = close + 1;
    }
    None
}

fn parse_timing(inner: &str) -> Option<Timing> {
    let inner = inner.trim();
    if inner.starts_with(['T', 't']) && inner.chars().nth(1).is_some_and(|c| matches!(c, '-' | '+' | ' ')) {
        return None;
    }
    // Dashes of every width people type.
    let normal = inner.replace(['–', '—'], "-").replace(" to ", "-");
    if let Some((a, b)) = normal.split_once('-') {
        let (a, ua) = amount(a)?;
        let (b, ub) = amount(b)?;
        let ub = ub?;
        let ua = ua.unwrap_or(ub);
        let (start, end) = (Duration::from_secs(a * ua), Duration::from_secs(b * ub));
        return (end > start).then_some(Timing::Range(start, end));
    }
    let (n, unit) = amount(&normal)?;
    let d = Duration::from_secs(n * unit?);
    (!d.is_zero()).then_some(Timing::Span(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &str) -> Vec<String> {
        s.lines().map(String::from).collect()
    }

    #[test]
    fn shell_blocks_split_into_whole_commands() {
        let block = lines(
            "# comment\nrisk-platform platform status\n\ndocker compose exec postgres psql -c \"\nSELECT 1\nFROM t;\"\n\
             for i in {1..15}; do\n  curl -f x || echo 'no'\n  sleep 60\ndone\ncat > f << EOF\nhello # not a comment\nEOF\n\
             curl -X POST x \\\n  -d '{}'\nps aux | grep x\n$ ls",
        );
        let c = split_code("bash", &block).0;
        assert_eq!(c.len(), 7, "{c:#?}");
        assert_eq!(c[0], "risk-platform platform status");
        assert!(c[1].starts_with("docker compose") && c[1].ends_with("FROM t;\""));
        assert!(c[2].starts_with("for i") && c[2].ends_with("done"));
        assert!(c[3].starts_with("cat > f") && c[3].ends_with("EOF"));
        assert!(c[4].contains("-d '{}'"));
        assert_eq!(c[6], "ls");
        let (cmds, notes) = split_code(
            "bash",
            &lines(
                "# Check resources\nrisk-platform performance monitor\n\n# Review key metrics:\n# - CPU usage < 70%",
            ),
        );
        assert_eq!(cmds, vec!["risk-platform performance monitor"]);
        assert_eq!(notes, vec!["Review key metrics:", "- CPU usage < 70%"]);
        assert_eq!(
            split_code("sql", &lines("SELECT 1;\nSELECT 2;")).0,
            vec!["SELECT 1;\nSELECT 2;"]
        );
    }

    #[test]
    fn timings_become_durations() {
        let m = |n: u64| Duration::from_secs(n * 60);
        assert_eq!(
            timing("Immediate Response (0-15 minutes):"),
            Some((Timing::Range(m(0), m(15)), "Immediate Response".into()))
        );
        assert_eq!(
            timing("Investigation Phase (15 minutes - 4 hours)").map(|t| t.0),
            Some(Timing::Range(m(15), m(240)))
        );
        assert_eq!(
            timing("Phase 1: Contain (0-15 min)").map(|t| t.0),
            Some(Timing::Range(m(0), m(15)))
        );
        assert_eq!(timing("Hotfix (15 minutes)").map(|t| t.0), Some(Timing::Span(m(15))));
        assert_eq!(timing("Pre-Deployment (T-60 minutes)"), None);
        assert_eq!(timing("Backup (if needed)"), None);
        assert_eq!(timing("(9999999-1 h)"), None);
    }

    #[test]
    fn blocks_see_items_labels_and_indented_fences() {
        let b = blocks("## H\n**Procedure:**\n1. **Step**\n   ```bash\n   ls -la\n   ```\n- [ ] tick\n- plain\n");
        assert_eq!(
            b[0],
            Block::Heading {
                level: 2,
                text: "H".into()
            }
        );
        assert!(matches!(&b[1], Block::Label { text, .. } if text == "Procedure"));
        assert!(matches!(&b[2], Block::Item { content: 3, text, .. } if text == "**Step**"));
        assert!(matches!(&b[3], Block::Code { indent: 3, lines, .. } if lines == &vec!["ls -la".to_string()]));
        assert!(matches!(&b[4], Block::Item { text, .. } if text == "tick"));
        assert!(matches!(&b[5], Block::Bullet { text, .. } if text == "plain"));
    }

    #[test]
    fn mojibake_is_repaired_and_real_text_left_alone() {
        assert_eq!(repair_mojibake("Grafana â†’ Security"), "Grafana → Security");
        assert_eq!(repair_mojibake("âœ… done"), "✅ done");
        for same in ["café", "plain", "→ already fine", "Ã"] {
            assert_eq!(repair_mojibake(same), same);
        }
    }

    #[test]
    fn inline_code_that_looks_like_a_command() {
        let t = "Check `docker ps | grep fluentd` and `reports/bandit.json` at `http://x:9090/targets`, set `LOG_LEVEL=DEBUG`";
        assert_eq!(inline_commands(t), vec!["docker ps | grep fluentd"]);
    }
}
