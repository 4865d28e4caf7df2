//! The dataset written into each fixture server: every type and encoding the version has.

use test_support::{Conn, Reply, Version};

/// A command argument.
pub trait Arg {
    /// The argument's bytes.
    fn arg(self) -> Vec<u8>;
}
impl Arg for &str {
    fn arg(self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }
}
impl Arg for String {
    fn arg(self) -> Vec<u8> {
        self.into_bytes()
    }
}
impl Arg for &String {
    fn arg(self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }
}
impl Arg for &[u8] {
    fn arg(self) -> Vec<u8> {
        self.to_vec()
    }
}
impl Arg for Vec<u8> {
    fn arg(self) -> Vec<u8> {
        self
    }
}
impl Arg for &Vec<u8> {
    fn arg(self) -> Vec<u8> {
        self.clone()
    }
}
impl Arg for i64 {
    fn arg(self) -> Vec<u8> {
        self.to_string().into_bytes()
    }
}
impl Arg for usize {
    fn arg(self) -> Vec<u8> {
        self.to_string().into_bytes()
    }
}

/// Builds an argument vector from mixed argument types.
#[macro_export]
macro_rules! args {
    ($($x:expr),* $(,)?) => { vec![$($crate::gen_fixtures::dataset::Arg::arg($x)),*] };
}

/// Runs one command; panics on an error reply.
pub fn ok(c: &mut Conn, a: Vec<Vec<u8>>) -> Reply {
    c.ok(&a)
}

/// Runs many commands in one pipeline; panics on any error reply.
pub fn pipe(c: &mut Conn, cmds: Vec<Vec<Vec<u8>>>) {
    for chunk in cmds.chunks(500) {
        let replies = c.pipeline(chunk).unwrap();
        for (cmd, r) in chunk.iter().zip(replies) {
            if let Reply::Error(e) = r {
                panic!("{:?}: {e}", String::from_utf8_lossy(&cmd[0]));
            }
        }
    }
}

/// A deterministic xorshift byte source, so regenerating gives the same data.
pub struct Rng(u64);
impl Rng {
    /// A generator with a fixed seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }
    /// Next 64 random bits.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    /// `n` random bytes (incompressible).
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| (self.next() >> 24) as u8).collect()
    }
    /// `n` random lowercase letters and digits (valid UTF-8, hardly compressible).
    pub fn alnum(&mut self, n: usize) -> Vec<u8> {
        const A: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        (0..n)
            .map(|_| A[(self.next() % A.len() as u64) as usize])
            .collect()
    }
}

/// Every byte value 0..=255 once.
pub fn all_bytes() -> Vec<u8> {
    (0..=255u8).collect()
}

/// A compressible text of `n` bytes.
pub fn text(n: usize, tag: &str) -> Vec<u8> {
    let unit = format!("{tag}: the quick brown fox jumps over the lazy dog. ");
    unit.bytes().cycle().take(n).collect()
}

/// Integers around the boundaries of every integer encoding (RDB INT8/16/32 strings,
/// ziplist int16/24/32/64 and 4-bit immediates, listpack 7-bit/13-bit/16/24/32/64, intsets).
pub const INT_BOUNDARIES: &[i64] = &[
    0,
    1,
    12,
    13,
    -1,
    127,
    128,
    -128,
    -129,
    255,
    256,
    4095,
    4096,
    -4096,
    -4097,
    8191,
    8192,
    32767,
    32768,
    -32768,
    -32769,
    8_388_607,
    8_388_608,
    -8_388_608,
    -8_388_609,
    2_147_483_647,
    2_147_483_648,
    -2_147_483_648,
    -2_147_483_649,
    i64::MAX,
    i64::MIN,
];

/// Strings that look numeric but are not canonical integers (must stay text).
pub const NOT_INTS: &[&str] = &[
    "-0",
    "007",
    "+1",
    " 1",
    "1 ",
    "0x10",
    "1e3",
    "9223372036854775808",
    "-9223372036854775809",
    "12345678901",
];

