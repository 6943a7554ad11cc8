//! One container as the list endpoint describes it, made ready for the
//! table: health, exit code, age and ports are read out of the summary so the
//! routine poll never needs an inspect per container.

pub use crate::model::docker::{age_from_status, exit_code_from_status, health_from_status, ContainerRow, Health};
use crate::text::clean;
use bollard::models::{ContainerSummary, Port};

pub fn row_from_summary(c: ContainerSummary) -> ContainerRow {
    // Names, images, labels and Docker's status words are drawn as they
    // come: no control character in them may reach the terminal.
    let text = |s: Option<String>| clean::line(s.unwrap_or_default());
    let name = c
        .names
        .as_ref()
        .and_then(|n| n.first())
        .map(|n| n.trim_start_matches('/').to_string())
        .or_else(|| c.id.as_ref().map(|id| id.chars().take(12).collect()));
    let name = text(name);
    let status = text(c.status.clone());
    let label = |key: &str| c.labels.as_ref().and_then(|l| l.get(key).cloned()).map(clean::line);
    let mut labels: Vec<String> = c
        .labels
        .iter()
        .flatten()
        .map(|(k, v)| clean::line(format!("{k}={v}")))
        .collect();
    labels.sort();
    ContainerRow {
        id: text(c.id.clone()),
        name,
        image: text(c.image.clone()),
        state: text(c.state.clone()),
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
        crash_loop: None,
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
