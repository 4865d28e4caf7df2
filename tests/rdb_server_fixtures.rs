//! The parser against files written by real Redis servers (3.2, 5.0, 6.2, 7.0 and 7.0 with
//! LFU / LRU eviction policies), in `rdb-parser/tests/fixtures/servers/` (see its README for
//! how they were made):
//!
//! * every key decoded from the file equals what the server itself answered for it
//!   (`*.expected.jsonl`, recorded by `examples/gen-rdb-fixtures.rs`), compared in the
//!   `rdb-dump` JSON format: sets and hashes as sets, lists and stream entries in order,
//!   zset scores bit-exact, TTLs exact (PEXPIRETIME, 7.0) or within 1 s (PTTL, older),
//!   stream PEL/consumer times exact (XINFO STREAM FULL, 6.2+) or within 1 s (5.0, idle
//!   times), LFU counters exact, LRU idle seconds within 1;
//! * each file parsed whole, one byte at a time and at random split points gives identical
//!   events and offsets.
#![allow(clippy::unwrap_used)]

mod fixtures_support;

use std::collections::BTreeMap;

use fixtures_support::{all_rdb_files, events, fixtures, render, render_with, Chunks};
use rdb_parser::Parser;
use redis_migrate::rdb_json::{cli, JsonLines, Stats};
use serde_json::Value;

/// The rendered lines of a file, split by record kind.
#[derive(Default)]
struct Doc {
    keys: BTreeMap<String, Value>,
    aux: Vec<(Value, Value)>,
    functions: Vec<Value>,
    /// The db of each key line, in output order.
    dbs: Vec<u64>,
}

fn doc(jsonl: &[u8], what: &str) -> Doc {
    let mut d = Doc::default();
    for (i, line) in jsonl.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let v: Value = serde_json::from_slice(line).unwrap_or_else(|e| {
            panic!(
                "{what}: line {} is not JSON ({e}): {}",
                i + 1,
                String::from_utf8_lossy(line)
            )
        });
        if let Some(k) = v.get("key") {
            let id = format!("db{}:{}", v["db"], k);
            d.dbs.push(v["db"].as_u64().unwrap());
            assert!(
                d.keys.insert(id.clone(), v).is_none(),
                "{what}: key {id} twice"
            );
        } else if let Some(a) = v.get("aux") {
            d.aux.push((a.clone(), v["value"].clone()));
        } else if let Some(f) = v.get("function") {
            d.functions.push(f.clone());
        } else {
            panic!("{what}: unexpected line {v}");
        }
    }
    d
}

/// Tolerances that depend on what the server could report for its version.
struct Tol {
    /// Expiry from TIME + PTTL instead of PEXPIRETIME.
    expire_ms: i64,
    /// Stream times from TIME - idle instead of absolute times.
    stream_ms: i64,
}

fn sorted(v: &Value) -> Vec<String> {
    let mut s: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.to_string())
        .collect();
    s.sort();
    s
}

fn score_eq(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}

fn near(a: &Value, b: &Value, tol: i64) -> bool {
    match (a.as_i64(), b.as_i64()) {
        (Some(x), Some(y)) => (x - y).abs() <= tol,
        _ => a == b,
    }
}

/// Compares one key; returns a description of the first difference.
fn compare_key(ty: &str, got: &Value, want: &Value, tol: &Tol) -> Result<(), String> {
    if got["type"] != want["type"] {
        return Err(format!("type {} != {}", got["type"], want["type"]));
    }
    if !near(&got["expire_ms"], &want["expire_ms"], tol.expire_ms) {
        return Err(format!(
            "expire_ms {} != {}",
            got["expire_ms"], want["expire_ms"]
        ));
    }
    if got["lfu_freq"] != want["lfu_freq"] {
        return Err(format!(
            "lfu_freq {} != {}",
            got["lfu_freq"], want["lfu_freq"]
        ));
    }
    if !near(&got["lru_idle_s"], &want["lru_idle_s"], 1) {
        return Err(format!(
            "lru_idle_s {} != {}",
            got["lru_idle_s"], want["lru_idle_s"]
        ));
    }
    let (g, w) = (&got["value"], &want["value"]);
    let same = match ty {
        "string" | "list" => g == w,
        "set" | "hash" => sorted(g) == sorted(w),
        "zset" => {
            let key = |p: &Value| p[0].to_string();
            let mut gp: Vec<&Value> = g.as_array().unwrap().iter().collect();
            let mut wp: Vec<&Value> = w.as_array().unwrap().iter().collect();
            gp.sort_by_key(|p| key(p));
            wp.sort_by_key(|p| key(p));
            gp.len() == wp.len()
                && gp
                    .iter()
                    .zip(&wp)
                    .all(|(a, b)| a[0] == b[0] && score_eq(&a[1], &b[1]))
        }
        "stream" => return compare_stream(g, w, tol),
        other => return Err(format!("unexpected type {other}")),
    };
    if same {
        Ok(())
    } else {
        Err(format!("value differs:\n  parsed: {g}\n  server: {w}"))
    }
}