/// Zset scores that stress double encoding: infinities, signed zero, subnormal, DBL_MAX,
/// non-terminating binary fractions and integers past 2^53.
pub const SCORES: &[&str] = &[
    "inf",
    "-inf",
    "-0",
    "0",
    "5e-324",
    "2.2250738585072014e-308",
    "1.7976931348623157e308",
    "-1.7976931348623157e308",
    "0.1",
    "0.3333333333333333",
    "0.6666666666666666",
    "-2.5",
    "1e-7",
    "123456789012345680000",
    "9007199254740993",
    "42",
    "-42",
];

/// Writes the whole dataset.
pub fn write(c: &mut Conn, v: Version, variant: Option<&str>) {
    ok(c, args!["SELECT", "0"]);
    strings(c);
    lists(c, v);
    sets(c);
    zsets(c);
    hashes(c);
    if v >= Version::V5_0 {
        crate::gen_fixtures::dataset::streams(c, v);
    }
    ttls(c);
    other_dbs(c);
    if v >= Version::V7_0 {
        let code = "#!lua name=fixturelib\n\
                    redis.register_function('fixture_echo', function(keys, args) return args[1] end)";
        ok(c, args!["FUNCTION", "LOAD", code]);
    }
    match variant {
        Some("lfu") => {
            // Raise the logarithmic LFU counter of some keys (lfu-decay-time 0: no decay).
            let mut cmds = Vec::new();
            for _ in 0..2000 {
                cmds.push(args!["GET", "str:hot"]);
            }
            for _ in 0..200 {
                cmds.push(args!["LINDEX", "list:small", "0"]);
                cmds.push(args!["HGET", "hash:small", "f1"]);
            }
            pipe(c, cmds);
        }
        Some("lru") => {
            // Let every key idle, then touch a few so idle times differ.
            std::thread::sleep(std::time::Duration::from_millis(2500));
            pipe(
                c,
                vec![args!["GET", "str:hot"], args!["LINDEX", "list:small", "0"]],
            );
        }
        _ => {}
    }
}

fn strings(c: &mut Conn) {
    let mut cmds = Vec::new();
    for &i in INT_BOUNDARIES {
        cmds.push(args!["SET", format!("str:int:{i}"), i]);
    }
    for &s in NOT_INTS {
        cmds.push(args!["SET", format!("str:notint:{s}"), s]);
    }
    cmds.push(args!["SET", "str:hot", "hot value"]);
    cmds.push(args!["SET", "str:incr", "1"]);
    cmds.push(args!["INCRBY", "str:incr", "1099511627776"]);
    cmds.push(args!["SET", "str:float", "0.1"]);
    cmds.push(args!["INCRBYFLOAT", "str:float", "0.2"]);
    // Around the LZF threshold: only strings longer than 20 bytes are tried.
    for n in [20usize, 21, 22] {
        cmds.push(args![
            "SET",
            format!("str:lzf:{n}:compressible"),
            vec![b'a'; n]
        ]);
    }
    let mut rng = Rng::new(0x5eed);
    for n in [20usize, 21, 22] {
        cmds.push(args![
            "SET",
            format!("str:lzf:{n}:incompressible"),
            rng.alnum(n)
        ]);
    }
    cmds.push(args!["SET", "str:lzf:1k", text(1000, "lzf")]);
    cmds.push(args!["SET", "str:big:compressible", text(12_000, "big")]);
    cmds.push(args!["SET", "str:big:incompressible", rng.bytes(12_000)]);
    cmds.push(args!["SET", "str:allbytes", all_bytes()]);
    let mut binkey = b"key:".to_vec();
    binkey.extend(all_bytes());
    cmds.push(args!["SET", binkey, "value of the all-bytes key"]);
    cmds.push(args!["SET", "str:empty", ""]);
    cmds.push(args!["SET", "", "value of the empty key"]);
    cmds.push(args!["SET", " ", "space key"]);
    cmds.push(args!["SET", b"\x00".as_slice(), b"\x00".as_slice()]);
    cmds.push(args!["SET", b"\xff".as_slice(), b"\xfe\xff".as_slice()]);
    cmds.push(args!["SET", "\n", "newline key"]);
    cmds.push(args!["SET", "ключ:é€😀", "значение ✓ 😀"]);
    cmds.push(args![
        "SET",
        "str:json-escapes",
        "quote\" backslash\\ nl\n cr\r tab\t nul\0 bell\x07 del\x7f"
    ]);
    cmds.push(args!["SET", "str:setrange", ""]);
    cmds.push(args!["SETRANGE", "str:setrange", "50", "x"]);
    cmds.push(args!["SET", "str:append", "12"]);
    cmds.push(args!["APPEND", "str:append", "34"]);
    // HyperLogLog (sparse and dense) and bitmaps are strings.
    cmds.push(args!["PFADD", "hll:sparse", "a", "b", "c"]);
    let mut pf = args!["PFADD", "hll:dense"];
    for i in 0..3000 {
        pf.push(format!("element-{i}").into_bytes());
    }
    cmds.push(pf);
    cmds.push(args!["SETBIT", "bitmap", "7", "1"]);
    cmds.push(args!["SETBIT", "bitmap", "20000", "1"]);
    cmds.push(args!["GEOADD", "geo", "13.361389", "38.115556", "Palermo"]);
    cmds.push(args!["GEOADD", "geo", "15.087269", "37.502669", "Catania"]);
    cmds.push(args!["GEOADD", "geo", "-122.27652", "37.805186", "Oakland"]);
    pipe(c, cmds);
}

