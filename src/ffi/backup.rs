//! Encrypted backups: write one from a client, restore one into a new data directory, inspect
//! one. Thin shims over `crate::client` (`Client::backup_create`, `backup_restore`,
//! `backup_inspect`).

use super::client::{client, ssdk_client};
use super::json::{self, BackupInfoJson};
use super::status::{guard, ssdk_status};
use super::util::{c_string, opt_str, str_arg};
use crate::client::BackupInfo;
use std::ffi::{c_char, c_void};
use std::path::Path;

/// A restore's progress callback: `done` of `total` bytes restored. Return true to go on, false
/// to cancel the restore (it then fails with `SSDK_ERR_CANCELLED` and leaves nothing behind).
/// Called on the thread that called `ssdk_backup_restore`, a few times a second and once at the
/// end.
#[allow(non_camel_case_types)]
pub type ssdk_progress_fn = Option<extern "C" fn(ctx: *mut c_void, done: u64, total: u64) -> bool>;

fn info_out(out_json: *mut *mut c_char, info: &BackupInfo) -> crate::Result<()> {
    if !out_json.is_null() {
        let doc = c_string(json::to_string(&BackupInfoJson::from(info))?)?;
        // SAFETY: not NULL (checked above); the header allows NULL or a writable `char *`, which
        // receives a string the caller frees with ssdk_string_free.
        unsafe { *out_json = doc };
    }
    Ok(())
}

/// Write an encrypted backup of the client's account to `path`, a new file (an existing file is
/// never overwritten: `SSDK_ERR_INVALID_ARGUMENT`): its whole history, contacts, groups, settings
/// and attachment files, under a key derived from `passphrase` (Argon2id, ~1 s). Not in it: the
/// database key (a restore sets a new PIN). The client may be running: its database is copied at
/// one point in time without stopping it. Blocks until done (call it from your own thread, not a
/// listener callback), emitting `SSDK_EVENT_BACKUP_PROGRESS`; `ssdk_client_backup_cancel` from
/// another thread stops it. On any failure no file is left at `path`.
/// `*out_json` (may be NULL) receives a `backup_info` document (docs/abi-json.md); release it
/// with `ssdk_string_free`.
/// Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_INVALID_UTF8`, `SSDK_ERR_INVALID_ARGUMENT` (an
/// empty passphrase, an existing file), `SSDK_ERR_IO` (the disk; e.g. full), `SSDK_ERR_DATABASE`,
/// `SSDK_ERR_CANCELLED`.
#[no_mangle]
pub extern "C" fn ssdk_client_backup_create(
    client_: *const ssdk_client,
    path: *const c_char,
    passphrase: *const c_char,
    out_json: *mut *mut c_char,
) -> ssdk_status {
    guard(|| {
        let c = client(client_)?;
        let info = c.backup_create(Path::new(str_arg(path, "path")?), str_arg(passphrase, "passphrase")?)?;
        info_out(out_json, &info)
    })
}

/// Cancel the backup `ssdk_client_backup_create` is writing (it then returns
/// `SSDK_ERR_CANCELLED` and leaves no file). No effect when none runs. Any thread.
/// Errors: `SSDK_ERR_NULL_ARGUMENT`.
#[no_mangle]
pub extern "C" fn ssdk_client_backup_cancel(client_: *const ssdk_client) -> ssdk_status {
    guard(|| {
        client(client_)?.cancel_backup();
        Ok(())
    })
}

/// Restore the backup at `path` into `data_dir`, which must not exist or be empty, protected by
/// `pin` (NULL for none: the key is then kept in a file beside the database, as for a new
/// client). The whole file is verified before anything is moved into `data_dir`; on any failure
/// nothing is left there. Then open it with `ssdk_config_new(data_dir)` and the same PIN: the
/// restored client continues from where the backup was taken and fetches what arrived since.
/// `progress` (may be NULL) is called with `ctx` as bytes are restored; returning false cancels.
/// `*out_json` (may be NULL) receives the backup's `backup_info` document; release it with
/// `ssdk_string_free`. Blocks; any thread; needs no client.
/// Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_INVALID_UTF8`, `SSDK_ERR_NOT_FOUND` (no file),
/// `SSDK_ERR_INVALID_ARGUMENT` (`data_dir` not empty, an empty PIN), `SSDK_ERR_WRONG_PIN` (the
/// passphrase does not open it), `SSDK_ERR_MALFORMED` (not a backup, or truncated),
/// `SSDK_ERR_DECRYPTION_FAILED` (damaged or modified), `SSDK_ERR_UNSUPPORTED` (written by a
/// newer SDK), `SSDK_ERR_IO`, `SSDK_ERR_CANCELLED`.
#[no_mangle]
pub extern "C" fn ssdk_backup_restore(
    path: *const c_char,
    passphrase: *const c_char,
    data_dir: *const c_char,
    pin: *const c_char,
    progress: ssdk_progress_fn,
    ctx: *mut c_void,
    out_json: *mut *mut c_char,
) -> ssdk_status {
    guard(|| {
        let path = str_arg(path, "path")?;
        let passphrase = str_arg(passphrase, "passphrase")?;
        let data_dir = str_arg(data_dir, "data_dir")?;
        let pin = opt_str(pin, "pin")?;
        let mut report = |done: u64, total: u64| progress.is_none_or(|f| f(ctx, done, total));
        let info = crate::client::backup_restore(Path::new(path), passphrase, Path::new(data_dir), pin, &mut report)?;
        info_out(out_json, &info)
    })
}

/// Verify the whole backup at `path` with `passphrase` and say what it holds, writing nothing:
/// `*out_json` receives a `backup_info` document (release it with `ssdk_string_free`). Blocks;
/// any thread. Errors: as `ssdk_backup_restore`, without the ones about `data_dir` and the PIN.
#[no_mangle]
pub extern "C" fn ssdk_backup_inspect(path: *const c_char, passphrase: *const c_char, out_json: *mut *mut c_char) -> ssdk_status {
    guard(|| {
        if out_json.is_null() {
            return Err(crate::Error::new(crate::ErrorKind::NullArgument, "out_json is NULL"));
        }
        let info = crate::client::backup_inspect(Path::new(str_arg(path, "path")?), str_arg(passphrase, "passphrase")?)?;
        info_out(out_json, &info)
    })
}
