//! A fault-injecting TCP proxy for cutting connections mid-stream.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A TCP proxy on 127.0.0.1 in front of `upstream`.
///
/// Tests point a client at [`FaultProxy::addr`] and then cut every open connection
/// ([`cut`](Self::cut)), refuse new ones ([`set_refusing`](Self::set_refusing)), or arm a cut
/// that fires after N more bytes have gone from upstream to the client
/// ([`cut_after_downstream_bytes`](Self::cut_after_downstream_bytes)), e.g. in the middle of an
/// RDB transfer.
#[derive(Debug)]
pub struct FaultProxy {
    port: u16,
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    conns: Mutex<Vec<TcpStream>>,
    refusing: AtomicBool,
    stopped: AtomicBool,
    /// Bytes still allowed downstream before the armed cut fires (u64::MAX = disarmed).
    budget: AtomicU64,
    downstream_total: AtomicU64,
    accepted: AtomicU64,
}

impl FaultProxy {
    /// Starts a proxy to `upstream` (`host:port`).
    pub fn start(upstream: &str) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let shared = Arc::new(Shared {
            budget: AtomicU64::new(u64::MAX),
            ..Default::default()
        });
        let upstream = upstream.to_owned();
        let sh = shared.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if sh.stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                if sh.refusing.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&upstream) else {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                sh.accepted.fetch_add(1, Ordering::SeqCst);
                {
                    let mut conns = sh.conns.lock().expect("lock");
                    conns.push(client.try_clone().expect("clone"));
                    conns.push(server.try_clone().expect("clone"));
                }
                pump(
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                    None,
                );
                pump(server, client, Some(sh.clone()));
            }
        });
        FaultProxy { port, shared }
    }

    /// `127.0.0.1:<port>` of the proxy.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Closes every open connection through the proxy, both ways, at once.
    pub fn cut(&self) {
        let mut conns = self.shared.conns.lock().expect("lock");
        for c in conns.drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
    }

    /// While true, new connections are accepted and closed at once.
    pub fn set_refusing(&self, refusing: bool) {
        self.shared.refusing.store(refusing, Ordering::SeqCst);
    }

    /// Cuts every connection once `n` more bytes have been forwarded from upstream to
    /// clients. Fires once.
    pub fn cut_after_downstream_bytes(&self, n: u64) {
        self.shared.budget.store(n, Ordering::SeqCst);
    }

    /// Bytes forwarded from upstream to clients so far, over all connections.
    pub fn downstream_bytes(&self) -> u64 {
        self.shared.downstream_total.load(Ordering::SeqCst)
    }

    /// Connections accepted and forwarded so far.
    pub fn connections(&self) -> u64 {
        self.shared.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        self.cut();
        // Wake the accept loop so its thread ends.
        let _ = TcpStream::connect_timeout(
            &format!("127.0.0.1:{}", self.port).parse().expect("addr"),
            Duration::from_millis(200),
        );
    }
}

/// Copies `from` to `to` on a thread. With `shared`, this is the downstream direction and it
/// honours the armed byte budget.
fn pump(mut from: TcpStream, mut to: TcpStream, shared: Option<Arc<Shared>>) {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let mut send = n;
            let mut fire = false;
            if let Some(sh) = &shared {
                let budget = sh.budget.load(Ordering::SeqCst);
                if budget != u64::MAX {
                    if (n as u64) >= budget {
                        send = budget as usize;
                        fire = true;
                        sh.budget.store(u64::MAX, Ordering::SeqCst);
                    } else {
                        sh.budget.store(budget - n as u64, Ordering::SeqCst);
                    }
                }
                sh.downstream_total.fetch_add(send as u64, Ordering::SeqCst);
            }
            if send > 0 && to.write_all(&buf[..send]).is_err() {
                break;
            }
            if fire {
                if let Some(sh) = &shared {
                    let mut conns = sh.conns.lock().expect("lock");
                    for c in conns.drain(..) {
                        let _ = c.shutdown(Shutdown::Both);
                    }
                }
                break;
            }
        }
        let _ = from.shutdown(Shutdown::Both);
        let _ = to.shutdown(Shutdown::Both);
    });
}
