//! Full mode: scanners feed batches of keys to worker connection pairs through a bounded
//! queue; differences are collected, re-checked in later rounds, and reported.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::report::{Category, Counts, Difference, Report};
use super::throttle::Throttle;
use super::value::scan_reply;
use super::worker::{Found, Origin, Settings, Worker};
use super::{Verifier, VerifyError};
use crate::client::{Client, ClientError, ServerVersion};

/// A unit of work for a worker.
#[derive(Debug)]
enum Job {
    Forward {
        sdb: u32,
        tdb: u32,
        keys: Vec<Bytes>,
    },
    Reverse {
        tdb: u32,
        sdbs: Arc<[u32]>,
        keys: Vec<Bytes>,
        confirm: bool,
    },
}

/// What a round found: up to `keep` differences plus counts of all.
#[derive(Debug, Default)]
struct Collected {
    kept: Vec<Found>,
    keep: usize,
    /// Counts of everything found (including what was not kept).
    all: Counts,
    overflow: Counts,
}

impl Collected {
    fn add(&mut self, f: Found) {
        self.all.add(f.category, 1);
        if self.kept.len() < self.keep {
            self.kept.push(f);
        } else {
            self.overflow.add(f.category, 1);
        }
    }

    /// Sorted and deduplicated (SCAN may return a key twice).
    fn finish(&mut self) {
        self.kept.sort_by(|a, b| {
            (a.target_db, &a.key, a.category, a.source_db).cmp(&(
                b.target_db,
                &b.key,
                b.category,
                b.source_db,
            ))
        });
        self.kept.dedup_by(|a, b| {
            a.target_db == b.target_db && a.key == b.key && a.category == b.category
        });
    }
}

pub(super) async fn run(
    v: &Verifier,
    mut src: Client,
    mut tgt: Client,
    sv: ServerVersion,
    tv: ServerVersion,
    report: &mut Report,
) -> Result<(), VerifyError> {
    let b = &v.b;
    let settings = Arc::new(Settings {
        ttl_tolerance_ms: i64::try_from(b.ttl_tolerance.as_millis()).unwrap_or(i64::MAX),
        elems_chunk: b.elems_chunk,
        first_elems: b.first_elems,
        bytes_chunk: b.bytes_chunk,
        first_bytes: 4096,
        target_version: tv,
        throttle: b.rate.map(|r| Arc::new(Throttle::new(r))),
        dump_fast_path: b.dump_fast_path && sv == tv && sv.at_least(4, 0),
        dump_max_bytes: b.dump_max_bytes,
        dump_batch_bytes: (8 << 20).max(b.dump_max_bytes),
    });
    if settings.dump_fast_path {
        report.notes.push(format!(
            "same version on both sides ({sv}): values compared by DUMP payload first, \
             structurally when payloads differ"
        ));
    }
    let s_ks: Vec<u32> = src.keyspace().await?.iter().map(|k| k.db).collect();
    let t_ks: Vec<u32> = tgt.keyspace().await?.iter().map(|k| k.db).collect();
    let sdbs = b.scope.source_dbs(&s_ks);
    let tdbs = b.scope.target_dbs(&t_ks, &sdbs);
    let keys_checked = Arc::new(AtomicU64::new(0));
    let target_scanned = Arc::new(AtomicU64::new(0));

    // Round 1: everything.
    let keep = if b.rounds > 1 {
        b.max_recheck.max(b.max_reported)
    } else {
        b.max_reported
    };
    let mut collected = {
        let (kc, ts) = (keys_checked.clone(), target_scanned.clone());
        let scope = b.scope.clone();
        let count = b.scan_count;
        round(v, &settings, keep, move |tx| async move {
            let fwd = scan_forward(&mut src, &scope, &sdbs, count, &tx, &kc);
            let rev = scan_reverse(&mut tgt, &scope, &tdbs, count, &tx, &ts);
            tokio::try_join!(fwd, rev)?;
            Ok(())
        })
        .await?
    };
    let mut rounds = 1;
    let mut unrechecked = Counts::default();
    while rounds < b.rounds && !collected.kept.is_empty() {
        rounds += 1;
        tokio::time::sleep(b.round_delay).await;
        for c in Category::ALL {
            unrechecked.add(c, collected.overflow.get(c));
        }
        let last = rounds == b.rounds;
        let keep = if last {
            b.max_reported
        } else {
            b.max_recheck.max(b.max_reported)
        };
        let jobs = recheck_jobs(std::mem::take(&mut collected.kept), b.scan_count);
        collected = round(v, &settings, keep, move |tx| async move {
            for j in jobs {
                if tx.send(j).await.is_err() {
                    break;
                }
            }
            Ok(())
        })
        .await?;
    }
    collected.finish();
    report.rounds = rounds;
    report.keys_checked = keys_checked.load(Ordering::Relaxed);
    report.target_keys_scanned = target_scanned.load(Ordering::Relaxed);
    let exact = collected.overflow.total() == 0;
    for c in Category::ALL {
        let n = if exact {
            collected.kept.iter().filter(|f| f.category == c).count() as u64
        } else {
            collected.all.get(c)
        };
        report.counts.add(c, n + unrechecked.get(c));
    }
    if unrechecked.total() > 0 {
        report.notes.push(format!(
            "{} differences beyond max_recheck were counted without being re-checked",
            unrechecked.total()
        ));
    }
    let listed = collected.kept.len().min(b.max_reported);
    report.unreported = report.counts.total() - listed as u64;
    report.differences = collected
        .kept
        .into_iter()
        .take(listed)
        .map(|f| Difference {
            source_db: f.source_db,
            target_db: f.target_db,
            key: f.key,
            category: f.category,
            detail: f.detail,
        })
        .collect();
    Ok(())
}

