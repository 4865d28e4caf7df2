//! Helpers for the real-server tests of the writer: DUMP / RESTORE wrappers, readers for
//! the outer structure of a value body, and reply decoding.
#![allow(dead_code, clippy::unwrap_used)]

use rdb_parser::encoding::StreamId;
use rdb_parser::write::*;
use rdb_parser::{dump_payload_parts, verify_dump_payload};
use test_support::{Conn, RedisServer, Reply, Version};

pub const D: StrOpts = StrOpts {
    int_encode: true,
    lzf: Lzf::Auto,
};

pub fn body(f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut v = Vec::new();
    f(&mut v);
    v
}

pub fn blob(b: &[u8]) -> Vec<u8> {
    body(|v| put_blob_value(v, D, b))
}

pub fn rdb_version(v: Version) -> u16 {
    match v {
        Version::V3_2 => 7,
        Version::V5_0 | Version::V6_2 => 9,
        Version::V7_0 => 10,
    }
}

pub fn server(v: Version) -> RedisServer {
    let b = RedisServer::builder(v);
    if v >= Version::V6_2 {
        b.arg("sanitize-dump-payload", "yes").start()
    } else {
        b.start()
    }
}

pub fn dump(c: &mut Conn, key: &str) -> (u8, Vec<u8>) {
    let r = c.ok(&["DUMP", key]);
    let p = r.as_bytes().unwrap().to_vec();
    let d = verify_dump_payload(&p).unwrap();
    (d.rdb_type, d.body.to_vec())
}

pub fn restore(c: &mut Conn, v: Version, key: &str, rdb_type: u8, body: &[u8]) {
    let payload = dump_payload_parts(rdb_type, body, rdb_version(v));
    let r = c.cmd(&[
        b"RESTORE".as_slice(),
        key.as_bytes(),
        b"0",
        &payload,
        b"REPLACE",
    ]);
    match r.unwrap() {
        Reply::Status(s) if s == "OK" => {}
        other => panic!("{} RESTORE {key} (type {rdb_type}): {other:?}", v.series()),
    }
}

pub fn bulks(r: &Reply) -> Vec<Vec<u8>> {
    r.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_bytes().unwrap().to_vec())
        .collect()
}

pub fn lrange(c: &mut Conn, k: &str) -> Vec<Vec<u8>> {
    bulks(&c.ok(&["LRANGE", k, "0", "-1"]))
}

pub fn smembers(c: &mut Conn, k: &str) -> Vec<Vec<u8>> {
    let mut v = bulks(&c.ok(&["SMEMBERS", k]));
    v.sort();
    v
}

pub fn hgetall(c: &mut Conn, k: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    let v = bulks(&c.ok(&["HGETALL", k]));
    let mut p: Vec<_> = v.chunks(2).map(|x| (x[0].clone(), x[1].clone())).collect();
    p.sort();
    p
}

pub fn score_of(text: &[u8]) -> f64 {
    let t = std::str::from_utf8(text).unwrap();
    match t {
        "inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        _ => t.parse().unwrap(),
    }
}

pub fn zrange(c: &mut Conn, k: &str) -> Vec<(Vec<u8>, u64)> {
    let v = bulks(&c.ok(&["ZRANGE", k, "0", "-1", "WITHSCORES"]));
    let mut p: Vec<_> = v
        .chunks(2)
        .map(|x| (x[0].clone(), score_of(&x[1]).to_bits()))
        .collect();
    p.sort();
    p
}

pub fn owned(items: &[&[u8]]) -> Vec<Vec<u8>> {
    items.iter().map(|x| x.to_vec()).collect()
}

pub fn sorted(items: &[&[u8]]) -> Vec<Vec<u8>> {
    let mut v = owned(items);
    v.sort();
    v
}

pub fn id(ms: u64, seq: u64) -> StreamId {
    StreamId { ms, seq }
}

/// A value body with every LZF-compressed string (blob, quicklist node, stream node key
/// and listpack) replaced by its raw form. Redis's LZF output is not a function of the
/// input alone (liblzf leaves its hash table uninitialized) and ours uses another hash,
/// so bodies are compared in this form; everything else stays byte for byte.
pub fn canon((t, b): (u8, Vec<u8>)) -> (u8, Vec<u8>) {
    let mut p = 0;
    let mut out = Vec::new();
    let strings = |out: &mut Vec<u8>, p: &mut usize, n: u64, container: bool| {
        for _ in 0..n {
            if container {
                put_len(out, rd_len(&b, p));
            }
            put_raw_string(out, &rd_str(&b, p));
        }
    };
    match t {
        14 | 15 | 18 | 19 | 21 => {
            let n = rd_len(&b, &mut p);
            put_len(&mut out, n);
            match t {
                14 => strings(&mut out, &mut p, n, false),
                18 => strings(&mut out, &mut p, n, true),
                _ => strings(&mut out, &mut p, 2 * n, false),
            }
        }
        _ => strings(&mut out, &mut p, 1, false),
    }
    out.extend_from_slice(&b[p..]);
    (t, out)
}

/// Minimal readers for the outer structure of a DUMP body: a length.
pub fn rd_len(b: &[u8], p: &mut usize) -> u64 {
    let c = b[*p];
    *p += 1;
    match c >> 6 {
        0 => u64::from(c & 0x3F),
        1 => {
            *p += 1;
            (u64::from(c & 0x3F) << 8) | u64::from(b[*p - 1])
        }
        _ => {
            assert_eq!(c, 0x80, "test reader handles 32-bit lengths only");
            *p += 4;
            u64::from(u32::from_be_bytes(b[*p - 4..*p].try_into().unwrap()))
        }
    }
}

/// A string (raw or LZF-compressed).
pub fn rd_str(b: &[u8], p: &mut usize) -> Vec<u8> {
    if b[*p] == 0xC3 {
        *p += 1;
        let clen = rd_len(b, p) as usize;
        let ulen = rd_len(b, p) as usize;
        *p += clen;
        lzf::decompress(&b[*p - clen..*p], ulen).unwrap()
    } else {
        let n = rd_len(b, p) as usize;
        *p += n;
        b[*p - n..*p].to_vec()
    }
}
