//! `opsdeck evidence capture | verify DIR`: an evidence pack written and
//! sealed in the audit log, or checked against its manifest and the log.

use super::{config_error, existing_store, print_out, Cli, EvidenceCmd, EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE};
use crate::effects::evidence;
use std::process::ExitCode;

pub async fn run(cli: &Cli, cmd: &EvidenceCmd) -> ExitCode {
    match cmd {
        EvidenceCmd::Capture {
            incident,
            containers,
            postgres,
            out,
        } => {
            let req = evidence::Request {
                incident: incident.clone(),
                containers: containers.clone(),
                postgres: postgres.clone(),
                out: out.clone(),
            };
            capture(cli, &req).await
        }
        EvidenceCmd::Verify { dir } => verify(cli, dir).await,
    }
}

/// Capture: the store is opened (made, on a first run) as the console
/// opens it, since the pack's seal is written there.
async fn capture(cli: &Cli, req: &evidence::Request) -> ExitCode {
    let mut config = match crate::config::Config::discover(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => return config_error(&e),
    };
    if let Err(e) = config.apply_environments(&cli.allow_writes) {
        eprintln!("opsdeck: {e}");
        return ExitCode::from(EXIT_USAGE);
    }
    let (location, store) = match crate::runtime::setup::open_state(cli, &config).await {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    let who = crate::model::identity::Identity::detect(config.operator.name.as_deref());
    let dir = evidence::evidence_dir(&crate::runtime::setup::reports_dir(&location));
    let code = match evidence::capture(&config, &store, &who, &dir, req).await {
        Ok(c) => {
            print_out(&format!(
                "evidence: {} files in {}\nmanifest sha256 {}{}\n",
                c.files,
                c.dir.display(),
                c.manifest_sha256,
                if c.sealed { " (in the audit log)" } else { "" }
            ));
            for p in &c.problems {
                print_out(&format!("NOT captured: {p}\n"));
            }
            if c.problems.is_empty() {
                EXIT_OK
            } else {
                EXIT_CHECK_FAILED
            }
        }
        Err(e) => {
            eprintln!("opsdeck: {e}");
            EXIT_USAGE
        }
    };
    store.close().await;
    ExitCode::from(code)
}

async fn verify(cli: &Cli, dir: &std::path::Path) -> ExitCode {
    let store = match existing_store(cli).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let code = match evidence::verify(&store, dir).await {
        Ok(v) => {
            for p in &v.problems {
                print_out(&format!("{p}\n"));
            }
            if v.problems.is_empty() {
                print_out(&format!(
                    "evidence pack intact: {} files match {}; its sha256 {} is in the audit log (entry {}), which is intact\n",
                    v.files,
                    evidence::manifest::MANIFEST,
                    v.manifest_sha256,
                    v.sealed_at.unwrap_or_default()
                ));
                EXIT_OK
            } else {
                print_out(&format!("evidence pack {} does NOT verify\n", dir.display()));
                EXIT_CHECK_FAILED
            }
        }
        Err(e) => {
            print_out(&format!("{e}\nevidence pack {} does NOT verify\n", dir.display()));
            EXIT_CHECK_FAILED
        }
    };
    store.close().await;
    ExitCode::from(code)
}
