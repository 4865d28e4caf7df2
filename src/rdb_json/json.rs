//! JSON primitives of the `rdb-dump` format: byte strings, scores, stream ids.
//!
//! Everything here writes straight to an [`io::Write`]; nothing builds a `String` of a value.

use std::io::{self, Write};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rdb_parser::Elem;

/// Writes `bytes` as a JSON string when they are valid UTF-8, else as `{"b64":"<base64>"}`.
///
/// Control characters, `"` and `\` are escaped; everything else is written as is.
pub fn write_bytes<W: Write + ?Sized>(w: &mut W, bytes: &[u8]) -> io::Result<()> {
    match std::str::from_utf8(bytes) {
        Ok(s) => {
            w.write_all(b"\"")?;
            write_escaped(w, s.as_bytes())?;
            w.write_all(b"\"")
        }
        Err(_) => {
            w.write_all(b"{\"b64\":\"")?;
            write_b64(w, bytes)?;
            w.write_all(b"\"}")
        }
    }
}

/// Writes an integer as JSON (decimal digits, no quotes) without the `fmt` machinery.
pub fn write_i64<W: Write + ?Sized>(w: &mut W, v: i64) -> io::Result<()> {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = v.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        w.write_all(b"-")?;
    }
    w.write_all(&buf[i..])
}

/// Writes an unsigned integer as JSON.
pub fn write_u64<W: Write + ?Sized>(w: &mut W, v: u64) -> io::Result<()> {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = v;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    w.write_all(&buf[i..])
}

/// Writes one element: integers as their decimal text in a JSON string (they are strings to
/// Redis), bytes as [`write_bytes`] does.
pub fn write_elem<W: Write + ?Sized>(w: &mut W, e: &Elem<'_>) -> io::Result<()> {
    match *e {
        Elem::Bytes(b) => write_bytes(w, b),
        Elem::Int(i) => {
            w.write_all(b"\"")?;
            write_i64(w, i)?;
            w.write_all(b"\"")
        }
    }
}

/// Writes the body of a JSON string (no quotes) for bytes already known to be valid UTF-8.
///
/// Escapes `"`, `\` and every control character below U+0020.
pub fn write_escaped<W: Write + ?Sized>(w: &mut W, utf8: &[u8]) -> io::Result<()> {
    let mut start = 0;
    let mut i = 0;
    while i < utf8.len() {
        // Skip 8 bytes at a time while none of them needs escaping.
        if let Some(word) = utf8.get(i..i + 8) {
            let mut b8 = [0u8; 8];
            b8.copy_from_slice(word);
            if !word_needs_escape(u64::from_le_bytes(b8)) {
                i += 8;
                continue;
            }
        }
        let b = utf8[i];
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => {
                w.write_all(&utf8[start..i])?;
                const HEX: &[u8; 16] = b"0123456789abcdef";
                w.write_all(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[(b >> 4) as usize],
                    HEX[(b & 15) as usize],
                ])?;
                i += 1;
                start = i;
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        };
        w.write_all(&utf8[start..i])?;
        w.write_all(esc)?;
        i += 1;
        start = i;
    }
    w.write_all(&utf8[start..])
}

/// Whether any of the 8 bytes is `"`, `\` or below 0x20 (SWAR zero-byte tests).
#[inline]
fn word_needs_escape(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH != 0;
    // A byte < 0x20: subtracting 0x20 borrows into its high bit (only bytes < 0x80 count;
    // bytes >= 0x80 never need escaping, hence `& !x`).
    let below = x.wrapping_sub(ONES * 0x20) & !x & HIGH != 0;
    below || has_zero(x ^ (ONES * b'"' as u64)) || has_zero(x ^ (ONES * b'\\' as u64))
}

/// Writes `bytes` as standard base64 with padding (no quotes).
pub fn write_b64<W: Write + ?Sized>(w: &mut W, bytes: &[u8]) -> io::Result<()> {
    let mut enc = B64Stream::default();
    enc.feed(w, bytes)?;
    enc.finish(w)
}

/// A streaming base64 encoder for values that arrive in pieces split anywhere: it keeps at
/// most 2 bytes between pieces and writes everything else at once.
#[derive(Debug, Default)]
pub struct B64Stream {
    carry: [u8; 3],
    n: usize,
    buf: Vec<u8>,
}

