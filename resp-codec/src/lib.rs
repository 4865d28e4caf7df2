//! resp-codec (under construction).
#![deny(missing_docs)]
