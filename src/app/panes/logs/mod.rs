//! The state of an open container log: a bounded buffer, follow/pause,
//! search with next/previous, a filter that hides non-matching lines.

pub mod keys;

/// What this pane's keys can do (named in `model::action`, where the keymap reads them).
pub use crate::model::action::LogsAction;
use crate::model::docker::LogLine;
use std::collections::VecDeque;

/// Lines kept per open log; older ones are dropped (and counted).
pub const LOG_CAP: usize = 10_000;

/// The container log pane: the log open now, if any.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogsPane {
    pub open: Option<LogView>,
    /// Numbers log followers, so a closed log's late lines are ignored.
    pub next_id: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogView {
    /// Tells this view's messages from a closed view's late ones.
    pub follower: u64,
    pub host: String,
    pub container: String,
    pub lines: VecDeque<LogLine>,
    /// Lines dropped from the front to stay within `LOG_CAP`.
    pub dropped: u64,
    /// Stick to the newest line. Off: paused where the operator is reading.
    pub follow: bool,
    /// First shown line, as an index into `visible()`, when not following.
    pub top: usize,
    pub timestamps: bool,
    /// Drawn without the container's colours.
    pub plain: bool,
    pub search: Option<String>,
    /// `search` compiled, once, when it is set.
    pub pattern: Option<crate::model::pattern::Pattern>,
    /// The search being typed after `/`.
    pub typing: Option<String>,
    /// Hide lines that do not match the search.
    pub filter: bool,
    /// Index into `visible()` of the current match.
    pub current: Option<usize>,
    /// Why the stream stopped, once it has.
    pub ended: Option<String>,
}

impl LogView {
    pub fn new(follower: u64, host: String, container: String) -> Self {
        Self {
            follower,
            host,
            container,
            lines: VecDeque::new(),
            dropped: 0,
            follow: true,
            top: 0,
            timestamps: false,
            plain: false,
            search: None,
            pattern: None,
            typing: None,
            filter: false,
            current: None,
            ended: None,
        }
    }

    pub fn push(&mut self, lines: Vec<LogLine>) {
        for line in lines {
            if self.lines.len() == LOG_CAP {
                self.lines.pop_front();
                self.dropped += 1;
                // Keep a paused view on the same text as the buffer slides.
                self.top = self.top.saturating_sub(1);
                self.current = self.current.map(|c| c.saturating_sub(1));
            }
            self.lines.push_back(line);
        }
    }

    pub fn matches(&self, line: &LogLine) -> bool {
        match (&self.search, &self.pattern) {
            (Some(_), Some(p)) => p.keeps(std::iter::once(line.text.as_str())),
            _ => true,
        }
    }

    /// Search for the regex `query` (none: stop searching). A query that is
    /// not a regex leaves the search as it was and says why.
    pub fn set_search(&mut self, query: Option<String>) -> Result<(), String> {
        match query {
            None => {
                self.search = None;
                self.pattern = None;
            }
            Some(q) => {
                self.pattern = Some(crate::model::pattern::Pattern::parse(&q)?);
                self.search = Some(q);
            }
        }
        Ok(())
    }

    /// The lines on offer: all, or only matches when the filter is on.
    pub fn visible(&self) -> Vec<&LogLine> {
        if self.filter && self.search.is_some() {
            self.lines.iter().filter(|l| self.matches(l)).collect()
        } else {
            self.lines.iter().collect()
        }
    }

    /// The first line to draw for a window of `height` lines.
    pub fn window_top(&self, height: usize) -> usize {
        let len = self.visible().len();
        if self.follow {
            len.saturating_sub(height)
        } else {
            self.top.min(len.saturating_sub(1))
        }
    }

    /// Scroll by `delta` lines (negative: up). Scrolling up pauses.
    pub fn scroll(&mut self, delta: isize, height: usize) {
        let len = self.visible().len();
        let top = self.window_top(height) as isize + delta;
        let max_top = len.saturating_sub(height) as isize;
        self.top = top.clamp(0, max_top.max(0)) as usize;
        self.follow = self.top as isize >= max_top && delta > 0;
    }

