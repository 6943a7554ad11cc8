//! Log checks: lines of a file matching a pattern, counted over the last
//! `within` (by the time each line carries) or since the check last ran on
//! this machine (by the byte offset it stopped at), against `max`/`min`.
//! The matching lines are the evidence; the redactor and the sanitiser see
//! them before they are kept.
//!
//! The file is read in bounded chunks: memory stays flat however large the
//! file or long a line, and a check that runs out of time stops at once.

use super::{io_words, Outcome};
use chrono::{DateTime, Local, NaiveDateTime, TimeZone, Utc};
use regex::Regex;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// At most this much of the end of a file is read: a log's last 64 MiB.
const MAX_READ: u64 = 64 << 20;
/// A longer line is matched on its first 64 KiB.
const MAX_LINE: usize = 64 << 10;
/// Matching lines kept for the evidence (the last ones).
const SHOWN: usize = 20;

/// Which lines count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Span {
    /// Lines stamped within this long before now.
    Within(Duration),
    /// Lines written since the last run of this check here.
    SinceLastRun,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Want {
    pub max: Option<u64>,
    pub min: Option<u64>,
    /// A file that does not exist makes the check not applicable.
    pub missing_ok: bool,
}

pub(crate) async fn check(
    path: &str,
    pattern: &str,
    span: Span,
    want: Want,
    marks: Option<&Path>,
) -> Result<Outcome, String> {
    let regex = crate::model::pattern::regex(pattern)
        .map_err(|why| format!("{pattern:?} is not a regular expression: {why}"))?;
    let full = crate::config::expand_home(Path::new(path));
    let mut file = match tokio::fs::File::open(&full).await {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && want.missing_ok => {
            return Ok(Outcome::not_applicable(&format!("no {path} on this machine")));
        }
        Err(e) => return Err(format!("cannot read {path}: {}", io_words(&e))),
    };
    let meta = file
        .metadata()
        .await
        .map_err(|e| format!("cannot read {path}: {}", io_words(&e)))?;
    if meta.is_dir() {
        return Err(format!("cannot read {path}: it is a directory"));
    }
    let identity = FileIdentity::of(&meta);
    let len = meta.len();
    let key = format!("{}\n{pattern}", full.display());
    let (start, from_words) = match span {
        Span::Within(d) => (
            len.saturating_sub(MAX_READ),
            format!("in the last {}", humantime::format_duration(d)),
        ),
        Span::SinceLastRun => {
            let marks = marks.ok_or("no state directory to remember the last run in")?;
            match marks::load(marks).await.get(&key) {
                Some(m) if m.identity == identity && m.offset <= len => (m.offset, "since the last run".to_string()),
                Some(_) => (0, "since the last run (the file was rotated or truncated)".to_string()),
                None => (
                    len.saturating_sub(MAX_READ),
                    "in the whole file (first run)".to_string(),
                ),
            }
        }
    };
    let cutoff = match span {
        Span::Within(d) => Some(Utc::now() - chrono::Duration::from_std(d).unwrap_or(chrono::TimeDelta::MAX)),
        Span::SinceLastRun => None,
    };
    file.seek(std::io::SeekFrom::Start(start))
        .await
        .map_err(|e| format!("cannot read {path}: {}", io_words(&e)))?;
    let mut tally = Tally::new(&regex, cutoff);
    let end = read_lines(&mut file, start, |line| tally.line(line))
        .await
        .map_err(|e| format!("cannot read {path}: {}", io_words(&e)))?;
    if cutoff.is_some() && tally.stamped == 0 && tally.lines > 0 {
        return Err(format!(
            "no line of {path} carries a time opsdeck reads (syslog, ISO 8601 or [dd/Mon/yyyy:HH:MM:SS zone]): use since_last_run"
        ));
    }
    if span == Span::SinceLastRun {
        if let Some(marks) = marks {
            marks::store(marks, &key, marks::Mark { identity, offset: end })
                .await
                .map_err(|e| format!("cannot remember where {path} was read to: {e}"))?;
        }
    }
    Ok(judge(
        path,
        pattern,
        &from_words,
        &tally,
        want,
        start > 0 && cutoff.is_some(),
    ))
}

