//! The Session encryption schemes, on the libsodium wrappers of [`crate::sodium`] and the keys of
//! [`crate::identity`]: 1:1 messages, attachments and avatars, onion hops, config encryption,
//! multi-recipient encryption, group keys and subaccount signing, ONS and push payloads.
//! Pure: no I/O; randomness only through libsodium's generator.

pub mod attachment;
pub mod avatar;
pub mod config_encrypt;
pub mod group_key;
pub mod multi_encrypt;
pub mod onion_hop;
pub mod ons;
pub mod push;
pub mod session_protocol;
pub mod signer;
pub mod subaccount;
