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
