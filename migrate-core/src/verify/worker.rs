//! One worker: a source and a target connection comparing batches of keys.
//!
//! A batch costs two pipelined round trips per side, both sides in parallel:
//! 1. `TYPE` + `PTTL` of every key;
//! 2. for keys whose types match, a length and a first bounded fetch
//!    (`STRLEN`+`GETRANGE`, `LLEN`+`LRANGE`, `SCARD`+`SSCAN`, `HLEN`+`HSCAN`,
//!    `ZCARD`+`ZRANGE WITHSCORES`).
//!
//! Values that do not fit the first fetch, streams and module types continue key by key in
//! bounded chunks ([`super::deep`], [`super::stream`]).

use std::sync::Arc;

use bytes::Bytes;
use resp_codec::Frame;

use super::compare::{compare_hash, compare_list, compare_set, compare_zset, first_byte_diff};
use super::report::Category;
use super::throttle::Throttle;
use super::value::{self, bytes, int, scan_reply, ttl_difference, KeyType};
use crate::client::{Client, ClientError, ServerVersion};

/// Settings every worker shares.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub ttl_tolerance_ms: i64,
    /// Elements per fetch (LRANGE/ZRANGE/SSCAN/HSCAN/XRANGE/XPENDING).
    pub elems_chunk: usize,
    /// Bytes per GETRANGE when a string is compared in pieces.
    pub bytes_chunk: usize,
    /// Bytes of a string fetched in the batched first pass.
    pub first_bytes: usize,
    /// Elements fetched per key in the batched first pass.
    pub first_elems: usize,
    pub target_version: ServerVersion,
    pub throttle: Option<Arc<Throttle>>,
    /// Both servers run the same version (4.0+): compare `DUMP` payloads first.
    pub dump_fast_path: bool,
    /// Largest `MEMORY USAGE` estimate of a key compared by `DUMP`.
    pub dump_max_bytes: u64,
    /// `DUMP` bytes (estimated) per batch and side; further keys go the structural way.
    pub dump_batch_bytes: u64,
}

/// Which pass found a difference (decides how it is re-checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Found comparing a source key with the target.
    Forward,
    /// Found looking up a target key on the source.
    Reverse,
}

/// A difference found by a worker.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub source_db: u32,
    pub target_db: u32,
    pub key: Bytes,
    pub category: Category,
    pub detail: String,
    pub origin: Origin,
    /// For reverse finds: the source dbs the key was looked up in.
    pub source_dbs: Vec<u32>,
}

/// What a first fetch concluded.
pub(crate) enum First {
    Equal,
    Differs(String),
    /// Compare the rest in chunks.
    Deep(Deep),
}

/// Where a key's comparison continues.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Deep {
    /// String bytes from `from` up to `len`.
    String { from: u64, len: u64 },
    /// List elements from index `from` up to `len`.
    List { from: u64, len: u64 },
    /// Zset elements (by rank) from `from` up to `len`.
    ZSet { from: u64, len: u64 },
    /// Set: every source member must be on the target (sizes already equal).
    Set,
    /// Hash: every source field with the same value on the target (sizes already equal).
    Hash,
    /// Streams: entries, metadata, groups, PEL, consumers.
    Stream,
    /// Module types: DUMP payloads.
    Other,
}

/// A worker's two connections.
#[derive(Debug)]
pub(crate) struct Worker {
    pub src: Client,
    pub tgt: Client,
    pub s: Arc<Settings>,
}

/// Flushes and reads every reply in flight.
pub(crate) async fn round_trip(c: &mut Client) -> Result<Vec<Frame>, ClientError> {
    c.flush().await?;
    let mut v = Vec::with_capacity(c.in_flight());
    while c.in_flight() > 0 {
        v.push(c.recv().await?);
    }
    Ok(v)
}

/// Round trip on both connections at once; the first reply is skipped on each side when a
/// `SELECT` was queued first (its error becomes `Err`).
pub(crate) async fn both(
    src: &mut Client,
    s_sel: bool,
    tgt: &mut Client,
    t_sel: bool,
) -> Result<(Vec<Frame>, Vec<Frame>), ClientError> {
    let (mut a, mut b) = tokio::try_join!(round_trip(src), round_trip(tgt))?;
    strip_select(src, s_sel, &mut a)?;
    strip_select(tgt, t_sel, &mut b)?;
    Ok((a, b))
}

fn strip_select(c: &Client, sel: bool, v: &mut Vec<Frame>) -> Result<(), ClientError> {
    if sel && !v.is_empty() {
        let f = v.remove(0);
        if let Some(m) = f.error_message() {
            return Err(c.server_error(&["SELECT", &c.db().to_string()], m));
        }
    }
    Ok(())
}

