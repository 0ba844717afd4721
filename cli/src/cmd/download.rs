//! `download`: save an attachment of a message, verified, with a progress bar.

use crate::error::{CliError, Result};
use crate::output::{human_size, Progress};
use crate::rpc::{to_value, DaemonCtx, Params};
use crate::session::{Ctx, Use};
use clap::Args;
use serde::Serialize;
use serde_json::Value;
use session_sdk::client::Event;
use session_sdk::ErrorKind;
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// The message id (from receive or history).
    #[arg(value_name = "ID")]
    pub id: i64,
    /// Which attachment of the message.
    #[arg(long, default_value_t = 0)]
    pub index: u32,
    /// Where to save: a file, or a directory to save under the attachment's name (default: the
    /// current directory).
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<std::path::PathBuf>,
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
    #[arg(long, default_value_t = 120, value_name = "SECS")]
    pub timeout: u64,
}

/// `"type": "downloaded"`.
#[derive(Debug, Serialize)]
pub struct DownloadedRecord {
    #[serde(rename = "type")]
    pub ty: &'static str,
    pub id: i64,
    pub index: u32,
    pub path: String,
    pub size: u64,
}

/// A file name safe to create: the last path component of the sender's name, without leading dots.
fn safe_file_name(name: Option<&str>, id: i64, index: u32) -> String {
    name.and_then(|n| std::path::Path::new(n).file_name())
        .map(|n| n.to_string_lossy().trim_start_matches('.').to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("attachment-{id}-{index}"))
}

pub fn run(ctx: &Ctx, a: DownloadArgs) -> Result<()> {
    let s = ctx.open(Use::Network)?;
    let m = s.client.message(a.id)?;
    let att = m
        .attachments
        .iter()
        .find(|f| f.index == a.index)
        .ok_or_else(|| CliError::not_found(format!("message {} has no attachment {}", a.id, a.index)))?;
    let name = safe_file_name(att.file_name.as_deref(), a.id, a.index);
    let dest = match a.output {
        Some(p) if p.is_dir() => p.join(&name),
        Some(p) => p,
        None => std::path::PathBuf::from(&name),
    };
    if dest.exists() && !a.force {
        return Err(CliError::invalid(format!("{} exists; --force replaces it", dest.display())));
    }
    s.start()?;
    let deadline = Instant::now() + Duration::from_secs(a.timeout);
    s.wait_ready(ctx, Some(Duration::from_secs(a.timeout)), |_| {})?;
    s.client.start_download(a.id, a.index, Some(dest.clone()))?;
    let mut progress = Progress::new(&ctx.out);
    loop {
        ctx.check_interrupted()?;
        if Instant::now() >= deadline {
            let _ = s.client.cancel_transfer(a.id, a.index);
            return Err(CliError::sdk(ErrorKind::Timeout, format!("the download did not finish within {}s", a.timeout)));
        }
        match s.next_event(Duration::from_millis(100)) {
            Some(Event::AttachmentProgress { message_id, index, upload: false, done, total }) if message_id == a.id && index == a.index => {
                progress.update(&name, done, total)
            }
            Some(Event::AttachmentDone { message_id, index, upload: false, .. }) if message_id == a.id && index == a.index => break,
            Some(Event::AttachmentFailed { message_id, index, upload: false, error, .. }) if message_id == a.id && index == a.index => {
                return Err(CliError::sdk(ErrorKind::Network, format!("downloading attachment {} of message {}: {error}", a.index, a.id)));
            }
            _ => {}
        }
    }
    progress.finish();
    let _ = s.client.stop();
    let size = std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(att.size);
    let rec = DownloadedRecord { ty: "downloaded", id: a.id, index: a.index, path: dest.display().to_string(), size };
    if ctx.out.json {
        ctx.out.record(&rec);
    } else {
        ctx.out.line(format!("Saved {} ({}) to {}", name, human_size(size), rec.path));
    }
    Ok(())
}

// ---- JSON-RPC (listed in daemon/methods.rs) -------------------------------------------------

pub fn rpc_download(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let id = p.req_i64("id")?;
    let index = p.opt_u32("index")?.unwrap_or(0);
    let path = std::path::PathBuf::from(p.req_str("path")?);
    d.session.client.save_attachment(id, index, &path)?;
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    to_value(&DownloadedRecord { ty: "downloaded", id, index, path: path.display().to_string(), size })
}
