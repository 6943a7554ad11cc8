//! Text every layer writes: fitted to a width, kept on one line, durations
//! and sizes in a narrow column, and errors in the words an operator reads.

pub mod clean;
pub mod spreadsheet;

use chrono::{DateTime, Utc};
use std::time::Duration;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// "no answer within 3s": what a timeout says, whichever bound fired.
pub fn no_answer(timeout: Duration) -> String {
    format!("no answer within {}", humantime::format_duration(timeout))
}

/// An error with its causes ("error sending request: connection refused"),
/// which is what an operator needs to see, on one line.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    if let Some(plain) = plain_cause(e) {
        return plain.into();
    }
    let mut parts: Vec<String> = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    one_line(&parts.join(": "))
}

/// What an operator needs to read, for the causes every client words its
/// own way: "Connection refused (os error 111)" under three wrappers, or a
/// parser's complaint about an answer that was not the protocol at all.
fn plain_cause(e: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused)
        {
            return Some("connection refused");
        }
        let text = c.to_string();
        // hyper's words for bytes that are no HTTP answer, whether they
        // arrive before or after the request went out.
        if text.contains("invalid HTTP ") || text.contains("received unexpected message from connection") {
            return Some("the answer is not HTTP");
        }
        if text.contains("unexpected response from SSLRequest") {
            return Some("the answer is not the PostgreSQL protocol");
        }
        cause = c.source();
    }
    None
}

/// Keep a message short and on one line for a table cell, with no control
/// character left in it (it is often a backend's words).
pub fn one_line(s: &str) -> String {
    let flat = clean::line(s.split_whitespace().collect::<Vec<_>>().join(" "));
    fit(&flat, 200)
}

/// "12s", "3m", "2h05m", "3d04h": compact ages for tables. Past the first
/// minute they move once a minute, so an idle screen does not repaint ages
/// every second (bytes matter on a slow SSH link).
pub fn age(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    duration_text(now.signed_duration_since(then).num_seconds().max(0))
}

/// An age that ticks on screen (an alert's, an overdue response's):
/// seconds in steps of ten for the first minute ("<10s", "10s" … "50s"),
/// then as `duration_text`. Repainted every second, a fresh alert's age
/// cost ~30 bytes a second over SSH to say what its step of ten says;
/// the exact time is in its details.
pub fn ticking_age(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    match now.signed_duration_since(then).num_seconds().max(0) {
        s if s < 10 => "<10s".to_string(),
        s if s < 60 => format!("{}s", s / 10 * 10),
        s => duration_text(s),
    }
}

pub fn duration_text(secs: i64) -> String {
    let secs = secs.max(0);
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        s => format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// "512K", "12.3M", "1.9G": sizes in a narrow column.
pub fn short_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "K", "M", "G", "T"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 || v >= 100.0 {
        format!("{v:.0}{}", UNITS[unit])
    } else {
        format!("{v:.1}{}", UNITS[unit])
    }
}

pub fn hms(t: DateTime<Utc>) -> String {
    t.format("%H:%M:%S").to_string()
}

/// Columns `s` takes on a terminal: a CJK character or an emoji takes two,
/// a combining mark none. Counted per grapheme and skipping control
/// characters, the way ratatui's buffer draws a string.
pub fn width(s: &str) -> usize {
    // Most of what a frame measures is ASCII: one column a character,
    // none for a control character, as the graphemes would say.
    if s.is_ascii() {
        return s.bytes().filter(|b| !b.is_ascii_control()).count();
    }
    s.graphemes(true).map(grapheme_width).sum()
}

fn grapheme_width(g: &str) -> usize {
    if g.contains(char::is_control) {
        0
    } else {
        UnicodeWidthStr::width(g)
    }
}

/// Truncate to `width` display columns with an ellipsis. A two-column
/// character that does not fit before the ellipsis is dropped whole (the
/// result is then one column narrower); combining marks stay with their base.
pub fn fit(s: &str, width: usize) -> String {
    if self::width(s) <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let room = width - 1;
    let mut out = String::with_capacity(s.len().min(room * 4 + 3));
    let mut used = 0;
    for g in s.graphemes(true) {
        let w = grapheme_width(g);
        if used + w > room {
            break;
        }
        used += w;
        out.push_str(g);
    }
    out.push('…');
    out
}

/// `s` cut into pieces of at most `width` display columns, anywhere (for a
/// query or a command line, where words are no guide); a wide character is
/// never split.
pub fn chunks(s: &str, width: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut used = 0;
    for g in s.graphemes(true) {
        let w = grapheme_width(g);
        if used + w > width.max(1) && used > 0 {
            out.push(String::new());
            used = 0;
        }
        used += w;
        if let Some(last) = out.last_mut() {
            last.push_str(g);
        }
    }
    out
}

/// `s` as rows of at most `width` display columns, broken between words
/// (a word longer than a row is broken too).
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    let options = textwrap::Options::new(width.max(1)).break_words(true);
    textwrap::wrap(s, options).into_iter().map(|l| l.into_owned()).collect()
}