fn lists(c: &mut Conn, v: Version) {
    let mut cmds = Vec::new();
    let mut small = args!["RPUSH", "list:small"];
    for &i in INT_BOUNDARIES {
        small.push(i.to_string().into_bytes());
    }
    for &s in NOT_INTS {
        small.push(s.as_bytes().to_vec());
    }
    small.extend([b"".to_vec(), b"a".to_vec(), vec![b'x'; 63], vec![b'y'; 64]]);
    cmds.push(small);
    // String lengths around every ziplist/listpack string-length header width.
    let mut lens = args!["RPUSH", "list:strlens"];
    for n in [0usize, 1, 63, 64, 127, 128, 4095, 4096, 16383, 16384] {
        lens.push(text(n, "len"));
    }
    cmds.push(lens);
    cmds.push(args!["LPUSH", "list:lpush", "c", "b", "a"]);
    cmds.push(args![
        "RPUSH",
        "list:binary",
        all_bytes(),
        "",
        b"\x00\x01".as_slice()
    ]);
    // Many nodes; with list-compress-depth 1 the inner nodes are LZF-compressed.
    let mut big = args!["RPUSH", "list:big"];
    for i in 0..1500 {
        if i % 5 == 0 {
            big.push(i.to_string().into_bytes());
        } else {
            big.push(format!("item:{i:05}:pad").into_bytes());
        }
    }
    cmds.push(big);
    pipe(c, cmds);
    if v >= Version::V7_0 {
        // Elements at or above this size become PLAIN quicklist nodes (7.0+).
        ok(c, args!["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "8000"]);
    }
    let mut rng = Rng::new(0xb16);
    let mut huge = args!["RPUSH", "list:huge-elems", "head"];
    huge.push(text(10_240, "huge-a"));
    huge.push("middle".into());
    huge.push(rng.bytes(10_300));
    huge.push("tail".into());
    huge.push(text(10_400, "huge-b"));
    ok(c, huge);
}

fn sets(c: &mut Conn) {
    let mut cmds = vec![
        args!["SADD", "set:int16", "-32768", "-1", "0", "1", "32767"],
        args![
            "SADD",
            "set:int32",
            "-2147483648",
            "32768",
            "2147483647",
            "5"
        ],
        args!["SADD", "set:int64", i64::MIN, i64::MAX, "2147483648", "1"],
        args![
            "SADD",
            "set:strings",
            "apple",
            "banana",
            "cherry",
            "007",
            "-0"
        ],
        args!["SADD", "set:binary", all_bytes(), "", "plain"],
        args!["SADD", "set:single", "42"],
    ];
    let mut big = args!["SADD", "set:big-ints"];
    for i in 0..600i64 {
        big.push((i * 7919 - 1_000_000).to_string().into_bytes());
    }
    cmds.push(big);
    let mut bigs = args!["SADD", "set:big-strings"];
    for i in 0..300 {
        bigs.push(format!("member-{i}").into_bytes());
    }
    cmds.push(bigs);
    pipe(c, cmds);
}

fn zsets(c: &mut Conn) {
    let mut small = args!["ZADD", "zset:small"];
    for (i, s) in SCORES.iter().enumerate() {
        small.push(s.as_bytes().to_vec());
        small.push(format!("m{i}:{s}").into_bytes());
    }
    let mut big = args!["ZADD", "zset:big"];
    for (i, s) in SCORES.iter().enumerate() {
        big.push(s.as_bytes().to_vec());
        big.push(format!("special-{i}").into_bytes());
    }
    for i in 0..200 {
        big.push(format!("{}", (i as f64) / 7.0 - 10.0).into_bytes());
        big.push(format!("member-{i:03}").into_bytes());
    }
    let cmds = vec![
        small,
        big,
        args![
            "ZADD",
            "zset:longmember",
            "1.5",
            vec![b'L'; 100],
            "2",
            "short"
        ],
        args!["ZADD", "zset:binary", "1", all_bytes(), "2", "", "3", "-1"],
        args![
            "ZADD",
            "zset:int-members",
            "1",
            "100",
            "2",
            "-5",
            "3",
            "70000"
        ],
    ];
    pipe(c, cmds);
}

fn hashes(c: &mut Conn) {
    let mut small = args!["HSET", "hash:small", "f1", "v1", "", "empty field"];
    for &i in INT_BOUNDARIES {
        small.push(format!("int:{i}").into_bytes());
        small.push(i.to_string().into_bytes());
    }
    small.push("empty".into());
    small.push(Vec::new());
    let mut big = args!["HSET", "hash:big"];
    // More than hash-max-ziplist-entries (512 by default): a hashtable.
    for i in 0..600 {
        big.push(format!("field-{i}").into_bytes());
        big.push(
            if i % 3 == 0 {
                i.to_string()
            } else {
                format!("value-{i}")
            }
            .into_bytes(),
        );
    }
    let cmds = vec![
        small,
        big,
        args!["HSET", "hash:longval", "f", vec![b'v'; 100]],
        args!["HSET", "hash:binary", all_bytes(), all_bytes(), "k", ""],
    ];
    // HSET with several pairs is 4.0+; HMSET works everywhere.
    let cmds = cmds
        .into_iter()
        .map(|mut a| {
            a[0] = b"HMSET".to_vec();
            a
        })
        .collect();
    pipe(c, cmds);
}

/// Streams (5.0+): several nodes, deleted entries, groups, PEL, consumers.
pub fn streams(c: &mut Conn, v: Version) {
    const BASE: u64 = 1_700_000_000_000;
    let id = |i: u64| format!("{}-{}", BASE + i, if i == 0 { 5 } else { i % 4 });
    let mut cmds = Vec::new();
    for i in 0..230u64 {
        let mut a = args!["XADD", "stream:main", id(i)];
        if i < 120 {
            a.extend(args!["sensor", "temp", "n", i.to_string()]);
        } else if i < 180 {
            a.extend(args!["other", i.to_string(), "x", "", "neg", "-12345"]);
        } else {
            let mut bin = all_bytes();
            bin.truncate((i - 180) as usize * 5 + 1);
            a.extend(args!["k", bin, "dup", "1", "dup", "2"]);
        }
        cmds.push(a);
    }
    for i in [0u64, 50, 51, 150, 229] {
        cmds.push(args!["XDEL", "stream:main", id(i)]);
    }
    cmds.push(args!["XGROUP", "CREATE", "stream:main", "g1", "0"]);
    cmds.push(args!["XGROUP", "CREATE", "stream:main", "g2", "$"]);
    cmds.push(args!["XGROUP", "CREATE", "stream:main", "g3", "0"]);
    cmds.push(args!["XGROUP", "CREATE", "stream:main", "grp:ü", id(100)]);
    pipe(c, cmds);
    let read = |c: &mut Conn, g: &str, who: &str, n: usize| {
        ok(
            c,
            args![
                "XREADGROUP",
                "GROUP",
                g,
                who,
                "COUNT",
                n,
                "STREAMS",
                "stream:main",
                ">"
            ],
        );
    };
    read(c, "g1", "alice", 5);
    read(c, "g1", "bob", 3);
    read(c, "g2", "idle-consumer", 10);
    read(c, "g3", "carol", 20);
    read(c, "grp:ü", "zoë", 4);
    ok(c, args!["XACK", "stream:main", "g1", id(2), id(3)]);
    ok(
        c,
        args!["XCLAIM", "stream:main", "g3", "dave", "0", id(4), id(5)],
    );
    ok(
        c,
        args![
            "XCLAIM",
            "stream:main",
            "g3",
            "dave",
            "0",
            id(6),
            "RETRYCOUNT",
            "7"
        ],
    );
    // A pending entry whose message is then deleted.
    ok(c, args!["XDEL", "stream:main", id(10)]);

    ok(c, args!["XADD", "stream:emptied", "1-1", "f", "v"]);
    ok(c, args!["XDEL", "stream:emptied", "1-1"]);
    ok(
        c,
        args!["XGROUP", "CREATE", "stream:mkstream", "g", "$", "MKSTREAM"],
    );
    let mut cmds = Vec::new();
    for i in 1..=50u64 {
        cmds.push(args![
            "XADD",
            "stream:trimmed",
            format!("{i}-0"),
            "i",
            i.to_string()
        ]);
    }
    cmds.push(args!["XTRIM", "stream:trimmed", "MAXLEN", "10"]);
    pipe(c, cmds);
    ok(c, args!["XADD", "stream:setid", "5-0", "a", "1"]);
    if v >= Version::V7_0 {
        ok(c, args!["XADD", "stream:setid", "6-0", "a", "2"]);
        ok(c, args!["XDEL", "stream:setid", "6-0"]);
        ok(
            c,
            args![
                "XSETID",
                "stream:setid",
                "900-9",
                "ENTRIESADDED",
                "1000",
                "MAXDELETEDID",
                "800-0"
            ],
        );
        ok(
            c,
            args![
                "XGROUP",
                "CREATE",
                "stream:setid",
                "g",
                "0",
                "ENTRIESREAD",
                "0"
            ],
        );
        ok(
            c,
            args![
                "XGROUP",
                "SETID",
                "stream:main",
                "g2",
                id(60),
                "ENTRIESREAD",
                "55"
            ],
        );
    } else {
        ok(c, args!["XSETID", "stream:setid", "900-9"]);
        ok(c, args!["XGROUP", "CREATE", "stream:setid", "g", "0"]);
    }
}

fn ttls(c: &mut Conn) {
    // Absolute times far in the future (2100-01-01 plus some ms), so the recorded answers
    // stay valid forever.
    const AT: i64 = 4_102_444_800_123;
    let cmds = vec![
        args!["SET", "ttl:string", "expires"],
        args!["PEXPIREAT", "ttl:string", AT],
        args!["RPUSH", "ttl:list", "a", "b"],
        args!["PEXPIREAT", "ttl:list", AT + 1],
        args!["SADD", "ttl:set", "1", "2"],
        args!["PEXPIREAT", "ttl:set", AT + 2],
        args!["ZADD", "ttl:zset", "1", "a"],
        args!["PEXPIREAT", "ttl:zset", AT + 3],
        args!["HMSET", "ttl:hash", "f", "v"],
        args!["PEXPIREAT", "ttl:hash", AT + 4],
        args!["SET", "ttl:relative", "ten years"],
        args!["PEXPIRE", "ttl:relative", "315360000000"],
        args!["SET", "ttl:seconds", "a century"],
        args!["EXPIRE", "ttl:seconds", "3153600000"],
    ];
    pipe(c, cmds);
}

fn other_dbs(c: &mut Conn) {
    for db in ["1", "15"] {
        let cmds = vec![
            args!["SELECT", db],
            args!["SET", "shared-name", format!("db {db}")],
            args!["SET", format!("db{db}:string"), "x"],
            args!["PEXPIREAT", format!("db{db}:string"), 4_102_444_800_999i64],
            args!["RPUSH", format!("db{db}:list"), "1", "two", "3"],
            args!["SADD", format!("db{db}:set"), "7", "8"],
            args!["ZADD", format!("db{db}:zset"), "0.5", "half"],
            args!["HMSET", format!("db{db}:hash"), "a", "1"],
        ];
        pipe(c, cmds);
    }
    ok(c, args!["SELECT", "0"]);
    ok(c, args!["SET", "shared-name", "db 0"]);
}
