//! A deliberately small blocking RESP2 client for test setup and assertions.
//!
//! It is independent of `resp-codec` on purpose: tests of the codec must not use the codec
//! to check itself.

use std::io::{self, BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A reply from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `+OK`
    Status(String),
    /// `-ERR ...`
    Error(String),
    /// `:1`
    Int(i64),
    /// `$3\r\nfoo` or `$-1` (None).
    Bulk(Option<Vec<u8>>),
    /// `*2 ...` or `*-1` (None).
    Array(Option<Vec<Reply>>),
}

impl Reply {
    /// Whether this is the status `s` (e.g. `"OK"`, `"PONG"`).
    pub fn is_ok_status(&self, s: &str) -> bool {
        matches!(self, Reply::Status(x) if x == s)
    }

    /// Bytes of a bulk or status reply.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Reply::Bulk(Some(b)) => Some(b),
            Reply::Status(s) => Some(s.as_bytes()),
            _ => None,
        }
    }

    /// A bulk/status reply as a (lossy) string.
    pub fn as_string(&self) -> Option<String> {
        self.as_bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }

    /// An integer reply.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Reply::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// Elements of an array reply.
    pub fn as_array(&self) -> Option<&[Reply]> {
        match self {
            Reply::Array(Some(a)) => Some(a),
            _ => None,
        }
    }
}

/// A blocking connection to a server.
#[derive(Debug)]
pub struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Conn {
    /// Connects to `addr` (`host:port`) with a 30 s read timeout.
    pub fn connect(addr: &str) -> io::Result<Conn> {
        let s = TcpStream::connect(addr)?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        s.set_nodelay(true)?;
        Ok(Conn {
            reader: BufReader::new(s.try_clone()?),
            writer: s,
        })
    }

    /// Sends one command and reads its reply. A server error is `Ok(Reply::Error)`; only I/O
    /// and protocol failures are `Err`.
    pub fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> io::Result<Reply> {
        self.send(args)?;
        self.read_reply()
    }

    /// Like [`cmd`](Self::cmd) but panics on an error reply or I/O failure.
    pub fn ok<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Reply {
        let r = self.cmd(args).expect("command I/O");
        if let Reply::Error(e) = &r {
            let argv: Vec<String> = args
                .iter()
                .map(|a| String::from_utf8_lossy(a.as_ref()).into_owned())
                .collect();
            panic!("{argv:?} failed: {e}");
        }
        r
    }

    /// Sends many commands in one pipeline and returns their replies.
    pub fn pipeline<A: AsRef<[u8]>>(&mut self, cmds: &[Vec<A>]) -> io::Result<Vec<Reply>> {
        let mut buf = Vec::new();
        for c in cmds {
            encode(&mut buf, c);
        }
        self.writer.write_all(&buf)?;
        (0..cmds.len()).map(|_| self.read_reply()).collect()
    }

    /// Sends a command without reading its reply.
    pub fn send<A: AsRef<[u8]>>(&mut self, args: &[A]) -> io::Result<()> {
        let mut buf = Vec::new();
        encode(&mut buf, args);
        self.writer.write_all(&buf)
    }

    /// A field of `INFO <section>` (e.g. `info_field("replication", "master_repl_offset")`).
    pub fn info_field(&mut self, section: &str, field: &str) -> Option<String> {
        let info = self.cmd(&["INFO", section]).ok()?.as_string()?;
        info.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k == field).then(|| v.trim().to_owned())
        })
    }

    /// Reads one reply.
    pub fn read_reply(&mut self) -> io::Result<Reply> {
        let line = self.read_line()?;
        let (tag, rest) = line.split_first().ok_or_else(|| bad("empty reply line"))?;
        let text = String::from_utf8_lossy(rest).into_owned();
        let num = || text.parse::<i64>().map_err(|_| bad("bad number"));
        Ok(match tag {
            b'+' => Reply::Status(text),
            b'-' => Reply::Error(text),
            b':' => Reply::Int(num()?),
            b'$' => {
                let n = num()?;
                if n < 0 {
                    Reply::Bulk(None)
                } else {
                    let mut v = vec![0u8; n as usize + 2];
                    std::io::Read::read_exact(&mut self.reader, &mut v)?;
                    v.truncate(n as usize);
                    Reply::Bulk(Some(v))
                }
            }
            b'*' => {
                let n = num()?;
                if n < 0 {
                    Reply::Array(None)
                } else {
                    let items = (0..n)
                        .map(|_| self.read_reply())
                        .collect::<io::Result<_>>()?;
                    Reply::Array(Some(items))
                }
            }
            _ => return Err(bad("unknown reply type")),
        })
    }

    fn read_line(&mut self) -> io::Result<Vec<u8>> {
        let mut line = Vec::new();
        self.reader.read_until(b'\n', &mut line)?;
        if !line.ends_with(b"\r\n") {
            return Err(bad("connection closed mid-line"));
        }
        line.truncate(line.len() - 2);
        Ok(line)
    }
}

fn encode<A: AsRef<[u8]>>(buf: &mut Vec<u8>, args: &[A]) {
    buf.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        let a = a.as_ref();
        buf.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        buf.extend_from_slice(a);
        buf.extend_from_slice(b"\r\n");
    }
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_owned())
}
