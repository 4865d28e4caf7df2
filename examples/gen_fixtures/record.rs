//! Records what the server itself answers for every key, in the `rdb-dump` JSON format.

use redis_migrate::rdb_json::json;
use test_support::{Conn, Reply, Version};

use super::dataset::ok;
use crate::args;

/// A JSON value in the `rdb-dump` conventions (byte strings via `json::write_bytes`,
/// scores via `json::write_score`).
enum J {
    Null,
    Int(i64),
    Bytes(Vec<u8>),
    Score(f64),
    Arr(Vec<J>),
    Obj(Vec<(&'static str, J)>),
}

impl J {
    fn write(&self, out: &mut Vec<u8>) {
        match self {
            J::Null => out.extend_from_slice(b"null"),
            J::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
            J::Bytes(b) => json::write_bytes(out, b).unwrap(),
            J::Score(s) => json::write_score(out, *s).unwrap(),
            J::Arr(a) => {
                out.push(b'[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    x.write(out);
                }
                out.push(b']');
            }
            J::Obj(o) => {
                out.push(b'{');
                for (i, (k, x)) in o.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(format!("\"{k}\":").as_bytes());
                    x.write(out);
                }
                out.push(b'}');
            }
        }
    }
}

fn bytes(r: &Reply) -> Vec<u8> {
    r.as_bytes()
        .unwrap_or_else(|| panic!("expected bytes, got {r:?}"))
        .to_vec()
}
fn arr(r: &Reply) -> &[Reply] {
    r.as_array()
        .unwrap_or_else(|| panic!("expected array, got {r:?}"))
}
fn int(r: &Reply) -> i64 {
    r.as_int()
        .unwrap_or_else(|| panic!("expected int, got {r:?}"))
}
fn text(r: &Reply) -> String {
    String::from_utf8(bytes(r)).unwrap()
}
/// A stream id reply as JSON (`"ms-seq"`).
fn id(r: &Reply) -> J {
    J::Bytes(bytes(r))
}
/// Looks a field up in a flat `[name, value, name, value...]` reply.
fn field<'a>(r: &'a Reply, name: &str) -> Option<&'a Reply> {
    arr(r)
        .chunks(2)
        .find(|kv| kv[0].as_bytes() == Some(name.as_bytes()))
        .map(|kv| &kv[1])
}
fn must<'a>(r: &'a Reply, name: &str) -> &'a Reply {
    field(r, name).unwrap_or_else(|| panic!("no {name} in {r:?}"))
}
fn opt_int(r: Option<&Reply>) -> J {
    match r {
        Some(Reply::Int(i)) => J::Int(*i),
        _ => J::Null,
    }
}
fn opt_id(r: Option<&Reply>) -> J {
    match r {
        Some(Reply::Bulk(Some(b))) => J::Bytes(b.clone()),
        _ => J::Null,
    }
}
fn server_ms(c: &mut Conn) -> i64 {
    let t = ok(c, args!["TIME"]);
    let t = arr(&t);
    let s: i64 = text(&t[0]).parse().unwrap();
    let us: i64 = text(&t[1]).parse().unwrap();
    s * 1000 + us / 1000
}
/// Field/value pairs from a flat array.
fn pairs(r: &[Reply]) -> J {
    J::Arr(
        r.chunks(2)
            .map(|kv| J::Arr(vec![J::Bytes(bytes(&kv[0])), J::Bytes(bytes(&kv[1]))]))
            .collect(),
    )
}

