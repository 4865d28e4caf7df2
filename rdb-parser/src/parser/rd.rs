//! Reading atomic units (lengths, strings, numbers) from a slice that may end too early.
//!
//! Every read either succeeds, or stops with [`Stop::Need`] (the slice ended: retry the whole
//! unit with more input) or [`Stop::Bad`] (corrupt input at a position).

use crate::error::ErrorKind;

/// Why a unit could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// At least this many more bytes are needed.
    Need(usize),
    /// Corrupt input at this position of the slice.
    Bad(ErrorKind, usize),
}

pub(crate) type P<T> = Result<T, Stop>;

/// A string as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Str {
    /// Raw bytes at `[start, start+len)`.
    Raw(usize, usize),
    /// An INT8/16/32-encoded integer.
    Int(i64),
    /// LZF: compressed bytes at `[start, start+clen)`, `ulen` once decompressed.
    Lzf(usize, usize, usize),
}

/// A length or a special string encoding byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LenOrEnc {
    Len(u64),
    Enc(u8),
}

/// A cursor over a slice.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rd<'i> {
    pub b: &'i [u8],
    pub p: usize,
    /// Whether the 0x81 (64-bit) length form is allowed (RDB >= 8).
    pub len64: bool,
    /// Largest atomic unit (string/blob) accepted.
    pub max_unit: usize,
}

impl<'i> Rd<'i> {
    #[inline]
    pub fn left(&self) -> usize {
        self.b.len().saturating_sub(self.p)
    }

    #[inline]
    pub fn need(&self, n: usize) -> P<()> {
        let left = self.left();
        if left >= n {
            Ok(())
        } else {
            Err(Stop::Need(n - left))
        }
    }

    #[inline]
    pub fn u8(&mut self) -> P<u8> {
        match self.b.get(self.p) {
            Some(&v) => {
                self.p += 1;
                Ok(v)
            }
            None => Err(Stop::Need(1)),
        }
    }