impl B64Stream {
    /// Encodes the next piece.
    pub fn feed<W: Write + ?Sized>(&mut self, w: &mut W, mut data: &[u8]) -> io::Result<()> {
        if self.n > 0 {
            let take = (3 - self.n).min(data.len());
            self.carry[self.n..self.n + take].copy_from_slice(&data[..take]);
            self.n += take;
            data = &data[take..];
            if self.n < 3 {
                return Ok(());
            }
            let carry = self.carry;
            self.n = 0;
            self.encode(w, &carry)?;
        }
        let whole = data.len() / 3 * 3;
        for piece in data[..whole].chunks(48 * 1024) {
            self.encode(w, piece)?;
        }
        let rest = &data[whole..];
        self.carry[..rest.len()].copy_from_slice(rest);
        self.n = rest.len();
        Ok(())
    }

    /// Writes the last (padded) group and resets the encoder.
    pub fn finish<W: Write + ?Sized>(&mut self, w: &mut W) -> io::Result<()> {
        let carry = self.carry;
        let n = std::mem::take(&mut self.n);
        self.encode(w, &carry[..n])
    }

    fn encode<W: Write + ?Sized>(&mut self, w: &mut W, data: &[u8]) -> io::Result<()> {
        self.buf.clear();
        self.buf.resize(data.len().div_ceil(3) * 4, 0);
        let n = STANDARD
            .encode_slice(data, &mut self.buf)
            .map_err(|e| io::Error::other(e.to_string()))?;
        w.write_all(&self.buf[..n])
    }
}

/// Writes a zset score: `"inf"` / `"-inf"` for the infinities, `"nan"` for a NaN (which no
/// valid file holds), otherwise the shortest decimal form that reads back to the same
/// double, always with a `.` or an exponent so JSON readers see a float (`1.0`, `-0.0`,
/// `5e-324`, `1.7976931348623157e308`).
pub fn write_score<W: Write + ?Sized>(w: &mut W, score: f64) -> io::Result<()> {
    if score.is_nan() {
        w.write_all(b"\"nan\"")
    } else if score == f64::INFINITY {
        w.write_all(b"\"inf\"")
    } else if score == f64::NEG_INFINITY {
        w.write_all(b"\"-inf\"")
    } else {
        // Rust's `Debug` for f64 is the shortest round-trip form, switching to exponent
        // notation for very large/small magnitudes; both are valid JSON numbers.
        write!(w, "{score:?}")
    }
}

/// Writes a stream id as the JSON string `"ms-seq"`.
pub fn write_id<W: Write + ?Sized>(w: &mut W, ms: u64, seq: u64) -> io::Result<()> {
    w.write_all(b"\"")?;
    write_u64(w, ms)?;
    w.write_all(b"-")?;
    write_u64(w, seq)?;
    w.write_all(b"\"")
}

/// Incremental UTF-8 validation over a value that arrives in pieces split anywhere.
#[derive(Debug, Clone, Default)]
pub struct Utf8Check {
    invalid: bool,
    carry: [u8; 4],
    carry_len: usize,
}

impl Utf8Check {
    /// Checks the next piece.
    pub fn feed(&mut self, mut data: &[u8]) {
        if self.invalid {
            return;
        }
        if self.carry_len > 0 {
            let width = match self.carry[0] {
                0xc2..=0xdf => 2,
                0xe0..=0xef => 3,
                0xf0..=0xf4 => 4,
                _ => {
                    self.invalid = true;
                    return;
                }
            };
            let take = (width - self.carry_len).min(data.len());
            self.carry[self.carry_len..self.carry_len + take].copy_from_slice(&data[..take]);
            self.carry_len += take;
            data = &data[take..];
            if self.carry_len < width {
                return;
            }
            if std::str::from_utf8(&self.carry[..width]).is_err() {
                self.invalid = true;
                return;
            }
            self.carry_len = 0;
        }
        if let Err(e) = std::str::from_utf8(data) {
            if e.error_len().is_some() {
                self.invalid = true;
            } else {
                let rest = &data[e.valid_up_to()..];
                self.carry[..rest.len()].copy_from_slice(rest);
                self.carry_len = rest.len();
            }
        }
    }

