//! rdb-parser (under construction).
#![deny(missing_docs)]