fn judge(path: &str, pattern: &str, from_words: &str, tally: &Tally, want: Want, cut: bool) -> Outcome {
    let n = tally.matched;
    let noun = if n == 1 { "line" } else { "lines" };
    let counted = format!("{n} {noun} matching {pattern:?} {from_words}");
    let problem = match (want.max, want.min) {
        (Some(max), _) if n > max => Some(format!("over the max of {max}")),
        (_, Some(min)) if n < min => Some(format!("under the min of {min}")),
        _ => None,
    };
    let bounds = super::bounds_note(want.max.map(|m| m as f64), want.min.map(|m| m as f64));
    let observed = match &problem {
        Some(p) => format!("{counted}: {p}"),
        None => format!("{counted}{bounds}"),
    };
    let mut evidence = format!("{path}: {counted}{bounds}");
    if cut {
        evidence.push_str(&format!(" (its last {} MiB read)", MAX_READ >> 20));
    }
    let earlier = n.saturating_sub(tally.shown.len() as u64);
    if earlier > 0 {
        evidence.push_str(&format!("\n… {earlier} earlier"));
    }
    for line in &tally.shown {
        evidence.push('\n');
        evidence.push_str(line);
    }
    Outcome::new(problem.is_none(), observed, evidence)
}

/// The count so far, and the last matching lines.
struct Tally<'a> {
    regex: &'a Regex,
    cutoff: Option<DateTime<Utc>>,
    /// When the check began: syslog stamps (no year) are read against it,
    /// once per check rather than per line.
    now: DateTime<Local>,
    /// The time of the last stamped line: lines without one (a stack
    /// trace's continuation) belong to it.
    current: Option<DateTime<Utc>>,
    lines: u64,
    stamped: u64,
    matched: u64,
    shown: VecDeque<String>,
}

impl<'a> Tally<'a> {
    fn new(regex: &'a Regex, cutoff: Option<DateTime<Utc>>) -> Self {
        Self {
            regex,
            cutoff,
            now: Local::now(),
            current: None,
            lines: 0,
            stamped: 0,
            matched: 0,
            shown: VecDeque::new(),
        }
    }

    fn line(&mut self, raw: &[u8]) {
        let line = String::from_utf8_lossy(raw);
        self.lines += 1;
        if let Some(cutoff) = self.cutoff {
            if let Some(at) = line_time(&line, self.now) {
                self.current = Some(at);
                self.stamped += 1;
            }
            if self.current.is_none_or(|at| at < cutoff) {
                return;
            }
        }
        if self.regex.is_match(&line) {
            self.matched += 1;
            if self.shown.len() == SHOWN {
                self.shown.pop_front();
            }
            self.shown.push_back(line.trim_end_matches(['\r', '\n']).to_string());
        }
    }
}

/// Every complete line from `start` on, to `each`; returns the offset after
/// the last complete line (a line still being written is read next time).
async fn read_lines(file: &mut tokio::fs::File, start: u64, mut each: impl FnMut(&[u8])) -> std::io::Result<u64> {
    let mut buf = vec![0u8; 64 << 10];
    let mut line: Vec<u8> = Vec::new();
    // Bytes of the current line past MAX_LINE are dropped, not kept.
    let mut line_len = 0u64;
    let mut done = start;
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            return Ok(done);
        }
        let mut rest = &buf[..n];
        while let Some(i) = rest.iter().position(|&b| b == b'\n') {
            keep(&mut line, &rest[..i]);
            each(&line);
            done += line_len + i as u64 + 1;
            line.clear();
            line_len = 0;
            rest = &rest[i + 1..];
        }
        keep(&mut line, rest);
        line_len += rest.len() as u64;
    }
}

fn keep(line: &mut Vec<u8>, part: &[u8]) {
    let room = MAX_LINE.saturating_sub(line.len());
    line.extend_from_slice(&part[..part.len().min(room)]);
}

