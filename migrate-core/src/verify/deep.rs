//! Key-by-key comparison of values too big for the batched first fetch, in bounded chunks:
//! memory stays at one chunk per side whatever the value's size.

use bytes::Bytes;

use super::compare::{compare_list, compare_zset, first_byte_diff};
use super::value::{self, bulk_list, bytes, int, scan_reply};
use super::worker::{round_trip, Deep, Worker};
use crate::client::{Client, ClientError};

/// One command on each side at once; error replies become `Err`.
pub(crate) async fn pair<A: AsRef<[u8]>>(
    w: &mut Worker,
    args: &[A],
) -> Result<(resp_codec::Frame, resp_codec::Frame), ClientError> {
    let (a, b) = tokio::try_join!(w.src.cmd(args), w.tgt.cmd(args))?;
    Ok((a, b))
}

impl Worker {
    /// Continues a key's comparison; `Some(detail)` when it differs.
    pub(crate) async fn deep(
        &mut self,
        key: &Bytes,
        d: Deep,
    ) -> Result<Option<String>, ClientError> {
        match d {
            Deep::String { from, len } => self.deep_string(key, from, len).await,
            Deep::List { from, len } => self.deep_range(key, false, from, len).await,
            Deep::ZSet { from, len } => self.deep_range(key, true, from, len).await,
            Deep::Set => self.deep_set(key).await,
            Deep::Hash => self.deep_hash(key).await,
            Deep::Stream => self.compare_stream(key).await,
            Deep::Other => self.deep_dump(key).await,
        }
    }

    async fn deep_string(
        &mut self,
        key: &Bytes,
        mut from: u64,
        len: u64,
    ) -> Result<Option<String>, ClientError> {
        let step = self.s.bytes_chunk.max(1) as u64;
        while from < len {
            let end = (from + step - 1).to_string();
            let start = from.to_string();
            let (a, b) = pair(
                self,
                &[&b"GETRANGE"[..], key, start.as_bytes(), end.as_bytes()],
            )
            .await?;
            let (x, y) = (
                bytes(&self.src, "GETRANGE", &a)?,
                bytes(&self.tgt, "GETRANGE", &b)?,
            );
            if let Some(d) = first_byte_diff(x, y) {
                return Ok(Some(format!("string differs at byte {}", from + d as u64)));
            }
            if x.is_empty() {
                // Shrunk while we read: the next round re-checks it.
                return Ok(Some(format!(
                    "string shorter than {len} bytes on both sides now (changed during the check)"
                )));
            }
            from += x.len() as u64;
        }
        Ok(None)
    }

    async fn deep_range(
        &mut self,
        key: &Bytes,
        zset: bool,
        mut from: u64,
        len: u64,
    ) -> Result<Option<String>, ClientError> {
        let step = self.s.elems_chunk.max(1) as u64;
        let cmd = if zset { "ZRANGE" } else { "LRANGE" };
        while from < len {
            let start = from.to_string();
            let end = (from + step - 1).to_string();
            let mut args: Vec<&[u8]> = vec![cmd.as_bytes(), key, start.as_bytes(), end.as_bytes()];
            if zset {
                args.push(b"WITHSCORES");
            }
            let (a, b) = pair(self, &args).await?;
            let (x, y) = (
                bulk_list(&self.src, cmd, &a)?,
                bulk_list(&self.tgt, cmd, &b)?,
            );
            let d = if zset {
                compare_zset(from, &x, &y)
            } else {
                compare_list(from, &x, &y)
            };
            if d.is_some() {
                return Ok(d);
            }
            if x.is_empty() {
                break;
            }
            from += if zset {
                x.len() as u64 / 2
            } else {
                x.len() as u64
            };
        }
        Ok(None)
    }

    /// Every source member is on the target (sizes were equal, so the sets are equal).
    async fn deep_set(&mut self, key: &Bytes) -> Result<Option<String>, ClientError> {
        let count = self.s.elems_chunk.max(1).to_string();
        let mut cursor = Bytes::from_static(b"0");
        loop {
            let f = self
                .src
                .cmd(&[&b"SSCAN"[..], key, &cursor, b"COUNT", count.as_bytes()])
                .await?;
            let (next, members) = scan_reply(&self.src, "SSCAN", &f)?;
            let missing = if self.s.target_version.at_least(6, 2) {
                self.missing_members_mis(key, &members).await?
            } else {
                self.missing_members_each(key, &members).await?
            };
            if let Some(m) = missing {
                return Ok(Some(format!(
                    "set member {} missing on target",
                    value::show(m)
                )));
            }
            if &next[..] == b"0" {
                return Ok(None);
            }
            cursor = next;
        }
    }

