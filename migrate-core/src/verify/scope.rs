//! What is compared: which dbs, mapped where, and which keys.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// A predicate on key names: `true` keeps the key in scope.
pub type KeyPredicate = Arc<dyn Fn(&[u8]) -> bool + Send + Sync>;

/// The part of the keyspace a verification covers: a source db allow list, a source → target
/// db mapping and a key filter — the same selection a migration applies.
///
/// * Without an allow list every source db is in scope; with one, only those dbs.
/// * A source db without a mapping maps to the same db number on the target.
/// * Without an allow list, every target db holding keys is scanned for extra keys (a key
///   in a target db that no source db maps to is reported as extra). With an allow list only
///   the images of the allowed dbs are scanned, since the rest of the target is outside the
///   migration.
#[derive(Clone, Default)]
pub struct Scope {
    allow: Option<Vec<u32>>,
    map: BTreeMap<u32, u32>,
    filter: Option<KeyPredicate>,
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope")
            .field("allow", &self.allow)
            .field("map", &self.map)
            .field("filter", &self.filter.as_ref().map(|_| "<fn>"))
            .finish()
    }
}

impl Scope {
    /// Limits the source dbs compared.
    pub fn set_allow(&mut self, dbs: impl IntoIterator<Item = u32>) {
        let mut v: Vec<u32> = dbs.into_iter().collect();
        v.sort_unstable();
        v.dedup();
        self.allow = Some(v);
    }

    /// Adds `source db -> target db` pairs.
    pub fn add_mapping(&mut self, pairs: impl IntoIterator<Item = (u32, u32)>) {
        self.map.extend(pairs);
    }

    /// Sets the key filter.
    pub fn set_filter(&mut self, f: KeyPredicate) {
        self.filter = Some(f);
    }

    /// Whether a key filter is set.
    pub fn has_filter(&self) -> bool {
        self.filter.is_some()
    }

    /// Whether an allow list is set.
    pub fn has_allow_list(&self) -> bool {
        self.allow.is_some()
    }

    /// Whether a source db is in scope.
    pub fn source_db_included(&self, db: u32) -> bool {
        self.allow
            .as_ref()
            .is_none_or(|a| a.binary_search(&db).is_ok())
    }

    /// The target db a source db maps to.
    pub fn target_db(&self, source_db: u32) -> u32 {
        self.map.get(&source_db).copied().unwrap_or(source_db)
    }

    /// The in-scope source dbs that map to `target_db` (several when dbs are merged, none
    /// when nothing maps there).
    pub fn source_dbs_for(&self, target_db: u32) -> Vec<u32> {
        let mut v: Vec<u32> = self
            .map
            .iter()
            .filter(|(_, t)| **t == target_db)
            .map(|(s, _)| *s)
            .collect();
        if !self.map.contains_key(&target_db) {
            v.push(target_db);
        }
        v.retain(|s| self.source_db_included(*s));
        v.sort_unstable();
        v
    }

    /// Whether a key passes the key filter.
    pub fn key_included(&self, key: &[u8]) -> bool {
        self.filter.as_ref().is_none_or(|f| f(key))
    }

    /// The source dbs to compare, given the dbs that hold keys on the source.
    pub fn source_dbs(&self, non_empty: &[u32]) -> Vec<u32> {
        let mut v: Vec<u32> = match &self.allow {
            Some(a) => a.clone(),
            None => non_empty.to_vec(),
        };
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The target dbs to scan for extra keys, given the dbs that hold keys on the target
    /// and the source dbs compared.
    pub fn target_dbs(&self, target_non_empty: &[u32], source_dbs: &[u32]) -> Vec<u32> {
        let mut v: Vec<u32> = source_dbs.iter().map(|s| self.target_db(*s)).collect();
        if self.allow.is_none() {
            v.extend_from_slice(target_non_empty);
        }
        v.sort_unstable();
        v.dedup();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_by_default() {
        let s = Scope::default();
        assert_eq!(s.target_db(5), 5);
        assert_eq!(s.source_dbs_for(5), vec![5]);
        assert_eq!(s.source_dbs(&[0, 3]), vec![0, 3]);
        assert_eq!(s.target_dbs(&[0, 7], &[0, 3]), vec![0, 3, 7]);
    }

    #[test]
    fn mapping_and_allow_list() {
        let mut s = Scope::default();
        s.add_mapping([(0, 1), (2, 1)]);
        assert_eq!(s.source_dbs_for(1), vec![0, 1, 2]);
        assert_eq!(s.source_dbs_for(0), Vec::<u32>::new());
        s.set_allow([0]);
        assert!(!s.source_db_included(1));
        assert_eq!(s.source_dbs_for(1), vec![0]);
        assert_eq!(s.source_dbs(&[0, 1, 2]), vec![0]);
        assert_eq!(s.target_dbs(&[0, 1, 9], &[0]), vec![1]);
    }

    #[test]
    fn key_filter() {
        let mut s = Scope::default();
        assert!(s.key_included(b"x"));
        s.set_filter(Arc::new(|k: &[u8]| k.starts_with(b"user:")));
        assert!(s.key_included(b"user:1"));
        assert!(!s.key_included(b"session:1"));
    }
}
