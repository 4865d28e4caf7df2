//! repl-client (under construction).
#![deny(missing_docs)]
