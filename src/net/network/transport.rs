//! Onion transport: one request through one path to a node or to an HTTP server (the file
//! server, a community), the POST to the guard (streamed, with progress, for large bodies), and
//! what a failed reply says about the path.

use super::{net_err, Network};
use crate::error::{Error, ErrorKind, Result};
use crate::net::config::FileServer;
use crate::net::node::Node;
use crate::net::pool::Path;
use crate::wire::onion::{V4Request, V4Response};
use crate::wire::onion_request::{self, Destination, NodeReply};
use crate::wire::rpc::{self, Request};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// An HTTP server reached through onion requests (the file server, a community).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerTarget {
    /// Host name or IP address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// "http" or "https".
    pub protocol: String,
    /// The server's X25519 key, which the last onion layer is encrypted to.
    pub x25519: [u8; 32],
}

impl ServerTarget {
    /// The configured file server.
    pub fn from_file_server(fs: &FileServer) -> Result<ServerTarget> {
        Ok(ServerTarget { host: fs.host.clone(), port: fs.port, protocol: fs.protocol.clone(), x25519: fs.x25519()? })
    }
}

/// Which way bytes are moving in a progress report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Request body going out.
    Up,
    /// Reply coming in.
    Down,
}

/// A progress callback: (direction, bytes done, bytes total).
pub type Progress = std::sync::Arc<dyn Fn(Direction, u64, u64) + Sync + Send>;

/// Progress reporting and cancellation for a large request.
#[derive(Default, Clone)]
pub struct Transfer {
    /// Called as data moves.
    pub progress: Option<Progress>,
    /// Becomes true to cancel.
    pub cancel: Option<watch::Receiver<bool>>,
}

impl Transfer {
    fn check_cancelled(&self) -> Result<()> {
        if self.cancel.as_ref().is_some_and(|c| *c.borrow()) {
            return Err(Error::new(ErrorKind::Cancelled, "the transfer was cancelled"));
        }
        Ok(())
    }

    async fn cancelled(&self) {
        match self.cancel.clone() {
            Some(mut c) => {
                while !*c.borrow() {
                    if c.changed().await.is_err() {
                        std::future::pending::<()>().await;
                    }
                }
            }
            None => std::future::pending().await,
        }
    }
}

/// The node a path error names: a relay that could not reach the next hop answers
/// `Next node not found: <ed25519 hex>`.
pub(super) fn blamed_node(body: &[u8]) -> Option<[u8; 32]> {
    let text = std::str::from_utf8(body).ok()?;
    let hex_key = text.trim().strip_prefix("Next node not found: ")?;
    let mut k = [0u8; 32];
    hex::decode_to_slice(hex_key.trim(), &mut k).ok()?;
    Some(k)
}

/// What a non-200 answer to an onion request for a server means for the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ServerFailure {
    /// 502/504 from the exit: the server is unreachable or slow, the path is fine (unless a
    /// hop is named, which is struck at once).
    ServerUnreachable { blamed: Option<[u8; 32]> },
    /// Anything else: a failure of the path.
    PathFailed,
}

pub(super) fn server_failure(status: u16, body: &[u8]) -> ServerFailure {
    match status {
        502 | 504 => ServerFailure::ServerUnreachable { blamed: blamed_node(body) },
        _ => ServerFailure::PathFailed,
    }
}

fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned()
}

