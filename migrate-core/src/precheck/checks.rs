//! The checks: connect both sides, read their facts, then judge them together.

use std::time::Duration;

use repl_client::transport::ConnectOptions;

use super::facts::ServerFacts;
use super::sizing::{conf, human, Sizing};
use super::{Check, Report, Severity, Side};
use crate::checkpoint::CheckpointStore;
use crate::client::Client;
use crate::config::{Config, ConflictPolicy, Mode, OnError};
use crate::convert::TargetCaps;

use Severity::{Blocking, Info, Warning};

pub(super) async fn run(cfg: &Config, timeout: Duration) -> Report {
    let mut r = Report::default();
    match cfg.validate() {
        Ok(()) => {}
        Err(crate::config::ConfigError::Invalid(problems)) => {
            for p in problems {
                r.push(
                    Blocking,
                    Check::Settings,
                    Side::Both,
                    format!("setting {p}"),
                    "fix the setting",
                );
            }
        }
        Err(e) => r.push(
            Blocking,
            Check::Settings,
            Side::Both,
            e.to_string(),
            "fix the settings",
        ),
    }
    let src = connect(Side::Source, &cfg.source, timeout, &mut r).await;
    let dst = connect(Side::Target, &cfg.target, timeout, &mut r).await;
    let mut src_client = src.map(|(c, f)| {
        r.source = Some(f);
        c
    });
    if let Some((_, f)) = dst {
        r.target = Some(f);
    }
    if let (Some(c), Some(s)) = (src_client.as_mut(), r.source.clone()) {
        source_checks(cfg, c, &s, &mut r).await;
    }
    if let Some(t) = r.target.clone() {
        target_checks(cfg, &t, &mut r);
    }
    if let (Some(s), Some(t)) = (r.source.clone(), r.target.clone()) {
        both_checks(cfg, &s, &t, src_client.as_mut(), &mut r).await;
        conflict_checks(cfg, &s, &t, &mut r).await;
    }
    r.findings.sort_by_key(|f| f.severity);
    r
}

async fn connect(
    side: Side,
    url: &str,
    timeout: Duration,
    r: &mut Report,
) -> Option<(Client, ServerFacts)> {
    let name = if side == Side::Source {
        "source"
    } else {
        "target"
    };
    let opts = match ConnectOptions::from_url(url) {
        Ok(o) => o,
        Err(e) => {
            r.push(
                Blocking,
                Check::Connect,
                side,
                format!("{name}: bad URL: {e}"),
                "use redis://[user:pass@]host:port[/db] or rediss://...",
            );
            return None;
        }
    };
    let addr = opts.addr();
    let attempt = async {
        let mut c = Client::connect(&opts).await?;
        let f = ServerFacts::read(&mut c).await?;
        Ok::<_, crate::client::ClientError>((c, f))
    };
    match tokio::time::timeout(timeout, attempt).await {
        Ok(Ok((c, f))) => {
            r.push(
                Info,
                Check::Connect,
                side,
                format!(
                    "{name} {addr}: connected{}",
                    f.user
                        .as_deref()
                        .map(|u| format!(" as user `{u}`"))
                        .unwrap_or_default()
                ),
                "",
            );
            Some((c, f))
        }
        Ok(Err(e)) => {
            let msg = e.to_string();
            let advice = if msg.contains("NOAUTH")
                || msg.contains("WRONGPASS")
                || msg.contains("invalid password")
                || msg.contains("AUTH")
            {
                format!(
                    "check the user and password in the {name} URL (redis://user:pass@host:port)"
                )
            } else {
                format!("check that the {name} server runs, listens on {addr} and is reachable from here")
            };
            r.push(
                Blocking,
                Check::Connect,
                side,
                format!("{name} {addr}: {msg}"),
                advice,
            );
            None
        }
        Err(_) => {
            r.push(
                Blocking,
                Check::Connect,
                side,
                format!("{name} {addr}: no answer within {} s", timeout.as_secs()),
                format!("check that {addr} is reachable (firewall, TLS: use rediss://)"),
            );
            None
        }
    }
}

