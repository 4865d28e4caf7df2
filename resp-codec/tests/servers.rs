//! Replies of every type from live `redis-server`s (3.2, 5.0, 6.2, 7.0; RESP3 via `HELLO 3`
//! on 6.2 and 7.0) decode exactly. RESP2 replies are cross-checked against test-support's
//! independent client; every reply is read from the socket in pieces of varying size and
//! the wire lengths must add up to the bytes received.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use resp_codec::{encode_command, Decoded, Decoder, Frame, Protocol};
use test_support::{Conn, RedisServer, Reply, Version};

/// A blocking client on resp-codec: reads in pieces of pseudo-random size (1..16 KiB).
struct Client {
    sock: TcpStream,
    buf: BytesMut,
    dec: Decoder,
    rng: common::Rng,
    received: u64,
    decoded: u64,
}

impl Client {
    fn connect(server: &RedisServer) -> Client {
        let sock = TcpStream::connect(server.addr()).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        sock.set_nodelay(true).unwrap();
        Client {
            sock,
            buf: BytesMut::new(),
            dec: Decoder::new(),
            rng: common::Rng(0xDEAD_BEEF),
            received: 0,
            decoded: 0,
        }
    }

    fn send<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        let mut out = BytesMut::new();
        encode_command(&mut out, args);
        self.sock.write_all(&out).unwrap();
    }

    fn read(&mut self) -> Decoded {
        loop {
            if let Some(d) = self.dec.decode(&mut self.buf).unwrap() {
                self.decoded += d.wire_len as u64;
                assert_eq!(self.decoded + self.buf.len() as u64, self.received);
                return d;
            }
            let n = 1 + self.rng.next() as usize % 16384;
            let mut chunk = vec![0u8; n];
            let got = self.sock.read(&mut chunk).unwrap();
            assert!(got > 0, "server closed the connection");
            self.received += got as u64;
            self.buf.extend_from_slice(&chunk[..got]);
        }
    }

    fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Frame {
        self.send(args);
        self.read().frame
    }

    fn hello3(&mut self) -> Frame {
        self.send(&["HELLO", "3"]);
        self.dec.set_protocol(Protocol::Resp3);
        self.read().frame
    }
}

/// Frame → test-support's reply, for RESP2 cross-checks.
fn to_reply(f: &Frame) -> Reply {
    let text = |b: &Bytes| String::from_utf8_lossy(b).into_owned();
    match f {
        Frame::Simple(b) => Reply::Status(text(b)),
        Frame::Error(b) => Reply::Error(text(b)),
        Frame::Integer(i) => Reply::Int(*i),
        Frame::Bulk(b) => Reply::Bulk(Some(b.to_vec())),
        Frame::NullBulk => Reply::Bulk(None),
        Frame::Array(v) => Reply::Array(Some(v.iter().map(to_reply).collect())),
        Frame::NullArray => Reply::Array(None),
        other => panic!("RESP3 frame {other:?} on a RESP2 connection"),
    }
}

fn start(v: Version) -> RedisServer {
    let mut b = RedisServer::builder(v);
    if v >= Version::V7_0 {
        b = b.arg("enable-debug-command", "yes");
    }
    b.start()
}

fn bulk(s: &str) -> Frame {
    Frame::Bulk(Bytes::copy_from_slice(s.as_bytes()))
}

