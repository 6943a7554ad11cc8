//! A session's report in Markdown: the incident record an auditor or a
//! post-mortem reads. Everything in it comes from what was committed, and
//! from what the flight recorder kept of the session's window (`Screen`):
//! the dashboard at its start and at each phase change, and what the panes
//! saw, merged into the timeline.

use super::{Event, EventKind, Session, StepState};
use crate::model::audit::AuditEntry;
use chrono::{DateTime, Utc};
use std::fmt::Write;

const TIME: &str = "%Y-%m-%d %H:%M:%S UTC";

/// What the flight recorder kept of a session's window, for its report.
/// The default (nothing read) leaves both sections out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Screen {
    /// The dashboard at each of `moments`.
    pub dashboards: Vec<Dashboard>,
    /// What the panes saw (`seen`), oldest first, without the time.
    pub seen: Vec<(DateTime<Utc>, String)>,
    /// Lines of what was seen left out, and recorded rows not read.
    pub more: u64,
}

/// The dashboard as recorded at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    pub at: DateTime<Utc>,
    /// "the session started", "phase «Mitigation» began".
    pub moment: String,
    /// The screen as text, or why there is none.
    pub screen: Result<String, String>,
}

/// The moments whose dashboard a report shows: the start, each phase
/// after the first as it began, and the close.
pub fn moments(s: &Session, now: DateTime<Utc>) -> Vec<(DateTime<Utc>, String)> {
    let mut out = vec![(s.meta.started_at, "the session started".to_string())];
    for (phase, t) in s.runbook.phases.iter().zip(s.phase_times(now)).skip(1) {
        if let Some(at) = t.started_at {
            out.push((at, format!("phase «{}» began", phase.name)));
        }
    }
    if let Some(at) = s.meta.closed_at {
        out.push((at, "the session closed".to_string()));
    }
    out.sort_by_key(|(at, _)| *at);
    out.dedup_by_key(|(at, _)| *at);
    out
}

/// The report. `others` are audit entries while the session was open; the
/// ones from other panes (restarts, silences, cancelled queries, revocations)
/// go into the timeline, and so does what `screen` says the panes saw.
pub fn markdown(s: &Session, others: &[AuditEntry], screen: &Screen, now: DateTime<Utc>) -> String {
    let mut out = String::new();
    let m = &s.meta;
    let end = m.closed_at.unwrap_or(now);
    let _ = writeln!(out, "# {} — {}\n", m.id, m.title);
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| runbook | {} ({}) |", s.runbook.title, s.runbook.id);
    let _ = writeln!(out, "| severity | {} |", m.severity.as_deref().unwrap_or("-"));
    let _ = writeln!(out, "| started | {} by {} |", m.started_at.format(TIME), m.started_by);
    match (&m.closed_at, &m.closed_by) {
        (Some(at), Some(by)) => {
            let _ = writeln!(out, "| closed | {} by {} |", at.format(TIME), by);
        }
        _ => {
            let _ = writeln!(out, "| closed | still open at {} |", now.format(TIME));
        }
    }
    let _ = writeln!(out, "| duration | {} |", super::elapsed(m.started_at, end));
    let _ = writeln!(out, "| participants | {} |", s.participants().join(", "));
    let (settled, total) = s.progress();
    let _ = writeln!(out, "| steps settled | {settled} of {total} |");
    let open = open_steps(s);
    if !open.is_empty() {
        let what = if m.is_open() { "still open" } else { "closed with open" };
        let _ = writeln!(out, "| {what} | {} |", open.join(", "));
    }
    let _ = writeln!(out);
    if let Some(r) = &m.resolution {
        let _ = writeln!(out, "## Resolution\n\n{r}\n");
    }

    super::window::report_section(&mut out, s, end);
    let _ = writeln!(out, "## Phases\n");
    let times = s.phase_times(end);
    phase_table(&mut out, s, &times);
    for (i, (phase, t)) in s.runbook.phases.iter().zip(&times).enumerate() {
        let budget = phase
            .budget
            .map(|b| format!(", budget {}", humantime::format_duration(b)))
            .unwrap_or_default();
        let over = match t.overran_by {
            Some(by) => format!(", OVERRAN by {}", super::elapsed_secs(by.as_secs())),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "### {}. {} ({} of {} settled{budget}{over})\n",
            i + 1,
            phase.name,
            t.settled,
            t.total
        );
        for step in &phase.steps {
            let state = s.step_state(&step.id);
            let who = match &state {
                StepState::Pending => String::new(),
                StepState::Done { by, at, .. }
                | StepState::Skipped { by, at, .. }
                | StepState::Failed { by, at, .. } => {
                    format!(" — {by}, {}", at.format("%H:%M:%S"))
                }
            };
            let mark = match state {
                StepState::Done { .. } => "x",
                _ => " ",
            };
            let _ = writeln!(out, "- [{mark}] **{}** ({}){who}", step.title, state.word());
            match &state {
                StepState::Skipped { reason, .. } | StepState::Failed { reason, .. } => {
                    let _ = writeln!(out, "  - reason: {reason}");
                }
                _ => {}
            }
            if let Some(EventKind::DoneDespiteCheck { reason }) = s.last_state_event(&step.id).map(|e| &e.what) {
                let _ = writeln!(out, "  - ticked over its FAILED check: {}", one_line(reason));
            }
            if let Some(r) = s.last_check(&step.id) {
                let verdict = r.verdict().word();
                let _ = writeln!(
                    out,
                    "  - check {verdict} at {}: {} (evidence sha256 {})",
                    r.at.format("%H:%M:%S"),
                    r.observed,
                    r.evidence_sha256
                );
            }
            for n in s.notes(Some(&step.id)) {
                if let EventKind::Note { text } = &n.what {
                    let _ = writeln!(
                        out,
                        "  - note by {} at {}: {}",
                        n.operator,
                        n.at.format("%H:%M:%S"),
                        one_line(text)
                    );
                }
            }
        }
        let _ = writeln!(out);
    }

    let session_notes: Vec<&Event> = s.notes(None).collect();
    if !session_notes.is_empty() {
        let _ = writeln!(out, "## Notes\n");
        for n in session_notes {
            if let EventKind::Note { text } = &n.what {
                let _ = writeln!(
                    out,
                    "- {} {}: {}",
                    n.at.format(TIME),
                    n.operator,
                    text.replace('\n', "\n  ")
                );
            }
        }
        let _ = writeln!(out);
    }

    let _ = writeln!(out, "## Timeline\n");
    let mut lines = timed(s, others, end);
    lines.extend(
        screen
            .seen
            .iter()
            .map(|(at, l)| (*at, format!("{} seen: {l}", at.format("%H:%M:%S")))),
    );
    // Stable: at the same second the operators' events come first.
    lines.sort_by_key(|(at, _)| *at);
    for (_, line) in lines {
        let _ = writeln!(out, "- {line}");
    }
    if screen.more > 0 {
        let _ = writeln!(
            out,
            "- … and {} more changes recorded, not listed (`opsdeck history show --at TIME` draws any moment)",
            screen.more
        );
    }
    dashboards(&mut out, &screen.dashboards);
    out
}

