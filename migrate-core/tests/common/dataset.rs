//! A reusable dataset with every type, TTLs, dbs 0/1/15 and binary keys, written with
//! plain commands so that any two servers filled with it hold equal data (whatever their
//! versions and encodings). Streams exist only on 5.0+.
//!
//! Used by the verification tests and meant for the migration tests: fill a source, migrate,
//! then `Verifier` the pair.
#![allow(dead_code)]

use test_support::{Conn, Reply, Version};

/// The absolute expiry (ms since the epoch, 2100-01-01) of every key with a TTL: fixed, so
/// that two servers filled at different moments hold the same expiries, and far enough
/// that nothing expires during a test.
pub const EXPIRE_AT_MS: u64 = 4_102_444_800_000;

/// Keys the tests inject differences into (all in db 0 unless named otherwise).
pub mod keys {
    /// A plain string.
    pub const STRING: &str = "str:plain";
    /// A string bigger than the verifier's first fetch (compared in GETRANGE chunks).
    pub const BIG_STRING: &str = "str:big";
    /// A list of 300 elements (compared in LRANGE chunks past the first 128).
    pub const LIST: &str = "list:big";
    /// A small list.
    pub const SMALL_LIST: &str = "list:small";
    /// A zset with 15+ significant digit scores.
    pub const ZSET: &str = "zset:precise";
    /// A big hashtable-encoded set (SSCAN + membership path).
    pub const BIG_SET: &str = "set:big";
    /// A hash.
    pub const HASH: &str = "hash:small";
    /// A stream with groups `g1` (with PEL and consumers) and `g2`.
    pub const STREAM: &str = "stream:orders";
    /// A key with a TTL.
    pub const WITH_TTL: &str = "ttl:key";
    /// An HLL.
    pub const HLL: &str = "hll:visitors";
    /// A binary key.
    pub const BINARY: &[u8] = b"bin:\x00\xff\r\n\x80key";
}

fn ok(c: &mut Conn, args: &[&[u8]]) -> Reply {
    let r = c.cmd(args).expect("command I/O");
    if let Reply::Error(e) = &r {
        let argv: Vec<String> = args
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        panic!("{argv:?} failed: {e}");
    }
    r
}

fn pipe(c: &mut Conn, cmds: Vec<Vec<Vec<u8>>>) {
    for chunk in cmds.chunks(500) {
        for (r, cmd) in c.pipeline(chunk).expect("pipeline I/O").iter().zip(chunk) {
            if let Reply::Error(e) = r {
                panic!("{:?} failed: {e}", String::from_utf8_lossy(&cmd[0]));
            }
        }
    }
}

fn v(args: &[&[u8]]) -> Vec<Vec<u8>> {
    args.iter().map(|a| a.to_vec()).collect()
}

/// Fills `c` (any version) with the dataset. Deterministic: two calls give equal data.
pub fn fill(c: &mut Conn, version: Version) {
    for db in [0u32, 1, 15] {
        ok(c, &[b"SELECT", db.to_string().as_bytes()]);
        fill_db(c, db, version);
    }
    ok(c, &[b"SELECT", b"0"]);
}

