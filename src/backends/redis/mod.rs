//! Redis: PING and INFO on one kept connection, read-only. opsdeck sends
//! nothing else (AUTH and SELECT to log in aside): no CONFIG, no writes,
//! not even CLIENT SETINFO.

pub mod info;

use crate::config::RedisConfig;
pub use crate::model::redis::{RedisSummary, RedisThresholds};
use crate::text::no_answer;
use redis::aio::MultiplexedConnection;
use std::time::{Duration, Instant};

pub struct RedisPoller {
    cfg: RedisConfig,
    /// Kept between polls; dropped on any error (a new one next poll).
    conn: Option<MultiplexedConnection>,
    /// `evicted_keys` at the previous good poll, for the delta.
    evicted: Option<u64>,
}

impl RedisPoller {
    pub fn new(cfg: &RedisConfig) -> Self {
        Self {
            cfg: cfg.clone(),
            conn: None,
            evicted: None,
        }
    }

    pub async fn poll(&mut self) -> Result<RedisSummary, String> {
        self.read().await.map(|(summary, _)| summary)
    }

    /// One poll: the summary and the INFO fields it was read from. A kept
    /// connection that fails other than by timing out (the server closed it,
    /// restarted) is given up for a new one at once, so the poll says what
    /// is true now ("connection refused") rather than what became of the old
    /// connection.
    pub async fn read(&mut self) -> Result<(RedisSummary, info::InfoFields), String> {
        // Taken out while in use: a poll cut short by its caller's timeout
        // drops the connection with it, and the next poll connects anew.
        match self.conn.take() {
            Some(kept) => match self.read_on(kept).await {
                Err(Failure { timed_out: false, .. }) => {
                    let fresh = connect(&self.cfg).await?;
                    self.read_on(fresh).await.map_err(|f| f.text)
                }
                r => r.map_err(|f| f.text),
            },
            None => {
                let fresh = connect(&self.cfg).await?;
                self.read_on(fresh).await.map_err(|f| f.text)
            }
        }
    }

    /// PING, then INFO, on `conn`; kept for the next poll when both answer.
    async fn read_on(&mut self, mut conn: MultiplexedConnection) -> Result<(RedisSummary, info::InfoFields), Failure> {
        let t = self.cfg.timeout;
        let started = Instant::now();
        let pong: String = call(&mut conn, redis::cmd("PING"), t).await?;
        let ping_ms = started.elapsed().as_secs_f64() * 1000.0;
        if pong != "PONG" {
            return Err(Failure::from("the answer to PING is not PONG".to_string()));
        }
        let text: String = call(&mut conn, redis::cmd("INFO"), t).await?;
        let fields = info::parse(&text)?;
        let ctx = info::PollContext {
            ping_ms,
            now: chrono::Utc::now().timestamp(),
            previous_evicted: self.evicted,
            thresholds: thresholds(&self.cfg),
        };
        let summary = info::summarize(&fields, ctx)?;
        self.evicted = Some(summary.evicted_keys);
        self.conn = Some(conn);
        Ok((summary, fields))
    }
}

/// A failed call: its words, and whether it ran out of time (a hung
/// server is not asked again within the same poll).
struct Failure {
    text: String,
    timed_out: bool,
}

impl From<String> for Failure {
    fn from(text: String) -> Self {
        Self { text, timed_out: false }
    }
}

fn thresholds(cfg: &RedisConfig) -> RedisThresholds {
    RedisThresholds {
        memory_warn_pct: cfg.memory_warn_pct,
        blocked_clients_warn: cfg.blocked_clients_warn,
        save_max_age_secs: cfg.save_max_age.as_secs(),
    }
}

/// A new connection: the URL as written (with `${VAR}` expanded), the
/// password from its reference, a timeout on connecting and on each answer.
async fn connect(cfg: &RedisConfig) -> Result<MultiplexedConnection, String> {
    use redis::IntoConnectionInfo;
    let url = cfg.url.expand()?;
    // The URL's own error could quote it: say only what is wrong.
    let info = url
        .expose()
        .into_connection_info()
        .map_err(|_| format!("{} is not a Redis URL", cfg.url))?;
    let mut settings = info.redis_settings().clone().set_skip_set_lib_name();
    if let Some(pw) = cfg.password().resolve()? {
        settings = settings.set_password(pw.expose());
    }
    let info = info.set_redis_settings(settings);
    let client = redis::Client::open(info).map_err(|e| words(&e, cfg.timeout))?;
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(cfg.timeout))
        .set_response_timeout(Some(cfg.timeout));
    match tokio::time::timeout(
        cfg.timeout,
        client.get_multiplexed_async_connection_with_config(&config),
    )
    .await
    {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => Err(words(&e, cfg.timeout)),
        Err(_) => Err(no_answer(cfg.timeout)),
    }
}

/// One command within `timeout`.
async fn call<T: redis::FromRedisValue>(
    conn: &mut MultiplexedConnection,
    cmd: redis::Cmd,
    timeout: Duration,
) -> Result<T, Failure> {
    match tokio::time::timeout(timeout, cmd.query_async::<T>(conn)).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Failure {
            text: words(&e, timeout),
            timed_out: e.is_timeout(),
        }),
        Err(_) => Err(Failure {
            text: no_answer(timeout),
            timed_out: true,
        }),
    }
}

/// A Redis error in an operator's words. The server's own text is kept
/// (cleaned by the caller) where it says more than a category; none of it
/// can hold the password, which is sent only in AUTH.
pub fn words(e: &redis::RedisError, timeout: Duration) -> String {
    use redis::ErrorKind;
    if e.is_timeout() {
        return no_answer(timeout);
    }
    if e.is_connection_refusal() {
        return "connection refused".into();
    }
    match e.code() {
        Some("WRONGPASS") => return "authentication failed: wrong password or user".into(),
        Some("NOAUTH") => return "the server wants a password: set password_env or password_file".into(),
        Some("NOPERM") => return "not allowed: the user may not run PING or INFO".into(),
        _ => {}
    }
    match e.kind() {
        ErrorKind::AuthenticationFailed => "authentication failed: wrong password or user".into(),
        ErrorKind::Parse => "the answer is not the Redis protocol".into(),
        ErrorKind::Io if e.is_connection_dropped() => "the server closed the connection".into(),
        _ => crate::text::error_chain(e),
    }
}
