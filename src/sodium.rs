//! Safe wrappers over the libsodium primitives the SDK uses. Every unsafe call into libsodium
//! lives in this file; callers get fixed-size arrays and `Result`s.

use crate::error::{Error, ErrorKind, Result};
use libsodium_sys as ffi;
use once_cell::sync::Lazy;

// SAFETY: sodium_init takes no arguments and is thread-safe (libsodium serialises it with a lock;
// later calls return 1 without doing anything). Its -1 failure becomes `false`, which `init`
// turns into a panic before any other libsodium function is reached.
static INIT: Lazy<bool> = Lazy::new(|| unsafe { ffi::sodium_init() } >= 0);

/// Initialise libsodium (idempotent, thread-safe). Called by every wrapper that needs it.
pub fn init() {
    assert!(*INIT, "libsodium failed to initialise");
}

pub const ED25519_SEED: usize = 32;
pub const ED25519_PK: usize = 32;
pub const ED25519_SK: usize = 64;
pub const SIG: usize = 64;
pub const X25519: usize = 32;
pub const SCALAR: usize = 32;
pub const XCHACHA_NONCE: usize = 24;
pub const AEAD_TAG: usize = 16;
pub const AES_GCM_NONCE: usize = 12;
pub const SEAL_OVERHEAD: usize = 48;

// The buffer sizes the SAFETY comments below rely on, checked against libsodium's own constants
// at compile time (including the literal 16 and 17 used for crypto_box and secretstream).
const _: () = {
    assert!(ffi::crypto_sign_SEEDBYTES as usize == ED25519_SEED);
    assert!(ffi::crypto_sign_PUBLICKEYBYTES as usize == ED25519_PK);
    assert!(ffi::crypto_sign_SECRETKEYBYTES as usize == ED25519_SK);
    assert!(ffi::crypto_sign_BYTES as usize == SIG);
    assert!(ffi::crypto_scalarmult_BYTES as usize == X25519 && ffi::crypto_scalarmult_SCALARBYTES as usize == SCALAR);
    assert!(ffi::crypto_scalarmult_ed25519_BYTES == 32 && ffi::crypto_scalarmult_ed25519_SCALARBYTES == 32);
    assert!(ffi::crypto_core_ed25519_BYTES == 32 && ffi::crypto_core_ed25519_SCALARBYTES == 32);
    assert!(ffi::crypto_core_ed25519_NONREDUCEDSCALARBYTES == 64);
    assert!(ffi::crypto_box_PUBLICKEYBYTES == 32 && ffi::crypto_box_SECRETKEYBYTES == 32 && ffi::crypto_box_SEEDBYTES == 32);
    assert!(ffi::crypto_box_NONCEBYTES == 24 && ffi::crypto_box_MACBYTES == 16);
    assert!(ffi::crypto_box_SEALBYTES as usize == SEAL_OVERHEAD);
    assert!(ffi::crypto_aead_xchacha20poly1305_ietf_NPUBBYTES as usize == XCHACHA_NONCE);
    assert!(ffi::crypto_aead_xchacha20poly1305_ietf_ABYTES as usize == AEAD_TAG);
    assert!(ffi::crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);
    assert!(ffi::crypto_aead_aes256gcm_NPUBBYTES as usize == AES_GCM_NONCE);
    assert!(ffi::crypto_aead_aes256gcm_ABYTES as usize == AEAD_TAG && ffi::crypto_aead_aes256gcm_KEYBYTES == 32);
    assert!(ffi::crypto_generichash_BYTES_MIN == 16 && ffi::crypto_generichash_BYTES_MAX == 64);
    assert!(ffi::crypto_generichash_KEYBYTES_MAX == 64);
    assert!(ffi::crypto_generichash_blake2b_SALTBYTES == 16 && ffi::crypto_generichash_blake2b_PERSONALBYTES == 16);
    assert!(ffi::crypto_hash_sha512_BYTES == 64 && ffi::crypto_hash_sha256_BYTES == 32);
    assert!(ffi::crypto_auth_hmacsha256_BYTES == 32);
    assert!(ffi::crypto_pwhash_SALTBYTES == 16 && ffi::randombytes_SEEDBYTES == 32);
    assert!(ffi::crypto_secretstream_xchacha20poly1305_ABYTES == 17);
    assert!(ffi::crypto_secretstream_xchacha20poly1305_HEADERBYTES == 24);
    assert!(ffi::crypto_secretstream_xchacha20poly1305_KEYBYTES == 32);
};

// ---- randomness ---------------------------------------------------------------------------

pub fn random_bytes(buf: &mut [u8]) {
    init();
    // SAFETY: randombytes_buf writes exactly `buf.len()` bytes to `buf`, a live exclusive slice of
    // that length; init() above has seeded the generator.
    unsafe { ffi::randombytes_buf(buf.as_mut_ptr().cast(), buf.len()) }
}

pub fn random_array<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    random_bytes(&mut out);
    out
}

