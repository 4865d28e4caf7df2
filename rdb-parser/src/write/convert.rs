//! Re-encoding between the two packed formats, for targets older than the source (a
//! Redis 7.x listpack node or listpack hash/zset becomes a ziplist for Redis ≤ 6.2, and
//! back).

use super::{ListpackBuilder, WriteError, ZiplistBuilder};
use crate::encoding::{listpack, ziplist};

/// The ziplist holding the same elements, in order, as listpack `lp` (which is fully
/// validated on the way). Integer entries stay integer entries.
///
/// ```
/// use rdb_parser::write::{listpack_of, ziplist_from_listpack, ziplist_of};
/// let lp = listpack_of(&["a", "1", "-70000"])?;
/// assert_eq!(ziplist_from_listpack(&lp)?, ziplist_of(&["a", "1", "-70000"])?);
/// # Ok::<(), rdb_parser::write::WriteError>(())
/// ```
pub fn ziplist_from_listpack(lp: &[u8]) -> Result<Vec<u8>, WriteError> {
    let mut z = ZiplistBuilder::new();
    for e in listpack(lp)? {
        z.push_elem(e?);
    }
    z.finish()
}

/// The listpack holding the same elements, in order, as ziplist `zl` (fully validated on
/// the way).
pub fn listpack_from_ziplist(zl: &[u8]) -> Result<Vec<u8>, WriteError> {
    let mut l = ListpackBuilder::new();
    for e in ziplist(zl)? {
        l.push_elem(e?);
    }
    l.finish()
}