/// Each dashboard in a fenced block, longer than any run of backticks in
/// it so nothing on the screen can close it.
fn dashboards(out: &mut String, all: &[Dashboard]) {
    if all.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n## Dashboard as recorded");
    for d in all {
        let _ = writeln!(out, "\n### When {}, {}\n", d.moment, d.at.format(TIME));
        match &d.screen {
            Ok(text) => {
                let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
                let fence = "`".repeat(longest.max(2) + 1);
                let _ = writeln!(out, "{fence}text\n{}\n{fence}", text.trim_end_matches('\n'));
            }
            Err(why) => {
                let _ = writeln!(out, "not recorded: {why}");
            }
        }
    }
}

/// The report closed with the audit chain's head when it was written: the
/// file can be tied to the log, and the log checked to still hold that head
/// (`opsdeck audit verify --head`).
pub fn with_audit_head(mut report: String, head: &crate::model::checkpoint::Head) -> String {
    let _ = write!(report, "\naudit head: {head}\n");
    report
}

/// The steps not settled, by title.
pub fn open_steps(s: &Session) -> Vec<String> {
    s.runbook
        .steps()
        .filter(|(_, st)| !s.step_state(&st.id).is_settled())
        .map(|(_, st)| format!("«{}»", st.title))
        .collect()
}

/// Each phase's budget, due time, start, settling, time taken and overrun.
fn phase_table(out: &mut String, s: &Session, times: &[super::PhaseTime]) {
    let hms = |t: Option<DateTime<Utc>>| t.map(|t| t.format("%H:%M:%S").to_string());
    let _ = writeln!(out, "| phase | budget | due | started | settled | actual | overrun |");
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for (phase, t) in s.runbook.phases.iter().zip(times) {
        let budget = phase.budget.map(|b| humantime::format_duration(b).to_string());
        let actual = match (t.started_at, t.settled_at) {
            (Some(a), Some(b)) => Some(super::elapsed(a, b)),
            _ => None,
        };
        let over = t.overran_by.map(|d| super::elapsed_secs(d.as_secs()));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            phase.name,
            budget.as_deref().unwrap_or("-"),
            hms(t.due(s.meta.started_at)).as_deref().unwrap_or("-"),
            hms(t.started_at).as_deref().unwrap_or("not started"),
            hms(t.settled_at).as_deref().unwrap_or("open"),
            actual.as_deref().unwrap_or("-"),
            over.as_deref().unwrap_or("-"),
        );
    }
    let _ = writeln!(out);
}

