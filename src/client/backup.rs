//! Encrypted backups of a whole account (the file format is `wire::backup`): the database (a
//! consistent snapshot taken while the client runs), the attachment files it refers to, and a
//! manifest. Restoring writes a new data directory, and only once the whole file has been
//! verified; the restored client continues from where the backup was taken.
//!
//! Not in a backup: the database key (a restore sets a new PIN), and nothing is lost by that;
//! cached downloads are, so attachments need no second download.

use super::attachments::attachments_dir;
use super::events::Event;
use super::state::ClientState;
use crate::error::{Error, ErrorKind, Result};
use crate::sodium;
use crate::store::{restore_database, AttachmentState, SnapshotCounts, Store, DB_FILE};
use crate::wire::backup::{BackupReader, BackupWriter, KdfCost};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

/// What a backup holds: its manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupInfo {
    /// The account's Session ID.
    pub session_id: String,
    /// When the backup was taken (ms since the Unix epoch).
    pub created_at: i64,
    /// The SDK version that wrote it.
    pub sdk_version: String,
    /// Messages, sent and received.
    pub messages: u64,
    /// Conversations.
    pub conversations: u64,
    /// Contacts, message requests and blocked IDs.
    pub contacts: u64,
    /// Groups.
    pub groups: u64,
    /// Attachments of messages (downloaded or not).
    pub attachments: u64,
    /// Attachment files included (pending uploads and verified downloads).
    pub files: u64,
    /// Bytes of the database.
    pub database_bytes: u64,
    /// Bytes of the attachment files.
    pub file_bytes: u64,
}

/// One entry of the archive.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Entry {
    /// The manifest (JSON of [`BackupInfo`]) comes first.
    Manifest,
    /// The database, encrypted under `key` (a key of the backup's own, hex).
    Database { key: String },
    /// A file of the data directory's attachments folder.
    File { name: String },
    /// Nothing follows.
    End,
}

/// A progress report: (bytes done, bytes in all). Returning false cancels.
pub type BackupProgress<'a> = &'a mut dyn FnMut(u64, u64) -> bool;

fn cancelled() -> Error {
    Error::new(ErrorKind::Cancelled, "the backup was cancelled")
}

/// A file name the archive may carry: plain, no separators, no dot-dot.
fn valid_file_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

/// Counts progress and asks whether to go on.
struct Meter<'a> {
    done: u64,
    total: u64,
    report: BackupProgress<'a>,
    last: std::time::Instant,
}

impl Meter<'_> {
    fn add(&mut self, n: u64) -> Result<()> {
        self.done += n;
        // A few reports a second, and always the last.
        if self.done >= self.total || self.last.elapsed() >= std::time::Duration::from_millis(200) {
            self.last = std::time::Instant::now();
            if !(self.report)(self.done.min(self.total), self.total) {
                return Err(cancelled());
            }
        }
        Ok(())
    }
}

/// A `Read` that feeds a meter.
struct Metered<'m, 'a, R> {
    inner: R,
    meter: &'m mut Meter<'a>,
}

impl<R: Read> Read for Metered<'_, '_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.meter.add(n as u64).map_err(std::io::Error::other)?;
        Ok(n)
    }
}

/// A `Write` that feeds a meter.
struct MeteredWrite<'m, 'a, W> {
    inner: W,
    meter: &'m mut Meter<'a>,
}

impl<W: Write> Write for MeteredWrite<'_, '_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.meter.add(n as u64).map_err(std::io::Error::other)?;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Create `path` for writing, 0600, refusing to touch an existing file.
fn create_new(path: &Path) -> Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            Error::invalid_argument(format!("{} exists; a backup never overwrites a file", path.display()))
        }
        _ => Error::new(ErrorKind::Io, format!("{}: {e}", path.display())),
    })
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// A sibling of `path` named for this operation, for work in progress.
fn sibling(path: &Path, what: &str) -> Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| Error::invalid_argument(format!("{} has no file name", path.display())))?;
    let tag = hex::encode(sodium::random_array::<6>());
    Ok(path.with_file_name(format!(".{}.{what}-{tag}", name.to_string_lossy())))
}