fn cluster_and_version(name: &str, side: Side, f: &ServerFacts, r: &mut Report) {
    if f.cluster_enabled || f.mode == "cluster" {
        r.push(Blocking, Check::Cluster, side, format!("{name} {} runs in cluster mode", f.addr), "cluster sources and targets are not supported yet; migrate from/to standalone servers (one run per shard is not supported either)");
    }
    if f.mode == "sentinel" {
        r.push(
            Blocking,
            Check::Cluster,
            side,
            format!("{name} {} is a Sentinel, not a data server", f.addr),
            "point the URL at the master Sentinel monitors",
        );
    }
}

async fn source_checks(cfg: &Config, c: &mut Client, s: &ServerFacts, r: &mut Report) {
    cluster_and_version("source", Side::Source, s, r);
    let v = s.server_version();
    if !v.at_least(2, 8) {
        r.push(
            Blocking,
            Check::Version,
            Side::Source,
            format!(
                "source {} is Redis {}: PSYNC needs 2.8 or newer",
                s.addr, s.version
            ),
            "upgrade the source, or dump it to an RDB file and load that",
        );
    }
    if s.role == "slave" && cfg.mode == Mode::Sync {
        r.push(Warning, Check::Role, Side::Source, format!("source {} is a replica: the heartbeat key cannot be written there (read-only), so lag in ms is unknown, and replication stops while its own master link is down", s.addr), "point --source at the master");
    }
    super::acl::replication_permission(cfg, c, s, r).await;
    for name in &s.unreadable {
        r.push(
            Warning,
            Check::Unchecked,
            Side::Source,
            format!(
                "source {}: `CONFIG GET {name}` refused: its check was not done",
                s.addr
            ),
            "allow CONFIG for this user, or check the setting by hand",
        );
    }
    // Replication buffers for the full sync, from the data size and the write rate.
    let z = Sizing::for_dataset(s.used_memory, s.input_kbps);
    let basis = format!(
        "{} of data, ~{}/s of writes, full sync estimated at up to {} s",
        human(s.used_memory),
        human(z.write_bytes_per_sec),
        z.full_sync_secs
    );
    if let Some((hard, soft, secs)) = s.replica_output_limit {
        let small_hard = hard != 0 && hard < z.output_buffer;
        let small_soft = soft != 0 && soft < z.output_buffer && secs < z.full_sync_secs;
        if small_hard || small_soft {
            r.push(Warning, Check::OutputBuffer, Side::Source, format!("source {}: client-output-buffer-limit replica is {} {} {} ({basis}): the source may drop the migration's link while it buffers writes during the full sync, which then starts over", s.addr, conf(hard), conf(soft), secs), format!("CONFIG SET client-output-buffer-limit \"replica {} {} 60\" on the source (or \"replica 0 0 0\" for no limit, with enough free memory)", conf(z.output_buffer), conf(z.output_buffer)));
        }
    }
    if let Some(t) = s.repl_timeout {
        if t < z.repl_timeout {
            r.push(Warning, Check::ReplTimeout, Side::Source, format!("source {}: repl-timeout is {t} s ({basis}): a pause while a big key is written to the target can exceed it and restart the full sync", s.addr), format!("CONFIG SET repl-timeout {} on the source", z.repl_timeout));
        }
    }
    if cfg.mode == Mode::Sync {
        if let Some(b) = s.repl_backlog_size {
            let covered = b.checked_div(z.write_bytes_per_sec);
            let advice = format!("CONFIG SET repl-backlog-size {} on the source (60 s of the current write rate, at least 16mb)", conf(z.backlog));
            match covered {
                Some(secs) if secs < 60 => r.push(Warning, Check::ReplBacklog, Side::Source, format!("source {}: repl-backlog-size {} holds only ~{secs} s of writes ({}/s): after a longer link loss the migration cannot continue (+CONTINUE) and must copy everything again", s.addr, human(b), human(z.write_bytes_per_sec)), advice),
                _ if b < z.backlog => r.push(Info, Check::ReplBacklog, Side::Source, format!("source {}: repl-backlog-size is {}; a link loss is resumed (+CONTINUE) only while the missed writes fit in it", s.addr, human(b)), advice),
                _ => {}
            }
        }
    }
}

