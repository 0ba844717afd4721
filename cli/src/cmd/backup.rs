//! `backup create|inspect|restore`: encrypted backups of a profile's whole account (history,
//! contacts, groups, settings and attachment files, under a passphrase), and restoring one into a
//! new profile with a new PIN. The passphrase comes from `--passphrase-file`,
//! `$SESSION_CLI_BACKUP_PASSPHRASE` or a prompt, never from the command line.
//!
//! `create` only opens the database (like `contacts list`), so it works beside a daemon or any
//! other process running the profile; Ctrl-C cancels it and leaves no file. `restore` registers
//! the new profile as `profile create` does, once the whole backup has been verified and written.
//! The daemon serves `backup_create`, `backup_cancel` and `backup_inspect`; a restore makes a new
//! profile, which (like `profile create`) is not the business of a daemon running one profile.

use crate::error::{CliError, Kind, Result};
use crate::home::{now_ms, validate_name, NetworkChoice, Profile, ProfileMeta};
use crate::output::{human_size, local_time, Progress};
use crate::records::{backup_record, BackupRecord};
use crate::rpc::{to_value, DaemonCtx, Params};
use crate::secret;
use crate::session::{Ctx, Use};
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use session_sdk::client::{backup_inspect, backup_restore, BackupInfo, Event};
use std::path::{Path, PathBuf};
use std::time::Duration;
use zeroize::Zeroizing;

/// `session-cli backup --help` after the list of subcommands.
pub const AFTER_HELP: &str = "\
The backup passphrase is read from --passphrase-file FILE (its first line), else from
$SESSION_CLI_BACKUP_PASSPHRASE, else from a prompt on the terminal (asked twice for a new backup);
never from the command line. A backup holds no PIN: `backup restore` sets a new one.

Exit codes of note: 3 the backup file already exists (it is never overwritten), 6 wrong passphrase,
9 no such backup file, 15 the backup is damaged, truncated or not a backup, 16 a profile with
that name exists, 130 cancelled by Ctrl-C (nothing is left behind).";

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Write an encrypted backup of the profile to FILE (a new file; an existing one is never
    /// replaced). Works while the profile runs elsewhere (a daemon, say): the database is copied
    /// at one point in time. Ctrl-C cancels and leaves no file.
    Create {
        /// The backup file to write; it must not exist.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        passphrase: PassphraseArg,
    },
    /// Verify a backup (every byte is authenticated) and show what it holds: Session ID, when it
    /// was taken, counts and sizes. Needs no profile.
    Inspect {
        /// The backup file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        passphrase: PassphraseArg,
    },
    /// Restore a backup into a new profile NAME, with a new PIN (asked as `profile create` asks
    /// it) on the network of --network (default: public). Ctrl-C cancels and leaves nothing.
    Restore {
        /// The backup file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// The new profile's name.
        #[arg(value_name = "NAME")]
        name: String,
        /// Keep the database key in a file beside it instead of deriving it from a PIN.
        #[arg(long)]
        no_pin: bool,
        #[command(flatten)]
        passphrase: PassphraseArg,
    },
}

#[derive(Debug, Args)]
pub struct PassphraseArg {
    /// Read the backup passphrase from the first line of this file (else
    /// $SESSION_CLI_BACKUP_PASSPHRASE, else a prompt).
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, cmd: BackupCommand) -> Result<()> {
    match cmd {
        BackupCommand::Create { file, passphrase } => create(ctx, &file, &passphrase),
        BackupCommand::Inspect { file, passphrase } => inspect(ctx, &file, &passphrase),
        BackupCommand::Restore { file, name, no_pin, passphrase } => restore(ctx, &file, &name, no_pin, &passphrase),
    }
}

fn interrupted() -> CliError {
    CliError::new(Kind::Interrupted, "interrupted: the backup was cancelled")
}

/// A backup file to read: NOT_FOUND before any prompt when it is not there.
fn existing_backup(file: &Path) -> Result<()> {
    match std::fs::metadata(file) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(CliError::not_found(format!("{}: no such backup file", file.display()))),
        Err(e) => Err(CliError::io(file.display(), e)),
    }
}

/// What a backup holds, as `key: value` lines.
fn info_fields(r: &BackupRecord) -> Vec<(&'static str, String)> {
    vec![
        ("Session ID", r.session_id.clone()),
        ("Taken at", local_time(r.taken_at)),
        ("Messages", r.messages.to_string()),
        ("Conversations", r.conversations.to_string()),
        ("Contacts", r.contacts.to_string()),
        ("Groups", r.groups.to_string()),
        ("Attachments", format!("{} ({} files included, {})", r.attachments, r.files, human_size(r.file_bytes))),
        ("Database", human_size(r.database_bytes)),
        ("Written by", format!("session-sdk {}", r.sdk_version)),
    ]
}

