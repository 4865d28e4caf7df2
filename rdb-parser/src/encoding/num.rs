//! Small bounds-checked readers and the canonical-integer test shared by decoders and
//! writers.

/// `N` bytes at `at`, or `None` when the slice is too short.
#[inline(always)]
pub(crate) fn arr<const N: usize>(b: &[u8], at: usize) -> Option<[u8; N]> {
    let end = at.checked_add(N)?;
    let s = b.get(at..end)?;
    let mut a = [0u8; N];
    a.copy_from_slice(s);
    Some(a)
}

#[inline(always)]
pub(crate) fn u16_le(b: &[u8], at: usize) -> Option<u16> {
    arr::<2>(b, at).map(u16::from_le_bytes)
}

#[inline(always)]
pub(crate) fn u32_le(b: &[u8], at: usize) -> Option<u32> {
    arr::<4>(b, at).map(u32::from_le_bytes)
}

/// Parses `s` as an integer exactly when it is the canonical decimal form of an `i64`
/// (no sign other than a leading `-`, no leading zeros, no `-0`, no spaces). This is the
/// test Redis applies (`string2ll`) before storing a string as an integer entry, so a
/// writer that int-encodes only such strings round-trips every value byte for byte.
pub fn canonical_i64(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.split_first()? {
        (b'-', rest) => (true, rest),
        _ => (false, s),
    };
    match digits {
        [] => return None,
        [b'0'] => return if neg { None } else { Some(0) },
        [b'0', ..] => return None,
        _ if digits.len() > 19 => return None,
        _ => {}
    }
    let mut v: u64 = 0;
    for &c in digits {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    if neg {
        if v <= (i64::MAX as u64) + 1 {
            Some((v as i64).wrapping_neg())
        } else {
            None
        }
    } else {
        i64::try_from(v).ok()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::canonical_i64;

    #[test]
    fn canonical_forms_only() {
        for (s, v) in [
            ("0", Some(0)),
            ("-1", Some(-1)),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("9223372036854775808", None),
            ("-9223372036854775809", None),
            ("-0", None),
            ("007", None),
            ("+1", None),
            (" 1", None),
            ("1 ", None),
            ("", None),
            ("-", None),
            ("12a", None),
            ("99999999999999999999", None),
        ] {
            assert_eq!(canonical_i64(s.as_bytes()), v, "{s:?}");
        }
        for i in [
            -1000i64,
            -1,
            0,
            1,
            12,
            13,
            127,
            128,
            4095,
            4096,
            i64::MIN,
            i64::MAX,
        ] {
            assert_eq!(canonical_i64(i.to_string().as_bytes()), Some(i));
        }
    }
}
