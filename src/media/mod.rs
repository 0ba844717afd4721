//! Media handling that protects privacy before anything is encrypted or sent.

pub mod jpeg;
