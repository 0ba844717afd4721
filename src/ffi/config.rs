//! `ssdk_config`: the opaque client configuration builder.

use super::identity::ssdk_identity;
use super::status::{guard, ssdk_status};
use super::util::{bytes_arg, handle, out, str_arg};
use crate::client::NetworkConfig;
use crate::client::{ClientConfig, IdentitySource, LogLevel};
use crate::error::Error;
use std::ffi::c_char;
use std::time::Duration;
use zeroize::Zeroizing;

/// Client configuration. Opaque; create with `ssdk_config_new`, adjust with the setters, pass to
/// `ssdk_client_new` (which copies it), release with `ssdk_config_free`. Not thread-safe: do not
/// use one config from two threads at once.
#[allow(non_camel_case_types)]
pub struct ssdk_config {
    pub(crate) inner: ClientConfig,
}

fn cfg_mut<'a>(p: *mut ssdk_config) -> crate::Result<&'a mut ClientConfig> {
    if p.is_null() {
        return Err(Error::new(crate::ErrorKind::NullArgument, "config is NULL"));
    }
    // SAFETY: `p` is not NULL (checked above) and, per the header, came from ssdk_config_new and is
    // not freed; the header forbids using one config from two threads at once, so this exclusive
    // borrow, which lasts only for the setter's call, overlaps no other.
    Ok(unsafe { &mut (*p).inner })
}

/// A new configuration for a client whose database lives in the directory `data_dir` (created
/// if missing), on the public Session network, with no PIN, a new identity unless the directory
/// holds one, polling every 1.5 s while active and 15 s when idle.
/// `*out_config` is released with `ssdk_config_free`.
/// Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_INVALID_UTF8`, `SSDK_ERR_INVALID_ARGUMENT` (empty
/// path). Thread-safe.
#[no_mangle]
pub extern "C" fn ssdk_config_new(data_dir: *const c_char, out_config: *mut *mut ssdk_config) -> ssdk_status {
    guard(|| {
        let o = out(out_config, "out_config")?;
        let dir = str_arg(data_dir, "data_dir")?;
        if dir.is_empty() {
            return Err(Error::invalid_argument("data_dir is empty"));
        }
        *o = Box::into_raw(Box::new(ssdk_config { inner: ClientConfig::new(dir, NetworkConfig::mainnet()) }));
        Ok(())
    })
}

/// Release a configuration. NULL is a no-op.
#[no_mangle]
pub extern "C" fn ssdk_config_free(config: *mut ssdk_config) {
    if !config.is_null() {
        // SAFETY: `config` is not NULL and, per the header, came from ssdk_config_new and is freed once;
        // ssdk_client_new copies a config, so no client still refers to it.
        let _ = std::panic::catch_unwind(|| drop(unsafe { Box::from_raw(config) }));
    }
}

/// Protect the database with a PIN or passphrase (Argon2id-derived key). NULL removes it (a
/// random key is then kept in `db.key` in the data directory). The string is copied.
/// Errors: `SSDK_ERR_NULL_ARGUMENT` (config), `SSDK_ERR_INVALID_UTF8`, `SSDK_ERR_INVALID_ARGUMENT`
/// (empty PIN).
#[no_mangle]
pub extern "C" fn ssdk_config_set_pin(config: *mut ssdk_config, pin: *const c_char) -> ssdk_status {
    guard(|| {
        let c = cfg_mut(config)?;
        c.pin = if pin.is_null() {
            None
        } else {
            let p = str_arg(pin, "pin")?;
            if p.is_empty() {
                return Err(Error::invalid_argument("an empty PIN is not a PIN; pass NULL for none"));
            }
            Some(Zeroizing::new(p.to_string()))
        };
        Ok(())
    })
}

/// Use the network described by the JSON file at `path` (written by `session-testnet`).
/// Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_INVALID_UTF8`, `SSDK_ERR_IO` (unreadable),
/// `SSDK_ERR_INVALID_ARGUMENT` / `SSDK_ERR_INVALID_KEY` (malformed description, or not a regular
/// file), `SSDK_ERR_TOO_LARGE` (over 1 MiB).
#[no_mangle]
pub extern "C" fn ssdk_config_set_network_file(config: *mut ssdk_config, path: *const c_char) -> ssdk_status {
    guard(|| {
        let c = cfg_mut(config)?;
        c.network = NetworkConfig::from_file(std::path::Path::new(str_arg(path, "path")?))?;
        Ok(())
    })
}

/// Use the network described by `json` (same format as `ssdk_config_set_network_file`).
/// Errors: as `ssdk_config_set_network_file`, without `SSDK_ERR_IO`.
#[no_mangle]
pub extern "C" fn ssdk_config_set_network_json(config: *mut ssdk_config, json: *const c_char) -> ssdk_status {
    guard(|| {
        let c = cfg_mut(config)?;
        c.network = NetworkConfig::from_json(str_arg(json, "json")?)?;
        Ok(())
    })
}

/// Use the public Session network (the default). Errors: `SSDK_ERR_NULL_ARGUMENT`.
#[no_mangle]
pub extern "C" fn ssdk_config_use_mainnet(config: *mut ssdk_config) -> ssdk_status {
    guard(|| {
        cfg_mut(config)?.network = NetworkConfig::mainnet();
        Ok(())
    })
}