    /// The first of `members` not in the target set (one `SMISMEMBER`, Redis 6.2+).
    async fn missing_members_mis<'m>(
        &mut self,
        key: &Bytes,
        members: &'m [Bytes],
    ) -> Result<Option<&'m Bytes>, ClientError> {
        if members.is_empty() {
            return Ok(None);
        }
        let mut args: Vec<&[u8]> = Vec::with_capacity(members.len() + 2);
        args.push(b"SMISMEMBER");
        args.push(key);
        args.extend(members.iter().map(|m| &m[..]));
        let r = self.tgt.cmd(&args).await?;
        let flags = value::array(&self.tgt, "SMISMEMBER", &r)?;
        for (m, f) in members.iter().zip(flags) {
            if int(&self.tgt, "SMISMEMBER", f)? == 0 {
                return Ok(Some(m));
            }
        }
        Ok(None)
    }

    /// The first of `members` not in the target set (pipelined `SISMEMBER`s).
    async fn missing_members_each<'m>(
        &mut self,
        key: &Bytes,
        members: &'m [Bytes],
    ) -> Result<Option<&'m Bytes>, ClientError> {
        for m in members {
            self.tgt.queue(&[&b"SISMEMBER"[..], key, m]);
        }
        let r = round_trip(&mut self.tgt).await?;
        for (m, f) in members.iter().zip(&r) {
            if f.is_error() {
                return Err(server_err(&self.tgt, "SISMEMBER", key, f));
            }
            if int(&self.tgt, "SISMEMBER", f)? == 0 {
                return Ok(Some(m));
            }
        }
        Ok(None)
    }

    /// Every source field has the same value on the target (sizes were equal).
    async fn deep_hash(&mut self, key: &Bytes) -> Result<Option<String>, ClientError> {
        let count = self.s.elems_chunk.max(1).to_string();
        let mut cursor = Bytes::from_static(b"0");
        loop {
            let f = self
                .src
                .cmd(&[&b"HSCAN"[..], key, &cursor, b"COUNT", count.as_bytes()])
                .await?;
            let (next, flat) = scan_reply(&self.src, "HSCAN", &f)?;
            let pairs: Vec<(&Bytes, &Bytes)> =
                flat.chunks_exact(2).map(|c| (&c[0], &c[1])).collect();
            if !pairs.is_empty() {
                let mut args: Vec<&[u8]> = Vec::with_capacity(pairs.len() + 2);
                args.push(b"HMGET");
                args.push(key);
                args.extend(pairs.iter().map(|(f, _)| &f[..]));
                let r = self.tgt.cmd(&args).await?;
                let vals = value::array(&self.tgt, "HMGET", &r)?;
                for ((field, v), t) in pairs.iter().zip(vals) {
                    match t.as_bytes() {
                        None => {
                            return Ok(Some(format!(
                                "hash field {} missing on target",
                                value::show(field)
                            )))
                        }
                        Some(t) if t != *v => {
                            return Ok(Some(format!(
                                "hash field {} is {} on source, {} on target",
                                value::show(field),
                                value::show(v),
                                value::show(t)
                            )))
                        }
                        _ => {}
                    }
                }
            }
            if &next[..] == b"0" {
                return Ok(None);
            }
            cursor = next;
        }
    }

    /// Module types: DUMP payloads must match (only meaningful between equal versions).
    async fn deep_dump(&mut self, key: &Bytes) -> Result<Option<String>, ClientError> {
        let (a, b) = pair(self, &[&b"DUMP"[..], key]).await?;
        Ok((a != b).then(|| "DUMP payloads differ (module type compared by serialization)".into()))
    }
}

pub(crate) fn server_err(c: &Client, cmd: &str, key: &[u8], f: &resp_codec::Frame) -> ClientError {
    c.server_error(
        &[cmd.as_bytes(), key],
        f.error_message().map_or(&b""[..], |m| &m[..]),
    )
}
