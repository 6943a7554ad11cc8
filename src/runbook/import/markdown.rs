//! The Markdown side of the importer: lines into blocks (headings, bold
//! labels, list items, text, fenced code) and "(0-15 minutes)" into
//! durations; shell code into copyable commands is `shell`'s.
//! Lines are read by hand because runbooks are written loosely (code fences
//! indented under list items, bold lines used as headings) and what matters
//! here is the procedure's shape; a CommonMark parser (`structure`) says
//! which lines are setext headings, tables, quotes and wrapped paragraphs,
//! and renders inline text (`inline`).

use super::structure::{roles, Role};
use std::time::Duration;

pub use super::inline::plain;

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
    let roles = roles(text);
    let mut out = Vec::new();
    // The line and block of the last bullet: its wrapped lines join its
    // text. A step's (numbered item's) next lines stay its instructions:
    // its first line is the title a person ticks off.
    let mut last_item: Option<(usize, usize)> = None;
    let mut lines = text.lines().enumerate();
    while let Some((n, raw)) = lines.next() {
        let line = raw.trim_end();
        let indent = indent_of(line);
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            out.push(Block::Blank);
            continue;
        }
        match roles.get(&n) {
            Some(Role::Skip) => continue,
            Some(Role::Setext { level, text }) => {
                out.push(Block::Heading {
                    level: *level,
                    text: text.clone(),
                });
                continue;
            }
            Some(Role::Row(cells)) => {
                out.push(Block::Text {
                    indent,
                    text: cells.clone(),
                });
                continue;
            }
            Some(Role::Quote) => {
                let inner = unquote(trimmed);
                out.push(match inner.is_empty() {
                    true => Block::Blank,
                    false => Block::Text {
                        indent,
                        text: inner.to_string(),
                    },
                });
                continue;
            }
            _ => {}
        }
        if is_rule(trimmed) {
            out.push(Block::Blank);
            continue;
        }
        if let Some((fc, flen, lang)) = fence_open(trimmed) {
            let mut body = Vec::new();
            for (_, raw) in lines.by_ref() {
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
            last_item = Some((n, out.len()));
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
        if let (Some(Role::Continues(first)), Some((line, at))) = (roles.get(&n), last_item) {
            if *first == line {
                if let Some(Block::Bullet { text, .. }) = out.get_mut(at) {
                    text.push(' ');
                    text.push_str(trimmed);
                    continue;
                }
            }
        }
        out.push(Block::Text {
            indent,
            text: trimmed.to_string(),
        });
    }
    out
}

/// A block quote's line without its markers ("> > text" is "text").
fn unquote(mut trimmed: &str) -> &str {
    while let Some(rest) = trimmed.strip_prefix('>') {
        trimmed = rest.trim_start();
    }
    trimmed
}

/// A thematic break (`---`, `***`, `_ _ _`): decoration between sections.
fn is_rule(trimmed: &str) -> bool {
    let marks: Vec<char> = trimmed.chars().filter(|c| !c.is_whitespace()).collect();
    marks.len() >= 3 && ['-', '*', '_'].iter().any(|m| marks.iter().all(|c| c == m))
}

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
}
