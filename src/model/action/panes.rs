//! What each pane's keys can do, one enum per pane: the keymap names
//! (`serialize`), the short label (`message`) and the help line
//! (`detailed_message`) of every action beside it.

use strum::{EnumIter, EnumMessage, IntoStaticStr};

/// The Services pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, IntoStaticStr, EnumMessage)]
pub enum ServicesAction {
    #[strum(
        serialize = "details",
        message = "details",
        detailed_message = "Details of the selected row"
    )]
    Details,
    #[strum(
        serialize = "container.logs",
        message = "logs",
        detailed_message = "Follow the selected container's log"
    )]
    Logs,
    #[strum(
        serialize = "filter",
        message = "filter",
        detailed_message = "Filter the list (name, image, project, labels)"
    )]
    Filter,
    #[strum(
        serialize = "services.stopped",
        message = "stopped",
        detailed_message = "Show or hide stopped containers"
    )]
    ToggleStopped,
    #[strum(
        serialize = "container.restart",
        message = "restart",
        detailed_message = "Restart the selected container (asks first)"
    )]
    Restart,
    #[strum(
        serialize = "container.stop-start",
        message = "stop/start",
        detailed_message = "Stop the selected container, or start it (asks first)"
    )]
    StopStart,
    #[strum(
        serialize = "sort",
        message = "sort",
        detailed_message = "Sort by the next column (worst first, name, project, state, uptime, restarts, cpu, memory, image, host)"
    )]
    Sort,
    #[strum(
        serialize = "sort.reverse",
        message = "reverse",
        detailed_message = "Reverse the sort order"
    )]
    SortReverse,
    /// Group rows by compose project.
    #[strum(
        serialize = "group",
        message = "group",
        detailed_message = "Group (Services: by compose project; Alerts: by a label); enter folds a group"
    )]
    Group,
}

/// The Database pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, IntoStaticStr, EnumMessage)]
pub enum DatabaseAction {
    #[strum(
        serialize = "details",
        message = "details",
        detailed_message = "Details of the selected row"
    )]
    Details,
    #[strum(
        serialize = "mark",
        message = "mark",
        detailed_message = "Mark or unmark the selected row"
    )]
    Mark,
    /// Mark every session with the same user and state.
    #[strum(
        serialize = "mark.similar",
        message = "mark similar",
        detailed_message = "Mark every session with the same user and state"
    )]
    MarkSimilar,
    #[strum(
        serialize = "query.cancel",
        message = "cancel query",
        detailed_message = "Cancel the query of the selected or marked sessions (asks, with a reason)"
    )]
    CancelQuery,
    #[strum(
        serialize = "backend.terminate",
        message = "terminate",
        detailed_message = "Terminate the selected or marked sessions (asks, with a reason)"
    )]
    TerminateBackend,
    #[strum(
        serialize = "filter",
        message = "filter",
        detailed_message = "Filter the sessions (target, user, database, application, client, state, query)"
    )]
    Filter,
}

/// The Alerts pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, IntoStaticStr, EnumMessage)]
pub enum AlertsAction {
    #[strum(
        serialize = "details",
        message = "details",
        detailed_message = "Details of the selected row"
    )]
    Details,
    #[strum(
        serialize = "filter",
        message = "filter",
        detailed_message = "Filter the list (name, image, project, labels)"
    )]
    Filter,
    /// Group by a label.
    #[strum(
        serialize = "group",
        message = "group",
        detailed_message = "Group (Services: by compose project; Alerts: by a label); enter folds a group"
    )]
    Group,
    #[strum(
        serialize = "group.by",
        message = "group by",
        detailed_message = "Alerts: group by the next label the alerts carry"
    )]
    GroupBy,
    #[strum(
        serialize = "alert.ack",
        message = "ack",
        detailed_message = "Acknowledge: silence exactly this alert's labels for ack_duration (asks a comment)"
    )]
    Acknowledge,
    #[strum(
        serialize = "alert.expire",
        message = "expire",
        detailed_message = "Expire the silences holding the selected alert (asks first)"
    )]
    ExpireSilence,
    #[strum(
        serialize = "alerts.silenced",
        message = "silenced",
        detailed_message = "Show or hide silenced and inhibited alerts"
    )]
    ToggleSilenced,
    #[strum(
        serialize = "alerts.resolved",
        message = "resolved",
        detailed_message = "Show the alerts resolved in the last 24 hours (from the flight recorder), or the firing ones again"
    )]
    Resolved,
    #[strum(
        serialize = "alert.runbook",
        message = "runbook",
        detailed_message = "Start the checklist of the runbook the selected alert names"
    )]
    AlertRunbook,
}

