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

/// Writes one element: integers as their decimal text in a JSON string (they are strings to
/// Redis), bytes as [`write_bytes`] does.
pub fn write_elem<W: Write + ?Sized>(w: &mut W, e: &Elem<'_>) -> io::Result<()> {
    match *e {
        Elem::Bytes(b) => write_bytes(w, b),
        Elem::Int(i) => write!(w, "\"{i}\""),
    }
}

/// Writes the body of a JSON string (no quotes) for bytes already known to be valid UTF-8.
///
/// Escapes `"`, `\` and every control character below U+0020.
pub fn write_escaped<W: Write + ?Sized>(w: &mut W, utf8: &[u8]) -> io::Result<()> {
    let mut start = 0;
    for (i, &b) in utf8.iter().enumerate() {
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
                write!(w, "\\u{b:04x}")?;
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        w.write_all(&utf8[start..i])?;
        w.write_all(esc)?;
        start = i + 1;
    }
    w.write_all(&utf8[start..])
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
    write!(w, "\"{ms}-{seq}\"")
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