/// Removes a path (file or directory) on drop unless disarmed: no partial output survives an
/// error or a cancel.
struct Cleanup(Option<PathBuf>);

impl Cleanup {
    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            if p.is_dir() {
                let _ = std::fs::remove_dir_all(&p);
            } else {
                let _ = std::fs::remove_file(&p);
            }
        }
    }
}

/// Write a backup of the running client's account to `path` (a new file).
pub(crate) fn create(client: &ClientState, path: &Path, passphrase: &str, cost: KdfCost) -> Result<BackupInfo> {
    client.backup_cancel.store(false, Ordering::SeqCst);
    if path.exists() {
        return Err(Error::invalid_argument(format!("{} exists; a backup never overwrites a file", path.display())));
    }
    let partial = sibling(path, "partial")?;
    let file = create_new(&partial)?;
    let mut partial_guard = Cleanup(Some(partial.clone()));
    // Blobs the snapshot lists stay on disk until they are copied.
    let _hold = client.blobs.hold();
    let snap_key = zeroize::Zeroizing::new(sodium::random_array::<32>());
    let snap_path = client.config.data_dir.join(format!(".backup-snapshot-{}.db", hex::encode(sodium::random_array::<6>())));
    let _snap_guard = Cleanup(Some(snap_path.clone()));
    // The key derivation (Argon2id, seconds on purpose) and the database export (SQLCipher
    // re-encrypting every page) each keep one core busy: run them side by side.
    let (writer, counts) = std::thread::scope(|s| {
        let export = s.spawn(|| client.store.export_snapshot(&snap_path, &snap_key));
        let writer = BackupWriter::new(BufWriter::new(file), passphrase.as_bytes(), cost);
        let counts = export.join().unwrap_or_else(|_| Err(Error::internal("the database export panicked")));
        (writer, counts)
    });
    let (mut w, counts): (_, SnapshotCounts) = (writer?, counts?);
    let dir = attachments_dir(client)?;
    let files = snapshot_files(&snap_path, &snap_key, &dir)?;
    let database_bytes = std::fs::metadata(&snap_path)?.len();
    let file_bytes = files.iter().map(|(_, n)| *n).sum();
    let info = BackupInfo {
        session_id: client.session_id().to_hex(),
        created_at: crate::clock::local_now_ms(),
        sdk_version: crate::VERSION.to_string(),
        messages: counts.messages,
        conversations: counts.conversations,
        contacts: counts.contacts,
        groups: counts.groups,
        attachments: counts.attachments,
        files: files.len() as u64,
        database_bytes,
        file_bytes,
    };
    let total = database_bytes + file_bytes;
    let mut report = |done: u64, total: u64| {
        client.events.emit(Event::BackupProgress { restore: false, done, total });
        !client.backup_cancel.load(Ordering::SeqCst)
    };
    let mut meter = Meter { done: 0, total, report: &mut report, last: std::time::Instant::now() };
    let manifest = serde_json::to_vec(&info)?;
    w.entry(&Entry::Manifest, manifest.len() as u64, &mut &manifest[..])?;
    let db = File::open(&snap_path)?;
    w.entry(&Entry::Database { key: hex::encode(&snap_key[..]) }, database_bytes, &mut Metered { inner: db, meter: &mut meter })?;
    for (name, size) in &files {
        let f = File::open(dir.join(name)).map_err(|e| Error::new(ErrorKind::Io, format!("attachment file {name}: {e}")))?;
        w.entry(&Entry::File { name: name.clone() }, *size, &mut Metered { inner: f, meter: &mut meter })?;
    }
    w.entry(&Entry::End, 0, &mut std::io::empty())?;
    let file = w.finish()?.into_inner().map_err(|e| Error::new(ErrorKind::Io, e.to_string()))?;
    file.sync_all()?;
    drop(file);
    if client.backup_cancel.load(Ordering::SeqCst) {
        return Err(cancelled());
    }
    std::fs::rename(&partial, path).map_err(|e| Error::new(ErrorKind::Io, format!("{}: {e}", path.display())))?;
    partial_guard.disarm();
    if let Some(parent) = path.parent() {
        sync_dir(parent);
    }
    if meter.done < meter.total {
        meter.done = meter.total;
        (meter.report)(total, total);
    }
    Ok(info)
}

