//! `opsdeck audit verify | export`: the audit chain checked, or written out.

use super::AuditCmd;
use super::{existing_store, print_out, Cli, EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE};
use crate::store::audit;
use std::process::ExitCode;

pub async fn run(cli: &Cli, cmd: &AuditCmd) -> ExitCode {
    let store = match existing_store(cli).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let code = match cmd {
        AuditCmd::Verify => match store.verify_audit().await {
            Ok(r) => match r.broken {
                None => {
                    print_out(&format!("audit log intact: {} entries\n", r.rows));
                    EXIT_OK
                }
                Some((seq, why)) => {
                    print_out(&format!("audit log BROKEN at sequence {seq}: {why}\n"));
                    EXIT_CHECK_FAILED
                }
            },
            Err(e) => {
                eprintln!("opsdeck: {e}");
                EXIT_CHECK_FAILED
            }
        },
        AuditCmd::Export { format, since } => {
            let since = match since
                .as_deref()
                .map(|s| audit::parse_since(s, chrono::Utc::now()))
                .transpose()
            {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("opsdeck: --since: {e}");
                    return ExitCode::from(EXIT_USAGE);
                }
            };
            match store
                .audit_entries(since)
                .await
                .map_err(|e| e.to_string())
                .and_then(|e| audit::export(&e, *format))
            {
                Ok(text) => {
                    print_out(&format!("{}\n", text.trim_end()));
                    EXIT_OK
                }
                Err(e) => {
                    eprintln!("opsdeck: {e}");
                    EXIT_CHECK_FAILED
                }
            }
        }
    };
    store.close().await;
    ExitCode::from(code)
}