/// "restart" → "Restart".
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// `--since`: an RFC 3339 time, a date (`2026-11-23`), or a duration ago (`24h`).
pub fn parse_since(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc())
            .ok_or_else(|| format!("invalid date {s:?}"));
    }
    if let Ok(d) = humantime::parse_duration(s) {
        let d = chrono::Duration::from_std(d).map_err(|e| e.to_string())?;
        return now
            .checked_sub_signed(d)
            .ok_or_else(|| format!("{s:?} is too far back"));
    }
    Err(format!(
        "cannot read time {s:?}: use RFC 3339 (2026-11-23T08:00:00Z), a date (2026-11-23) or a duration ago (24h)"
    ))
}

/// A time as the history takes it: RFC 3339, `HH:MM` today (UTC), a
/// duration ago (`-15m`, or `15m`), or a date.
pub fn parse_at(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if let Ok(t) = chrono::NaiveTime::parse_from_str(s, "%H:%M") {
        return Ok(now.date_naive().and_time(t).and_utc());
    }
    parse_since(s.strip_prefix('-').unwrap_or(s), now).map_err(|_| {
        format!(
            "cannot read time {s:?}: use RFC 3339 (2026-12-06T03:12:00Z), HH:MM (UTC, today) or a duration ago (-15m)"
        )
    })
}

/// Outside text (a container's name) as part of a file name: ASCII
/// letters, digits, `.`, `_` and `-` kept, anything else `_` — no path
/// separator, no space, no control byte.
pub fn file_name_chars(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{chunks, fit, one_line, ticking_age, width};

    #[test]
    fn ascii_is_measured_as_its_graphemes_would_be() {
        for s in ["", "cpu 27%", "a\r\nb", "tab\there", "\x1b[31m", "x\u{7f}y"] {
            let graphemes: usize = unicode_segmentation::UnicodeSegmentation::graphemes(s, true)
                .map(super::grapheme_width)
                .sum();
            assert_eq!(width(s), graphemes, "{s:?}");
        }
    }

    #[test]
    fn a_ticking_age_moves_in_tens_of_seconds_for_its_first_minute() {
        let then = chrono::DateTime::from_timestamp(1_000_000, 0).unwrap_or_default();
        let at = |s: i64| ticking_age(then + chrono::Duration::seconds(s), then);
        assert_eq!(at(0), "<10s");
        assert_eq!(at(9), "<10s");
        assert_eq!(at(10), "10s");
        assert_eq!(at(59), "50s");
        assert_eq!(at(61), "1m");
        assert_eq!(at(-5), "<10s", "a clock behind the source");
    }

    #[test]
    fn fit_counts_display_columns_not_chars() {
        let name = "磁盘空间不足告警测试数据库主机";
        assert_eq!(width(name), 30);
        // 9 columns of room before the ellipsis: four CJK characters (8).
        assert_eq!(fit(name, 10), "磁盘空间…");
        assert_eq!(width(&fit(name, 10)), 9);
        assert_eq!(fit(name, 11), "磁盘空间不…");
        assert_eq!(width(&fit(name, 11)), 11);
        assert_eq!(fit(name, 30), name);
    }

    #[test]
    fn fit_never_splits_an_emoji_or_a_cluster() {
        assert_eq!(fit("db 🔥🔥🔥 hot", 7), "db 🔥…");
        assert_eq!(width(&fit("db 🔥🔥🔥 hot", 7)), 6);
        // A family emoji is one grapheme of two columns.
        let family = "👨\u{200d}👩\u{200d}👧 home";
        assert_eq!(width(family), 7);
        assert_eq!(fit(family, 3), "👨\u{200d}👩\u{200d}👧…");
        assert_eq!(fit(family, 2), "…");
    }

    #[test]
    fn fit_keeps_combining_marks_with_their_letter() {
        // "e" + combining acute is one column.
        let name = "cafe\u{301}-cache-e\u{301}te\u{301}";
        assert_eq!(width(name), 14);
        assert_eq!(fit(name, 14), name);
        assert_eq!(fit(name, 5), "cafe\u{301}…");
        assert_eq!(width(&fit(name, 5)), 5);
        assert_eq!(fit(name, 0), "");
        assert_eq!(fit(name, 1), "…");
    }

    #[test]
    fn chunks_are_cut_by_columns_never_inside_a_wide_character() {
        assert_eq!(chunks("SELECT 名前 FROM 表", 8), ["SELECT ", "名前 FRO", "M 表"]);
        assert_eq!(chunks("名前名", 3), ["名", "前", "名"]);
        assert_eq!(chunks("", 5), [""]);
        for c in chunks(&"数a".repeat(40), 7) {
            assert!(width(&c) <= 7, "{c}");
        }
    }

    #[test]
    fn one_line_cuts_at_two_hundred_columns() {
        let long = "数".repeat(150);
        let cut = one_line(&long);
        assert!(width(&cut) <= 200, "{}", width(&cut));
        assert!(cut.ends_with('…'));
        assert_eq!(width(&one_line(&"a".repeat(300))), 200);
    }
}
