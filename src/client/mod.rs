//! The client runtime: one identity, its encrypted database, and the tasks that send, poll and
//! keep the network ready, all on the process-wide runtime. Host-facing calls are synchronous
//! and cheap (database work); network work happens in the tasks and is reported as events.

// Inside the client, modules depend only on modules of a lower layer (tests/layers.rs
// checks it), bottom to top:
//   events, config, runtime, status, pointers, transfers, own_profile, user_configs, group_state
//   → state (what the handle and the tasks share)
//   → sync → outbox → contacts, profile, groups → attachments, send → receive, backup → tasks
//   → (mod.rs)
mod attachments;
mod backup;
mod config;
mod contacts;
mod events;
mod group_state;
mod groups;
mod outbox;
mod own_profile;
mod pointers;
mod profile;
mod receive;
#[cfg(feature = "internals")]
pub mod runtime;
#[cfg(not(feature = "internals"))]
mod runtime;
mod send;
mod state;
mod status;
mod sync;
mod tasks;
mod transfers;
mod user_configs;

pub use attachments::OutgoingFile;
pub use backup::{inspect as backup_inspect, restore as backup_restore, BackupInfo, BackupProgress};
pub use config::{ClientConfig, IdentitySource, DEFAULT_MESSAGE_TTL};
pub use events::{Event, GroupChange, ListenerFn, LogLevel, Waited};
pub use group_state::{GroupMemberInfo, GroupSummary};
pub use status::{NetworkStatus, PathHop};

// The types the client's API hands out, and the limits it enforces.
/// Most members a group may have, the admin included.
pub use crate::config::group::CLOSED_GROUP_SIZE_LIMIT as MAX_GROUP_MEMBERS;
/// Largest file that can be sent (plaintext bytes): 10 MB, as the Session apps allow.
pub use crate::crypto::attachment::MAX_ATTACHMENT_SIZE;
pub use crate::crypto::onion_hop::EncType;
pub use crate::net::{ConnectionState, NetworkConfig, NetworkOptions};
pub use crate::store::{AttachmentInfo, AttachmentState, Contact, Conversation, ConversationKind, GroupState, Message, MessageState};
/// Longest text message, in bytes.
pub use send::MAX_TEXT_BYTES;

use crate::error::{Error, ErrorKind, Result};
use crate::identity::{Identity, SessionId};
use crate::net::Network;
use crate::store::Store;
use events::Events;
use state::{Activity, ClientState, Wakeups};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

const META_SEED: &str = "identity_seed";
const META_SESSION_ID: &str = "session_id";

struct Running {
    shutdown: watch::Sender<bool>,
    handles: Vec<tokio::task::JoinHandle<()>>,
}

/// A Session client. Cheap to share across threads (`&Client` is `Sync`).
pub struct Client {
    state: Arc<ClientState>,
    running: Mutex<Option<Running>>,
}

fn identity_for(store: &Store, source: &IdentitySource) -> Result<Identity> {
    let stored = store.meta_get(META_SEED)?;
    let requested = match source {
        IdentitySource::StoredOrNew => None,
        IdentitySource::Mnemonic(p) => Some(Identity::from_mnemonic(p)?),
        IdentitySource::Seed(s) => Some(Identity::from_seed(s)?),
    };
    match (stored, requested) {
        (Some(seed), requested) => {
            let id = Identity::from_seed(&seed)?;
            if let Some(r) = requested {
                if r.session_id() != id.session_id() {
                    return Err(Error::invalid_argument(format!(
                        "this data directory belongs to {}, not to the identity given",
                        id.session_id()
                    )));
                }
            }
            Ok(id)
        }
        (None, requested) => {
            let id = requested.unwrap_or_else(Identity::generate);
            store.meta_set(META_SEED, id.seed())?;
            store.meta_set(META_SESSION_ID, id.session_id().to_hex().as_bytes())?;
            Ok(id)
        }
    }
}

