//! `opsdeck info`: which files this opsdeck uses, for "where is my log?"
//! and "which config did it read?". Reads the config; opens nothing else.

use super::{config_error, print_out, Cli, EXIT_OK};
use crate::config::keymap::Keymap;
use crate::config::theme::Theme;
use crate::config::{Config, ConfigOrigin};
use crate::runtime::{logging, setup};
use std::path::Path;
use std::process::ExitCode;

pub fn run(cli: &Cli) -> ExitCode {
    match Config::discover(cli.config.as_deref()) {
        Ok(config) => {
            print_out(&report(cli, &config, chrono::Utc::now().date_naive()));
            ExitCode::from(EXIT_OK)
        }
        Err(e) => config_error(&e),
    }
}

/// One line per file: what it is, where it is.
pub fn report(cli: &Cli, config: &Config, today: chrono::NaiveDate) -> String {
    let config_line = match &config.origin {
        Some(ConfigOrigin::File(path)) => path.display().to_string(),
        _ => match crate::config::default_config_path() {
            Some(p) => format!("none, built-in defaults ({} does not exist)", p.display()),
            None => "none, built-in defaults".into(),
        },
    };
    let state = setup::state_location(cli, config).map_or_else(|| "none (pass --state PATH)".into(), |l| l.shown());
    let log = match logging::configured_path(&config.log) {
        Some(path) => format!(
            "{} (daily files, {} kept; today's: {})",
            path.display(),
            logging::keep(&config.log),
            logging::file_for_day(&path, today).display()
        ),
        None => "none (no state directory)".into(),
    };
    let user_dir = setup::user_dir();
    let theme_spec = cli.theme.clone().or_else(|| config.theme.clone());
    let theme_spec = theme_spec.as_deref().unwrap_or("default");
    let theme = shown(
        theme_spec,
        Theme::file_for(theme_spec, user_dir.as_ref().map(|d| d.join("themes")).as_deref()),
    );
    let keymap_spec = cli.keymap.clone().or_else(|| config.keymap.clone());
    let keymap_spec = keymap_spec.as_deref().unwrap_or("default");
    let keymap = shown(
        keymap_spec,
        Keymap::file_for(keymap_spec, user_dir.as_ref().map(|d| d.join("keymaps")).as_deref()),
    );
    format!("config  {config_line}\nstate   {state}\nlog     {log}\ntheme   {theme}\nkeymap  {keymap}\n")
}

fn shown(spec: &str, file: Option<impl AsRef<Path>>) -> String {
    match file {
        Some(f) => f.as_ref().display().to_string(),
        None => format!("{spec} (built in)"),
    }
}
