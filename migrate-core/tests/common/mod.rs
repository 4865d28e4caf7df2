//! Shared helpers for migrate-core's integration tests.
#![allow(dead_code)]

pub mod dataset;
