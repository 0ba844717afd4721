//! The state one client shares between its handle ([`super::Client`]) and its tasks, named by
//! concern: who we are, the database, the network, the configuration, events, the wake-ups
//! between tasks, activity (for the poll interval and message timestamps), the groups, the
//! transfers in progress and the synced user configs. Each concern's logic lives in the module
//! named for it; this file only holds them together.

use super::config::ClientConfig;
use super::events::Events;
use super::group_state::Groups;
use super::transfers::{BlobJanitor, Transfers};
use super::user_configs::SyncedConfigs;
use crate::clock::local_now_ms;
use crate::identity::{Identity, SessionId};
use crate::net::Network;
use crate::store::Store;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// What one client's parts share.
pub(crate) struct ClientState {
    pub(crate) identity: Identity,
    pub(crate) store: Store,
    pub(crate) network: Network,
    pub(crate) config: ClientConfig,
    pub(crate) events: Events,
    pub(crate) wake: Wakeups,
    pub(crate) activity: Activity,
    /// Groups we are in or invited to.
    pub(crate) groups: Groups,
    /// Attachment uploads and downloads in progress.
    pub(crate) transfers: Transfers,
    /// Removes attachment blobs, deferring while a backup copies them.
    pub(crate) blobs: BlobJanitor,
    /// Set to cancel the backup in progress.
    pub(crate) backup_cancel: std::sync::atomic::AtomicBool,
    /// Our profile, contacts, read marks and group list as our devices share them.
    pub(crate) synced: SyncedConfigs,
    /// Tasks of this client still running.
    pub(crate) live_tasks: AtomicUsize,
}

impl ClientState {
    pub(crate) fn session_id(&self) -> SessionId {
        self.identity.session_id()
    }

    /// A network timestamp for a new outgoing message, unique and increasing for this client.
    pub(crate) fn next_sent_ts(&self) -> i64 {
        self.activity.next_sent_ts(self.network.clock.now_ms())
    }
}

/// How the client's tasks wake each other (each `notify_one` is remembered until the task
/// waits).
#[derive(Default)]
pub(crate) struct Wakeups {
    /// The outbox gained work.
    pub(crate) sender: Notify,
    /// Poll now (after a send, to pick up replies quickly; after a local config change).
    pub(crate) poller: Notify,
    /// A file was queued for upload.
    pub(crate) uploader: Notify,
}

impl Wakeups {
    /// Wake every task that is waiting (at shutdown).
    pub(crate) fn all(&self) {
        self.sender.notify_waiters();
        self.poller.notify_waiters();
        self.uploader.notify_waiters();
    }
}

/// When the client was last active, and the last timestamp it gave a message.
#[derive(Default)]
pub(crate) struct Activity {
    /// Last message sent or received (ms, local clock).
    last: AtomicI64,
    /// Last timestamp handed out for an outgoing message (kept strictly increasing).
    last_sent_ts: AtomicI64,
}

impl Activity {
    /// A message was sent or received now.
    pub(crate) fn touch(&self) {
        self.last.store(local_now_ms(), Ordering::Relaxed);
    }

    /// Whether something happened within `window`.
    pub(crate) fn is_active(&self, window: Duration) -> bool {
        local_now_ms() - self.last.load(Ordering::Relaxed) < window.as_millis() as i64
    }

    /// `now`, or one past the last timestamp handed out if that is not earlier.
    pub(crate) fn next_sent_ts(&self, now: i64) -> i64 {
        let mut prev = self.last_sent_ts.load(Ordering::Relaxed);
        loop {
            let ts = now.max(prev + 1);
            match self.last_sent_ts.compare_exchange(prev, ts, Ordering::SeqCst, Ordering::Relaxed) {
                Ok(_) => return ts,
                Err(p) => prev = p,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_timestamps_are_unique_and_increasing_even_when_the_clock_is_not() {
        let a = Activity::default();
        assert_eq!(a.next_sent_ts(1_000), 1_000);
        assert_eq!(a.next_sent_ts(1_000), 1_001);
        assert_eq!(a.next_sent_ts(900), 1_002, "a clock that went back does not repeat a timestamp");
        assert_eq!(a.next_sent_ts(5_000), 5_000);
        let shared = std::sync::Arc::new(Activity::default());
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let s = shared.clone();
                std::thread::spawn(move || (0..1000).map(|_| s.next_sent_ts(7)).collect::<Vec<_>>())
            })
            .collect();
        let mut all: Vec<i64> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 4000, "no two threads got the same timestamp");
    }

    #[test]
    fn activity_is_recent_touches() {
        let a = Activity::default();
        assert!(!a.is_active(Duration::from_secs(60)));
        a.touch();
        assert!(a.is_active(Duration::from_secs(60)));
        assert!(!a.is_active(Duration::ZERO));
    }
}
