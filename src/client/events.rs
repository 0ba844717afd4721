//! Events and their delivery: a queue the host pulls from, or a listener called on one
//! SDK-owned dispatcher thread (never a runtime worker, never concurrently).

use crate::store::{Message, MessageState};
use crossbeam_channel::{bounded, unbounded, Receiver, Sender};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Duration;

/// Log levels, least to most severe. The numbers are stable (C ABI `ssdk_log_level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Details for debugging: every request and step.
    Debug = 0,
    /// What the client does: started, paths ready, files uploaded.
    Info = 1,
    /// Something failed and will be retried, or input was skipped.
    Warn = 2,
    /// Something failed and will not be retried.
    Error = 3,
    /// No log events at all.
    Off = 4,
}

impl LogLevel {
    /// The level numbered `v` (`ssdk_log_level`), if there is one.
    pub fn from_i32(v: i32) -> Option<LogLevel> {
        Some(match v {
            0 => LogLevel::Debug,
            1 => LogLevel::Info,
            2 => LogLevel::Warn,
            3 => LogLevel::Error,
            4 => LogLevel::Off,
            _ => return None,
        })
    }
    /// The level's name: "debug", "info", "warn", "error" or "off".
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
            LogLevel::Off => "off",
        }
    }
    /// A level by name ("debug", "info", "warn"/"warning", "error", "off"/"none"; any case).
    pub fn parse(s: &str) -> Option<LogLevel> {
        Some(match s.to_ascii_lowercase().as_str() {
            "debug" => LogLevel::Debug,
            "info" => LogLevel::Info,
            "warn" | "warning" => LogLevel::Warn,
            "error" => LogLevel::Error,
            "off" | "none" => LogLevel::Off,
            _ => return None,
        })
    }
}

/// What changed in a group (the `change` of a `GroupUpdate` event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupChange {
    /// We created it.
    Created,
    /// We joined (accepted an invite, here or on another device).
    Joined,
    /// Members were invited.
    MembersAdded,
    /// Members were removed by an admin.
    MembersRemoved,
    /// A member left.
    MemberLeft,
    /// Members became admins (we, when `members` holds our ID).
    Promoted,
    /// The group was renamed.
    Renamed,
    /// Its description changed.
    DescriptionChanged,
    /// An invitee accepted.
    InviteAccepted,
    /// We were removed; history stays, nothing new arrives.
    Kicked,
    /// We left (here or on another device).
    Left,
    /// We joined and the group's key has arrived: messages can be sent to it now.
    Ready,
}

