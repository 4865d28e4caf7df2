//! Verification.
mod report;
mod scope;
mod value;

pub use report::{escape_bytes, exit_code_for, Category, Counts, DbCounts, Difference, Mode, Report};
pub use scope::{KeyPredicate, Scope};