/// A uniformly random integer below `upper` (which must be non-zero).
pub fn random_below(upper: u32) -> u32 {
    init();
    assert!(upper > 0, "random_below(0)");
    // SAFETY: randombytes_uniform takes no pointers; init() above has seeded the generator.
    unsafe { ffi::randombytes_uniform(upper) }
}

/// Shuffle a slice in place (Fisher-Yates with libsodium's generator).
pub fn shuffle<T>(v: &mut [T]) {
    for i in (1..v.len()).rev() {
        let j = random_below((i + 1) as u32) as usize;
        v.swap(i, j);
    }
}

/// Deterministic pseudo-random bytes from a 32-byte seed (libsodium's ChaCha20 construction).
pub fn random_bytes_deterministic(buf: &mut [u8], seed: &[u8; 32]) {
    init();
    // SAFETY: randombytes_buf_deterministic writes `buf.len()` bytes to `buf`, a live exclusive slice
    // of that length, and reads randombytes_SEEDBYTES (32) from `seed`, a [u8; 32].
    unsafe { ffi::randombytes_buf_deterministic(buf.as_mut_ptr().cast(), buf.len(), seed.as_ptr()) }
}

/// Constant-time comparison.
pub fn memcmp_eq(a: &[u8], b: &[u8]) -> bool {
    init();
    // SAFETY: sodium_memcmp reads `a.len()` bytes through both pointers; the `&&` reaches it only when
    // `b.len() == a.len()`, so neither read leaves its slice (zero length reads nothing).
    a.len() == b.len() && unsafe { ffi::sodium_memcmp(a.as_ptr().cast(), b.as_ptr().cast(), a.len()) } == 0
}

// ---- hashing ------------------------------------------------------------------------------

/// BLAKE2b over the concatenation of `parts`, optionally keyed, with `outlen` 16..=64 bytes.
pub fn blake2b(outlen: usize, key: Option<&[u8]>, parts: &[&[u8]]) -> Result<Vec<u8>> {
    init();
    if !(16..=64).contains(&outlen) {
        return Err(Error::invalid_argument(format!("BLAKE2b output size {outlen} is not in 16..=64")));
    }
    let key = key.unwrap_or(&[]);
    if key.len() > 64 {
        return Err(Error::invalid_key(format!("BLAKE2b key of {} bytes exceeds 64", key.len())));
    }
    let mut st = std::mem::MaybeUninit::<ffi::crypto_generichash_state>::uninit();
    let mut out = vec![0u8; outlen];
    // SAFETY: `st` is a crypto_generichash_state (the binding keeps libsodium's 64-byte alignment)
    // that crypto_generichash_init fully initialises before update and final read it; on an init
    // failure we return without touching it. init reads `key.len()` (<= KEYBYTES_MAX, checked above)
    // bytes of `key`, length 0 meaning unkeyed; each update reads `p.len()` bytes of its part; final
    // writes `outlen` (16..=64, checked above) bytes into `out`, which is `outlen` long. update
    // cannot fail, and final fails only on a state already finalised, which this one is not.
    unsafe {
        let st = st.as_mut_ptr();
        if ffi::crypto_generichash_init(st, key.as_ptr(), key.len(), outlen) != 0 {
            return Err(Error::internal("crypto_generichash_init failed"));
        }
        for p in parts {
            ffi::crypto_generichash_update(st, p.as_ptr(), p.len() as u64);
        }
        ffi::crypto_generichash_final(st, out.as_mut_ptr(), outlen);
    }
    Ok(out)
}

/// BLAKE2b with a fixed output size (which must be 16..=64; checked at compile time by callers'
/// use of literal sizes and at run time here).
pub fn blake2b_n<const N: usize>(key: Option<&[u8]>, parts: &[&[u8]]) -> [u8; N] {
    let v = blake2b(N, key, parts).expect("BLAKE2b with a valid fixed size and key");
    v.try_into().expect("length checked")
}

pub fn sha512(parts: &[&[u8]]) -> [u8; 64] {
    init();
    let mut st = std::mem::MaybeUninit::<ffi::crypto_hash_sha512_state>::uninit();
    let mut out = [0u8; 64];
    // SAFETY: crypto_hash_sha512_init initialises `st` (a crypto_hash_sha512_state) before update
    // reads it; each update reads `p.len()` bytes of its part; final writes crypto_hash_sha512_BYTES
    // (64) into `out`, a [u8; 64]. All three always return 0.
    unsafe {
        let st = st.as_mut_ptr();
        ffi::crypto_hash_sha512_init(st);
        for p in parts {
            ffi::crypto_hash_sha512_update(st, p.as_ptr(), p.len() as u64);
        }
        ffi::crypto_hash_sha512_final(st, out.as_mut_ptr());
    }
    out
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    init();
    let mut out = [0u8; 32];
    // SAFETY: reads `data.len()` bytes of `data` and writes crypto_hash_sha256_BYTES (32) into `out`,
    // a [u8; 32]. It always returns 0.
    unsafe { ffi::crypto_hash_sha256(out.as_mut_ptr(), data.as_ptr(), data.len() as u64) };
    out
}