/// The Checklist pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, IntoStaticStr, EnumMessage)]
pub enum ChecklistAction {
    /// Start a session of the selected runbook (asks a title and severity).
    #[strum(
        serialize = "session.new",
        message = "new",
        detailed_message = "Start a session of the selected runbook (asks a title; tab picks the severity)"
    )]
    New,
    /// On the list: open the selected session or start the selected
    /// runbook; in a session: run the selected step's check.
    #[strum(
        serialize = "step.run",
        message = "open/check",
        detailed_message = "Open the selected session or runbook; in a session, run the step's check"
    )]
    Run,
    #[strum(
        serialize = "step.tick",
        message = "tick",
        detailed_message = "Tick the selected step done, or take the tick back"
    )]
    Tick,
    #[strum(
        serialize = "step.skip",
        message = "skip",
        detailed_message = "Skip the selected step (asks why)"
    )]
    Skip,
    #[strum(
        serialize = "step.fail",
        message = "fail",
        detailed_message = "Mark the selected step failed (asks why)"
    )]
    Fail,
    #[strum(
        serialize = "note",
        message = "note",
        detailed_message = "Add a note to the selected step (on the session line: to the session)"
    )]
    Note,
    #[strum(
        serialize = "phase.recheck",
        message = "recheck phase",
        detailed_message = "Run every check of the current phase again"
    )]
    RecheckPhase,
    #[strum(
        serialize = "timeline",
        message = "timeline",
        detailed_message = "Show or hide the session's timeline"
    )]
    Timeline,
    #[strum(
        serialize = "report",
        message = "report",
        detailed_message = "Write the session's report (Markdown) to a file"
    )]
    Report,
    #[strum(
        serialize = "session.close",
        message = "close",
        detailed_message = "Close the session (asks for a resolution summary)"
    )]
    Close,
    #[strum(
        serialize = "evidence.capture",
        message = "evidence",
        detailed_message = "Capture an evidence pack for the open session (sealed in the audit log)"
    )]
    Evidence,
}

/// The Access pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, IntoStaticStr, EnumMessage)]
pub enum AccessAction {
    #[strum(
        serialize = "details",
        message = "details",
        detailed_message = "Details of the selected row"
    )]
    Details,
    #[strum(
        serialize = "mark",
        message = "mark",
        detailed_message = "Mark or unmark the selected row"
    )]
    Mark,
    #[strum(
        serialize = "review.keep",
        message = "keep",
        detailed_message = "Access: keep the selected or marked access (asks a justification)"
    )]
    Keep,
    /// Runs the source's revoke statement, after asking.
    #[strum(
        serialize = "review.revoke",
        message = "revoke",
        detailed_message = "Access: revoke the selected or marked access (asks a justification, then confirms the statement)"
    )]
    Revoke,
    #[strum(
        serialize = "review.defer",
        message = "defer",
        detailed_message = "Access: defer the decision (asks a justification)"
    )]
    Defer,
    #[strum(
        serialize = "review.all",
        message = "all/flagged",
        detailed_message = "Access: show every item, or only the flagged ones"
    )]
    All,
    #[strum(
        serialize = "review.new",
        message = "new review",
        detailed_message = "Access: start a review campaign (a snapshot of the rows loaded now)"
    )]
    New,
    #[strum(
        serialize = "review.campaigns",
        message = "campaigns",
        detailed_message = "Access: list the review campaigns (enter opens one)"
    )]
    Campaigns,
    #[strum(
        serialize = "review.export",
        message = "export",
        detailed_message = "Access: write the campaign's evidence to a CSV file"
    )]
    Export,
    #[strum(
        serialize = "review.reload",
        message = "reload",
        detailed_message = "Access: read the sources again"
    )]
    Reload,
    #[strum(
        serialize = "filter",
        message = "filter",
        detailed_message = "Filter the items (subject, role, source, status, flags, decision)"
    )]
    Filter,
}

/// An open container log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, IntoStaticStr, EnumMessage)]
pub enum LogsAction {
    #[strum(serialize = "search", message = "search", detailed_message = "Search (logs)")]
    Search,
    #[strum(serialize = "search.next", message = "next match", detailed_message = "Next match")]
    SearchNext,
    #[strum(
        serialize = "search.prev",
        message = "prev match",
        detailed_message = "Previous match"
    )]
    SearchPrev,
    #[strum(
        serialize = "logs.filter",
        message = "filter",
        detailed_message = "Show only matching lines"
    )]
    Filter,
    #[strum(
        serialize = "logs.timestamps",
        message = "timestamps",
        detailed_message = "Show or hide timestamps"
    )]
    Timestamps,
    #[strum(
        serialize = "logs.plain",
        message = "plain",
        detailed_message = "Show the log in the container's colours, or plain"
    )]
    Plain,
    #[strum(
        serialize = "logs.pause",
        message = "pause",
        detailed_message = "Pause or resume following"
    )]
    Pause,
    #[strum(
        serialize = "logs.save",
        message = "save",
        detailed_message = "Save the shown log lines to a file"
    )]
    Save,
}