/// Every key of dbs 0..16, sorted by (db, key), one JSON line each; plus `redis-ver` and
/// `redis-bits` aux lines and (7.0) the function libraries.
pub fn record(c: &mut Conn, v: Version, variant: Option<&str>) -> Vec<u8> {
    let mut out = Vec::new();
    let ver = c.info_field("server", "redis_version").unwrap();
    let bits = c.info_field("server", "arch_bits").unwrap();
    for (k, val) in [("redis-ver", ver), ("redis-bits", bits)] {
        J::Obj(vec![
            ("aux", J::Bytes(k.into())),
            ("value", J::Bytes(val.into_bytes())),
        ])
        .write(&mut out);
        out.push(b'\n');
    }
    if v >= Version::V7_0 {
        let libs = ok(c, args!["FUNCTION", "LIST", "WITHCODE"]);
        for lib in arr(&libs) {
            J::Obj(vec![(
                "function",
                J::Bytes(bytes(must(lib, "library_code"))),
            )])
            .write(&mut out);
            out.push(b'\n');
        }
    }
    for db in 0..16i64 {
        ok(c, args!["SELECT", db]);
        let keys = scan(c);
        // OBJECT FREQ / IDLETIME first: reading values would touch the keys.
        let extra: Vec<Option<(&'static str, J)>> = keys
            .iter()
            .map(|k| match variant {
                Some("lfu") => Some(("lfu_freq", J::Int(int(&ok(c, args!["OBJECT", "FREQ", k]))))),
                Some("lru") => Some((
                    "lru_idle_s",
                    J::Int(int(&ok(c, args!["OBJECT", "IDLETIME", k]))),
                )),
                _ => None,
            })
            .collect();
        for (k, extra) in keys.iter().zip(extra) {
            let mut obj = key_line(c, v, db, k);
            if let (J::Obj(o), Some(e)) = (&mut obj, extra) {
                o.push(e);
            }
            obj.write(&mut out);
            out.push(b'\n');
        }
    }
    ok(c, args!["SELECT", "0"]);
    out
}

fn scan(c: &mut Conn) -> Vec<Vec<u8>> {
    let mut keys = Vec::new();
    let mut cursor = b"0".to_vec();
    loop {
        let r = ok(c, args!["SCAN", &cursor, "COUNT", "1000"]);
        let r = arr(&r);
        cursor = bytes(&r[0]);
        keys.extend(arr(&r[1]).iter().map(bytes));
        if cursor == b"0" {
            break;
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

fn key_line(c: &mut Conn, v: Version, db: i64, k: &[u8]) -> J {
    let ty = text(&ok(c, args!["TYPE", k]));
    let expire = if v >= Version::V7_0 {
        match int(&ok(c, args!["PEXPIRETIME", k])) {
            -1 => J::Null,
            ms => J::Int(ms),
        }
    } else {
        let now = server_ms(c);
        match int(&ok(c, args!["PTTL", k])) {
            -1 => J::Null,
            ttl => J::Int(now + ttl),
        }
    };
    let value = match ty.as_str() {
        "string" => J::Bytes(bytes(&ok(c, args!["GET", k]))),
        "list" => J::Arr(
            arr(&ok(c, args!["LRANGE", k, "0", "-1"]))
                .iter()
                .map(|r| J::Bytes(bytes(r)))
                .collect(),
        ),
        "set" => {
            let mut m: Vec<Vec<u8>> = arr(&ok(c, args!["SMEMBERS", k]))
                .iter()
                .map(bytes)
                .collect();
            m.sort();
            J::Arr(m.into_iter().map(J::Bytes).collect())
        }
        "zset" => J::Arr(
            arr(&ok(c, args!["ZRANGE", k, "0", "-1", "WITHSCORES"]))
                .chunks(2)
                .map(|p| {
                    J::Arr(vec![
                        J::Bytes(bytes(&p[0])),
                        J::Score(text(&p[1]).parse().unwrap()),
                    ])
                })
                .collect(),
        ),
        "hash" => {
            let r = ok(c, args!["HGETALL", k]);
            let mut p: Vec<(Vec<u8>, Vec<u8>)> = arr(&r)
                .chunks(2)
                .map(|kv| (bytes(&kv[0]), bytes(&kv[1])))
                .collect();
            p.sort();
            J::Arr(
                p.into_iter()
                    .map(|(f, v)| J::Arr(vec![J::Bytes(f), J::Bytes(v)]))
                    .collect(),
            )
        }
        "stream" if v >= Version::V6_2 => stream_full(c, k),
        "stream" => stream_5_0(c, k),
        other => panic!("unexpected type {other}"),
    };
    J::Obj(vec![
        ("db", J::Int(db)),
        ("key", J::Bytes(k.to_vec())),
        ("type", J::Bytes(ty.into_bytes())),
        ("expire_ms", expire),
        ("value", value),
    ])
}

/// 6.2+: everything from `XINFO STREAM key FULL COUNT 0`.
fn stream_full(c: &mut Conn, k: &[u8]) -> J {
    let r = ok(c, args!["XINFO", "STREAM", k, "FULL", "COUNT", "0"]);
    let entries = arr(must(&r, "entries"))
        .iter()
        .map(|e| J::Arr(vec![id(&arr(e)[0]), pairs(arr(&arr(e)[1]))]))
        .collect();
    let groups = arr(must(&r, "groups"))
        .iter()
        .map(|g| {
            let pel = arr(must(g, "pending"))
                .iter()
                .map(|p| {
                    let p = arr(p);
                    J::Arr(vec![
                        id(&p[0]),
                        J::Bytes(bytes(&p[1])),
                        J::Int(int(&p[2])),
                        J::Int(int(&p[3])),
                    ])
                })
                .collect();
            let consumers = arr(must(g, "consumers"))
                .iter()
                .map(|cons| {
                    J::Obj(vec![
                        ("name", J::Bytes(bytes(must(cons, "name")))),
                        ("seen_time_ms", J::Int(int(must(cons, "seen-time")))),
                        ("active_time_ms", opt_int(field(cons, "active-time"))),
                        (
                            "pel",
                            J::Arr(
                                arr(must(cons, "pending"))
                                    .iter()
                                    .map(|p| id(&arr(p)[0]))
                                    .collect(),
                            ),
                        ),
                    ])
                })
                .collect();
            J::Obj(vec![
                ("name", J::Bytes(bytes(must(g, "name")))),
                ("last_delivered_id", id(must(g, "last-delivered-id"))),
                ("entries_read", opt_int(field(g, "entries-read"))),
                ("pel", J::Arr(pel)),
                ("consumers", J::Arr(consumers)),
            ])
        })
        .collect();
    J::Obj(vec![
        ("length", J::Int(int(must(&r, "length")))),
        ("last_id", id(must(&r, "last-generated-id"))),
        ("first_id", opt_id(field(&r, "recorded-first-entry-id"))),
        ("max_deleted_id", opt_id(field(&r, "max-deleted-entry-id"))),
        ("entries_added", opt_int(field(&r, "entries-added"))),
        ("entries", J::Arr(entries)),
        ("groups", J::Arr(groups)),
    ])
}

/// 5.0 has no `XINFO STREAM FULL`: entries from XRANGE, groups from XINFO GROUPS, the PEL
/// from extended XPENDING (delivery time = server time - idle), consumers from XINFO
/// CONSUMERS (seen time = server time - idle).
fn stream_5_0(c: &mut Conn, k: &[u8]) -> J {
    let info = ok(c, args!["XINFO", "STREAM", k]);
    let entries = arr(&ok(c, args!["XRANGE", k, "-", "+"]))
        .iter()
        .map(|e| J::Arr(vec![id(&arr(e)[0]), pairs(arr(&arr(e)[1]))]))
        .collect();
    let groups_r = ok(c, args!["XINFO", "GROUPS", k]);
    let mut groups = Vec::new();
    for g in arr(&groups_r) {
        let name = bytes(must(g, "name"));
        let now = server_ms(c);
        let pel = arr(&ok(c, args!["XPENDING", k, &name, "-", "+", "1000000"]))
            .iter()
            .map(|p| {
                let p = arr(p);
                J::Arr(vec![
                    id(&p[0]),
                    J::Bytes(bytes(&p[1])),
                    J::Int(now - int(&p[2])),
                    J::Int(int(&p[3])),
                ])
            })
            .collect();
        let cons_r = ok(c, args!["XINFO", "CONSUMERS", k, &name]);
        let mut consumers = Vec::new();
        for cons in arr(&cons_r) {
            let cname = bytes(must(cons, "name"));
            let now = server_ms(c);
            let idle = int(must(cons, "idle"));
            let ids = arr(&ok(
                c,
                args!["XPENDING", k, &name, "-", "+", "1000000", &cname],
            ))
            .iter()
            .map(|p| id(&arr(p)[0]))
            .collect();
            consumers.push(J::Obj(vec![
                ("name", J::Bytes(cname)),
                ("seen_time_ms", J::Int(now - idle)),
                ("active_time_ms", J::Null),
                ("pel", J::Arr(ids)),
            ]));
        }
        groups.push(J::Obj(vec![
            ("name", J::Bytes(name)),
            ("last_delivered_id", id(must(g, "last-delivered-id"))),
            ("entries_read", J::Null),
            ("pel", J::Arr(pel)),
            ("consumers", J::Arr(consumers)),
        ]));
    }
    J::Obj(vec![
        ("length", J::Int(int(must(&info, "length")))),
        ("last_id", id(must(&info, "last-generated-id"))),
        ("first_id", J::Null),
        ("max_deleted_id", J::Null),
        ("entries_added", J::Null),
        ("entries", J::Arr(entries)),
        ("groups", J::Arr(groups)),
    ])
}
