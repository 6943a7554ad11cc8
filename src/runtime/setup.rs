//! Turning the command line and config files into a ready `State`.

use crate::app::{BackendStatus, Setup, State};
use crate::backends::Target;
use crate::cli::Cli;
use crate::config::keymap::Keymap;
use crate::config::theme::{ColorSupport, Theme};
use crate::config::{self, Config, FileError};
use crate::model::identity::Identity;
use crate::store::team::is_team_url;
use crate::store::{Location, TeamStore};
use chrono::Utc;
use std::path::PathBuf;
use std::sync::Arc;

/// Config, theme and keymap, all validated.
pub struct Loaded {
    pub config: Config,
    pub theme: Theme,
    pub keymap: Arc<Keymap>,
    pub read_only: bool,
}

/// Load everything the command line points at. Any error names its file.
pub fn load(cli: &Cli, support: ColorSupport) -> Result<Loaded, FileError> {
    let mut config = Config::discover(cli.config.as_deref())?;
    config.apply_environments(&cli.allow_writes).map_err(|e| {
        let file = match &config.origin {
            Some(config::ConfigOrigin::File(f)) => f.clone(),
            _ => PathBuf::from("(no config file)"),
        };
        FileError::new(&file, e)
    })?;
    let user_dir = user_dir();
    let theme_spec = cli.theme.clone().or_else(|| config.theme.clone());
    let theme = Theme::load(
        theme_spec.as_deref(),
        user_dir.as_ref().map(|d| d.join("themes")).as_deref(),
        support,
    )?;
    let keymap_spec = cli.keymap.clone().or_else(|| config.keymap.clone());
    let keymap = Keymap::load(
        keymap_spec.as_deref(),
        user_dir.as_ref().map(|d| d.join("keymaps")).as_deref(),
    )?;
    let read_only = cli.read_only || config.read_only;
    Ok(Loaded {
        config,
        theme,
        keymap: Arc::new(keymap),
        read_only,
    })
}

/// `~/.config/opsdeck`: its themes/ and keymaps/ hold the user's own.
pub fn user_dir() -> Option<PathBuf> {
    config::default_config_path().and_then(|p| p.parent().map(|d| d.to_path_buf()))
}

/// The state store a command writes to, where `state_location` says, made
/// when it does not exist yet (as the console makes it); a refusal is
/// said on stderr and comes back as the exit code.
pub async fn open_state(cli: &Cli, config: &Config) -> Result<(Location, crate::store::Store), std::process::ExitCode> {
    let usage = || std::process::ExitCode::from(crate::cli::EXIT_USAGE);
    let Some(location) = state_location(cli, config) else {
        eprintln!("opsdeck: no state store path: pass --state PATH");
        return Err(usage());
    };
    match crate::store::Store::open_at(&location).await {
        Ok(store) => Ok((location, store)),
        Err(e) => {
            eprintln!("opsdeck: {e}");
            Err(usage())
        }
    }
}

/// `--state` (a file, or a postgres:// URL), then `[state] url` or
/// `[state] path`, then the file in the XDG data dir.
pub fn state_location(cli: &Cli, config: &Config) -> Option<Location> {
    if let Some(s) = &cli.state {
        let text = s.to_string_lossy();
        if is_team_url(&text) {
            return Some(Location::Team(TeamStore {
                url: config::ConfigUrl::new(text),
                // The password is by reference, from the config's [state].
                password: config.state.password(),
            }));
        }
        return Some(Location::File(s.clone()));
    }
    if let Some(team) = TeamStore::from_config(&config.state) {
        return Some(Location::Team(team));
    }
    config
        .state
        .path
        .as_deref()
        .map(config::expand_home)
        .or_else(config::default_state_path)
        .map(Location::File)
}

/// Where session reports are written: `reports/` beside the file store,
/// or beside the default file in the data dir for a team store.
pub fn reports_dir(location: &Location) -> PathBuf {
    crate::effects::checklist::reports_dir(&file_beside(location))
}

/// Where saved container logs are written: `logs/` beside the reports.
pub fn saved_logs_dir(location: &Location) -> PathBuf {
    reports_dir(location).with_file_name("logs")
}

/// Where `since_last_run` log checks keep how far they read: beside the reports.
pub fn log_marks(location: &Location) -> PathBuf {
    reports_dir(location).with_file_name("log-marks.json")
}

fn file_beside(location: &Location) -> PathBuf {
    match location {
        Location::File(p) => p.clone(),
        Location::Team(_) => config::default_state_path().unwrap_or_else(|| PathBuf::from("state.db")),
    }
}

/// The state before the first poll: one status per backend target.
pub fn initial_state(loaded: &Loaded, identity: Identity, targets: &[Target]) -> State {
    let mut state = State::new(identity, loaded.keymap.clone(), Utc::now());
    state.shell.read_only = loaded.read_only;
    state.panes.access.aliases = loaded.config.operator.aliases.clone();
    state.panes.access.sources = loaded
        .config
        .access
        .source
        .iter()
        .map(|s| crate::app::AccessSource {
            name: s.name.clone(),
            database: s.database.clone(),
            revoke: s.revoke.clone(),
            rules: crate::backends::access::rules(s),
        })
        .collect();
    for s in &loaded.config.access.source {
        state
            .panes
            .access
            .loads
            .insert(s.name.clone(), crate::app::SourceState::Loading);
    }
    state.backends.targets = targets
        .iter()
        .map(|t| BackendStatus {
            read_only: t.read_only,
            env: t.env.as_deref().map(|e| loaded.config.environment(e)),
            ..BackendStatus::new(t.id.clone(), t.interval, t.timeout)
        })
        .collect();
    state.setup = Setup {
        access_sources: loaded.config.access.source.iter().map(|s| s.name.clone()).collect(),
        runbook_dirs: loaded
            .config
            .runbooks
            .dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect(),
        config_hint: "config/opsdeck.example.toml".into(),
        alerts: loaded.config.alerts.clone(),
        redactor: loaded.config.redactor(),
        allow_writes: loaded.config.allow_writes.clone(),
        ack_durations: loaded
            .config
            .alertmanager
            .iter()
            .map(|a| (a.name.clone(), a.ack_duration))
            .collect(),
        heartbeats: loaded
            .config
            .alertmanager
            .iter()
            .filter_map(|a| Some((a.name.clone(), a.heartbeat.clone()?)))
            .collect(),
        clusters: loaded
            .config
            .alertmanager
            .iter()
            .filter_map(|a| Some((a.name.clone(), a.cluster.clone()?)))
            .collect(),
        incident: loaded.config.incident.clone(),
        escalates: !loaded.config.escalation.is_empty(),
    };
    state
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn a_team_store_named_by_state_takes_the_password_reference_from_the_config() {
        let cli = Cli::parse_from(["opsdeck", "--state", "postgres://ops@db/state"]);
        let mut config = Config::default();
        config.state.password_env = Some("STATE_PW".into());
        let Some(Location::Team(team)) = state_location(&cli, &config) else {
            panic!("--state postgres://... is a team store");
        };
        assert_eq!(team.shown(), "postgres://ops@db/state");
        assert_eq!(team.password.env.as_deref(), Some("STATE_PW"));
    }
}
