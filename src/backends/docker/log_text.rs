//! One log line made safe to draw: escape sequences are parsed (not
//! stripped by pattern), colour and weight (SGR) are kept as styles, every
//! other sequence (cursor movement, clear screen, OSC titles and links) and
//! every control character is dropped. Nothing from the container but text
//! and styles reaches the terminal.

pub use crate::model::docker::{LogLine, MAX_LINE};
use anstyle_parse::{Params, Parser, Perform};

/// One raw line as the daemon framed it (`timestamps=true`: "TIME text").
pub fn parse_line(raw: &[u8], stderr: bool) -> LogLine {
    let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    let (ts, rest) = match raw.iter().position(|b| *b == b' ') {
        // Docker's timestamps start with the year: "2026-11-23T04:11:02.123Z".
        Some(i) if i >= 20 && raw.first().is_some_and(u8::is_ascii_digit) => (&raw[..i], &raw[i + 1..]),
        _ => (&raw[..0], raw),
    };
    let (mut text, mut styled) = clean(&rest[..rest.len().min(MAX_LINE)]);
    if rest.len() > MAX_LINE {
        let more = format!(" …[{} more bytes]", rest.len() - MAX_LINE);
        text.push_str(&more);
        if let Some(s) = styled.as_mut() {
            // Reset first: the marker is ours, not in the container's colours.
            s.push_str("\x1b[0m");
            s.push_str(&more);
        }
    }
    LogLine {
        stderr,
        ts: String::from_utf8_lossy(ts).into_owned(),
        text,
        styled,
        marker: false,
    }
}

/// The plain text of `bytes`, and the text with its SGR sequences when it
/// had any. Invalid UTF-8 becomes U+FFFD; a tab becomes four spaces.
pub fn clean(bytes: &[u8]) -> (String, Option<String>) {
    let mut out = Cleaner::default();
    let mut parser = Parser::<anstyle_parse::DefaultCharAccumulator>::new();
    // Decoded first, so a byte that is not UTF-8 shows as U+FFFD, not nothing.
    let text = String::from_utf8_lossy(bytes);
    for b in text.as_bytes() {
        parser.advance(&mut out, *b);
    }
    let styled = out.had_style.then_some(out.styled);
    (out.plain, styled)
}

#[derive(Default)]
struct Cleaner {
    plain: String,
    styled: String,
    had_style: bool,
}

impl Cleaner {
    fn text(&mut self, s: &str) {
        self.plain.push_str(s);
        self.styled.push_str(s);
    }
}

impl Perform for Cleaner {
    fn print(&mut self, c: char) {
        // C1 controls arrive decoded from UTF-8 as characters.
        if !c.is_control() {
            let mut buf = [0; 4];
            self.text(c.encode_utf8(&mut buf));
        }
    }

    fn execute(&mut self, byte: u8) {
        if byte == b'\t' {
            self.text("    ");
        }
    }

    fn csi_dispatch(&mut self, params: &Params, intermediates: &[u8], ignore: bool, action: u8) {
        if action != b'm' || ignore || !intermediates.is_empty() {
            return;
        }
        // Written again from the parsed numbers, so only digits and ';' are kept.
        let numbers: Vec<String> = params.iter().flatten().map(u16::to_string).collect();
        self.styled.push_str("\x1b[");
        self.styled.push_str(&numbers.join(";"));
        self.styled.push('m');
        self.had_style = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_split_off() {
        let l = parse_line(b"2026-11-23T04:11:02.123456789Z hello world\n", false);
        assert_eq!(l.ts, "2026-11-23T04:11:02.123456789Z");
        assert_eq!(l.text, "hello world");
        assert_eq!(l.styled, None);
        let l = parse_line(b"no timestamp here", true);
        assert_eq!(l.ts, "");
        assert!(l.stderr);
    }

    #[test]
    fn hostile_lines_are_made_safe() {
        let l = parse_line(b"2026-11-23T04:11:02Z \x1b[2J\xff\xfe evil\tx\x07", false);
        assert!(!l.text.contains('\x1b'));
        assert_eq!(l.text, "\u{fffd}\u{fffd} evil    x");
        assert_eq!(l.styled, None, "clearing the screen is not a style");
        let long = vec![b'a'; MAX_LINE * 3];
        let l = parse_line(&long, false);
        assert!(l.text.len() < MAX_LINE + 40);
        assert!(l.text.ends_with(&format!("[{} more bytes]", MAX_LINE * 2)));
    }

    #[test]
    fn colours_are_kept_as_sgr_and_everything_else_dropped() {
        let (plain, styled) = clean(b"\x1b[32mINFO\x1b[0m ready");
        assert_eq!(plain, "INFO ready");
        assert_eq!(styled.as_deref(), Some("\x1b[32mINFO\x1b[0m ready"));
        // OSC title and hyperlink, cursor movement, erase, a C1 CSI, a bell.
        let (plain, styled) = clean(
            b"\x1b]0;owned\x07\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ \x1b[1;31mERR\x1b[m\x1b[3A\x1b[K\xc2\x9b2J\x08!",
        );
        assert_eq!(plain, "link ERR2J!");
        let styled = styled.unwrap_or_default();
        assert_eq!(styled, "link \x1b[1;31mERR\x1b[0m2J!");
        // A private-mode sequence ending in 'm' is not a colour.
        let (plain, styled) = clean(b"\x1b[>4;2mtext");
        assert_eq!((plain.as_str(), styled), ("text", None));
    }
}
