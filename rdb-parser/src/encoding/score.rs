//! Zset score helpers: listpack/ziplist score elements and the type-3 ASCII doubles.
//!
//! Text is parsed with Rust's `str::parse::<f64>`, which is correctly rounded, so a score
//! written with 17 significant digits or in shortest round-trip form comes back as exactly
//! the double Redis had. `inf`, `-inf` (and `infinity` spellings) are accepted; NaN is
//! rejected, as Redis rejects it when loading a zset.

use super::error::BlobErrorKind;
use crate::Elem;

/// Parses score text as Redis writes it (`"1.5"`, `"-3"`, `"5e-324"`, `"inf"`, `"-inf"`,
/// `"1.7976931348623157e+308"`) into the exact `f64`.
///
/// ```
/// use rdb_parser::encoding::parse_score_text;
/// assert_eq!(parse_score_text(b"0.1").unwrap(), 0.1);
/// assert_eq!(parse_score_text(b"-inf").unwrap(), f64::NEG_INFINITY);
/// assert_eq!(parse_score_text(b"5e-324").unwrap(), f64::from_bits(1));
/// assert!(parse_score_text(b"nan").is_err());
/// ```
pub fn parse_score_text(text: &[u8]) -> Result<f64, BlobErrorKind> {
    let s = std::str::from_utf8(text).map_err(|_| BlobErrorKind::BadScore)?;
    let v: f64 = s.parse().map_err(|_| BlobErrorKind::BadScore)?;
    if v.is_nan() {
        return Err(BlobErrorKind::NanScore);
    }
    Ok(v)
}

/// The score held by a listpack/ziplist element: an integer entry (converted like Redis's
/// `(double)value`, round-to-nearest) or score text.
pub fn score_from_elem(e: Elem<'_>) -> Result<f64, BlobErrorKind> {
    match e {
        Elem::Int(i) => Ok(i as f64),
        Elem::Bytes(b) => parse_score_text(b),
    }
}

/// What the length byte of an ASCII double (RDB type 3 scores) announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsciiDoubleHeader {
    /// 253: NaN (a zset loader must reject it).
    Nan,
    /// 254: positive infinity.
    PosInf,
    /// 255: negative infinity.
    NegInf,
    /// 0–252: that many bytes of text follow.
    Text(usize),
}

/// Interprets the length byte of an ASCII double.
pub fn ascii_double_header(len_byte: u8) -> AsciiDoubleHeader {
    match len_byte {
        253 => AsciiDoubleHeader::Nan,
        254 => AsciiDoubleHeader::PosInf,
        255 => AsciiDoubleHeader::NegInf,
        n => AsciiDoubleHeader::Text(n as usize),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn scores_exact() {
        let cases: &[(&str, f64)] = &[
            ("1.5", 1.5),
            ("-0", -0.0),
            ("0.1", 0.1),
            ("inf", f64::INFINITY),
            ("-inf", f64::NEG_INFINITY),
            ("+inf", f64::INFINITY),
            ("5e-324", f64::from_bits(1)),
            ("4.9406564584124654e-324", f64::from_bits(1)),
            ("1.7976931348623157e+308", f64::MAX),
            ("-1.7976931348623157e+308", f64::MIN),
            ("2.2250738585072014e-308", f64::MIN_POSITIVE),
            ("3.1415926535897931", std::f64::consts::PI),
            ("9007199254740993", 9007199254740992.0),
        ];
        for &(s, v) in cases {
            let got = parse_score_text(s.as_bytes()).unwrap();
            assert_eq!(got.to_bits(), v.to_bits(), "{s}");
        }
        for bad in ["nan", "NaN", "-nan", "", "1.5x", " 1", "abc", "\u{ff}"] {
            assert!(parse_score_text(bad.as_bytes()).is_err(), "{bad:?}");
        }
        assert_eq!(
            score_from_elem(Elem::Int(i64::MAX)).unwrap(),
            9.223372036854776e18
        );
        assert_eq!(score_from_elem(Elem::Int(-3)).unwrap(), -3.0);
    }

    #[test]
    fn ascii_headers() {
        assert_eq!(ascii_double_header(253), AsciiDoubleHeader::Nan);
        assert_eq!(ascii_double_header(254), AsciiDoubleHeader::PosInf);
        assert_eq!(ascii_double_header(255), AsciiDoubleHeader::NegInf);
        assert_eq!(ascii_double_header(3), AsciiDoubleHeader::Text(3));
    }
}