    #[inline]
    pub fn array<const N: usize>(&mut self) -> P<[u8; N]> {
        self.need(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(&self.b[self.p..self.p + N]);
        self.p += N;
        Ok(out)
    }

    #[inline]
    pub fn i64_le(&mut self) -> P<i64> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    /// Skips `n` bytes, returning where they start.
    #[inline]
    pub fn take(&mut self, n: usize) -> P<usize> {
        self.need(n)?;
        let s = self.p;
        self.p += n;
        Ok(s)
    }

    /// A stream ID stored as 16 raw big-endian bytes.
    #[inline]
    pub fn raw_id(&mut self) -> P<crate::event::StreamId> {
        Ok(crate::event::StreamId::from_be_bytes(self.array()?))
    }

    /// A length, or the low 6 bits of a special string encoding byte.
    #[inline(always)]
    pub fn len_or_enc(&mut self) -> P<LenOrEnc> {
        match self.b.get(self.p) {
            Some(&b0) if b0 < 0x40 => {
                self.p += 1;
                Ok(LenOrEnc::Len(u64::from(b0)))
            }
            _ => self.len_or_enc_slow(),
        }
    }

    #[inline(never)]
    fn len_or_enc_slow(&mut self) -> P<LenOrEnc> {
        let at = self.p;
        let b0 = self.u8()?;
        match b0 >> 6 {
            0 => Ok(LenOrEnc::Len(u64::from(b0 & 0x3F))),
            1 => {
                let b1 = self.u8()?;
                Ok(LenOrEnc::Len((u64::from(b0 & 0x3F) << 8) | u64::from(b1)))
            }
            3 => Ok(LenOrEnc::Enc(b0 & 0x3F)),
            _ => match b0 {
                0x80 => Ok(LenOrEnc::Len(u64::from(u32::from_be_bytes(self.array()?)))),
                0x81 if self.len64 => Ok(LenOrEnc::Len(u64::from_be_bytes(self.array()?))),
                _ => Err(Stop::Bad(ErrorKind::BadLength(b0), at)),
            },
        }
    }

    /// A plain length.
    #[inline]
    pub fn len(&mut self) -> P<u64> {
        let at = self.p;
        match self.len_or_enc()? {
            LenOrEnc::Len(n) => Ok(n),
            LenOrEnc::Enc(e) => Err(Stop::Bad(ErrorKind::UnexpectedEncodedLength(0xC0 | e), at)),
        }
    }

    /// A length that must fit the unit limit (used for byte counts).
    #[inline]
    pub fn size(&mut self, at: usize) -> P<usize> {
        let n = self.len()?;
        self.check_size(n, at)
    }

    #[inline]
    pub fn check_size(&self, n: u64, at: usize) -> P<usize> {
        match usize::try_from(n) {
            Ok(v) if v <= self.max_unit => Ok(v),
            _ => Err(Stop::Bad(ErrorKind::TooLarge(n), at)),
        }
    }

    /// A complete string (all its bytes present).
    #[inline(always)]
    pub fn string(&mut self) -> P<Str> {
        let h = self.string_head()?;
        match h {
            Str::Raw(_, len) => {
                let s = self.take(len)?;
                Ok(Str::Raw(s, len))
            }
            Str::Lzf(_, clen, ulen) => {
                let s = self.take(clen)?;
                Ok(Str::Lzf(s, clen, ulen))
            }
            Str::Int(_) => Ok(h),
        }
    }

    /// A string's header only: for `Raw`/`Lzf` the start is the current position, and the
    /// body is NOT consumed.
    #[inline(always)]
    pub fn string_head(&mut self) -> P<Str> {
        match self.b.get(self.p) {
            Some(&b0) if b0 < 0x40 => {
                self.p += 1;
                let len = usize::from(b0);
                if len > self.max_unit {
                    return Err(Stop::Bad(ErrorKind::TooLarge(len as u64), self.p - 1));
                }
                Ok(Str::Raw(self.p, len))
            }
            _ => self.string_head_slow(),
        }
    }

    #[inline(never)]
    fn string_head_slow(&mut self) -> P<Str> {
        let at = self.p;
        match self.len_or_enc()? {
            LenOrEnc::Len(n) => {
                let len = self.check_size(n, at)?;
                Ok(Str::Raw(self.p, len))
            }
            LenOrEnc::Enc(0) => Ok(Str::Int(i64::from(self.u8()? as i8))),
            LenOrEnc::Enc(1) => Ok(Str::Int(i64::from(i16::from_le_bytes(self.array()?)))),
            LenOrEnc::Enc(2) => Ok(Str::Int(i64::from(i32::from_le_bytes(self.array()?)))),
            LenOrEnc::Enc(3) => {
                let clen_at = self.p;
                let clen = self.size(clen_at)?;
                let ulen_at = self.p;
                let ulen = self.size(ulen_at)?;
                // LZF expands at most 88x (a 3-byte back-reference yields 264 bytes), so a
                // larger announced length cannot be backed by the input.
                if ulen / 88 > clen || (ulen > 0 && clen == 0) {
                    return Err(Stop::Bad(ErrorKind::Lzf, at));
                }
                Ok(Str::Lzf(self.p, clen, ulen))
            }
            LenOrEnc::Enc(e) => Err(Stop::Bad(ErrorKind::BadStringEncoding(0xC0 | e), at)),
        }
    }

    /// The ASCII double of type-3 zsets: u8 length (253/254/255 = NaN/+inf/-inf) + text.
    pub fn ascii_double(&mut self) -> P<f64> {
        let at = self.p;
        let n = self.u8()?;
        match n {
            253 => Err(Stop::Bad(ErrorKind::NanScore, at)),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            _ => {
                let s = self.take(usize::from(n))?;
                parse_score(&self.b[s..s + usize::from(n)]).map_err(|k| Stop::Bad(k, at))
            }
        }
    }
}

/// Parses a score written with `%lg`/`%.17g`/shortest-round-trip (or `inf`/`-inf`), exactly
/// like `strtod` for those forms; NaN is an error.
pub(crate) fn parse_score(text: &[u8]) -> Result<f64, ErrorKind> {
    crate::encoding::parse_score_text(text).map_err(|k| match k {
        crate::encoding::BlobErrorKind::NanScore => ErrorKind::NanScore,
        _ => ErrorKind::BadScore,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn rd(b: &[u8]) -> Rd<'_> {
        Rd {
            b,
            p: 0,
            len64: true,
            max_unit: usize::MAX,
        }
    }

    #[test]
    fn lengths_all_forms() {
        assert_eq!(rd(&[0x05]).len(), Ok(5));
        assert_eq!(rd(&[0x3F]).len(), Ok(63));
        assert_eq!(rd(&[0x41, 0x02]).len(), Ok(0x102));
        assert_eq!(rd(&[0x40, 0x05]).len(), Ok(5)); // non-minimal 14-bit
        assert_eq!(rd(&[0x80, 0, 0, 0, 5]).len(), Ok(5)); // non-minimal 32-bit
        assert_eq!(rd(&[0x80, 0xDE, 0xAD, 0xBE, 0xEF]).len(), Ok(0xDEAD_BEEF));
        assert_eq!(rd(&[0x81, 0, 0, 0, 0, 0, 0, 0, 7]).len(), Ok(7));
        assert_eq!(
            rd(&[0x81, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]).len(),
            Ok(u64::MAX)
        );
        assert_eq!(
            rd(&[0x82]).len(),
            Err(Stop::Bad(ErrorKind::BadLength(0x82), 0))
        );
        assert_eq!(
            rd(&[0xBF]).len(),
            Err(Stop::Bad(ErrorKind::BadLength(0xBF), 0))
        );
        assert_eq!(
            rd(&[0xC0, 1]).len(),
            Err(Stop::Bad(ErrorKind::UnexpectedEncodedLength(0xC0), 0))
        );
        let mut r = rd(&[0x81, 0, 0, 0, 0, 0, 0, 0, 7]);
        r.len64 = false;
        assert_eq!(r.len(), Err(Stop::Bad(ErrorKind::BadLength(0x81), 0)));
        assert_eq!(rd(&[0x41]).len(), Err(Stop::Need(1)));
        assert_eq!(rd(&[0x80, 0]).len(), Err(Stop::Need(3)));
        assert_eq!(rd(&[]).len(), Err(Stop::Need(1)));
    }

    #[test]
    fn strings_all_forms() {
        assert_eq!(rd(b"\x03abc").string(), Ok(Str::Raw(1, 3)));
        assert_eq!(rd(b"\x03ab").string(), Err(Stop::Need(1)));
        assert_eq!(rd(&[0xC0, 0x80]).string(), Ok(Str::Int(-128)));
        assert_eq!(rd(&[0xC1, 0x00, 0x80]).string(), Ok(Str::Int(-32768)));
        assert_eq!(
            rd(&[0xC2, 0xFF, 0xFF, 0xFF, 0x7F]).string(),
            Ok(Str::Int(i32::MAX.into()))
        );
        assert_eq!(
            rd(&[0xC3, 0x02, 0x05, 0xAA, 0xBB]).string(),
            Ok(Str::Lzf(3, 2, 5))
        );
        assert_eq!(
            rd(&[0xC4]).string(),
            Err(Stop::Bad(ErrorKind::BadStringEncoding(0xC4), 0))
        );
        // ulen not backed by clen
        assert_eq!(
            rd(&[0xC3, 0x01, 0x80, 0, 1, 0, 0]).string(),
            Err(Stop::Bad(ErrorKind::Lzf, 0))
        );
        let mut r = rd(&[0x80, 0x10, 0, 0, 0]);
        r.max_unit = 1000;
        assert_eq!(
            r.string(),
            Err(Stop::Bad(ErrorKind::TooLarge(0x1000_0000), 0))
        );
    }

    #[test]
    fn ascii_doubles() {
        assert_eq!(rd(b"\x031.5").ascii_double(), Ok(1.5));
        assert_eq!(rd(&[254]).ascii_double(), Ok(f64::INFINITY));
        assert_eq!(rd(&[255]).ascii_double(), Ok(f64::NEG_INFINITY));
        assert_eq!(
            rd(&[253]).ascii_double(),
            Err(Stop::Bad(ErrorKind::NanScore, 0))
        );
        assert_eq!(
            rd(b"\x03nan").ascii_double(),
            Err(Stop::Bad(ErrorKind::NanScore, 0))
        );
        assert_eq!(
            rd(b"\x02x1").ascii_double(),
            Err(Stop::Bad(ErrorKind::BadScore, 0))
        );
        let v = rd(b"\x160.10000000000000000555").ascii_double().unwrap();
        assert_eq!(v, 0.1);
        assert_eq!(rd(b"\x084.9e-324").ascii_double(), Ok(5e-324));
        assert_eq!(
            rd(b"\x02-0").ascii_double().unwrap().to_bits(),
            (-0.0f64).to_bits()
        );
        assert_eq!(rd(b"\x16").ascii_double(), Err(Stop::Need(22)));
    }
}