/// Something that happened. (The C ABI renders each as a JSON document: docs/abi-json.md.)
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A message arrived and is stored (from a contact or, with `is_request`, a requester).
    MessageReceived {
        /// The stored message.
        message: Message,
        /// From someone we have not approved: a message request.
        is_request: bool,
    },
    /// A message this identity sent from another device, now stored here too.
    MessageSynced {
        /// The stored message.
        message: Message,
    },
    /// An outgoing message changed delivery state.
    MessageState {
        /// The message.
        message_id: i64,
        /// Its conversation.
        conversation: String,
        /// The new state.
        state: MessageState,
    },
    /// Someone we have not approved messaged us: a message request.
    MessageRequest {
        /// Who.
        session_id: String,
        /// Their first message.
        message_id: i64,
    },
    /// A contact's profile, approval or block state changed (here or on another device of
    /// this identity).
    ContactChanged {
        /// The contact.
        session_id: String,
    },
    /// Since start, every swarm this client polls (its own and its groups') has answered and
    /// everything stored there has been handled: events for messages that were waiting came
    /// before this one. Once per start.
    CaughtUp,
    /// Another device of this identity read a conversation: its messages sent up to `up_to_ts`
    /// (ms) are now read here too.
    ConversationRead {
        /// The conversation.
        conversation: String,
        /// Messages sent up to this time (ms) are read.
        up_to_ts: i64,
    },
    /// Our own profile (display name or picture) changed on another device of this identity and
    /// is now ours here too.
    ProfileChanged {
        /// Our display name now.
        display_name: Option<String>,
    },
    /// Onion paths became ready or were all lost.
    Connection {
        /// At least one path works.
        ready: bool,
    },
    /// Bytes of an attachment transfer moved (at most a few reports a second, and the last).
    AttachmentProgress {
        /// The message.
        message_id: i64,
        /// The attachment's position in it.
        index: u32,
        /// An upload (false: a download).
        upload: bool,
        /// Bytes moved.
        done: u64,
        /// Bytes in all.
        total: u64,
    },
    /// An upload finished, or a download was verified (and written to `path` if one was given).
    AttachmentDone {
        /// The message.
        message_id: i64,
        /// The attachment's position in it.
        index: u32,
        /// An upload (false: a download).
        upload: bool,
        /// Where a download was written, if it was given a path.
        path: Option<String>,
    },
    /// A transfer failed; an upload with `will_retry` is tried again later.
    AttachmentFailed {
        /// The message.
        message_id: i64,
        /// The attachment's position in it.
        index: u32,
        /// An upload (false: a download).
        upload: bool,
        /// What went wrong, for people.
        error: String,
        /// The error kind's stable name (`ErrorKind::name`), e.g. "DECRYPTION_FAILED".
        error_kind: String,
        /// The upload is tried again later.
        will_retry: bool,
    },
    /// We were invited to a group (accept or decline it; bots accept automatically). `inviter`
    /// is empty when the invite reached another device of this identity and was synced here.
    GroupInvite {
        /// The group.
        group_id: String,
        /// Its name.
        name: String,
        /// Who invited us (empty when synced from another device).
        inviter: String,
    },
    /// A group changed: members, admins, name, or our own membership.
    GroupUpdate {
        /// The group.
        group_id: String,
        /// What changed.
        change: GroupChange,
        /// The members concerned.
        members: Vec<String>,
        /// Who did it, when known.
        actor: Option<String>,
    },
    /// A backup being written ([`super::Client::backup_create`]) moved on (a few reports a
    /// second, and the last).
    BackupProgress {
        /// A restore (false: a backup being written). Restores report through their own
        /// callback, so events say false today.
        restore: bool,
        /// Bytes done.
        done: u64,
        /// Bytes in all.
        total: u64,
    },
    /// A log line at or above the client's level.
    Log {
        /// Its level.
        level: LogLevel,
        /// The line.
        message: String,
    },
}

impl Event {
    /// The event's kind in snake case ("message_received", "group_update", ...), as the C ABI's
    /// JSON names it.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Event::MessageReceived { .. } => "message_received",
            Event::MessageSynced { .. } => "message_synced",
            Event::MessageState { .. } => "message_state",
            Event::MessageRequest { .. } => "message_request",
            Event::ContactChanged { .. } => "contact_changed",
            Event::CaughtUp => "caught_up",
            Event::ConversationRead { .. } => "conversation_read",
            Event::ProfileChanged { .. } => "profile_changed",
            Event::Connection { .. } => "connection",
            Event::AttachmentProgress { .. } => "attachment_progress",
            Event::AttachmentDone { .. } => "attachment_done",
            Event::AttachmentFailed { .. } => "attachment_failed",
            Event::GroupInvite { .. } => "group_invite",
            Event::GroupUpdate { .. } => "group_update",
            Event::BackupProgress { .. } => "backup_progress",
            Event::Log { .. } => "log",
        }
    }
}

/// A host callback. Called on the dispatcher thread only.
pub type ListenerFn = Box<dyn FnMut(&Event) + Send>;

enum Control {
    Event(Event),
    SetListener(Option<ListenerFn>),
    Shutdown,
}

/// Routes events to the pull queue or to the listener's dispatcher thread.
pub struct EventBus {
    queue_tx: Sender<Event>,
    queue_rx: Receiver<Event>,
    dispatcher: Mutex<Option<(Sender<Control>, JoinHandle<()>)>>,
    /// Waiters select on a clone of this receiver; `interrupt` replaces the pair, and dropping
    /// the old sender wakes every waiter that holds the old receiver.
    wake: Mutex<(Sender<()>, Receiver<()>)>,
}

/// How a wait for an event ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Waited {
    /// An event arrived.
    Event(Event),
    /// None came within the timeout.
    Timeout,
    /// [`EventBus::interrupt`] was called while waiting.
    Interrupted,
}

