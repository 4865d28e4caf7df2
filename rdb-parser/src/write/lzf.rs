//! LZF compression for the writer: the format Redis's `lzf_d.c` decodes (spec 1.6).
//!
//! * literal run: control byte `000LLLLL`, then `L + 1` bytes (1–32);
//! * back-reference of `len` bytes (3–264) starting `off + 1` bytes back (`off` < 8192):
//!   `LLLooooo oooooooo` with `L = len − 2` when `len` ≤ 8, else
//!   `111ooooo LLLLLLLL oooooooo` with the middle byte `len − 9`. Sources may overlap
//!   the output being produced (the decoder copies byte by byte).
//!
//! A greedy single-candidate hash matcher, like liblzf. Unlike the `lzf` crate it sizes
//! its hash table to the input (small strings cost little), and unlike liblzf (whose
//! table is left uninitialized) its output depends only on the input.

const MAX_LIT: usize = 32;
const MAX_OFF: usize = 1 << 13;
const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 264;

#[inline(always)]
fn read3(b: &[u8], i: usize) -> u32 {
    u32::from(b[i]) << 16 | u32::from(b[i + 1]) << 8 | u32::from(b[i + 2])
}

#[inline(always)]
fn read8(b: &[u8], i: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(a)
}

#[inline(always)]
fn slot(v: u32, bits: u32) -> usize {
    (v.wrapping_mul(0x9E37_79B1) >> (32 - bits)) as usize
}

/// Appends literal runs for `lits` to `out`.
fn put_literals(out: &mut Vec<u8>, lits: &[u8]) {
    for run in lits.chunks(MAX_LIT) {
        out.push((run.len() - 1) as u8);
        out.extend_from_slice(run);
    }
}

/// Compresses `input`; `None` when the result would be longer than `max_out` bytes (or
/// the input is empty).
pub(crate) fn compress(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    let n = input.len();
    // (positions are stored as u32; Redis strings are far smaller than 4 GiB anyway)
    if n == 0 || max_out == 0 || n >= u32::MAX as usize {
        return None;
    }
    let bits = n.next_power_of_two().clamp(256, 1 << 16).trailing_zeros();
    // Slot = position + 1 of the last 3-byte sequence with that hash (0: empty).
    let mut table = vec![0u32; 1 << bits];
    let mut out = Vec::with_capacity(max_out.min(n + n / MAX_LIT + 1));
    let mut lit_start = 0usize;
    let mut i = 0usize;
    let mask = (1usize << bits) - 1;
    while i + MIN_MATCH <= n {
        let v = read3(input, i);
        let h = slot(v, bits) & mask;
        let cand = table[h] as usize;
        table[h] = (i + 1) as u32;
        if cand != 0 {
            let r = cand - 1;
            let off = i - r - 1;
            if off < MAX_OFF && read3(input, r) == v {
                let max_len = (n - i).min(MAX_MATCH);
                let mut len = MIN_MATCH;
                // 8 bytes at a time, then byte by byte (r < i, so r + len stays in bounds)
                while len + 8 <= max_len {
                    let x = read8(input, r + len) ^ read8(input, i + len);
                    if x != 0 {
                        len += (x.trailing_zeros() / 8) as usize;
                        break;
                    }
                    len += 8;
                }
                while len < max_len && input[r + len] == input[i + len] {
                    len += 1;
                }
                put_literals(&mut out, &input[lit_start..i]);
                let l = len - 2;
                if l < 7 {
                    out.push(((off >> 8) as u8) | ((l as u8) << 5));
                } else {
                    out.push(((off >> 8) as u8) | 0xE0);
                    out.push((l - 7) as u8);
                }
                out.push(off as u8);
                if out.len() > max_out {
                    return None;
                }
                // Index the last two positions of the match (cheap, and what keeps
                // long runs compressing well), like liblzf's fast mode.
                let end = i + len;
                for j in end.saturating_sub(2).max(i + 1)..end.min(n.saturating_sub(MIN_MATCH - 1))
                {
                    table[slot(read3(input, j), bits) & mask] = (j + 1) as u32;
                }
                i = end;
                lit_start = i;
                continue;
            }
        }
        i += 1;
        if i - lit_start >= MAX_LIT {
            put_literals(&mut out, &input[lit_start..i]);
            lit_start = i;
            if out.len() > max_out {
                return None;
            }
        }
    }
    put_literals(&mut out, &input[lit_start..]);
    (out.len() <= max_out).then_some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::compress;

    /// An independent decoder written from the spec (1.6), for round trips.
    fn decompress(c: &[u8]) -> Vec<u8> {
        let mut out: Vec<u8> = Vec::new();
        let mut i = 0;
        while i < c.len() {
            let ctrl = c[i] as usize;
            i += 1;
            if ctrl < 32 {
                out.extend_from_slice(&c[i..i + ctrl + 1]);
                i += ctrl + 1;
            } else {
                let mut len = ctrl >> 5;
                if len == 7 {
                    len += c[i] as usize;
                    i += 1;
                }
                let back = ((ctrl & 0x1F) << 8) + c[i] as usize + 1;
                i += 1;
                let from = out.len() - back;
                for k in 0..len + 2 {
                    out.push(out[from + k]);
                }
            }
        }
        out
    }

    #[test]
    fn round_trips_and_limits() {
        let mut cases: Vec<Vec<u8>> = vec![
            b"a".to_vec(),
            b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".to_vec(),
            b"abcabcabcabcabcabcabcabcabcabc".to_vec(),
            vec![7u8; 100_000],
            (0..100_000u32).map(|i| (i % 251) as u8).collect(),
            (0..20_000u32)
                .map(|i| (i.wrapping_mul(2654435761) >> 7) as u8)
                .collect(),
        ];
        // repeats exactly at the maximum offset and just past it
        for gap in [8190usize, 8191, 8192, 8193] {
            let mut v: Vec<u8> = b"0123456789abcdef".to_vec();
            v.extend((0..gap).map(|i| (i * 7 % 253) as u8 ^ 0x55));
            v.extend_from_slice(b"0123456789abcdef");
            cases.push(v);
        }
        for c in &cases {
            let z = compress(c, c.len() * 2 + 16).unwrap();
            assert_eq!(&decompress(&z), c);
            assert_eq!(&lzf::decompress(&z, c.len()).unwrap(), c);
        }
        let big = vec![1u8; 1000];
        let z = compress(&big, 1000).unwrap();
        assert!(z.len() < 40, "{}", z.len());
        assert!(compress(&big, z.len() - 1).is_none());
        assert!(compress(b"", 10).is_none());
        let noise: Vec<u8> = (0..64u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 9) as u8)
            .collect();
        assert!(compress(&noise, 60).is_none());
    }
}
