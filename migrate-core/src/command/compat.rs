//! Adapting stream commands to an older target (downgrades such as 7.0 -> 5.0).
//!
//! A newer source's stream carries syntax an older target rejects (7.0 turns `SET .. EX` into
//! `SET .. PXAT`, `INCRBYFLOAT` into `SET .. KEEPTTL`, `LMPOP` into `LPOP key count`...).
//! [`adapt`] rewrites a command into equivalent commands the target accepts, or refuses it
//! with [`Incompatible`] when no faithful equivalent exists — never a silent approximation.
//!
//! Every rewrite relies on one fact: the command already succeeded on the source, and the
//! target holds the same data, so conditions (`NX`, `XX`, `GT`, `LT` on expiries,
//! `NOMKSTREAM`) evaluate the same way on both and may be dropped where the target lacks
//! them.
//!
//! | command (target lacks it) | rewritten as |
//! |---|---|
//! | `UNLINK` (< 4.0) | `DEL` |
//! | `HSET` with several fields (< 4.0) | `HMSET` |
//! | `FLUSHDB`/`FLUSHALL` `ASYNC` (< 4.0), `SYNC` (< 6.2) | without the flag |
//! | `ZPOPMIN`/`ZPOPMAX key [n]` (< 5.0) | `ZREMRANGEBYRANK key 0 n-1` / `-n -1` |
//! | `RESTORE` of a payload newer than the target's RDB version | the value as commands ([`crate::convert`]), then `PEXPIREAT` |
//! | `RESTORE .. ABSTTL` / `IDLETIME` / `FREQ` (< 5.0) | relative TTL (from `now_ms`), flags dropped |
//! | `SET .. KEEPTTL` (< 6.0) | a Lua script that keeps the TTL |
//! | `SET .. PXAT/EXAT/GET` (< 6.2) | `SET` + `PEXPIREAT` (`GET` dropped) |
//! | `GETDEL` / `GETEX` (< 6.2) | `DEL` / `PEXPIRE`… / `PERSIST` / nothing |
//! | `LMOVE`/`BLMOVE` (< 6.2) | `RPOPLPUSH` (RIGHT LEFT) or a Lua pop+push |
//! | `BRPOPLPUSH` | `RPOPLPUSH` |
//! | `LPOP`/`RPOP key count` (< 6.2) | a Lua loop of single pops |
//! | `XADD`/`XTRIM` `NOMKSTREAM`, `LIMIT n` (< 6.2) | without them |
//! | `XGROUP CREATECONSUMER` (5.0) | `XCLAIM key group consumer 0 0-0 JUSTID` |
//! | `ZADD .. GT/LT` (< 6.2) | a Lua script applying the same per-member rule |
//! | `COPY a b [REPLACE]` (< 6.2, same db) | a Lua `DUMP` + `RESTORE` with the TTL |
//! | `*EXPIRE*` with `NX/XX/GT/LT` (< 7.0) | without the condition |
//! | `XSETID .. ENTRIESADDED/MAXDELETEDID`, `XGROUP .. ENTRIESREAD` (< 7.0) | without them |
//!
//! Refused ([`Incompatible`]): `SWAPDB` (< 4.0), any stream command (< 5.0), `COPY .. DB`,
//! `ZADD GT|LT INCR`, `XADD/XTRIM MINID`, `ZRANGESTORE`, `GEOSEARCHSTORE`, `ZDIFFSTORE`,
//! `XAUTOCLAIM`, `XGROUP CREATECONSUMER` on 6.0/6.1 (< 6.2), `FUNCTION`/`FCALL*`,
//! `*MPOP` (< 7.0), hash field expiry commands (< 7.4 / 8.0).

use crate::convert::{payload_to_commands, Argv, ConvertOptions, TargetCaps};

use super::lookup;
use super::split::{split_variadic, MAX_MULTIBULK};

/// What to send instead of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compat {
    /// The target accepts it as is.
    Unchanged,
    /// Send these commands (possibly none) instead, in order.
    Replace(Vec<Argv>),
}

/// A command the target version cannot reproduce faithfully.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{command}: target {}.{} cannot reproduce it ({reason})", target.0, target.1)]
pub struct Incompatible {
    /// The command (as received).
    pub command: String,
    /// The target version.
    pub target: (u32, u32),
    /// Why.
    pub reason: String,
}

