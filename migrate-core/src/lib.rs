//! migrate-core (under construction).
#![deny(missing_docs)]