/// HMAC-SHA256 with an arbitrary-length key.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    init();
    let mut st = std::mem::MaybeUninit::<ffi::crypto_auth_hmacsha256_state>::uninit();
    let mut out = [0u8; 32];
    // SAFETY: init reads `key.len()` bytes of `key` (any length: a longer key is hashed first, an empty
    // one reads nothing) and initialises `st` before update reads it; each update reads `p.len()`
    // bytes of its part; final writes crypto_auth_hmacsha256_BYTES (32) into `out`, a [u8; 32]. All
    // three always return 0.
    unsafe {
        let st = st.as_mut_ptr();
        ffi::crypto_auth_hmacsha256_init(st, key.as_ptr(), key.len());
        for p in parts {
            ffi::crypto_auth_hmacsha256_update(st, p.as_ptr(), p.len() as u64);
        }
        ffi::crypto_auth_hmacsha256_final(st, out.as_mut_ptr());
    }
    out
}

// ---- Ed25519 ------------------------------------------------------------------------------

/// Ed25519 key pair from a 32-byte seed: (public key, 64-byte secret key = seed ‖ pk).
pub fn ed25519_seed_keypair(seed: &[u8; 32]) -> ([u8; 32], [u8; 64]) {
    init();
    let mut pk = [0u8; 32];
    let mut sk = [0u8; 64];
    // SAFETY: reads crypto_sign_SEEDBYTES (32) from `seed` and writes PUBLICKEYBYTES (32) into `pk`
    // and SECRETKEYBYTES (64) into `sk`, exactly the sizes of our arrays. It always returns 0.
    unsafe { ffi::crypto_sign_seed_keypair(pk.as_mut_ptr(), sk.as_mut_ptr(), seed.as_ptr()) };
    (pk, sk)
}

pub fn ed25519_sign(sk: &[u8; 64], msg: &[u8]) -> [u8; 64] {
    init();
    let mut sig = [0u8; 64];
    // SAFETY: writes crypto_sign_BYTES (64) into `sig`, a [u8; 64] (the length out-pointer may be
    // NULL); reads `msg.len()` bytes of `msg` and the 64-byte seed ‖ pk secret key `sk`, as
    // crypto_sign_detached requires. It always returns 0.
    unsafe { ffi::crypto_sign_detached(sig.as_mut_ptr(), std::ptr::null_mut(), msg.as_ptr(), msg.len() as u64, sk.as_ptr()) };
    sig
}

pub fn ed25519_verify(sig: &[u8; 64], msg: &[u8], pk: &[u8; 32]) -> bool {
    init();
    // SAFETY: reads the 64-byte `sig`, `msg.len()` bytes of `msg` and the 32-byte `pk`, the sizes
    // crypto_sign_verify_detached expects, and writes nothing.
    unsafe { ffi::crypto_sign_verify_detached(sig.as_ptr(), msg.as_ptr(), msg.len() as u64, pk.as_ptr()) == 0 }
}

/// Verify, with lengths checked: a signature that is not 64 bytes or a key that is not 32 bytes
/// is an `InvalidArgument`/`InvalidKey` error rather than a `false`.
pub fn ed25519_verify_slices(sig: &[u8], msg: &[u8], pk: &[u8]) -> Result<bool> {
    let sig: [u8; 64] = sig.try_into().map_err(|_| Error::invalid_argument(format!("signature must be 64 bytes, got {}", sig.len())))?;
    let pk = crate::error::fixed::<32>(pk, "Ed25519 public key")?;
    Ok(ed25519_verify(&sig, msg, &pk))
}

/// Ed25519 public key → X25519 public key. Fails for keys that are not valid points.
pub fn ed25519_pk_to_x25519(pk: &[u8; 32]) -> Result<[u8; 32]> {
    init();
    let mut out = [0u8; 32];
    // SAFETY: reads the 32-byte Ed25519 key `pk` and writes crypto_scalarmult_curve25519_BYTES (32)
    // into `out`, a [u8; 32]. Its failure (not a valid, prime-order point) is checked below.
    let rc = unsafe { ffi::crypto_sign_ed25519_pk_to_curve25519(out.as_mut_ptr(), pk.as_ptr()) };
    if rc != 0 {
        return Err(Error::invalid_key("Ed25519 public key is not a valid curve point"));
    }
    Ok(out)
}

/// Ed25519 64-byte secret key → X25519 secret scalar (clamped first half of SHA-512(seed)).
pub fn ed25519_sk_to_x25519(sk: &[u8; 64]) -> [u8; 32] {
    init();
    let mut out = [0u8; 32];
    // SAFETY: reads the seed half (32 bytes) of the 64-byte `sk` and writes the 32-byte X25519 scalar
    // into `out`, a [u8; 32]. It always returns 0.
    unsafe { ffi::crypto_sign_ed25519_sk_to_curve25519(out.as_mut_ptr(), sk.as_ptr()) };
    out
}

// ---- Ed25519 scalar and point arithmetic (blinding, subaccounts) ---------------------------