    /// Whether everything fed so far is complete, valid UTF-8.
    pub fn is_valid(&self) -> bool {
        !self.invalid && self.carry_len == 0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn s(f: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut v = Vec::new();
        f(&mut v).unwrap();
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn strings_escape_and_fall_back_to_base64() {
        assert_eq!(
            s(|w| write_bytes(w, b"a\"b\\c\n\x01\x7f")),
            concat!(r#""a\"b\\c\n\u0001"#, "\x7f\"")
        );
        assert_eq!(s(|w| write_bytes(w, "é€😀".as_bytes())), "\"é€😀\"");
        assert_eq!(s(|w| write_bytes(w, b"\xff\x00")), r#"{"b64":"/wA="}"#);
        assert_eq!(s(|w| write_bytes(w, b"")), r#""""#);
        assert_eq!(s(|w| write_elem(w, &Elem::Int(-5))), r#""-5""#);
    }

    #[test]
    fn escaping_agrees_with_a_bytewise_reference_at_every_position() {
        fn reference(s: &str) -> String {
            let mut o = String::new();
            for c in s.chars() {
                match c {
                    '"' => o.push_str("\\\""),
                    '\\' => o.push_str("\\\\"),
                    '\n' => o.push_str("\\n"),
                    '\r' => o.push_str("\\r"),
                    '\t' => o.push_str("\\t"),
                    '\u{8}' => o.push_str("\\b"),
                    '\u{c}' => o.push_str("\\f"),
                    c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
                    c => o.push(c),
                }
            }
            o
        }
        let specials = [
            "\"", "\\", "\n", "\u{1}", "\u{1f}", " ", "\u{7f}", "é", "😀", "a",
        ];
        for sp in specials {
            for pos in 0..20 {
                let s: String = "x".repeat(pos) + sp + &"y".repeat(19 - pos);
                let mut out = Vec::new();
                write_escaped(&mut out, s.as_bytes()).unwrap();
                assert_eq!(String::from_utf8(out).unwrap(), reference(&s), "{s:?}");
            }
        }
        let all: String = (0u32..0x80).filter_map(char::from_u32).collect::<String>() + "é€😀";
        let mut out = Vec::new();
        write_escaped(&mut out, all.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), reference(&all));
    }

    #[test]
    fn integers_and_ids() {
        for v in [0i64, 7, -1, 10, -10, i64::MIN, i64::MAX, 4096] {
            assert_eq!(s(|w| write_i64(w, v)), v.to_string());
        }
        assert_eq!(s(|w| write_u64(w, u64::MAX)), u64::MAX.to_string());
        assert_eq!(s(|w| write_id(w, 1700000000000, 0)), "\"1700000000000-0\"");
    }

    #[test]
    fn scores_are_shortest_round_trip() {
        let cases = [
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (0.1, "0.1"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e308"),
            (f64::INFINITY, "\"inf\""),
            (f64::NEG_INFINITY, "\"-inf\""),
            (1.0 / 3.0, "0.3333333333333333"),
        ];
        for (v, want) in cases {
            assert_eq!(s(|w| write_score(w, v)), want);
            if !v.is_infinite() {
                assert_eq!(want.parse::<f64>().unwrap().to_bits(), f64::to_bits(v));
            }
        }
    }

    #[test]
    fn base64_stream_matches_one_shot_for_any_split() {
        let data: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        for len in [0usize, 1, 2, 3, 4, 5, 100, 1000] {
            let want = STANDARD.encode(&data[..len]);
            for cut in [0, 1, 2, len / 2, len] {
                let cut = cut.min(len);
                let mut out = Vec::new();
                let mut e = B64Stream::default();
                e.feed(&mut out, &data[..cut]).unwrap();
                e.feed(&mut out, &data[cut..len]).unwrap();
                e.finish(&mut out).unwrap();
                assert_eq!(String::from_utf8(out).unwrap(), want, "{len} {cut}");
            }
        }
    }

    #[test]
    fn utf8_check_across_any_split() {
        let text = "aé€😀z".as_bytes();
        for cut in 0..=text.len() {
            for cut2 in cut..=text.len() {
                let mut c = Utf8Check::default();
                c.feed(&text[..cut]);
                c.feed(&text[cut..cut2]);
                c.feed(&text[cut2..]);
                assert!(c.is_valid(), "{cut} {cut2}");
            }
        }
        let bad = b"a\xe2\x82z";
        for cut in 0..=bad.len() {
            let mut c = Utf8Check::default();
            c.feed(&bad[..cut]);
            c.feed(&bad[cut..]);
            assert!(!c.is_valid());
        }
        let mut c = Utf8Check::default();
        c.feed(b"\xe2\x82");
        assert!(!c.is_valid(), "incomplete at the end");
    }
}
