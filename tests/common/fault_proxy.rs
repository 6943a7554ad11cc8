//! A TCP proxy in front of a real service that can be told to fail: the
//! service killed (connections cut, new ones refused), hung (connections
//! accepted and data held, never answered) or answering garbage, and back to
//! passing bytes through. Faults are switched in a moment, without touching
//! the service itself, so one test can put each backend through each fault.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UnixStream};
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Bytes pass both ways.
    Pass,
    /// As if the process died: open connections are cut, new ones refused.
    Killed,
    /// As if the process froze: connections are accepted and held, and no
    /// byte moves in either direction on old or new ones.
    Hung,
    /// As if something else answered: every connection gets bytes no
    /// protocol accepts, then is closed.
    Garbage,
}

/// Where the real service listens.
#[derive(Debug, Clone)]
pub enum Upstream {
    Tcp(SocketAddr),
    Unix(PathBuf),
}

/// Not HTTP, not the PostgreSQL protocol, not anything.
const GARBAGE: &[u8] = b"\x00\x15garbage \xff\xfe not a protocol\r\n\r\n";

pub struct FaultProxy {
    pub addr: SocketAddr,
    mode: Arc<watch::Sender<Fault>>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    pub async fn start(upstream: Upstream) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address");
        let mode = Arc::new(watch::channel(Fault::Pass).0);
        let task = tokio::spawn(serve(listener, addr, upstream, mode.clone()));
        Self { addr, mode, task }
    }

    /// Switch to `fault`. Killed returns once connecting is refused: until
    /// the proxy's task has dropped its listener the kernel still completes
    /// connections (then cut), and a test that connects at once would see
    /// "closed by remote host" where a dead service says "refused".
    pub fn set(&self, fault: Fault) {
        self.mode.send_replace(fault);
        if fault == Fault::Killed {
            let deadline = std::time::Instant::now() + Duration::from_secs(2);
            while std::time::Instant::now() < deadline
                && std::net::TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok()
            {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Accept while the service is "alive"; while killed, hold no listener so
/// connecting is refused, then bind the same port again.
async fn serve(listener: TcpListener, addr: SocketAddr, upstream: Upstream, mode: Arc<watch::Sender<Fault>>) {
    let mut listener = Some(listener);
    let mut rx = mode.subscribe();
    loop {
        let current = *rx.borrow_and_update();
        if current == Fault::Killed {
            listener = None;
            if rx.changed().await.is_err() {
                return;
            }
            continue;
        }
        let l = match listener.take() {
            Some(l) => l,
            None => match TcpListener::bind(addr).await {
                Ok(l) => l,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        tokio::select! {
            accepted = l.accept() => {
                if let Ok((client, _)) = accepted {
                    tokio::spawn(connection(client, upstream.clone(), mode.subscribe()));
                }
                listener = Some(l);
            }
            changed = rx.changed() => {
                if changed.is_err() {
                    return;
                }
                listener = Some(l);
            }
        }
    }
}

async fn connection(mut client: TcpStream, upstream: Upstream, mut rx: watch::Receiver<Fault>) {
    let at_accept = *rx.borrow_and_update();
    match at_accept {
        Fault::Garbage => {
            let _ = client.write_all(GARBAGE).await;
            let _ = client.shutdown().await;
        }
        // Held open, silent, until the fault changes; then cut.
        Fault::Hung => {
            let _ = rx.changed().await;
        }
        Fault::Killed => {}
        Fault::Pass => match upstream {
            Upstream::Tcp(a) => {
                if let Ok(up) = TcpStream::connect(a).await {
                    relay(client, up, rx).await;
                }
            }
            Upstream::Unix(p) => {
                if let Ok(up) = UnixStream::connect(&p).await {
                    relay(client, up, rx).await;
                }
            }
        },
    }
}

/// Both directions until either side closes or the service is killed or
/// replaced by garbage. While hung, data read is held, not passed on.
async fn relay(client: TcpStream, upstream: impl AsyncRead + AsyncWrite + Unpin, rx: watch::Receiver<Fault>) {
    let (cr, cw) = client.into_split();
    let (ur, uw) = tokio::io::split(upstream);
    let mut cut = rx.clone();
    tokio::select! {
        _ = pump(cr, uw, rx.clone()) => {}
        _ = pump(ur, cw, rx) => {}
        _ = cut.wait_for(|m| matches!(m, Fault::Killed | Fault::Garbage)) => {}
    }
}

async fn pump(mut from: impl AsyncRead + Unpin, mut to: impl AsyncWrite + Unpin, mut rx: watch::Receiver<Fault>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        // Hold the bytes while hung; let them go only if it passes again.
        match rx.wait_for(|m| *m != Fault::Hung).await {
            Ok(m) if *m == Fault::Pass => {}
            _ => return,
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