fn compare_stream(g: &Value, w: &Value, tol: &Tol) -> Result<(), String> {
    for f in [
        "length",
        "last_id",
        "first_id",
        "max_deleted_id",
        "entries_added",
        "entries",
    ] {
        if g[f] != w[f] {
            return Err(format!("stream {f}: parsed {} server {}", g[f], w[f]));
        }
    }
    let (gg, wg) = (
        g["groups"].as_array().unwrap(),
        w["groups"].as_array().unwrap(),
    );
    if gg.len() != wg.len() {
        return Err(format!(
            "{} groups parsed, server has {}",
            gg.len(),
            wg.len()
        ));
    }
    for (a, b) in gg.iter().zip(wg) {
        let name = &b["name"];
        for f in ["name", "last_delivered_id", "entries_read"] {
            if a[f] != b[f] {
                return Err(format!("group {name} {f}: parsed {} server {}", a[f], b[f]));
            }
        }
        let (ap, bp) = (a["pel"].as_array().unwrap(), b["pel"].as_array().unwrap());
        let pel_ok = ap.len() == bp.len()
            && ap.iter().zip(bp).all(|(x, y)| {
                x[0] == y[0] && x[1] == y[1] && near(&x[2], &y[2], tol.stream_ms) && x[3] == y[3]
            });
        if !pel_ok {
            return Err(format!(
                "group {name} pel:\n  parsed {}\n  server {}",
                a["pel"], b["pel"]
            ));
        }
        let (ac, bc) = (
            a["consumers"].as_array().unwrap(),
            b["consumers"].as_array().unwrap(),
        );
        let cons_ok = ac.len() == bc.len()
            && ac.iter().zip(bc).all(|(x, y)| {
                x["name"] == y["name"]
                    && near(&x["seen_time_ms"], &y["seen_time_ms"], tol.stream_ms)
                    && x["active_time_ms"] == y["active_time_ms"]
                    && x["pel"] == y["pel"]
            });
        if !cons_ok {
            return Err(format!(
                "group {name} consumers:\n  parsed {}\n  server {}",
                a["consumers"], b["consumers"]
            ));
        }
    }
    Ok(())
}

/// All differences between a parsed file and the server's answers.
fn differences(name: &str, got: &Doc, want: &Doc) -> Vec<String> {
    let old = !name.starts_with("redis-7.");
    let tol = Tol {
        expire_ms: if old { 1000 } else { 0 },
        stream_ms: if name.starts_with("redis-5.") {
            1000
        } else {
            0
        },
    };
    let mut diffs = Vec::new();
    for id in want.keys.keys().filter(|k| !got.keys.contains_key(*k)) {
        diffs.push(format!("{id}: in the server, not parsed"));
    }
    for id in got.keys.keys().filter(|k| !want.keys.contains_key(*k)) {
        diffs.push(format!("{id}: parsed, not in the server"));
    }
    for (id, w) in &want.keys {
        let Some(g) = got.keys.get(id) else { continue };
        let ty = w["type"].as_str().unwrap();
        if let Err(e) = compare_key(ty, g, w, &tol) {
            diffs.push(format!("{id}: {e}"));
        }
        let variant_field = if name.ends_with("-lfu") {
            Some("lfu_freq")
        } else if name.ends_with("-lru") {
            Some("lru_idle_s")
        } else {
            None
        };
        for f in ["lfu_freq", "lru_idle_s"] {
            if g.get(f).is_some() != (variant_field == Some(f)) {
                diffs.push(format!("{id}: {f} presence wrong: {g}"));
            }
        }
    }
    if !got.dbs.is_sorted() {
        diffs.push("key lines are not in file order (db by db)".to_owned());
    }
    for (k, v) in &want.aux {
        if !got.aux.iter().any(|(gk, gv)| gk == k && gv == v) {
            diffs.push(format!(
                "aux {k}={v} not parsed (parsed aux: {:?})",
                got.aux
            ));
        }
    }
    if got.functions != want.functions {
        diffs.push(format!(
            "functions: parsed {:?} server {:?}",
            got.functions, want.functions
        ));
    }
    diffs
}