/// Every RESP2 reply type, decoded by resp-codec and by test-support's client: equal.
fn resp2_replies(v: Version) {
    let server = start(v);
    let mut c = Client::connect(&server);
    let mut check = server.connect();
    let mut setup = server.connect();
    setup.ok(&["RPUSH", "list", "a", "b", "c"]);
    setup.ok(&["SADD", "set", "x", "y"]);
    setup.ok(&["HSET", "hash", "f", "v"]);
    setup.ok(&["ZADD", "zset", "1.5", "m", "-2", "n"]);
    setup.ok(&["SET", "bin", "\x00\r\n\u{ff}"]);
    setup.ok(&["SET", "neg", "-9223372036854775808"]);
    setup.ok(&["SET", "pos", "9223372036854775807"]);
    let mut cmds: Vec<Vec<&str>> = vec![
        vec!["PING"],
        vec!["SET", "k", "v"],
        vec!["GET", "k"],
        vec!["GET", "missing"],
        vec!["GET", "bin"],
        vec!["STRLEN", "k"],
        vec!["INCRBY", "neg", "0"],
        vec!["INCRBY", "pos", "0"],
        vec!["NOSUCHCOMMAND", "x"],
        vec!["LRANGE", "list", "0", "-1"],
        vec!["LRANGE", "nolist", "0", "-1"],
        vec!["SMEMBERS", "set"],
        vec!["HGETALL", "hash"],
        vec!["ZRANGE", "zset", "0", "-1", "WITHSCORES"],
        vec!["ZSCORE", "zset", "m"],
        vec!["MGET", "k", "missing", "list"],
        vec!["INFO", "server"],
        vec!["CONFIG", "GET", "maxmemory*"],
        vec!["SCAN", "0", "COUNT", "100"],
    ];
    if v >= Version::V5_0 {
        setup.ok(&["XADD", "s", "1-1", "a", "1", "b", "2"]);
        setup.ok(&["XADD", "s", "2-1", "c", "3"]);
        cmds.push(vec!["XRANGE", "s", "-", "+"]);
        cmds.push(vec!["XINFO", "STREAM", "s"]);
        cmds.push(vec!["XREAD", "COUNT", "1", "STREAMS", "s", "0"]);
    }
    for args in &cmds {
        let got = c.cmd(args);
        let want = check.cmd(args).unwrap();
        if args[0] == "INFO" || args[0] == "XINFO" {
            // Uptime and similar fields can change between the two calls: compare shapes.
            assert_eq!(
                format!("{:?}", std::mem::discriminant(&to_reply(&got))),
                format!("{:?}", std::mem::discriminant(&want))
            );
        } else {
            assert_eq!(to_reply(&got), want, "{v:?} {args:?}");
        }
    }
    assert_eq!(
        c.cmd(&["GET", "bin"]),
        Frame::Bulk(Bytes::from_static(b"\x00\r\n\xc3\xbf"))
    );
    assert!(matches!(c.cmd(&["NOSUCHCOMMAND"]), Frame::Error(e) if e.starts_with(b"ERR")));
    // Null array: EXEC of a transaction whose WATCHed key changed.
    c.cmd(&["WATCH", "k"]);
    setup.ok(&["SET", "k", "changed"]);
    assert_eq!(c.cmd(&["MULTI"]), Frame::simple("OK"));
    assert_eq!(c.cmd(&["SET", "k", "mine"]), Frame::simple("QUEUED"));
    assert_eq!(c.cmd(&["EXEC"]), Frame::NullArray);
    // Nested arrays, exact values.
    if v >= Version::V5_0 {
        let f = c.cmd(&["XRANGE", "s", "-", "+"]);
        let want = Frame::Array(vec![
            Frame::Array(vec![
                bulk("1-1"),
                Frame::Array(vec![bulk("a"), bulk("1"), bulk("b"), bulk("2")]),
            ]),
            Frame::Array(vec![bulk("2-1"), Frame::Array(vec![bulk("c"), bulk("3")])]),
        ]);
        assert_eq!(f, want);
    }
    big_values(v, &mut c, &mut setup);
}