impl Network {
    /// POST an onion body to a path's guard; returns the HTTP status and body.
    pub(super) async fn send_onion(&self, path: &Path, body: Vec<u8>) -> Result<(u16, Vec<u8>)> {
        self.count(|s| s.onion_requests += 1);
        let guard = path.guard();
        let resp = self.http.post(guard.url("/onion_req/v2")).header("Content-Type", "application/octet-stream").body(body).send().await;
        let resp = match resp {
            Ok(r) => r,
            Err(e) => return Err(self.guard_unreachable(guard, e)),
        };
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|e| net_err(format!("reading onion reply: {e}")))?;
        Ok((status, body.to_vec()))
    }

    /// One onion request to a node; returns the RPC status and body as the destination sent them.
    pub async fn onion_to_node(&self, dest: &Node, req: &Request) -> Result<NodeReply> {
        let path = self.path_for(Some(&dest.keys.ed25519)).await?;
        let hops: Vec<_> = path.nodes.iter().map(|n| n.keys).collect();
        let built = onion_request::build(&hops, &Destination::Node(dest.keys), &req.to_bytes(), self.opts.enc_type)?;
        let t0 = Instant::now();
        let (status, body) = self.send_onion(&path, built.body).await?;
        let guard = path.guard().keys.ed25519;
        if status != 200 {
            self.path_failure(&guard, blamed_node(&body));
            return Err(net_err(format!("onion path error HTTP {status}: {}", excerpt(&body))));
        }
        match onion_request::open_node_reply(&built.reply_key, &body) {
            Ok(reply) => {
                self.pool().path_succeeded(&guard);
                if let Some(t) = rpc::node_time(&reply.body) {
                    self.clock.observe(t, t0.elapsed().as_millis() as i64, false);
                }
                Ok(reply)
            }
            Err(e) => {
                self.path_failure(&guard, None);
                Err(net_err(format!("undecryptable onion reply: {e}")))
            }
        }
    }

    /// One onion request to an HTTP server, reporting upload and download progress and
    /// stopping when `transfer` is cancelled. Retries over other paths when a path fails.
    pub async fn onion_to_server_with(&self, target: &ServerTarget, req: &V4Request, transfer: &Transfer) -> Result<V4Response> {
        let dest = Destination::Server {
            host: target.host.clone(),
            port: target.port,
            protocol: target.protocol.clone(),
            target: "/oxen/v4/lsrpc".into(),
            x25519: target.x25519,
        };
        let mut last = net_err("the server is unreachable");
        for _ in 0..self.opts.rpc_attempts.min(3) {
            transfer.check_cancelled()?;
            let path = self.path_for(None).await?;
            let hops: Vec<_> = path.nodes.iter().map(|n| n.keys).collect();
            let built = onion_request::build(&hops, &dest, &req.encode(), self.opts.enc_type)?;
            let guard = path.guard().keys.ed25519;
            let sent = tokio::select! {
                r = self.send_onion_streaming(&path, built.body, transfer) => r,
                _ = transfer.cancelled() => return Err(Error::new(ErrorKind::Cancelled, "the transfer was cancelled")),
            };
            match sent {
                Ok((200, body)) => match onion_request::open_server_reply(&built.reply_key, &body) {
                    Ok(r) => {
                        self.pool().path_succeeded(&guard);
                        return Ok(r);
                    }
                    Err(e) => {
                        self.path_failure(&guard, None);
                        last = net_err(format!("undecryptable server reply: {e}"));
                    }
                },
                Ok((status, body)) => match server_failure(status, &body) {
                    ServerFailure::ServerUnreachable { blamed } => {
                        last = net_err(format!("server unreachable from the exit node (HTTP {status}): {}", excerpt(&body)));
                        if let Some(b) = blamed {
                            self.path_failure(&guard, Some(b));
                        }
                    }
                    ServerFailure::PathFailed => {
                        self.path_failure(&guard, None);
                        last = net_err(format!("onion path error HTTP {status}: {}", excerpt(&body)));
                    }
                },
                Err(e) if e.kind() == ErrorKind::Cancelled => return Err(e),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// POST a (possibly large) onion body to a guard, streaming it out and the reply in, with
    /// progress reports.
    async fn send_onion_streaming(&self, path: &Path, body: Vec<u8>, transfer: &Transfer) -> Result<(u16, Vec<u8>)> {
        if transfer.progress.is_none() {
            return self.send_onion(path, body).await;
        }
        self.count(|s| s.onion_requests += 1);
        let guard = path.guard();
        let total = body.len() as u64;
        let body = bytes::Bytes::from(body);
        const CHUNK: usize = 64 * 1024;
        let progress = transfer.progress.clone();
        let up = progress.clone();
        let chunks = (0..body.len().div_ceil(CHUNK)).map(move |i| {
            let end = ((i + 1) * CHUNK).min(body.len());
            if let Some(p) = &up {
                p(Direction::Up, (i * CHUNK) as u64, total);
            }
            Ok::<_, std::io::Error>(body.slice(i * CHUNK..end))
        });
        // A transfer of megabytes over slow paths needs longer than an RPC.
        let timeout = self.opts.request_timeout.max(Duration::from_secs(20 + total / 50_000));
        let resp = self
            .http
            .post(guard.url("/onion_req/v2"))
            .header("Content-Type", "application/octet-stream")
            .header("Content-Length", total.to_string())
            .timeout(timeout)
            .body(reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)))
            .send()
            .await;
        let mut resp = match resp {
            Ok(r) => r,
            Err(e) => return Err(self.guard_unreachable(guard, e)),
        };
        if let Some(p) = &progress {
            p(Direction::Up, total, total);
        }
        let status = resp.status().as_u16();
        let expected = resp.content_length().unwrap_or(0);
        let mut out = Vec::with_capacity(expected as usize);
        while let Some(chunk) = resp.chunk().await.map_err(|e| net_err(format!("reading the reply: {e}")))? {
            out.extend_from_slice(&chunk);
            if let Some(p) = &progress {
                p(Direction::Down, out.len() as u64, expected.max(out.len() as u64));
            }
        }
        Ok((status, out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_error_names_the_node_it_blames() {
        let key = [0xab; 32];
        let body = format!("Next node not found: {}\n", hex::encode(key));
        assert_eq!(blamed_node(body.as_bytes()), Some(key));
        assert_eq!(blamed_node(b"Next node not found: nothex"), None);
        assert_eq!(blamed_node(format!("Next node not found: {}", hex::encode([1u8; 31])).as_bytes()), None);
        assert_eq!(blamed_node(b"Service node is not ready"), None);
        assert_eq!(blamed_node(&[0xff, 0xfe]), None);
    }

    #[test]
    fn an_unreachable_server_is_not_the_paths_fault() {
        assert_eq!(server_failure(502, b"Failed to reach server"), ServerFailure::ServerUnreachable { blamed: None });
        let named = format!("Next node not found: {}", hex::encode([7u8; 32]));
        assert_eq!(server_failure(504, named.as_bytes()), ServerFailure::ServerUnreachable { blamed: Some([7; 32]) });
        for status in [400, 403, 500, 503] {
            assert_eq!(server_failure(status, b""), ServerFailure::PathFailed, "{status}");
        }
    }

    #[tokio::test]
    async fn a_cancelled_transfer_says_so() {
        let (tx, rx) = watch::channel(false);
        let t = Transfer { progress: None, cancel: Some(rx) };
        assert!(t.check_cancelled().is_ok());
        tx.send(true).unwrap();
        assert_eq!(t.check_cancelled().unwrap_err().kind(), ErrorKind::Cancelled);
        tokio::time::timeout(Duration::from_secs(1), t.cancelled()).await.expect("cancelled() returns once cancelled");
        assert!(Transfer::default().check_cancelled().is_ok());
    }
}
