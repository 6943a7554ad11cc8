//! `opsdeck audit verify | export | head | keygen`: the audit chain checked
//! (against heads recorded elsewhere too), written out, its head printed;
//! a checkpoint signing key made.

use super::AuditCmd;
use super::{existing_store, print_out, Cli, EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE};
use crate::store::{audit, Store};
use std::process::ExitCode;

pub async fn run(cli: &Cli, cmd: &AuditCmd) -> ExitCode {
    // No store needed: a key for the config.
    if let AuditCmd::Keygen { out } = cmd {
        return match crate::effects::witness::key::generate(out) {
            Ok(public) => {
                print_out(&format!(
                    "signing key written to {} (mode 0600)\npublic key: {public}\n",
                    out.display()
                ));
                ExitCode::from(EXIT_OK)
            }
            Err(e) => {
                eprintln!("opsdeck: {e}");
                ExitCode::from(EXIT_CHECK_FAILED)
            }
        };
    }
    // The recorded heads are read first: a forged witness line is refused
    // before the store is opened.
    let recorded = match cmd {
        AuditCmd::Verify {
            heads,
            witnesses,
            public_key,
        } => match super::anchor::recorded(heads, witnesses, public_key.as_deref()).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("opsdeck: {e}");
                return ExitCode::from(EXIT_CHECK_FAILED);
            }
        },
        _ => Vec::new(),
    };
    let store = match existing_store(cli).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let code = match cmd {
        AuditCmd::Verify { .. } => verify(&store, &recorded).await,
        AuditCmd::Head => match store.newest_head().await {
            Ok(head) => {
                print_out(&format!("{head}\n"));
                EXIT_OK
            }
            Err(e) => {
                eprintln!("opsdeck: {e}");
                EXIT_CHECK_FAILED
            }
        },
        AuditCmd::Keygen { .. } => EXIT_USAGE,
        AuditCmd::Export { format, since } => {
            let since = match since
                .as_deref()
                .map(|s| audit::parse_since(s, chrono::Utc::now()))
                .transpose()
            {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("opsdeck: --since: {e}");
                    store.close().await;
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

async fn verify(store: &Store, recorded: &[super::anchor::Recorded]) -> u8 {
    let heads: Vec<_> = recorded.iter().map(|r| r.head.clone()).collect();
    match store.verify_audit_with(&heads).await {
        Ok(r) => {
            if let Some((seq, why)) = r.broken {
                print_out(&format!("audit log BROKEN at sequence {seq}: {why}\n"));
                return EXIT_CHECK_FAILED;
            }
            // The chain checks out, yet an earlier head is gone: rewritten
            // whole, every hash after the edit recomputed.
            if let Some(missing) = &r.missing {
                print_out(&super::anchor::missing_text(missing, recorded));
                return EXIT_CHECK_FAILED;
            }
            print_out(&format!("audit log intact: {} entries\n", r.rows));
            if let Some(newest) = heads.iter().max_by_key(|h| h.seq) {
                print_out(&format!(
                    "every recorded head is in the log: {} checked, the newest {}\n",
                    recorded.len(),
                    newest.short()
                ));
            }
            EXIT_OK
        }
        Err(e) => {
            eprintln!("opsdeck: {e}");
            EXIT_CHECK_FAILED
        }
    }
}
