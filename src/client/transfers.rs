//! The attachment transfers in progress and their cancellation switches: an upload or download
//! registers itself while it runs, `cancel_transfer` and `stop` flip the switch.

use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::watch;

/// Which transfer: (message id, attachment index, upload).
pub(crate) type TransferKey = (i64, u32, bool);

/// The cancellation switches of the transfers in progress.
#[derive(Default)]
pub(crate) struct Transfers(Mutex<HashMap<TransferKey, watch::Sender<bool>>>);

impl Transfers {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<TransferKey, watch::Sender<bool>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A transfer starts: its cancellation switch.
    pub(crate) fn register(&self, key: TransferKey) -> watch::Receiver<bool> {
        let (tx, rx) = watch::channel(false);
        self.map().insert(key, tx);
        rx
    }

    pub(crate) fn unregister(&self, key: TransferKey) {
        self.map().remove(&key);
    }

    /// Flip the switch of a transfer in progress; false when there is none.
    pub(crate) fn cancel(&self, key: TransferKey) -> bool {
        self.map().get(&key).map(|tx| tx.send(true)).is_some()
    }

    /// Cancel every transfer in progress (the client is stopping).
    pub(crate) fn cancel_all(&self) {
        for tx in self.map().values() {
            let _ = tx.send(true);
        }
    }
}

/// Removes attachment blobs that are no longer needed, except while a backup is copying them:
/// then removals wait until the last backup ends, so that a blob a backup's database snapshot
/// still lists is in the backup too.
#[derive(Default)]
pub(crate) struct BlobJanitor(Mutex<(usize, Vec<std::path::PathBuf>)>);

impl BlobJanitor {
    fn state(&self) -> std::sync::MutexGuard<'_, (usize, Vec<std::path::PathBuf>)> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Remove `path` now, or when the backups in progress have ended.
    pub(crate) fn remove(&self, path: &std::path::Path) {
        let mut st = self.state();
        if st.0 > 0 {
            st.1.push(path.to_path_buf());
        } else {
            let _ = std::fs::remove_file(path);
        }
    }

    /// Keep every blob until the returned guard is dropped.
    pub(crate) fn hold(&self) -> BlobHold<'_> {
        self.state().0 += 1;
        BlobHold(self)
    }
}

/// See [`BlobJanitor::hold`].
pub(crate) struct BlobHold<'a>(&'a BlobJanitor);

impl Drop for BlobHold<'_> {
    fn drop(&mut self) {
        let deferred = {
            let mut st = self.0.state();
            st.0 -= 1;
            if st.0 > 0 {
                return;
            }
            std::mem::take(&mut st.1)
        };
        for p in deferred {
            let _ = std::fs::remove_file(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removals_wait_for_the_last_backup() {
        let dir = std::env::temp_dir().join(format!("ssdk-janitor-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (a, b) = (dir.join("a"), dir.join("b"));
        std::fs::write(&a, b"a").unwrap();
        std::fs::write(&b, b"b").unwrap();
        let j = BlobJanitor::default();
        let h1 = j.hold();
        let h2 = j.hold();
        j.remove(&a);
        assert!(a.exists(), "kept while backups run");
        drop(h1);
        assert!(a.exists(), "kept until the last one ends");
        drop(h2);
        assert!(!a.exists());
        j.remove(&b);
        assert!(!b.exists(), "removed at once when no backup runs");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
