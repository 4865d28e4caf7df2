//! Stream comparison: length, metadata (last id; on 7.0+ entries-added and max deleted id),
//! entries in chunks, consumer groups (last-delivered id, entries-read), each group's PEL
//! (entry, owner, delivery count) in chunks, and consumers.
//!
//! Idle times and delivery timestamps are not compared: they move with the clock.

use bytes::Bytes;
use resp_codec::Frame;

use super::deep::pair;
use super::value::{self, array, bytes, int, next_stream_id};
use super::worker::Worker;
use crate::client::{Client, ClientError};

/// The value of `name` in a flat `[name, value, ...]` reply.
fn field<'a>(a: &'a [Frame], name: &str) -> Option<&'a Frame> {
    a.chunks_exact(2)
        .find(|kv| kv[0].as_bytes().is_some_and(|k| &k[..] == name.as_bytes()))
        .map(|kv| &kv[1])
}

/// A stream id `ms-seq` as a sortable pair (junk sorts last).
fn id_order(id: &str) -> (u64, u64) {
    id.split_once('-')
        .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
        .unwrap_or((u64::MAX, u64::MAX))
}

/// A scalar frame as text (nulls as `nil`).
fn text(f: &Frame) -> String {
    match f {
        Frame::Integer(i) => i.to_string(),
        f if f.is_null() => "nil".into(),
        f => f.as_bytes().map_or_else(
            || f.kind().to_owned(),
            |b| String::from_utf8_lossy(b).into_owned(),
        ),
    }
}

/// Compares a named field present on both sides; `None` when either side lacks it.
fn differs(a: &[Frame], b: &[Frame], name: &str) -> Option<(String, String)> {
    let (x, y) = (field(a, name)?, field(b, name)?);
    let (x, y) = (text(x), text(y));
    (x != y).then_some((x, y))
}

/// `(name, fields)` of each group or consumer, sorted by name.
fn named(c: &Client, cmd: &str, f: &Frame) -> Result<Vec<(Bytes, Vec<Frame>)>, ClientError> {
    let mut v = Vec::new();
    for g in array(c, cmd, f)? {
        let fields = array(c, cmd, g)?.to_vec();
        let name = field(&fields, "name")
            .and_then(|n| n.as_bytes())
            .cloned()
            .unwrap_or_default();
        v.push((name, fields));
    }
    v.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(v)
}

impl Worker {
    /// Compares the stream at `key`; `Some(detail)` at the first difference.
    pub(crate) async fn compare_stream(
        &mut self,
        key: &Bytes,
    ) -> Result<Option<String>, ClientError> {
        let (a, b) = pair(self, &[&b"XLEN"[..], key]).await?;
        let (sl, tl) = (int(&self.src, "XLEN", &a)?, int(&self.tgt, "XLEN", &b)?);
        if sl != tl {
            return Ok(Some(format!(
                "stream length {sl} on source, {tl} on target"
            )));
        }
        let (a, b) = pair(self, &[&b"XINFO"[..], b"STREAM", key]).await?;
        let (x, y) = (
            array(&self.src, "XINFO STREAM", &a)?,
            array(&self.tgt, "XINFO STREAM", &b)?,
        );
        for name in ["last-generated-id", "max-deleted-entry-id", "entries-added"] {
            if let Some((p, q)) = differs(x, y, name) {
                return Ok(Some(format!("stream {name} {p} on source, {q} on target")));
            }
        }
        if let Some(d) = self.stream_entries(key).await? {
            return Ok(Some(d));
        }
        self.stream_groups(key).await
    }