/// The attachment files a snapshot refers to, with their sizes: pending uploads (their blob) and
/// verified downloads (the cached encrypted file), where present.
fn snapshot_files(snap: &Path, key: &[u8; 32], dir: &Path) -> Result<Vec<(String, u64)>> {
    let rows: Vec<(i64, i64, Option<String>, i64)> = Store::read_snapshot(snap, key, |c| {
        let mut st = c.prepare("SELECT message_id, idx, blob_path, state FROM attachments")?;
        let v = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect();
        v
    })?;
    let mut out = vec![];
    for (message_id, idx, blob_path, state) in rows {
        let name = if state == AttachmentState::PendingUpload as i64 {
            blob_path.as_deref().and_then(|p| Path::new(p).file_name()).map(|n| n.to_string_lossy().into_owned())
        } else if state == AttachmentState::Downloaded as i64 {
            Some(format!("dl-{message_id}-{idx}.bin"))
        } else {
            None
        };
        let Some(name) = name.filter(|n| valid_file_name(n)) else { continue };
        if let Ok(m) = std::fs::metadata(dir.join(&name)) {
            if m.is_file() {
                out.push((name, m.len()));
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn open_reader(path: &Path, passphrase: &str) -> Result<(BackupReader<BufReader<File>>, u64)> {
    let f = File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::new(ErrorKind::NotFound, format!("{}: no such file", path.display())),
        _ => Error::new(ErrorKind::Io, format!("{}: {e}", path.display())),
    })?;
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(Error::invalid_argument(format!("{} is not a regular file", path.display())));
    }
    Ok((BackupReader::open(BufReader::new(f), passphrase.as_bytes())?, meta.len()))
}

fn read_manifest<R: Read>(r: &mut BackupReader<R>) -> Result<BackupInfo> {
    let (entry, size): (Entry, u64) = r.next_entry()?;
    if !matches!(entry, Entry::Manifest) || size > 1 << 20 {
        return Err(Error::malformed("the backup does not begin with its manifest"));
    }
    let mut m = vec![];
    r.entry_data(size, &mut m)?;
    serde_json::from_slice(&m).map_err(|e| Error::malformed(format!("the backup's manifest: {e}")))
}

/// Read a backup's manifest and verify the whole file (every byte is authenticated), without
/// writing anything.
pub fn inspect(path: &Path, passphrase: &str) -> Result<BackupInfo> {
    let (mut r, _) = open_reader(path, passphrase)?;
    let info = read_manifest(&mut r)?;
    loop {
        let (entry, size): (Entry, u64) = r.next_entry()?;
        r.entry_data(size, &mut std::io::sink())?;
        if matches!(entry, Entry::End) {
            break;
        }
    }
    r.finish()?;
    Ok(info)
}

/// Restore a backup into `data_dir`, which must not exist or be empty, with a new `pin` (or
/// none). Everything is written to a directory beside it first and moved into place only once
/// the whole file has been verified; any error or a cancel (`progress` returning false) leaves
/// nothing behind. Open the result with a client as usual.
pub fn restore(path: &Path, passphrase: &str, data_dir: &Path, pin: Option<&str>, progress: BackupProgress<'_>) -> Result<BackupInfo> {
    if let Some(p) = pin {
        if p.is_empty() {
            return Err(Error::invalid_argument("a PIN cannot be empty; give none for no PIN"));
        }
    }
    let target_exists = match std::fs::read_dir(data_dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::invalid_argument(format!(
                    "{} is not empty: restore into a new directory (a restore never overwrites an account)",
                    data_dir.display()
                )));
            }
            true
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(Error::new(ErrorKind::Io, format!("{}: {e}", data_dir.display()))),
    };
    if let Some(parent) = data_dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let (mut r, total) = open_reader(path, passphrase)?;
    let staging = sibling(data_dir, "restore")?;
    std::fs::create_dir(&staging)?;
    let mut staging_guard = Cleanup(Some(staging.clone()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&staging, std::fs::Permissions::from_mode(0o700))?;
    }
    let info = read_manifest(&mut r)?;
    // Progress counts the bytes restored, out of what the manifest says there are (bounded by
    // the file's size, which a manifest cannot exceed).
    let total = (info.database_bytes.saturating_add(info.file_bytes)).min(total);
    let mut meter = Meter { done: 0, total, report: progress, last: std::time::Instant::now() };
    let mut db_key = false;
    let staged_attachments = staging.join("attachments");
    let final_attachments = data_dir.join("attachments");
    // Once the database entry is on disk, it is re-keyed to the new PIN on another core while
    // the attachment files are written (all of it inside the staging directory).
    std::thread::scope(|s| -> Result<BackupInfo> {
        let mut rekey: Option<std::thread::ScopedJoinHandle<'_, Result<String>>> = None;
        loop {
            let (entry, size): (Entry, u64) = r.next_entry()?;
            match entry {
                Entry::Manifest => return Err(Error::malformed("a second manifest in the backup")),
                Entry::Database { key } => {
                    if db_key {
                        return Err(Error::malformed("a second database in the backup"));
                    }
                    let k: [u8; 32] = hex::decode(&key)
                        .ok()
                        .and_then(|k| k.try_into().ok())
                        .ok_or_else(|| Error::malformed("the backup's database key is malformed"))?;
                    let k = zeroize::Zeroizing::new(k);
                    db_key = true;
                    write_entry(&mut r, size, &staging.join(DB_FILE), &mut meter)?;
                    let (staging, final_attachments) = (&staging, &final_attachments);
                    rekey = Some(s.spawn(move || restore_database(staging, &k, pin, final_attachments)));
                }
                Entry::File { name } => {
                    if !valid_file_name(&name) {
                        return Err(Error::malformed(format!("the backup names a file {name:?}, which is not a plain file name")));
                    }
                    std::fs::create_dir_all(&staged_attachments)?;
                    write_entry(&mut r, size, &staged_attachments.join(&name), &mut meter)?;
                }
                Entry::End => {
                    r.entry_data(size, &mut std::io::sink())?;
                    break;
                }
            }
        }
        r.finish()?;
        let rekey = rekey.ok_or_else(|| Error::malformed("the backup holds no database"))?;
        let session_id = rekey.join().unwrap_or_else(|_| Err(Error::internal("restoring the database panicked")))?;
        if session_id != info.session_id {
            return Err(Error::malformed("the backup's manifest and database name different accounts"));
        }
        sync_dir(&staging);
        if target_exists {
            std::fs::remove_dir(data_dir).map_err(|e| Error::new(ErrorKind::Io, format!("{}: {e}", data_dir.display())))?;
        }
        std::fs::rename(&staging, data_dir).map_err(|e| Error::new(ErrorKind::Io, format!("{}: {e}", data_dir.display())))?;
        staging_guard.disarm();
        if let Some(parent) = data_dir.parent() {
            sync_dir(parent);
        }
        if meter.done < meter.total {
            (meter.report)(meter.total, meter.total);
        }
        Ok(info)
    })
}

fn write_entry<R: Read>(r: &mut BackupReader<R>, size: u64, dest: &Path, meter: &mut Meter<'_>) -> Result<()> {
    let f = create_new(dest)?;
    let mut w = MeteredWrite { inner: BufWriter::new(f), meter };
    r.entry_data(size, &mut w)?;
    let f = w.inner.into_inner().map_err(|e| Error::new(ErrorKind::Io, e.to_string()))?;
    f.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_file_names_are_plain() {
        for ok in ["up-0a1b.bin", "dl-12-0.bin", "a_b.c"] {
            assert!(valid_file_name(ok), "{ok}");
        }
        for bad in ["", "../session.db", "a/b", ".hidden", "..", "a\\b", "ü.bin", &"x".repeat(200)] {
            assert!(!valid_file_name(bad), "{bad}");
        }
    }
}
