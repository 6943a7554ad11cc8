//! One container as the list endpoint describes it, made ready for the
//! table: health, exit code, age and ports are read out of the summary so the
//! routine poll never needs an inspect per container.

use crate::backends::docker::stats::Usage;
use bollard::models::{ContainerSummary, Port};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    Healthy,
    Unhealthy,
    Starting,
    None,
}

#[derive(Debug, Clone, PartialEq)]
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
}

impl ContainerRow {
    /// Lower is worse; the dashboard shows the worst first.
    pub fn rank(&self) -> u8 {
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
    pub fn matches(&self, query: &str) -> bool {
        let q = query.to_lowercase();
        let hit = |s: &str| s.to_lowercase().contains(&q);
        hit(&self.name)
            || hit(&self.image)
            || self.compose_project.as_deref().is_some_and(hit)
            || self.labels.iter().any(|l| hit(l))
    }

    pub fn is_problem(&self) -> bool {
        self.rank() <= 2
    }

    pub fn is_running(&self) -> bool {
        self.state == "running" || self.state == "restarting"
    }
}

pub fn row_from_summary(c: ContainerSummary) -> ContainerRow {
    let name = c
        .names
        .as_ref()
        .and_then(|n| n.first())
        .map(|n| n.trim_start_matches('/').to_string())
        .or_else(|| c.id.as_ref().map(|id| id.chars().take(12).collect()))
        .unwrap_or_default();
    let status = c.status.clone().unwrap_or_default();
    let label = |key: &str| c.labels.as_ref().and_then(|l| l.get(key).cloned());
    let mut labels: Vec<String> = c.labels.iter().flatten().map(|(k, v)| format!("{k}={v}")).collect();
    labels.sort();
    ContainerRow {
        id: c.id.clone().unwrap_or_default(),
        name,
        image: c.image.clone().unwrap_or_default(),
        state: c.state.clone().unwrap_or_default(),
        health: health_from_status(&status),
        exit_code: exit_code_from_status(&status),
        age_secs: age_from_status(&status),
        compose_project: label("com.docker.compose.project"),
        compose_service: label("com.docker.compose.service"),
        ports: port_list(c.ports.as_deref().unwrap_or_default()),
        labels,
        status,
        restarts: None,
        oom_killed: false,
        usage: None,
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

/// Ports as an operator reads them: published "8080→80/tcp" first, exposed
/// only "6379/tcp" after, without the IPv4/IPv6 duplicates Docker lists.
fn port_list(ports: &[Port]) -> Vec<String> {
    let mut published = Vec::new();
    let mut exposed = Vec::new();
    for p in ports {
        let proto = p.typ.map(|t| t.to_string()).unwrap_or_else(|| "tcp".into());
        let text = match p.public_port {
            Some(public) => format!("{public}→{}/{proto}", p.private_port),
            None => format!("{}/{proto}", p.private_port),
        };
        let list = if p.public_port.is_some() {
            &mut published
        } else {
            &mut exposed
        };
        if !list.contains(&text) {
            list.push(text);
        }
    }
    published.sort();
    exposed.sort();
    published.extend(exposed);
    published
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_text_is_understood() {
        assert_eq!(health_from_status("Up 3 minutes (unhealthy)"), Health::Unhealthy);
        assert_eq!(health_from_status("Up 3 minutes (healthy)"), Health::Healthy);
        assert_eq!(health_from_status("Up 1 second (health: starting)"), Health::Starting);
        assert_eq!(health_from_status("Up 3 minutes"), Health::None);
        assert_eq!(exit_code_from_status("Exited (137) 5 minutes ago"), Some(137));
        assert_eq!(exit_code_from_status("Up 2 hours"), None);
    }

    #[test]
    fn ages_are_read_from_docker_words() {
        assert_eq!(age_from_status("Up 3 minutes (healthy)"), Some(180));
        assert_eq!(age_from_status("Up Less than a second"), Some(0));
        assert_eq!(age_from_status("Up About an hour"), Some(3600));
        assert_eq!(age_from_status("Up 2 days (Paused)"), Some(2 * 86_400));
        assert_eq!(age_from_status("Exited (3) 12 minutes ago"), Some(720));
        assert_eq!(age_from_status("Exited (0) About a minute ago"), Some(60));
        assert_eq!(age_from_status("Restarting (1) 4 seconds ago"), Some(4));
        assert_eq!(age_from_status("Created"), None);
        assert_eq!(age_from_status("Dead"), None);
        assert_eq!(age_from_status("Up soon"), None);
        assert_eq!(age_from_status("Exited (1) ages ago"), None);
    }

    #[test]
    fn ports_are_deduplicated_published_first() {
        use bollard::models::PortTypeEnum;
        let port = |ip: &str, private: u16, public: Option<u16>| Port {
            ip: Some(ip.into()),
            private_port: private,
            public_port: public,
            typ: Some(PortTypeEnum::TCP),
        };
        let ports = [
            port("", 6379, None),
            port("0.0.0.0", 80, Some(8080)),
            port("::", 80, Some(8080)),
        ];
        assert_eq!(port_list(&ports), vec!["8080→80/tcp", "6379/tcp"]);
    }
}
