//! [`Stream`] (TCP or TLS, with a read timeout) and [`connect`].

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use super::ConnectOptions;
use crate::error::Error;

enum Inner {
    Tcp(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

/// An established connection: plain TCP or TLS over TCP. Implements tokio's `AsyncRead` +
/// `AsyncWrite` (+ `Unpin + Send`).
///
/// A read that sees no data for the configured read timeout fails with
/// `io::ErrorKind::TimedOut`.
pub struct Stream {
    inner: Inner,
    peer: SocketAddr,
    local: SocketAddr,
    read_timeout: Option<Duration>,
    read_deadline: Option<Pin<Box<Sleep>>>,
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream")
            .field("peer", &self.peer)
            .field("tls", &self.is_tls())
            .field("read_timeout", &self.read_timeout)
            .finish()
    }
}

impl Stream {
    /// Whether this is a TLS connection.
    pub fn is_tls(&self) -> bool {
        matches!(self.inner, Inner::Tls(_))
    }
    /// The address actually connected to.
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }
    /// The local address of the connection.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }
    /// Changes the read timeout (`None`: wait forever).
    pub fn set_read_timeout(&mut self, t: Option<Duration>) {
        self.read_timeout = t;
        self.read_deadline = None;
    }
}

/// Opens a connection: resolves the host, tries each address, applies TCP_NODELAY and TCP
/// keepalive, and for TLS runs the handshake (SNI, certificate verification, optional
/// client certificate). The whole of it is bounded by the connect timeout.
pub async fn connect(opts: &ConnectOptions) -> Result<Stream, Error> {
    let addr = opts.addr();
    let timeout = opts.connect_timeout();
    match tokio::time::timeout(timeout, connect_inner(opts)).await {
        Ok(r) => r,
        Err(_) => Err(Error::ConnectTimeout {
            addr,
            millis: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
        }),
    }
}

async fn connect_inner(opts: &ConnectOptions) -> Result<Stream, Error> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((opts.host(), opts.port()))
        .await
        .map_err(|source| Error::Resolve {
            host: opts.host().into(),
            port: opts.port(),
            source,
        })?
        .collect();
    let mut last_err = None;
    let mut tcp = None;
    for a in &addrs {
        match TcpStream::connect(a).await {
            Ok(s) => {
                tcp = Some((s, *a));
                break;
            }
            Err(e) => last_err = Some((e, *a)),
        }
    }
    let (tcp, peer) = match (tcp, last_err) {
        (Some(t), _) => t,
        (None, Some((source, a))) => {
            return Err(Error::Connect {
                addr: a.to_string(),
                source,
            })
        }
        (None, None) => {
            return Err(Error::Resolve {
                host: opts.host().into(),
                port: opts.port(),
                source: io::Error::new(io::ErrorKind::NotFound, "no addresses"),
            })
        }
    };
    let sock_err = |source| Error::Connect {
        addr: peer.to_string(),
        source,
    };
    tcp.set_nodelay(true).map_err(sock_err)?;
    let local = tcp.local_addr().map_err(sock_err)?;
    if let Some(idle) = opts.tcp_keepalive() {
        let ka = socket2::TcpKeepalive::new()
            .with_time(idle)
            .with_interval(Duration::from_secs(10).min(idle));
        socket2::SockRef::from(&tcp)
            .set_tcp_keepalive(&ka)
            .map_err(sock_err)?;
    }
    let inner = match opts.tls() {
        None => Inner::Tcp(tcp),
        Some(tls) => {
            let connector = TlsConnector::from(tls.config.clone());
            let s = connector
                .connect(tls.server_name.clone(), tcp)
                .await
                .map_err(|source| Error::TlsHandshake {
                    addr: opts.addr(),
                    source,
                })?;
            Inner::Tls(Box::new(s))
        }
    };
    Ok(Stream {
        inner,
        peer,
        local,
        read_timeout: opts.read_timeout(),
        read_deadline: None,
    })
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = match &mut this.inner {
            Inner::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        };
        match r {
            Poll::Ready(r) => {
                this.read_deadline = None;
                Poll::Ready(r)
            }
            Poll::Pending => {
                let Some(t) = this.read_timeout else {
                    return Poll::Pending;
                };
                let sleep = this
                    .read_deadline
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(Instant::now() + t)));
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        this.read_deadline = None;
                        Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            format!("no data from {} for {} s", this.peer, t.as_secs_f64()),
                        )))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

use std::future::Future;

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().inner {
            Inner::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().inner {
            Inner::Tcp(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match &self.inner {
            Inner::Tcp(s) => s.is_write_vectored(),
            Inner::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().inner {
            Inner::Tcp(s) => Pin::new(s).poll_flush(cx),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().inner {
            Inner::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}