    async fn stream_entries(&mut self, key: &Bytes) -> Result<Option<String>, ClientError> {
        let count = self.s.elems_chunk.max(1).to_string();
        let mut start = "-".to_owned();
        loop {
            let args: [&[u8]; 6] = [
                b"XRANGE",
                key,
                start.as_bytes(),
                b"+",
                b"COUNT",
                count.as_bytes(),
            ];
            let (a, b) = pair(self, &args).await?;
            let (x, y) = (
                array(&self.src, "XRANGE", &a)?,
                array(&self.tgt, "XRANGE", &b)?,
            );
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                if p != q {
                    let id = |c: &Client, f: &Frame| -> Result<String, ClientError> {
                        Ok(text(array(c, "XRANGE", f)?.first().unwrap_or(&Frame::Null)))
                    };
                    let (pi, qi) = (id(&self.src, p)?, id(&self.tgt, q)?);
                    return Ok(Some(if pi == qi {
                        format!("stream entry {pi} has different fields")
                    } else {
                        format!("stream entry {} is {pi} on source, {qi} on target", i)
                    }));
                }
            }
            if x.len() != y.len() {
                return Ok(Some(
                    "stream entries differ in number (changed during the check)".into(),
                ));
            }
            let Some(last) = x.last() else {
                return Ok(None);
            };
            let last_id = array(&self.src, "XRANGE", last)?
                .first()
                .cloned()
                .unwrap_or(Frame::Null);
            let last_id = bytes(&self.src, "XRANGE", &last_id)?;
            match next_stream_id(last_id) {
                Some(n) => start = n,
                None => return Ok(None),
            }
        }
    }

    async fn stream_groups(&mut self, key: &Bytes) -> Result<Option<String>, ClientError> {
        let (a, b) = pair(self, &[&b"XINFO"[..], b"GROUPS", key]).await?;
        let (gs, gt) = (
            named(&self.src, "XINFO GROUPS", &a)?,
            named(&self.tgt, "XINFO GROUPS", &b)?,
        );
        for (name, _) in &gs {
            if !gt.iter().any(|(n, _)| n == name) {
                return Ok(Some(format!(
                    "stream group {} missing on target",
                    value::show(name)
                )));
            }
        }
        for (name, _) in &gt {
            if !gs.iter().any(|(n, _)| n == name) {
                return Ok(Some(format!(
                    "stream group {} only on target",
                    value::show(name)
                )));
            }
        }
        for ((name, x), (_, y)) in gs.iter().zip(&gt) {
            for f in ["last-delivered-id", "entries-read"] {
                if let Some((p, q)) = differs(x, y, f) {
                    return Ok(Some(format!(
                        "stream group {} {f} {p} on source, {q} on target",
                        value::show(name)
                    )));
                }
            }
            if let Some(d) = self.stream_pel(key, name).await? {
                return Ok(Some(d));
            }
            if let Some(d) = self.stream_consumers(key, name).await? {
                return Ok(Some(d));
            }
        }
        Ok(None)
    }

    /// The group's pending entries list, in id order, in chunks.
    async fn stream_pel(
        &mut self,
        key: &Bytes,
        group: &Bytes,
    ) -> Result<Option<String>, ClientError> {
        let count = self.s.elems_chunk.max(1).to_string();
        let g = value::show(group);
        let mut start = "-".to_owned();
        loop {
            let args: [&[u8]; 6] = [
                b"XPENDING",
                key,
                group,
                start.as_bytes(),
                b"+",
                count.as_bytes(),
            ];
            let (a, b) = pair(self, &args).await?;
            let (x, y) = (
                array(&self.src, "XPENDING", &a)?,
                array(&self.tgt, "XPENDING", &b)?,
            );
            let row = |c: &Client, f: &Frame| -> Result<(String, String, String), ClientError> {
                let r = array(c, "XPENDING", f)?;
                match r {
                    [id, owner, _idle, n] => Ok((text(id), text(owner), text(n))),
                    _ => Err(c.unexpected("XPENDING", "[id, consumer, idle, deliveries]", f)),
                }
            };
            let n = x.len().max(y.len());
            for i in 0..n {
                match (x.get(i), y.get(i)) {
                    (Some(p), Some(q)) => {
                        let (p, q) = (row(&self.src, p)?, row(&self.tgt, q)?);
                        if p.0 != q.0 {
                            let (first, side) = if id_order(&p.0) < id_order(&q.0) {
                                (&p.0, "missing on target")
                            } else {
                                (&q.0, "only on target")
                            };
                            return Ok(Some(format!("stream group {g} PEL entry {first} {side}")));
                        }
                        if p.1 != q.1 {
                            return Ok(Some(format!(
                                "stream group {g} PEL entry {} owned by '{}' on source, '{}' on target",
                                p.0, p.1, q.1
                            )));
                        }
                        if p.2 != q.2 {
                            return Ok(Some(format!(
                                "stream group {g} PEL entry {} delivered {} times on source, {} on target",
                                p.0, p.2, q.2
                            )));
                        }
                    }
                    (Some(p), None) => {
                        let p = row(&self.src, p)?;
                        return Ok(Some(format!(
                            "stream group {g} PEL entry {} missing on target",
                            p.0
                        )));
                    }
                    (None, Some(q)) => {
                        let q = row(&self.tgt, q)?;
                        return Ok(Some(format!(
                            "stream group {g} PEL entry {} only on target",
                            q.0
                        )));
                    }
                    (None, None) => {}
                }
            }
            let Some(last) = x.last() else {
                return Ok(None);
            };
            let last = row(&self.src, last)?.0;
            match next_stream_id(last.as_bytes()) {
                Some(nx) => start = nx,
                None => return Ok(None),
            }
        }
    }

    async fn stream_consumers(
        &mut self,
        key: &Bytes,
        group: &Bytes,
    ) -> Result<Option<String>, ClientError> {
        let (a, b) = pair(self, &[&b"XINFO"[..], b"CONSUMERS", key, group]).await?;
        let (cs, ct) = (
            named(&self.src, "XINFO CONSUMERS", &a)?,
            named(&self.tgt, "XINFO CONSUMERS", &b)?,
        );
        let g = value::show(group);
        for (name, x) in &cs {
            match ct.iter().find(|(n, _)| n == name) {
                None => {
                    return Ok(Some(format!(
                        "stream group {g} consumer {} missing on target",
                        value::show(name)
                    )))
                }
                Some((_, y)) => {
                    if let Some((p, q)) = differs(x, y, "pending") {
                        return Ok(Some(format!(
                            "stream group {g} consumer {} has {p} pending on source, {q} on target",
                            value::show(name)
                        )));
                    }
                }
            }
        }
        for (name, _) in &ct {
            if !cs.iter().any(|(n, _)| n == name) {
                return Ok(Some(format!(
                    "stream group {g} consumer {} only on target",
                    value::show(name)
                )));
            }
        }
        Ok(None)
    }
}