fn target_checks(cfg: &Config, t: &ServerFacts, r: &mut Report) {
    cluster_and_version("target", Side::Target, t, r);
    if t.role == "slave" {
        r.push(
            Blocking,
            Check::Role,
            Side::Target,
            format!(
                "target {} is a replica (read-only): writes would be refused",
                t.addr
            ),
            "point --target at a master, or run REPLICAOF NO ONE on it",
        );
    }
    if let Some(p) = t.maxmemory_policy.as_deref() {
        if p != "noeviction" {
            r.push(Warning, Check::EvictionPolicy, Side::Target, format!("target {}: maxmemory-policy is {p}: when it reaches maxmemory it evicts keys, silently losing migrated data", t.addr), "CONFIG SET maxmemory-policy noeviction on the target for the migration (a full target then fails the run with a clear error instead)");
        }
    }
    for name in &t.unreadable {
        r.push(
            Warning,
            Check::Unchecked,
            Side::Target,
            format!(
                "target {}: `CONFIG GET {name}` refused: its check was not done",
                t.addr
            ),
            "allow CONFIG for this user, or check the setting by hand",
        );
    }
    if let Some(limit) = t.proto_max_bulk_len {
        if (cfg.batch_max_bytes as u64) > limit {
            r.push(
                Blocking,
                Check::BulkLimit,
                Side::Target,
                format!(
                    "target {}: proto-max-bulk-len is {}, below batch-max-bytes {}",
                    t.addr,
                    human(limit),
                    human(cfg.batch_max_bytes as u64)
                ),
                format!("set --batch-max-bytes {} or less", limit),
            );
        }
        if limit < cfg.restore_size_limit {
            r.push(Info, Check::BulkLimit, Side::Target, format!("target {}: proto-max-bulk-len is {}: values whose RESTORE payload is larger are written as commands in batches", t.addr, human(limit)), "");
        }
    }
}