const KEEPTTL_LUA: &[u8] = b"local t = redis.call('PTTL', KEYS[1]) \
local r = redis.call('SET', KEYS[1], unpack(ARGV)) \
if r and t > 0 then redis.call('PEXPIRE', KEYS[1], t) end return 1";
const MOVE_LUA: &[u8] = b"local v = redis.call(ARGV[1], KEYS[1]) \
if v then redis.call(ARGV[2], KEYS[2], v) end return v";
const POPN_LUA: &[u8] = b"for i = 1, tonumber(ARGV[2]) do \
if not redis.call(ARGV[1], KEYS[1]) then break end end return 1";

const COPY_LUA: &[u8] = b"local d = redis.call('DUMP', KEYS[1]) if not d then return 0 end \
local t = redis.call('PTTL', KEYS[1]) if t < 0 then t = 0 end \
if ARGV[1] == '1' then redis.call('RESTORE', KEYS[2], t, d, 'REPLACE') \
else redis.call('RESTORE', KEYS[2], t, d) end return 1";
const ZADD_LUA: &[u8] = b"local nx, xx, gt, lt = ARGV[1] == '1', ARGV[2] == '1', ARGV[3] == '1', ARGV[4] == '1' \
for i = 5, #ARGV, 2 do \
local s, m = ARGV[i], ARGV[i + 1] \
local cur = redis.call('ZSCORE', KEYS[1], m) \
if not cur then \
if not xx then redis.call('ZADD', KEYS[1], s, m) end \
elseif not nx then \
local ns, cs = tonumber(s), tonumber(cur) \
if (not gt and not lt) or (gt and ns > cs) or (lt and ns < cs) then redis.call('ZADD', KEYS[1], s, m) end \
end end return 1";

fn eq(a: &[u8], b: &str) -> bool {
    a.eq_ignore_ascii_case(b.as_bytes())
}

fn owned<A: AsRef<[u8]>>(argv: &[A]) -> Argv {
    argv.iter().map(|a| a.as_ref().to_vec()).collect()
}

fn num(a: &[u8]) -> Option<i64> {
    std::str::from_utf8(a).ok()?.parse().ok()
}

/// Adapts `argv` to a target with `caps`. `now_ms` (unix ms) turns absolute TTLs into
/// relative ones where the target only knows those.
///
/// On targets before 7.0, a variadic command with more than [`MAX_MULTIBULK`] arguments
/// (which those servers reject) is first split into several commands of the same kind (see
/// [`split_variadic`]); each part is then adapted.
pub fn adapt<A: AsRef<[u8]>>(
    argv: &[A],
    caps: &TargetCaps,
    now_ms: i64,
) -> Result<Compat, Incompatible> {
    if !caps.at_least(7, 0) && argv.len() > MAX_MULTIBULK {
        let Some(parts) = split_variadic(argv, MAX_MULTIBULK) else {
            let name = argv.first().map_or(&[][..], |a| a.as_ref());
            return Err(Incompatible {
                command: String::from_utf8_lossy(name).into_owned(),
                target: caps.version,
                reason: format!("{} arguments exceed the target's multibulk limit and the command cannot be split", argv.len()),
            });
        };
        let mut out = Vec::new();
        for part in parts {
            match adapt_one(&part, caps, now_ms)? {
                Compat::Unchanged => out.push(part),
                Compat::Replace(mut v) => out.append(&mut v),
            }
        }
        return Ok(Compat::Replace(out));
    }
    adapt_one(argv, caps, now_ms)
}

