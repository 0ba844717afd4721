//! The C ABI. Thin shims only: argument checks, the panic boundary and ownership transfer; the
//! logic lives in the Rust modules they call.
//!
//! Conventions (../shared/DESIGN.md): every symbol starts `ssdk_`; fallible functions return
//! `ssdk_status` and write results through out-parameters only on success; strings in are
//! borrowed UTF-8, strings and buffers out are owned by the caller and released with
//! `ssdk_string_free` / `ssdk_bytes_free`; no panic crosses the boundary.

// Entry points take raw pointers from C and are not `unsafe fn`: each checks for NULL and the
// rest of pointer validity is the C caller's side of the contract documented in the header.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

pub mod backup;
pub mod client;
pub mod config;
pub mod crypto;
pub mod event;
pub mod groups;
pub mod identity;
mod json;
pub mod status;
pub mod util;

pub use status::ssdk_status;

use std::ffi::c_char;

/// The SDK version as a static string ("MAJOR.MINOR.PATCH"). Do not free. Thread-safe.
#[no_mangle]
pub extern "C" fn ssdk_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The C ABI version this library implements. Bindings compare it with the version they were
/// written for and refuse to load on a mismatch. Thread-safe.
#[no_mangle]
pub extern "C" fn ssdk_abi_version() -> u32 {
    crate::ABI_VERSION
}