async fn both_checks(
    cfg: &Config,
    s: &ServerFacts,
    t: &ServerFacts,
    mut src: Option<&mut Client>,
    r: &mut Report,
) {
    let (sv, tv) = (s.server_version(), t.server_version());
    let sc = TargetCaps::for_version(sv.major, sv.minor);
    let tc = TargetCaps::for_version(tv.major, tv.minor);
    r.push(
        Info,
        Check::Version,
        Side::Both,
        format!(
            "source Redis {} (RDB {}) -> target Redis {} (RDB {})",
            s.version, sc.rdb_version, t.version, tc.rdb_version
        ),
        "",
    );
    if sc.rdb_version > tc.rdb_version || !tc.accepts_payload(sc.rdb_version) {
        r.push(Warning, Check::RdbVersion, Side::Both, format!("target {} (Redis {}) cannot load RDB {} payloads from source {} (Redis {}): values whose encoding it does not know are re-encoded as commands (slower than RESTORE; same data)", t.addr, t.version, sc.rdb_version, s.addr, s.version), "nothing to do; upgrade the target to Redis >= the source's version for the fastest copy");
    }
    // Memory: the target must hold its own data plus the source's.
    let need = s.used_memory_dataset.saturating_add(t.used_memory);
    if t.maxmemory > 0 {
        let policy = t.maxmemory_policy.as_deref().unwrap_or("?");
        if need > t.maxmemory {
            r.push(Blocking, Check::Memory, Side::Both, format!("target {} maxmemory is {} but it already uses {} and the source holds {} of data: it will run out of memory ({policy}: {})", t.addr, human(t.maxmemory), human(t.used_memory), human(s.used_memory_dataset), if policy == "noeviction" { "the run fails with OOM" } else { "keys are evicted, data lost" }), format!("CONFIG SET maxmemory {} (or 0) on the target, at least 1.25x the data", conf(need.saturating_add(need / 4).div_ceil(1 << 20) << 20)));
        } else if need.saturating_add(need / 4) > t.maxmemory {
            r.push(Warning, Check::Memory, Side::Both, format!("target {} maxmemory {} leaves less than 25% headroom over the {} needed (encodings and the stream may take more)", t.addr, human(t.maxmemory), human(need)), format!("CONFIG SET maxmemory {} on the target", conf(need.saturating_add(need / 4).div_ceil(1 << 20) << 20)));
        }
    }
    let skip_policy = cfg.on_error == OnError::Skip;
    let types_exclude = |t: &str| !cfg.types.is_empty() && !cfg.types.iter().any(|x| x == t);
    // Streams into a target before 5.0.
    if sv.at_least(5, 0) && !tv.at_least(5, 0) && !types_exclude("stream") {
        if let Some(c) = src.as_deref_mut() {
            match count_streams(c, s).await {
                Ok(0) => {
                    if cfg.mode == Mode::Sync {
                        r.push(Warning, Check::Streams, Side::Both, format!("target {} (Redis {}) has no streams; the source has none now, but a stream created during the migration stops it (on-error = stop)", t.addr, t.version), "add --type for the other types, or --on-error skip");
                    }
                }
                Ok(n) => {
                    let sev = if skip_policy { Warning } else { Blocking };
                    r.push(sev, Check::Streams, Side::Both, format!("source {} holds {n} stream keys; target {} (Redis {}) cannot hold streams{}", s.addr, t.addr, t.version, if skip_policy { ": they will be skipped (on-error = skip) and counted" } else { "" }), "exclude them with --type string,list,set,zset,hash, use --on-error skip, or use a target >= 5.0");
                }
                Err(e) => r.push(
                    Warning,
                    Check::Unchecked,
                    Side::Source,
                    format!("source {}: counting stream keys failed: {e}", s.addr),
                    "check by hand that the source holds no streams",
                ),
            }
        }
    }
    // Functions into a target before 7.0.
    if sv.at_least(7, 0) && !tv.at_least(7, 0) {
        if let Some(c) = src {
            match c.cmd(&["FUNCTION", "LIST"]).await {
                Ok(f) if f.as_array().is_some_and(|a| !a.is_empty()) => {
                    let n = f.as_array().map_or(0, |a| a.len());
                    let sev = if skip_policy { Warning } else { Blocking };
                    r.push(sev, Check::Functions, Side::Both, format!("source {} has {n} function libraries; target {} (Redis {}) has no functions (7.0+)", s.addr, t.addr, t.version), "delete or port them (FCALL would fail on the target), use --on-error skip, or use a target >= 7.0");
                }
                Ok(_) => {}
                Err(e) => r.push(
                    Warning,
                    Check::Unchecked,
                    Side::Source,
                    format!("source {}: FUNCTION LIST failed: {e}", s.addr),
                    "check by hand that the source holds no functions",
                ),
            }
        }
    }
    if let (Some(sl), Some(tl)) = (s.proto_max_bulk_len, t.proto_max_bulk_len) {
        if tl < sl {
            r.push(Warning, Check::BulkLimit, Side::Both, format!("target {} proto-max-bulk-len {} is below the source's {}: a single string value or element larger than {} cannot be written to the target", t.addr, human(tl), human(sl), human(tl)), format!("CONFIG SET proto-max-bulk-len {} on the target", conf(sl)));
        }
    }
}

/// Stream keys in the selected dbs of the source (a SCAN; `TYPE stream` filter on 6.0+).
async fn count_streams(c: &mut Client, s: &ServerFacts) -> Result<u64, crate::client::ClientError> {
    let v = s.server_version();
    let mut n = 0u64;
    for (db, _) in &s.keyspace {
        c.select(*db).await?;
        let mut cursor = b"0".to_vec();
        loop {
            let f = if v.at_least(6, 0) {
                c.cmd(&[&b"SCAN"[..], &cursor, b"COUNT", b"1000", b"TYPE", b"stream"])
                    .await?
            } else {
                c.cmd(&[&b"SCAN"[..], &cursor, b"COUNT", b"1000"]).await?
            };
            let Some([next, keys]) = f.as_array().and_then(|a| <&[_; 2]>::try_from(a).ok()) else {
                return Err(c.unexpected("SCAN", "[cursor, keys]", &f));
            };
            let keys: Vec<Vec<u8>> = keys
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|k| k.as_bytes().map(|b| b.to_vec()))
                        .collect()
                })
                .unwrap_or_default();
            if v.at_least(6, 0) {
                n += keys.len() as u64;
            } else {
                for k in &keys {
                    c.queue(&[&b"TYPE"[..], k]);
                }
                c.flush().await?;
                for _ in &keys {
                    let t = c.recv().await?;
                    if t.as_bytes().is_some_and(|b| b.as_ref() == b"stream") {
                        n += 1;
                    }
                }
            }
            cursor = next
                .as_bytes()
                .map(|b| b.to_vec())
                .unwrap_or_else(|| b"0".to_vec());
            if cursor == b"0" {
                break;
            }
        }
    }
    c.select(0).await?;
    Ok(n)
}