pub fn scalar_reduce(wide: &[u8; 64]) -> [u8; 32] {
    init();
    let mut out = [0u8; 32];
    // SAFETY: reads crypto_core_ed25519_NONREDUCEDSCALARBYTES (64) from `wide`, a [u8; 64], and writes
    // SCALARBYTES (32) into `out`, a [u8; 32]. It returns nothing.
    unsafe { ffi::crypto_core_ed25519_scalar_reduce(out.as_mut_ptr(), wide.as_ptr()) };
    out
}

pub fn scalar_mul(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    init();
    let mut out = [0u8; 32];
    // SAFETY: reads two crypto_core_ed25519_SCALARBYTES (32) scalars and writes one into `out`, all
    // [u8; 32]. It returns nothing.
    unsafe { ffi::crypto_core_ed25519_scalar_mul(out.as_mut_ptr(), a.as_ptr(), b.as_ptr()) };
    out
}

pub fn scalar_add(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    init();
    let mut out = [0u8; 32];
    // SAFETY: as for scalar_mul: two 32-byte scalars read, one 32-byte scalar written to `out`.
    unsafe { ffi::crypto_core_ed25519_scalar_add(out.as_mut_ptr(), a.as_ptr(), b.as_ptr()) };
    out
}

pub fn scalar_negate(a: &[u8; 32]) -> [u8; 32] {
    init();
    let mut out = [0u8; 32];
    // SAFETY: reads one crypto_core_ed25519_SCALARBYTES (32) scalar and writes one into `out`, both
    // [u8; 32]. It returns nothing.
    unsafe { ffi::crypto_core_ed25519_scalar_negate(out.as_mut_ptr(), a.as_ptr()) };
    out
}

/// `n·P` without clamping `n`. Fails if the result is the identity or P is not a valid point.
pub fn ed25519_scalarmult_noclamp(n: &[u8; 32], p: &[u8; 32]) -> Result<[u8; 32]> {
    init();
    let mut out = [0u8; 32];
    // SAFETY: reads the 32-byte scalar `n` and point `p` and writes crypto_scalarmult_ed25519_BYTES
    // (32) into `out`, all [u8; 32]. Its failure (invalid point, identity result) is checked below.
    let rc = unsafe { ffi::crypto_scalarmult_ed25519_noclamp(out.as_mut_ptr(), n.as_ptr(), p.as_ptr()) };
    if rc != 0 {
        return Err(Error::invalid_key("Ed25519 scalar multiplication failed (invalid point or scalar)"));
    }
    Ok(out)
}

/// `n·G` without clamping `n`.
pub fn ed25519_scalarmult_base_noclamp(n: &[u8; 32]) -> Result<[u8; 32]> {
    init();
    let mut out = [0u8; 32];
    // SAFETY: reads the 32-byte scalar `n` and writes crypto_scalarmult_ed25519_BYTES (32) into `out`,
    // both [u8; 32]. Its failure (zero scalar) is checked below.
    let rc = unsafe { ffi::crypto_scalarmult_ed25519_base_noclamp(out.as_mut_ptr(), n.as_ptr()) };
    if rc != 0 {
        return Err(Error::invalid_key("Ed25519 base multiplication failed (zero scalar)"));
    }
    Ok(out)
}

// ---- X25519 ---------------------------------------------------------------------------------

/// The X25519 public key of `sk` (tests and tools; the SDK derives keys from Ed25519 ones).
#[cfg(feature = "internals")]
pub fn x25519_base(sk: &[u8; 32]) -> [u8; 32] {
    init();
    let mut out = [0u8; 32];
    // SAFETY: reads crypto_scalarmult_SCALARBYTES (32) from `sk` and writes crypto_scalarmult_BYTES
    // (32) into `out`, both [u8; 32]. The base-point multiplication clamps the scalar and always
    // returns 0.
    unsafe { ffi::crypto_scalarmult_base(out.as_mut_ptr(), sk.as_ptr()) };
    out
}

/// X25519 Diffie-Hellman. Fails when the peer key yields the all-zero shared secret.
pub fn x25519(sk: &[u8; 32], pk: &[u8; 32]) -> Result<[u8; 32]> {
    init();
    let mut out = [0u8; 32];
    // SAFETY: reads the 32-byte scalar `sk` and point `pk` and writes crypto_scalarmult_BYTES (32)
    // into `out`, all [u8; 32]. Its failure (all-zero shared secret) is checked below.
    let rc = unsafe { ffi::crypto_scalarmult(out.as_mut_ptr(), sk.as_ptr(), pk.as_ptr()) };
    if rc != 0 {
        return Err(Error::invalid_key("X25519 key agreement failed (low-order public key)"));
    }
    Ok(out)
}

/// A fresh random X25519 key pair: (secret, public).
pub fn x25519_keypair() -> ([u8; 32], [u8; 32]) {
    init();
    let mut pk = [0u8; 32];
    let mut sk = [0u8; 32];
    // SAFETY: writes crypto_box_PUBLICKEYBYTES (32) into `pk` and SECRETKEYBYTES (32) into `sk`, both
    // [u8; 32]; init() above has seeded the generator it draws the secret from. It returns the
    // base-point multiplication's result, which is always 0.
    unsafe { ffi::crypto_box_keypair(pk.as_mut_ptr(), sk.as_mut_ptr()) };
    (sk, pk)
}