/// Runs one round: `produce` sends jobs; `connections` workers consume them.
async fn round<P, Fut>(
    v: &Verifier,
    settings: &Arc<Settings>,
    keep: usize,
    produce: P,
) -> Result<Collected, VerifyError>
where
    P: FnOnce(mpsc::Sender<Job>) -> Fut,
    Fut: std::future::Future<Output = Result<(), ClientError>>,
{
    let n = v.b.connections;
    let (tx, rx) = mpsc::channel::<Job>(n * 2);
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let collected = Arc::new(Mutex::new(Collected {
        keep,
        ..Default::default()
    }));
    let mut set = JoinSet::new();
    for _ in 0..n {
        let (rx, collected, settings) = (rx.clone(), collected.clone(), settings.clone());
        let (so, to) = (v.source.clone(), v.target.clone());
        set.spawn(async move {
            let mut w = Worker {
                src: Client::connect(&so).await?,
                tgt: Client::connect(&to).await?,
                s: settings,
            };
            let mut out = Vec::new();
            loop {
                let job = rx.lock().await.recv().await;
                let Some(job) = job else {
                    return Ok::<(), ClientError>(());
                };
                match job {
                    Job::Forward { sdb, tdb, keys } => w.forward(sdb, tdb, &keys, &mut out).await?,
                    Job::Reverse {
                        tdb,
                        sdbs,
                        keys,
                        confirm,
                    } => w.reverse(tdb, &sdbs, &keys, confirm, &mut out).await?,
                }
                if !out.is_empty() {
                    let mut c = collected.lock().unwrap_or_else(|e| e.into_inner());
                    for f in out.drain(..) {
                        c.add(f);
                    }
                }
            }
        });
    }
    let produced = produce(tx).await;
    let mut first_err: Option<VerifyError> = produced.err().map(VerifyError::from);
    while let Some(r) = set.join_next().await {
        let e = match r {
            Ok(Ok(())) => continue,
            Ok(Err(e)) => VerifyError::from(e),
            Err(e) => VerifyError::Worker(e.to_string()),
        };
        if first_err.is_none() {
            first_err = Some(e);
            set.abort_all();
        }
    }
    if let Some(e) = first_err {
        return Err(e);
    }
    let c = std::mem::take(&mut *collected.lock().unwrap_or_else(|e| e.into_inner()));
    Ok(c)
}

