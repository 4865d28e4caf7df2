//! An async, pipelined Redis client: one connection, commands written into one buffer,
//! replies read in order.
//!
//! [`Client`] owns its connection (plain TCP or TLS, from [`repl_client::transport`]) and
//! does no background work: a caller sends with [`Client::cmd`] (one round trip) or queues
//! many commands with [`Client::queue`], writes them all with [`Client::flush`] and reads
//! the replies in order with [`Client::recv`]. [`Client::push`] keeps a bounded window of
//! commands in flight for a stream of writes (the migration sink's pipelined `RESTORE`s).
//! No allocation is made per command besides the reply frame itself.
//!
//! Reconnecting is the caller's concern: after an I/O or protocol error the client must be
//! dropped.

mod error;
mod info;

use std::collections::VecDeque;

use bytes::{Buf, Bytes, BytesMut};
use repl_client::transport::{self, ConnectOptions, Stream};
use resp_codec::{Decoder, Frame};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub use error::ClientError;
pub use info::{parse_keyspace, Info, KeyspaceDb, ServerVersion};

/// The client's result type.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;

/// Read buffer growth step.
const READ_CHUNK: usize = 64 * 1024;

/// [`Client::push`] writes the buffer out once it holds this much, window full or not, so
/// big commands (`RESTORE` payloads) do not pile up in memory.
const PUSH_FLUSH_BYTES: usize = 256 * 1024;

/// The name of a command in flight, kept inline (no allocation) for error messages.
#[derive(Clone, Copy)]
struct CmdName {
    buf: [u8; 23],
    len: u8,
}

impl CmdName {
    fn new(name: &[u8]) -> CmdName {
        let mut buf = [0u8; 23];
        let n = name.len().min(buf.len());
        buf[..n].copy_from_slice(&name[..n]);
        CmdName { buf, len: n as u8 }
    }

    fn as_string(&self) -> String {
        String::from_utf8_lossy(&self.buf[..usize::from(self.len)]).to_ascii_uppercase()
    }
}

/// One connection to a Redis server; see the [module docs](self).
pub struct Client {
    addr: String,
    stream: Stream,
    rbuf: BytesMut,
    wbuf: BytesMut,
    decoder: Decoder,
    /// Names of the commands written (queued or flushed) whose replies are not read yet.
    names: VecDeque<CmdName>,
    /// How many of `names` (from the front) have been flushed to the socket.
    flushed: usize,
    db: u32,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("addr", &self.addr)
            .field("db", &self.db)
            .field("in_flight", &self.names.len())
            .finish()
    }
}

impl Client {
    /// Connects, authenticates (`AUTH [user] password` when the options carry a password)
    /// and selects the options' db (when not 0).
    pub async fn connect(opts: &ConnectOptions) -> Result<Client> {
        let addr = opts.addr();
        let stream = transport::connect(opts)
            .await
            .map_err(|source| ClientError::Connect {
                addr: addr.clone(),
                source,
            })?;
        let mut c = Client {
            addr,
            stream,
            rbuf: BytesMut::with_capacity(READ_CHUNK),
            wbuf: BytesMut::with_capacity(READ_CHUNK),
            decoder: Decoder::new(),
            names: VecDeque::with_capacity(64),
            flushed: 0,
            db: 0,
        };
        if let Some(pass) = opts.password() {
            let r = match opts.username() {
                Some(user) => c.cmd(&["AUTH", user, pass]).await,
                None => c.cmd(&["AUTH", pass]).await,
            };
            // The error text never contains the password: `cmd` names only the command.
            r?;
        }
        if let Some(db) = opts.db() {
            c.select(db).await?;
        }
        Ok(c)
    }

    /// Parses a `redis://` / `rediss://` URL and connects (see [`Client::connect`]).
    pub async fn connect_url(url: &str) -> Result<Client> {
        let opts = ConnectOptions::from_url(url).map_err(|source| ClientError::Connect {
            addr: repl_client_redacted(url),
            source,
        })?;
        Self::connect(&opts).await
    }

    /// The server's `host:port`.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// The db selected through [`Client::select`] (or the options).
    pub fn db(&self) -> u32 {
        self.db
    }

