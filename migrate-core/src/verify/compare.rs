//! Pure comparisons of value chunks, with the detail text of the first difference.

use bytes::Bytes;

use super::value;

/// Index of the first differing byte (or of the end of the shorter one).
pub(crate) fn first_byte_diff(x: &[u8], y: &[u8]) -> Option<usize> {
    if x == y {
        return None;
    }
    Some(
        x.iter()
            .zip(y)
            .position(|(a, b)| a != b)
            .unwrap_or(x.len().min(y.len())),
    )
}

/// Compares list chunks starting at index `base`.
pub(crate) fn compare_list(base: u64, x: &[Bytes], y: &[Bytes]) -> Option<String> {
    for (i, (a, b)) in x.iter().zip(y).enumerate() {
        if a != b {
            return Some(format!(
                "list element {} differs: {} on source, {} on target",
                base + i as u64,
                value::show(a),
                value::show(b)
            ));
        }
    }
    (x.len() != y.len()).then(|| {
        format!(
            "list element {} exists on one side only",
            base + x.len().min(y.len()) as u64
        )
    })
}

/// Compares `[member, score, ...]` chunks (by rank, from `base`), scores bit-exact.
pub(crate) fn compare_zset(base: u64, x: &[Bytes], y: &[Bytes]) -> Option<String> {
    for (i, (a, b)) in x.chunks(2).zip(y.chunks(2)).enumerate() {
        let rank = base + i as u64;
        let [am, asc] = a else {
            return Some(format!("zset reply truncated at rank {rank}"));
        };
        let [bm, bsc] = b else {
            return Some(format!("zset reply truncated at rank {rank}"));
        };
        if am != bm {
            return Some(format!(
                "zset member at rank {rank} differs: {} on source, {} on target",
                value::show(am),
                value::show(bm)
            ));
        }
        match (value::parse_score(asc), value::parse_score(bsc)) {
            (Some(p), Some(q)) if value::same_score(p, q) => {}
            _ => {
                return Some(format!(
                    "zset member {} score {} on source, {} on target",
                    value::show(am),
                    String::from_utf8_lossy(asc),
                    String::from_utf8_lossy(bsc)
                ))
            }
        }
    }
    (x.len() != y.len()).then(|| {
        format!(
            "zset rank {} exists on one side only",
            base + (x.len().min(y.len()) / 2) as u64
        )
    })
}

/// Compares two complete member lists as sets.
pub(crate) fn compare_set(mut x: Vec<Bytes>, mut y: Vec<Bytes>) -> Option<String> {
    x.sort_unstable();
    x.dedup();
    y.sort_unstable();
    y.dedup();
    let (mut i, mut j) = (0, 0);
    while i < x.len() || j < y.len() {
        match (x.get(i), y.get(j)) {
            (Some(a), Some(b)) if a == b => {
                i += 1;
                j += 1;
            }
            (Some(a), b) if b.is_none_or(|b| a < b) => {
                return Some(format!("set member {} missing on target", value::show(a)))
            }
            (_, Some(b)) => return Some(format!("set member {} only on target", value::show(b))),
            _ => break,
        }
    }
    None
}

/// Compares two complete `[field, value, ...]` lists as maps.
pub(crate) fn compare_hash(x: Vec<Bytes>, y: Vec<Bytes>) -> Option<String> {
    let pairs = |v: Vec<Bytes>| {
        let mut it = v.into_iter();
        let mut out = Vec::new();
        while let (Some(f), Some(v)) = (it.next(), it.next()) {
            out.push((f, v));
        }
        out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        out.dedup_by(|a, b| a.0 == b.0);
        out
    };
    let (x, y) = (pairs(x), pairs(y));
    let (mut i, mut j) = (0, 0);
    while i < x.len() || j < y.len() {
        match (x.get(i), y.get(j)) {
            (Some(a), Some(b)) if a.0 == b.0 => {
                if a.1 != b.1 {
                    return Some(format!(
                        "hash field {} is {} on source, {} on target",
                        value::show(&a.0),
                        value::show(&a.1),
                        value::show(&b.1)
                    ));
                }
                i += 1;
                j += 1;
            }
            (Some(a), b) if b.is_none_or(|b| a.0 < b.0) => {
                return Some(format!(
                    "hash field {} missing on target",
                    value::show(&a.0)
                ))
            }
            (_, Some(b)) => {
                return Some(format!("hash field {} only on target", value::show(&b.0)))
            }
            _ => break,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn b(v: &[&str]) -> Vec<Bytes> {
        v.iter()
            .map(|s| Bytes::copy_from_slice(s.as_bytes()))
            .collect()
    }

    #[test]
    fn lists_name_the_index() {
        assert_eq!(compare_list(0, &b(&["a", "b"]), &b(&["a", "b"])), None);
        assert!(compare_list(10, &b(&["a", "b"]), &b(&["a", "c"]))
            .unwrap()
            .contains("element 11"));
        assert!(compare_list(0, &b(&["a"]), &b(&["a", "c"]))
            .unwrap()
            .contains("one side only"));
    }

    #[test]
    fn zsets_compare_scores_bit_exact() {
        assert_eq!(compare_zset(0, &b(&["m", "1.5"]), &b(&["m", "1.5"])), None);
        assert_eq!(compare_zset(0, &b(&["m", "1.5"]), &b(&["m", "1.50"])), None);
        assert!(compare_zset(0, &b(&["m", "0"]), &b(&["m", "-0"])).is_some());
        assert!(compare_zset(0, &b(&["m", "0.1"]), &b(&["m", "0.10000000000000001"])).is_none());
        assert!(compare_zset(0, &b(&["m", "0.1"]), &b(&["m", "0.10000000000000003"])).is_some());
        assert!(compare_zset(3, &b(&["m", "1"]), &b(&["n", "1"]))
            .unwrap()
            .contains("rank 3"));
    }

    #[test]
    fn sets_and_hashes_ignore_order() {
        assert_eq!(compare_set(b(&["x", "y"]), b(&["y", "x"])), None);
        assert!(compare_set(b(&["x", "y"]), b(&["y"]))
            .unwrap()
            .contains("'x' missing on target"));
        assert!(compare_set(b(&["y"]), b(&["x", "y"]))
            .unwrap()
            .contains("'x' only on target"));
        assert_eq!(
            compare_hash(b(&["f", "1", "g", "2"]), b(&["g", "2", "f", "1"])),
            None
        );
        assert!(compare_hash(b(&["f", "1"]), b(&["f", "2"]))
            .unwrap()
            .contains("'1' on source, '2'"));
        assert!(compare_hash(b(&["f", "1"]), b(&[]))
            .unwrap()
            .contains("missing on target"));
        assert!(compare_hash(b(&[]), b(&["f", "1"]))
            .unwrap()
            .contains("only on target"));
    }

    #[test]
    fn bytes_name_the_offset() {
        assert_eq!(first_byte_diff(b"abc", b"abc"), None);
        assert_eq!(first_byte_diff(b"abc", b"abd"), Some(2));
        assert_eq!(first_byte_diff(b"ab", b"abc"), Some(2));
    }
}
