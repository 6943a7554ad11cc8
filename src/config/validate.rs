//! What the types cannot say: unique names, passwords by reference only,
//! URL schemes, Docker TLS keys that go together and files that hold what
//! they should, one team-store setting, thresholds in range. Each error
//! names the file, the line and the key.

use super::docker_endpoint::{check_tls_files, endpoint, Endpoint, KeyError};
use super::{is_team_url, Config, FileError};
use std::collections::HashSet;
use std::path::Path;

impl Config {
    pub(super) fn validate(&self, text: &str, file: &Path) -> Result<(), FileError> {
        let err =
            |needle: &str, key: &str, msg: String| Err(FileError::new(file, msg).with_key(key).locate(text, needle));
        let sections: [(&str, Vec<&str>); 5] = [
            ("docker", self.docker.iter().map(|d| d.name.as_str()).collect()),
            ("http", self.http.iter().map(|d| d.name.as_str()).collect()),
            ("postgres", self.postgres.iter().map(|d| d.name.as_str()).collect()),
            (
                "alertmanager",
                self.alertmanager.iter().map(|d| d.name.as_str()).collect(),
            ),
            (
                "access.source",
                self.access.source.iter().map(|d| d.name.as_str()).collect(),
            ),
        ];
        let envs = self
            .docker
            .iter()
            .map(|d| &d.env)
            .chain(self.http.iter().map(|h| &h.env))
            .chain(self.postgres.iter().map(|p| &p.env))
            .chain(self.alertmanager.iter().map(|a| &a.env))
            .flatten();
        for env in envs {
            if !self.env.contains_key(env) {
                return err(
                    &format!("\"{env}\""),
                    "env",
                    format!("env {env:?} is not defined: add an [env.{env}] table (it may be empty)"),
                );
            }
        }
        for (section, names) in &sections {
            let mut seen = HashSet::new();
            for name in names {
                if name.trim().is_empty() {
                    return err("name", "name", format!("[[{section}]] name must not be empty"));
                }
                if !seen.insert(*name) {
                    return err(
                        &format!("\"{name}\""),
                        "name",
                        format!("[[{section}]] name {name:?} is used twice; names must be unique"),
                    );
                }
            }
        }
        let urls = self
            .docker
            .iter()
            .map(|d| &d.url)
            .chain(self.http.iter().map(|h| &h.url))
            .chain(self.postgres.iter().map(|p| &p.url))
            .chain(self.alertmanager.iter().map(|a| &a.url))
            .chain(self.state.url.iter());
        for url in urls {
            if url.has_literal_password() {
                return err(
                    url.as_written(),
                    "url",
                    "a password is written in the URL; reference it instead (password_env, password_file or ${VAR})"
                        .into(),
                );
            }
        }
        for d in &self.docker {
            let fail = |e: KeyError| {
                let line = find_line_in_table(text, "docker", &d.name, e.key);
                let out = FileError::new(file, format!("[[docker]] {:?}: {}", d.name, e.message)).with_key(e.key);
                Err(match line {
                    Some(l) => out.at_line(l),
                    None => out.locate(text, e.key),
                })
            };
            match endpoint(d.url.as_written(), d) {
                Ok(Endpoint::Tls { files, .. }) => check_tls_files(&files).or_else(fail)?,
                Ok(_) => {}
                Err(e) => return fail(e),
            }
        }
        if let Some(url) = &self.state.url {
            if !is_team_url(url.as_written()) {
                return err(
                    url.as_written(),
                    "url",
                    "[state] url must start with postgres:// (a team store); a file goes in path".into(),
                );
            }
            if self.state.path.is_some() {
                return err(
                    "url",
                    "url",
                    "[state]: set path (a file) or url (a team store), not both".into(),
                );
            }
            if self.state.password_env.is_some() && self.state.password_file.is_some() {
                return err(
                    "password_file",
                    "password_file",
                    "[state]: set password_env or password_file, not both".into(),
                );
            }
        }
        for p in &self.postgres {
            if p.password_env.is_some() && p.password_file.is_some() {
                return err(
                    "password_file",
                    "password_file",
                    format!("[[postgres]] {:?}: set password_env or password_file, not both", p.name),
                );
            }
            if !p.url.as_written().starts_with("postgres://") && !p.url.as_written().starts_with("postgresql://") {
                return err(
                    p.url.as_written(),
                    "url",
                    format!("[[postgres]] {:?}: url must start with postgres://", p.name),
                );
            }
            if let Some(t) = &p.ssh_tunnel {
                if let Err(e) = crate::config::docker_endpoint::ssh_destination(t, "ssh_tunnel") {
                    return err(t, "ssh_tunnel", format!("[[postgres]] {:?}: {}", p.name, e.message));
                }
            }
            if p.lag_breach_samples == 0 {
                return err(
                    "lag_breach_samples",
                    "lag_breach_samples",
                    format!("[[postgres]] {:?}: lag_breach_samples must be at least 1", p.name),
                );
            }
            if !(0.0..=100.0).contains(&p.xid_age_warn_pct) {
                return err(
                    "xid_age_warn_pct",
                    "xid_age_warn_pct",
                    format!("[[postgres]] {:?}: xid_age_warn_pct must be between 0 and 100", p.name),
                );
            }
            if let Some(b) = &p.backup {
                if b.newest_file.is_none() == b.query.is_none() {
                    return err(
                        "backup",
                        "backup",
                        format!(
                            "[[postgres]] {:?}: backup needs exactly one of newest_file or query",
                            p.name
                        ),
                    );
                }
            }
        }
        for u in self
            .http
            .iter()
            .map(|h| &h.url)
            .chain(self.alertmanager.iter().map(|a| &a.url))
        {
            let w = u.as_written();
            if !w.starts_with("http://") && !w.starts_with("https://") {
                return err(w, "url", format!("url {w:?} must start with http:// or https://"));
            }
        }
        for s in &self.access.source {
            match (&s.database, &s.query, &s.file) {
                (Some(db), Some(_), None) => {
                    if !self.postgres.iter().any(|p| &p.name == db) {
                        return err(
                            db,
                            "database",
                            format!("access source {:?}: database {db:?} is not a [[postgres]] name", s.name),
                        );
                    }
                }
                (None, None, Some(_)) => {}
                _ => {
                    return err(
                        &s.name,
                        "query",
                        format!("access source {:?}: give either database + query, or file", s.name),
                    );
                }
            }
        }
        super::redis::validate(self, text, file)?;
        self.validate_prometheus(text, file)?;
        super::escalation::validate(self, text, file)?;
        Ok(())
    }
}

/// The line of `key = ...` inside the `[[section]]` table whose name is
/// `name`: with several Docker hosts, the error points at the right one.
fn find_line_in_table(text: &str, section: &str, name: &str, key: &str) -> Option<usize> {
    let header = format!("[[{section}]]");
    let is_key = |line: &str, k: &str| {
        let t = line.trim_start();
        t.strip_prefix(k)
            .or_else(|| t.strip_prefix(&format!("\"{k}\"")))
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    };
    let names_it = |line: &str| {
        is_key(line, "name")
            && line
                .split_once('=')
                .is_some_and(|(_, v)| v.split('#').next().unwrap_or("").trim().trim_matches(['"', '\'']) == name)
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut start = 0;
    while start < lines.len() {
        if lines[start].trim() != header {
            start += 1;
            continue;
        }
        let end = (start + 1..lines.len())
            .find(|&i| lines[i].trim_start().starts_with('['))
            .unwrap_or(lines.len());
        let table = start + 1..end;
        if table.clone().any(|i| names_it(lines[i])) {
            return table.clone().find(|&i| is_key(lines[i], key)).map(|i| i + 1);
        }
        start = end;
    }
    None
}
