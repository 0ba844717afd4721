//! Cryptography: safe libsodium wrappers and every Session encryption scheme built on them.
//! Pure: no I/O; randomness only through libsodium's generator.

pub mod attachment;
pub mod avatar;
pub mod config_encrypt;
pub mod group_keys;
pub mod group_message;
pub mod multi_encrypt;
pub mod onion_hop;
pub mod onion_request;
pub mod ons;
pub mod push;
pub mod session_protocol;
pub mod sodium;
pub mod subaccount;
