//! Bench dumps, written by a real Redis 7.0 server and cached (never committed) in
//! `~/.cache/redis-migrate/bench/` (override with `REDIS_MIGRATE_BENCH_DIR`).
//!
//! * `strings` (~170 MB): 2,000,000 string keys `key:NNNNNNNN` with 70-byte random
//!   alphanumeric values (stored raw: LZF gains nothing), written with pipelined `SET`s.
//! * `collections` (~110 MB): small hashes/sets/zsets/lists (listpack and intset blobs) and
//!   big ones (hashtable hashes and sets, skiplist zsets, many-node quicklists).
//! * `biglist` (~85 MB): one list of 5,000,000 elements (for peak-memory runs).
//!
//! Used by `benches/rdb_parse.rs` and `examples/gen-bench-rdb.rs` (which
//! `scripts/compare-rdb.sh` runs).
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;

use test_support::{Conn, RedisServer, Reply, Version};

/// Bump when a dataset changes, so stale cached files are not used.
const GEN: &str = "v1";

/// The bench datasets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dataset {
    /// 2M small strings.
    Strings,
    /// Mixed collections, small and big.
    Collections,
    /// One list of 5M elements.
    BigList,
}

impl Dataset {
    /// All datasets.
    pub const ALL: [Dataset; 3] = [Dataset::Strings, Dataset::Collections, Dataset::BigList];

    /// Short name (file stem).
    pub fn name(self) -> &'static str {
        match self {
            Dataset::Strings => "strings",
            Dataset::Collections => "collections",
            Dataset::BigList => "biglist",
        }
    }
}

/// The cache directory.
pub fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("REDIS_MIGRATE_BENCH_DIR") {
        return PathBuf::from(d);
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
    PathBuf::from(home).join(".cache/redis-migrate/bench")
}

/// The dataset's file, generated first if it is not cached yet.
pub fn ensure(d: Dataset) -> PathBuf {
    let dir = cache_dir();
    let path = dir.join(format!("{}-{GEN}.rdb", d.name()));
    if path.is_file() {
        return path;
    }
    std::fs::create_dir_all(&dir).unwrap();
    eprintln!(
        "generating {} (Redis 7.0, once; cached in {})",
        path.display(),
        dir.display()
    );
    let server = RedisServer::builder(Version::V7_0).start();
    let mut c = server.connect();
    match d {
        Dataset::Strings => strings(&mut c),
        Dataset::Collections => collections(&mut c),
        Dataset::BigList => biglist(&mut c),
    }
    assert!(c.ok(&["SAVE"]).is_ok_status("OK"));
    let tmp = path.with_extension("rdb.tmp");
    std::fs::copy(server.dir().join("dump.rdb"), &tmp).unwrap();
    std::fs::rename(&tmp, &path).unwrap();
    path
}

struct Rng(u64);
impl Rng {
    fn alnum(&mut self, out: &mut Vec<u8>, n: usize) {
        const A: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        for _ in 0..n {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            out.push(A[(self.0 % A.len() as u64) as usize]);
        }
    }
    fn word(&mut self, n: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(n);
        self.alnum(&mut v, n);
        v
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

type Cmd = Vec<Vec<u8>>;

fn send(c: &mut Conn, cmds: &mut Vec<Cmd>) {
    for r in c.pipeline(cmds).unwrap() {
        if let Reply::Error(e) = r {
            panic!("bench data: {e}");
        }
    }
    cmds.clear();
}

fn strings(c: &mut Conn) {
    let mut rng = Rng(0x5eed_1234);
    let mut cmds = Vec::with_capacity(10_000);
    for i in 0..2_000_000u32 {
        cmds.push(vec![
            b"SET".to_vec(),
            format!("key:{i:08}").into_bytes(),
            rng.word(70),
        ]);
        if cmds.len() == 10_000 {
            send(c, &mut cmds);
        }
    }
    send(c, &mut cmds);
}

fn collections(c: &mut Conn) {
    let mut rng = Rng(0x0c01_1ec7);
    let mut cmds: Vec<Cmd> = Vec::new();
    let flush = |c: &mut Conn, cmds: &mut Vec<Cmd>, force: bool| {
        if force || cmds.len() >= 500 {
            send(c, cmds);
        }
    };
    // Small: listpack hashes / zsets / lists and intsets.
    for i in 0..30_000u32 {
        let mut h = vec![b"HSET".to_vec(), format!("hash:{i}").into_bytes()];
        for j in 0..20 {
            h.push(format!("field:{j}").into_bytes());
            h.push(rng.word(12));
        }
        cmds.push(h);
        let mut s = vec![b"SADD".to_vec(), format!("iset:{i}").into_bytes()];
        for _ in 0..16 {
            s.push((rng.next() % 1_000_000).to_string().into_bytes());
        }
        cmds.push(s);
        if i < 20_000 {
            let mut z = vec![b"ZADD".to_vec(), format!("zset:{i}").into_bytes()];
            for j in 0..20 {
                z.push(format!("{}", (rng.next() % 100_000) as f64 / 7.0).into_bytes());
                z.push(format!("member:{j}:{}", rng.next() % 1000).into_bytes());
            }
            cmds.push(z);
            let mut l = vec![b"RPUSH".to_vec(), format!("list:{i}").into_bytes()];
            for _ in 0..30 {
                l.push(rng.word(14));
            }
            cmds.push(l);
        }
        flush(c, &mut cmds, false);
    }
    // Big: hashtable hashes and sets, skiplist zsets, many-node lists.
    for i in 0..300u32 {
        let mut h = vec![b"HSET".to_vec(), format!("bighash:{i}").into_bytes()];
        let mut s = vec![b"SADD".to_vec(), format!("bigset:{i}").into_bytes()];
        let mut z = vec![b"ZADD".to_vec(), format!("bigzset:{i}").into_bytes()];
        for j in 0..2000 {
            h.push(format!("f:{j}").into_bytes());
            h.push(rng.word(20));
            s.push(rng.word(20));
            z.push(format!("{}", rng.next() % 10_000_000).into_bytes());
            z.push(format!("m:{j}:{}", rng.word(8).escape_ascii()).into_bytes());
        }
        cmds.push(h);
        cmds.push(s);
        cmds.push(z);
        flush(c, &mut cmds, false);
    }
    for i in 0..100u32 {
        for _ in 0..20 {
            let mut l = vec![b"RPUSH".to_vec(), format!("biglist:{i}").into_bytes()];
            for _ in 0..1000 {
                l.push(rng.word(12));
            }
            cmds.push(l);
        }
        flush(c, &mut cmds, false);
    }
    flush(c, &mut cmds, true);
}

fn biglist(c: &mut Conn) {
    let mut cmds = Vec::new();
    for chunk in 0..5000u32 {
        let mut l = vec![b"RPUSH".to_vec(), b"biglist".to_vec()];
        for i in 0..1000u32 {
            l.push(format!("element:{:07}", chunk * 1000 + i).into_bytes());
        }
        cmds.push(l);
        if cmds.len() == 100 {
            send(c, &mut cmds);
        }
    }
    send(c, &mut cmds);
}
