//! Finding the key arguments of a command.

use super::table::{lookup, CommandInfo};
use super::CommandError;

/// One rule locating key arguments in an argv (index 0 is the command name). A command's
/// keys are the union of its rules, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRule {
    /// The argument at this index, when present.
    Index(usize),
    /// Arguments `first..=last` every `step`; a negative `last` counts from the end (`-1` =
    /// the last argument, `-2` = the one before).
    Range {
        /// First key index.
        first: usize,
        /// Last key index; negative counts from the end.
        last: isize,
        /// Distance between keys (2 for `MSET k v k v`).
        step: usize,
    },
    /// `numkeys key...`: the argument at `count_at` is a count of keys that follow it
    /// (`EVAL script numkeys k..`, `ZUNIONSTORE dst numkeys k..`, `LMPOP numkeys k..`).
    NumKeys {
        /// Index of the count argument.
        count_at: usize,
    },
    /// A key after an option keyword, scanning options from `from` (`SORT .. STORE dst`,
    /// `GEORADIUS .. STORE k STOREDIST k`). Options named in `skip1`/`skip2` consume one/two
    /// values, so a value that happens to spell `STORE` is not taken for the keyword.
    Option {
        /// Index where the options start.
        from: usize,
        /// Keywords followed by a key.
        store: &'static [&'static str],
        /// Keywords followed by one non-key value.
        skip1: &'static [&'static str],
        /// Keywords followed by two non-key values.
        skip2: &'static [&'static str],
    },
    /// `XREAD`/`XREADGROUP`: after the `STREAMS` keyword, the first half of the remaining
    /// arguments are keys, the second half ids.
    Streams,
    /// `MIGRATE host port key|"" db timeout [.. KEYS k..]`.
    Migrate,
}

/// Indices of the key arguments of `argv`, in argument order (duplicates possible when a
/// command names a key twice). Unknown commands give `Ok(None)`: their keys are not known.
///
/// Errors when the argv cannot be a valid call of a known command (a numkeys that is not
/// a number or exceeds the arguments), so a filter never guesses.
pub fn key_indices<A: AsRef<[u8]>>(argv: &[A]) -> Result<Option<Vec<usize>>, CommandError> {
    let name = argv.first().ok_or(CommandError::Empty)?;
    match lookup(name.as_ref()) {
        Some(info) => key_indices_for(info, argv).map(Some),
        None => Ok(None),
    }
}

/// The key arguments of `argv` (see [`key_indices`]).
pub fn keys_of<A: AsRef<[u8]>>(argv: &[A]) -> Result<Option<Vec<&[u8]>>, CommandError> {
    Ok(key_indices(argv)?.map(|idx| {
        idx.into_iter()
            .filter_map(|i| argv.get(i).map(|a| a.as_ref()))
            .collect()
    }))
}

/// [`key_indices`] for a command already looked up.
pub fn key_indices_for<A: AsRef<[u8]>>(
    info: &CommandInfo,
    argv: &[A],
) -> Result<Vec<usize>, CommandError> {
    let mut out = Vec::new();
    let n = argv.len();
    for rule in info.keys {
        match *rule {
            KeyRule::Index(i) => {
                if i < n {
                    out.push(i);
                }
            }
            KeyRule::Range { first, last, step } => {
                let last = if last < 0 {
                    match n.checked_sub(last.unsigned_abs()) {
                        Some(l) => l,
                        None => continue,
                    }
                } else {
                    (last as usize).min(n.saturating_sub(1))
                };
                let mut i = first;
                while i <= last && i < n {
                    out.push(i);
                    i += step.max(1);
                }
            }
            KeyRule::NumKeys { count_at } => {
                let Some(raw) = argv.get(count_at) else {
                    continue;
                };
                let count = parse_count(info, count_at, raw.as_ref())?;
                let first = count_at + 1;
                if count > n - first {
                    return Err(CommandError::NumKeysOutOfRange {
                        command: info.name,
                        numkeys: count,
                        available: n - first,
                    });
                }
                out.extend(first..first + count);
            }
            KeyRule::Option {
                from,
                store,
                skip1,
                skip2,
            } => {
                let mut i = from;
                while i < n {
                    let a = argv[i].as_ref();
                    if store.iter().any(|k| a.eq_ignore_ascii_case(k.as_bytes())) {
                        if i + 1 < n {
                            out.push(i + 1);
                        }
                        i += 2;
                    } else if skip1.iter().any(|k| a.eq_ignore_ascii_case(k.as_bytes())) {
                        i += 2;
                    } else if skip2.iter().any(|k| a.eq_ignore_ascii_case(k.as_bytes())) {
                        i += 3;
                    } else {
                        i += 1;
                    }
                }
            }
            KeyRule::Streams => streams_keys(info, argv, &mut out)?,
            KeyRule::Migrate => migrate_keys(argv, &mut out),
        }
    }
    Ok(out)
}