#[test]
fn every_key_equals_the_servers_answer() {
    let all = fixtures();
    let mut report = Vec::new();
    for (name, rdb, expected) in &all {
        let bytes = std::fs::read(rdb).unwrap();
        let got = doc(&render(&bytes, Chunks::Whole), name);
        let want = doc(
            &std::fs::read(expected).unwrap(),
            &format!("{name}.expected.jsonl"),
        );
        assert!(want.keys.len() > 100, "{name}: expected file too small");
        for d in differences(name, &got, &want) {
            report.push(format!("{name}: {d}"));
        }
    }
    assert!(
        report.is_empty(),
        "{} differences:\n{}",
        report.len(),
        report.join("\n")
    );
}

#[test]
fn fixtures_cover_every_version_and_variant() {
    let names: Vec<String> = fixtures().into_iter().map(|(n, _, _)| n).collect();
    for want in [
        "redis-3.2",
        "redis-5.0",
        "redis-6.2",
        "redis-7.0",
        "redis-7.0-lfu",
        "redis-7.0-lru",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "missing fixture {want}: {names:?}"
        );
    }
}

#[test]
fn chunking_never_changes_events() {
    for (name, rdb, _) in fixtures() {
        let bytes = std::fs::read(&rdb).unwrap();
        let whole = events(&bytes, Chunks::Whole);
        assert!(whole.len() > 200, "{name}: only {} events", whole.len());
        let one = events(&bytes, Chunks::OneByte);
        assert_events_eq(&name, "one byte at a time", &whole, &one);
        for seed in [1u64, 0xdead_beef, 42_424_242] {
            let split = events(&bytes, Chunks::Random(seed));
            assert_events_eq(
                &name,
                &format!("random splits (seed {seed})"),
                &whole,
                &split,
            );
        }
    }
}

fn assert_events_eq(name: &str, how: &str, a: &[String], b: &[String]) {
    if let Some(i) = (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i)) {
        panic!(
            "{name}: {how}: event {i} differs:\n  whole: {:?}\n  split: {:?}",
            a.get(i).map(|s| &s[..s.len().min(300)]),
            b.get(i).map(|s| &s[..s.len().min(300)])
        );
    }
}

/// The `rdb-dump` output must not depend on how the parser batches or chunks: tiny string
/// chunks (strings held across chunks, UTF-8 checked across splits, base64 across splits,
/// spilled to a temporary file past a 16-byte limit) and 3-element batches give the same
/// bytes as the defaults, for the server fixtures and rdb-parser's hand-built ones (which
/// hold module values, field TTLs and Valkey records). Every line is valid JSON and there is
/// one key line per key.
#[test]
fn rendering_is_independent_of_batch_and_chunk_sizes() {
    let files = all_rdb_files();
    assert!(files.len() >= 10, "{files:?}");
    let mut seen = std::collections::BTreeSet::new();
    for path in files {
        let name = path.display().to_string();
        let bytes = std::fs::read(&path).unwrap();
        let plain = render(&bytes, Chunks::Whole);
        let tiny = render_with(
            &bytes,
            Chunks::Random(7),
            Parser::builder()
                .string_chunk(7)
                .batch_size(3)
                .batch_bytes(64)
                .build(),
            JsonLines::with_spill_limit(Vec::new(), 16),
        );
        if plain != tiny {
            let a = String::from_utf8_lossy(&plain);
            let b = String::from_utf8_lossy(&tiny);
            let (x, y) = a
                .lines()
                .zip(b.lines())
                .find(|(x, y)| x != y)
                .unwrap_or(("", ""));
            panic!("{name}: output depends on chunking:\n  default: {x}\n  tiny:    {y}");
        }
        let keys = events(&bytes, Chunks::Whole)
            .iter()
            .filter(|e| e.contains(" KeyStart("))
            .count();
        let mut key_lines = 0;
        for line in plain.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let v: Value = serde_json::from_slice(line).unwrap_or_else(|e| {
                panic!("{name}: bad JSON ({e}): {}", String::from_utf8_lossy(line))
            });
            key_lines += usize::from(v.get("key").is_some());
            for m in [
                "field_expires_ms",
                "module",
                "module_aux",
                "lfu_freq",
                "lru_idle_s",
                "b64",
                "function",
            ] {
                if String::from_utf8_lossy(line).contains(&format!("\"{m}\":")) {
                    seen.insert(m);
                }
            }
        }
        assert_eq!(key_lines, keys, "{name}: one line per key");
    }
    // The rendering paths that only hand-built files reach were exercised.
    for m in [
        "field_expires_ms",
        "module",
        "b64",
        "function",
        "lfu_freq",
        "lru_idle_s",
    ] {
        assert!(seen.contains(m), "no fixture rendered {m:?}: {seen:?}");
    }
}

