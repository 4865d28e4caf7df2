//! Stream node decoder: one (node key, listpack) pair of a stream value (RDB types 15, 19,
//! 21).
//!
//! The node key is the master ID as 16 raw bytes (ms u64 BE, seq u64 BE). The listpack
//! holds the master entry (`count`, `deleted`, `n_master_fields`, the master field names,
//! `0`) and then `count + deleted` entries, each `flags`, `ms_diff`, `seq_diff`, the
//! payload and `lp_count`. Validation follows Redis's `streamValidateListpackIntegrity`.

use super::error::{BlobError, BlobErrorKind as K};
use super::listpack::{listpack, validated_elem_at, ListpackIter};
use super::num::canonical_i64;
use crate::Elem;

/// Entry flag: the entry is deleted (a tombstone kept in the node).
pub const FLAG_DELETED: i64 = 1;
/// Entry flag: the entry has exactly the master entry's fields; only values are stored.
pub const FLAG_SAMEFIELDS: i64 = 2;

/// A stream entry ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct StreamId {
    /// Milliseconds part.
    pub ms: u64,
    /// Sequence part.
    pub seq: u64,
}

impl StreamId {
    /// Decodes the 16-byte big-endian form used by node keys and PEL entries.
    pub fn from_be_bytes(b: [u8; 16]) -> Self {
        let mut ms = [0u8; 8];
        let mut seq = [0u8; 8];
        ms.copy_from_slice(&b[..8]);
        seq.copy_from_slice(&b[8..]);
        StreamId {
            ms: u64::from_be_bytes(ms),
            seq: u64::from_be_bytes(seq),
        }
    }

    /// The 16-byte big-endian form.
    pub fn to_be_bytes(self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.ms.to_be_bytes());
        b[8..].copy_from_slice(&self.seq.to_be_bytes());
        b
    }
}

impl std::fmt::Display for StreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// A decoded stream node: header facts plus an iterator over its entries.
#[derive(Debug, Clone)]
pub struct StreamNode<'a> {
    master_id: StreamId,
    count: u64,
    deleted: u64,
    n_master: u64,
    master_fields: ListpackIter<'a>,
    lp: ListpackIter<'a>,
    remaining: u64,
    live_seen: u64,
    done: bool,
}

/// One entry of a stream node. `fields` walks its (field, value) pairs; entries with
/// `deleted == true` are tombstones that a consumer of the stream must skip.
#[derive(Debug, Clone)]
pub struct StreamEntry<'a> {
    /// The entry's ID (master ID plus the stored differences, with Redis's wrap-around).
    pub id: StreamId,
    /// True when the entry is flagged DELETED.
    pub deleted: bool,
    /// The entry's fields and values.
    pub fields: StreamFields<'a>,
}

/// The (field, value) pairs of one validated stream entry.
#[derive(Debug, Clone)]
pub struct StreamFields<'a> {
    lp: &'a [u8],
    same: bool,
    /// Position of the next master field name (SAMEFIELDS entries).
    master: usize,
    /// Position of the next stored element of the entry.
    values: usize,
    left: u64,
}

impl StreamFields<'_> {
    /// Number of (field, value) pairs not yet returned.
    pub fn len(&self) -> u64 {
        self.left
    }

    /// True when no pairs remain.
    pub fn is_empty(&self) -> bool {
        self.left == 0
    }
}

impl<'a> Iterator for StreamFields<'a> {
    type Item = (Elem<'a>, Elem<'a>);

    /// The entry was fully validated before it was returned, so these reads cannot fail;
    /// if they somehow did, iteration simply stops.
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        let pair = if self.same {
            let (f, m) = validated_elem_at(self.lp, self.master)?;
            let (v, n) = validated_elem_at(self.lp, self.values)?;
            self.master = m;
            self.values = n;
            (f, v)
        } else {
            let (f, n) = validated_elem_at(self.lp, self.values)?;
            let (v, n) = validated_elem_at(self.lp, n)?;
            self.values = n;
            (f, v)
        };
        self.left -= 1;
        Some(pair)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::try_from(self.left).unwrap_or(usize::MAX);
        (n, Some(n))
    }
}

fn int_of(e: Elem<'_>) -> Option<i64> {
    match e {
        Elem::Int(i) => Some(i),
        Elem::Bytes(b) => canonical_i64(b),
    }
}

/// Reads the next listpack element as an integer (Redis accepts integer-looking strings
/// too, like `lpGetIntegerIfValid`).
fn next_int(lp: &mut ListpackIter<'_>) -> Result<i64, BlobError> {
    let at = super::ElemIter::offset(lp);
    match lp.next() {
        Some(Ok(e)) => int_of(e).ok_or(BlobError::new(at, K::ExpectedInteger)),
        Some(Err(e)) => Err(e),
        None => Err(BlobError::new(at, K::Truncated)),
    }
}

fn next_count(lp: &mut ListpackIter<'_>) -> Result<u64, BlobError> {
    let at = super::ElemIter::offset(lp);
    let v = next_int(lp)?;
    u64::try_from(v).map_err(|_| BlobError::new(at, K::NegativeCount))
}