fn parse_count(info: &CommandInfo, index: usize, raw: &[u8]) -> Result<usize, CommandError> {
    std::str::from_utf8(raw)
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .ok_or_else(|| CommandError::BadNumKeys {
            command: info.name,
            index,
            value: String::from_utf8_lossy(raw).into_owned(),
        })
}

fn streams_keys<A: AsRef<[u8]>>(
    info: &CommandInfo,
    argv: &[A],
    out: &mut Vec<usize>,
) -> Result<(), CommandError> {
    let n = argv.len();
    let mut i = 1;
    while i < n {
        let a = argv[i].as_ref();
        if a.eq_ignore_ascii_case(b"STREAMS") {
            let rest = n - i - 1;
            if rest == 0 || rest % 2 != 0 {
                return Err(CommandError::UnbalancedStreams { command: info.name });
            }
            out.extend(i + 1..i + 1 + rest / 2);
            return Ok(());
        } else if a.eq_ignore_ascii_case(b"GROUP") {
            i += 3;
        } else if a.eq_ignore_ascii_case(b"COUNT") || a.eq_ignore_ascii_case(b"BLOCK") {
            i += 2;
        } else {
            i += 1;
        }
    }
    Err(CommandError::UnbalancedStreams { command: info.name })
}

fn migrate_keys<A: AsRef<[u8]>>(argv: &[A], out: &mut Vec<usize>) {
    let n = argv.len();
    if let Some(k) = argv.get(3) {
        if !k.as_ref().is_empty() {
            out.push(3);
            return;
        }
    }
    let mut i = 6;
    while i < n {
        let a = argv[i].as_ref();
        if a.eq_ignore_ascii_case(b"KEYS") {
            out.extend(i + 1..n);
            return;
        } else if a.eq_ignore_ascii_case(b"AUTH") {
            i += 2;
        } else if a.eq_ignore_ascii_case(b"AUTH2") {
            i += 3;
        } else {
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn keys(cmd: &str) -> Option<Vec<String>> {
        let argv: Vec<&str> = cmd.split(' ').collect();
        keys_of(&argv).unwrap().map(|ks| {
            ks.into_iter()
                .map(|k| String::from_utf8(k.to_vec()).unwrap())
                .collect()
        })
    }

    fn k(list: &[&str]) -> Option<Vec<String>> {
        Some(list.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn simple_shapes() {
        assert_eq!(keys("set a 1"), k(&["a"]));
        assert_eq!(keys("SET a 1 PXAT 123"), k(&["a"]));
        assert_eq!(keys("del a b c"), k(&["a", "b", "c"]));
        assert_eq!(keys("mset a 1 b 2"), k(&["a", "b"]));
        assert_eq!(keys("rename a b"), k(&["a", "b"]));
        assert_eq!(keys("lmove a b LEFT RIGHT"), k(&["a", "b"]));
        assert_eq!(keys("blpop a b 0"), k(&["a", "b"]));
        assert_eq!(keys("bitop AND dst s1 s2"), k(&["dst", "s1", "s2"]));
        assert_eq!(keys("copy a b DB 3 REPLACE"), k(&["a", "b"]));
        assert_eq!(keys("xgroup CREATE s g $ MKSTREAM"), k(&["s"]));
        assert_eq!(keys("xgroup HELP"), k(&[]));
        assert_eq!(keys("ping"), k(&[]));
        assert_eq!(keys("flushall ASYNC"), k(&[]));
        assert_eq!(
            keys("geosearchstore dst src FROMMEMBER m BYRADIUS 1 km"),
            k(&["dst", "src"])
        );
        assert_eq!(keys("zrangestore dst src 0 -1"), k(&["dst", "src"]));
        assert_eq!(keys("pfmerge d a b"), k(&["d", "a", "b"]));
    }

    #[test]
    fn numkeys_shapes() {
        assert_eq!(keys("eval s 2 a b x y"), k(&["a", "b"]));
        assert_eq!(keys("evalsha s 0 x"), k(&[]));
        assert_eq!(keys("fcall f 1 a x"), k(&["a"]));
        assert_eq!(keys("zunionstore d 2 a b WEIGHTS 1 2"), k(&["d", "a", "b"]));
        assert_eq!(keys("lmpop 2 a b LEFT"), k(&["a", "b"]));
        assert_eq!(keys("blmpop 0 1 a LEFT"), k(&["a"]));
        let err = keys_of(&["eval", "s", "5", "a"]).unwrap_err();
        assert!(matches!(
            err,
            CommandError::NumKeysOutOfRange {
                numkeys: 5,
                available: 1,
                ..
            }
        ));
        let err = keys_of(&["eval", "s", "x", "a"]).unwrap_err();
        assert!(matches!(err, CommandError::BadNumKeys { index: 2, .. }));
        let err = keys_of(&["eval", "s", "-1"]).unwrap_err();
        assert!(matches!(err, CommandError::BadNumKeys { .. }));
    }

    #[test]
    fn keyword_shapes() {
        assert_eq!(keys("sort a BY STORE GET STORE STORE d"), k(&["a", "d"]));
        assert_eq!(keys("sort a LIMIT 0 10 ALPHA"), k(&["a"]));
        assert_eq!(
            keys("georadius g 1 2 3 km COUNT 5 STORE d STOREDIST e"),
            k(&["g", "d", "e"])
        );
        assert_eq!(keys("georadiusbymember g m 3 km STORE d"), k(&["g", "d"]));
        assert_eq!(
            keys("xreadgroup GROUP g c COUNT 1 STREAMS a b > >"),
            k(&["a", "b"])
        );
        assert_eq!(keys("xreadgroup GROUP STREAMS c STREAMS a 0"), k(&["a"]));
        assert!(keys_of(&["xreadgroup", "GROUP", "g", "c", "STREAMS", "a"]).is_err());
        assert_eq!(keys("migrate h 1 k 0 10 COPY"), k(&["k"]));
        assert_eq!(keys("migrate h 1  0 10 AUTH KEYS KEYS a b"), k(&["a", "b"]));
    }

    #[test]
    fn unknown_and_empty() {
        assert_eq!(keys("json.set a $ 1"), None);
        assert!(matches!(key_indices::<&str>(&[]), Err(CommandError::Empty)));
    }

    proptest::proptest! {
        /// Key indices are always in bounds and never panic, whatever the arguments.
        #[test]
        fn indices_in_bounds(
            name in proptest::sample::select(
                super::super::table::TABLE.iter().map(|r| r.name).collect::<Vec<_>>()),
            args in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::string::string_regex("[a-z0-9]{0,3}").unwrap(),
                    proptest::sample::select(vec![
                        "STORE".to_string(), "STREAMS".to_string(), "KEYS".to_string(),
                        "COUNT".to_string(), "GROUP".to_string(), "1".to_string(),
                        "2".to_string(), "0".to_string()]),
                ], 0..8),
        ) {
            let mut argv = vec![name.to_string()];
            argv.extend(args);
            if let Ok(Some(idx)) = key_indices(&argv) {
                for i in idx {
                    proptest::prop_assert!(i >= 1 && i < argv.len());
                }
            }
        }
    }
}