impl Client {
    /// Open (or create) the client's database and identity. Does not touch the network.
    pub fn new(config: ClientConfig) -> Result<Client> {
        let store = Store::open(&config.data_dir, config.pin.as_ref().map(|p| p.as_str()))?;
        let identity = identity_for(&store, &config.identity)?;
        if let (Some(name), None) = (&config.display_name, own_profile::display_name(&store)?) {
            own_profile::store_display_name(&store, name)?;
        }
        let synced = user_configs::SyncedConfigs::load(&store, &identity)?;
        let network = Network::new(config.network.clone(), config.network_options.clone())?;
        let events = Events::new(config.log_level);
        let client = Client {
            state: Arc::new(ClientState {
                identity,
                store,
                network,
                config,
                events,
                wake: Wakeups::default(),
                activity: Activity::default(),
                groups: Default::default(),
                transfers: Default::default(),
                blobs: Default::default(),
                backup_cancel: Default::default(),
                synced,
                live_tasks: AtomicUsize::new(0),
            }),
            running: Mutex::new(None),
        };
        groups::load_all(&client.state)?;
        Ok(client)
    }

    fn block_on<T>(&self, f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::new(ErrorKind::Busy, "this call blocks on the network; call it from a thread outside any async runtime"));
        }
        runtime::runtime()?.block_on(f)
    }

    /// Our Session ID (`05…`).
    pub fn session_id(&self) -> SessionId {
        self.state.session_id()
    }

    /// Our identity (keys; the recovery phrase through [`Identity::mnemonic`]).
    pub fn identity(&self) -> &Identity {
        &self.state.identity
    }

    /// Our 13-word recovery phrase. Show it to the user once, and keep it secret.
    pub fn mnemonic(&self) -> String {
        self.state.identity.mnemonic()
    }

    /// Start the client's tasks: network bootstrap and paths, the sender and the poller.
    /// `Busy` if already running.
    pub fn start(&self) -> Result<()> {
        let mut running = self.running.lock().map_err(|_| Error::internal("client lock poisoned"))?;
        if running.is_some() {
            return Err(Error::new(ErrorKind::Busy, "the client is already running"));
        }
        let rt = runtime::runtime()?;
        let (tx, rx) = watch::channel(false);
        // A client that just started polls at the active interval for a while: it is catching
        // up, and its host is most likely in use.
        self.state.activity.touch();
        let handles = tasks::spawn_all(rt, &self.state, rx);
        *running = Some(Running { shutdown: tx, handles });
        self.state.events.log(LogLevel::Info, || format!("client {} started", self.session_id()));
        Ok(())
    }

    /// Stop every task of this client and wait for them (at most a few seconds; a task stuck in
    /// I/O is aborted). Nothing is lost: unsent messages stay in the outbox for the next start.
    /// A stopped client can be started again. Stopping a stopped client is a no-op.
    pub fn stop(&self) -> Result<()> {
        let running = self.running.lock().map_err(|_| Error::internal("client lock poisoned"))?.take();
        let Some(r) = running else { return Ok(()) };
        let _ = r.shutdown.send(true);
        self.state.wake.all();
        self.state.transfers.cancel_all();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while self.state.live_tasks.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        for h in &r.handles {
            h.abort();
        }
        while self.state.live_tasks.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < deadline + Duration::from_secs(2) {
            std::thread::sleep(Duration::from_millis(2));
        }
        self.state.events.log(LogLevel::Info, || "client stopped".into());
        Ok(())
    }

    /// Whether the client has been started and not stopped.
    pub fn is_running(&self) -> bool {
        self.running.lock().map(|r| r.is_some()).unwrap_or(false)
    }

    /// Tasks of this client still alive (0 after `stop`).
    pub fn live_tasks(&self) -> usize {
        self.state.live_tasks.load(Ordering::SeqCst)
    }

    /// Whether the client has working onion paths.
    pub fn connection_state(&self) -> ConnectionState {
        self.state.network.connection_state()
    }

    /// The client's network state: configuration, connection, onion paths, counters.
    pub fn network_status(&self) -> NetworkStatus {
        NetworkStatus::of(&self.state.network)
    }

    /// Messages and control messages waiting in the outbox for a swarm to acknowledge them
    /// (0 once everything queued has been sent).
    pub fn outbox_len(&self) -> Result<usize> {
        Ok(self.state.store.outbox_len()?.max(0) as usize)
    }

    /// The network client itself (tests and benches).
    #[cfg(feature = "internals")]
    pub fn network(&self) -> &Network {
        &self.state.network
    }

    /// The database itself (tests and benches).
    #[cfg(feature = "internals")]
    pub fn store(&self) -> &Store {
        &self.state.store
    }

    // ---- events ------------------------------------------------------------------------

    /// The next event, waiting up to `timeout`. Returns `None` on timeout, and always when a
    /// listener is installed (the listener receives everything).
    pub fn next_event(&self, timeout: Duration) -> Option<Event> {
        self.state.events.next(timeout)
    }

    /// Like [`Client::next_event`], but says whether the wait timed out or was interrupted by
    /// [`Client::interrupt_wait`].
    pub fn wait_event(&self, timeout: Duration) -> events::Waited {
        self.state.events.wait(timeout)
    }

    /// Wake every thread now blocked in [`Client::next_event`] or [`Client::wait_event`] on
    /// this client (they return at once, with no event); waits that start later are not
    /// affected. For hosts that block a thread on events and want to stop it promptly.
    pub fn interrupt_wait(&self) {
        self.state.events.interrupt();
    }

    /// Install or remove the event listener (see [`events::EventBus::set_listener`]).
    pub fn set_listener(&self, listener: Option<ListenerFn>) {
        self.state.events.set_listener(listener)
    }

    /// Deliver log events at `level` and above from now on.
    pub fn set_log_level(&self, level: LogLevel) {
        self.state.events.set_level(level)
    }

    // ---- messaging ---------------------------------------------------------------------

    /// Queue a text message to a Session ID: stored in the outbox before any network call, then
    /// sent by the running client (or at its next start). Returns the local message id.
    pub fn send_text(&self, to: &str, body: &str) -> Result<i64> {
        send::send_text(&self.state, to, body)
    }

    /// Queue a file (at most 10 MB; JPEG metadata is removed unless disabled): it is encrypted
    /// now, uploaded by the running client with progress events, and the message goes out once
    /// the upload succeeded. Returns the local message id.
    pub fn send_file(&self, to: &str, file: OutgoingFile) -> Result<i64> {
        attachments::send_file(&self.state, to, file)
    }

    /// Read and queue a file from disk (see [`Client::send_file`]); `caption` is the message text.
    pub fn send_file_path(&self, to: &str, path: &std::path::Path, caption: Option<&str>) -> Result<i64> {
        let mut f = OutgoingFile::from_path(path)?;
        f.caption = caption.map(str::to_owned);
        attachments::send_file(&self.state, to, f)
    }

    /// Download, verify and decrypt an attachment (async; verified blobs are cached).
    pub async fn fetch_attachment(&self, message_id: i64, index: u32) -> Result<Vec<u8>> {
        attachments::fetch(&self.state, message_id, index).await
    }

    /// Blocking [`Client::fetch_attachment`], for threads outside any async runtime.
    pub fn download_attachment(&self, message_id: i64, index: u32) -> Result<Vec<u8>> {
        self.block_on(attachments::fetch(&self.state, message_id, index))
    }

    /// Blocking download written to `dest` only once verified (never a partial file).
    pub fn save_attachment(&self, message_id: i64, index: u32, dest: &std::path::Path) -> Result<()> {
        let data = self.download_attachment(message_id, index)?;
        attachments::save_to(dest, &data)
    }

    /// Download in the background: `AttachmentProgress` events, then `AttachmentDone` (with
    /// `dest` written) or `AttachmentFailed`.
    pub fn start_download(&self, message_id: i64, index: u32, dest: Option<std::path::PathBuf>) -> Result<()> {
        attachments::start_download(&self.state, message_id, index, dest)
    }

    /// Cancel an upload (its message fails) or a download in progress.
    pub fn cancel_transfer(&self, message_id: i64, index: u32) -> Result<()> {
        attachments::cancel(&self.state, message_id, index)
    }

    /// Put a failed message back in the outbox.
    pub fn resend(&self, message_id: i64) -> Result<()> {
        send::resend(&self.state, message_id)
    }

    /// Conversations, most recent activity first.
    pub fn conversations(&self) -> Result<Vec<Conversation>> {
        self.state.store.conversations()
    }

    /// A page of history, newest first: messages older than `before_id` (all when 0).
    pub fn history(&self, conversation: &str, before_id: i64, limit: u32) -> Result<Vec<Message>> {
        self.state.store.history(conversation, before_id, limit)
    }

    /// One message by its local id (`NotFound` if there is none).
    pub fn message(&self, id: i64) -> Result<Message> {
        self.state.store.require_message(id)
    }

    /// Mark a conversation's incoming messages read up to message `up_to_id` (all when 0), and
    /// share the read mark with our other devices. Returns how many changed.
    pub fn mark_read(&self, conversation: &str, up_to_id: i64) -> Result<usize> {
        let n = self.state.store.mark_read(conversation, up_to_id)?;
        if let Err(e) = sync::read_changed(&self.state, conversation, up_to_id) {
            self.state.events.log(LogLevel::Warn, || format!("sharing the read mark of {conversation} failed: {e}"));
        }
        Ok(n)
    }

    /// Delete a conversation and its messages from this device (`NotFound` if there is none).
    pub fn delete_conversation(&self, conversation: &str) -> Result<()> {
        if !self.state.store.delete_conversation(conversation)? {
            return Err(Error::new(ErrorKind::NotFound, format!("no conversation {conversation}")));
        }
        Ok(())
    }

    /// Delete one message from this device (`NotFound` if there is none).
    pub fn delete_message(&self, id: i64) -> Result<()> {
        if !self.state.store.delete_message(id)? {
            return Err(Error::new(ErrorKind::NotFound, format!("no message with id {id}")));
        }
        Ok(())
    }

    // ---- backups ---------------------------------------------------------------------------

    /// Write an encrypted backup of this account to `path` (a new file; an existing one is never
    /// overwritten): the whole history, contacts, groups, settings and attachment files, under
    /// a key from `passphrase` (Argon2id). The client may keep running: the database is copied
    /// at one point in time without stopping it. Blocks until done, emitting `BackupProgress`
    /// events; [`Client::cancel_backup`] stops it, and an error or a cancel leaves no file.
    /// Restore with [`backup_restore`].
    pub fn backup_create(&self, path: &std::path::Path, passphrase: &str) -> Result<BackupInfo> {
        backup::create(&self.state, path, passphrase, crate::wire::backup::KdfCost::default())
    }

    /// [`Client::backup_create`] with the cheapest Argon2id costs (tests only: such a file is
    /// easy to brute-force).
    #[cfg(feature = "internals")]
    pub fn backup_create_fast(&self, path: &std::path::Path, passphrase: &str) -> Result<BackupInfo> {
        backup::create(&self.state, path, passphrase, crate::wire::backup::KdfCost { opslimit: 1, memlimit: 8192 })
    }

    /// Stop the backup in progress ([`Client::backup_create`] then fails with `Cancelled` and
    /// leaves no file). No effect when none runs.
    pub fn cancel_backup(&self) {
        self.state.backup_cancel.store(true, Ordering::SeqCst);
    }

    // ---- groups ----------------------------------------------------------------------------

    /// Create a group (we are its admin) and invite `members` (at most 99 besides us). Blocks
    /// until the group's keys and configs are stored in its swarm; invites go out through the
    /// outbox. Returns the group ID (`03…`). Send to it with `send_text` / `send_file`.
    pub fn create_group(&self, name: &str, description: Option<&str>, members: &[&str]) -> Result<String> {
        self.block_on(groups::create(&self.state, name, description, members))
    }
    /// Invite more members (admins only). New members get a fresh key: they read from now on.
    pub fn group_invite(&self, group_id: &str, members: &[&str]) -> Result<()> {
        self.block_on(groups::invite(&self.state, group_id, members))
    }
    /// Remove members (admins only): their access is revoked and keys rotate, so they cannot
    /// read anything sent afterwards.
    pub fn group_remove(&self, group_id: &str, members: &[&str]) -> Result<()> {
        self.block_on(groups::remove(&self.state, group_id, members))
    }
    /// Make a member an admin (admins only).
    pub fn group_promote(&self, group_id: &str, member: &str) -> Result<()> {
        self.block_on(groups::promote(&self.state, group_id, member))
    }
    /// Rename the group (admins only).
    pub fn group_rename(&self, group_id: &str, name: &str) -> Result<()> {
        self.block_on(groups::rename(&self.state, group_id, name))
    }
    /// Set the group's description (admins only).
    pub fn group_set_description(&self, group_id: &str, description: &str) -> Result<()> {
        self.block_on(groups::set_description(&self.state, group_id, description))
    }
    /// Leave a group: the members are told, an admin removes us, and we stop polling it.
    pub fn group_leave(&self, group_id: &str) -> Result<()> {
        self.block_on(groups::leave(&self.state, group_id))
    }
    /// Accept a pending group invite: start polling the group.
    pub fn group_accept_invite(&self, group_id: &str) -> Result<()> {
        groups::accept_invite(&self.state, group_id)
    }
    /// Decline a pending group invite.
    pub fn group_decline_invite(&self, group_id: &str) -> Result<()> {
        groups::decline_invite(&self.state, group_id)
    }
    /// Groups we are in or invited to.
    pub fn groups(&self) -> Result<Vec<GroupSummary>> {
        groups::summaries(&self.state)
    }
    /// A group's members as its members config lists them.
    pub fn group_members(&self, group_id: &str) -> Result<Vec<GroupMemberInfo>> {
        groups::members(&self.state, group_id)
    }
    /// Try to open raw namespace-11 group data with this client's own keys (diagnostics: shows
    /// whether this member can read a given message). Returns the sender and the content.
    #[cfg(feature = "internals")]
    pub fn group_decrypt_raw(&self, group_id: &str, data: &[u8]) -> Result<(String, crate::wire::proto::Content)> {
        groups::decrypt_raw(&self.state, group_id, data)
    }

    // ---- contacts and requests -----------------------------------------------------------

    /// Contacts we accepted, by name.
    pub fn contacts(&self) -> Result<Vec<Contact>> {
        self.state.store.contacts()
    }
    /// What we know of a Session ID, if anything.
    pub fn contact(&self, session_id: &str) -> Result<Option<Contact>> {
        self.state.store.contact(&SessionId::parse(session_id)?.to_hex())
    }
    /// Pending message requests: senders we have not accepted.
    pub fn requests(&self) -> Result<Vec<Contact>> {
        self.state.store.requests()
    }
    /// Blocked Session IDs.
    pub fn blocked(&self) -> Result<Vec<Contact>> {
        self.state.store.blocked_contacts()
    }
    /// Accept a Session ID as a contact (their messages are not requests), with an optional
    /// nickname (1 to 100 bytes).
    pub fn add_contact(&self, session_id: &str, nickname: Option<&str>) -> Result<()> {
        contacts::add_contact(&self.state, session_id, nickname)
    }
    /// Give a known Session ID a nickname, or with `None` take it away.
    pub fn set_nickname(&self, session_id: &str, nickname: Option<&str>) -> Result<()> {
        contacts::set_nickname(&self.state, session_id, nickname)
    }
    /// Forget a contact (`NotFound` if unknown); their next message is a request.
    pub fn remove_contact(&self, session_id: &str) -> Result<()> {
        contacts::remove_contact(&self.state, session_id)
    }
    /// Accept a message request without replying; the sender is told (with our profile), as
    /// the Session apps do.
    pub fn accept_request(&self, session_id: &str) -> Result<()> {
        contacts::accept_request(&self.state, session_id)
    }
    /// Decline a message request: its conversation is deleted and the sender forgotten.
    pub fn decline_request(&self, session_id: &str) -> Result<()> {
        contacts::decline_request(&self.state, session_id)
    }
    /// Block a Session ID: its messages are dropped unread; a pending request is deleted.
    pub fn block(&self, session_id: &str) -> Result<()> {
        contacts::set_blocked(&self.state, session_id, true)
    }
    /// Unblock a Session ID.
    pub fn unblock(&self, session_id: &str) -> Result<()> {
        contacts::set_blocked(&self.state, session_id, false)
    }
    /// Set our display name (1 to 100 bytes), sent with our messages and synced to our other
    /// devices.
    pub fn set_display_name(&self, name: &str) -> Result<()> {
        profile::set_display_name(&self.state, name)
    }
    /// Set our profile picture (an image up to 10 MB; JPEG metadata removed unless disabled):
    /// encrypted, uploaded through an onion request, then sent with our messages and synced to
    /// our other devices. `None` removes it. Blocks on the upload; call it from a thread outside
    /// any async runtime.
    pub fn set_profile_picture(&self, image: Option<&[u8]>) -> Result<()> {
        self.block_on(profile::set_profile_picture(&self.state, image))
    }

    /// Download and decrypt a profile picture: ours (`None`) or a contact's, as announced by
    /// their latest message. `Ok(None)` when there is none. Blocks on the download.
    pub fn profile_picture(&self, session_id: Option<&str>) -> Result<Option<Vec<u8>>> {
        self.block_on(profile::profile_picture(&self.state, session_id))
    }

    /// Our display name, which another device of ours may have changed.
    pub fn display_name(&self) -> Result<Option<String>> {
        own_profile::display_name(&self.state.store)
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.stop();
        self.state.events.shutdown();
    }
}
