//! Argument checking and output writing shared by the entry points, and the SDK's free functions.

use crate::error::{Error, ErrorKind, Result};
use std::ffi::{c_char, CStr, CString};

/// A borrowed UTF-8 string argument.
pub(crate) fn str_arg<'a>(p: *const c_char, name: &str) -> Result<&'a str> {
    if p.is_null() {
        return Err(Error::new(ErrorKind::NullArgument, format!("{name} is NULL")));
    }
    unsafe { CStr::from_ptr(p) }.to_str().map_err(|e| Error::new(ErrorKind::InvalidUtf8, format!("{name} is not valid UTF-8: {e}")))
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
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// A borrowed handle argument.
pub(crate) fn handle<'a, T>(p: *const T, name: &str) -> Result<&'a T> {
    if p.is_null() {
        return Err(Error::new(ErrorKind::NullArgument, format!("{name} is NULL")));
    }
    Ok(unsafe { &*p })
}

/// An out-parameter; checked before any work is done so a NULL never wastes it.
pub(crate) fn out<'a, T>(p: *mut T, name: &str) -> Result<&'a mut T> {
    if p.is_null() {
        return Err(Error::new(ErrorKind::NullArgument, format!("{name} (output) is NULL")));
    }
    Ok(unsafe { &mut *p })
}

/// Convert a string for output; it is released with `ssdk_string_free`.
pub(crate) fn c_string(s: impl Into<Vec<u8>>) -> Result<*mut c_char> {
    CString::new(s).map(CString::into_raw).map_err(|_| Error::internal("output string contains a NUL byte"))
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
    Ok(unsafe { &mut *(p as *mut [u8; N]) })
}

/// Release a string returned by the SDK. NULL is a no-op. Each string must be freed exactly
/// once, and only with this function. Thread-safe.
#[no_mangle]
pub extern "C" fn ssdk_string_free(s: *mut c_char) {
    if !s.is_null() {
        let _ = std::panic::catch_unwind(|| drop(unsafe { CString::from_raw(s) }));
    }
}

/// Release a byte buffer returned by the SDK, passing the length the SDK returned with it.
/// NULL is a no-op. Each buffer must be freed exactly once, and only with this function.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn ssdk_bytes_free(data: *mut u8, len: usize) {
    if !data.is_null() {
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
    let items = unsafe { std::slice::from_raw_parts(p, count) };
    items.iter().enumerate().map(|(i, s)| str_arg(*s, &format!("{name}[{i}]"))).collect()
}
