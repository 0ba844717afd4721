//! Argument checking and output writing shared by the entry points, and the SDK's free functions.

use crate::error::{Error, ErrorKind, Result};
use std::ffi::{c_char, CStr, CString};

/// A borrowed UTF-8 string argument.
pub(crate) fn str_arg<'a>(p: *const c_char, name: &str) -> Result<&'a str> {
    if p.is_null() {
        return Err(Error::new(ErrorKind::NullArgument, format!("{name} is NULL")));
    }
    // SAFETY: `p` is not NULL (checked above), and the header's convention for string arguments is a
    // NUL-terminated string borrowed for the duration of the call: CStr::from_ptr reads up to that
    // NUL, and every caller uses the result only within its entry point (what it keeps, it copies).
    unsafe { CStr::from_ptr(p) }.to_str().map_err(|e| Error::new(ErrorKind::InvalidUtf8, format!("{name} is not valid UTF-8: {e}")))
}

/// An optional borrowed UTF-8 string argument: NULL is `None`.
pub(crate) fn opt_str<'a>(p: *const c_char, name: &str) -> Result<Option<&'a str>> {
    if p.is_null() {
        Ok(None)
    } else {
        str_arg(p, name).map(Some)
    }
}

/// A borrowed byte-buffer argument; NULL is allowed only with length 0.
pub(crate) fn bytes_arg<'a>(p: *const u8, len: usize, name: &str) -> Result<&'a [u8]> {
    if p.is_null() {
        if len == 0 {
            return Ok(&[]);
        }
        return Err(Error::new(ErrorKind::NullArgument, format!("{name} is NULL with length {len}")));
    }
    if len > isize::MAX as usize {
        return Err(Error::invalid_argument(format!("{name} length {len} is impossible")));
    }
    // SAFETY: `p` is not NULL (checked above) and `len` <= isize::MAX; the header's contract for a
    // (pointer, length) argument is `len` readable bytes borrowed for the duration of the call, which
    // is as long as callers keep the slice (what they keep, they copy). u8 needs no alignment.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// A borrowed handle argument.
pub(crate) fn handle<'a, T>(p: *const T, name: &str) -> Result<&'a T> {
    if p.is_null() {
        return Err(Error::new(ErrorKind::NullArgument, format!("{name} is NULL")));
    }
    // SAFETY: `p` is not NULL (checked above); the header's contract is that a handle came from its
    // constructor (Box::into_raw: aligned, initialised) and is not freed while a call uses it. A
    // shared borrow is right: identities are immutable and clients documented for concurrent use, and
    // a config may not be used from two threads at once, so no `cfg_mut` borrow overlaps this one.
    Ok(unsafe { &*p })
}

/// An out-parameter; checked before any work is done so a NULL never wastes it.
pub(crate) fn out<'a, T: Copy>(p: *mut T, name: &str) -> Result<&'a mut T> {
    if p.is_null() {
        return Err(Error::new(ErrorKind::NullArgument, format!("{name} (output) is NULL")));
    }
    // SAFETY: `p` is not NULL (checked above); the header's contract is that an out-parameter points
    // to a writable, aligned object of its type for the call. `T: Copy` (the callers' T are plain
    // pointers and integers), so their assignment through the reference neither reads nor drops the
    // old value, which C may have left uninitialised.
    Ok(unsafe { &mut *p })
}

/// Bytes in front of every string [`c_string`] hands out, holding the length of its allocation,
/// so that `ssdk_string_free` frees exactly that even after the caller overwrote the text (the
/// header invites wiping a recovery phrase; `CString::from_raw` would then recompute a shorter
/// length and free with the wrong layout).
const STRING_PREFIX: usize = std::mem::size_of::<usize>();

/// Convert a string for output; it is released with `ssdk_string_free`.
pub(crate) fn c_string(s: impl Into<Vec<u8>>) -> Result<*mut c_char> {
    let s = CString::new(s).map_err(|_| Error::internal("output string contains a NUL byte"))?;
    let text = s.as_bytes_with_nul();
    let mut buf = Vec::with_capacity(STRING_PREFIX + text.len());
    buf.extend_from_slice(&(STRING_PREFIX + text.len()).to_ne_bytes());
    buf.extend_from_slice(text);
    let base = Box::into_raw(buf.into_boxed_slice()).cast::<u8>();
    // SAFETY: the allocation is STRING_PREFIX + text.len() bytes and text.len() >= 1 (the NUL), so
    // the result points inside it, at the text.
    Ok(unsafe { base.add(STRING_PREFIX) }.cast())
}

/// The whole allocation behind a string from [`c_string`], prefix included.
///
/// # Safety
/// `s` must be a pointer [`c_string`] returned whose allocation has not been freed.
unsafe fn string_allocation(s: *mut c_char) -> *mut [u8] {
    // SAFETY: per this function's contract `s` is STRING_PREFIX bytes into a live c_string
    // allocation, so `base` is its start and the first STRING_PREFIX bytes hold its length
    // (written unaligned, so read unaligned). The caller only ever sees the bytes after them.
    unsafe {
        let base = s.cast::<u8>().sub(STRING_PREFIX);
        let len = std::ptr::read_unaligned(base.cast::<usize>());
        std::ptr::slice_from_raw_parts_mut(base, len)
    }
}

/// Convert bytes for output; released with `ssdk_bytes_free(ptr, len)`.
fn c_bytes(v: Vec<u8>) -> (*mut u8, usize) {
    let b = v.into_boxed_slice();
    let len = b.len();
    (Box::into_raw(b) as *mut u8, len)
}

/// A `(uint8_t **out_data, size_t *out_len)` output pair, both checked for NULL before any work
/// is done and written together only on success.
pub(crate) struct BytesOut<'a> {
    data: &'a mut *mut u8,
    len: &'a mut usize,
}

