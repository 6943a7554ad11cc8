//! A line's inline Markdown as the text a person reads: emphasis markers
//! dropped, escapes and entities resolved, a link as "text (url)". Code
//! spans keep their backticks: the builder finds commands to copy in them.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

pub fn plain(text: &str) -> String {
    let source = guard_block_start(text.trim());
    let mut out = String::new();
    // Where each open link's text starts in `out`, and its URL.
    let mut links: Vec<(usize, String)> = Vec::new();
    for event in Parser::new_ext(&source, Options::empty()) {
        match event {
            Event::Text(t) => out.push_str(&t),
            Event::Code(c) => {
                out.push('`');
                out.push_str(&c);
                out.push('`');
            }
            // "<service-name>" is a placeholder to a reader, not markup.
            Event::InlineHtml(h) | Event::Html(h) => out.push_str(&h),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                links.push((out.len(), dest_url.to_string()));
            }
            Event::End(TagEnd::Link | TagEnd::Image) => {
                if let Some((at, url)) = links.pop() {
                    // An anchor in the same page ("#ir-002") means nothing
                    // in a checklist: its text is enough.
                    let label = out.get(at..).unwrap_or("").trim();
                    let bare = url.strip_prefix("mailto:").unwrap_or(&url);
                    if label.is_empty() {
                        out.push_str(bare);
                    } else if !url.is_empty() && !url.starts_with('#') && label != url && label != bare {
                        out.push_str(&format!(" ({url})"));
                    }
                }
            }
            _ => {}
        }
    }
    out.trim().to_string()
}

/// Escape what would make one line a block of its own ("1. x" a list,
/// "# x" a heading, "> x" a quote, "[a]: b" a link definition): the text
/// passed here is already the inside of a block.
fn guard_block_start(text: &str) -> String {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let after = |n: usize| text[n..].chars().next();
    let spaced = |n: usize| after(n).is_none_or(|c| c == ' ' || c == '\t');
    let first = text.chars().next();
    let escape_at = match first {
        _ if digits > 0 && matches!(after(digits), Some('.' | ')')) && spaced(digits + 1) => Some(digits),
        Some('-' | '+' | '*' | '=' | '_')
            if spaced(1) || text.chars().all(|c| c == first.unwrap_or(' ') || c == ' ') =>
        {
            Some(0)
        }
        Some('`' | '~') if text.starts_with("```") || text.starts_with("~~~") => Some(0),
        Some('#' | '>') => Some(0),
        Some('[') if text.split_once("]:").is_some_and(|(label, _)| !label.contains(']')) => Some(0),
        _ => None,
    };
    match escape_at {
        Some(at) => format!("{}\\{}", &text[..at], &text[at..]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::plain;

    #[test]
    fn inline_markdown_becomes_text() {
        assert_eq!(plain("**Step** one: `ls -la`"), "Step one: `ls -la`");
        assert_eq!(
            plain("mail [ops](mailto:ops@x.io) or <ops@x.io>"),
            "mail ops (mailto:ops@x.io) or ops@x.io"
        );
        assert_eq!(plain("use <service-name> here"), "use <service-name> here");
        assert_eq!(plain("run [IR-002](#ir-002-down)"), "run IR-002");
        assert_eq!(plain("snake_case_name and 2 * 3 * 4"), "snake_case_name and 2 * 3 * 4");
        for same in [
            "1. not a list",
            "- not a bullet",
            "# not a heading",
            "> not a quote",
            "[a]: b",
            "---",
            "|a|",
        ] {
            assert_eq!(plain(same), same);
        }
    }
}
