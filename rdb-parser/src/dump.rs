//! `DUMP` / `RESTORE` payloads: `<type byte> <encoded value> <RDB version u16 LE> <CRC-64
//! u64 LE>`, the CRC covering everything before it. Unlike RDB files, a CRC of 0 is not
//! special here.

use crate::crc::{crc64, Crc64};
use crate::error::{Error, ErrorKind};
use crate::event::{Event, Flavor, Step};
use crate::parser::Parser;

/// A payload whose framing and checksum were verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DumpPayload<'a> {
    /// Type byte + encoded value (the payload without version and CRC).
    pub value: &'a [u8],
    /// The value's type byte.
    pub rdb_type: u8,
    /// The encoded value after the type byte.
    pub body: &'a [u8],
    /// The RDB version the payload declares.
    pub version: u16,
    /// The stored (and verified) CRC-64.
    pub crc: u64,
}

impl<'a> DumpPayload<'a> {
    /// The flavor the version implies (80+ = Valkey).
    pub fn flavor(&self) -> Flavor {
        if self.version >= 80 {
            Flavor::Valkey
        } else {
            Flavor::Redis
        }
    }

    /// A parser positioned on this payload's value; feed it [`DumpPayload::value`] bytes.
    pub fn parser(&self) -> Parser {
        Parser::builder().build_value_parser(u32::from(self.version), self.flavor())
    }

    /// Parses the value, calling `f` with each event (offsets are from the payload start):
    /// `KeyStart` (empty key), the value's events, `KeyEnd`.
    pub fn events<F>(&self, mut f: F) -> Result<(), Error>
    where
        F: FnMut(u64, Event<'_>),
    {
        let mut p = self.parser();
        let value = self.value;
        let value_len = value.len();
        let mut at = 0usize;
        loop {
            let fed = p.feed(&value[at..])?;
            at += fed.consumed;
            match fed.step {
                Step::Event(ev) => f(fed.offset, ev),
                Step::Done => break,
                Step::NeedMore(_) => {
                    return Err(Error::new(ErrorKind::Truncated, value_len as u64));
                }
            }
        }
        if at != value_len {
            return Err(Error::new(
                ErrorKind::DumpTrailingBytes((value_len - at) as u64),
                at as u64,
            ));
        }
        Ok(())
    }
}

/// Builds a payload from `value` = type byte + encoded value (e.g. a [`Event::RawValue`]'s
/// `rdb_type` followed by its `body`).
///
/// ```
/// let p = rdb_parser::dump_payload(b"\x00\x03bar", 10);
/// assert_eq!(p, b"\x00\x03bar\x0a\x00\xe6\xbe\x49\x60\xee\x66\xfd\x17");
/// ```
pub fn dump_payload(value: &[u8], version: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 10);
    out.extend_from_slice(value);
    out.extend_from_slice(&version.to_le_bytes());
    let crc = crc64(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Builds a payload from a type byte and the encoded value that follows it, without first
/// concatenating them.
pub fn dump_payload_parts(rdb_type: u8, body: &[u8], version: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 11);
    dump_payload_into(rdb_type, body, version, &mut out);
    out
}

/// [`dump_payload_parts`] into a caller's buffer (cleared first): no allocation once the
/// buffer has grown to the largest payload.
///
/// ```
/// let mut buf = Vec::new();
/// rdb_parser::dump_payload_into(0, b"\x03bar", 10, &mut buf);
/// assert_eq!(buf, rdb_parser::dump_payload(b"\x00\x03bar", 10));
/// ```
pub fn dump_payload_into(rdb_type: u8, body: &[u8], version: u16, out: &mut Vec<u8>) {
    out.clear();
    out.reserve(body.len() + 11);
    out.push(rdb_type);
    out.extend_from_slice(body);
    out.extend_from_slice(&version.to_le_bytes());
    let mut c = Crc64::new();
    c.update(out);
    out.extend_from_slice(&c.value().to_le_bytes());
}

/// Checks a payload's framing and CRC (a stored 0 is a mismatch like any other).
///
/// ```
/// let p = b"\x00\x03bar\x0a\x00\xe6\xbe\x49\x60\xee\x66\xfd\x17";
/// let d = rdb_parser::verify_dump_payload(p).unwrap();
/// assert_eq!((d.rdb_type, d.body, d.version), (0, &b"\x03bar"[..], 10));
/// ```
pub fn verify_dump_payload(payload: &[u8]) -> Result<DumpPayload<'_>, Error> {
    if payload.len() < 11 {
        return Err(Error::new(ErrorKind::DumpTooShort, 0));
    }
    let (data, crc_bytes) = payload.split_at(payload.len() - 8);
    let mut stored = [0u8; 8];
    stored.copy_from_slice(crc_bytes);
    let stored = u64::from_le_bytes(stored);
    let computed = crc64(data);
    if stored != computed {
        return Err(Error::new(
            ErrorKind::DumpChecksum { stored, computed },
            data.len() as u64,
        ));
    }
    let (value, ver) = data.split_at(data.len() - 2);
    Ok(DumpPayload {
        value,
        rdb_type: value[0],
        body: &value[1..],
        version: u16::from_le_bytes([ver[0], ver[1]]),
        crc: stored,
    })
}

/// Verifies `payload` and parses its value, calling `f` with each event.
pub fn parse_dump_payload<F>(payload: &[u8], f: F) -> Result<DumpPayload<'_>, Error>
where
    F: FnMut(u64, Event<'_>),
{
    let d = verify_dump_payload(payload)?;
    d.events(f)?;
    Ok(d)
}
