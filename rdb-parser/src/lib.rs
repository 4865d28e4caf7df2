//! rdb-parser (under construction).
#![deny(missing_docs)]

mod elem;
pub use elem::Elem;
pub mod encoding;
pub mod write;