/// The time a log line carries: ISO 8601 at its start (with or without a
/// zone; local time without), a syslog stamp at its start (`Dec  6
/// 03:12:09`, local time, this year unless that is more than a day ahead),
/// or a web server's `[06/Dec/2026:03:12:09 +0000]` anywhere.
pub(crate) fn line_time(line: &str, now: DateTime<Local>) -> Option<DateTime<Utc>> {
    iso(line).or_else(|| syslog(line, now)).or_else(|| common_log(line))
}

fn iso(line: &str) -> Option<DateTime<Utc>> {
    let head = line.get(..19)?;
    let b = head.as_bytes();
    if !(b[4] == b'-' && b[7] == b'-' && (b[10] == b'T' || b[10] == b' ')) {
        return None;
    }
    let naive = NaiveDateTime::parse_from_str(&head.replace(' ', "T"), "%Y-%m-%dT%H:%M:%S").ok()?;
    // The zone, if one follows the seconds and their fraction.
    let tail = line[19..].trim_start_matches(|c: char| c == '.' || c == ',' || c.is_ascii_digit());
    if tail.starts_with('Z') {
        return Some(Utc.from_utc_datetime(&naive));
    }
    if let Some(sign @ ('+' | '-')) = tail.chars().next() {
        let digits: String = tail[1..].chars().filter(|c| *c != ':').take(4).collect();
        if digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()) {
            let hours: i32 = digits[..2].parse().ok()?;
            let minutes: i32 = digits[2..].parse().ok()?;
            let secs = (hours * 3600 + minutes * 60) * if sign == '-' { -1 } else { 1 };
            let zone = chrono::FixedOffset::east_opt(secs)?;
            return zone.from_local_datetime(&naive).single().map(|t| t.with_timezone(&Utc));
        }
    }
    Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

fn syslog(line: &str, now: DateTime<Local>) -> Option<DateTime<Utc>> {
    let head = line.get(..15)?;
    let year = now.format("%Y").to_string();
    let naive = NaiveDateTime::parse_from_str(&format!("{year} {head}"), "%Y %b %e %H:%M:%S").ok()?;
    let at = Local.from_local_datetime(&naive).earliest()?;
    // December's lines read in January belong to last year.
    let at = if at > now + chrono::Duration::days(1) {
        use chrono::Datelike;
        let naive = naive.with_year(naive.year() - 1)?;
        Local.from_local_datetime(&naive).earliest()?
    } else {
        at
    };
    Some(at.with_timezone(&Utc))
}

fn common_log(line: &str) -> Option<DateTime<Utc>> {
    let open = line.find('[')?;
    let inside = line.get(open + 1..)?;
    let close = inside.find(']')?;
    DateTime::parse_from_str(&inside[..close], "%d/%b/%Y:%H:%M:%S %z")
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Which file a mark belongs to: a rotated log is a new file at the same path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct FileIdentity {
    dev: u64,
    ino: u64,
}

impl FileIdentity {
    fn of(meta: &std::fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        Self {
            dev: meta.dev(),
            ino: meta.ino(),
        }
    }
}

/// Where each `since_last_run` check stopped reading, in one small JSON
/// file beside the state store.
pub(crate) mod marks {
    use super::FileIdentity;
    use std::collections::BTreeMap;
    use std::path::Path;

    #[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
    pub struct Mark {
        pub identity: FileIdentity,
        pub offset: u64,
    }

    /// Checks of one runbook run at once: their read-modify-write of the
    /// file is one at a time.
    static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

    /// The marks on file; none when it is missing or unreadable (every
    /// check then counts as a first run, which says so).
    pub async fn load(path: &Path) -> BTreeMap<String, Mark> {
        match tokio::fs::read(path).await {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
            Err(_) => BTreeMap::new(),
        }
    }

    /// Record one mark: written to a temporary file and renamed over the
    /// old one, so a killed process leaves the old marks or the new.
    pub async fn store(path: &Path, key: &str, mark: Mark) -> Result<(), String> {
        let _one = LOCK.lock().await;
        let mut all = load(path).await;
        all.insert(key.to_string(), mark);
        let text = serde_json::to_vec(&all).map_err(|e| e.to_string())?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(|e| super::io_words(&e))?;
        }
        let tmp = path.with_extension("json.tmp");
        tokio::fs::write(&tmp, text).await.map_err(|e| super::io_words(&e))?;
        tokio::fs::rename(&tmp, path).await.map_err(|e| super::io_words(&e))
    }
}

