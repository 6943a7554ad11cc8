//! The Checklist pane's actions: their keymap names, footer labels and help.

/// What a key does in the Checklist pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChecklistAction {
    /// Start a session of the selected runbook (asks a title and severity).
    New,
    /// On the list: open the selected session or start the selected
    /// runbook; in a session: run the selected step's check.
    Run,
    /// Tick (or untick) the selected step.
    Tick,
    /// Skip the selected step (asks why).
    Skip,
    /// Mark the selected step failed (asks why).
    Fail,
    /// Add a note to the selected step, or to the session on its head line.
    Note,
    /// Run every check of the current phase again.
    RecheckPhase,
    /// Show or hide the session's timeline.
    Timeline,
    /// Write the session's report (Markdown) to a file.
    Report,
    /// Close the session (asks for a resolution summary).
    Close,
}

impl ChecklistAction {
    pub const ALL: [ChecklistAction; 10] = [
        ChecklistAction::New,
        ChecklistAction::Run,
        ChecklistAction::Tick,
        ChecklistAction::Skip,
        ChecklistAction::Fail,
        ChecklistAction::Note,
        ChecklistAction::RecheckPhase,
        ChecklistAction::Timeline,
        ChecklistAction::Report,
        ChecklistAction::Close,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ChecklistAction::New => "session.new",
            ChecklistAction::Run => "step.run",
            ChecklistAction::Tick => "step.tick",
            ChecklistAction::Skip => "step.skip",
            ChecklistAction::Fail => "step.fail",
            ChecklistAction::Note => "note",
            ChecklistAction::RecheckPhase => "phase.recheck",
            ChecklistAction::Timeline => "timeline",
            ChecklistAction::Report => "report",
            ChecklistAction::Close => "session.close",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ChecklistAction::New => "new",
            ChecklistAction::Run => "open/check",
            ChecklistAction::Tick => "tick",
            ChecklistAction::Skip => "skip",
            ChecklistAction::Fail => "fail",
            ChecklistAction::Note => "note",
            ChecklistAction::RecheckPhase => "recheck phase",
            ChecklistAction::Timeline => "timeline",
            ChecklistAction::Report => "report",
            ChecklistAction::Close => "close",
        }
    }

    pub fn help(self) -> &'static str {
        match self {
            ChecklistAction::New => "Start a session of the selected runbook (asks a title; tab picks the severity)",
            ChecklistAction::Run => "Open the selected session or runbook; in a session, run the step's check",
            ChecklistAction::Tick => "Tick the selected step done, or take the tick back",
            ChecklistAction::Skip => "Skip the selected step (asks why)",
            ChecklistAction::Fail => "Mark the selected step failed (asks why)",
            ChecklistAction::Note => "Add a note to the selected step (on the session line: to the session)",
            ChecklistAction::RecheckPhase => "Run every check of the current phase again",
            ChecklistAction::Timeline => "Show or hide the session's timeline",
            ChecklistAction::Report => "Write the session's report (Markdown) to a file",
            ChecklistAction::Close => "Close the session (asks for a resolution summary)",
        }
    }
}