fn adapt_one<A: AsRef<[u8]>>(
    argv: &[A],
    caps: &TargetCaps,
    now_ms: i64,
) -> Result<Compat, Incompatible> {
    let Some(name) = argv.first().map(|a| a.as_ref()) else {
        return Ok(Compat::Unchanged);
    };
    let Some(info) = lookup(name) else {
        return Ok(Compat::Unchanged);
    };
    let at = |ma, mi| caps.at_least(ma, mi);
    let refuse = |reason: &'static str| {
        Err(Incompatible {
            command: String::from_utf8_lossy(name).into_owned(),
            target: caps.version,
            reason: reason.to_owned(),
        })
    };
    let a = |i: usize| argv.get(i).map_or(&[][..], |x| x.as_ref());
    let key = || a(1).to_vec();
    let one = |v: Argv| Ok(Compat::Replace(vec![v]));
    let strip = |drop1: &[&str], drop2: &[&str], from: usize| -> Compat {
        let mut out = Vec::with_capacity(argv.len());
        let mut changed = false;
        let mut i = 0;
        while i < argv.len() {
            let x = a(i);
            if i >= from && drop1.iter().any(|d| eq(x, d)) {
                changed = true;
                i += 1;
            } else if i >= from && drop2.iter().any(|d| eq(x, d)) {
                changed = true;
                i += 2;
            } else {
                out.push(x.to_vec());
                i += 1;
            }
        }
        if changed {
            Compat::Replace(vec![out])
        } else {
            Compat::Unchanged
        }
    };
    if info.value_type == Some(super::ValueType::Stream) && !at(5, 0) {
        return refuse("streams need 5.0");
    }
    match info.name {
        "UNLINK" if !at(4, 0) => {
            let mut v = owned(argv);
            v[0] = b"DEL".to_vec();
            one(v)
        }
        "HSET" if !at(4, 0) && argv.len() > 4 => {
            let mut v = owned(argv);
            v[0] = b"HMSET".to_vec();
            one(v)
        }
        "FLUSHDB" | "FLUSHALL" if !at(6, 2) => {
            let drop: &[&str] = if at(4, 0) {
                &["SYNC"]
            } else {
                &["SYNC", "ASYNC"]
            };
            Ok(strip(drop, &[], 1))
        }
        "SWAPDB" if !at(4, 0) => refuse("SWAPDB needs 4.0"),
        "ZPOPMIN" | "ZPOPMAX" if !at(5, 0) => {
            let n = if argv.len() > 2 {
                num(a(2)).unwrap_or(1)
            } else {
                1
            }
            .max(1);
            let (lo, hi) = if info.name == "ZPOPMIN" {
                (0, n - 1)
            } else {
                (-n, -1)
            };
            one(vec![
                b"ZREMRANGEBYRANK".to_vec(),
                key(),
                lo.to_string().into_bytes(),
                hi.to_string().into_bytes(),
            ])
        }
        "RESTORE" | "RESTORE-ASKING" if payload_too_new(a(3), caps) => {
            // The target cannot load this payload: replay the value as commands.
            let Some(ttl) = num(a(2)).filter(|t| *t >= 0) else {
                return refuse("bad RESTORE ttl");
            };
            let abs = argv.iter().skip(4).any(|x| eq(x.as_ref(), "ABSTTL"));
            let expire = match ttl {
                0 => None,
                t if abs => Some(t),
                t => Some(now_ms.saturating_add(t)),
            };
            let mut out = Vec::new();
            let opts = ConvertOptions::new(*caps);
            match payload_to_commands(a(1), a(3), expire, opts, &mut out) {
                Ok(_) => Ok(Compat::Replace(out)),
                Err(e) => Err(Incompatible {
                    command: String::from_utf8_lossy(name).into_owned(),
                    target: caps.version,
                    reason: e.to_string(),
                }),
            }
        }
        "RESTORE" | "RESTORE-ASKING" if !at(5, 0) => {
            let abs = argv.iter().skip(4).any(|x| eq(x.as_ref(), "ABSTTL"));
            let mut v: Argv = owned(&argv[..argv.len().min(4)]);
            if abs {
                if let Some(ttl) = num(a(2)).filter(|t| *t > 0) {
                    v[2] = (ttl - now_ms).max(1).to_string().into_bytes();
                }
            }
            let mut i = 4;
            while i < argv.len() {
                let x = a(i);
                if eq(x, "REPLACE") {
                    v.push(x.to_vec());
                    i += 1;
                } else if eq(x, "IDLETIME") || eq(x, "FREQ") {
                    i += 2;
                } else {
                    i += 1;
                }
            }
            one(v)
        }
        "SET" => set(argv, caps),
        "GETDEL" if !at(6, 2) => one(vec![b"DEL".to_vec(), key()]),
        "GETEX" if !at(6, 2) => {
            let cmd: &[u8] = match argv.get(2).map(|x| x.as_ref().to_ascii_uppercase()) {
                None => return Ok(Compat::Replace(Vec::new())),
                Some(o) if o == b"EX" => b"EXPIRE",
                Some(o) if o == b"PX" => b"PEXPIRE",
                Some(o) if o == b"EXAT" => b"EXPIREAT",
                Some(o) if o == b"PXAT" => b"PEXPIREAT",
                Some(o) if o == b"PERSIST" => return one(vec![b"PERSIST".to_vec(), key()]),
                Some(_) => return refuse("unknown GETEX option"),
            };
            one(vec![cmd.to_vec(), key(), a(3).to_vec()])
        }
        "LMOVE" | "BLMOVE" if !at(6, 2) => {
            let (from, to) = (a(3), a(4));
            if eq(from, "RIGHT") && eq(to, "LEFT") {
                return one(vec![b"RPOPLPUSH".to_vec(), key(), a(2).to_vec()]);
            }
            let pop: &[u8] = if eq(from, "LEFT") { b"LPOP" } else { b"RPOP" };
            let push: &[u8] = if eq(to, "LEFT") { b"LPUSH" } else { b"RPUSH" };
            one(vec![
                b"EVAL".to_vec(),
                MOVE_LUA.to_vec(),
                b"2".to_vec(),
                key(),
                a(2).to_vec(),
                pop.to_vec(),
                push.to_vec(),
            ])
        }
        "BRPOPLPUSH" => one(vec![b"RPOPLPUSH".to_vec(), key(), a(2).to_vec()]),
        "LPOP" | "RPOP" if !at(6, 2) && argv.len() > 2 => one(vec![
            b"EVAL".to_vec(),
            POPN_LUA.to_vec(),
            b"1".to_vec(),
            key(),
            info.name.as_bytes().to_vec(),
            a(2).to_vec(),
        ]),
        "XADD" | "XTRIM" if !at(6, 2) => {
            if argv.iter().any(|x| eq(x.as_ref(), "MINID")) {
                return refuse("MINID trimming needs 6.2");
            }
            Ok(strip(&["NOMKSTREAM"], &["LIMIT"], 2))
        }
        "XGROUP" if eq(a(1), "CREATECONSUMER") && !at(6, 2) => {
            if at(6, 0) {
                return refuse("XGROUP CREATECONSUMER needs 6.2");
            }
            one(vec![
                b"XCLAIM".to_vec(),
                a(2).to_vec(),
                a(3).to_vec(),
                a(4).to_vec(),
                b"0".to_vec(),
                b"0-0".to_vec(),
                b"JUSTID".to_vec(),
            ])
        }
        "XGROUP" | "XSETID" if !at(7, 0) => Ok(strip(
            &[],
            &["ENTRIESREAD", "ENTRIESADDED", "MAXDELETEDID"],
            2,
        )),
        "EXPIRE" | "PEXPIRE" | "EXPIREAT" | "PEXPIREAT" if !at(7, 0) => {
            Ok(strip(&["NX", "XX", "GT", "LT"], &[], 3))
        }
        "COPY" if !at(6, 2) => {
            // Same-db COPY as DUMP + RESTORE in a script; across dbs there is no equivalent.
            let mut replace = false;
            for x in argv.iter().skip(3) {
                if eq(x.as_ref(), "REPLACE") {
                    replace = true;
                } else {
                    return refuse("COPY .. DB needs 6.2");
                }
            }
            let r: &[u8] = if replace { b"1" } else { b"0" };
            one(vec![
                b"EVAL".to_vec(),
                COPY_LUA.to_vec(),
                b"2".to_vec(),
                key(),
                a(2).to_vec(),
                r.to_vec(),
            ])
        }
        "ZRANGESTORE" | "GEOSEARCHSTORE" | "ZDIFFSTORE" | "XAUTOCLAIM" if !at(6, 2) => {
            refuse("the command needs 6.2")
        }
        "ZADD" if !at(6, 2) => zadd(argv, caps),
        "FUNCTION" | "FCALL" | "FCALL_RO" | "EVAL_RO" | "EVALSHA_RO" | "LMPOP" | "BLMPOP"
        | "ZMPOP" | "BZMPOP"
            if !at(7, 0) =>
        {
            refuse("the command needs 7.0")
        }
        "HEXPIRE" | "HPEXPIRE" | "HEXPIREAT" | "HPEXPIREAT" | "HPERSIST" if !at(7, 4) => {
            refuse("hash field expiry needs 7.4")
        }
        "HGETDEL" | "HGETEX" | "HSETEX" if !at(8, 0) => refuse("the command needs 8.0"),
        _ => Ok(Compat::Unchanged),
    }
}

