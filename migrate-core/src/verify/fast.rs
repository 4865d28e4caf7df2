//! The same-version fast path: when both servers run the same Redis version, equal values
//! serialize to equal `DUMP` payloads, so one bulk per key and side proves equality.
//!
//! Per batch and side: `PTTL` + `MEMORY USAGE key SAMPLES 1` (a size estimate that keeps
//! big values out of `DUMP`), then `DUMP` of the keys that fit the per-key and per-batch
//! budgets. Keys whose payloads match are equal in type and value (their TTLs are compared
//! from the `PTTL`s). Everything else — payloads that differ (encodings can legitimately
//! differ, e.g. a hash grown past its listpack limit and shrunk again), keys too big,
//! missing keys, `MEMORY`/`DUMP` refused by the server — goes the structural way, which
//! names the difference.

use bytes::Bytes;

use super::report::Category;
use super::value::{int, ttl_difference, KeyType};
use super::worker::{both, ok, Found, Origin, Worker};
use crate::client::ClientError;

impl Worker {
    /// Compares `keys` of source db `sdb` with target db `tdb`; differences go to `out`.
    pub(crate) async fn forward(
        &mut self,
        sdb: u32,
        tdb: u32,
        keys: &[Bytes],
        out: &mut Vec<Found>,
    ) -> Result<(), ClientError> {
        if keys.is_empty() {
            return Ok(());
        }
        if let Some(t) = &self.s.throttle {
            t.acquire(keys.len() as u64).await;
        }
        if !self.s.dump_fast_path {
            return self.structural(sdb, tdb, keys, out).await;
        }
        let rest = self.by_dump(sdb, tdb, keys, out).await?;
        self.structural(sdb, tdb, &rest, out).await
    }

    /// The fast path; returns the keys it could not settle.
    async fn by_dump(
        &mut self,
        sdb: u32,
        tdb: u32,
        keys: &[Bytes],
        out: &mut Vec<Found>,
    ) -> Result<Vec<Bytes>, ClientError> {
        let s_sel = self.src.queue_select(sdb);
        let t_sel = self.tgt.queue_select(tdb);
        for k in keys {
            for c in [&mut self.src, &mut self.tgt] {
                c.queue(&[&b"PTTL"[..], k]);
                c.queue(&[&b"MEMORY"[..], b"USAGE", k, b"SAMPLES", b"1"]);
            }
        }
        let (a, b) = both(&mut self.src, s_sel, &mut self.tgt, t_sel).await?;
        let mut ttls = Vec::with_capacity(keys.len());
        let mut dumped = Vec::with_capacity(keys.len());
        let mut budget = self.s.dump_batch_bytes;
        for (i, k) in keys.iter().enumerate() {
            let sp = int(&self.src, "PTTL", ok(&self.src, "PTTL", k, &a[2 * i])?)?;
            let tp = int(&self.tgt, "PTTL", ok(&self.tgt, "PTTL", k, &b[2 * i])?)?;
            // An error reply (MEMORY renamed or denied on a managed service) just sends the
            // key the structural way, like a missing key (nil).
            let su = a[2 * i + 1].as_integer();
            let tu = b[2 * i + 1].as_integer();
            let size = match (su, tu) {
                (Some(x), Some(y)) => u64::try_from(x.max(y)).ok(),
                _ => None, // missing on a side: the structural pass says how.
            };
            let dump = size.is_some_and(|n| n <= self.s.dump_max_bytes && n <= budget);
            if dump {
                budget -= size.unwrap_or(0);
                self.src.queue(&[&b"DUMP"[..], k]);
                self.tgt.queue(&[&b"DUMP"[..], k]);
            }
            ttls.push((sp, tp));
            dumped.push(dump);
        }
        let (a, b) = both(&mut self.src, false, &mut self.tgt, false).await?;
        let mut rest = Vec::new();
        // Payloads that differ still tell both types (their first byte) and the PTTLs are
        // known: those keys skip the structural TYPE/PTTL pass.
        let (mut known, mut known_meta) = (Vec::new(), Vec::new());
        let mut pos = 0;
        for (i, k) in keys.iter().enumerate() {
            if !dumped[i] {
                rest.push(k.clone());
                continue;
            }
            // Error replies (DUMP denied) fall through to the structural comparison.
            let (x, y) = (&a[pos], &b[pos]);
            pos += 1;
            match (x.as_bytes(), y.as_bytes()) {
                (Some(p), Some(q)) if p == q => {
                    let (sp, tp) = ttls[i];
                    if let Some(d) = ttl_difference(sp, tp, self.s.ttl_tolerance_ms) {
                        out.push(Found {
                            source_db: sdb,
                            target_db: tdb,
                            key: k.clone(),
                            category: Category::Ttl,
                            detail: d,
                            origin: Origin::Forward,
                            source_dbs: Vec::new(),
                        });
                    }
                }
                (Some(p), Some(q)) => match (KeyType::from_dump(p), KeyType::from_dump(q)) {
                    (Some(st), Some(tt)) => {
                        known.push(k.clone());
                        known_meta.push((st, ttls[i].0, tt, ttls[i].1));
                    }
                    _ => rest.push(k.clone()),
                },
                _ => rest.push(k.clone()),
            }
        }
        self.judge(sdb, tdb, &known, &known_meta, out).await?;
        Ok(rest)
    }
}
