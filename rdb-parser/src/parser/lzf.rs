//! LZF decompression into a reusable buffer.
//!
//! The `lzf` crate's `decompress` allocates a fresh `Vec` of the announced size on every call
//! (and uses `unsafe`); this safe version appends to the parser's scratch buffer instead, so
//! decoding many compressed ziplist/listpack nodes allocates nothing after warm-up. It is
//! cross-checked against the `lzf` crate's compressor in the tests.

/// Appends the decompression of `src` to `out`; it must produce exactly `ulen` bytes.
pub(crate) fn decompress_into(src: &[u8], ulen: usize, out: &mut Vec<u8>) -> Result<(), ()> {
    let base = out.len();
    let end = base.checked_add(ulen).ok_or(())?;
    out.reserve(ulen);
    let mut i = 0usize;
    while i < src.len() {
        let ctrl = usize::from(src[i]);
        i += 1;
        if ctrl < 32 {
            let n = ctrl + 1;
            let lit = src.get(i..i + n).ok_or(())?;
            if out.len() + n > end {
                return Err(());
            }
            out.extend_from_slice(lit);
            i += n;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += usize::from(*src.get(i).ok_or(())?);
                i += 1;
            }
            len += 2;
            let lo = usize::from(*src.get(i).ok_or(())?);
            i += 1;
            let back = ((ctrl & 0x1F) << 8) + lo + 1;
            let pos = out.len();
            if back > pos - base || pos + len > end {
                return Err(());
            }
            let from = pos - back;
            if back >= len {
                out.extend_from_within(from..from + len);
            } else {
                // Overlapping copy: byte by byte semantics.
                for k in 0..len {
                    let b = out[from + k];
                    out.push(b);
                }
            }
        }
    }
    if out.len() == end {
        Ok(())
    } else {
        Err(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::decompress_into;

    #[test]
    fn matches_lzf_crate() {
        let mut inputs: Vec<Vec<u8>> = vec![
            b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".to_vec(),
            b"hello hello hello hello world world world world".to_vec(),
            (0..5000u32).map(|i| (i % 251) as u8).collect(),
            (0..70000u32).map(|i| ((i * 7) % 13) as u8).collect(),
        ];
        let mut x = 12345u32;
        inputs.push(
            (0..10000)
                .map(|_| {
                    x = x.wrapping_mul(1103515245).wrapping_add(12345);
                    if x % 3 == 0 {
                        (x >> 16) as u8
                    } else {
                        b'a'
                    }
                })
                .collect(),
        );
        for input in inputs {
            let c = lzf::compress(&input).unwrap();
            let mut out = b"prefix".to_vec();
            decompress_into(&c, input.len(), &mut out).unwrap();
            assert_eq!(&out[6..], &input[..]);
            // wrong length is an error
            let mut out = Vec::new();
            assert!(decompress_into(&c, input.len() - 1, &mut out).is_err());
            let mut out = Vec::new();
            assert!(decompress_into(&c, input.len() + 1, &mut out).is_err());
            // truncations never panic
            for cut in 0..c.len().min(200) {
                let mut out = Vec::new();
                let _ = decompress_into(&c[..cut], input.len(), &mut out);
            }
        }
    }

    #[test]
    fn rejects_back_reference_before_start() {
        let mut out = b"xyz".to_vec();
        // back-reference of length 3 at distance 1 with empty output
        assert!(decompress_into(&[0x20, 0x00], 3, &mut out).is_err());
    }
}
