//! Text that comes from outside opsdeck (a backend's answer, a file, the
//! state store) made safe to draw on a terminal or write to a file.
//!
//! A terminal obeys the control characters in what it is sent: an alert
//! label holding `ESC ] 2 ; … BEL` retitles the operator's window, `ESC [ 7 m`
//! turns the screen inverse, a C1 `CSI` (U+009B) does the same on terminals
//! that honour 8-bit controls, and a bidi override (U+202E) shows `exe.txt`
//! as `txt.exe`. Every such character is replaced by something visible, one
//! rule for all of them: its Unicode control picture where there is one
//! (C0 and DEL: `ESC` → `␛`, `BEL` → `␇`), and its code otherwise
//! (`[U+009B]`, `[U+202E]`: no backslash, so the placeholder is plain text
//! in JSON, TOML and CSV alike). Everything else (accents, CJK, emoji with their
//! joiners) is kept as it is.

/// Text for one line (a name, a label, a cell): every control is replaced,
/// line breaks and tabs too, so nothing moves the cursor.
pub fn line(s: String) -> String {
    clean(s, false)
}

/// Text that may keep its lines (a query, a note, a description): newlines
/// and tabs stay, a CR before a newline is dropped, every other control is
/// replaced.
pub fn lines(s: String) -> String {
    clean(s, true)
}

/// Text drawn on one line that may have been written on several (an
/// annotation, a health check's output): line breaks and tabs become
/// spaces, every other control is replaced.
pub fn flat(s: String) -> String {
    let s = if s.contains(['\n', '\r', '\t']) {
        s.replace("\r\n", " ").replace(['\n', '\r', '\t'], " ")
    } else {
        s
    };
    line(s)
}

/// `line` on borrowed text.
pub fn line_of(s: &str) -> String {
    line(s.to_string())
}

/// Whether `line` (and `flat`) would give `s` back unchanged.
pub fn is_clean(s: &str) -> bool {
    !s.chars().any(is_unsafe)
}

/// Whether `c` is replaced in text kept on one line.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi(c)
}

/// The characters that reorder text for display: embeddings, overrides and
/// isolates, and the marks (LRM, RLM, ALM), which move neutral characters
/// too. Line and paragraph separators break lines where one is drawn.
fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{2028}' | '\u{2029}')
}

fn clean(s: String, keep_lines: bool) -> String {
    let kept = |c: char| keep_lines && (c == '\n' || c == '\t');
    // Nearly all text is clean: give it back without copying.
    if !s.chars().any(|c| is_unsafe(c) && !kept(c)) {
        return s;
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if kept(c) || !is_unsafe(c) {
            out.push(c);
        } else if keep_lines && c == '\r' && chars.peek() == Some(&'\n') {
            // CRLF line ends are line ends.
        } else {
            push_placeholder(&mut out, c);
        }
    }
    out
}

fn push_placeholder(out: &mut String, c: char) {
    let code = u32::from(c);
    let picture = match code {
        0x00..=0x1f => char::from_u32(0x2400 + code),
        0x7f => Some('\u{2421}'),
        _ => None,
    };
    match picture {
        Some(p) => out.push(p),
        None => out.push_str(&format!("[U+{code:04X}]")),
    }
}

/// A value cleaned for the screen no longer equals what the system holds:
/// to match the original (a silence on a label that held a control), each
/// placeholder stands for any one character. `None` when `s` holds no
/// placeholder and matches as it is.
pub fn matching_pattern(s: &str) -> Option<String> {
    static PLACEHOLDER: std::sync::LazyLock<Option<regex::Regex>> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"[\x{2400}-\x{2421}]|\[U\+[0-9A-F]{4}\]").ok());
    let re = PLACEHOLDER.as_ref()?;
    if !re.is_match(s) {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for m in re.find_iter(s) {
        out.push_str(&regex::escape(&s[last..m.start()]));
        out.push('.');
        last = m.end();
    }
    out.push_str(&regex::escape(&s[last..]));
    Some(out)
}

/// Every string in a JSON value, keys too, cleaned with `lines`: for what
/// is written out as JSON (serde_json escapes C0 controls but writes DEL, C1
/// and bidi controls as they are, and a reader gets the C0 ones back).
pub fn json(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::String(s) => *s = lines(std::mem::take(s)),
        Value::Array(items) => items.iter_mut().for_each(json),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (k, mut item) in entries {
                json(&mut item);
                map.insert(lines(k), item);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible() {
        assert_eq!(line("esc\x1b]2;PWNED\x07host".into()), "esc␛]2;PWNED␇host");
        assert_eq!(line("\x1b[7mINVERTED\x1b[0m".into()), "␛[7mINVERTED␛[0m");
        assert_eq!(line("nul\0".into()), "nul␀");
    }

    #[test]
    fn del_c1_and_bidi_are_replaced() {
        assert_eq!(line("a\x7fb".into()), "a␡b");
        assert_eq!(line("\u{9b}7m \u{85} \u{80}".into()), "[U+009B]7m [U+0085] [U+0080]");
        assert_eq!(line("txt\u{202e}exe.pdf".into()), "txt[U+202E]exe.pdf");
        assert_eq!(
            line("\u{202a}\u{202b}\u{202c}\u{202d}\u{2066}\u{2067}\u{2068}\u{2069}".into()),
            "[U+202A][U+202B][U+202C][U+202D][U+2066][U+2067][U+2068][U+2069]"
        );
        assert_eq!(line("a\u{200f}b\u{2028}c".into()), "a[U+200F]b[U+2028]c");
    }

    #[test]
    fn one_line_text_shows_its_breaks_many_lines_keep_them() {
        assert_eq!(line("a\nb\tc\r\n".into()), "a␊b␉c␍␊");
        assert_eq!(lines("a\nb\tc\r\nd\re\x1b".into()), "a\nb\tc\nd␍e␛");
        assert_eq!(flat("a\nb\tc\r\nd\re\x1b".into()), "a b c d e␛");
    }

    #[test]
    fn ordinary_text_is_unchanged() {
        for s in [
            "",
            "db-1:9100",
            "Grüße, Zoë — naïve café",
            "数据库连接失败 データベース 데이터베이스",
            "🔥 disk 91% 👩‍💻 🇩🇪 ❤️",
            "עברית العربية",
            "␛ is already a picture",
            "C:\\path\\x1b",
        ] {
            assert_eq!(line(s.to_string()), s);
            assert_eq!(lines(s.to_string()), s);
            assert_eq!(flat(s.to_string()), s);
        }
    }

    #[test]
    fn json_strings_and_keys_are_cleaned() {
        let mut v = serde_json::json!({"a\x1b": ["x\x07", {"k": "\u{9b}"}], "n": 1});
        json(&mut v);
        assert_eq!(v, serde_json::json!({"a␛": ["x␇", {"k": "[U+009B]"}], "n": 1}));
    }

    #[test]
    fn a_cleaned_value_matches_its_original_by_pattern() {
        let original = "esc\u{1b}]2;PWNED\u{7}host\u{9b}";
        let shown = line(original.into());
        assert_eq!(matching_pattern("db-1:9100"), None, "clean text matches as it is");
        let pattern = matching_pattern(&shown).expect("placeholders");
        assert_eq!(pattern, r"esc.\]2;PWNED.host.");
        let anchored = regex::Regex::new(&format!("^(?:{pattern})$")).expect("valid");
        assert!(anchored.is_match(original));
        assert!(!anchored.is_match("esc]2;PWNEDhost"));
    }
}