async fn conflict_checks(cfg: &Config, s: &ServerFacts, t: &ServerFacts, r: &mut Report) {
    let map = match cfg.db_mapping() {
        Ok(m) => m,
        Err(e) => {
            r.push(
                Blocking,
                Check::Databases,
                Side::Both,
                format!("db selection: {e}"),
                "fix --db / --db-map",
            );
            return;
        }
    };
    // Every selected source db (not only non-empty ones: the stream may write any of them).
    let src_dbs: Vec<u32> = if cfg.dbs.is_empty() {
        (0..s.databases.unwrap_or(16)).collect()
    } else {
        cfg.dbs.clone()
    };
    let mut targets: Vec<(u32, Vec<u32>)> = Vec::new();
    for sdb in src_dbs {
        if let Some(tdb) = map.target(sdb) {
            match targets.iter_mut().find(|(d, _)| *d == tdb) {
                Some((_, v)) => v.push(sdb),
                None => targets.push((tdb, vec![sdb])),
            }
        }
    }
    targets.sort();
    if let Some(n) = t.databases {
        let missing: Vec<String> = targets
            .iter()
            .filter(|(d, srcs)| {
                *d >= n
                    && srcs
                        .iter()
                        .any(|x| s.keys_in(*x) > 0 || !cfg.dbs.is_empty())
            })
            .map(|(d, _)| d.to_string())
            .collect();
        if !missing.is_empty() {
            r.push(Blocking, Check::Databases, Side::Target, format!("target {} has {n} databases; mapped target dbs {} do not exist", t.addr, missing.join(", ")), format!("map them with --db-map into 0..{}, or raise `databases` in the target's redis.conf", n - 1));
        }
    }
    // A resumed run finds its own data on the target.
    let resuming = cfg.mode == Mode::Sync && {
        let key = cfg
            .checkpoint_key
            .clone()
            .and_then(|k| ConnectOptions::from_url(&cfg.target).ok().map(|o| (o, k)));
        let store = CheckpointStore::new(cfg.checkpoint_file.clone(), key);
        store.is_enabled() && matches!(store.load().await, Ok(Some(_)))
    };
    let busy: Vec<(u32, u64, &Vec<u32>)> = targets
        .iter()
        .filter_map(|(d, srcs)| {
            let k = t.keys_in(*d);
            (k > 0).then_some((*d, k, srcs))
        })
        .collect();
    if busy.is_empty() {
        return;
    }
    let list = busy
        .iter()
        .map(|(d, k, srcs)| {
            format!(
                "db {d}: {k} keys (from source db {})",
                srcs.iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    if resuming {
        r.push(Info, Check::Conflict, Side::Target, format!("target {} holds keys in mapped dbs ({list}); a saved checkpoint will be resumed, so they are this migration's", t.addr), "");
        return;
    }
    match cfg.conflict {
        ConflictPolicy::Error => r.push(Blocking, Check::Conflict, Side::Target, format!("target {} already holds keys in mapped dbs: {list} (conflict = error)", t.addr), "empty those dbs (FLUSHDB), map to empty dbs with --db-map, or choose --conflict overwrite (replace same-named keys) or --conflict skip-existing (keep the target's)"),
        ConflictPolicy::Overwrite => r.push(Warning, Check::Conflict, Side::Target, format!("target {} already holds keys in mapped dbs: {list}; same-named keys will be replaced, the others stay (the target will not be an exact copy)", t.addr), "flush those dbs first for an exact copy"),
        ConflictPolicy::SkipExisting => r.push(Warning, Check::Conflict, Side::Target, format!("target {} already holds keys in mapped dbs: {list}; same-named keys keep the target's value (counted as skipped)", t.addr), "flush those dbs first for an exact copy"),
    }
}