/// `ZADD key [NX|XX] [GT|LT] [CH] score member ..` with `GT`/`LT` on a target before 6.2:
/// a Lua script applying the same per-member rule (`INCR` is refused).
fn zadd<A: AsRef<[u8]>>(argv: &[A], caps: &TargetCaps) -> Result<Compat, Incompatible> {
    let mut flags = [false; 4]; // nx, xx, gt, lt
    let mut i = 2;
    while let Some(x) = argv.get(i).map(|a| a.as_ref()) {
        match ["NX", "XX", "GT", "LT", "CH", "INCR"]
            .iter()
            .position(|w| eq(x, w))
        {
            Some(f @ 0..=3) => flags[f] = true,
            Some(4) => {}
            Some(_) => {
                if flags[2] || flags[3] {
                    return Err(Incompatible {
                        command: String::from_utf8_lossy(argv[0].as_ref()).into_owned(),
                        target: caps.version,
                        reason: "ZADD GT/LT INCR needs 6.2".into(),
                    });
                }
            }
            None => break,
        }
        i += 1;
    }
    if !(flags[2] || flags[3]) {
        return Ok(Compat::Unchanged);
    }
    let flag = |b: bool| if b { b"1".to_vec() } else { b"0".to_vec() };
    let mut e = vec![
        b"EVAL".to_vec(),
        ZADD_LUA.to_vec(),
        b"1".to_vec(),
        argv[1].as_ref().to_vec(),
    ];
    e.extend(flags.iter().map(|&b| flag(b)));
    e.extend(argv[i..].iter().map(|a| a.as_ref().to_vec()));
    Ok(Compat::Replace(vec![e]))
}