/// `rdb-dump --stats` agrees with the server: keys per db and type, and the total.
#[test]
fn stats_count_what_the_server_has() {
    for (name, rdb, expected) in fixtures() {
        let bytes = std::fs::read(&rdb).unwrap();
        let want = doc(&std::fs::read(expected).unwrap(), &name);
        let mut per_db: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for v in want.keys.values() {
            *per_db
                .entry(v["db"].to_string())
                .or_default()
                .entry(v["type"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        let mut stats = Stats::new();
        let mut parser = Parser::new();
        let mut pos = 0;
        loop {
            let fed = parser.feed(&bytes[pos..]).unwrap();
            pos += fed.consumed;
            match fed.step {
                rdb_parser::Step::Event(ev) => stats.event(fed.offset, &ev),
                rdb_parser::Step::NeedMore(_) => panic!("{name}: truncated"),
                rdb_parser::Step::Done => break,
            }
        }
        stats.set_file_bytes(pos as u64);
        let mut out = Vec::new();
        stats.write(&mut out).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        let got: BTreeMap<String, BTreeMap<String, u64>> =
            serde_json::from_value(v["keys_per_db"].clone()).unwrap();
        assert_eq!(got, per_db, "{name}");
        assert_eq!(v["keys"], want.keys.len(), "{name}");
        assert_eq!(v["file_bytes"], bytes.len(), "{name}");
        assert_eq!(v["checksum_verified"], true, "{name}");
        let enc_total: u64 = v["encodings"]
            .as_object()
            .unwrap()
            .values()
            .map(|n| n.as_u64().unwrap())
            .sum();
        assert_eq!(enc_total as usize, want.keys.len(), "{name}");
        assert_eq!(v["largest"].as_array().unwrap().len(), 10, "{name}");
    }
}

/// The `rdb-dump` command line (`rdb_json::cli::main`, which `examples/rdb-dump.rs` runs):
/// output, `--stats`, stdin, and errors with byte offsets and exit codes.
#[test]
fn rdb_dump_cli_contract() {
    let run = |args: &[&str], stdin: &[u8]| {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = cli::main(&args, stdin, &mut out, &mut err);
        (code, out, String::from_utf8(err).unwrap())
    };
    let (_, rdb, _) = fixtures().into_iter().find(|f| f.0 == "redis-7.0").unwrap();
    let path = rdb.to_str().unwrap();
    let bytes = std::fs::read(&rdb).unwrap();

    let (code, out, err) = run(&[path], b"");
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        out,
        render(&bytes, Chunks::Whole),
        "file output = the renderer's"
    );
    assert_eq!(run(&["-"], &bytes).1, out, "stdin gives the same output");

    let (code, stats, _) = run(&["--stats", path], b"");
    assert_eq!(code, 0);
    let v: Value = serde_json::from_slice(&stats).unwrap();
    assert_eq!(v["rdb_version"], 10);

    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("truncated.rdb");
    std::fs::write(&cut, &bytes[..30_000]).unwrap();
    let (code, _, err) = run(&[cut.to_str().unwrap()], b"");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("unexpected end of input at byte offset"),
        "{err}"
    );

    let mut bad = bytes.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0xff;
    let badcrc = dir.path().join("badcrc.rdb");
    std::fs::write(&badcrc, &bad).unwrap();
    let (code, _, err) = run(&[badcrc.to_str().unwrap()], b"");
    assert_eq!(code, 1);
    assert!(
        err.contains("checksum mismatch") && err.contains("byte offset"),
        "{err}"
    );
    assert_eq!(run(&["--no-checksum", badcrc.to_str().unwrap()], b"").0, 0);

    assert_eq!(run(&[], b"").0, 2);
    assert_eq!(run(&["--frobnicate", path], b"").0, 2);
    assert_eq!(run(&[path, path], b"").0, 2);
    let (code, _, err) = run(&["/nonexistent/dump.rdb"], b"");
    assert_eq!(code, 1);
    assert!(err.contains("/nonexistent/dump.rdb"), "{err}");
}
