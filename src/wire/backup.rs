//! The backup file format: a small versioned header, a key from Argon2id over the passphrase,
//! then a libsodium secretstream of length-prefixed chunks carrying a sequence of entries. It
//! streams both ways (nothing has to fit in memory) and detects any change: a flipped byte fails
//! authentication, a truncated file lacks the stream's final tag, and the header is bound to the
//! first chunk as additional data.
//!
//! ```text
//! header (98 bytes):
//!   0  "SSDKBKUP"                     magic
//!   8  u16 BE                         format version (1)
//!  10  u64 BE, u64 BE                 Argon2id13 opslimit, memlimit
//!  26  [16]                           salt
//!  42  [16]                           key check: BLAKE2b-16(key = master, "check")
//!  58  [24]                           secretstream header
//!  82  [16]                           BLAKE2b-16 of bytes 0..82 (tells damage from a wrong passphrase)
//! then chunks: u32 BE length ‖ secretstream ciphertext (≤ 64 KiB of plaintext + 17), the first
//! with the header as additional data, the last with the FINAL tag.
//! plaintext: entries, each u32 BE header length ‖ JSON header ‖ u64 BE size ‖ size bytes; the
//! last entry is {"kind":"end"}.
//! ```
//!
//! The stream key and the key check are derived from the Argon2id output under different BLAKE2b
//! keys, so the check reveals nothing about the stream key. Pure: any `Read` / `Write`.

use crate::error::{Error, ErrorKind, Result};
use crate::sodium::{self, SecretStreamPull, SecretStreamPush, SECRETSTREAM_ABYTES};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use zeroize::Zeroizing;

/// The file's first bytes.
pub const MAGIC: &[u8; 8] = b"SSDKBKUP";
/// The format this module writes (and the newest it reads).
pub const FORMAT_VERSION: u16 = 1;
/// Bytes before the first chunk.
pub const HEADER_LEN: usize = 98;
/// Plaintext bytes per chunk.
pub const CHUNK: usize = 64 * 1024;
/// Largest entry header accepted.
const MAX_ENTRY_HEADER: usize = 64 * 1024;

/// Argon2id costs written by default: libsodium's "moderate" level (3 passes, 256 MiB), since a
/// backup file may be stored where anyone can try passphrases on it.
pub const DEFAULT_OPSLIMIT: u64 = libsodium_sys::crypto_pwhash_OPSLIMIT_MODERATE as u64;
/// See [`DEFAULT_OPSLIMIT`].
pub const DEFAULT_MEMLIMIT: u64 = libsodium_sys::crypto_pwhash_MEMLIMIT_MODERATE as u64;
/// Costs accepted when reading: enough for any file this SDK writes, bounded so that a crafted
/// header cannot make opening it hang or exhaust memory.
const OPSLIMIT_RANGE: std::ops::RangeInclusive<u64> = 1..=20;
const MEMLIMIT_RANGE: std::ops::RangeInclusive<u64> = 8192..=(1 << 30);

/// Argon2id costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfCost {
    /// Passes over memory.
    pub opslimit: u64,
    /// Bytes of memory.
    pub memlimit: u64,
}

impl Default for KdfCost {
    fn default() -> Self {
        KdfCost { opslimit: DEFAULT_OPSLIMIT, memlimit: DEFAULT_MEMLIMIT }
    }
}

struct Keys {
    stream: Zeroizing<[u8; 32]>,
    check: [u8; 16],
}

fn derive(passphrase: &[u8], salt: &[u8; 16], cost: KdfCost) -> Result<Keys> {
    let mut master = Zeroizing::new([0u8; 32]);
    let memlimit = usize::try_from(cost.memlimit).map_err(|_| Error::malformed("backup memlimit does not fit this machine"))?;
    sodium::argon2id(&mut master[..], passphrase, salt, cost.opslimit, memlimit)?;
    let stream = Zeroizing::new(sodium::blake2b_n::<32>(Some(&master[..]), &[b"session-sdk backup stream"]));
    let check = sodium::blake2b_n::<16>(Some(&master[..]), &[b"session-sdk backup check"]);
    Ok(Keys { stream, check })
}

fn io_err(e: Error) -> std::io::Error {
    std::io::Error::other(e)
}

/// Our error back out of an `io::Error` (a wrapped one, or `Io`).
pub fn from_io(e: std::io::Error) -> Error {
    if e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
        return *e.into_inner().expect("checked").downcast::<Error>().expect("checked");
    }
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        return Error::malformed("the backup is truncated");
    }
    Error::new(ErrorKind::Io, e.to_string())
}

// ---- writing ------------------------------------------------------------------------------

