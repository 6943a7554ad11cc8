//! Publishing the audit chain's checkpoints to the configured witnesses,
//! on a task of its own: at session open and close, after every
//! `checkpoint_every` entries, and when the head moved and
//! `checkpoint_interval` passed. A witness that fails is a warning (the
//! `warn` callback, and the log), never a stop: the audit entry is already
//! in the store, and the next checkpoint covers it too.

pub mod key;
mod send;

use crate::config::{AuditConfig, Witness};
use crate::model::checkpoint::{Checkpoint, Head};
use crate::model::identity::Identity;
use crate::store::Store;
use ed25519_dalek::SigningKey;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// How long closing waits for the last checkpoint to reach every witness.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(4);

/// What the publisher knows: where to, how often, signed by what, as whom.
pub struct Setup {
    pub witnesses: Vec<Witness>,
    pub every: u64,
    pub interval: Duration,
    pub key: Option<SigningKey>,
    pub who: Identity,
}

impl Setup {
    /// From `[audit]`; the signing key is read (and its mode checked) here,
    /// so a key others can read stops the start with the reason.
    pub fn from_config(config: &AuditConfig, who: Identity) -> Result<Setup, String> {
        let key = config
            .signing_key_file
            .as_deref()
            .map(|p| key::load(&crate::config::expand_home(p)))
            .transpose()?;
        Ok(Setup {
            witnesses: config.witnesses.clone(),
            every: config.checkpoint_every,
            interval: config.checkpoint_interval,
            key,
            who,
        })
    }
}

struct Request {
    event: &'static str,
    head: Option<Head>,
    done: Option<oneshot::Sender<()>>,
}

/// The running publisher. Dropping it stops the task once it is idle.
pub struct Publisher {
    tx: mpsc::UnboundedSender<Request>,
}

impl Publisher {
    /// Start publishing for `store`; `warn` hears of every witness that failed.
    pub fn spawn(setup: Setup, store: Store, warn: impl Fn(String) + Send + Sync + 'static) -> Publisher {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(setup, store, rx, Arc::new(warn)));
        Publisher { tx }
    }

    /// A checkpoint now, of `head` (the store's newest when None). Returns at once.
    pub fn checkpoint(&self, event: &'static str, head: Option<Head>) {
        let _ = self.tx.send(Request {
            event,
            head,
            done: None,
        });
    }

    /// The session's last checkpoint, waited for (within a bound), then stop.
    pub async fn close(self) {
        let (done, wait) = oneshot::channel();
        let sent = self.tx.send(Request {
            event: "session.close",
            head: None,
            done: Some(done),
        });
        if sent.is_ok() && tokio::time::timeout(CLOSE_TIMEOUT, wait).await.is_err() {
            tracing::warn!("the closing audit checkpoint did not reach every witness within {CLOSE_TIMEOUT:?}");
        }
    }
}

async fn run(
    setup: Setup,
    store: Store,
    mut rx: mpsc::UnboundedReceiver<Request>,
    warn: Arc<dyn Fn(String) + Send + Sync>,
) {
    let http = match crate::backends::http_client(send::HTTP_TIMEOUT) {
        Ok(c) => c,
        Err(e) => {
            warn(format!("audit witnesses: no HTTP client: {e}"));
            reqwest::Client::new()
        }
    };
    let publish = |event: &'static str, head: Head| {
        let (setup, http, warn) = (&setup, &http, warn.clone());
        async move {
            let mut c = Checkpoint::new(&head, chrono::Utc::now(), &setup.who.host, &setup.who.operator, event);
            if let Some(key) = &setup.key {
                c = c.signed(key);
            }
            let sends = setup.witnesses.iter().map(|w| {
                let (c, warn) = (&c, warn.clone());
                async move {
                    let sent = tokio::time::timeout(send::HTTP_TIMEOUT, send::send(w, c, http)).await;
                    let why = match sent {
                        Ok(Ok(())) => return,
                        Ok(Err(why)) => why,
                        Err(_) => format!("no answer within {}s", send::HTTP_TIMEOUT.as_secs()),
                    };
                    tracing::warn!(witness = %w.shown(), error = %why, "audit checkpoint not published");
                    warn(format!("audit witness {}: {why}", w.shown()));
                }
            });
            futures::future::join_all(sends).await;
            head
        }
    };
    let mut heads = store.watch_head();
    let mut last: Option<Head> = None;
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + setup.interval, setup.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            req = rx.recv() => {
                let Some(req) = req else { break };
                let head = match req.head {
                    Some(h) => Some(h),
                    None => newest(&store).await,
                };
                if let Some(head) = head {
                    last = Some(publish(req.event, head).await);
                    tick.reset();
                }
                if let Some(done) = req.done {
                    let _ = done.send(());
                }
            }
            Ok(()) = heads.changed() => {
                let head = heads.borrow_and_update().clone();
                let since = last.as_ref().map_or(0, |l| l.seq);
                if let Some(head) = head.filter(|h| setup.every > 0 && h.seq >= since + setup.every as i64) {
                    last = Some(publish("entries", head).await);
                    tick.reset();
                }
            }
            _ = tick.tick() => {
                if let Some(head) = newest(&store).await.filter(|h| last.as_ref() != Some(h)) {
                    last = Some(publish("interval", head).await);
                }
            }
        }
    }
}

async fn newest(store: &Store) -> Option<Head> {
    match store.newest_head().await {
        Ok(h) => Some(h),
        Err(e) => {
            tracing::warn!(error = %e, "audit head not read for a checkpoint");
            None
        }
    }
}