fn fill_db(c: &mut Conn, db: u32, version: Version) {
    let mut cmds: Vec<Vec<Vec<u8>>> = Vec::new();
    let ttl = EXPIRE_AT_MS.to_string();
    // Strings: ints, short, long, with TTLs, empty.
    for i in 0..60 {
        let k = format!("str:{db}:{i}");
        let val = match i % 4 {
            0 => i.to_string(),
            1 => format!("short-{i}"),
            2 => "x".repeat(100 + i),
            _ => String::new(),
        };
        cmds.push(v(&[b"SET", k.as_bytes(), val.as_bytes()]));
        if i % 5 == 0 {
            cmds.push(v(&[b"PEXPIREAT", k.as_bytes(), ttl.as_bytes()]));
        }
    }
    // Small collections of every type.
    for i in 0..20 {
        let l = format!("list:{db}:{i}");
        let s = format!("set:{db}:{i}");
        let h = format!("hash:{db}:{i}");
        let z = format!("zset:{db}:{i}");
        let mut rpush = v(&[b"RPUSH", l.as_bytes()]);
        let mut sadd = v(&[b"SADD", s.as_bytes()]);
        let mut hmset = v(&[b"HMSET", h.as_bytes()]);
        let mut zadd = v(&[b"ZADD", z.as_bytes()]);
        for j in 0..(5 + i) {
            rpush.push(format!("e{j}").into_bytes());
            sadd.push(
                if i % 2 == 0 {
                    j.to_string()
                } else {
                    format!("m{j}")
                }
                .into_bytes(),
            );
            hmset.push(format!("f{j}").into_bytes());
            hmset.push(format!("v{j}-{i}").into_bytes());
            zadd.push(format!("{}", j as f64 * 1.5 - 3.0).into_bytes());
            zadd.push(format!("zm{j}").into_bytes());
        }
        cmds.extend([rpush, sadd, hmset, zadd]);
        if i % 3 == 0 {
            cmds.push(v(&[b"PEXPIREAT", l.as_bytes(), ttl.as_bytes()]));
            cmds.push(v(&[b"PEXPIREAT", h.as_bytes(), ttl.as_bytes()]));
        }
    }
    // Geo (a zset) and a bitmap (a string).
    cmds.push(v(&[
        b"GEOADD",
        b"geo:places",
        b"13.361389",
        b"38.115556",
        b"Palermo",
        b"15.087269",
        b"37.502669",
        b"Catania",
    ]));
    cmds.push(v(&[b"SETBIT", b"bitmap:flags", b"1000", b"1"]));
    cmds.push(v(&[b"SETBIT", b"bitmap:flags", b"7", b"1"]));
    pipe(c, cmds);
    if db != 0 {
        return;
    }
    let mut cmds: Vec<Vec<Vec<u8>>> = Vec::new();
    cmds.push(v(&[b"SET", keys::STRING.as_bytes(), b"hello"]));
    let big: String = (0..12_000)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    cmds.push(v(&[b"SET", keys::BIG_STRING.as_bytes(), big.as_bytes()]));
    let mut l = v(&[b"RPUSH", keys::LIST.as_bytes()]);
    for j in 0..300 {
        l.push(format!("item-{j}").into_bytes());
    }
    cmds.push(l);
    cmds.push(v(&[
        b"RPUSH",
        keys::SMALL_LIST.as_bytes(),
        b"a",
        b"b",
        b"c",
    ]));
    cmds.push(v(&[
        b"ZADD",
        keys::ZSET.as_bytes(),
        b"1.2345678901234567",
        b"a",
        b"-0.000123456789012345",
        b"b",
        b"98765432109876.5",
        b"c",
        b"inf",
        b"d",
        b"-inf",
        b"e",
    ]));
    let mut s = v(&[b"SADD", keys::BIG_SET.as_bytes()]);
    for j in 0..1500 {
        s.push(format!("member-{j}").into_bytes());
    }
    cmds.push(s);
    cmds.push(v(&[
        b"HMSET",
        keys::HASH.as_bytes(),
        b"name",
        b"ada",
        b"lang",
        b"en",
        b"n",
        b"42",
    ]));
    cmds.push(v(&[b"SET", keys::WITH_TTL.as_bytes(), b"expiring"]));
    cmds.push(v(&[
        b"PEXPIREAT",
        keys::WITH_TTL.as_bytes(),
        ttl.as_bytes(),
    ]));
    cmds.push(v(&[b"PFADD", keys::HLL.as_bytes(), b"a", b"b", b"c", b"d"]));
    cmds.push(v(&[b"SET", keys::BINARY, b"\x00\x01\xfe\xffbinary value"]));
    cmds.push(v(&[b"RPUSH", b"\xff\xfe-list", b"\x00", b"\xff"]));
    pipe(c, cmds);
    if version >= Version::V5_0 {
        fill_stream(c);
    }
}

/// A stream with entries, a deleted entry, group `g1` (two consumers, a PEL with an acked
/// entry) and group `g2` (no pending entries).
fn fill_stream(c: &mut Conn) {
    let s = keys::STREAM.as_bytes();
    for i in 1..=12 {
        let id = format!("1700000000000-{i}");
        let item = format!("item-{i}");
        ok(
            c,
            &[
                b"XADD",
                s,
                id.as_bytes(),
                b"item",
                item.as_bytes(),
                b"qty",
                i.to_string().as_bytes(),
            ],
        );
    }
    ok(c, &[b"XDEL", s, b"1700000000000-12"]);
    ok(c, &[b"XGROUP", b"CREATE", s, b"g1", b"0"]);
    ok(c, &[b"XGROUP", b"CREATE", s, b"g2", b"$"]);
    ok(
        c,
        &[
            b"XREADGROUP",
            b"GROUP",
            b"g1",
            b"alice",
            b"COUNT",
            b"3",
            b"STREAMS",
            s,
            b">",
        ],
    );
    ok(
        c,
        &[
            b"XREADGROUP",
            b"GROUP",
            b"g1",
            b"bob",
            b"COUNT",
            b"2",
            b"STREAMS",
            s,
            b">",
        ],
    );
    ok(c, &[b"XACK", s, b"g1", b"1700000000000-2"]);
}

/// A PEL entry of group `g1` that is still pending after [`fill`] (owned by alice).
pub const PENDING_ID: &str = "1700000000000-3";
