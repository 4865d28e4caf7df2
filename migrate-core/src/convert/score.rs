//! Exact text for sorted-set scores.
//!
//! Redis parses a score with `strtod` and rejects NaN; it accepts `inf`/`-inf`, exponent
//! notation (`1e300`) and subnormals (`5e-324`). We print the *shortest* decimal that
//! parses back to the same bits (Rust's float formatting guarantees the round trip), in
//! plain notation for everyday magnitudes and exponent notation otherwise, so a score such
//! as `1.7976931348623157e308` is 22 bytes rather than 309. `-0.0` is `-0` (Redis keeps the
//! sign). `%f`-style formatting, which loses precision, is never used.

/// Appends the exact text of `score` to `out`. `None` (nothing written) for NaN, which no
/// server accepts.
pub fn write_score(score: f64, out: &mut Vec<u8>) -> Option<()> {
    use std::io::Write;
    if score.is_nan() {
        return None;
    }
    let a = score.abs();
    let res = if score == 0.0 || score.is_infinite() || (1e-5..1e16).contains(&a) {
        write!(out, "{score}")
    } else {
        write!(out, "{score:e}")
    };
    res.ok()
}

/// The exact text of `score` (see [`write_score`]); `None` for NaN.
pub fn format_score(score: f64) -> Option<String> {
    let mut v = Vec::with_capacity(24);
    write_score(score, &mut v)?;
    String::from_utf8(v).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn known_values() {
        let cases: [(f64, &str); 12] = [
            (0.0, "0"),
            (-0.0, "-0"),
            (1.5, "1.5"),
            (-2.0, "-2"),
            (0.1, "0.1"),
            (1e300, "1e300"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e308"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (123456789012345680.0, "1.2345678901234568e17"),
            (1e15, "1000000000000000"),
        ];
        for (x, s) in cases {
            assert_eq!(format_score(x).unwrap(), s);
        }
        assert!(format_score(f64::NAN).is_none());
    }

    proptest::proptest! {
        #[test]
        fn round_trips_bit_exact(bits in proptest::num::u64::ANY) {
            let x = f64::from_bits(bits);
            match format_score(x) {
                None => proptest::prop_assert!(x.is_nan()),
                Some(s) => {
                    let back: f64 = s.parse().unwrap();
                    proptest::prop_assert_eq!(back.to_bits(), x.to_bits(), "{}", s);
                    proptest::prop_assert!(s.len() <= 24, "{}", s);
                }
            }
        }
    }
}
