//! Profiles: one Session identity each, with its own encrypted database.

use crate::error::{CliError, Result};
use crate::home::{now_ms, NetworkChoice, Profile, ProfileMeta};
use crate::output::local_time;
use crate::render::done;
use crate::resolve::resolve_peer;
use crate::rpc::{to_value, DaemonCtx, Params};
use crate::secret;
use crate::session::{Ctx, Use};
use clap::Subcommand;
use serde::Serialize;
use serde_json::{json, Value};
use session_sdk::client::{Client, IdentitySource};
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Create a new identity. Prints its Session ID and recovery phrase (only this once).
    Create {
        name: String,
        /// Your display name, sent with your messages.
        #[arg(long)]
        display_name: Option<String>,
        /// Keep the database key in a file beside it instead of deriving it from a PIN.
        #[arg(long)]
        no_pin: bool,
    },
    /// Restore an identity from its recovery phrase, read from standard input, $SESSION_CLI_PHRASE,
    /// --phrase-file or a prompt (never from the command line).
    Restore {
        name: String,
        #[arg(long, value_name = "FILE")]
        phrase_file: Option<PathBuf>,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long)]
        no_pin: bool,
    },
    /// List profiles.
    List,
    /// Make a profile the default.
    Use { name: String },
    /// Show a profile (the selected one by default).
    Show { name: Option<String> },
    /// Set your display name (sent with your messages).
    SetName { display_name: String },
    /// Set your profile picture from an image file (JPEG metadata removed), or --remove it.
    /// Uploaded through an onion request; sent with your messages, synced to your other devices.
    SetPicture {
        #[arg(value_name = "FILE", required_unless_present = "remove")]
        file: Option<PathBuf>,
        #[arg(long, conflicts_with = "file")]
        remove: bool,
    },
    /// Save a profile picture, yours or a contact's (by Session ID or name), to a file.
    Picture {
        #[arg(value_name = "CONTACT")]
        contact: Option<String>,
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Change the network a profile uses: `public` or a description file.
    SetNetwork {
        #[arg(value_name = "FILE|public")]
        network: String,
    },
    /// Delete a profile and its database (its identity is gone unless you kept the phrase).
    Delete {
        name: String,
        /// Confirm the deletion.
        #[arg(long)]
        yes: bool,
    },
}

/// `"type": "profile"`.
#[derive(Debug, Serialize)]
pub struct ProfileRecord {
    #[serde(rename = "type")]
    pub ty: &'static str,
    pub name: String,
    pub session_id: String,
    /// Only known when the database was opened (`profile show`, daemon); null in `profile list`.
    pub display_name: Option<String>,
    /// `public` or the network description file.
    pub network: String,
    pub pin: bool,
    pub default: bool,
    pub created_at: i64,
    pub data_dir: String,
}

pub fn record(p: &Profile, display_name: Option<String>, default: bool) -> ProfileRecord {
    ProfileRecord {
        ty: "profile",
        name: p.meta.name.clone(),
        session_id: p.meta.session_id.clone(),
        display_name,
        network: p.meta.network.label(),
        pin: p.meta.pin,
        default,
        created_at: p.meta.created_at,
        data_dir: p.data_dir().display().to_string(),
    }
}