/// Encrypts what is written to it into `W`, chunk by chunk. Call [`BackupWriter::finish`] to
/// write the final chunk; a writer dropped without it leaves a file that reads as truncated.
pub struct BackupWriter<W: Write> {
    inner: W,
    stream: SecretStreamPush,
    header: [u8; HEADER_LEN],
    buf: Vec<u8>,
    first: bool,
}

impl<W: Write> BackupWriter<W> {
    /// Derive the key from `passphrase` under a fresh salt and write the header.
    pub fn new(mut inner: W, passphrase: &[u8], cost: KdfCost) -> Result<BackupWriter<W>> {
        if passphrase.is_empty() {
            return Err(Error::invalid_argument("a backup passphrase cannot be empty"));
        }
        let salt = sodium::random_array::<16>();
        let keys = derive(passphrase, &salt, cost)?;
        let (stream, ss_header) = SecretStreamPush::new(&keys.stream);
        let mut header = [0u8; HEADER_LEN];
        header[..8].copy_from_slice(MAGIC);
        header[8..10].copy_from_slice(&FORMAT_VERSION.to_be_bytes());
        header[10..18].copy_from_slice(&cost.opslimit.to_be_bytes());
        header[18..26].copy_from_slice(&cost.memlimit.to_be_bytes());
        header[26..42].copy_from_slice(&salt);
        header[42..58].copy_from_slice(&keys.check);
        header[58..82].copy_from_slice(&ss_header);
        let sum = sodium::blake2b_n::<16>(None, &[&header[..82]]);
        header[82..].copy_from_slice(&sum);
        inner.write_all(&header).map_err(from_io)?;
        Ok(BackupWriter { inner, stream, header, buf: Vec::with_capacity(CHUNK), first: true })
    }

    fn emit(&mut self, last: bool) -> std::io::Result<()> {
        let ad: &[u8] = if self.first { &self.header } else { &[] };
        let ct = self.stream.push_ad(&self.buf, ad, last);
        self.first = false;
        self.inner.write_all(&(ct.len() as u32).to_be_bytes())?;
        self.inner.write_all(&ct)?;
        self.buf.clear();
        Ok(())
    }

    /// Write the last chunk (FINAL tag) and flush; returns the inner writer.
    pub fn finish(mut self) -> Result<W> {
        self.emit(true).map_err(from_io)?;
        self.inner.flush().map_err(from_io)?;
        Ok(self.inner)
    }

    /// Write one entry: `header` (serialised), then `size` bytes copied from `data`, which must
    /// yield exactly that many.
    pub fn entry<T: Serialize>(&mut self, header: &T, size: u64, data: &mut dyn Read) -> Result<()> {
        let h = serde_json::to_vec(header)?;
        self.write_all(&(h.len() as u32).to_be_bytes()).map_err(from_io)?;
        self.write_all(&h).map_err(from_io)?;
        self.write_all(&size.to_be_bytes()).map_err(from_io)?;
        let copied = std::io::copy(&mut data.take(size), self).map_err(from_io)?;
        if copied != size {
            return Err(Error::new(ErrorKind::Io, format!("an entry of {size} bytes ended after {copied}: its source changed")));
        }
        Ok(())
    }
}