    pub fn pause_toggle(&mut self, height: usize) {
        if self.follow {
            self.top = self.window_top(height);
            self.follow = false;
        } else {
            self.follow = true;
        }
    }

    /// Move to the next (`forward`) or previous match and bring it into view.
    pub fn jump(&mut self, forward: bool, height: usize) -> bool {
        let visible = self.visible();
        let hits: Vec<usize> = visible
            .iter()
            .enumerate()
            .filter(|(_, l)| self.matches(l))
            .map(|(i, _)| i)
            .collect();
        if hits.is_empty() || self.search.is_none() {
            return false;
        }
        let next = match (self.current, forward) {
            (None, _) => hits.last().copied(),
            (Some(c), true) => hits.iter().copied().find(|h| *h > c).or(hits.first().copied()),
            (Some(c), false) => hits.iter().rev().copied().find(|h| *h < c).or(hits.last().copied()),
        };
        self.current = next;
        if let Some(c) = next {
            self.follow = false;
            self.top = c.saturating_sub(height / 2);
        }
        true
    }

    /// The visible lines as plain text, for saving.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for l in self.visible() {
            if l.marker {
                out.push_str(&l.text);
                out.push('\n');
                continue;
            }
            if self.timestamps && !l.ts.is_empty() {
                out.push_str(&l.ts);
                out.push(' ');
            }
            out.push_str(if l.stderr { "stderr " } else { "stdout " });
            out.push_str(&l.text);
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(t: &str) -> LogLine {
        LogLine {
            stderr: false,
            ts: String::new(),
            text: t.into(),
            ..Default::default()
        }
    }

    #[test]
    fn buffer_is_bounded() {
        let mut v = LogView::new(1, "h".into(), "c".into());
        v.push((0..LOG_CAP + 25).map(|i| line(&i.to_string())).collect());
        assert_eq!(v.lines.len(), LOG_CAP);
        assert_eq!(v.dropped, 25);
        assert_eq!(v.lines.front().map(|l| l.text.as_str()), Some("25"));
    }

    #[test]
    fn search_jumps_and_filter_hides() {
        let mut v = LogView::new(1, "h".into(), "c".into());
        v.push(vec![
            line("ok"),
            line("ERROR one"),
            line("ok"),
            line("error two"),
            line("ok"),
        ]);
        v.set_search(Some("error".into())).expect("valid");
        assert!(v.jump(true, 3));
        assert_eq!(v.current, Some(3), "first jump goes to the newest match");
        assert!(v.jump(true, 3));
        assert_eq!(v.current, Some(1), "wraps around");
        assert!(!v.follow);
        v.filter = true;
        assert_eq!(v.visible().len(), 2);
        v.set_search(Some("nothing".into())).expect("valid");
        v.current = None;
        assert!(!v.jump(true, 3));
    }

    #[test]
    fn search_is_a_regex_and_a_bad_one_keeps_the_last() {
        let mut v = LogView::new(1, "h".into(), "c".into());
        v.push(vec![line("ok"), line("ERROR one"), line("error two"), line("errors")]);
        v.filter = true;
        v.set_search(Some("^error \\w+$".into())).expect("valid");
        let shown = |v: &LogView| v.visible().iter().map(|l| l.text.clone()).collect::<Vec<_>>();
        assert_eq!(shown(&v), ["ERROR one", "error two"]);
        let e = v.set_search(Some("(".into())).expect_err("not a regex");
        assert!(e.contains("unclosed group"), "{e}");
        assert_eq!(shown(&v), ["ERROR one", "error two"], "the last good search stays");
        v.set_search(Some("!^error".into())).expect("valid");
        assert_eq!(shown(&v), ["ok"]);
    }

    #[test]
    fn scrolling_up_pauses_and_bottom_resumes() {
        let mut v = LogView::new(1, "h".into(), "c".into());
        v.push((0..100).map(|i| line(&i.to_string())).collect());
        assert_eq!(v.window_top(10), 90);
        v.scroll(-5, 10);
        assert!(!v.follow);
        assert_eq!(v.window_top(10), 85);
        v.push(vec![line("new")]);
        assert_eq!(v.window_top(10), 85, "paused view does not move");
        v.scroll(100, 10);
        assert!(v.follow);
    }
}