fn create(ctx: &Ctx, file: &Path, pass: &PassphraseArg) -> Result<()> {
    // Refused before any prompt; the SDK refuses it again (no race can overwrite a file).
    if file.symlink_metadata().is_ok() {
        return Err(CliError::invalid(format!("{} exists; a backup never overwrites a file", file.display())));
    }
    let s = ctx.open(Use::Local)?;
    let passphrase = secret::read_backup_passphrase(pass.passphrase_file.as_deref(), true)?;
    // From now on Ctrl-C sets the stop flag, which cancels the backup (the SDK removes its
    // partial file); a second Ctrl-C exits at once.
    crate::signals::set_interruptible();
    let mut progress = Progress::new(&ctx.out);
    let result = std::thread::scope(|scope| {
        let client = &s.client;
        let worker = std::thread::Builder::new()
            .name("backup".into())
            .spawn_scoped(scope, || {
                let r = client.backup_create(file, &passphrase);
                client.interrupt_wait();
                r
            })
            .map_err(|e| CliError::io("starting the backup thread", e))?;
        while !worker.is_finished() {
            // Again and again: a backup that is only starting clears an earlier cancel.
            if ctx.interrupted() {
                client.cancel_backup();
            }
            if let Some(Event::BackupProgress { restore: false, done, total }) = s.next_event(Duration::from_millis(100)) {
                progress.update("Backing up", done, total);
            }
        }
        match worker.join() {
            Ok(r) => r.map_err(CliError::from),
            Err(_) => Err(CliError::internal("the backup thread panicked")),
        }
    });
    progress.finish();
    let info = result?;
    if ctx.interrupted() {
        // Ctrl-C came as the backup completed: cancelled all the same, so no file.
        let _ = std::fs::remove_file(file);
        return Err(interrupted());
    }
    let r = backup_record("backup_created", file, &info);
    if ctx.out.json {
        ctx.out.record(&r);
    } else {
        ctx.out.line(format!("Backed up profile {} to {} ({}).", ctx.out.bold(&s.profile.meta.name), r.path, human_size(r.size)));
        ctx.out.fields(&info_fields(&r));
    }
    Ok(())
}

fn inspect(ctx: &Ctx, file: &Path, pass: &PassphraseArg) -> Result<()> {
    existing_backup(file)?;
    let passphrase = secret::read_backup_passphrase(pass.passphrase_file.as_deref(), false)?;
    let info = backup_inspect(file, &passphrase)?;
    let r = backup_record("backup", file, &info);
    if ctx.out.json {
        ctx.out.record(&r);
    } else {
        ctx.out.line(format!("Backup {} ({}), verified.", r.path, human_size(r.size)));
        ctx.out.fields(&info_fields(&r));
    }
    Ok(())
}

fn restore(ctx: &Ctx, file: &Path, name: &str, no_pin: bool, pass: &PassphraseArg) -> Result<()> {
    validate_name(name)?;
    if ctx.home.exists(name) {
        return Err(CliError::new(Kind::ProfileExists, format!("a profile named {name:?} already exists")));
    }
    existing_backup(file)?;
    // A backup does not say which network its account used: --network, else public.
    let network = ctx.network.clone().unwrap_or(NetworkChoice::Public);
    network.load()?;
    let passphrase = secret::read_backup_passphrase(pass.passphrase_file.as_deref(), false)?;
    let pin = if no_pin { None } else { Some(ctx.pin.for_create(name)?) };
    // Interruptible before anything is written: Ctrl-C then cancels, and the staging directory
    // is removed below (an exit at once would leave it).
    crate::signals::set_interruptible();
    let staging = ctx.home.staging_dir(name)?;
    let mut progress = Progress::new(&ctx.out);
    let result = (|| -> Result<(Profile, BackupInfo)> {
        ctx.check_interrupted().map_err(|_| interrupted())?;
        let mut report = |done: u64, total: u64| {
            progress.update("Restoring", done, total);
            !ctx.interrupted()
        };
        let info = backup_restore(file, &passphrase, &staging.join("data"), pin.as_deref().map(|p| p.as_str()), &mut report)?;
        progress.finish();
        ctx.check_interrupted().map_err(|_| interrupted())?;
        let meta = ProfileMeta { name: name.to_string(), session_id: info.session_id.clone(), network, pin: !no_pin, created_at: now_ms() };
        ctx.home.save(&Profile { meta, dir: staging.clone() })?;
        Ok((ctx.home.commit(&staging, name)?, info))
    })();
    progress.finish();
    let (profile, info) = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    let default = match ctx.home.default_profile()? {
        Some(d) if ctx.home.exists(&d) => false,
        _ => {
            ctx.home.set_default(Some(name))?;
            true
        }
    };
    let r = backup_record("backup_restored", file, &info);
    if ctx.out.json {
        let mut v = to_value(&r)?;
        v["name"] = json!(name);
        v["network"] = json!(profile.meta.network.label());
        v["pin"] = json!(profile.meta.pin);
        v["default"] = json!(default);
        ctx.out.record(&v);
        return Ok(());
    }
    ctx.out.line(format!("Restored profile {} from {}{}.", ctx.out.bold(name), r.path, if default { " (now the default)" } else { "" }));
    let mut fields = info_fields(&r);
    fields.insert(1, ("Network", profile.meta.network.label()));
    ctx.out.fields(&fields);
    Ok(())
}

// ---- JSON-RPC (listed in daemon/methods.rs) -------------------------------------------------

/// The passphrase param: it arrives over the daemon's own connection (stdio or a 0600 socket),
/// not on a command line.
fn passphrase_param(p: &Params) -> Result<Zeroizing<String>> {
    let v = Zeroizing::new(p.req_str("passphrase")?);
    if v.is_empty() {
        return Err(CliError::invalid("the backup passphrase is empty"));
    }
    Ok(v)
}

pub fn rpc_backup_create(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let path = PathBuf::from(p.req_str("path")?);
    let passphrase = passphrase_param(p)?;
    let info = d.session.client.backup_create(&path, &passphrase)?;
    to_value(&backup_record("backup_created", &path, &info))
}

pub fn rpc_backup_cancel(d: &DaemonCtx, _p: &Params) -> Result<Value> {
    d.session.client.cancel_backup();
    Ok(json!({"cancelled": true}))
}

pub fn rpc_backup_inspect(_d: &DaemonCtx, p: &Params) -> Result<Value> {
    let path = PathBuf::from(p.req_str("path")?);
    let passphrase = passphrase_param(p)?;
    let info = backup_inspect(&path, &passphrase)?;
    to_value(&backup_record("backup", &path, &info))
}
