//! Containers as the Services pane shows them: rows, health, usage,
//! inspect details and log lines.

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Health {
    Healthy,
    Unhealthy,
    Starting,
    None,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ContainerRow {
    pub id: String,
    pub name: String,
    pub image: String,
    /// created, running, paused, restarting, removing, exited, dead
    pub state: String,
    /// Docker's own words: "Up 3 minutes (healthy)", "Exited (1) 2 hours ago".
    pub status: String,
    pub health: Health,
    pub exit_code: Option<i64>,
    /// Seconds since it started (running) or stopped (exited), from the status
    /// text: as precise as Docker's words ("About an hour" is 3600).
    pub age_secs: Option<u64>,
    pub compose_project: Option<String>,
    pub compose_service: Option<String>,
    /// Published first: "8080→80/tcp", then exposed only: "6379/tcp".
    pub ports: Vec<String>,
    /// "key=value", sorted: searched by the filter.
    pub labels: Vec<String>,
    /// Restart count and OOM kill, known for the problem rows (read by inspect).
    pub restarts: Option<i64>,
    pub oom_killed: bool,
    /// CPU and memory, for the rows the operator is looking at.
    pub usage: Option<Usage>,
    /// Restarting again and again: since when, and how often.
    pub crash_loop: Option<CrashLoop>,
}

/// A container that restarted `restarts` times within `window` is crash-looping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrashLoopPolicy {
    pub restarts: u32,
    pub window: std::time::Duration,
}

/// A crash loop: from its first restart, and the restarts seen since.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CrashLoop {
    pub since: chrono::DateTime<chrono::Utc>,
    pub restarts: u32,
}

impl ContainerRow {
    /// Lower is worse; the dashboard shows the worst first.
    pub fn rank(&self) -> u8 {
        if self.crash_loop.is_some() {
            // Between restarts it is "running": it is still down.
            return 1;
        }
        match (self.state.as_str(), &self.health, self.exit_code) {
            (_, Health::Unhealthy, _) => 0,
            ("restarting" | "dead", _, _) => 1,
            ("exited", _, Some(c)) if c != 0 => 2,
            ("running", Health::Starting, _) => 3,
            ("paused" | "created" | "removing", _, _) => 4,
            ("running", _, _) => 6,
            _ => 5,
        }
    }

    /// Case-insensitive match on name, image, compose project and labels.
    /// Kept by the Services filter: name, image, project or a label matches.
    pub fn matches(&self, filter: &crate::model::pattern::Pattern) -> bool {
        let fields = [self.name.as_str(), self.image.as_str()]
            .into_iter()
            .chain(self.compose_project.as_deref())
            .chain(self.labels.iter().map(String::as_str));
        filter.keeps(fields)
    }

    pub fn is_problem(&self) -> bool {
        self.rank() <= 2
    }

    pub fn is_running(&self) -> bool {
        self.state == "running" || self.state == "restarting"
    }
}

/// The list endpoint reports health only inside the status text.
pub fn health_from_status(status: &str) -> Health {
    if status.contains("(unhealthy)") {
        Health::Unhealthy
    } else if status.contains("(healthy)") {
        Health::Healthy
    } else if status.contains("(health: starting)") {
        Health::Starting
    } else {
        Health::None
    }
}

/// "Exited (137) 5 minutes ago" → 137.
pub fn exit_code_from_status(status: &str) -> Option<i64> {
    let rest = status.strip_prefix("Exited (")?;
    rest.split(')').next()?.trim().parse().ok()
}

/// "Up 3 minutes (healthy)" → 180, "Exited (1) About an hour ago" → 3600,
/// "Restarting (1) 4 seconds ago" → 4. Docker writes these with its
/// HumanDuration; anything else (Created, Dead) has no age.
pub fn age_from_status(status: &str) -> Option<u64> {
    let rest = if let Some(up) = status.strip_prefix("Up ") {
        up
    } else {
        let (_, after_code) = status.split_once(") ")?;
        after_code.strip_suffix(" ago")?
    };
    let words: Vec<&str> = rest.split_whitespace().collect();
    let unit_secs = |unit: &str| -> Option<u64> {
        Some(match unit.trim_end_matches('s') {
            "second" => 1,
            "minute" => 60,
            "hour" => 3600,
            "day" => 86_400,
            "week" => 7 * 86_400,
            "month" => 30 * 86_400,
            "year" => 365 * 86_400,
            _ => return None,
        })
    };
    match words.as_slice() {
        ["Less", "than", "a", "second", ..] => Some(0),
        ["About", "a" | "an", unit, ..] => unit_secs(unit),
        [n, unit, ..] => Some(n.parse::<u64>().ok()? * unit_secs(unit)?),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Usage {
    /// `None` until two samples exist.
    pub cpu_pct: Option<f64>,
    pub mem_used: u64,
    /// 0 when the container has no memory limit.
    pub mem_limit: u64,
}

impl Usage {
    /// Docker reports the machine's memory as the limit of a container that
    /// has none: say "no limit" (0) rather than show a misleading ceiling.
    pub fn without_host_limit(self, host_memory: u64) -> Usage {
        if host_memory > 0 && self.mem_limit >= host_memory {
            Usage { mem_limit: 0, ..self }
        } else {
            self
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct DockerSummary {
    pub engine_version: String,
    /// Worst first, then by name.
    pub containers: Vec<ContainerRow>,
}

impl DockerSummary {
    pub fn count_state(&self, state: &str) -> usize {
        self.containers.iter().filter(|c| c.state == state).count()
    }
    pub fn problems(&self) -> usize {
        self.containers.iter().filter(|c| c.is_problem()).count()
    }
}

/// What an operator can do to a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerOp {
    Restart,
    Stop,
    Start,
}

impl ContainerOp {
    pub fn verb(self) -> &'static str {
        match self {
            ContainerOp::Restart => "restart",
            ContainerOp::Stop => "stop",
            ContainerOp::Start => "start",
        }
    }

    /// The audit log's action name.
    pub fn audit_action(self) -> &'static str {
        match self {
            ContainerOp::Restart => "container.restart",
            ContainerOp::Stop => "container.stop",
            ContainerOp::Start => "container.start",
        }
    }
}

/// One line of the details view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Section(String),
    Field(String, String),
}

pub type Details = Vec<Row>;

pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_MARKERS.iter().any(|m| upper.contains(m))
}

/// Longest line kept, in bytes; the rest is replaced by a marker.
pub const MAX_LINE: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogLine {
    pub stderr: bool,
    /// RFC 3339 time from the daemon, empty when it sent none.
    pub ts: String,
    /// What the line says, without any escape sequence: searched, filtered
    /// and saved.
    pub text: String,
    /// The same text with the container's colour and weight sequences (SGR,
    /// nothing else), when it had any: the view draws these as styles.
    pub styled: Option<String>,
    /// opsdeck's own line in the log (the container restarted), not the container's.
    pub marker: bool,
}

/// What the follower tells the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEvent {
    Lines(Vec<LogLine>),
    /// The stream ended (container gone, daemon restarted) or failed.
    Ended(String),
}

/// Environment variable names that hold secrets: their values are never shown.
const SECRET_MARKERS: [&str; 6] = ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "CREDENTIAL"];