impl<W: Write> Write for BackupWriter<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let n = data.len().min(CHUNK - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == CHUNK {
            self.emit(false)?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

// ---- reading ------------------------------------------------------------------------------

/// What the header of a backup says, before any key is derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderInfo {
    /// Format version.
    pub version: u16,
    /// Argon2id costs.
    pub cost: KdfCost,
}

/// Check a header's shape and say what it holds. `Malformed` for something that is not a backup,
/// `Unsupported` for a newer format, `DecryptionFailed` for a damaged header.
pub fn parse_header(header: &[u8; HEADER_LEN]) -> Result<HeaderInfo> {
    if &header[..8] != MAGIC {
        return Err(Error::malformed("not a session-sdk backup (wrong magic bytes)"));
    }
    let version = u16::from_be_bytes([header[8], header[9]]);
    if version > FORMAT_VERSION {
        return Err(Error::new(
            ErrorKind::Unsupported,
            format!("this backup has format version {version}; this SDK reads up to {FORMAT_VERSION}: update it"),
        ));
    }
    if version == 0 {
        return Err(Error::malformed("backup format version 0 does not exist"));
    }
    if sodium::blake2b_n::<16>(None, &[&header[..82]]) != header[82..] {
        return Err(Error::decryption_failed("the backup's header is damaged"));
    }
    let cost = KdfCost {
        opslimit: u64::from_be_bytes(header[10..18].try_into().expect("8")),
        memlimit: u64::from_be_bytes(header[18..26].try_into().expect("8")),
    };
    if !OPSLIMIT_RANGE.contains(&cost.opslimit) || !MEMLIMIT_RANGE.contains(&cost.memlimit) {
        return Err(Error::malformed(format!(
            "the backup asks for Argon2id costs out of range (opslimit {}, memlimit {})",
            cost.opslimit, cost.memlimit
        )));
    }
    Ok(HeaderInfo { version, cost })
}

/// Decrypts a backup read from `R`. Reading past the last chunk yields end of file; reaching the
/// end of `R` before the final chunk is an error (a truncated backup).
pub struct BackupReader<R: Read> {
    inner: R,
    stream: SecretStreamPull,
    header: [u8; HEADER_LEN],
    buf: Vec<u8>,
    pos: usize,
    first: bool,
    finished: bool,
}

impl<R: Read> BackupReader<R> {
    /// Read and check the header, derive the key and check it (`WrongPin` for another
    /// passphrase).
    pub fn open(mut inner: R, passphrase: &[u8]) -> Result<BackupReader<R>> {
        let mut header = [0u8; HEADER_LEN];
        inner.read_exact(&mut header).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                Error::malformed("not a session-sdk backup (too short for its header)")
            } else {
                from_io(e)
            }
        })?;
        let info = parse_header(&header)?;
        let salt: [u8; 16] = header[26..42].try_into().expect("16");
        let keys = derive(passphrase, &salt, info.cost)?;
        if !sodium::memcmp_eq(&keys.check, &header[42..58]) {
            return Err(Error::new(ErrorKind::WrongPin, "wrong passphrase for this backup"));
        }
        let ss_header: [u8; 24] = header[58..82].try_into().expect("24");
        let stream = SecretStreamPull::new(&ss_header, &keys.stream)?;
        Ok(BackupReader { inner, stream, header, buf: vec![], pos: 0, first: true, finished: false })
    }

    /// Decrypt the next chunk into the buffer; false at the end of the stream.
    fn fill(&mut self) -> Result<bool> {
        if self.finished {
            return Ok(false);
        }
        let mut len = [0u8; 4];
        self.inner.read_exact(&mut len).map_err(|_| Error::malformed("the backup is truncated (its last chunk is missing)"))?;
        let len = u32::from_be_bytes(len) as usize;
        if !(SECRETSTREAM_ABYTES..=CHUNK + SECRETSTREAM_ABYTES).contains(&len) {
            return Err(Error::decryption_failed(format!("the backup is damaged (a chunk claims {len} bytes)")));
        }
        let mut ct = vec![0u8; len];
        self.inner.read_exact(&mut ct).map_err(|_| Error::malformed("the backup is truncated (in the middle of a chunk)"))?;
        let ad: &[u8] = if self.first { &self.header } else { &[] };
        let (plain, last) = self
            .stream
            .pull_ad(&ct, ad)
            .map_err(|_| Error::decryption_failed("the backup is damaged or was modified (a chunk does not authenticate)"))?;
        self.first = false;
        self.buf = plain;
        self.pos = 0;
        if last {
            self.finished = true;
            let mut extra = [0u8; 1];
            if self.inner.read(&mut extra).map_err(from_io)? != 0 {
                return Err(Error::decryption_failed("the backup has data after its last chunk"));
            }
        }
        Ok(true)
    }

    /// The next entry's header, or `None` after the end entry. The caller must consume the
    /// entry's data ([`BackupReader::entry_data`]) before asking for the next.
    pub fn next_entry<T: for<'de> Deserialize<'de>>(&mut self) -> Result<(T, u64)> {
        let mut len = [0u8; 4];
        self.read_exact(&mut len).map_err(from_io)?;
        let len = u32::from_be_bytes(len) as usize;
        if len > MAX_ENTRY_HEADER {
            return Err(Error::malformed(format!("a backup entry header of {len} bytes")));
        }
        let mut h = vec![0u8; len];
        self.read_exact(&mut h).map_err(from_io)?;
        let mut size = [0u8; 8];
        self.read_exact(&mut size).map_err(from_io)?;
        let header = serde_json::from_slice(&h).map_err(|e| Error::malformed(format!("a backup entry header: {e}")))?;
        Ok((header, u64::from_be_bytes(size)))
    }

    /// The current entry's `size` bytes, copied into `out`.
    pub fn entry_data(&mut self, size: u64, out: &mut dyn Write) -> Result<()> {
        let copied = std::io::copy(&mut self.take(size), out).map_err(from_io)?;
        if copied != size {
            return Err(Error::malformed("the backup is truncated (in the middle of an entry)"));
        }
        Ok(())
    }

    /// After the end entry: make sure the stream ended there, authenticated.
    pub fn finish(mut self) -> Result<()> {
        if self.pos < self.buf.len() || self.fill()? {
            return Err(Error::malformed("the backup has data after its end entry"));
        }
        if !self.finished {
            return Err(Error::malformed("the backup is truncated"));
        }
        Ok(())
    }
}

