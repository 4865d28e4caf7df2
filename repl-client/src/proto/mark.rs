//! Finding the end mark of a diskless (`$EOF:<mark>`) RDB transfer.
//!
//! The RDB is followed by the same 40 bytes that were announced in the header. The mark
//! may arrive split across reads, and — because we ACK every second during the transfer —
//! the command stream may already follow it in the same read. So the whole input is
//! searched, holding back the last 39 bytes (a mark may start there) until more arrives.

use bytes::{Bytes, BytesMut};
use memchr::memmem;

/// The mark's length.
pub(crate) const MARK_LEN: usize = 40;

#[derive(Debug)]
pub(crate) struct MarkFinder {
    mark: [u8; MARK_LEN],
}

impl MarkFinder {
    pub(crate) fn new(mark: [u8; MARK_LEN]) -> MarkFinder {
        MarkFinder { mark }
    }

    /// Takes RDB bytes from the front of `buf`: returns the bytes that are certainly RDB
    /// payload, and whether the mark was found (then it is removed from `buf`, and what
    /// follows it stays there).
    pub(crate) fn scan(&mut self, buf: &mut BytesMut) -> (Option<Bytes>, bool) {
        if let Some(p) = memmem::find(buf, &self.mark) {
            let payload = buf.split_to(p).freeze();
            let _ = buf.split_to(MARK_LEN);
            return ((!payload.is_empty()).then_some(payload), true);
        }
        let keep = MARK_LEN - 1;
        if buf.len() > keep {
            let n = buf.len() - keep;
            return (Some(buf.split_to(n).freeze()), false);
        }
        (None, false)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const MARK: &[u8; 40] = b"0123456789abcdef0123456789abcdef01234567";

    /// Feeds `input` in pieces cut at `cuts`; returns (payload, done, leftover).
    fn run(input: &[u8], piece: usize) -> (Vec<u8>, bool, Vec<u8>) {
        let mut f = MarkFinder::new(*MARK);
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        let mut done = false;
        for p in input.chunks(piece.max(1)) {
            buf.extend_from_slice(p);
            if done {
                continue;
            }
            let (chunk, d) = f.scan(&mut buf);
            if let Some(c) = chunk {
                out.extend_from_slice(&c);
            }
            done = d;
        }
        (out, done, buf.to_vec())
    }

    #[test]
    fn every_split_gives_the_same_result() {
        let mut input =
            b"REDIS0009 payload with 0123456789abcdef0123456789abcdef0123456 almost-mark".to_vec();
        input.extend_from_slice(MARK);
        input.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
        for piece in 1..=input.len() {
            let (payload, done, rest) = run(&input, piece);
            assert!(done, "piece {piece}");
            assert_eq!(
                &payload[..],
                &input[..input.len() - 40 - 14],
                "piece {piece}"
            );
            assert_eq!(&rest[..], b"*1\r\n$4\r\nPING\r\n", "piece {piece}");
        }
    }

    #[test]
    fn no_mark_holds_back_39_bytes() {
        let (payload, done, rest) = run(&[7u8; 100], 100);
        assert!(!done);
        assert_eq!((payload.len(), rest.len()), (61, 39));
    }

    #[test]
    fn empty_payload() {
        let (payload, done, rest) = run(MARK, 3);
        assert!(done && payload.is_empty() && rest.is_empty());
    }
}
