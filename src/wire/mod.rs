//! Wire formats: protobuf messages, envelopes, padding, bencode, onion framing, message hashes,
//! swarm mapping. Pure: no I/O.

pub mod bencode;
pub mod config_fields;
pub mod config_message;

pub mod envelope;
pub mod group_config;
pub mod message_hash;
pub mod onion;
pub mod padding;
pub mod proto;
pub mod rpc;
pub mod swarm;
pub mod user_config;