/// An error reply in a batch becomes `Err` naming the command and key.
pub(crate) fn ok<'f>(
    c: &Client,
    cmd: &str,
    key: &[u8],
    f: &'f Frame,
) -> Result<&'f Frame, ClientError> {
    match f.error_message() {
        Some(m) => Err(c.server_error(&[cmd.as_bytes(), key], m)),
        None => Ok(f),
    }
}

impl Worker {
    /// Compares `keys` of source db `sdb` with target db `tdb` structurally (type, TTL,
    /// value by value); differences go to `out`.
    pub(crate) async fn structural(
        &mut self,
        sdb: u32,
        tdb: u32,
        keys: &[Bytes],
        out: &mut Vec<Found>,
    ) -> Result<(), ClientError> {
        if keys.is_empty() {
            return Ok(());
        }
        // Pass 1: TYPE + PTTL.
        let s_sel = self.src.queue_select(sdb);
        let t_sel = self.tgt.queue_select(tdb);
        for k in keys {
            self.src.queue(&[&b"TYPE"[..], k]);
            self.src.queue(&[&b"PTTL"[..], k]);
            self.tgt.queue(&[&b"TYPE"[..], k]);
            self.tgt.queue(&[&b"PTTL"[..], k]);
        }
        let (a, b) = both(&mut self.src, s_sel, &mut self.tgt, t_sel).await?;
        let mut meta = Vec::with_capacity(keys.len());
        for (i, k) in keys.iter().enumerate() {
            let st = self.key_type(true, k, &a[2 * i])?;
            let sp = int(&self.src, "PTTL", ok(&self.src, "PTTL", k, &a[2 * i + 1])?)?;
            let tt = self.key_type(false, k, &b[2 * i])?;
            let tp = int(&self.tgt, "PTTL", ok(&self.tgt, "PTTL", k, &b[2 * i + 1])?)?;
            meta.push((st, sp, tt, tp));
        }
        self.judge(sdb, tdb, keys, &meta, out).await
    }

