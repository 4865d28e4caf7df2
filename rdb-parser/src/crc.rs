//! CRC-64/REDIS ("Jones": poly 0xAD93D23594C935A9, reflected, init 0, xorout 0), the
//! checksum of RDB files and DUMP payloads, computed with `crc-fast` (SIMD carry-less
//! multiplication folding; see the crate docs for the measurements behind the choice).
//!
//! The parser updates the checksum once per event, often with a few dozen bytes, and a
//! `DUMP` payload of a small collection is a few hundred. `crc-fast` folds whole 128-byte
//! blocks quickly (26 ns for 128 bytes) but its setup and its handling of a ragged tail are
//! slow (45 ns for 64 bytes, 91 ns for 192; `cargo bench --bench crc`), so the 128-byte
//! blocks go through `crc-fast` and anything shorter (an input under 128 bytes, or the tail
//! after the blocks) through a slice-by-16 table (the `crc` crate). Both compute the same
//! register (init and xorout are 0), so they chain freely.

use crc_fast::{CrcAlgorithm, Digest};

/// Bytes `crc-fast` folds at once; shorter runs use the table implementation.
const BLOCK: usize = 128;

static TABLE: crc::Crc<u64, crc::Table<16>> =
    crc::Crc::<u64, crc::Table<16>>::new(&crc::CRC_64_REDIS);

#[inline]
fn table(value: u64, data: &[u8]) -> u64 {
    let mut d = TABLE.digest_with_initial(value.reverse_bits());
    d.update(data);
    d.finalize()
}

#[inline]
fn update(value: u64, data: &[u8]) -> u64 {
    if data.len() < BLOCK {
        return table(value, data);
    }
    let (blocks, tail) = data.split_at(data.len() & !(BLOCK - 1));
    let mut d = Digest::new_with_init_state(CrcAlgorithm::Crc64Redis, value);
    d.update(blocks);
    let v = d.finalize();
    if tail.is_empty() {
        v
    } else {
        table(v, tail)
    }
}

/// An incremental CRC-64/REDIS. Because init and xorout are 0, chunked updates chain
/// directly: `crc(a ++ b) == Crc64::from(crc(a)).update(b)`.
///
/// ```
/// let mut c = rdb_parser::Crc64::new();
/// c.update(b"1234");
/// c.update(b"56789");
/// assert_eq!(c.value(), 0xE9C6D914C4B8D9CA);
/// assert_eq!(rdb_parser::crc64(b"123456789"), 0xE9C6D914C4B8D9CA);
/// ```
#[derive(Clone)]
pub struct Crc64 {
    value: u64,
}

impl std::fmt::Debug for Crc64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Crc64({:#018x})", self.value())
    }
}

impl Default for Crc64 {
    fn default() -> Self {
        Crc64::new()
    }
}

impl Crc64 {
    /// A fresh checksum (value 0).
    pub fn new() -> Crc64 {
        Crc64 { value: 0 }
    }

    /// Continues from a previous checksum value.
    pub fn resume(value: u64) -> Crc64 {
        Crc64 { value }
    }

    /// Adds bytes.
    #[inline]
    pub fn update(&mut self, data: &[u8]) {
        self.value = update(self.value, data);
    }

    /// The checksum of everything added so far.
    #[inline]
    pub fn value(&self) -> u64 {
        self.value
    }
}

/// CRC-64/REDIS of `data`.
pub fn crc64(data: &[u8]) -> u64 {
    update(0, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value_and_chaining() {
        assert_eq!(crc64(b"123456789"), 0xE9C6D914C4B8D9CA);
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 31 % 256) as u8).collect();
        let whole = crc64(&data);
        // agrees with the table-driven `crc` crate's catalog entry
        let reference = crc::Crc::<u64>::new(&crc::CRC_64_REDIS).checksum(&data);
        assert_eq!(whole, reference);
        for split in [
            0, 1, 7, 8, 15, 16, 63, 64, 65, 127, 128, 129, 191, 192, 255, 256, 257, 383, 4096,
            99_999, 100_000,
        ] {
            let mut c = Crc64::new();
            c.update(&data[..split]);
            c.update(&data[split..]);
            assert_eq!(c.value(), whole, "split {split}");
            let mut r = Crc64::resume(crc64(&data[..split]));
            r.update(&data[split..]);
            assert_eq!(r.value(), whole, "resume {split}");
        }
        assert_eq!(Crc64::new().value(), 0);
        // short and long paths agree on every length around the switch
        for n in 0..600 {
            let fast = crc_fast::checksum(CrcAlgorithm::Crc64Redis, &data[..n]);
            assert_eq!(crc64(&data[..n]), fast, "len {n}");
            let mut c = Crc64::resume(crc64(&data[..n / 3]));
            c.update(&data[n / 3..n]);
            assert_eq!(c.value(), fast, "chained len {n}");
        }
    }
}
