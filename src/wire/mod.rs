//! Wire formats, built on the encryption schemes of [`crate::crypto`]: protobuf messages,
//! envelopes, padding, bencode, onion requests and their framing, group messages, storage RPC
//! shapes, message hashes, swarm mapping. Pure: no I/O.

pub mod backup;
pub mod bencode;
pub mod envelope;
pub mod group_message;
#[cfg(feature = "internals")]
pub mod message_hash;
pub mod multi_container;
pub mod onion;
#[cfg(feature = "internals")]
pub mod onion_relay;
pub mod onion_request;
pub mod padding;
pub mod proto;
pub mod rpc;
/// Account-to-swarm mapping, as service nodes compute it (the testnet in node/ uses it).
#[cfg(feature = "internals")]
pub mod swarm;
