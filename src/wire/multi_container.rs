//! The "simple" multi-recipient container (libsession `encrypt_for_multiple_simple`): the
//! ciphertexts of [`multi_encrypt`] for several recipients under one nonce, bencoded as
//! `{"#": nonce, "e": [ciphertexts…]}`. Group "kicked" notices travel in it.

use super::bencode::{self, Value};
use crate::crypto::multi_encrypt;
use crate::error::Result;

/// `{"#": nonce, "e": [ciphertexts…]}`, the multi-recipient "simple" container.
pub fn encode(nonce: &[u8], cts: &[Vec<u8>]) -> Vec<u8> {
    bencode::encode(&bencode::dict([
        (b"#", bencode::bytes(nonce)),
        (b"e", Value::List(cts.iter().map(|c| bencode::bytes(c.clone())).collect())),
    ]))
}

pub fn decode(encoded: &[u8]) -> Result<(Vec<u8>, Vec<Vec<u8>>)> {
    let v = bencode::decode(encoded)?;
    let d = bencode::as_dict(&v)?;
    let nonce = bencode::as_bytes(bencode::get(d, "#")?)?.to_vec();
    let cts = bencode::as_list(bencode::get(d, "e")?)?.iter().map(|c| bencode::as_bytes(c).map(<[u8]>::to_vec)).collect::<Result<_>>()?;
    Ok((nonce, cts))
}

/// Encrypt for every recipient and pack the ciphertexts into the container.
pub fn encrypt_simple(
    messages: &[&[u8]],
    recipients: &[[u8; 32]],
    nonce: &[u8; 24],
    sender_x_sk: &[u8; 32],
    sender_x_pk: &[u8; 32],
    domain: &[u8],
) -> Result<Vec<u8>> {
    let cts = multi_encrypt::encrypt(messages, recipients, nonce, sender_x_sk, sender_x_pk, domain)?;
    Ok(encode(nonce, &cts))
}

/// Open a "simple" container. `Ok(None)` when nothing in it is for us (or its nonce is not 24
/// bytes); malformed bencode is an error.
pub fn decrypt_simple(encoded: &[u8], x_sk: &[u8; 32], x_pk: &[u8; 32], sender_x_pk: &[u8; 32], domain: &[u8]) -> Result<Option<Vec<u8>>> {
    let (nonce, cts) = decode(encoded)?;
    let Ok(nonce) = <[u8; 24]>::try_from(nonce.as_slice()) else { return Ok(None) };
    multi_encrypt::decrypt(cts.iter().map(|c| c.as_slice()), &nonce, x_sk, x_pk, sender_x_pk, domain)
}