impl<'a> BytesOut<'a> {
    pub(crate) fn new(data: *mut *mut u8, len: *mut usize) -> Result<BytesOut<'a>> {
        Ok(BytesOut { data: out(data, "out_data")?, len: out(len, "out_len")? })
    }
    /// Hand `v` to the caller (NULL/0 for `None`).
    pub(crate) fn set(self, v: Option<Vec<u8>>) {
        (*self.data, *self.len) = v.map_or((std::ptr::null_mut(), 0), c_bytes);
    }
}

/// Copy a fixed-size value into a caller buffer of exactly N bytes.
pub(crate) fn fixed_out<'a, const N: usize>(p: *mut u8, name: &str) -> Result<&'a mut [u8; N]> {
    if p.is_null() {
        return Err(Error::new(ErrorKind::NullArgument, format!("{name} (output) is NULL")));
    }
    // SAFETY: `p` is not NULL (checked above); the functions using this document a caller buffer of
    // at least N bytes, writable for the call, and [u8; N] has alignment 1.
    Ok(unsafe { &mut *(p as *mut [u8; N]) })
}

/// Release a string returned by the SDK. NULL is a no-op. Each string must be freed exactly
/// once, and only with this function. Thread-safe. The caller may overwrite the string's bytes
/// (up to and including its NUL), for example to wipe a secret, before freeing it.
#[no_mangle]
pub extern "C" fn ssdk_string_free(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: `s` is not NULL, and the header's contract makes it a string the SDK returned (all
        // of them come from c_string) and not yet freed; string_allocation therefore yields exactly
        // the Box<[u8]> c_string leaked, whatever the caller wrote into the text.
        let _ = std::panic::catch_unwind(|| drop(unsafe { Box::from_raw(string_allocation(s)) }));
    }
}

/// Release a byte buffer returned by the SDK, passing the length the SDK returned with it.
/// NULL is a no-op. Each buffer must be freed exactly once, and only with this function.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn ssdk_bytes_free(data: *mut u8, len: usize) {
    if !data.is_null() {
        // SAFETY: `data` is not NULL; the header's contract is that (data, len) is a buffer the SDK
        // returned, with the length it returned, freed once. Every such buffer is a Box<[u8]> that
        // c_bytes leaked with exactly that length (an empty one keeps its dangling pointer), so this
        // rebuilds the same Box.
        let _ = std::panic::catch_unwind(|| drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(data, len)) }));
    }
}

/// A borrowed array of `count` UTF-8 strings; NULL is allowed only with count 0.
pub(crate) fn str_array_arg<'a>(p: *const *const c_char, count: usize, name: &str) -> Result<Vec<&'a str>> {
    if p.is_null() {
        if count == 0 {
            return Ok(vec![]);
        }
        return Err(Error::new(ErrorKind::NullArgument, format!("{name} is NULL with count {count}")));
    }
    if count > 10_000 {
        return Err(Error::invalid_argument(format!("{name}: {count} entries is too many")));
    }
    // SAFETY: `p` is not NULL (checked above) and `count` <= 10 000, so the slice's size cannot
    // overflow; the header's contract for such arrays is `count` readable string pointers, borrowed
    // for the call. Each element is checked for NULL by str_arg.
    let items = unsafe { std::slice::from_raw_parts(p, count) };
    items.iter().enumerate().map(|(i, s)| str_arg(*s, &format!("{name}[{i}]"))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wiped_string_is_freed_whole() {
        // The header tells callers to wipe a recovery phrase before freeing it. With
        // CString::into_raw/from_raw the length was recomputed with strlen, so a wiped string was
        // freed as a 1-byte allocation: a layout mismatch, undefined behaviour for the allocator.
        let phrase = "abandon ability able about above absent absorb abstract absurd abuse access";
        let p = c_string(phrase).unwrap();
        // SAFETY: `p` is a live c_string result; the text and its NUL are phrase.len() + 1 bytes.
        unsafe {
            assert_eq!(CStr::from_ptr(p).to_str().unwrap(), phrase);
            std::ptr::write_bytes(p, 0, phrase.len() + 1);
            assert_eq!(string_allocation(p).len(), STRING_PREFIX + phrase.len() + 1);
        }
        ssdk_string_free(p);
        ssdk_string_free(std::ptr::null_mut());
        assert_eq!(c_string("a\0b").unwrap_err().kind(), ErrorKind::Internal);
    }
}
