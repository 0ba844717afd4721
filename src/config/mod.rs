//! Session's mergeable config messages (config-sync.md), byte-compatible with libsession-util:
//! the protocol state that one identity's devices, and a group's members, converge on.
//!
//! - [`value`]: config data (integers, strings, sets, dicts) and diffs, with their bencoding.
//! - [`message`]: one config message: parse, merge, serialize, sign.
//! - [`storage`]: what a message becomes in the swarm: compressed, padded, encrypted.
//! - [`base`]: [`Config`], one config as a client keeps it: push, confirm, merge, dump.
//! - [`fields`]: the value rules shared by the typed views.
//! - [`user`]: the four configs one identity's devices share (profile, contacts, read marks,
//!   groups), namespaces 2–5.
//! - [`group`]: a group's keys (namespace 12), info (13) and members (14) configs.
//!
//! Pure: no I/O, no clock (callers pass the time).

pub mod base;
pub mod fields;
pub mod group;
pub mod message;
pub mod storage;
pub mod user;
pub mod value;

#[cfg(test)]
mod test_support;

pub use base::Config;
pub use message::SigningKeys;
pub use value::{ConfigValue, Dict};
