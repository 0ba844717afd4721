//! Where profiles live, and what a profile remembers.
//!
//! ```text
//! $SESSION_CLI_HOME (or --home; default $XDG_DATA_HOME/session-cli, else ~/.local/share/session-cli)
//!   config.json               {"default_profile": "alice"}
//!   profiles/alice/
//!     profile.json            name, Session ID, network, whether a PIN protects the database
//!     data/                   the SDK's data directory: the encrypted database (session.db)
//!     network.lock            held while a command of this profile uses the network
//! ```
//!
//! Directories are created with mode 0700.

use crate::error::{CliError, Kind, Result};
use serde::{Deserialize, Serialize};
use session_sdk::client::NetworkConfig;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const HOME_ENV: &str = "SESSION_CLI_HOME";
pub const PROFILE_ENV: &str = "SESSION_CLI_PROFILE";

/// The config root: `--home`, else `$SESSION_CLI_HOME`, else the XDG data directory.
pub fn resolve_root(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os(HOME_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    if let Some(p) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(p).join("session-cli"));
    }
    match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        Some(h) => Ok(PathBuf::from(h).join(".local/share/session-cli")),
        None => Err(CliError::usage(format!("cannot find a home for profiles: set {HOME_ENV} or use --home DIR"))),
    }
}

/// Which network a profile talks to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkChoice {
    /// The public Session network.
    Public,
    /// A network description file (as `session-cli testnet` writes), by absolute path.
    File(PathBuf),
}

impl NetworkChoice {
    /// `public` / `mainnet`, or a path to a description file (made absolute).
    pub fn parse(arg: &str) -> Result<NetworkChoice> {
        if arg.eq_ignore_ascii_case("public") || arg.eq_ignore_ascii_case("mainnet") {
            return Ok(NetworkChoice::Public);
        }
        let p = PathBuf::from(arg);
        let abs = if p.is_absolute() { p } else { std::env::current_dir().map_err(|e| CliError::io("current directory", e))?.join(p) };
        Ok(NetworkChoice::File(abs))
    }

    pub fn load(&self) -> Result<NetworkConfig> {
        match self {
            NetworkChoice::Public => Ok(NetworkConfig::mainnet()),
            NetworkChoice::File(p) => Ok(NetworkConfig::from_file(p)?),
        }
    }

    pub fn label(&self) -> String {
        match self {
            NetworkChoice::Public => "public".into(),
            NetworkChoice::File(p) => p.display().to_string(),
        }
    }
}

/// `profile.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileMeta {
    pub name: String,
    pub session_id: String,
    pub network: NetworkChoice,
    /// Whether a PIN protects the database (otherwise a random key file beside it does).
    pub pin: bool,
    /// Milliseconds since the epoch.
    pub created_at: i64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct RootConfig {
    #[serde(default)]
    default_profile: Option<String>,
}

pub struct Home {
    pub root: PathBuf,
}

/// A profile on disk.
#[derive(Debug, Clone)]
pub struct Profile {
    pub meta: ProfileMeta,
    pub dir: PathBuf,
}

impl Profile {
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }
}

pub fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && !name.starts_with('-')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(CliError::invalid(format!(
            "invalid profile name {name:?}: use 1 to 64 letters, digits, '_', '-' or '.', not starting with '.' or '-'"
        )))
    }
}

pub fn create_private_dir(dir: &Path) -> Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(|e| CliError::io(dir.display(), e))
}

/// Write a file atomically (temporary file, fsync, rename).
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = File::create(&tmp).map_err(|e| CliError::io(tmp.display(), e))?;
    f.write_all(data).and_then(|_| f.sync_all()).map_err(|e| CliError::io(tmp.display(), e))?;
    std::fs::rename(&tmp, path).map_err(|e| CliError::io(path.display(), e))
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

impl Home {
    pub fn new(root: PathBuf) -> Home {
        Home { root }
    }

    fn profiles_dir(&self) -> PathBuf {
        self.root.join("profiles")
    }

    pub fn profile_dir(&self, name: &str) -> PathBuf {
        self.profiles_dir().join(name)
    }

