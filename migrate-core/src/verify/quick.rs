//! Quick mode: per-db key and expiry counts on both sides.

use std::collections::BTreeMap;

use bytes::Bytes;

use super::report::{Category, DbCounts, Difference};
use super::scope::Scope;
use super::value::{int, scan_reply};
use super::worker::round_trip;
use crate::client::{Client, ClientError, KeyspaceDb};

/// The caveat every quick report carries.
pub(crate) const EXPIRY_CAVEAT: &str = "quick mode compares counts only: INFO keyspace counts \
keys that have expired but were not yet evicted, so a key that expired on one side only (or \
is evicted lazily on one side) shows as a count difference without any data being lost; run \
full mode to name the keys";

/// Per-db counts of one side: from `INFO keyspace`, or with a key filter by a `SCAN`
/// that counts matching keys and (via `PTTL`) those with an expiry.
async fn counts(
    c: &mut Client,
    dbs: &[u32],
    scope: &Scope,
    scan_count: usize,
) -> Result<BTreeMap<u32, KeyspaceDb>, ClientError> {
    let ks = c.keyspace().await?;
    let mut out = BTreeMap::new();
    for &db in dbs {
        let info = ks
            .iter()
            .find(|k| k.db == db)
            .copied()
            .unwrap_or(KeyspaceDb {
                db,
                ..Default::default()
            });
        if !scope.has_filter() || info.keys == 0 {
            out.insert(db, info);
            continue;
        }
        c.select(db).await?;
        let mut n = KeyspaceDb {
            db,
            ..Default::default()
        };
        let mut cursor = Bytes::from_static(b"0");
        let count = scan_count.to_string();
        loop {
            let f = c
                .cmd(&[&b"SCAN"[..], &cursor, b"COUNT", count.as_bytes()])
                .await?;
            let (next, keys) = scan_reply(c, "SCAN", &f)?;
            let keys: Vec<Bytes> = keys.into_iter().filter(|k| scope.key_included(k)).collect();
            for k in &keys {
                c.queue(&[&b"PTTL"[..], k]);
            }
            for f in round_trip(c).await? {
                let t = int(c, "PTTL", &f)?;
                if t != -2 {
                    n.keys += 1;
                }
                if t >= 0 {
                    n.expires += 1;
                }
            }
            if &next[..] == b"0" {
                break;
            }
            cursor = next;
        }
        out.insert(db, n);
    }
    Ok(out)
}

/// One quick comparison: the db rows and the differences (keys left empty).
pub(crate) async fn quick_round(
    src: &mut Client,
    tgt: &mut Client,
    scope: &Scope,
    scan_count: usize,
) -> Result<(Vec<DbCounts>, Vec<(Difference, u64)>), ClientError> {
    let s_ks: Vec<u32> = src.keyspace().await?.iter().map(|k| k.db).collect();
    let t_ks: Vec<u32> = tgt.keyspace().await?.iter().map(|k| k.db).collect();
    let sdbs = scope.source_dbs(&s_ks);
    let tdbs = scope.target_dbs(&t_ks, &sdbs);
    let all_sources: Vec<u32> = {
        let mut v: Vec<u32> = tdbs.iter().flat_map(|t| scope.source_dbs_for(*t)).collect();
        v.extend_from_slice(&sdbs);
        v.sort_unstable();
        v.dedup();
        v
    };
    let sc = counts(src, &all_sources, scope, scan_count).await?;
    let tc = counts(tgt, &tdbs, scope, scan_count).await?;
    let mut rows = Vec::new();
    let mut diffs = Vec::new();
    for &t in &tdbs {
        let from = scope.source_dbs_for(t);
        let (mut sk, mut se) = (0, 0);
        for s in &from {
            if let Some(c) = sc.get(s) {
                sk += c.keys;
                se += c.expires;
            }
        }
        let tk = tc.get(&t).map_or(0, |c| c.keys);
        let te = tc.get(&t).map_or(0, |c| c.expires);
        let source_db = from.first().copied().unwrap_or(t);
        rows.push(DbCounts {
            source_db,
            target_db: t,
            source_keys: sk,
            target_keys: tk,
            source_expires: se,
            target_expires: te,
        });
        let dbs = if from.len() > 1 {
            format!("source dbs {from:?} -> target db {t}")
        } else {
            format!("source db {source_db} -> target db {t}")
        };
        let mk = |category, detail: String| Difference {
            source_db,
            target_db: t,
            key: Bytes::new(),
            category,
            detail,
        };
        if sk > tk {
            diffs.push((
                mk(
                    Category::MissingOnTarget,
                    format!("{dbs}: {sk} keys on source, {tk} on target"),
                ),
                sk - tk,
            ));
        } else if tk > sk {
            diffs.push((
                mk(
                    Category::ExtraOnTarget,
                    format!("{dbs}: {sk} keys on source, {tk} on target"),
                ),
                tk - sk,
            ));
        }
        if se != te {
            diffs.push((
                mk(
                    Category::Ttl,
                    format!("{dbs}: {se} keys with expiry on source, {te} on target"),
                ),
                se.abs_diff(te),
            ));
        }
    }
    Ok((rows, diffs))
}
