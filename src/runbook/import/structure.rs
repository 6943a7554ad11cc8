//! What a CommonMark parser sees in the document, line by line, for the
//! constructs the line reader in `markdown` cannot see alone: setext
//! headings, tables, block quotes, and paragraphs wrapped over lines. The
//! line reader keeps the rest (fences indented under items, bold lines as
//! headings), because runbooks are written loosely and what matters is the
//! procedure's shape.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::collections::HashMap;
use std::ops::Range;

#[derive(Debug, Clone, PartialEq)]
pub enum Role {
    /// The first line of a setext heading: its level and raw text.
    Setext { level: usize, text: String },
    /// A line of a table row: its cells' raw text joined by " | ".
    Row(String),
    /// A line inside a block quote (the markers are the reader's to strip).
    Quote,
    /// A wrapped paragraph line: it continues the paragraph started on that line.
    Continues(usize),
    /// A heading's underline or a table's delimiter row: nothing to read.
    Skip,
}

/// The roles of the lines that have one, by line index (as `str::lines`).
pub fn roles(text: &str) -> HashMap<usize, Role> {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |offset: usize| starts.partition_point(|s| *s <= offset).saturating_sub(1);
    let lines_of = |r: &Range<usize>| line_of(r.start)..=line_of(r.end.saturating_sub(1).max(r.start));
    let mut roles = HashMap::new();
    let mut quote_depth = 0usize;
    let mut row: Option<(usize, Vec<String>)> = None;
    // The first line of the paragraph or list item being read: a soft
    // break continues it (tight list items have no paragraph events).
    let mut first_line = 0;
    for (event, range) in Parser::new_ext(text, Options::ENABLE_TABLES).into_offset_iter() {
        match event {
            // A heading inside a quote is quoted text.
            Event::Start(Tag::Heading { level, .. }) if quote_depth == 0 => {
                let raw = &text[range.clone()];
                if !raw.trim_start().starts_with('#') {
                    let lines: Vec<&str> = raw.lines().collect();
                    let body = lines[..lines.len().saturating_sub(1)]
                        .iter()
                        .map(|l| l.trim())
                        .collect::<Vec<_>>()
                        .join(" ");
                    let mut span = lines_of(&range);
                    if let Some(first) = span.next() {
                        let level = if level == HeadingLevel::H1 { 1 } else { 2 };
                        roles.insert(first, Role::Setext { level, text: body });
                    }
                    for l in span {
                        roles.insert(l, Role::Skip);
                    }
                }
            }
            Event::Start(Tag::BlockQuote(_)) => {
                if quote_depth == 0 {
                    for l in lines_of(&range) {
                        roles.insert(l, Role::Quote);
                    }
                }
                quote_depth += 1;
            }
            Event::End(TagEnd::BlockQuote(_)) => quote_depth = quote_depth.saturating_sub(1),
            Event::Start(Tag::Table(_)) if quote_depth == 0 => {
                // The delimiter row has no event of its own: every table line
                // is skipped unless a row claims it.
                for l in lines_of(&range) {
                    roles.insert(l, Role::Skip);
                }
            }
            Event::Start(Tag::TableHead | Tag::TableRow) if quote_depth == 0 => {
                row = Some((line_of(range.start), Vec::new()));
            }
            Event::Start(Tag::TableCell) => {
                if let Some((_, cells)) = row.as_mut() {
                    cells.push(text[range].trim().to_string());
                }
            }
            Event::End(TagEnd::TableHead | TagEnd::TableRow) => {
                if let Some((line, cells)) = row.take() {
                    roles.insert(line, Role::Row(cells.join(" | ")));
                }
            }
            Event::Start(Tag::Paragraph | Tag::Item) => first_line = line_of(range.start),
            Event::SoftBreak if quote_depth == 0 => {
                roles
                    .entry(line_of(range.start) + 1)
                    .or_insert(Role::Continues(first_line));
            }
            _ => {}
        }
    }
    roles
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_of_setext_tables_quotes_and_wrapped_lines() {
        let r = roles("Title\n=====\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n> q\n> r\n\n- x\n  y\n\n> h\n> ---\n");
        assert_eq!(
            r.get(&0),
            Some(&Role::Setext {
                level: 1,
                text: "Title".into()
            })
        );
        assert_eq!(r.get(&1), Some(&Role::Skip));
        assert_eq!(r.get(&3), Some(&Role::Row("a | b".into())));
        assert_eq!(r.get(&4), Some(&Role::Skip));
        assert_eq!(r.get(&5), Some(&Role::Row("1 | 2".into())));
        assert_eq!((r.get(&7), r.get(&8)), (Some(&Role::Quote), Some(&Role::Quote)));
        assert_eq!(r.get(&11), Some(&Role::Continues(10)));
        assert_eq!((r.get(&13), r.get(&14)), (Some(&Role::Quote), Some(&Role::Quote)));
    }
}
