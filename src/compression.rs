//! zstd compression with a bound on what decompression may produce, for the formats that
//! compress (config messages, group messages). Pure: no I/O.

use crate::error::{Error, ErrorKind, Result};
use std::io::Read;

/// Compress `data` with zstd at `level`.
pub fn compress(data: &[u8], level: i32) -> Result<Vec<u8>> {
    zstd::bulk::compress(data, level).map_err(|e| Error::internal(format!("zstd compression failed: {e}")))
}

/// Decompress zstd `data`, failing with `TooLarge` past `max_size` bytes of output and with
/// `Malformed` on invalid data, without allocating more than `max_size + 1` bytes (a small
/// "bomb" never becomes a large allocation).
pub fn decompress(data: &[u8], max_size: usize) -> Result<Vec<u8>> {
    let dec = zstd::stream::read::Decoder::with_buffer(data).map_err(|e| Error::malformed(format!("zstd: {e}")))?;
    let mut out = Vec::new();
    dec.take(max_size as u64 + 1).read_to_end(&mut out).map_err(|e| Error::malformed(format!("invalid zstd data: {e}")))?;
    if out.len() > max_size {
        return Err(Error::new(ErrorKind::TooLarge, format!("zstd data decompresses past {max_size} bytes")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bounds() {
        let data = b"session ".repeat(1000);
        let c = compress(&data, 1).unwrap();
        assert!(c.len() < data.len() / 10);
        assert_eq!(decompress(&c, data.len()).unwrap(), data);
        // One byte short of the output: refused, not truncated.
        assert_eq!(decompress(&c, data.len() - 1).unwrap_err().kind(), ErrorKind::TooLarge);
        assert_eq!(decompress(b"not zstd at all", 1000).unwrap_err().kind(), ErrorKind::Malformed);
    }
}