    /// Commands queued or sent whose replies have not been read.
    pub fn in_flight(&self) -> usize {
        self.names.len()
    }

    /// Commands queued but not yet flushed.
    pub fn queued(&self) -> usize {
        self.names.len() - self.flushed
    }

    /// Bytes queued but not yet flushed.
    pub fn queued_bytes(&self) -> usize {
        self.wbuf.len()
    }

    /// Appends a command to the write buffer. Nothing is sent until [`flush`](Self::flush)
    /// (or [`recv`](Self::recv), which flushes first when needed).
    pub fn queue<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        let name = args.first().map_or(&b""[..], |a| a.as_ref());
        self.names.push_back(CmdName::new(name));
        resp_codec::encode_command(&mut self.wbuf, args.iter());
    }

    /// Appends a command whose arguments after the name are already RESP-encoded: `args`
    /// holds `n` bulk strings (see [`resp_codec::encode_bulk`]). Lets a caller build a big
    /// command (`MSET` of many keys) without holding each argument apart.
    pub fn queue_encoded(&mut self, name: &[u8], n: usize, args: &[u8]) {
        self.names.push_back(CmdName::new(name));
        resp_codec::encode_array_header(&mut self.wbuf, n + 1);
        resp_codec::encode_bulk(&mut self.wbuf, name);
        self.wbuf.extend_from_slice(args);
    }

    /// Writes every queued command to the socket.
    pub async fn flush(&mut self) -> Result<()> {
        if self.wbuf.is_empty() {
            self.flushed = self.names.len();
            return Ok(());
        }
        if let Err(source) = self.stream.write_all(&self.wbuf).await {
            let command = self
                .names
                .back()
                .map_or_else(String::new, CmdName::as_string);
            return Err(ClientError::Io {
                addr: self.addr.clone(),
                command,
                source,
            });
        }
        self.wbuf.clear();
        self.flushed = self.names.len();
        Ok(())
    }

    /// Reads the reply to the oldest command in flight (flushing first if it was only
    /// queued). An error reply is returned as a frame (`Frame::Error`), not as `Err`: only
    /// I/O and protocol failures are errors here.
    pub async fn recv(&mut self) -> Result<Frame> {
        let Some(name) = self.names.front().copied() else {
            return Err(ClientError::UnexpectedReply {
                addr: self.addr.clone(),
                command: "(none)".into(),
                expected: "a command in flight",
                got: "recv() with nothing sent".into(),
            });
        };
        if self.flushed == 0 {
            self.flush().await?;
        }
        loop {
            // Most replies of a migration are `+OK`: taken without the decoder.
            if self.rbuf.starts_with(b"+OK\r\n") && self.decoder.is_idle() {
                self.rbuf.advance(5);
                self.names.pop_front();
                self.flushed -= 1;
                return Ok(Frame::Simple(Bytes::from_static(b"OK")));
            }
            match self.decoder.decode(&mut self.rbuf) {
                Ok(Some(decoded)) => {
                    self.names.pop_front();
                    self.flushed -= 1;
                    return Ok(decoded.frame);
                }
                Ok(None) => {}
                Err(source) => {
                    return Err(ClientError::Protocol {
                        addr: self.addr.clone(),
                        command: name.as_string(),
                        source,
                    })
                }
            }
            if self.rbuf.capacity() - self.rbuf.len() < READ_CHUNK / 4 {
                self.rbuf.reserve(READ_CHUNK);
            }
            match self.stream.read_buf(&mut self.rbuf).await {
                Ok(0) => {
                    return Err(ClientError::Closed {
                        addr: self.addr.clone(),
                        command: name.as_string(),
                    })
                }
                Ok(_) => {}
                Err(source) => {
                    return Err(ClientError::Io {
                        addr: self.addr.clone(),
                        command: name.as_string(),
                        source,
                    })
                }
            }
        }
    }

    /// Sends one command and reads its reply; an error reply becomes
    /// [`ClientError::Server`] naming the command and its first argument.
    pub async fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<Frame> {
        let f = self.cmd_raw(args).await?;
        match f.error_message() {
            Some(msg) => Err(self.server_error(args, msg)),
            None => Ok(f),
        }
    }

    /// Sends one command and reads its reply, error replies included.
    pub async fn cmd_raw<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<Frame> {
        if self.in_flight() > 0 {
            // Replies are read in order: drain what is pending first would hide them from
            // their owner, so refuse instead.
            return Err(ClientError::UnexpectedReply {
                addr: self.addr.clone(),
                command: describe(args),
                expected: "no command in flight",
                got: format!("{} pipelined replies unread", self.in_flight()),
            });
        }
        self.queue(args);
        self.recv().await
    }

    /// Queues `args` keeping at most `window` commands in flight: when the window is
    /// full, flushes and reads replies (oldest first, each handed to `on_reply`) until half
    /// of it is free. The write buffer is also flushed whenever it reaches 256 KiB. Call
    /// [`finish`](Self::finish) at the end.
    pub async fn push<A, E, F>(
        &mut self,
        args: &[A],
        window: usize,
        on_reply: &mut F,
    ) -> Result<(), E>
    where
        A: AsRef<[u8]>,
        E: From<ClientError>,
        F: FnMut(Frame) -> Result<(), E>,
    {
        self.queue(args);
        let window = window.max(1);
        if self.in_flight() < window && self.wbuf.len() >= PUSH_FLUSH_BYTES {
            self.flush().await?;
        }
        if self.in_flight() >= window {
            self.flush().await?;
            while self.in_flight() > window / 2 {
                let f = self.recv().await?;
                on_reply(f)?;
            }
        }
        Ok(())
    }

    /// Flushes and reads every reply still in flight, in order.
    pub async fn finish<E, F>(&mut self, on_reply: &mut F) -> Result<(), E>
    where
        E: From<ClientError>,
        F: FnMut(Frame) -> Result<(), E>,
    {
        self.flush().await?;
        while self.in_flight() > 0 {
            let f = self.recv().await?;
            on_reply(f)?;
        }
        Ok(())
    }

    /// Selects a db (no round trip when it is already selected).
    pub async fn select(&mut self, db: u32) -> Result<()> {
        if db != self.db {
            self.cmd(&["SELECT", &db.to_string()]).await?;
            self.db = db;
        }
        Ok(())
    }

    /// Queues `SELECT db` into the pipeline when `db` differs from the current one; its
    /// reply (`+OK`) is one more to read. Returns whether a command was queued.
    pub fn queue_select(&mut self, db: u32) -> bool {
        if db == self.db {
            return false;
        }
        self.queue(&["SELECT", &db.to_string()]);
        self.db = db;
        true
    }

    /// `ClientError::Server` for `args` and an error message.
    pub fn server_error<A: AsRef<[u8]>>(&self, args: &[A], msg: &[u8]) -> ClientError {
        ClientError::Server {
            addr: self.addr.clone(),
            command: describe(args),
            message: String::from_utf8_lossy(msg).into_owned(),
        }
    }

    /// `ClientError::UnexpectedReply` for `command`.
    pub fn unexpected(&self, command: &str, expected: &'static str, got: &Frame) -> ClientError {
        let got = match got.error_message() {
            Some(m) => format!("error `{}`", String::from_utf8_lossy(m)),
            None => got.kind().to_owned(),
        };
        ClientError::UnexpectedReply {
            addr: self.addr.clone(),
            command: command.into(),
            expected,
            got,
        }
    }
}

/// `COMMAND key` for error messages (the key lossily, cut at 64 bytes). Never includes
/// further arguments (values, passwords).
fn describe<A: AsRef<[u8]>>(args: &[A]) -> String {
    let mut s = args
        .first()
        .map(|a| String::from_utf8_lossy(a.as_ref()).to_ascii_uppercase())
        .unwrap_or_default();
    if s == "AUTH" || s == "HELLO" {
        return s;
    }
    if let Some(k) = args.get(1) {
        let k = k.as_ref();
        s.push(' ');
        s.push_str(&crate::verify::escape_bytes(&k[..k.len().min(64)]));
    }
    s
}

fn repl_client_redacted(url: &str) -> String {
    // The transport's own error already carries the redacted URL; the address field gets
    // the authority without credentials.
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, h)| h)
        .to_owned()
}
