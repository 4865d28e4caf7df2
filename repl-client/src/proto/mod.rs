//! The sans-IO replication protocol: [`Replica`] and its configuration and events.

mod config;
mod event;
mod handshake;
mod mark;
mod replica;

pub use config::{AckPolicy, ReplicaConfig, ReplicaConfigBuilder, StartFrom};
pub use event::{Event, StreamCommand};
pub use replica::{LinkAction, Phase, Replica};

#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod tests;