impl<R: Read> Read for BackupReader<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.buf.len() {
            if !self.fill().map_err(io_err)? {
                return Ok(0);
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// The cheapest costs libsodium allows: these tests are about the format, not the KDF.
    const FAST: KdfCost = KdfCost { opslimit: 1, memlimit: 8192 };

    fn sample(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut w = BackupWriter::new(Vec::new(), b"correct horse", FAST).unwrap();
        for (name, data) in entries {
            w.entry(&json!({"kind": "file", "name": name}), data.len() as u64, &mut &data[..]).unwrap();
        }
        w.entry(&json!({"kind": "end"}), 0, &mut &[][..]).unwrap();
        w.finish().unwrap()
    }

    fn read_all(bytes: &[u8], pass: &[u8]) -> Result<Vec<(String, Vec<u8>)>> {
        let mut r = BackupReader::open(bytes, pass)?;
        let mut out = vec![];
        loop {
            let (h, size): (Value, u64) = r.next_entry()?;
            let mut data = vec![];
            r.entry_data(size, &mut data)?;
            if h["kind"] == "end" {
                break;
            }
            out.push((h["name"].as_str().unwrap().to_string(), data));
        }
        r.finish()?;
        Ok(out)
    }

    #[test]
    fn round_trip_across_chunk_boundaries() {
        let big: Vec<u8> = (0..3 * CHUNK + 123).map(|i| (i * 7 % 251) as u8).collect();
        for entries in [vec![], vec![("a", vec![])], vec![("a", b"hello".to_vec()), ("big", big.clone()), ("exact", vec![9; CHUNK])]] {
            let file = sample(&entries);
            let got = read_all(&file, b"correct horse").unwrap();
            assert_eq!(got.len(), entries.len());
            for ((n1, d1), (n2, d2)) in got.iter().zip(&entries) {
                assert_eq!(n1, n2);
                assert_eq!(d1, d2);
            }
        }
    }

    #[test]
    fn wrong_passphrase_truncation_tampering_and_versions() {
        let file = sample(&[("a", vec![1; 200_000])]);
        assert_eq!(read_all(&file, b"wrong").unwrap_err().kind(), ErrorKind::WrongPin);
        // Truncated anywhere after the header: never a success.
        for cut in [HEADER_LEN, HEADER_LEN + 3, HEADER_LEN + 4 + 100, file.len() / 2, file.len() - 1] {
            let e = read_all(&file[..cut], b"correct horse").unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Malformed, "cut at {cut}: {e}");
        }
        assert_eq!(read_all(&file[..50], b"correct horse").unwrap_err().kind(), ErrorKind::Malformed);
        // A flipped bit anywhere is detected.
        for at in (0..file.len()).step_by(997).chain([8, 9, 10, 30, 50, 60, 90, HEADER_LEN, file.len() - 1]) {
            let mut bad = file.clone();
            bad[at] ^= 0x04;
            let e = read_all(&bad, b"correct horse").unwrap_err();
            assert!(matches!(e.kind(), ErrorKind::DecryptionFailed | ErrorKind::Malformed | ErrorKind::Unsupported), "flip at {at}: {e:?}");
        }
        // Bytes after the end.
        let mut longer = file.clone();
        longer.push(0);
        assert_eq!(read_all(&longer, b"correct horse").unwrap_err().kind(), ErrorKind::DecryptionFailed);
        // A newer format: a clear Unsupported, before any key work.
        let mut newer = file.clone();
        newer[8..10].copy_from_slice(&2u16.to_be_bytes());
        let sum = sodium::blake2b_n::<16>(None, &[&newer[..82]]);
        newer[82..98].copy_from_slice(&sum);
        assert_eq!(read_all(&newer, b"correct horse").unwrap_err().kind(), ErrorKind::Unsupported);
        // Not a backup at all.
        assert_eq!(
            read_all(b"PK\x03\x04 a zip file, not a backup at all, long enough for a header ......................", b"x")
                .unwrap_err()
                .kind(),
            ErrorKind::Malformed
        );
    }

    #[test]
    fn crafted_costs_are_refused_before_any_work() {
        let file = sample(&[]);
        for (ops, mem) in [(u32::MAX as u64, 8192u64), (1, 1 << 40), (0, 8192), (1, 1)] {
            let mut bad = file.clone();
            bad[10..18].copy_from_slice(&ops.to_be_bytes());
            bad[18..26].copy_from_slice(&mem.to_be_bytes());
            let sum = sodium::blake2b_n::<16>(None, &[&bad[..82]]);
            bad[82..98].copy_from_slice(&sum);
            assert_eq!(read_all(&bad, b"correct horse").unwrap_err().kind(), ErrorKind::Malformed, "{ops} {mem}");
        }
    }

    #[test]
    fn an_empty_passphrase_is_refused() {
        assert_eq!(BackupWriter::new(Vec::new(), b"", FAST).err().unwrap().kind(), ErrorKind::InvalidArgument);
    }
}
