//! Splitting variadic commands that exceed a target's multibulk limit.

use crate::convert::Argv;

use super::lookup;

/// Targets up to 6.2 reject a command with more than this many arguments.
pub const MAX_MULTIBULK: usize = 1024 * 1024;

/// Splits a variadic command into commands of at most `max_args` arguments each, keeping
/// its fixed prefix (`LPUSH key`, `HSET key`, `ZADD key NX CH`, `XACK key group`) on every
/// part. Applied in order, the parts have the same effect as the whole command had on the
/// source (where it succeeded — so even `MSETNX` parts all apply); they are not atomic
/// unless sent inside `MULTI`/`EXEC`. `None` for commands that cannot be split (not
/// variadic, `ZADD .. INCR`, malformed) or when `max_args` leaves no room for one item.
pub fn split_variadic<A: AsRef<[u8]>>(argv: &[A], max_args: usize) -> Option<Vec<Argv>> {
    let info = lookup(argv.first()?.as_ref())?;
    let eq = |i: usize, w: &str| {
        argv.get(i)
            .is_some_and(|a| a.as_ref().eq_ignore_ascii_case(w.as_bytes()))
    };
    let (prefix, stride) = match info.name {
        "DEL" | "UNLINK" | "TOUCH" => (1, 1),
        "MSET" | "MSETNX" => (1, 2),
        "RPUSH" | "LPUSH" | "RPUSHX" | "LPUSHX" | "SADD" | "SREM" | "ZREM" | "HDEL" | "PFADD"
        | "XDEL" => (2, 1),
        "HSET" | "HMSET" => (2, 2),
        "XACK" => (3, 1),
        "ZADD" => {
            let mut p = 2;
            while ["NX", "XX", "GT", "LT", "CH"].iter().any(|w| eq(p, w)) {
                p += 1;
            }
            if eq(p, "INCR") {
                return None;
            }
            (p, 2)
        }
        _ => return None,
    };
    let items = argv.len().checked_sub(prefix)?;
    if items == 0 || items % stride != 0 || max_args < prefix + stride {
        return None;
    }
    let per = (max_args - prefix) / stride * stride;
    let head: Argv = argv[..prefix].iter().map(|a| a.as_ref().to_vec()).collect();
    Some(
        argv[prefix..]
            .chunks(per)
            .map(|chunk| {
                let mut v = head.clone();
                v.extend(chunk.iter().map(|a| a.as_ref().to_vec()));
                v
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn sp(cmd: &str, max: usize) -> Option<Vec<String>> {
        let argv: Vec<&str> = cmd.split(' ').collect();
        split_variadic(&argv, max).map(|v| {
            v.iter()
                .map(|c| {
                    c.iter()
                        .map(|a| String::from_utf8_lossy(a).into_owned())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect()
        })
    }

    #[test]
    fn shapes() {
        assert_eq!(
            sp("rpush k a b c d e", 4).unwrap(),
            ["rpush k a b", "rpush k c d", "rpush k e"]
        );
        assert_eq!(sp("del a b c", 2).unwrap(), ["del a", "del b", "del c"]);
        assert_eq!(
            sp("mset a 1 b 2 c 3", 5).unwrap(),
            ["mset a 1 b 2", "mset c 3"]
        );
        assert_eq!(
            sp("hset h f 1 g 2 i 3", 6).unwrap(),
            ["hset h f 1 g 2", "hset h i 3"]
        );
        assert_eq!(
            sp("zadd z NX CH 1 a 2 b 3 c", 7).unwrap(),
            ["zadd z NX CH 1 a", "zadd z NX CH 2 b", "zadd z NX CH 3 c"]
        );
        assert_eq!(
            sp("xack s g 1-1 2-2 3-3", 5).unwrap(),
            ["xack s g 1-1 2-2", "xack s g 3-3"]
        );
        assert!(sp("zadd z INCR 1 a", 10).is_none());
        assert!(sp("set k v", 2).is_none());
        assert!(sp("mset a 1 b", 10).is_none());
        assert!(sp("rpush k a", 2).is_none());
        assert_eq!(sp("rpush k a", 3).unwrap(), ["rpush k a"]);
        assert!(sp("json.set k $ 1", 3).is_none());
    }

    #[test]
    fn adapt_splits_only_for_old_targets() {
        use crate::command::{adapt, Compat};
        use crate::convert::TargetCaps;
        let mut argv: Vec<Vec<u8>> = vec![b"RPUSH".to_vec(), b"k".to_vec()];
        argv.extend((0..MAX_MULTIBULK).map(|i| i.to_string().into_bytes()));
        assert_eq!(
            adapt(&argv, &TargetCaps::for_version(7, 0), 0).unwrap(),
            Compat::Unchanged
        );
        match adapt(&argv, &TargetCaps::for_version(6, 2), 0).unwrap() {
            Compat::Replace(parts) => {
                assert_eq!(parts.len(), 2);
                assert!(parts
                    .iter()
                    .all(|p| p.len() <= MAX_MULTIBULK && p[1] == b"k"));
                let n: usize = parts.iter().map(|p| p.len() - 2).sum();
                assert_eq!(n, MAX_MULTIBULK);
                assert_eq!(
                    parts[1].last().unwrap(),
                    (MAX_MULTIBULK - 1).to_string().as_bytes()
                );
            }
            other => panic!("{other:?}"),
        }
        let mut big_set: Vec<Vec<u8>> = vec![b"SET".to_vec(), b"k".to_vec()];
        big_set.extend((0..MAX_MULTIBULK).map(|_| b"x".to_vec()));
        assert!(adapt(&big_set, &TargetCaps::for_version(5, 0), 0).is_err());
    }
}
