//! The audit log's one writer, what is written when the console opens and
//! closes, and the operator's pane and view kept between runs.

use crate::app::{Msg, PaneId, State, View};
use crate::model::identity::Identity;
use crate::store::{AuditRecord, Outcome, Store};
use std::time::Duration;
use tokio::sync::mpsc;

/// One writer, in order: entries are appended in the order they were asked for,
/// and a failure is reported back to the screen rather than lost.
pub(super) fn spawn_audit_writer(
    store: Store,
    who: Identity,
    msg_tx: mpsc::Sender<Msg>,
) -> (mpsc::UnboundedSender<AuditRecord>, tokio::task::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<AuditRecord>();
    let handle = tokio::spawn(async move {
        while let Some(rec) = rx.recv().await {
            if let Err(e) = store.append_audit(&who, rec).await {
                tracing::error!(error = %e, "audit append failed");
                let _ = msg_tx.send(Msg::AuditFailed(e.to_string())).await;
            }
        }
    });
    (tx, handle)
}

pub(super) async fn persist_on_exit(
    store: &Store,
    audit_tx: mpsc::UnboundedSender<AuditRecord>,
    audit_writer: tokio::task::JoinHandle<()>,
    state: &State,
    reason: &'static str,
) {
    let close = AuditRecord::new("app", "session.close", Outcome::Info)
        .details(serde_json::json!({ "reason": reason, "version": env!("CARGO_PKG_VERSION") }));
    let work = async {
        // The close goes behind every pending entry; closing the channel lets
        // the writer finish the queue and stop.
        let _ = audit_tx.send(close);
        drop(audit_tx);
        let _ = audit_writer.await;
        save_ui_settings(store, state).await;
        let _ = store.leave().await;
    };
    if tokio::time::timeout(PERSIST_TIMEOUT, work).await.is_err() {
        tracing::error!("state store did not finish writing within {PERSIST_TIMEOUT:?}");
    }
}

pub(super) fn session_details(who: &Identity, state: &State) -> serde_json::Value {
    serde_json::json!({
        "version": env!("CARGO_PKG_VERSION"),
        "operator": who.operator,
        "host": who.host,
        "ssh_client": who.ssh_client,
        "read_only": state.shell.read_only,
        // Environments whose read-only this run lifted (`--allow-writes`).
        "allow_writes": state.setup.allow_writes,
        "backends": state.backends.targets.iter().map(|b| b.id.to_string()).collect::<Vec<_>>(),
    })
}

/// How long shutdown waits for the final audit entry and settings.
const PERSIST_TIMEOUT: Duration = Duration::from_secs(3);

/// The key of a UI setting: each operator's own on a team store.
fn ui_key(store: &Store, who: &Identity, name: &str) -> String {
    match store.engine() {
        crate::store::Engine::Sqlite => format!("ui.{name}"),
        crate::store::Engine::Postgres => format!("ui.{}.{name}", who.operator),
    }
}

/// The pane and view the operator left, as saved on exit.
pub(super) async fn saved_ui_settings(store: &Store, who: &Identity) -> (Option<PaneId>, Option<View>) {
    let focus = match store.setting(&ui_key(store, who, "focus")).await {
        Ok(Some(v)) => PaneId::parse(&v),
        _ => None,
    };
    let view = match store.setting(&ui_key(store, who, "view")).await {
        Ok(Some(v)) => Some(PaneId::parse(&v).map(View::Zoom).unwrap_or(View::Dashboard)),
        _ => None,
    };
    (focus, view)
}

async fn save_ui_settings(store: &Store, state: &State) {
    let view = match state.shell.view {
        View::Dashboard => "dashboard",
        View::Zoom(p) => p.key(),
    };
    let _ = store
        .set_setting(&ui_key(store, &state.shell.identity, "view"), view)
        .await;
    let _ = store
        .set_setting(&ui_key(store, &state.shell.identity, "focus"), state.shell.focus.key())
        .await;
}