/// Whether `payload` verifies and declares an RDB version the target cannot load.
fn payload_too_new(payload: &[u8], caps: &TargetCaps) -> bool {
    rdb_parser::verify_dump_payload(payload).is_ok_and(|d| !caps.accepts_payload(d.version))
}

/// `SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL]`.
fn set<A: AsRef<[u8]>>(argv: &[A], caps: &TargetCaps) -> Result<Compat, Incompatible> {
    // Options this parser does not know (newer servers', e.g. Valkey's IFEQ) or malformed
    // ones leave the command unchanged: the target judges it, and a rejection is reported.
    let mut cond: Option<Vec<u8>> = None;
    let mut rel: Option<(Vec<u8>, Vec<u8>)> = None; // EX/PX and value
    let mut abs_ms: Option<Vec<u8>> = None;
    let mut keepttl = false;
    let mut get = false;
    let mut i = 3;
    while i < argv.len() {
        let x = argv[i].as_ref();
        let val = argv.get(i + 1).map(|v| v.as_ref().to_vec());
        if eq(x, "NX") || eq(x, "XX") {
            cond = Some(x.to_vec());
        } else if eq(x, "GET") {
            get = true;
        } else if eq(x, "KEEPTTL") {
            keepttl = true;
        } else if eq(x, "EX") || eq(x, "PX") {
            let Some(v) = val else {
                return Ok(Compat::Unchanged);
            };
            rel = Some((x.to_vec(), v));
            i += 1;
        } else if eq(x, "PXAT") {
            let Some(v) = val else {
                return Ok(Compat::Unchanged);
            };
            abs_ms = Some(v);
            i += 1;
        } else if eq(x, "EXAT") {
            let Some(secs) = val.as_deref().and_then(num) else {
                return Ok(Compat::Unchanged);
            };
            abs_ms = Some(secs.saturating_mul(1000).to_string().into_bytes());
            i += 1;
        } else {
            return Ok(Compat::Unchanged);
        }
        i += 1;
    }
    let needs_62 = get || abs_ms.is_some();
    let needs_60 = keepttl;
    let lacks_62 = needs_62 && !caps.at_least(6, 2);
    let lacks_60 = needs_60 && !caps.at_least(6, 0);
    if !lacks_62 && !lacks_60 {
        return Ok(Compat::Unchanged);
    }
    let k = argv[1].as_ref().to_vec();
    let Some(v) = argv.get(2).map(|x| x.as_ref().to_vec()) else {
        return Ok(Compat::Unchanged);
    };
    if keepttl && !caps.at_least(6, 0) {
        let mut e = vec![b"EVAL".to_vec(), KEEPTTL_LUA.to_vec(), b"1".to_vec(), k, v];
        e.extend(cond);
        return Ok(Compat::Replace(vec![e]));
    }
    let mut s = vec![b"SET".to_vec(), k.clone(), v];
    if let Some((opt, val)) = rel {
        s.push(opt);
        s.push(val);
    }
    if keepttl {
        s.push(b"KEEPTTL".to_vec());
    }
    s.extend(cond);
    let mut out = vec![s];
    if let Some(ms) = abs_ms {
        out.push(vec![b"PEXPIREAT".to_vec(), k, ms]);
    }
    Ok(Compat::Replace(out))
}

#[cfg(test)]
mod tests;
