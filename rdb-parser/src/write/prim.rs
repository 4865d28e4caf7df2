//! RDB primitives: lengths, strings, doubles, times.

use super::{Lzf, StrOpts, WriteError};
use crate::encoding::canonical_i64;

/// The byte form of an RDB length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LenForm {
    /// The shortest form (what Redis writes).
    #[default]
    Minimal,
    /// `00xxxxxx`: values 0–63.
    Bits6,
    /// `01xxxxxx xxxxxxxx` (big-endian): values 0–16383.
    Bits14,
    /// `0x80` + u32 big-endian.
    Bits32,
    /// `0x81` + u64 big-endian (RDB 8+).
    Bits64,
}

/// Appends `n` as an RDB length in its shortest form.
///
/// ```
/// let mut out = Vec::new();
/// rdb_parser::write::put_len(&mut out, 300);
/// assert_eq!(out, [0x41, 0x2c]);
/// ```
pub fn put_len(out: &mut Vec<u8>, n: u64) {
    if n < 64 {
        out.push(n as u8);
    } else if n < 16384 {
        out.extend_from_slice(&[0x40 | (n >> 8) as u8, n as u8]);
    } else if n <= u64::from(u32::MAX) {
        out.push(0x80);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

/// Appends `n` as an RDB length in the given form (readers must accept non-minimal
/// forms; Redis writes `entries_read = -1` as `0x81` + eight 0xFF bytes, for example).
pub fn put_len_as(out: &mut Vec<u8>, n: u64, form: LenForm) -> Result<(), WriteError> {
    match form {
        LenForm::Minimal => put_len(out, n),
        LenForm::Bits6 if n < 64 => out.push(n as u8),
        LenForm::Bits14 if n < 16384 => out.extend_from_slice(&[0x40 | (n >> 8) as u8, n as u8]),
        LenForm::Bits32 if n <= u64::from(u32::MAX) => {
            out.push(0x80);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
        LenForm::Bits64 => {
            out.push(0x81);
            out.extend_from_slice(&n.to_be_bytes());
        }
        _ => {
            return Err(WriteError::TooLarge {
                what: "length form",
            })
        }
    }
    Ok(())
}

/// Appends `s` as an RDB string chosen like Redis's `rdbSaveRawString` under `opts`:
/// INT8/16/32 when `s` is a canonical integer of at most 11 bytes that fits in 32 bits,
/// else LZF when allowed and worthwhile, else raw.
pub fn put_string(out: &mut Vec<u8>, s: &[u8], opts: StrOpts) {
    if opts.int_encode && s.len() <= 11 {
        if let Some(v) = canonical_i64(s) {
            if let Ok(v) = i32::try_from(v) {
                put_int_string(out, v);
                return;
            }
        }
    }
    let max_out = match opts.lzf {
        Lzf::Never => 0,
        // Redis: only strings longer than 20 bytes, kept when they save at least 4 bytes.
        Lzf::Auto if s.len() > 20 => s.len() - 4,
        Lzf::Auto => 0,
        Lzf::Force => s.len().saturating_sub(1),
    };
    if max_out > 0 {
        if let Some(c) = super::lzf::compress(s, max_out) {
            put_lzf_body(out, &c, s.len());
            return;
        }
    }
    put_raw_string(out, s);
}

/// Appends `s` as a plain length-prefixed string (never integer- or LZF-encoded).
pub fn put_raw_string(out: &mut Vec<u8>, s: &[u8]) {
    put_len(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// Appends `v` in the smallest of the INT8 (0xC0), INT16 (0xC1) and INT32 (0xC2) string
/// encodings. The reader turns it back into `v`'s decimal text.
pub fn put_int_string(out: &mut Vec<u8>, v: i32) {
    if let Ok(b) = i8::try_from(v) {
        out.extend_from_slice(&[0xC0, b as u8]);
    } else if let Ok(h) = i16::try_from(v) {
        out.push(0xC1);
        out.extend_from_slice(&h.to_le_bytes());
    } else {
        out.push(0xC2);
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// Appends `s` LZF-compressed (0xC3) even when that does not make it shorter (legal,
/// if unusual: loaders accept any compressed length). Returns false, writing a raw
/// string instead, only for an empty `s`, which LZF cannot represent.
pub fn put_lzf_string(out: &mut Vec<u8>, s: &[u8]) -> bool {
    let worst = s.len() + s.len() / 32 + 1;
    match super::lzf::compress(s, worst) {
        Some(c) => {
            put_lzf_body(out, &c, s.len());
            true
        }
        None => {
            put_raw_string(out, s);
            false
        }
    }
}

fn put_lzf_body(out: &mut Vec<u8>, compressed: &[u8], ulen: usize) {
    out.push(0xC3);
    put_len(out, compressed.len() as u64);
    put_len(out, ulen as u64);
    out.extend_from_slice(compressed);
}

/// Appends a binary double (ZSET_2 scores, module DOUBLE): 8 bytes IEEE-754 LE.
pub fn put_binary_double(out: &mut Vec<u8>, v: f64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Appends an ASCII double (type-3 zset scores) as Redis's `rdbSaveDoubleValue` writes
/// it: 253/254/255 for NaN/+inf/−inf, else a length byte and [`score_text`].
/// (Redis itself writes −0.0 as `0`; this writes `-0`, which loads as −0.0.)
pub fn put_ascii_double(out: &mut Vec<u8>, v: f64) {
    if v.is_nan() {
        out.push(253);
    } else if v == f64::INFINITY {
        out.push(254);
    } else if v == f64::NEG_INFINITY {
        out.push(255);
    } else {
        let text = score_text(v).unwrap_or_default();
        out.push(text.len() as u8);
        out.extend_from_slice(text.as_bytes());
    }
}

/// A zset score as text, exactly as Redis ≤ 7.0 formats it (`d2string`) for ziplist and
/// listpack zsets and ASCII doubles: `inf` / `-inf`, `0` / `-0`, integers in
/// (−2^52, 2^52) in decimal, anything else with `%.17g` (`0.1` → `0.10000000000000001`,
/// `1e300` → `1.0000000000000001e+300`). Every form parses back to exactly `v`. `None`
/// for NaN, which no zset may hold.
///
/// ```
/// use rdb_parser::write::score_text;
/// assert_eq!(score_text(2.0).as_deref(), Some("2"));
/// assert_eq!(score_text(0.1).as_deref(), Some("0.10000000000000001"));
/// assert_eq!(score_text(5e-324).as_deref(), Some("4.9406564584124654e-324"));
/// assert_eq!(score_text(f64::NAN), None);
/// ```
pub fn score_text(v: f64) -> Option<String> {
    if v.is_nan() {
        return None;
    }
    if v.is_infinite() {
        return Some(if v < 0.0 { "-inf" } else { "inf" }.to_string());
    }
    if v == 0.0 {
        return Some(if v.is_sign_negative() { "-0" } else { "0" }.to_string());
    }
    if v > -4_503_599_627_370_495.0 && v < 4_503_599_627_370_496.0 && v == (v as i64) as f64 {
        return Some((v as i64).to_string());
    }
    Some(format_g17(v))
}

/// C's `printf("%.17g", v)` for a finite, non-zero `v` (Rust's `{:e}` formatting is
/// correctly rounded, like glibc's).
fn format_g17(v: f64) -> String {
    let sci = format!("{:.16e}", v.abs());
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let mut out = String::with_capacity(26);
    if v < 0.0 {
        out.push('-');
    }
    if !(-4..17).contains(&exp) {
        let frac = digits[1..].trim_end_matches('0');
        out.push_str(&digits[..1]);
        if !frac.is_empty() {
            out.push('.');
            out.push_str(frac);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.abs()));
    } else if exp >= 0 {
        let point = exp as usize + 1;
        out.push_str(&digits[..point]);
        let frac = digits[point..].trim_end_matches('0');
        if !frac.is_empty() {
            out.push('.');
            out.push_str(frac);
        }
    } else {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(digits.trim_end_matches('0'));
    }
    out
}

/// Appends an ASCII double with caller-chosen text (e.g. the `%.17g` form older servers
/// wrote, `"0.10000000000000001"`). The text must be at most 252 bytes.
pub fn put_ascii_double_text(out: &mut Vec<u8>, text: &[u8]) -> Result<(), WriteError> {
    if text.len() > 252 {
        return Err(WriteError::TooLarge {
            what: "ASCII double text",
        });
    }
    out.push(text.len() as u8);
    out.extend_from_slice(text);
    Ok(())
}

/// Appends a millisecond time / 64-bit LE integer (EXPIRETIME_MS, stream times, hash
/// field `minExpire`, Valkey HASH_2 expiries).
pub fn put_i64_le(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(&v.to_le_bytes());
}