/// X25519 key pair from a 32-byte seed (libsodium crypto_box_seed_keypair): (secret, public).
pub fn box_seed_keypair(seed: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
    init();
    let mut pk = [0u8; 32];
    let mut sk = [0u8; 32];
    // SAFETY: reads crypto_box_SEEDBYTES (32) from `seed` and writes crypto_box_PUBLICKEYBYTES (32)
    // into `pk` and SECRETKEYBYTES (32) into `sk`, all [u8; 32]. It always returns 0.
    unsafe { ffi::crypto_box_seed_keypair(pk.as_mut_ptr(), sk.as_mut_ptr(), seed.as_ptr()) };
    (sk, pk)
}

// ---- crypto_box ----------------------------------------------------------------------------

/// Seal `msg` to `recipient_pk` (crypto_box_seal): `msg.len() + SEAL_OVERHEAD` bytes. Fails with
/// `InvalidKey` when `recipient_pk` is a low-order point, from which libsodium refuses to derive a
/// shared key (libsession's encrypt_for_recipient throws there).
pub fn box_seal(msg: &[u8], recipient_pk: &[u8; 32]) -> Result<Vec<u8>> {
    init();
    let mut out = vec![0u8; msg.len() + SEAL_OVERHEAD];
    // SAFETY: writes `msg.len()` + crypto_box_SEALBYTES (48, our SEAL_OVERHEAD) bytes into `out`,
    // which has exactly that length, and reads `msg.len()` bytes of `msg` and the 32-byte
    // `recipient_pk`; init() above has seeded the generator the ephemeral key comes from. Its
    // failure (a low-order `recipient_pk`) is checked below.
    let rc = unsafe { ffi::crypto_box_seal(out.as_mut_ptr(), msg.as_ptr(), msg.len() as u64, recipient_pk.as_ptr()) };
    if rc != 0 {
        return Err(Error::invalid_key("crypto_box_seal failed (low-order recipient public key)"));
    }
    Ok(out)
}

pub fn box_seal_open(ct: &[u8], pk: &[u8; 32], sk: &[u8; 32]) -> Result<Vec<u8>> {
    init();
    if ct.len() < SEAL_OVERHEAD {
        return Err(Error::decryption_failed("sealed box is shorter than its overhead"));
    }
    let mut out = vec![0u8; ct.len() - SEAL_OVERHEAD];
    // SAFETY: reads `ct.len()` bytes of `ct` (at least crypto_box_SEALBYTES, checked above) and writes
    // `ct.len()` - 48 bytes into `out`, which has exactly that length; `pk` and `sk` are the 32-byte
    // crypto_box keys. Its failure (wrong key, tampered data) is checked below.
    let rc = unsafe { ffi::crypto_box_seal_open(out.as_mut_ptr(), ct.as_ptr(), ct.len() as u64, pk.as_ptr(), sk.as_ptr()) };
    if rc != 0 {
        return Err(Error::decryption_failed("sealed box did not open (wrong recipient or tampered data)"));
    }
    Ok(out)
}

/// crypto_box_easy (X25519 + XSalsa20-Poly1305) with an explicit 24-byte nonce.
pub fn box_easy(msg: &[u8], nonce: &[u8; 24], pk: &[u8; 32], sk: &[u8; 32]) -> Result<Vec<u8>> {
    init();
    let mut out = vec![0u8; msg.len() + 16];
    // SAFETY: writes `msg.len()` + crypto_box_MACBYTES (16) bytes into `out`, which has exactly that
    // length; reads `msg.len()` bytes of `msg`, crypto_box_NONCEBYTES (24) of `nonce` and the 32-byte
    // `pk` and `sk`. Its failure (low-order `pk`) is checked below.
    let rc = unsafe { ffi::crypto_box_easy(out.as_mut_ptr(), msg.as_ptr(), msg.len() as u64, nonce.as_ptr(), pk.as_ptr(), sk.as_ptr()) };
    if rc != 0 {
        return Err(Error::invalid_key("crypto_box failed (low-order public key)"));
    }
    Ok(out)
}

// ---- AEADs ---------------------------------------------------------------------------------

pub fn xchacha_encrypt(msg: &[u8], nonce: &[u8; 24], key: &[u8; 32]) -> Vec<u8> {
    init();
    let mut out = vec![0u8; msg.len() + AEAD_TAG];
    let mut outlen = 0u64;
    // SAFETY: writes `msg.len()` + crypto_aead_xchacha20poly1305_ietf_ABYTES (16, our AEAD_TAG)
    // bytes into `out`, which has exactly that length, and that count into `outlen`; reads
    // `msg.len()` bytes of `msg`, NPUBBYTES (24) of `nonce` and KEYBYTES (32) of `key`. There is no
    // additional data (NULL, 0) and nsec is NULL, as required. It fails only by aborting on a message
    // over MESSAGEBYTES_MAX, so its return value carries nothing.
    unsafe {
        ffi::crypto_aead_xchacha20poly1305_ietf_encrypt(
            out.as_mut_ptr(),
            &mut outlen,
            msg.as_ptr(),
            msg.len() as u64,
            std::ptr::null(),
            0,
            std::ptr::null(),
            nonce.as_ptr(),
            key.as_ptr(),
        )
    };
    out.truncate(outlen as usize);
    out
}