/// A 10 MB bulk and a 1M-element LRANGE, checked value by value.
fn big_values(v: Version, c: &mut Client, setup: &mut Conn) {
    let big: Vec<u8> = (0..10_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    setup.ok(&[&b"SET"[..], b"big", &big]);
    let f = c.cmd(&["GET", "big"]);
    assert!(
        matches!(&f, Frame::Bulk(b) if b[..] == big[..]),
        "{v:?}: 10 MB bulk differs"
    );

    // Fill a 1M-element list with pipelined RPUSHes of 10k elements each.
    const N: usize = 1_000_000;
    let mut out = BytesMut::new();
    let mut args: Vec<String> = Vec::with_capacity(10_002);
    for batch in 0..N / 10_000 {
        args.clear();
        args.push("RPUSH".into());
        args.push("biglist".into());
        args.extend((batch * 10_000..(batch + 1) * 10_000).map(|i| format!("v{i}")));
        encode_command(&mut out, &args);
    }
    c.sock.write_all(&out).unwrap();
    for batch in 0..N / 10_000 {
        assert_eq!(
            c.read().frame,
            Frame::Integer(((batch + 1) * 10_000) as i64)
        );
    }
    let d = {
        c.send(&["LRANGE", "biglist", "0", "-1"]);
        c.read()
    };
    let items = d.frame.as_array().unwrap();
    assert_eq!(items.len(), N);
    for (i, f) in items.iter().enumerate() {
        assert_eq!(
            f.as_bytes().map(|b| &b[..]),
            Some(format!("v{i}").as_bytes()),
            "{v:?} element {i}"
        );
    }
    assert_eq!(d.wire_len, d.frame.encoded_len());
}

#[test]
fn resp2_replies_redis_3_2() {
    resp2_replies(Version::V3_2);
}

#[test]
fn resp2_replies_redis_5_0() {
    resp2_replies(Version::V5_0);
}

#[test]
fn resp2_replies_redis_6_2() {
    resp2_replies(Version::V6_2);
}

#[test]
fn resp2_replies_redis_7_0() {
    resp2_replies(Version::V7_0);
}

fn map_get<'a>(f: &'a Frame, key: &str) -> Option<&'a Frame> {
    f.as_map()?
        .iter()
        .find(|(k, _)| k.as_bytes().map(|b| &b[..]) == Some(key.as_bytes()))
        .map(|(_, v)| v)
}

/// Every RESP3 type from a live server after `HELLO 3`.
fn resp3_replies(v: Version) {
    let server = start(v);
    let mut c = Client::connect(&server);
    let mut other = server.connect();
    // RESP3 types are refused before HELLO 3 ...
    let hello = c.hello3();
    // ... map: the HELLO reply.
    assert_eq!(map_get(&hello, "server"), Some(&bulk("redis")));
    assert_eq!(map_get(&hello, "proto"), Some(&Frame::Integer(3)));
    assert!(
        matches!(map_get(&hello, "version"), Some(Frame::Bulk(b)) if b.starts_with(v.series().as_bytes()))
    );
    other.ok(&["SADD", "set", "a", "b", "c"]);
    other.ok(&["ZADD", "z", "1.5", "m", "inf", "top"]);
    other.ok(&["HSET", "h", "f1", "1", "f2", "2"]);
    // Set.
    let Frame::Set(mut members) = c.cmd(&["SMEMBERS", "set"]) else {
        panic!("SMEMBERS not a set")
    };
    members.sort_by(|a, b| a.as_bytes().cmp(&b.as_bytes()));
    assert_eq!(members, vec![bulk("a"), bulk("b"), bulk("c")]);
    // Double, including inf.
    assert_eq!(c.cmd(&["ZSCORE", "z", "m"]), Frame::Double(1.5));
    assert_eq!(c.cmd(&["ZSCORE", "z", "top"]), Frame::Double(f64::INFINITY));
    // Null.
    assert_eq!(c.cmd(&["GET", "missing"]), Frame::Null);
    // Map from data.
    let h = c.cmd(&["HGETALL", "h"]);
    assert_eq!(map_get(&h, "f1"), Some(&bulk("1")));
    assert_eq!(map_get(&h, "f2"), Some(&bulk("2")));
    assert!(
        matches!(c.cmd(&["CONFIG", "GET", "maxmemory"]), Frame::Map(p) if p == vec![(bulk("maxmemory"), bulk("0"))])
    );
    // Boolean, big number, verbatim, attribute via DEBUG PROTOCOL.
    assert_eq!(c.cmd(&["DEBUG", "PROTOCOL", "true"]), Frame::Boolean(true));
    assert_eq!(
        c.cmd(&["DEBUG", "PROTOCOL", "false"]),
        Frame::Boolean(false)
    );
    assert_eq!(
        c.cmd(&["DEBUG", "PROTOCOL", "bignum"]),
        Frame::BigNumber(Bytes::from_static(b"1234567999999999999999999999999999999"))
    );
    assert_eq!(
        c.cmd(&["DEBUG", "PROTOCOL", "verbatim"]),
        Frame::Verbatim {
            format: *b"txt",
            text: Bytes::from_static(b"This is a verbatim\nstring")
        }
    );
    assert_eq!(
        c.cmd(&["DEBUG", "PROTOCOL", "attrib"]),
        Frame::Attribute {
            attributes: vec![(
                bulk("key-popularity"),
                Frame::Array(vec![bulk("key:123"), Frame::Integer(90)])
            )],
            data: Box::new(bulk("Some real reply following the attribute")),
        }
    );
    assert!(
        matches!(c.cmd(&["DEBUG", "PROTOCOL", "double"]), Frame::Double(d) if (d - std::f64::consts::PI).abs() < 0.01)
    );
    assert_eq!(c.cmd(&["DEBUG", "PROTOCOL", "null"]), Frame::Null);
    // INFO is a verbatim string under RESP3.
    assert!(
        matches!(c.cmd(&["INFO", "server"]), Frame::Verbatim { format, text } if &format == b"txt" && text.starts_with(b"# Server"))
    );
    // Push: DEBUG PROTOCOL push sends a push, then the reply.
    assert_eq!(
        c.cmd(&["DEBUG", "PROTOCOL", "push"]),
        Frame::Push(vec![bulk("server-cpu-usage"), Frame::Integer(42)])
    );
    assert_eq!(
        c.read().frame,
        bulk("Some real reply following the push reply")
    );
    // Push: client-side caching invalidation.
    assert_eq!(c.cmd(&["CLIENT", "TRACKING", "on"]), Frame::simple("OK"));
    other.ok(&["SET", "tracked", "1"]);
    assert_eq!(c.cmd(&["GET", "tracked"]), bulk("1"));
    other.ok(&["SET", "tracked", "2"]);
    assert_eq!(
        c.read().frame,
        Frame::Push(vec![
            bulk("invalidate"),
            Frame::Array(vec![bulk("tracked")])
        ])
    );
    // Push: pub/sub under RESP3.
    assert_eq!(
        c.cmd(&["SUBSCRIBE", "ch"]),
        Frame::Push(vec![bulk("subscribe"), bulk("ch"), Frame::Integer(1)])
    );
    assert_eq!(other.ok(&["PUBLISH", "ch", "hello"]).as_int(), Some(1));
    assert_eq!(
        c.read().frame,
        Frame::Push(vec![bulk("message"), bulk("ch"), bulk("hello")])
    );
    assert_eq!(c.received, c.decoded);
}

