//! Live updates from the team store: one LISTEN connection per opsdeck,
//! turning other instances' commits into `StoreEvent`s. Bursts are folded
//! (a hundred ticks in a second make one re-read), what this opsdeck did
//! itself is dropped, and a lost connection is reported at once, retried
//! every second, and followed by `Resync` when it is back: whatever was
//! missed meanwhile is re-read rather than replayed.

use super::team::unreachable_reason;
use super::{Location, Store};
pub use crate::model::team::{StoreChange, StoreEvent};
use serde::Deserialize;
use sqlx::postgres::{PgListener, PgNotification, PgPoolOptions};
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::sync::mpsc;

/// The channel the store's triggers notify on.
pub const CHANNEL: &str = "opsdeck";

/// How long a burst is gathered before it is passed on: short next to the
/// 1 s the screen has to show another instance's change.
const GATHER: Duration = Duration::from_millis(50);
const RETRY: Duration = Duration::from_secs(1);
/// A server that hangs (a cut cable, a frozen VM) closes no connection: it
/// is asked this often whether it still answers, within `CONNECT_TIMEOUT`.
const PING: Duration = Duration::from_secs(5);

#[derive(Deserialize)]
struct Payload {
    t: String,
    #[serde(default)]
    k: Option<String>,
    #[serde(default)]
    o: Option<String>,
}

/// What one notification says changed; None for this opsdeck's own, or
/// for one it does not know (a newer opsdeck's table).
pub fn parse(payload: &str, own_instance: &str) -> Option<Vec<StoreChange>> {
    let p: Payload = serde_json::from_str(payload).ok()?;
    if p.o.as_deref() == Some(own_instance) {
        return None;
    }
    let key = p.k.unwrap_or_default();
    Some(match p.t.as_str() {
        "checklist_events" => vec![StoreChange::Session(key)],
        "checklist_sessions" => vec![StoreChange::Session(key), StoreChange::Sessions],
        "review_decisions" => vec![StoreChange::Campaign(key.parse().ok()?), StoreChange::Campaigns],
        "review_campaigns" => vec![StoreChange::Campaigns],
        "alert_acks" => vec![StoreChange::Acks],
        "audit_log" => vec![StoreChange::Audit],
        "presence" => vec![StoreChange::Presence],
        _ => return None,
    })
}

/// Start listening, for a team store; None for an embedded one, which
/// only this opsdeck writes.
pub fn watch(store: &Store, tx: mpsc::Sender<StoreEvent>) -> Option<tokio::task::JoinHandle<()>> {
    let Location::Team(team) = store.location() else {
        return None;
    };
    let instance = store.instance().to_string();
    let opts = match team.connect_options(&format!("{instance}-listen")) {
        Ok(o) => o,
        Err(e) => {
            let _ = tx.try_send(StoreEvent::Down(e));
            return None;
        }
    };
    let store = store.clone();
    Some(tokio::spawn(async move {
        // The listening connection only: the pings go where the writes go.
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(super::team::CONNECT_TIMEOUT)
            .connect_lazy_with(opts);
        // Why the server is gone, while it is: every loss sets it, so a
        // listen that follows one is a return.
        let mut down: Option<String> = None;
        loop {
            let lost = match listen(&pool).await {
                Ok(mut listener) => {
                    // Back after a loss: what was missed is read again.
                    if down.take().is_some() && tx.send(StoreEvent::Resync).await.is_err() {
                        return;
                    }
                    match relay(&mut listener, &store, &instance, &tx).await {
                        Some(why) => why,
                        None => return,
                    }
                }
                Err(e) => reason(&e),
            };
            if down.as_deref() != Some(lost.as_str()) {
                if tx.send(StoreEvent::Down(lost.clone())).await.is_err() {
                    return;
                }
                down = Some(lost);
            }
            tokio::time::sleep(RETRY).await;
        }
    }))
}

async fn listen(pool: &sqlx::PgPool) -> Result<PgListener, sqlx::Error> {
    // A lost connection comes back as `Ok(None)` from `try_recv` (sqlx's
    // default): reconnecting is ours to do and to report, because the
    // notifications sent meanwhile are lost and must be read again.
    let mut l = PgListener::connect_with(pool).await?;
    // And at once: not after a reconnect attempt that can take its timeout.
    l.eager_reconnect(false);
    l.listen(CHANNEL).await?;
    Ok(l)
}

/// Pass notifications on until the connection is lost (its reason) or the
/// app is gone (None).
async fn relay(
    listener: &mut PgListener,
    store: &Store,
    instance: &str,
    tx: &mpsc::Sender<StoreEvent>,
) -> Option<String> {
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING, PING);
    loop {
        let next = tokio::select! {
            n = listener.try_recv() => n,
            _ = ping.tick() => {
                if let Some(why) = still_answers(store).await {
                    return Some(why);
                }
                continue;
            }
        };
        let first = match received(next) {
            Ok(n) => n,
            Err(why) => return Some(why),
        };
        let mut batch: BTreeSet<StoreChange> = parse(first.payload(), instance).into_iter().flatten().collect();
        let deadline = tokio::time::Instant::now() + GATHER;
        let mut lost = None;
        while let Ok(next) = tokio::time::timeout_at(deadline, listener.try_recv()).await {
            match received(next) {
                Ok(n) => batch.extend(parse(n.payload(), instance).into_iter().flatten()),
                Err(why) => {
                    lost = Some(why);
                    break;
                }
            }
        }
        if !batch.is_empty() && tx.send(StoreEvent::Changed(batch.into_iter().collect())).await.is_err() {
            return None;
        }
        if lost.is_some() {
            return lost;
        }
    }
}

/// A notification, or why the connection it would have come on is gone.
fn received(next: Result<Option<PgNotification>, sqlx::Error>) -> Result<PgNotification, String> {
    match next {
        Ok(Some(n)) => Ok(n),
        Ok(None) => Err("connection lost".into()),
        Err(e) => Err(reason(&e)),
    }
}

/// None when the server answers a query on the store's own connections
/// within the timeout; else why not.
async fn still_answers(store: &Store) -> Option<String> {
    let limit = super::team::CONNECT_TIMEOUT;
    match tokio::time::timeout(limit, sqlx::query("SELECT 1").execute(store.pool())).await {
        Ok(Ok(_)) => None,
        Ok(Err(e)) => Some(reason(&e)),
        Err(_) => Some(format!("no answer within {}s", limit.as_secs())),
    }
}

fn reason(e: &sqlx::Error) -> String {
    unreachable_reason(e).unwrap_or_else(|| crate::text::one_line(&e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_changes_and_unknown_tables_are_dropped() {
        let own = r#"{"t":"checklist_events","k":"INC-1","o":"me"}"#;
        assert_eq!(parse(own, "me"), None);
        assert_eq!(parse(own, "other"), Some(vec![StoreChange::Session("INC-1".into())]));
        assert_eq!(
            parse(r#"{"t":"review_decisions","k":"7","o":"x"}"#, "me"),
            Some(vec![StoreChange::Campaign(7), StoreChange::Campaigns])
        );
        assert_eq!(parse(r#"{"t":"someday_table","k":"1"}"#, "me"), None);
        assert_eq!(parse("not json", "me"), None);
        assert_eq!(parse(r#"{"t":"review_decisions","k":"x"}"#, "me"), None);
    }
}