/// `log-marks.json` beside the SQLite state file (its default place when
/// the config names none).
pub fn marks_path(state_file: Option<&Path>) -> Option<PathBuf> {
    let file = state_file
        .map(Path::to_path_buf)
        .or_else(crate::config::default_state_path)?;
    Some(file.parent()?.join("log-marks.json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(s: &str) -> DateTime<Local> {
        let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("time");
        Local.from_local_datetime(&naive).earliest().expect("local")
    }

    #[test]
    fn times_are_read_from_the_common_log_formats() {
        let now = local("2026-12-06 10:00:00");
        let utc = |s: &str| DateTime::parse_from_rfc3339(s).expect("rfc3339").with_timezone(&Utc);
        assert_eq!(
            line_time("2026-12-06T03:12:09.123456+01:00 host sshd[1]: Failed password", now),
            Some(utc("2026-12-06T02:12:09Z"))
        );
        assert_eq!(
            line_time("2026-12-06T03:12:09Z x", now),
            Some(utc("2026-12-06T03:12:09Z"))
        );
        assert_eq!(
            line_time("2026-12-06 03:12:09,120 ERROR x", now),
            Some(local("2026-12-06 03:12:09").with_timezone(&Utc))
        );
        assert_eq!(
            line_time("Dec  6 03:12:09 host sshd[1]: Failed password", now),
            Some(local("2026-12-06 03:12:09").with_timezone(&Utc))
        );
        assert_eq!(
            line_time(r#"10.0.0.1 - - [06/Dec/2026:03:12:09 +0000] "GET / HTTP/1.1" 200"#, now),
            Some(utc("2026-12-06T03:12:09Z"))
        );
        assert_eq!(line_time("    at com.example.Main(Main.java:3)", now), None);
        assert_eq!(line_time("", now), None);
        assert_eq!(line_time("2026-13-45T99:99:99 nonsense", now), None);
    }

    #[test]
    fn a_december_syslog_line_read_in_january_is_last_year() {
        let now = local("2027-01-01 00:10:00");
        assert_eq!(
            line_time("Dec 31 23:59:00 host x", now),
            Some(local("2026-12-31 23:59:00").with_timezone(&Utc))
        );
    }

    #[test]
    fn lines_without_a_time_belong_to_the_line_before() {
        let re = Regex::new("Exception").expect("regex");
        let cutoff = Utc::now() - chrono::Duration::minutes(10);
        let mut t = Tally::new(&re, Some(cutoff));
        let old = (Local::now() - chrono::Duration::hours(2)).format("%Y-%m-%dT%H:%M:%S");
        let new = Local::now().format("%Y-%m-%dT%H:%M:%S");
        for line in [
            format!("{old} ERROR a"),
            "  Exception old".to_string(),
            format!("{new} ERROR b"),
            "  Exception new".to_string(),
        ] {
            t.line(line.as_bytes());
        }
        assert_eq!((t.lines, t.stamped, t.matched), (4, 2, 1));
        assert_eq!(t.shown, ["  Exception new"]);
    }

    #[tokio::test]
    async fn lines_are_split_in_bounded_pieces_and_a_partial_last_line_waits() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("app.log");
        let long = "x".repeat(MAX_LINE * 3);
        std::fs::write(&path, format!("one\n{long}\nthree\npartial")).expect("write");
        let mut file = tokio::fs::File::open(&path).await.expect("open");
        let mut seen = Vec::new();
        let end = read_lines(&mut file, 0, |l| seen.push(l.len())).await.expect("read");
        assert_eq!(seen, [3, MAX_LINE, 5]);
        assert_eq!(
            end,
            (4 + long.len() + 1 + 6) as u64,
            "stops after the last complete line"
        );
    }
}