pub fn xchacha_decrypt(ct: &[u8], nonce: &[u8; 24], key: &[u8; 32]) -> Result<Vec<u8>> {
    init();
    if ct.len() < AEAD_TAG {
        return Err(Error::decryption_failed("ciphertext is shorter than its authentication tag"));
    }
    let mut out = vec![0u8; ct.len() - AEAD_TAG];
    let mut outlen = 0u64;
    // SAFETY: reads `ct.len()` bytes of `ct` (at least ABYTES, checked above) and writes at most
    // `ct.len()` - 16 bytes into `out`, which has that length, and the count into `outlen`; nonce is
    // NPUBBYTES (24), key KEYBYTES (32); nsec and the additional data are NULL/0 as the API allows.
    // Its failure (authentication) is checked below.
    let rc = unsafe {
        ffi::crypto_aead_xchacha20poly1305_ietf_decrypt(
            out.as_mut_ptr(),
            &mut outlen,
            std::ptr::null_mut(),
            ct.as_ptr(),
            ct.len() as u64,
            std::ptr::null(),
            0,
            nonce.as_ptr(),
            key.as_ptr(),
        )
    };
    if rc != 0 {
        return Err(Error::decryption_failed("XChaCha20-Poly1305 authentication failed"));
    }
    out.truncate(outlen as usize);
    Ok(out)
}

pub fn aes_gcm_available() -> bool {
    init();
    // SAFETY: takes no arguments; init() above has run the CPU feature detection it reports on.
    unsafe { ffi::crypto_aead_aes256gcm_is_available() == 1 }
}

fn require_aes_gcm() -> Result<()> {
    if aes_gcm_available() {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::Unsupported, "AES-256-GCM needs a CPU with AES-NI and PCLMUL (libsodium)"))
    }
}

pub fn aes_gcm_encrypt(msg: &[u8], nonce: &[u8; 12], key: &[u8; 32]) -> Result<Vec<u8>> {
    require_aes_gcm()?;
    let mut out = vec![0u8; msg.len() + AEAD_TAG];
    let mut outlen = 0u64;
    // SAFETY: require_aes_gcm() above ran init() and confirmed the CPU support, so libsodium's real
    // implementation runs. It writes `msg.len()` + crypto_aead_aes256gcm_ABYTES (16) bytes into `out`,
    // which has exactly that length, and that count into `outlen`; reads `msg.len()` bytes of `msg`,
    // NPUBBYTES (12) of `nonce` and KEYBYTES (32) of `key`; no additional data, nsec NULL. Its
    // failure (a message over GCM's 2^32 - 2 block limit) is checked below.
    let rc = unsafe {
        ffi::crypto_aead_aes256gcm_encrypt(
            out.as_mut_ptr(),
            &mut outlen,
            msg.as_ptr(),
            msg.len() as u64,
            std::ptr::null(),
            0,
            std::ptr::null(),
            nonce.as_ptr(),
            key.as_ptr(),
        )
    };
    if rc != 0 {
        return Err(Error::new(ErrorKind::TooLarge, format!("AES-256-GCM cannot encrypt {} bytes in one message", msg.len())));
    }
    out.truncate(outlen as usize);
    Ok(out)
}

pub fn aes_gcm_decrypt(ct: &[u8], nonce: &[u8; 12], key: &[u8; 32]) -> Result<Vec<u8>> {
    require_aes_gcm()?;
    if ct.len() < AEAD_TAG {
        return Err(Error::decryption_failed("ciphertext is shorter than its authentication tag"));
    }
    let mut out = vec![0u8; ct.len() - AEAD_TAG];
    let mut outlen = 0u64;
    // SAFETY: require_aes_gcm() above ran init() and confirmed the CPU support. Reads `ct.len()` bytes
    // of `ct` (at least ABYTES, checked above) and writes at most `ct.len()` - 16 bytes into `out`,
    // which has that length, and the count into `outlen`; nonce NPUBBYTES (12), key KEYBYTES (32);
    // nsec and additional data NULL/0. Its failure (authentication) is checked below.
    let rc = unsafe {
        ffi::crypto_aead_aes256gcm_decrypt(
            out.as_mut_ptr(),
            &mut outlen,
            std::ptr::null_mut(),
            ct.as_ptr(),
            ct.len() as u64,
            std::ptr::null(),
            0,
            nonce.as_ptr(),
            key.as_ptr(),
        )
    };
    if rc != 0 {
        return Err(Error::decryption_failed("AES-256-GCM authentication failed"));
    }
    out.truncate(outlen as usize);
    Ok(out)
}

// ---- password hashing ------------------------------------------------------------------------