/// SCANs the in-scope source dbs and queues forward jobs.
async fn scan_forward(
    c: &mut Client,
    scope: &super::Scope,
    sdbs: &[u32],
    count: usize,
    tx: &mpsc::Sender<Job>,
    checked: &AtomicU64,
) -> Result<(), ClientError> {
    for &sdb in sdbs {
        let tdb = scope.target_db(sdb);
        let mut send = |keys: Vec<Bytes>| {
            checked.fetch_add(keys.len() as u64, Ordering::Relaxed);
            Job::Forward { sdb, tdb, keys }
        };
        if !scan_db(c, sdb, scope, count, tx, &mut send).await? {
            return Ok(());
        }
    }
    Ok(())
}

/// SCANs the target dbs in scope and queues reverse jobs.
async fn scan_reverse(
    c: &mut Client,
    scope: &super::Scope,
    tdbs: &[u32],
    count: usize,
    tx: &mpsc::Sender<Job>,
    scanned: &AtomicU64,
) -> Result<(), ClientError> {
    for &tdb in tdbs {
        let sdbs: Arc<[u32]> = scope.source_dbs_for(tdb).into();
        let mut send = |keys: Vec<Bytes>| {
            scanned.fetch_add(keys.len() as u64, Ordering::Relaxed);
            Job::Reverse {
                tdb,
                sdbs: sdbs.clone(),
                keys,
                confirm: false,
            }
        };
        if !scan_db(c, tdb, scope, count, tx, &mut send).await? {
            return Ok(());
        }
    }
    Ok(())
}

/// SCANs one db, batching in-scope keys into jobs. `false` when the workers are gone.
async fn scan_db(
    c: &mut Client,
    db: u32,
    scope: &super::Scope,
    count: usize,
    tx: &mpsc::Sender<Job>,
    job: &mut impl FnMut(Vec<Bytes>) -> Job,
) -> Result<bool, ClientError> {
    c.select(db).await?;
    let count_s = count.to_string();
    let mut cursor = Bytes::from_static(b"0");
    let mut batch: Vec<Bytes> = Vec::with_capacity(count);
    loop {
        let f = c
            .cmd(&[&b"SCAN"[..], &cursor, b"COUNT", count_s.as_bytes()])
            .await?;
        let (next, keys) = scan_reply(c, "SCAN", &f)?;
        for k in keys {
            if scope.key_included(&k) {
                batch.push(k);
            }
            if batch.len() >= count {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(count));
                if tx.send(job(full)).await.is_err() {
                    return Ok(false);
                }
            }
        }
        if &next[..] == b"0" {
            break;
        }
        cursor = next;
    }
    if !batch.is_empty() && tx.send(job(batch)).await.is_err() {
        return Ok(false);
    }
    Ok(true)
}

/// Groups differences into re-check jobs (one per key and origin).
fn recheck_jobs(found: Vec<Found>, batch: usize) -> Vec<Job> {
    let mut fwd: BTreeMap<(u32, u32), Vec<Bytes>> = BTreeMap::new();
    let mut rev: BTreeMap<(u32, Vec<u32>), Vec<Bytes>> = BTreeMap::new();
    for f in found {
        match f.origin {
            Origin::Forward => fwd
                .entry((f.source_db, f.target_db))
                .or_default()
                .push(f.key),
            Origin::Reverse => rev
                .entry((f.target_db, f.source_dbs))
                .or_default()
                .push(f.key),
        }
    }
    let mut jobs = Vec::new();
    for ((sdb, tdb), mut keys) in fwd {
        keys.sort_unstable();
        keys.dedup();
        for c in keys.chunks(batch) {
            jobs.push(Job::Forward {
                sdb,
                tdb,
                keys: c.to_vec(),
            });
        }
    }
    for ((tdb, sdbs), mut keys) in rev {
        keys.sort_unstable();
        keys.dedup();
        let sdbs: Arc<[u32]> = sdbs.into();
        for c in keys.chunks(batch) {
            jobs.push(Job::Reverse {
                tdb,
                sdbs: sdbs.clone(),
                keys: c.to_vec(),
                confirm: true,
            });
        }
    }
    jobs
}