/// When phases settled and overran their budgets, as timeline lines.
fn phase_lines(s: &Session, end: DateTime<Utc>) -> Vec<(DateTime<Utc>, String)> {
    let mut lines = Vec::new();
    for (phase, t) in s.runbook.phases.iter().zip(s.phase_times(end)) {
        if let Some(at) = t.settled_at {
            lines.push((at, format!("{} phase «{}» settled", at.format("%H:%M:%S"), phase.name)));
        }
        if let (Some(due), Some(by)) = (t.due(s.meta.started_at), t.overran_by) {
            let budget = phase.budget.map(humantime::format_duration).map(|b| b.to_string());
            let how = match t.settled_at {
                Some(_) => format!("settled {} late", super::elapsed_secs(by.as_secs())),
                None => "steps still open".to_string(),
            };
            lines.push((
                due,
                format!(
                    "{} phase «{}» overran its budget ({}; {how})",
                    due.format("%H:%M:%S"),
                    phase.name,
                    budget.as_deref().unwrap_or("-")
                ),
            ));
        }
    }
    lines
}

/// Every event of the session and every action in other panes while it
/// was open, in time order, one line each.
pub fn timeline(s: &Session, others: &[AuditEntry], end: DateTime<Utc>) -> Vec<String> {
    timed(s, others, end).into_iter().map(|(_, l)| l).collect()
}

/// `timeline`, each line with its time.
fn timed(s: &Session, others: &[AuditEntry], end: DateTime<Utc>) -> Vec<(DateTime<Utc>, String)> {
    let step_title = |id: &Option<String>| {
        id.as_deref()
            .and_then(|id| s.runbook.step(id))
            .map(|(_, st)| st.title.clone())
            .unwrap_or_default()
    };
    let mut lines: Vec<(DateTime<Utc>, String)> = s
        .events
        .iter()
        // A window's probes are its first and its verdict: the rest are in the store.
        .filter(|e| !matches!(&e.what, EventKind::Probe { since, .. } if e.at != *since))
        .map(|e| {
            (
                e.at,
                format!(
                    "{} {}: {}",
                    e.at.format("%H:%M:%S"),
                    e.operator,
                    describe(e, &step_title(&e.step))
                ),
            )
        })
        .collect();
    for a in others {
        let Ok(at) = DateTime::parse_from_rfc3339(&a.ts).map(|t| t.with_timezone(&Utc)) else {
            continue;
        };
        if a.pane == "checklist"
            || a.pane == "app"
            || at < s.meta.started_at
            || at > end
            || a.outcome == "intent"
            || super::actions::told_by_session(a, &s.meta.id)
        {
            continue;
        }
        let target = a.target.as_deref().unwrap_or_default();
        lines.push((
            at,
            format!(
                "{} {}: {} {} {target} ({})",
                at.format("%H:%M:%S"),
                a.operator,
                a.pane,
                a.action,
                a.outcome
            ),
        ));
    }
    lines.extend(phase_lines(s, end));
    lines.sort_by_key(|(at, _)| *at);
    lines
}