    /// Pass 2 and beyond for keys whose types and TTLs (`(source type, source PTTL,
    /// target type, target PTTL)` per key) are known.
    pub(crate) async fn judge(
        &mut self,
        sdb: u32,
        tdb: u32,
        keys: &[Bytes],
        meta: &[(KeyType, i64, KeyType, i64)],
        out: &mut Vec<Found>,
    ) -> Result<(), ClientError> {
        if keys.is_empty() {
            return Ok(());
        }
        let found = |category, key: &Bytes, detail: String| Found {
            source_db: sdb,
            target_db: tdb,
            key: key.clone(),
            category,
            detail,
            origin: Origin::Forward,
            source_dbs: Vec::new(),
        };
        // Pass 2: first fetch of every key whose types match.
        let n = self.s.first_elems.max(1);
        let last = (n - 1).to_string();
        let count = n.to_string();
        let blast = (self.s.first_bytes.max(1) - 1).to_string();
        let mut fetched = Vec::with_capacity(keys.len());
        for (k, (st, _, tt, _)) in keys.iter().zip(meta) {
            let q = st == tt && queue_first(&mut self.src, st, k, &last, &count, &blast);
            if q {
                queue_first(&mut self.tgt, tt, k, &last, &count, &blast);
            }
            fetched.push(q);
        }
        let (a, b) = both(&mut self.src, false, &mut self.tgt, false).await?;
        let mut pos = 0;
        let mut deep = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            let (st, sp, tt, tp) = &meta[i];
            match (st, tt) {
                (KeyType::None, KeyType::None) => continue,
                (KeyType::None, _) => {
                    out.push(found(
                        Category::ExtraOnTarget,
                        k,
                        "key exists on the target only (gone from the source since the scan)"
                            .into(),
                    ));
                    continue;
                }
                (_, KeyType::None) => {
                    out.push(found(
                        Category::MissingOnTarget,
                        k,
                        "key missing on target".into(),
                    ));
                    continue;
                }
                (s, t) if s != t => {
                    let d = format!("type {} on source, {} on target", s.name(), t.name());
                    out.push(found(Category::Type, k, d));
                    continue;
                }
                _ => {}
            }
            if let Some(d) = ttl_difference(*sp, *tp, self.s.ttl_tolerance_ms) {
                out.push(found(Category::Ttl, k, d));
            }
            let first = if fetched[i] {
                let r = self.compare_first(st, k, &a[pos..pos + 2], &b[pos..pos + 2]);
                pos += 2;
                r?
            } else {
                First::Deep(match st {
                    KeyType::Stream => Deep::Stream,
                    _ => Deep::Other,
                })
            };
            match first {
                First::Equal => {}
                First::Differs(d) => out.push(found(Category::Value, k, d)),
                First::Deep(d) => deep.push((k, d)),
            }
        }
        for (k, d) in deep {
            if let Some(detail) = self.deep(k, d).await? {
                out.push(found(Category::Value, k, detail));
            }
        }
        Ok(())
    }

    /// Looks up target keys (of target db `tdb`) in the source dbs `sdbs`; keys found in
    /// none are extra. With `confirm`, a key must also still exist on the target.
    pub(crate) async fn reverse(
        &mut self,
        tdb: u32,
        sdbs: &[u32],
        keys: &[Bytes],
        confirm: bool,
        out: &mut Vec<Found>,
    ) -> Result<(), ClientError> {
        if keys.is_empty() {
            return Ok(());
        }
        if let Some(t) = &self.s.throttle {
            t.acquire(keys.len() as u64).await;
        }
        if !confirm && self.all_on_source(sdbs, keys).await? {
            return Ok(());
        }
        let mut present = vec![false; keys.len()];
        let mut sels = Vec::new();
        for &sdb in sdbs {
            sels.push(self.src.queue_select(sdb));
            for k in keys {
                self.src.queue(&[&b"EXISTS"[..], k]);
            }
        }
        let t_sel = confirm && self.tgt.queue_select(tdb);
        if confirm {
            for k in keys {
                self.tgt.queue(&[&b"EXISTS"[..], k]);
            }
        }
        let (a, b) = tokio::try_join!(round_trip(&mut self.src), round_trip(&mut self.tgt))?;
        let mut pos = 0;
        for (j, sel) in sels.iter().enumerate() {
            if *sel {
                let f = &a[pos];
                if let Some(m) = f.error_message() {
                    return Err(self.src.server_error(&["SELECT", &sdbs[j].to_string()], m));
                }
                pos += 1;
            }
            for (i, k) in keys.iter().enumerate() {
                if int(&self.src, "EXISTS", ok(&self.src, "EXISTS", k, &a[pos])?)? > 0 {
                    present[i] = true;
                }
                pos += 1;
            }
        }
        let mut tpos = usize::from(t_sel);
        if t_sel {
            if let Some(m) = b[0].error_message() {
                return Err(self.tgt.server_error(&["SELECT", &tdb.to_string()], m));
            }
        }
        for (i, k) in keys.iter().enumerate() {
            let on_target = if confirm {
                let f = ok(&self.tgt, "EXISTS", k, &b[tpos])?;
                tpos += 1;
                int(&self.tgt, "EXISTS", f)? > 0
            } else {
                true
            };
            if !present[i] && on_target {
                out.push(Found {
                    source_db: sdbs.first().copied().unwrap_or(tdb),
                    target_db: tdb,
                    key: k.clone(),
                    category: Category::ExtraOnTarget,
                    detail: if sdbs.is_empty() {
                        format!("key on the target in db {tdb}, which no source db maps to")
                    } else {
                        "key exists on the target only".into()
                    },
                    origin: Origin::Reverse,
                    source_dbs: sdbs.to_vec(),
                });
            }
        }
        Ok(())
    }

    /// One multi-key `EXISTS` per source db: whether every key exists in one of them (the
    /// common case, settled in a single command instead of one per key).
    async fn all_on_source(&mut self, sdbs: &[u32], keys: &[Bytes]) -> Result<bool, ClientError> {
        for &sdb in sdbs {
            let sel = self.src.queue_select(sdb);
            let mut args: Vec<&[u8]> = Vec::with_capacity(keys.len() + 1);
            args.push(b"EXISTS");
            args.extend(keys.iter().map(|k| &k[..]));
            self.src.queue(&args);
            let mut r = round_trip(&mut self.src).await?;
            strip_select(&self.src, sel, &mut r)?;
            let n = match r.first() {
                Some(f) => int(&self.src, "EXISTS", ok(&self.src, "EXISTS", &keys[0], f)?)?,
                None => {
                    return Err(ClientError::UnexpectedReply {
                        addr: self.src.addr().to_owned(),
                        command: "EXISTS".into(),
                        expected: "a reply",
                        got: "nothing".into(),
                    })
                }
            };
            if n == keys.len() as i64 {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn key_type(&self, source: bool, key: &[u8], f: &Frame) -> Result<KeyType, ClientError> {
        let c = if source { &self.src } else { &self.tgt };
        let f = ok(c, "TYPE", key, f)?;
        KeyType::from_reply(f).ok_or_else(|| c.unexpected("TYPE", "status", f))
    }

    /// Judges the first fetch (`[length, data]` per side).
    fn compare_first(
        &self,
        t: &KeyType,
        key: &[u8],
        a: &[Frame],
        b: &[Frame],
    ) -> Result<First, ClientError> {
        let (src, tgt) = (&self.src, &self.tgt);
        let cmds = first_cmds(t);
        let sl = int(src, cmds.0, ok(src, cmds.0, key, &a[0])?)?;
        let tl = int(tgt, cmds.0, ok(tgt, cmds.0, key, &b[0])?)?;
        let (sd, td) = (ok(src, cmds.1, key, &a[1])?, ok(tgt, cmds.1, key, &b[1])?);
        let n = self.s.first_elems.max(1) as i64;
        Ok(match t {
            KeyType::String => {
                if sl != tl {
                    return Ok(First::Differs(format!(
                        "string length {sl} on source, {tl} on target"
                    )));
                }
                let (x, y) = (bytes(src, "GETRANGE", sd)?, bytes(tgt, "GETRANGE", td)?);
                if let Some(d) = first_byte_diff(x, y) {
                    First::Differs(format!("string differs at byte {d}"))
                } else if (x.len() as i64) < sl {
                    First::Deep(Deep::String {
                        from: x.len() as u64,
                        len: sl as u64,
                    })
                } else {
                    First::Equal
                }
            }
            KeyType::List | KeyType::ZSet => {
                let what = if *t == KeyType::List { "list" } else { "zset" };
                if sl != tl {
                    return Ok(First::Differs(format!(
                        "{what} length {sl} on source, {tl} on target"
                    )));
                }
                let cmd = cmds.1;
                let (x, y) = (
                    value::bulk_list(src, cmd, sd)?,
                    value::bulk_list(tgt, cmd, td)?,
                );
                let d = if *t == KeyType::List {
                    compare_list(0, &x, &y)
                } else {
                    compare_zset(0, &x, &y)
                };
                match d {
                    Some(d) => First::Differs(d),
                    None if sl > n => First::Deep(if *t == KeyType::List {
                        Deep::List {
                            from: n as u64,
                            len: sl as u64,
                        }
                    } else {
                        Deep::ZSet {
                            from: n as u64,
                            len: sl as u64,
                        }
                    }),
                    None => First::Equal,
                }
            }
            KeyType::Set | KeyType::Hash => {
                let cmd = cmds.1;
                let (sc, x) = scan_reply(src, cmd, sd)?;
                let (tc, y) = scan_reply(tgt, cmd, td)?;
                let complete = &sc[..] == b"0" && &tc[..] == b"0";
                let what = if *t == KeyType::Set { "set" } else { "hash" };
                if complete {
                    let d = if *t == KeyType::Set {
                        compare_set(x, y)
                    } else {
                        compare_hash(x, y)
                    };
                    match d {
                        Some(d) => First::Differs(d),
                        None => First::Equal,
                    }
                } else if sl != tl {
                    First::Differs(format!("{what} size {sl} on source, {tl} on target"))
                } else {
                    First::Deep(if *t == KeyType::Set {
                        Deep::Set
                    } else {
                        Deep::Hash
                    })
                }
            }
            KeyType::Stream => First::Deep(Deep::Stream),
            _ => First::Deep(Deep::Other),
        })
    }
}

/// `(length command, fetch command)` of the first pass.
fn first_cmds(t: &KeyType) -> (&'static str, &'static str) {
    match t {
        KeyType::String => ("STRLEN", "GETRANGE"),
        KeyType::List => ("LLEN", "LRANGE"),
        KeyType::Set => ("SCARD", "SSCAN"),
        KeyType::Hash => ("HLEN", "HSCAN"),
        KeyType::ZSet => ("ZCARD", "ZRANGE"),
        _ => ("", ""),
    }
}

/// Queues the first fetch of a key; `false` when its type has none (streams, modules).
fn queue_first(
    c: &mut Client,
    t: &KeyType,
    k: &[u8],
    last: &str,
    count: &str,
    blast: &str,
) -> bool {
    let l = last.as_bytes();
    match t {
        KeyType::String => {
            c.queue(&[&b"STRLEN"[..], k]);
            c.queue(&[&b"GETRANGE"[..], k, b"0", blast.as_bytes()]);
        }
        KeyType::List => {
            c.queue(&[&b"LLEN"[..], k]);
            c.queue(&[&b"LRANGE"[..], k, b"0", l]);
        }
        KeyType::Set => {
            c.queue(&[&b"SCARD"[..], k]);
            c.queue(&[&b"SSCAN"[..], k, b"0", b"COUNT", count.as_bytes()]);
        }
        KeyType::Hash => {
            c.queue(&[&b"HLEN"[..], k]);
            c.queue(&[&b"HSCAN"[..], k, b"0", b"COUNT", count.as_bytes()]);
        }
        KeyType::ZSet => {
            c.queue(&[&b"ZCARD"[..], k]);
            c.queue(&[&b"ZRANGE"[..], k, b"0", l, b"WITHSCORES"]);
        }
        _ => return false,
    }
    true
}
