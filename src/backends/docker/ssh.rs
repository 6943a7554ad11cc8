//! Docker over SSH, as the docker CLI does it: the system `ssh` (the
//! operator's own config, agent and known_hosts) runs `docker system
//! dial-stdio` on the far side, and the Engine API is spoken over its stdin
//! and stdout. Each HTTP connection is one ssh process, kept open by the
//! client's pool between polls and closed after a minute unused.
//!
//! `BatchMode=yes`: ssh never asks for a password or about an unknown host
//! key (nothing may prompt inside the TUI); host keys are checked as the
//! operator's ssh config says. A link that stops answering is given up by
//! ssh's keepalive, so a hung host shows DOWN like any other.

use crate::backends::ssh::LastWords;
use crate::config::docker_endpoint::SshDestination;
use bollard::{BollardRequest, Docker};
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::process::{Child, ChildStdin, ChildStdout};

/// How long an unused ssh connection is kept.
const IDLE: Duration = Duration::from_secs(60);

/// A Docker client that reaches the engine through `ssh`. `timeout_secs`
/// bounds every request, as for the other transports.
pub fn client(dest: &SshDestination, timeout_secs: u64) -> Result<Docker, bollard::errors::Error> {
    let said = LastWords::default();
    let connector = Connector {
        args: Arc::new(crate::backends::ssh::args(
            dest,
            timeout_secs,
            &["-T"],
            &["docker", "system", "dial-stdio"],
        )),
        said: said.clone(),
    };
    let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .pool_idle_timeout(IDLE)
        .build(connector);
    let transport = move |request: BollardRequest| {
        let http = http.clone();
        let said = said.clone();
        async move {
            let err = match http.request(request).await {
                Ok(response) => return Ok(response),
                Err(err) => err,
            };
            // ssh's own words say why better than "connection closed"; they
            // may come a moment after its stdout closed.
            for _ in 0..10 {
                if let Some(words) = said.lock().ok().and_then(|mut s| s.take()) {
                    return Err(bollard::errors::Error::IOError {
                        err: io::Error::other(crate::backends::ssh::in_its_words(words)),
                    });
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(bollard::errors::Error::HyperLegacyError { err })
        }
    };
    Docker::connect_with_custom_transport(
        transport,
        Some("http://docker"),
        timeout_secs,
        bollard::API_DEFAULT_VERSION,
    )
}

/// Opens a connection: starts one ssh.
#[derive(Clone)]
struct Connector {
    args: Arc<Vec<String>>,
    said: LastWords,
}

impl tower_service::Service<hyper::Uri> for Connector {
    type Response = SshIo;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<SshIo>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: hyper::Uri) -> Self::Future {
        let dialed = self.dial();
        Box::pin(async move { dialed })
    }
}

impl Connector {
    fn dial(&self) -> io::Result<SshIo> {
        let mut child = tokio::process::Command::new("ssh")
            .args(self.args.iter())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("cannot run ssh: {e}")))?;
        let (Some(stdin), Some(stdout), Some(stderr)) = (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(io::Error::other("ssh started without its pipes"));
        };
        tokio::spawn(crate::backends::ssh::keep_last_words(stderr, self.said.clone()));
        Ok(SshIo {
            io: TokioIo::new(tokio::io::join(stdout, stdin)),
            _ssh: child,
        })
    }
}

/// One connection: ssh's stdout to read, its stdin to write. Dropping it
/// kills the ssh.
struct SshIo {
    io: TokioIo<tokio::io::Join<ChildStdout, ChildStdin>>,
    _ssh: Child,
}

impl Connection for SshIo {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl hyper::rt::Read for SshIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for SshIo {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}