fn create(ctx: &Ctx, name: &str, phrase: Option<zeroize::Zeroizing<String>>, display_name: Option<String>, no_pin: bool) -> Result<()> {
    let restoring = phrase.is_some();
    let staging = ctx.home.staging_dir(name)?;
    let result = (|| -> Result<(Profile, String)> {
        let network = ctx.network.clone().unwrap_or(NetworkChoice::Public);
        let mut cfg = ctx.client_config(staging.join("data"), network.load()?, None)?;
        if !no_pin {
            cfg.pin = Some(ctx.pin.for_create(name)?);
        }
        if let Some(p) = phrase {
            cfg.identity = IdentitySource::Mnemonic(p);
        }
        let client = Client::new(cfg)?;
        if let Some(d) = &display_name {
            client.set_display_name(d)?;
        }
        let meta =
            ProfileMeta { name: name.to_string(), session_id: client.session_id().to_hex(), network, pin: !no_pin, created_at: now_ms() };
        let phrase_out = client.mnemonic();
        drop(client);
        let staged = Profile { meta, dir: staging.clone() };
        ctx.home.save(&staged)?;
        Ok((ctx.home.commit(&staging, name)?, phrase_out))
    })();
    let (profile, phrase_out) = match result {
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
    if ctx.out.json {
        let mut v = json!({
            "type": if restoring { "profile_restored" } else { "profile_created" },
            "name": name,
            "session_id": profile.meta.session_id,
            "network": profile.meta.network.label(),
            "pin": profile.meta.pin,
            "default": default,
        });
        if !restoring {
            v["recovery_phrase"] = json!(phrase_out);
        }
        ctx.out.record(&v);
        return Ok(());
    }
    let what = if restoring { "Restored" } else { "Created" };
    ctx.out.line(format!("{what} profile {}{}.", ctx.out.bold(name), if default { " (now the default)" } else { "" }));
    let mut fields = vec![("Session ID", profile.meta.session_id.clone()), ("Network", profile.meta.network.label())];
    if !restoring {
        fields.push(("Recovery phrase", ctx.out.yellow(&phrase_out)));
    }
    ctx.out.fields(&fields);
    if !restoring {
        ctx.out.line("");
        ctx.out.line("Write the recovery phrase down and keep it secret. It is shown only now, and it is the only way");
        ctx.out.line("to restore this Session ID on another device or after losing this one.");
    }
    Ok(())
}

pub fn run(ctx: &Ctx, cmd: ProfileCommand) -> Result<()> {
    match cmd {
        ProfileCommand::Create { name, display_name, no_pin } => create(ctx, &name, None, display_name, no_pin),
        ProfileCommand::Restore { name, phrase_file, display_name, no_pin } => {
            crate::home::validate_name(&name)?;
            if ctx.home.exists(&name) {
                return Err(CliError::new(crate::error::Kind::ProfileExists, format!("a profile named {name:?} already exists")));
            }
            let phrase = secret::read_phrase(phrase_file.as_deref())?;
            create(ctx, &name, Some(phrase), display_name, no_pin)
        }
        ProfileCommand::List => {
            let default = ctx.home.default_profile()?;
            let list = ctx.home.list()?;
            let recs: Vec<ProfileRecord> = list.iter().map(|p| record(p, None, default.as_deref() == Some(p.meta.name.as_str()))).collect();
            if ctx.out.json {
                recs.iter().for_each(|r| ctx.out.record(r));
            } else if recs.is_empty() {
                ctx.out.line("No profiles yet: `session-cli profile create NAME` makes one.");
            } else {
                let rows: Vec<Vec<String>> = recs
                    .iter()
                    .map(|r| {
                        let name = if r.default { format!("{} {}", ctx.out.bold(&r.name), ctx.out.green("*")) } else { r.name.clone() };
                        vec![name, r.session_id.clone(), r.network.clone(), if r.pin { "PIN" } else { "key file" }.into()]
                    })
                    .collect();
                ctx.out.table(&["PROFILE", "SESSION ID", "NETWORK", "LOCK"], &rows);
            }
            Ok(())
        }
        ProfileCommand::Use { name } => {
            ctx.home.load(&name)?;
            ctx.home.set_default(Some(&name))?;
            done(ctx, "default_profile_set", json!({"name": name}), &format!("{name} is now the default profile."));
            Ok(())
        }
        ProfileCommand::Show { name } => {
            let p = match name {
                Some(n) => ctx.home.load(&n)?,
                None => ctx.selected_profile()?,
            };
            let is_default = ctx.home.default_profile()?.as_deref() == Some(p.meta.name.as_str());
            let s = ctx.open_profile(p, Use::Local, None)?;
            let r = record(&s.profile, s.client.display_name()?, is_default);
            if ctx.out.json {
                ctx.out.record(&r);
            } else {
                ctx.out.fields(&[
                    ("Profile", format!("{}{}", r.name, if r.default { " (default)" } else { "" })),
                    ("Session ID", r.session_id.clone()),
                    ("Display name", r.display_name.clone().unwrap_or_else(|| "-".into())),
                    ("Network", r.network.clone()),
                    ("Database", format!("{} ({})", r.data_dir, if r.pin { "PIN" } else { "key file" })),
                    ("Created", local_time(r.created_at)),
                ]);
            }
            Ok(())
        }
        ProfileCommand::SetName { display_name } => {
            let s = ctx.open(Use::Local)?;
            s.client.set_display_name(&display_name)?;
            done(
                ctx,
                "display_name_set",
                json!({"display_name": display_name.trim()}),
                &format!("Display name set to {}.", display_name.trim()),
            );
            Ok(())
        }
        ProfileCommand::SetPicture { file, remove } => {
            let image = match (&file, remove) {
                (Some(f), false) => Some(read_file(f)?),
                _ => None,
            };
            let s = ctx.open(Use::Network)?;
            s.start()?;
            s.wait_ready(ctx, Some(std::time::Duration::from_secs(60)), |_| {})?;
            s.client.set_profile_picture(image.as_deref())?;
            match image {
                Some(i) => done(ctx, "profile_picture_set", json!({"bytes": i.len()}), "Profile picture set."),
                None => done(ctx, "profile_picture_removed", json!({}), "Profile picture removed."),
            }
            Ok(())
        }
        ProfileCommand::Picture { contact, output, force } => {
            if output.exists() && !force {
                return Err(CliError::invalid(format!("{} exists; --force replaces it", output.display())));
            }
            let s = ctx.open(Use::Network)?;
            let id = contact.as_deref().map(|c| resolve_peer(&s.client, c)).transpose()?;
            s.start()?;
            s.wait_ready(ctx, Some(std::time::Duration::from_secs(60)), |_| {})?;
            let who = id.clone().unwrap_or_else(|| "you".into());
            let image =
                s.client.profile_picture(id.as_deref())?.ok_or_else(|| CliError::not_found(format!("{who} has no profile picture")))?;
            write_file(&output, &image)?;
            done(
                ctx,
                "profile_picture_saved",
                json!({"session_id": id, "path": output.display().to_string(), "bytes": image.len()}),
                &format!("Saved the profile picture ({} bytes) to {}.", image.len(), output.display()),
            );
            Ok(())
        }
        ProfileCommand::SetNetwork { network } => {
            let mut p = ctx.selected_profile()?;
            let choice = NetworkChoice::parse(&network)?;
            choice.load()?;
            p.meta.network = choice;
            ctx.home.save(&p)?;
            done(
                ctx,
                "network_set",
                json!({"name": p.meta.name, "network": p.meta.network.label()}),
                &format!("Profile {} now uses the network {}.", p.meta.name, p.meta.network.label()),
            );
            Ok(())
        }
        ProfileCommand::Delete { name, yes } => {
            ctx.home.load(&name)?;
            if !yes {
                return Err(CliError::usage(format!("deleting profile {name:?} destroys its identity and messages; add --yes to confirm")));
            }
            ctx.home.delete(&name)?;
            done(ctx, "profile_deleted", json!({"name": name}), &format!("Deleted profile {name}."));
            Ok(())
        }
    }
}

/// A picture file the user named; failures are INVALID_ARGUMENT with the path.
fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| CliError::invalid(format!("cannot read {}: {e}", path.display())))
}

