//! Containers: restart, stop and start (audited), their logs followed and
//! saved, and which rows on screen get CPU and memory figures.

use super::audited::{audited_record, Audited};
use super::Effects;
use crate::app::Msg;
use crate::backends::docker::{self, ContainerOp};
use crate::config::DockerConfig;
use crate::model::identity::Identity;
use crate::store::{AuditRecord, Outcome, Store};
use tokio::sync::mpsc;

pub async fn container(
    store: &Store,
    who: &Identity,
    hosts: &[DockerConfig],
    host: &str,
    container: &str,
    op: ContainerOp,
) -> Msg {
    let Some(cfg) = hosts.iter().find(|h| h.name == host) else {
        return Msg::ActionDone {
            ok: false,
            text: format!("{} {host}/{container}: no such Docker host", op.verb()),
        };
    };
    call(store, who, cfg, container, op, None).await.0
}

/// The audited call alone, with the operator's reason when one was given
/// (a restart past the incident's limit): the message, and whether the
/// call was made and succeeded.
pub(crate) async fn call(
    store: &Store,
    who: &Identity,
    cfg: &DockerConfig,
    container: &str,
    op: ContainerOp,
    reason: Option<&str>,
) -> (Msg, bool) {
    let host = cfg.name.as_str();
    let target = format!("{host}/{container}");
    let mut details = serde_json::json!({ "host": host, "container": container });
    if let (Some(reason), Some(map)) = (reason, details.as_object_mut()) {
        map.insert("reason".into(), reason.into());
    }
    let mut intent = AuditRecord::new("services", op.audit_action(), Outcome::Intent)
        .target(&target)
        .details(details);
    if let Some(reason) = reason {
        intent = intent.justification(reason);
    }
    let call = docker::container_action(cfg, container, op);
    match audited_record(store, who, intent, call, |_| (Outcome::Ok, Vec::new())).await {
        Audited::NotDone(e) => (
            Msg::ActionDone {
                ok: false,
                text: format!("{} {target} NOT done: {e}", op.verb()),
            },
            false,
        ),
        Audited::Done(Ok(()), unaudited) => (
            Msg::ActionDone {
                ok: unaudited.is_empty(),
                text: format!("{} {target}: done{unaudited}", op.verb()),
            },
            true,
        ),
        Audited::Done(Err(e), unaudited) => (
            Msg::ActionDone {
                ok: false,
                text: format!("{} {target} failed: {e}{unaudited}", op.verb()),
            },
            false,
        ),
    }
}

/// Follow a container's log from its last `tail` lines, each batch sent
/// as a message tagged with `follower`.
pub(crate) fn follow_logs(fx: &Effects, follower: u64, host: &str, container: String, tail: usize) {
    let Some(cfg) = fx.docker.iter().find(|h| h.name == host).cloned() else {
        return;
    };
    let (log_tx, mut log_rx) = mpsc::channel(16);
    let tx = fx.msg_tx.clone();
    let follow = tokio::spawn(crate::backends::docker::logs::follow(cfg, container, tail, log_tx));
    let forward = tokio::spawn(async move {
        while let Some(event) = log_rx.recv().await {
            if tx.send(Msg::Log { follower, event }).await.is_err() {
                break;
            }
        }
    });
    fx.followers
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(follower, vec![follow, forward]);
}

pub(crate) fn stop_logs(fx: &Effects, follower: u64) {
    let tasks = fx.followers.lock().unwrap_or_else(|e| e.into_inner()).remove(&follower);
    for task in tasks.unwrap_or_default() {
        task.abort();
    }
}

/// Write the shown log lines to `file_name` in `dir`, made if missing;
/// the message names the whole path, so the operator can find it.
pub(crate) async fn save_log(dir: &std::path::Path, file_name: &str, text: String) -> Msg {
    let lines = text.lines().count();
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let path = dir.join(file_name);
    let written = async {
        tokio::fs::create_dir_all(&dir).await?;
        tokio::fs::write(&path, text).await
    };
    match written.await {
        Ok(()) => Msg::ActionDone {
            ok: true,
            text: format!("saved {lines} lines to {}", path.display()),
        },
        Err(e) => Msg::ActionDone {
            ok: false,
            text: format!("cannot save to {}: {e}", path.display()),
        },
    }
}

/// The containers of `host` on screen, whose CPU and memory are fetched.
pub(crate) fn watch_stats(fx: &Effects, host: &str, ids: Vec<String>) {
    if let Some((watch, wake)) = fx.stats_watch.get(host) {
        // Only rows new on screen need a poll now; a shrinking set waits.
        let gained = {
            let old = watch.borrow();
            ids.iter().any(|id| !old.contains(id))
        };
        watch.send_replace(ids);
        if gained {
            wake.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_saved_log_goes_into_its_directory_and_the_message_names_it() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("logs");
        let msg = save_log(&dir, "api-20261123T030000Z.log", "one\ntwo\n".into()).await;
        let path = dir.join("api-20261123T030000Z.log");
        assert_eq!(std::fs::read_to_string(&path).expect("written"), "one\ntwo\n");
        match msg {
            Msg::ActionDone { ok: true, text } => {
                assert_eq!(text, format!("saved 2 lines to {}", path.display()));
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_log_that_cannot_be_saved_says_where_and_why() {
        let root = tempfile::tempdir().expect("tempdir");
        let blocker = root.path().join("logs");
        std::fs::write(&blocker, "a file where the directory should be").expect("write");
        match save_log(&blocker, "api.log", "x\n".into()).await {
            Msg::ActionDone { ok: false, text } => {
                assert!(
                    text.starts_with(&format!("cannot save to {}", blocker.join("api.log").display())),
                    "{text}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