/// Argon2id13 key derivation (libsodium crypto_pwhash) into `out`.
pub fn argon2id(out: &mut [u8], password: &[u8], salt: &[u8; 16], opslimit: u64, memlimit: usize) -> Result<()> {
    init();
    // SAFETY: writes `out.len()` bytes into `out` and reads `password.len()` bytes of `password` and
    // crypto_pwhash_SALTBYTES (16) of `salt`, a [u8; 16]. Lengths or limits out of libsodium's range
    // make it return -1 without writing past `out`, which is checked below.
    let rc = unsafe {
        ffi::crypto_pwhash(
            out.as_mut_ptr(),
            out.len() as u64,
            password.as_ptr().cast(),
            password.len() as u64,
            salt.as_ptr(),
            opslimit,
            memlimit,
            ffi::crypto_pwhash_ALG_ARGON2ID13 as i32,
        )
    };
    if rc != 0 {
        return Err(Error::internal("Argon2id failed (out of memory?)"));
    }
    Ok(())
}

// ---- secretstream (attachments of the newer deterministic scheme; backups) ----------------

/// Bytes secretstream adds to every chunk (crypto_secretstream_xchacha20poly1305_ABYTES).
pub const SECRETSTREAM_ABYTES: usize = 17;

/// Decrypting side of crypto_secretstream_xchacha20poly1305.
pub struct SecretStreamPull(Box<ffi::crypto_secretstream_xchacha20poly1305_state>);

impl SecretStreamPull {
    pub fn new(header: &[u8; 24], key: &[u8; 32]) -> Result<SecretStreamPull> {
        init();
        // SAFETY: the state is plain byte arrays (k, nonce, _pad), for which all zeros is a valid value;
        // init_pull overwrites it.
        let mut st: Box<ffi::crypto_secretstream_xchacha20poly1305_state> = Box::new(unsafe { std::mem::zeroed() });
        // SAFETY: `st` is a live, exclusively borrowed state; reads HEADERBYTES (24) of `header` and
        // KEYBYTES (32) of `key`, both arrays of those sizes; init() ran above.
        let rc = unsafe { ffi::crypto_secretstream_xchacha20poly1305_init_pull(&mut *st, header.as_ptr(), key.as_ptr()) };
        if rc != 0 {
            return Err(Error::decryption_failed("invalid secretstream header"));
        }
        Ok(SecretStreamPull(st))
    }

    /// Open one chunk; returns its plaintext and whether it carried the FINAL tag.
    pub fn pull(&mut self, chunk: &[u8]) -> Result<(Vec<u8>, bool)> {
        self.pull_ad(chunk, &[])
    }

    /// Open one chunk that was pushed with additional data `ad` (authenticated, not encrypted).
    pub fn pull_ad(&mut self, chunk: &[u8], ad: &[u8]) -> Result<(Vec<u8>, bool)> {
        if chunk.len() < 17 {
            return Err(Error::decryption_failed("secretstream chunk is too short"));
        }
        let mut out = vec![0u8; chunk.len() - 17];
        let mut outlen = 0u64;
        let mut tag = 0u8;
        // SAFETY: `self.0` was initialised by init_pull in `new`, the only constructor, and `&mut self`
        // makes it exclusive. Reads `chunk.len()` bytes of `chunk` (at least ABYTES = 17, checked above)
        // and writes at most `chunk.len()` - 17 bytes into `out`, which has that length, the count into
        // `outlen` and the tag into `tag`; reads `ad.len()` bytes of `ad` (NULL when empty). Its failure
        // is checked below.
        let rc = unsafe {
            ffi::crypto_secretstream_xchacha20poly1305_pull(
                &mut *self.0,
                out.as_mut_ptr(),
                &mut outlen,
                &mut tag,
                chunk.as_ptr(),
                chunk.len() as u64,
                if ad.is_empty() { std::ptr::null() } else { ad.as_ptr() },
                ad.len() as u64,
            )
        };
        if rc != 0 {
            return Err(Error::decryption_failed("secretstream chunk does not authenticate"));
        }
        out.truncate(outlen as usize);
        Ok((out, tag == ffi::crypto_secretstream_xchacha20poly1305_TAG_FINAL as u8))
    }
}

/// Encrypting side of crypto_secretstream_xchacha20poly1305 (random header).
pub struct SecretStreamPush(Box<ffi::crypto_secretstream_xchacha20poly1305_state>);

impl SecretStreamPush {
    /// A new stream under `key`, and the header the pulling side needs.
    pub fn new(key: &[u8; 32]) -> (SecretStreamPush, [u8; 24]) {
        init();
        // SAFETY: the state is plain byte arrays (k, nonce, _pad), for which all zeros is a valid value;
        // init_push overwrites it.
        let mut st: Box<ffi::crypto_secretstream_xchacha20poly1305_state> = Box::new(unsafe { std::mem::zeroed() });
        let mut header = [0u8; 24];
        // SAFETY: `st` is a live, exclusively borrowed state; writes HEADERBYTES (24) into `header`, a
        // [u8; 24], and reads KEYBYTES (32) of `key`; init() above has seeded the generator the header
        // comes from. It always returns 0.
        unsafe { ffi::crypto_secretstream_xchacha20poly1305_init_push(&mut *st, header.as_mut_ptr(), key.as_ptr()) };
        (SecretStreamPush(st), header)
    }