fn skip(lp: &mut ListpackIter<'_>, n: u64) -> Result<(), BlobError> {
    for _ in 0..n {
        let at = super::ElemIter::offset(lp);
        match lp.next() {
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e),
            None => return Err(BlobError::new(at, K::Truncated)),
        }
    }
    Ok(())
}

/// Validates a node key (16 bytes) and the node's listpack header and master entry, and
/// returns the node with an iterator over its entries.
///
/// Errors about the node key carry offset 0 and [`BlobErrorKind::BadStreamNodeKey`](K::BadStreamNodeKey);
/// every other offset is within `lp`.
pub fn stream_node<'a>(node_key: &[u8], lp: &'a [u8]) -> Result<StreamNode<'a>, BlobError> {
    let key: [u8; 16] = node_key.try_into().map_err(|_| {
        BlobError::new(
            0,
            K::BadStreamNodeKey {
                len: node_key.len(),
            },
        )
    })?;
    let master_id = StreamId::from_be_bytes(key);
    let mut it = listpack(lp)?;
    if it.at_end() {
        return Err(BlobError::new(6, K::Empty));
    }
    let count = next_count(&mut it)?;
    let deleted = next_count(&mut it)?;
    let n_master = next_count(&mut it)?;
    let master_fields = it.clone();
    skip(&mut it, n_master)?;
    let at = super::ElemIter::offset(&it);
    if next_int(&mut it)? != 0 {
        return Err(BlobError::new(at, K::BadMasterTerminator));
    }
    let remaining = count
        .checked_add(deleted)
        .ok_or(BlobError::new(6, K::NegativeCount))?;
    Ok(StreamNode {
        master_id,
        count,
        deleted,
        n_master,
        master_fields,
        lp: it,
        remaining,
        live_seen: 0,
        done: false,
    })
}

impl<'a> StreamNode<'a> {
    /// The node's master ID (from the node key).
    pub fn master_id(&self) -> StreamId {
        self.master_id
    }

    /// Live (non-deleted) entries the master entry declares. (Not named `count`, which
    /// would be shadowed by `Iterator::count`.)
    pub fn live_count(&self) -> u64 {
        self.count
    }

    /// Deleted entries the master entry declares.
    pub fn deleted_count(&self) -> u64 {
        self.deleted
    }

    /// The master field names (validated listpack elements).
    pub fn master_fields(&self) -> impl Iterator<Item = Elem<'a>> + 'a {
        let n = usize::try_from(self.n_master).unwrap_or(usize::MAX);
        self.master_fields.clone().take(n).map_while(Result::ok)
    }

    fn fail(&mut self, e: BlobError) -> Option<Result<StreamEntry<'a>, BlobError>> {
        self.done = true;
        Some(Err(e))
    }

    fn entry(&mut self) -> Result<StreamEntry<'a>, BlobError> {
        let lp = &mut self.lp;
        let flags = next_int(lp)?;
        let ms_diff = next_int(lp)?;
        let seq_diff = next_int(lp)?;
        let same = flags & FLAG_SAMEFIELDS != 0;
        let (n, values, expected) = if same {
            let values = super::ElemIter::offset(lp);
            skip(lp, self.n_master)?;
            (self.n_master, values, i128::from(self.n_master) + 3)
        } else {
            let n = next_count(lp)?;
            let values = super::ElemIter::offset(lp);
            skip(lp, n)?;
            skip(lp, n)?;
            (n, values, 2 * i128::from(n) + 4)
        };
        let at = super::ElemIter::offset(lp);
        let stored = next_int(lp)?;
        if i128::from(stored) != expected {
            return Err(BlobError::new(
                at,
                K::BadLpCount {
                    stored,
                    expected: i64::try_from(expected).unwrap_or(i64::MAX),
                },
            ));
        }
        Ok(StreamEntry {
            id: StreamId {
                ms: self.master_id.ms.wrapping_add(ms_diff as u64),
                seq: self.master_id.seq.wrapping_add(seq_diff as u64),
            },
            deleted: flags & FLAG_DELETED != 0,
            fields: StreamFields {
                lp: self.lp.blob(),
                same,
                master: super::ElemIter::offset(&self.master_fields),
                values,
                left: n,
            },
        })
    }
}

impl<'a> Iterator for StreamNode<'a> {
    type Item = Result<StreamEntry<'a>, BlobError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.remaining == 0 {
            self.done = true;
            let at = super::ElemIter::offset(&self.lp);
            if self.live_seen != self.count {
                // The master entry's live count disagrees with the DELETED flags.
                return Some(Err(BlobError::new(
                    6,
                    K::CountMismatch {
                        declared: u32::try_from(self.count).unwrap_or(u32::MAX),
                        found: u32::try_from(self.live_seen).unwrap_or(u32::MAX),
                    },
                )));
            }
            return match self.lp.next() {
                None => None,
                Some(Err(e)) => Some(Err(e)),
                Some(Ok(_)) => Some(Err(BlobError::new(at, K::TrailingElements))),
            };
        }
        match self.entry() {
            Ok(e) => {
                self.remaining -= 1;
                self.live_seen += u64::from(!e.deleted);
                Some(Ok(e))
            }
            Err(e) => self.fail(e),
        }
    }
}

impl std::iter::FusedIterator for StreamNode<'_> {}