fn write_file(path: &Path, data: &[u8]) -> Result<()> {
    std::fs::write(path, data).map_err(|e| CliError::invalid(format!("cannot write {}: {e}", path.display())))
}

// ---- JSON-RPC (listed in daemon/methods.rs) -------------------------------------------------

pub fn rpc_profile(d: &DaemonCtx, _p: &Params) -> Result<Value> {
    let default = d.default_profile.as_deref() == Some(d.session.profile.meta.name.as_str());
    to_value(&record(&d.session.profile, d.session.client.display_name()?, default))
}

pub fn rpc_set_display_name(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let name = p.req_str("name")?;
    d.session.client.set_display_name(&name)?;
    Ok(json!({"display_name": d.session.client.display_name()?}))
}

pub fn rpc_set_profile_picture(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let image = match p.opt_str("path")? {
        Some(path) => Some(read_file(Path::new(&path))?),
        None => None,
    };
    d.session.client.set_profile_picture(image.as_deref())?;
    Ok(json!({"profile_picture": image.is_some()}))
}

pub fn rpc_profile_picture(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let path = p.req_str("path")?;
    let id = p.opt_str("contact")?.map(|c| resolve_peer(&d.session.client, &c)).transpose()?;
    match d.session.client.profile_picture(id.as_deref())? {
        Some(image) => {
            write_file(Path::new(&path), &image)?;
            Ok(json!({"session_id": id, "path": path, "bytes": image.len()}))
        }
        None => Ok(serde_json::Value::Null),
    }
}