/// Hold the identity of `identity` (copied). A data directory that already holds a different
/// identity makes `ssdk_client_new` fail with `SSDK_ERR_INVALID_ARGUMENT`.
/// Errors: `SSDK_ERR_NULL_ARGUMENT`.
#[no_mangle]
pub extern "C" fn ssdk_config_set_identity(config: *mut ssdk_config, identity: *const ssdk_identity) -> ssdk_status {
    guard(|| {
        let c = cfg_mut(config)?;
        let id = handle(identity, "identity")?;
        c.identity = IdentitySource::Seed(Zeroizing::new(id.inner.seed().to_vec()));
        Ok(())
    })
}

/// Restore the identity from a recovery phrase (checked now). Errors: `SSDK_ERR_NULL_ARGUMENT`,
/// `SSDK_ERR_INVALID_UTF8`, `SSDK_ERR_MNEMONIC_WORD_COUNT`, `SSDK_ERR_MNEMONIC_UNKNOWN_WORD`,
/// `SSDK_ERR_MNEMONIC_CHECKSUM`.
#[no_mangle]
pub extern "C" fn ssdk_config_set_identity_mnemonic(config: *mut ssdk_config, phrase: *const c_char) -> ssdk_status {
    guard(|| {
        let c = cfg_mut(config)?;
        let p = str_arg(phrase, "phrase")?;
        crate::identity::mnemonic::decode(p)?;
        c.identity = IdentitySource::Mnemonic(Zeroizing::new(p.to_string()));
        Ok(())
    })
}

/// Restore the identity from a 16- or 32-byte seed (copied). Errors: `SSDK_ERR_NULL_ARGUMENT`,
/// `SSDK_ERR_INVALID_KEY`.
#[no_mangle]
pub extern "C" fn ssdk_config_set_identity_seed(config: *mut ssdk_config, seed: *const u8, len: usize) -> ssdk_status {
    guard(|| {
        let c = cfg_mut(config)?;
        let s = bytes_arg(seed, len, "seed")?;
        crate::identity::Identity::from_seed(s)?;
        c.identity = IdentitySource::Seed(Zeroizing::new(s.to_vec()));
        Ok(())
    })
}

/// Poll intervals in milliseconds: `active_ms` while messages were sent or received in the last
/// minute, `idle_ms` otherwise. Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_INVALID_ARGUMENT`
/// (active below 100 ms, or idle below active).
#[no_mangle]
pub extern "C" fn ssdk_config_set_poll_intervals(config: *mut ssdk_config, active_ms: u32, idle_ms: u32) -> ssdk_status {
    guard(|| {
        let c = cfg_mut(config)?;
        if active_ms < 100 || idle_ms < active_ms {
            return Err(Error::invalid_argument("poll intervals: active must be >= 100 ms and idle >= active"));
        }
        c.poll_active = Duration::from_millis(active_ms as u64);
        c.poll_idle = Duration::from_millis(idle_ms as u64);
        Ok(())
    })
}

/// Accept every message request automatically (for bots): the sender becomes a contact and the
/// message is delivered as an ordinary one. Errors: `SSDK_ERR_NULL_ARGUMENT`.
#[no_mangle]
pub extern "C" fn ssdk_config_set_auto_accept_requests(config: *mut ssdk_config, enabled: bool) -> ssdk_status {
    guard(|| {
        cfg_mut(config)?.auto_accept_requests = enabled;
        Ok(())
    })
}

/// Minimum level of `SSDK_EVENT_LOG` events: one of `ssdk_log_level` (`SSDK_LOG_OFF` for none).
/// Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn ssdk_config_set_log_level(config: *mut ssdk_config, level: i32) -> ssdk_status {
    guard(|| {
        let c = cfg_mut(config)?;
        c.log_level = LogLevel::from_i32(level).ok_or_else(|| Error::invalid_argument(format!("unknown log level {level}")))?;
        Ok(())
    })
}

/// Display name sent with messages (1–100 bytes), unless the database already has one.
/// Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_INVALID_UTF8`, `SSDK_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn ssdk_config_set_display_name(config: *mut ssdk_config, name: *const c_char) -> ssdk_status {
    guard(|| {
        let c = cfg_mut(config)?;
        let n = str_arg(name, "name")?;
        if n.trim().is_empty() || n.len() > 100 {
            return Err(Error::invalid_argument("a display name is 1 to 100 bytes"));
        }
        c.display_name = Some(n.to_string());
        Ok(())
    })
}

/// How long an unacknowledged message is retried before it becomes `SSDK_MESSAGE_FAILED`
/// (seconds, at least 1; default 3600). Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn ssdk_config_set_send_retry_window(config: *mut ssdk_config, seconds: u32) -> ssdk_status {
    guard(|| {
        let c = cfg_mut(config)?;
        if seconds == 0 {
            return Err(Error::invalid_argument("the retry window must be at least 1 second"));
        }
        c.send_retry_window = Duration::from_secs(seconds as u64);
        Ok(())
    })
}

/// Remove JPEG metadata (EXIF including GPS position, XMP, IPTC, comments) before files are
/// encrypted and sent: on (the default) or off. Errors: `SSDK_ERR_NULL_ARGUMENT`.
#[no_mangle]
pub extern "C" fn ssdk_config_set_strip_jpeg_metadata(config: *mut ssdk_config, enabled: bool) -> ssdk_status {
    guard(|| {
        cfg_mut(config)?.strip_jpeg_metadata = enabled;
        Ok(())
    })
}
