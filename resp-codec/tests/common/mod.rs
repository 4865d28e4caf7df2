//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used)]

pub mod fuzz_checks;

use bytes::BytesMut;
use resp_codec::{DecodeError, Decoded, Decoder};

/// What decoding an input produced: frames, the error that stopped it (if any), the bytes
/// left in the buffer and the decoder's final position.
#[derive(Debug)]
pub struct Outcome {
    pub frames: Vec<Decoded>,
    pub error: Option<DecodeError>,
    pub left: usize,
    pub position: u64,
}

impl Outcome {
    /// Frames as comparable text (Debug: `NaN` compares equal to itself).
    pub fn key(&self) -> Vec<String> {
        self.frames.iter().map(|d| format!("{d:?}")).collect()
    }
}

/// Decodes `input` cut at `cuts` (ascending offsets), draining frames after each piece.
pub fn decode_cuts(mut dec: Decoder, input: &[u8], cuts: &[usize]) -> Outcome {
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut start = 0;
    let ends = cuts.iter().copied().chain(std::iter::once(input.len()));
    for end in ends {
        let end = end.clamp(start, input.len());
        buf.extend_from_slice(&input[start..end]);
        start = end;
        loop {
            match dec.decode(&mut buf) {
                Ok(Some(d)) => frames.push(d),
                Ok(None) => break,
                Err(e) => {
                    return Outcome {
                        frames,
                        error: Some(e),
                        left: buf.len(),
                        position: dec.position(),
                    }
                }
            }
        }
    }
    Outcome {
        frames,
        error: None,
        left: buf.len(),
        position: dec.position(),
    }
}

pub fn whole(dec: Decoder, input: &[u8]) -> Outcome {
    decode_cuts(dec, input, &[])
}

pub fn byte_by_byte(dec: Decoder, input: &[u8]) -> Outcome {
    let cuts: Vec<usize> = (1..input.len()).collect();
    decode_cuts(dec, input, &cuts)
}

/// A small deterministic PRNG (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Random ascending cut points in `0..len`.
    pub fn cuts(&mut self, len: usize, max_piece: usize) -> Vec<usize> {
        let mut cuts = Vec::new();
        let mut at = 0;
        while at < len {
            at += 1 + (self.next() as usize % max_piece.max(1));
            if at < len {
                cuts.push(at);
            }
        }
        cuts
    }
}

/// Asserts that whole, byte-by-byte, every two-piece split and random splits of `input`
/// all give the same outcome; returns the whole outcome.
pub fn assert_split_invariant(dec: &Decoder, input: &[u8]) -> Outcome {
    let w = whole(dec.clone(), input);
    let check = |o: &Outcome, how: &str| {
        assert_eq!(
            o.key(),
            w.key(),
            "{how}: frames differ for {:?}",
            String::from_utf8_lossy(input)
        );
        assert_eq!(
            o.error.as_ref().map(std::mem::discriminant),
            w.error.as_ref().map(std::mem::discriminant),
            "{how}: error differs ({:?} vs {:?})",
            o.error,
            w.error
        );
        if w.error.is_none() {
            assert_eq!(o.position, w.position, "{how}: position differs");
            assert_eq!(o.left, w.left, "{how}: leftover differs");
        }
    };
    check(&byte_by_byte(dec.clone(), input), "byte by byte");
    if input.len() <= 2048 {
        for cut in 1..input.len() {
            check(
                &decode_cuts(dec.clone(), input, &[cut]),
                &format!("split at {cut}"),
            );
        }
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ input.len() as u64);
    for _ in 0..16 {
        let cuts = rng.cuts(input.len(), 64);
        check(
            &decode_cuts(dec.clone(), input, &cuts),
            &format!("cuts {cuts:?}"),
        );
    }
    w
}
