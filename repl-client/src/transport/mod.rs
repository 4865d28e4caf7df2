//! The connection layer the whole workspace uses: [`ConnectOptions`] (from a `redis://` /
//! `rediss://` URL plus builder settings) and [`connect`], which returns a [`Stream`] — plain
//! TCP or rustls TLS — with the connect timeout, TCP keepalive and read timeout applied.
//!
//! ```no_run
//! # async fn demo() -> Result<(), repl_client::Error> {
//! use repl_client::transport::{connect, ConnectOptions};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! let opts = ConnectOptions::builder()
//!     .url("rediss://default:secret@redis.example:6380")
//!     .tls_ca_file("/etc/redis/ca.pem")
//!     .build()?;
//! let mut stream = connect(&opts).await?;
//! stream.write_all(b"*1\r\n$4\r\nPING\r\n").await.map_err(|e| opts.io_error(e))?;
//! let mut buf = [0u8; 64];
//! let n = stream.read(&mut buf).await.map_err(|e| opts.io_error(e))?;
//! # let _ = n; Ok(()) }
//! ```
//!
//! [`connect`] does not authenticate: it gives a byte stream. The replica link
//! ([`crate::Replica`]) sends `AUTH` itself from [`ConnectOptions::username`] /
//! [`ConnectOptions::password`].

mod options;
mod stream;
mod tls;
mod url;

pub use options::{
    ConnectOptions, ConnectOptionsBuilder, TlsSettings, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT, DEFAULT_TCP_KEEPALIVE,
};
pub use stream::{connect, Stream};
pub use tls::{CaSource, ClientCert};

impl ConnectOptions {
    /// Wraps an I/O error on a connection made with these options, with the address.
    pub fn io_error(&self, source: std::io::Error) -> crate::Error {
        crate::Error::Io {
            addr: self.addr(),
            source,
        }
    }
}
