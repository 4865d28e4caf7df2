//! Intset and zipmap builders.

use super::WriteError;

/// An intset of `values` (sorted and de-duplicated here) in the narrowest width that
/// holds them all, as Redis chooses it.
///
/// ```
/// let blob = rdb_parser::write::intset_of(&[300000, 2, 1])?;
/// assert_eq!(blob, [4, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0xe0, 0x93, 0x04, 0x00]);
/// # Ok::<(), rdb_parser::write::WriteError>(())
/// ```
pub fn intset_of(values: &[i64]) -> Result<Vec<u8>, WriteError> {
    let width = match values.iter().map(|&v| width_of(v)).max() {
        Some(w) => w,
        None => return Err(WriteError::Empty { what: "intset" }),
    };
    intset_with_width(values, width)
}

fn width_of(v: i64) -> u8 {
    if i16::try_from(v).is_ok() {
        2
    } else if i32::try_from(v).is_ok() {
        4
    } else {
        8
    }
}

/// An intset of `values` in a chosen width (2, 4 or 8 bytes); an error when a value does
/// not fit or the set is empty. Wider-than-needed intsets are legal (Redis never shrinks
/// an intset's encoding).
pub fn intset_with_width(values: &[i64], width: u8) -> Result<Vec<u8>, WriteError> {
    if !matches!(width, 2 | 4 | 8) {
        return Err(WriteError::Invalid {
            what: "intset width must be 2, 4 or 8",
        });
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    v.dedup();
    if v.is_empty() {
        return Err(WriteError::Empty { what: "intset" });
    }
    if v.iter().any(|&x| width_of(x) > width) {
        return Err(WriteError::Invalid {
            what: "intset member wider than the chosen width",
        });
    }
    let n = u32::try_from(v.len()).map_err(|_| WriteError::TooLarge { what: "intset" })?;
    let mut out = Vec::with_capacity(8 + v.len() * width as usize);
    out.extend_from_slice(&u32::from(width).to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    for x in v {
        match width {
            2 => out.extend_from_slice(&(x as i16).to_le_bytes()),
            4 => out.extend_from_slice(&(x as i32).to_le_bytes()),
            _ => out.extend_from_slice(&x.to_le_bytes()),
        }
    }
    Ok(out)
}

/// Builds a zipmap (the Redis 2.4 small-hash encoding).
///
/// ```
/// use rdb_parser::write::ZipmapBuilder;
/// let mut zm = ZipmapBuilder::new();
/// zm.push(b"foo", b"bar")?;
/// assert_eq!(zm.finish()?, b"\x01\x03foo\x03\x00bar\xff");
/// # Ok::<(), rdb_parser::write::WriteError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ZipmapBuilder {
    buf: Vec<u8>,
    count: usize,
    unknown_count: bool,
}

impl Default for ZipmapBuilder {
    fn default() -> Self {
        Self::new()
    }
}

fn zm_len(out: &mut Vec<u8>, n: usize) -> Result<(), WriteError> {
    if n < 254 {
        out.push(n as u8);
    } else {
        let n = u32::try_from(n).map_err(|_| WriteError::TooLarge { what: "zipmap" })?;
        out.push(0xFE);
        out.extend_from_slice(&n.to_le_bytes());
    }
    Ok(())
}

impl ZipmapBuilder {
    /// An empty zipmap.
    pub fn new() -> Self {
        ZipmapBuilder {
            buf: vec![0],
            count: 0,
            unknown_count: false,
        }
    }

    /// Writes `zmlen` as 254 ("unknown") whatever the count.
    pub fn unknown_count(mut self, yes: bool) -> Self {
        self.unknown_count = yes;
        self
    }

    /// Appends a field/value pair.
    pub fn push(&mut self, key: &[u8], value: &[u8]) -> Result<(), WriteError> {
        self.push_with_free(key, value, 0)
    }

    /// Appends a field/value pair followed by `free` junk bytes (which readers skip).
    pub fn push_with_free(&mut self, key: &[u8], value: &[u8], free: u8) -> Result<(), WriteError> {
        zm_len(&mut self.buf, key.len())?;
        self.buf.extend_from_slice(key);
        zm_len(&mut self.buf, value.len())?;
        self.buf.push(free);
        self.buf.extend_from_slice(value);
        self.buf.extend(std::iter::repeat_n(0xAA, free as usize));
        self.count += 1;
        Ok(())
    }

    /// Finishes the zipmap; an empty one is an error (Redis rejects it).
    pub fn finish(mut self) -> Result<Vec<u8>, WriteError> {
        if self.count == 0 {
            return Err(WriteError::Empty { what: "zipmap" });
        }
        self.buf[0] = if self.unknown_count || self.count >= 254 {
            254
        } else {
            self.count as u8
        };
        self.buf.push(0xFF);
        Ok(self.buf)
    }
}