impl Default for EventBus {
    fn default() -> Self {
        let (queue_tx, queue_rx) = unbounded();
        EventBus { queue_tx, queue_rx, dispatcher: Mutex::new(None), wake: Mutex::new(bounded(0)) }
    }
}

impl EventBus {
    pub fn emit(&self, e: Event) {
        let d = self.dispatcher.lock().expect("event lock");
        match d.as_ref() {
            Some((tx, _)) => {
                let _ = tx.send(Control::Event(e));
            }
            None => {
                let _ = self.queue_tx.send(e);
            }
        }
    }

    /// Wait up to `timeout` for the next queued event (pull mode; also after a listener was
    /// removed).
    pub fn next(&self, timeout: Duration) -> Option<Event> {
        match self.wait(timeout) {
            Waited::Event(e) => Some(e),
            Waited::Timeout | Waited::Interrupted => None,
        }
    }

    /// Like [`EventBus::next`], telling a timeout from an interruption.
    pub fn wait(&self, timeout: Duration) -> Waited {
        let woken = self.wake.lock().expect("wake lock").1.clone();
        crossbeam_channel::select! {
            recv(self.queue_rx) -> e => e.map_or(Waited::Timeout, Waited::Event),
            recv(woken) -> _ => Waited::Interrupted,
            default(timeout) => Waited::Timeout,
        }
    }

    /// Wake every thread waiting in [`EventBus::next`] / [`EventBus::wait`] now; later waits
    /// are not affected.
    pub fn interrupt(&self) {
        *self.wake.lock().expect("wake lock") = bounded(0);
    }

    /// Install (or with `None`, remove) the listener. The first listener starts the dispatcher
    /// thread, which first delivers anything already queued. Safe to call from inside the
    /// listener itself: the swap happens on the dispatcher thread between events, and the
    /// replaced listener is dropped there.
    pub fn set_listener(&self, listener: Option<ListenerFn>) {
        let mut d = self.dispatcher.lock().expect("event lock");
        if let Some((tx, _)) = d.as_ref() {
            let _ = tx.send(Control::SetListener(listener));
            return;
        }
        let Some(listener) = listener else { return };
        let (tx, rx) = unbounded::<Control>();
        // Hand over what was queued for pull so it is not lost.
        while let Ok(e) = self.queue_rx.try_recv() {
            let _ = tx.send(Control::Event(e));
        }
        let to_queue = self.queue_tx.clone();
        let handle = std::thread::Builder::new()
            .name("ssdk-events".into())
            .spawn(move || dispatch(rx, Some(listener), to_queue))
            .expect("spawn event dispatcher thread");
        *d = Some((tx, handle));
    }

    /// Stop the dispatcher thread (dropping the listener, which calls its destroy hook) and wait
    /// for it. Must not be called from the listener.
    pub fn shutdown(&self) {
        let taken = self.dispatcher.lock().expect("event lock").take();
        if let Some((tx, handle)) = taken {
            let _ = tx.send(Control::Shutdown);
            if handle.thread().id() != std::thread::current().id() {
                let _ = handle.join();
            }
        }
    }
}

/// Deliver events to the listener; while there is none (it was removed), back to the pull
/// queue, so nothing is lost and `next_event` works again.
fn dispatch(rx: Receiver<Control>, mut listener: Option<ListenerFn>, to_queue: Sender<Event>) {
    while let Ok(c) = rx.recv() {
        match c {
            Control::Event(e) => match listener.as_mut() {
                // A panicking host callback must not kill the dispatcher.
                Some(l) => {
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| l(&e)));
                }
                None => {
                    let _ = to_queue.send(e);
                }
            },
            Control::SetListener(l) => listener = l,
            Control::Shutdown => break,
        }
    }
}

/// Log lines become events at or above the configured level.
/// A client's events and log filter: what the client's parts emit and log, and what the host
/// pulls or receives through its listener.
pub(crate) struct Events {
    bus: EventBus,
    logger: Logger,
}

