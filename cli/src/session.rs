//! The context every command gets, and opening a profile's client.

use crate::error::{CliError, Result};
use crate::home::{Home, NetworkChoice, NetworkLock, Profile};
use crate::output::Output;
use crate::secret::PinSource;
use session_sdk::client::{Client, ClientConfig, Event, LogLevel};
use session_sdk::client::{ConnectionState, NetworkConfig};
use session_sdk::ErrorKind;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What every command can use: the home, the selected profile name, the network override, the
/// PIN source, the output mode, and the stop flag set by Ctrl-C / SIGTERM.
pub struct Ctx {
    pub home: Home,
    pub profile: Option<String>,
    pub network: Option<NetworkChoice>,
    pub pin: PinSource,
    pub out: Output,
    /// Client log lines at or above this level go to stderr.
    pub log_level: LogLevel,
    /// Poll interval override (milliseconds).
    pub poll_ms: Option<u64>,
    pub stop: Arc<AtomicBool>,
}

/// How a command uses the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Only the local database: no lock, the client is never started.
    Local,
    /// The network too: takes the profile's network lock; the command starts the client.
    Network,
}

pub struct Session {
    pub profile: Profile,
    pub client: Client,
    network_label: String,
    /// Last warning logged by the client (explains a network that never becomes ready).
    last_warning: Mutex<Option<String>>,
    log_level: LogLevel,
    _lock: Option<NetworkLock>,
}

impl Ctx {
    pub fn interrupted(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    pub fn check_interrupted(&self) -> Result<()> {
        if self.interrupted() {
            Err(CliError::new(crate::error::Kind::Interrupted, "interrupted"))
        } else {
            Ok(())
        }
    }

    pub fn selected_profile(&self) -> Result<Profile> {
        self.home.select(self.profile.as_deref())
    }

    /// Client settings for a profile, before the identity source and PIN are set.
    /// `poll` is the command's own poll interval (the SDK's active/idle defaults when None);
    /// the hidden `--poll-interval-ms` overrides both.
    pub fn client_config(&self, data_dir: std::path::PathBuf, network: NetworkConfig, poll: Option<Duration>) -> Result<ClientConfig> {
        let mut cfg = ClientConfig::new(data_dir, network);
        // Warnings are captured (they explain network failures) even when not printed.
        cfg.log_level = self.log_level.min(LogLevel::Warn);
        if let Some(d) = self.poll_ms.map(|ms| Duration::from_millis(ms.max(50))).or(poll) {
            cfg.poll_active = d;
            cfg.poll_idle = d;
        }
        Ok(cfg)
    }

    /// Open the selected profile's client (not started).
    pub fn open(&self, usage: Use) -> Result<Session> {
        let profile = self.selected_profile()?;
        self.open_profile(profile, usage, None)
    }

    /// Open with a poll interval of the command's choosing.
    pub fn open_polling(&self, usage: Use, poll: Duration) -> Result<Session> {
        let profile = self.selected_profile()?;
        self.open_profile(profile, usage, Some(poll))
    }

    pub fn open_profile(&self, profile: Profile, usage: Use, poll: Option<Duration>) -> Result<Session> {
        let lock = match usage {
            Use::Network => Some(NetworkLock::acquire(&profile)?),
            Use::Local => None,
        };
        let network = self.network.clone().unwrap_or_else(|| profile.meta.network.clone());
        // A command that never connects must work without the network description (a testnet
        // long gone, say): it gets a stand-in configuration it never uses.
        let net_cfg = match (usage, network.load()) {
            (_, Ok(c)) => c,
            (Use::Local, Err(_)) => NetworkConfig::mainnet(),
            (Use::Network, Err(e)) => return Err(e),
        };
        let mut cfg = self.client_config(profile.data_dir(), net_cfg, poll)?;
        if profile.meta.pin {
            cfg.pin = Some(self.pin.for_open(&profile.meta.name)?);
        }
        let client = Client::new(cfg).map_err(|e| match e.kind() {
            ErrorKind::WrongPin => CliError::sdk(ErrorKind::WrongPin, format!("wrong PIN for profile {:?}", profile.meta.name)),
            _ => CliError::from(e).context(format!("opening profile {:?}", profile.meta.name)),
        })?;
        if client.session_id().to_hex() != profile.meta.session_id {
            return Err(CliError::sdk(
                ErrorKind::Database,
                format!("the database of profile {:?} holds {}, not {}", profile.meta.name, client.session_id(), profile.meta.session_id),
            ));
        }
        Ok(Session {
            profile,
            client,
            network_label: network.label(),
            last_warning: Mutex::new(None),
            log_level: self.log_level,
            _lock: lock,
        })
    }
}

impl Session {
    pub fn network_label(&self) -> &str {
        &self.network_label
    }

    pub fn start(&self) -> Result<()> {
        crate::signals::set_interruptible();
        self.client.start()?;
        Ok(())
    }

    /// The next event that is not a log line, waiting up to `timeout`. Log lines go to stderr
    /// at the chosen level; warnings are remembered for error messages.
    pub fn next_event(&self, timeout: Duration) -> Option<Event> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let e = self.client.next_event(left)?;
            match e {
                Event::Log { level, message } => {
                    if level >= LogLevel::Warn {
                        if let Ok(mut w) = self.last_warning.lock() {
                            *w = Some(message.clone());
                        }
                    }
                    if level >= self.log_level && self.log_level != LogLevel::Off {
                        eprintln!("session-cli: [{}] {message}", format!("{level:?}").to_lowercase());
                    }
                }
                other => return Some(other),
            }
            if Instant::now() >= deadline {
                return None;
            }
        }
    }

    /// Wait until the client has an onion path, handing other events to `on_event`. Fails with
    /// NETWORK (explaining the last failure) after `timeout` (never without one), or INTERRUPTED.
    pub fn wait_ready(&self, ctx: &Ctx, timeout: Option<Duration>, mut on_event: impl FnMut(&Event)) -> Result<()> {
        let deadline = timeout.map(|t| Instant::now() + t);
        while self.client.connection_state() != ConnectionState::Ready {
            ctx.check_interrupted()?;
            if let (Some(deadline), Some(timeout)) = (deadline, timeout) {
                if Instant::now() >= deadline {
                    let why = self.last_warning().unwrap_or_else(|| "no onion path could be built".into());
                    return Err(CliError::sdk(
                        ErrorKind::Network,
                        format!("cannot reach the network ({}) within {}s: {why}", self.network_label, timeout.as_secs()),
                    ));
                }
            }
            if let Some(e) = self.next_event(Duration::from_millis(100)) {
                on_event(&e);
            }
        }
        Ok(())
    }

    pub fn last_warning(&self) -> Option<String> {
        self.last_warning.lock().ok().and_then(|w| w.clone())
    }
}
