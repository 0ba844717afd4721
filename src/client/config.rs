//! Client configuration.

use super::events::LogLevel;
use crate::net::{NetworkConfig, NetworkOptions};
use std::path::PathBuf;
use std::time::Duration;
use zeroize::Zeroizing;

/// Which identity a client holds.
#[derive(Clone, Default)]
pub enum IdentitySource {
    /// The one stored in the data directory; a new random identity if there is none.
    #[default]
    StoredOrNew,
    /// Restore from a recovery phrase (the directory must be new or hold the same identity).
    Mnemonic(Zeroizing<String>),
    /// Restore from a 16- or 32-byte seed (same rule).
    Seed(Zeroizing<Vec<u8>>),
}

/// Everything a client needs. Start from [`ClientConfig::new`] and adjust fields.
#[derive(Clone)]
pub struct ClientConfig {
    /// Where the encrypted database (and its key information) lives.
    pub data_dir: PathBuf,
    /// PIN or passphrase for the database; `None` keeps a random key in `db.key`.
    pub pin: Option<Zeroizing<String>>,
    /// Which identity to hold: the stored one (or a new one), or one restored from a phrase or seed.
    pub identity: IdentitySource,
    /// The network to use: the public one (`NetworkConfig::mainnet()`) or a testnet description.
    pub network: NetworkConfig,
    /// Onion cipher, timeouts and retry counts of the network client.
    pub network_options: NetworkOptions,
    /// Poll interval while active (a message sent or received within `active_window`).
    pub poll_active: Duration,
    /// Poll interval when idle.
    pub poll_idle: Duration,
    /// How long after a message was sent or received the client counts as active.
    pub active_window: Duration,
    /// Accept every message request automatically (for bots).
    pub auto_accept_requests: bool,
    /// How long an unacknowledged message is retried before it is marked failed.
    pub send_retry_window: Duration,
    /// Time to live of 1:1 messages in the recipient's swarm (the network's maximum, 14 days).
    pub message_ttl: Duration,
    /// The lowest level of log events delivered.
    pub log_level: LogLevel,
    /// Display name sent with messages, unless one is already stored.
    pub display_name: Option<String>,
    /// Remove EXIF/XMP/IPTC metadata (GPS position, camera details) from JPEG files before they
    /// are encrypted and sent.
    pub strip_jpeg_metadata: bool,
}

/// How long a swarm keeps a 1:1 message: 14 days, the network's maximum.
pub const DEFAULT_MESSAGE_TTL: Duration = Duration::from_secs(14 * 24 * 3600);

impl ClientConfig {
    /// The defaults for a client keeping its data in `data_dir` on `network`: no PIN, the stored
    /// identity, polling every 1.5 s while active and 15 s when idle, requests not auto-accepted,
    /// an hour of retries, 14-day messages, JPEG metadata stripped.
    pub fn new(data_dir: impl Into<PathBuf>, network: NetworkConfig) -> ClientConfig {
        ClientConfig {
            data_dir: data_dir.into(),
            pin: None,
            identity: IdentitySource::StoredOrNew,
            network,
            network_options: NetworkOptions::default(),
            poll_active: Duration::from_millis(1500),
            poll_idle: Duration::from_secs(15),
            active_window: Duration::from_secs(60),
            auto_accept_requests: false,
            send_retry_window: Duration::from_secs(3600),
            message_ttl: DEFAULT_MESSAGE_TTL,
            log_level: LogLevel::Info,
            display_name: None,
            strip_jpeg_metadata: true,
        }
    }
}
