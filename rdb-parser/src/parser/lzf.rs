//! LZF decompression into a reusable buffer.
//!
//! The `lzf` crate's `decompress` allocates a fresh `Vec` of the announced size on every call
//! (and uses `unsafe`); this safe version appends to the parser's scratch buffer instead, so
//! decoding many compressed ziplist/listpack nodes allocates nothing after warm-up. It is
//! cross-checked against the `lzf` crate's compressor in the tests.

/// Appends the decompression of `src` to `out`; it must produce exactly `ulen` bytes.
///
/// The output is pre-sized, and short literal runs and back-references are copied in
/// fixed 8/32-byte chunks where the output has room (the over-copied tail is overwritten
/// by the next operation), so there is no per-operation `memcpy` call.
pub(crate) fn decompress_into(src: &[u8], ulen: usize, out: &mut Vec<u8>) -> Result<(), ()> {
    let base = out.len();
    base.checked_add(ulen).ok_or(())?;
    out.resize(base + ulen, 0);
    let r = decompress_slice(src, &mut out[base..]);
    if r.is_err() {
        out.truncate(base);
    }
    r
}

fn decompress_slice(src: &[u8], o: &mut [u8]) -> Result<(), ()> {
    let olen = o.len();
    let mut i = 0usize;
    let mut op = 0usize;
    while i < src.len() {
        let ctrl = usize::from(src[i]);
        i += 1;
        if ctrl < 32 {
            let n = ctrl + 1;
            if op + n > olen || i + n > src.len() {
                return Err(());
            }
            if op + 32 <= olen && i + 32 <= src.len() {
                o[op..op + 32].copy_from_slice(&src[i..i + 32]);
            } else {
                o[op..op + n].copy_from_slice(&src[i..i + n]);
            }
            op += n;
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
            if back > op || op + len > olen {
                return Err(());
            }
            let from = op - back;
            if back >= 8 && op + len + 8 <= olen {
                // Source chunks are complete before they are read (distance >= 8).
                let mut k = 0;
                while k < len {
                    o.copy_within(from + k..from + k + 8, op + k);
                    k += 8;
                }
            } else if back == 1 {
                // A run of one byte (zero padding, spaces): a fill.
                let b = o[from];
                o[op..op + len].fill(b);
            } else {
                // Overlapping copy with a short period: byte by byte.
                for k in 0..len {
                    o[op + k] = o[from + k];
                }
            }
            op += len;
        }
    }
    if op == olen {
        Ok(())
    } else {
        Err(())
    }
}

/// Largest LZF back-reference distance: the history a streaming decoder must keep.
pub(crate) const WINDOW: usize = 8192;

/// One LZF operation of a streamed string, decoded from `rd` and appended to `win` (which
/// holds at least the last [`WINDOW`] output bytes). `cleft` bounds the compressed bytes the
/// operation may use and `room` the output it may produce. Returns the compressed bytes
/// used. Atomic: on any error nothing was appended.
pub(crate) fn stream_op(
    rd: &mut super::rd::Rd<'_>,
    cleft: u64,
    room: u64,
    win: &mut Vec<u8>,
) -> Result<usize, super::rd::Stop> {
    use super::rd::Stop;
    use crate::error::ErrorKind;
    let at = rd.p;
    let bad = Err(Stop::Bad(ErrorKind::Lzf, at));
    let ctrl = usize::from(rd.u8()?);
    if ctrl < 32 {
        let n = ctrl + 1;
        if n as u64 > cleft.saturating_sub(1) || n as u64 > room {
            return bad;
        }
        let s = rd.take(n)?;
        win.extend_from_slice(&rd.b[s..s + n]);
        return Ok(1 + n);
    }
    let mut len = ctrl >> 5;
    let mut used = 2;
    if len == 7 {
        len += usize::from(rd.u8()?);
        used += 1;
    }
    len += 2;
    let lo = usize::from(rd.u8()?);
    let back = ((ctrl & 0x1F) << 8) + lo + 1;
    if used as u64 > cleft || len as u64 > room || back > win.len() {
        return bad;
    }
    let from = win.len() - back;
    if back >= len {
        win.extend_from_within(from..from + len);
    } else {
        for k in 0..len {
            let b = win[from + k];
            win.push(b);
        }
    }
    Ok(used)
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