/// One event as a phrase: "ticked «Confirm the outage»".
pub fn describe(e: &Event, step: &str) -> String {
    match &e.what {
        EventKind::Started => "started the session".into(),
        EventKind::Done { verified: true } => format!("«{step}» verified by its check"),
        EventKind::Done { verified: false } => format!("ticked «{step}»"),
        EventKind::Skipped { reason } => format!("skipped «{step}»: {}", one_line(reason)),
        EventKind::Failed { reason } => format!("«{step}» failed: {}", one_line(reason)),
        EventKind::DoneDespiteCheck { reason } => {
            format!("ticked «{step}» over its FAILED check: {}", one_line(reason))
        }
        EventKind::Reopened => format!("reopened «{step}»"),
        EventKind::Probe { since, result } if e.at == *since => {
            format!("started holding the check of «{step}»: {}", result.observed)
        }
        EventKind::Probe { result, .. } => {
            format!("probe of «{step}» {}: {}", result.verdict().word(), result.observed)
        }
        EventKind::Check(r) => format!("check of «{step}» {}: {}", r.verdict().word(), r.observed),
        EventKind::Note { text } if step.is_empty() => format!("note: {}", one_line(text)),
        EventKind::Note { text } => format!("note on «{step}»: {}", one_line(text)),
        EventKind::Closed { resolution } => format!("closed the session: {}", one_line(resolution)),
        EventKind::Action { .. } => super::actions::describe(e).unwrap_or_default(),
        EventKind::WindowOpened { .. } | EventKind::WindowClosed { .. } => super::window::describe(&e.what),
        EventKind::Evidence {
            dir,
            manifest_sha256,
            files,
        } => format!(
            "sealed an evidence pack: {files} files in {} (manifest sha256 {})",
            one_line(dir),
            manifest_sha256.get(..12).unwrap_or(manifest_sha256)
        ),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(mins: i64) -> DateTime<Utc> {
        "2026-11-22T03:15:02Z".parse::<DateTime<Utc>>().unwrap_or_default() + chrono::Duration::minutes(mins)
    }

    fn event(mins: i64, step: Option<&str>, what: EventKind) -> Event {
        Event {
            at: at(mins),
            operator: "alice".into(),
            step: step.map(String::from),
            what,
        }
    }

    /// Phase one settled at +4, the session closed at +9.
    fn worked() -> Session {
        let mut s = super::super::tests::session();
        s.events = vec![
            event(0, None, EventKind::Started),
            event(2, Some("a"), EventKind::Done { verified: false }),
            event(4, Some("b"), EventKind::Done { verified: false }),
            event(9, Some("c"), EventKind::Done { verified: false }),
        ];
        s.meta.closed_at = Some(at(9));
        s.meta.closed_by = Some("alice".into());
        s
    }

    #[test]
    fn the_dashboards_are_of_the_start_each_phase_change_and_the_close() {
        let s = worked();
        let got: Vec<(i64, String)> = moments(&s, at(30))
            .into_iter()
            .map(|(t, m)| ((t - at(0)).num_minutes(), m))
            .collect();
        assert_eq!(
            got,
            [
                (0, "the session started".to_string()),
                (4, "phase «Recovery» began".to_string()),
                (9, "the session closed".to_string()),
            ]
        );
        let mut open = super::super::tests::session();
        open.events = vec![event(0, None, EventKind::Started)];
        assert_eq!(moments(&open, at(30)).len(), 1);
    }

    #[test]
    fn what_the_panes_saw_is_merged_into_the_timeline_and_the_screens_fenced() {
        let s = worked();
        let screen = Screen {
            dashboards: vec![
                Dashboard {
                    at: at(0),
                    moment: "the session started".into(),
                    screen: Ok("┌ Services ┐\n│ web-1  running │\n".into()),
                },
                Dashboard {
                    at: at(4),
                    moment: "phase «Recovery» began".into(),
                    screen: Ok("a query: ```` ends here".into()),
                },
                Dashboard {
                    at: at(9),
                    moment: "the session closed".into(),
                    screen: Err("nothing was recorded at or before then".into()),
                },
            ],
            seen: vec![(
                at(3),
                "container web-1 (docker:prod) running → exited (exit 137)".into(),
            )],
            more: 7,
        };
        let md = markdown(&s, &[], &screen, at(30));
        let timeline: Vec<&str> = md
            .split("## Timeline\n\n")
            .nth(1)
            .unwrap_or_default()
            .lines()
            .take_while(|l| l.starts_with("- "))
            .collect();
        assert_eq!(
            timeline,
            [
                "- 03:15:02 alice: started the session",
                "- 03:17:02 alice: ticked «a»",
                "- 03:18:02 seen: container web-1 (docker:prod) running → exited (exit 137)",
                "- 03:19:02 alice: ticked «b»",
                "- 03:19:02 phase «Immediate» settled",
                "- 03:24:02 alice: ticked «c»",
                "- 03:24:02 phase «Recovery» settled",
                "- … and 7 more changes recorded, not listed (`opsdeck history show --at TIME` draws any moment)",
            ]
        );
        let dash = md.split("## Dashboard as recorded\n").nth(1).unwrap_or_default();
        assert!(
            dash.starts_with(
                "\n### When the session started, 2026-11-22 03:15:02 UTC\n\n```text\n┌ Services ┐\n│ web-1  running │\n```\n"
            ),
            "{dash}"
        );
        // Four backticks on the screen: the fence is five.
        assert!(dash.contains("\n`````text\na query: ```` ends here\n`````\n"), "{dash}");
        assert!(
            dash.contains(
                "### When the session closed, 2026-11-22 03:24:02 UTC\n\nnot recorded: nothing was recorded at or before then\n"
            ),
            "{dash}"
        );
        // Nothing read from the recorder: neither section.
        let plain = markdown(&s, &[], &Screen::default(), at(30));
        assert!(
            !plain.contains("Dashboard as recorded") && !plain.contains(" seen: "),
            "{plain}"
        );
    }
}
