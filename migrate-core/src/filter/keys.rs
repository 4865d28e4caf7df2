//! Key selection by prefix and by regular expression (bytes API: keys are binary).

use regex::bytes::RegexSet;

use super::FilterConfigError;

/// Selects keys. A key is selected when it matches the include rules (any include prefix or
/// any include regex; no include rule at all = every key) and matches no exclude rule.
/// Exclusion wins. Regexes search anywhere in the key: anchor with `^`/`$`; match raw bytes
/// with `(?-u:\xFF)`.
#[derive(Debug, Clone, Default)]
pub struct KeyFilter {
    include_prefix: Vec<Vec<u8>>,
    exclude_prefix: Vec<Vec<u8>>,
    include_regex: Option<RegexSet>,
    exclude_regex: Option<RegexSet>,
}

fn set(patterns: &[String], which: &'static str) -> Result<Option<RegexSet>, FilterConfigError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    for p in patterns {
        // Compile each alone first so the error names the pattern.
        RegexSet::new([p]).map_err(|e| FilterConfigError::BadRegex {
            option: which,
            pattern: p.clone(),
            reason: e.to_string(),
        })?;
    }
    RegexSet::new(patterns)
        .map(Some)
        .map_err(|e| FilterConfigError::BadRegex {
            option: which,
            pattern: patterns.join(" | "),
            reason: e.to_string(),
        })
}

impl KeyFilter {
    /// A filter that selects every key.
    pub fn all() -> KeyFilter {
        KeyFilter::default()
    }

    /// A filter from include/exclude prefixes and regexes.
    pub fn new(
        include_prefix: Vec<Vec<u8>>,
        exclude_prefix: Vec<Vec<u8>>,
        include_regex: &[String],
        exclude_regex: &[String],
    ) -> Result<KeyFilter, FilterConfigError> {
        Ok(KeyFilter {
            include_prefix,
            exclude_prefix,
            include_regex: set(include_regex, "key-include-regex")?,
            exclude_regex: set(exclude_regex, "key-exclude-regex")?,
        })
    }

    /// Whether this filter selects every key (no rule at all).
    pub fn selects_everything(&self) -> bool {
        self.include_prefix.is_empty()
            && self.exclude_prefix.is_empty()
            && self.include_regex.is_none()
            && self.exclude_regex.is_none()
    }

    /// Whether `key` is selected.
    pub fn matches(&self, key: &[u8]) -> bool {
        if self.exclude_prefix.iter().any(|p| key.starts_with(p))
            || self.exclude_regex.as_ref().is_some_and(|r| r.is_match(key))
        {
            return false;
        }
        if self.include_prefix.is_empty() && self.include_regex.is_none() {
            return true;
        }
        self.include_prefix.iter().any(|p| key.starts_with(p))
            || self.include_regex.as_ref().is_some_and(|r| r.is_match(key))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn f(ip: &[&str], ep: &[&str], ir: &[&str], er: &[&str]) -> KeyFilter {
        let v = |x: &[&str]| x.iter().map(|s| s.as_bytes().to_vec()).collect();
        let s = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        KeyFilter::new(v(ip), v(ep), &s(ir), &s(er)).unwrap()
    }

    #[test]
    fn rules() {
        assert!(KeyFilter::all().matches(b"anything"));
        assert!(KeyFilter::all().selects_everything());
        let k = f(&["user:"], &["user:tmp:"], &["^order:[0-9]+$"], &["secret"]);
        assert!(!k.selects_everything());
        assert!(k.matches(b"user:1"));
        assert!(!k.matches(b"user:tmp:1"));
        assert!(k.matches(b"order:42"));
        assert!(!k.matches(b"order:42x"));
        assert!(!k.matches(b"user:secret"));
        assert!(!k.matches(b"other"));
        // Exclude-only: everything but the excluded.
        let k = f(&[], &["cache:"], &[], &[]);
        assert!(k.matches(b"x") && !k.matches(b"cache:1"));
    }

    #[test]
    fn binary_keys() {
        let k = f(&[], &[], &[r"^(?-u:\xFF)\x00"], &[]);
        assert!(k.matches(b"\xff\x00rest"));
        assert!(!k.matches(b"\xfe\x00rest"));
        let k = KeyFilter::new(vec![vec![0, 1, 2]], vec![], &[], &[]).unwrap();
        assert!(k.matches(&[0, 1, 2, 255]));
    }

    #[test]
    fn bad_regex_is_named() {
        let e = KeyFilter::new(vec![], vec![], &["ok".into(), "(".into()], &[]).unwrap_err();
        assert!(
            matches!(e, FilterConfigError::BadRegex { ref pattern, .. } if pattern == "("),
            "{e}"
        );
    }
}