    fn read_config(&self) -> Result<RootConfig> {
        let p = self.root.join("config.json");
        match std::fs::read(&p) {
            Ok(b) => {
                serde_json::from_slice(&b).map_err(|e| CliError::sdk(session_sdk::ErrorKind::Malformed, format!("{}: {e}", p.display())))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(RootConfig::default()),
            Err(e) => Err(CliError::io(p.display(), e)),
        }
    }

    fn write_config(&self, c: &RootConfig) -> Result<()> {
        create_private_dir(&self.root)?;
        let text = serde_json::to_vec_pretty(c).map_err(|e| CliError::internal(e.to_string()))?;
        write_atomic(&self.root.join("config.json"), &text)
    }

    pub fn default_profile(&self) -> Result<Option<String>> {
        Ok(self.read_config()?.default_profile)
    }

    pub fn set_default(&self, name: Option<&str>) -> Result<()> {
        let mut c = self.read_config()?;
        c.default_profile = name.map(str::to_string);
        self.write_config(&c)
    }

    pub fn exists(&self, name: &str) -> bool {
        self.profile_dir(name).join("profile.json").exists()
    }

    pub fn load(&self, name: &str) -> Result<Profile> {
        validate_name(name)?;
        let dir = self.profile_dir(name);
        let p = dir.join("profile.json");
        let bytes = match std::fs::read(&p) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(CliError::not_found(format!("no profile named {name:?} (see `session-cli profile list`)")))
            }
            Err(e) => return Err(CliError::io(p.display(), e)),
        };
        let meta: ProfileMeta = serde_json::from_slice(&bytes)
            .map_err(|e| CliError::sdk(session_sdk::ErrorKind::Malformed, format!("{}: {e}", p.display())))?;
        Ok(Profile { meta, dir })
    }

    pub fn save(&self, profile: &Profile) -> Result<()> {
        let text = serde_json::to_vec_pretty(&profile.meta).map_err(|e| CliError::internal(e.to_string()))?;
        write_atomic(&profile.dir.join("profile.json"), &text)
    }

    /// Every profile, by name.
    pub fn list(&self) -> Result<Vec<Profile>> {
        let dir = self.profiles_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(CliError::io(dir.display(), e)),
        };
        let mut out = vec![];
        for e in entries {
            let e = e.map_err(|e| CliError::io(dir.display(), e))?;
            let name = e.file_name().to_string_lossy().into_owned();
            if validate_name(&name).is_ok() && self.exists(&name) {
                out.push(self.load(&name)?);
            }
        }
        out.sort_by(|a, b| a.meta.name.cmp(&b.meta.name));
        Ok(out)
    }

    /// The profile a command works on: `--profile`, else `$SESSION_CLI_PROFILE`, else the default
    /// (`profile use`), else the only profile there is.
    pub fn select(&self, flag: Option<&str>) -> Result<Profile> {
        if let Some(n) = flag {
            return self.load(n);
        }
        if let Some(n) = std::env::var(PROFILE_ENV).ok().filter(|v| !v.is_empty()) {
            return self.load(&n);
        }
        if let Some(n) = self.default_profile()? {
            if self.exists(&n) {
                return self.load(&n);
            }
        }
        let mut all = self.list()?;
        match all.len() {
            0 => Err(CliError::usage("no profile yet: create one with `session-cli profile create NAME`")),
            1 => Ok(all.remove(0)),
            _ => Err(CliError::usage("several profiles exist: choose one with --profile NAME or `session-cli profile use NAME`")),
        }
    }

    /// A staging directory for a profile being created; renamed into place by [`Home::commit`].
    pub fn staging_dir(&self, name: &str) -> Result<PathBuf> {
        validate_name(name)?;
        if self.exists(name) || self.profile_dir(name).exists() {
            return Err(CliError::new(Kind::ProfileExists, format!("a profile named {name:?} already exists")));
        }
        create_private_dir(&self.profiles_dir())?;
        let d = self.profiles_dir().join(format!(".{name}.creating-{}", std::process::id()));
        if d.exists() {
            std::fs::remove_dir_all(&d).map_err(|e| CliError::io(d.display(), e))?;
        }
        create_private_dir(&d)?;
        Ok(d)
    }

    /// Move a staged profile into place.
    pub fn commit(&self, staging: &Path, name: &str) -> Result<Profile> {
        let dest = self.profile_dir(name);
        if dest.exists() {
            return Err(CliError::new(Kind::ProfileExists, format!("a profile named {name:?} already exists")));
        }
        std::fs::rename(staging, &dest).map_err(|e| CliError::io(dest.display(), e))?;
        self.load(name)
    }

    pub fn delete(&self, name: &str) -> Result<()> {
        let p = self.load(name)?;
        let _lock = NetworkLock::acquire(&p)?;
        std::fs::remove_dir_all(&p.dir).map_err(|e| CliError::io(p.dir.display(), e))?;
        if self.default_profile()?.as_deref() == Some(name) {
            self.set_default(None)?;
        }
        Ok(())
    }
}

/// Exclusive use of a profile's network identity: held by every command that runs the client's
/// network tasks (send, receive, network, accept, daemon), so two processes never poll and send
/// for one identity at once. Commands that only read or change the local database do not take it.
pub struct NetworkLock {
    _file: File,
}

impl NetworkLock {
    pub fn acquire(profile: &Profile) -> Result<NetworkLock> {
        let path = profile.dir.join("network.lock");
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| CliError::io(path.display(), e))?;
        match f.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                let holder = holder.trim();
                let who = if holder.is_empty() { String::new() } else { format!(" (pid {holder})") };
                return Err(CliError::sdk(
                    session_sdk::ErrorKind::Busy,
                    format!(
                        "profile {:?} is in use by another session-cli process{who}; if it is a daemon, send this request to its JSON-RPC socket",
                        profile.meta.name
                    ),
                ));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(CliError::io(path.display(), e)),
        }
        let _ = f.set_len(0);
        let _ = write!(f, "{}", std::process::id());
        let _ = f.flush();
        Ok(NetworkLock { _file: f })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in ["alice", "bot-1", "a.b_c"] {
            validate_name(ok).unwrap();
        }
        for bad in ["", ".hidden", "-x", "a/b", "a b", &"x".repeat(65)] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn network_choice() {
        assert_eq!(NetworkChoice::parse("public").unwrap(), NetworkChoice::Public);
        assert_eq!(NetworkChoice::parse("/x/t.json").unwrap(), NetworkChoice::File("/x/t.json".into()));
        assert!(matches!(NetworkChoice::parse("t.json").unwrap(), NetworkChoice::File(p) if p.is_absolute()));
    }
}