#[test]
fn resp3_replies_redis_6_2() {
    resp3_replies(Version::V6_2);
}

#[test]
fn resp3_replies_redis_7_0() {
    resp3_replies(Version::V7_0);
}

/// The tokio codec on a live server: pipelined commands, HELLO 3, pushes.
#[test]
fn tokio_codec_against_redis_7_0() {
    use futures::{SinkExt, StreamExt};
    use resp_codec::codec::RespCodec;
    let server = start(Version::V7_0);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let sock = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        let mut conn = tokio_util::codec::Framed::new(sock, RespCodec::new());
        for i in 0..1000 {
            let (k, v) = (format!("key:{i}"), format!("value-{i}"));
            conn.feed(&[&b"SET"[..], k.as_bytes(), v.as_bytes()][..])
                .await
                .unwrap();
        }
        SinkExt::<Frame>::flush(&mut conn).await.unwrap();
        for _ in 0..1000 {
            assert_eq!(conn.next().await.unwrap().unwrap(), Frame::simple("OK"));
        }
        conn.send(&["MGET", "key:0", "key:999", "nokey"][..])
            .await
            .unwrap();
        assert_eq!(
            conn.next().await.unwrap().unwrap(),
            Frame::Array(vec![bulk("value-0"), bulk("value-999"), Frame::NullBulk])
        );
        conn.send(&["HELLO", "3"][..]).await.unwrap();
        conn.codec_mut().set_protocol(Protocol::Resp3);
        assert!(matches!(conn.next().await.unwrap().unwrap(), Frame::Map(_)));
        conn.send(&["GET", "nokey"][..]).await.unwrap();
        assert_eq!(conn.next().await.unwrap().unwrap(), Frame::Null);
    });
}