    /// Encrypt one chunk; `last` marks the end of the stream (TAG_FINAL). (Tests and tools.)
    #[cfg(feature = "internals")]
    pub fn push(&mut self, chunk: &[u8], last: bool) -> Vec<u8> {
        self.push_ad(chunk, &[], last)
    }

    /// Encrypt one chunk, authenticating `ad` with it (the puller must give the same `ad`).
    pub fn push_ad(&mut self, chunk: &[u8], ad: &[u8], last: bool) -> Vec<u8> {
        let mut out = vec![0u8; chunk.len() + 17];
        let mut outlen = 0u64;
        let tag = if last { ffi::crypto_secretstream_xchacha20poly1305_TAG_FINAL } else { 0 } as u8;
        // SAFETY: `self.0` was initialised by init_push in `new`, the only constructor, and `&mut self`
        // makes it exclusive. Reads `chunk.len()` bytes of `chunk` and writes `chunk.len()` + ABYTES (17)
        // bytes into `out`, which has exactly that length, and the count into `outlen`; reads `ad.len()`
        // bytes of `ad` (NULL when empty); `tag` is 0 (MESSAGE) or TAG_FINAL. It always returns 0 (an
        // oversized chunk aborts, and chunks here are far below the 256 GiB limit).
        unsafe {
            ffi::crypto_secretstream_xchacha20poly1305_push(
                &mut *self.0,
                out.as_mut_ptr(),
                &mut outlen,
                chunk.as_ptr(),
                chunk.len() as u64,
                if ad.is_empty() { std::ptr::null() } else { ad.as_ptr() },
                ad.len() as u64,
                tag,
            )
        };
        out.truncate(outlen as usize);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blake2b_rejects_bad_sizes_and_keys() {
        assert_eq!(blake2b(10, None, &[b"x"]).unwrap_err().kind(), ErrorKind::InvalidArgument);
        assert_eq!(blake2b(100, None, &[b"x"]).unwrap_err().kind(), ErrorKind::InvalidArgument);
        assert_eq!(blake2b(32, Some(&[0u8; 80]), &[b"x"]).unwrap_err().kind(), ErrorKind::InvalidKey);
        // Multi-part equals one-shot over the concatenation.
        assert_eq!(blake2b(32, None, &[b"ab", b"c"]).unwrap(), blake2b(32, None, &[b"abc"]).unwrap());
    }

    #[test]
    fn aead_round_trips_and_detects_tampering() {
        let key = random_array::<32>();
        let nonce = random_array::<24>();
        let mut ct = xchacha_encrypt(b"hello", &nonce, &key);
        assert_eq!(xchacha_decrypt(&ct, &nonce, &key).unwrap(), b"hello");
        ct[0] ^= 1;
        assert_eq!(xchacha_decrypt(&ct, &nonce, &key).unwrap_err().kind(), ErrorKind::DecryptionFailed);
        assert_eq!(xchacha_decrypt(&[1, 2], &nonce, &key).unwrap_err().kind(), ErrorKind::DecryptionFailed);
        if aes_gcm_available() {
            let n12 = random_array::<12>();
            let mut ct = aes_gcm_encrypt(b"hi", &n12, &key).unwrap();
            assert_eq!(aes_gcm_decrypt(&ct, &n12, &key).unwrap(), b"hi");
            ct[1] ^= 4;
            assert!(aes_gcm_decrypt(&ct, &n12, &key).is_err());
        }
    }

    #[test]
    fn seal_round_trip_and_wrong_key() {
        let (sk, pk) = x25519_keypair();
        let (sk2, pk2) = x25519_keypair();
        let ct = box_seal(b"payload", &pk).unwrap();
        assert_eq!(box_seal_open(&ct, &pk, &sk).unwrap(), b"payload");
        assert!(box_seal_open(&ct, &pk2, &sk2).is_err());
        assert!(box_seal_open(&ct[..10], &pk, &sk).is_err());
    }

    #[test]
    fn seal_to_a_low_order_key_is_an_error() {
        // crypto_box_seal returns -1 for these (all-zero shared secret); box_seal used to be the
        // only form and dropped that, handing back the ephemeral key followed by zeros.
        let mut one = [0u8; 32];
        one[0] = 1;
        for low in [[0u8; 32], one] {
            assert_eq!(box_seal(b"secret", &low).unwrap_err().kind(), ErrorKind::InvalidKey);
        }
        let (sk, pk) = x25519_keypair();
        let ct = box_seal(b"secret", &pk).unwrap();
        assert_eq!(ct.len(), 6 + SEAL_OVERHEAD);
        assert_eq!(box_seal_open(&ct, &pk, &sk).unwrap(), b"secret");
    }

    #[test]
    fn low_order_point_is_an_error_not_a_panic() {
        let (sk, _) = x25519_keypair();
        assert_eq!(x25519(&sk, &[0u8; 32]).unwrap_err().kind(), ErrorKind::InvalidKey);
    }
}