impl Events {
    pub(crate) fn new(level: LogLevel) -> Events {
        Events { bus: EventBus::default(), logger: Logger::new(level) }
    }
    /// Deliver an event to the host.
    pub(crate) fn emit(&self, e: Event) {
        self.bus.emit(e)
    }
    /// A log line at `level`, built only when the level is enabled.
    pub(crate) fn log(&self, level: LogLevel, msg: impl FnOnce() -> String) {
        if self.logger.enabled(level) {
            self.bus.emit(Event::Log { level, message: msg() });
        }
    }
    pub(crate) fn set_level(&self, level: LogLevel) {
        self.logger.set_level(level)
    }
    pub(crate) fn next(&self, timeout: Duration) -> Option<Event> {
        self.bus.next(timeout)
    }
    pub(crate) fn wait(&self, timeout: Duration) -> Waited {
        self.bus.wait(timeout)
    }
    pub(crate) fn interrupt(&self) {
        self.bus.interrupt()
    }
    pub(crate) fn set_listener(&self, listener: Option<ListenerFn>) {
        self.bus.set_listener(listener)
    }
    pub(crate) fn shutdown(&self) {
        self.bus.shutdown()
    }
}

/// Which log levels are delivered.
pub struct Logger {
    level: std::sync::atomic::AtomicI32,
}

impl Logger {
    pub fn new(level: LogLevel) -> Logger {
        Logger { level: std::sync::atomic::AtomicI32::new(level as i32) }
    }
    pub fn set_level(&self, level: LogLevel) {
        self.level.store(level as i32, std::sync::atomic::Ordering::Relaxed);
    }
    pub fn enabled(&self, level: LogLevel) -> bool {
        level != LogLevel::Off && (level as i32) >= self.level.load(std::sync::atomic::Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex as M};

    #[test]
    fn interrupt_wakes_every_waiter_and_only_them() {
        let bus = Arc::new(EventBus::default());
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let b = bus.clone();
                std::thread::spawn(move || b.wait(Duration::from_secs(120)))
            })
            .collect();
        // Interrupt until all have returned (a wake before a waiter starts is not for it);
        // without interrupt the joins below would take two minutes and see Timeout.
        while !waiters.iter().all(|w| w.is_finished()) {
            bus.interrupt();
            std::thread::sleep(Duration::from_millis(5));
        }
        for w in waiters {
            assert_eq!(w.join().unwrap(), Waited::Interrupted);
        }
        assert_eq!(bus.wait(Duration::from_millis(10)), Waited::Timeout, "a later wait is not affected");
        bus.emit(Event::Connection { ready: true });
        assert_eq!(bus.wait(Duration::from_millis(10)), Waited::Event(Event::Connection { ready: true }));
    }

    #[test]
    fn pull_then_listener_gets_the_backlog_in_order() {
        let bus = Arc::new(EventBus::default());
        bus.emit(Event::Connection { ready: true });
        assert_eq!(bus.next(Duration::from_millis(10)), Some(Event::Connection { ready: true }));
        assert_eq!(bus.next(Duration::from_millis(10)), None);
        bus.emit(Event::Connection { ready: false });
        let seen = Arc::new(M::new(vec![]));
        let s2 = seen.clone();
        let bus2 = bus.clone();
        bus.set_listener(Some(Box::new(move |e| {
            s2.lock().unwrap().push(e.clone());
            // Re-entrant SDK calls from the listener do not deadlock.
            bus2.set_listener(Some(Box::new(|_| {})));
            bus2.emit(Event::Log { level: LogLevel::Info, message: "from listener".into() });
        })));
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while seen.lock().unwrap().is_empty() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(seen.lock().unwrap()[0], Event::Connection { ready: false });
        bus.shutdown();
        assert_eq!(seen.lock().unwrap().len(), 1, "the replacement listener took the later event");
    }

    #[test]
    fn removing_the_listener_returns_events_to_the_pull_queue() {
        let bus = EventBus::default();
        bus.set_listener(Some(Box::new(|_| {})));
        bus.set_listener(None);
        bus.emit(Event::Connection { ready: true });
        assert_eq!(bus.next(Duration::from_secs(5)), Some(Event::Connection { ready: true }));
        bus.shutdown();
    }
}
