//! Onion paths: building them (a guard that answers directly, then two more hops), testing each
//! new one end to end before a user request uses it, choosing one for a request, and counting
//! failures against paths and nodes. The bookkeeping itself is `net::pool`.

use super::transport::blamed_node;
use super::{net_err, Network};
use crate::error::{Error, ErrorKind, Result};
use crate::net::node::Node;
use crate::net::pool::{Path, DESIRED_PATHS, PATH_HOPS};
use crate::wire::onion_request::{self, Destination};
use crate::wire::rpc;
use serde_json::Value;
use std::time::Instant;

/// Guard candidates tried per path built before trying again.
const GUARDS_PER_ROUND: usize = 4;
/// Rounds of path building before `ensure_ready` gives up for now.
const BUILD_ROUNDS: usize = 8;

impl Network {
    /// Make sure the pool is filled and enough paths exist. Cheap when they do.
    pub async fn ensure_ready(&self) -> Result<()> {
        if !self.pool().is_empty() && self.pool().paths().len() >= DESIRED_PATHS {
            return Ok(());
        }
        let _guard = self.building.lock().await;
        if self.pool().is_empty() {
            self.bootstrap().await?;
        }
        let mut tries = 0;
        while self.pool().paths().len() < DESIRED_PATHS {
            tries += 1;
            let candidates = self.pool().guard_candidates();
            if candidates.is_empty() || tries > BUILD_ROUNDS {
                break;
            }
            // A guard must answer directly before we route through it. `info` names no account,
            // so testing a guard reveals nothing about who we are.
            let mut found = None;
            for cand in candidates.into_iter().take(GUARDS_PER_ROUND) {
                if self.test_guard(&cand).await {
                    found = Some(cand);
                    break;
                }
                self.pool().node_failed(&cand.keys.ed25519, false);
            }
            let Some(guard) = found else { continue };
            let path = self.pool().build_path(guard);
            match path {
                Some(p) => {
                    self.adopt_path(&p).await;
                }
                None => break,
            }
        }
        self.update_state();
        if self.pool().paths().is_empty() {
            // The pool may be stale; start over from the seeds next time.
            if self.pool().nodes().len() <= PATH_HOPS {
                self.pool().set_nodes(vec![]);
            }
            return Err(net_err("could not build an onion path: no guard node answered"));
        }
        Ok(())
    }

    async fn test_guard(&self, node: &Node) -> bool {
        let t0 = Instant::now();
        match self.post_direct(&node.url("/storage_rpc/v1"), rpc::info().to_bytes()).await {
            Ok((200, body)) => {
                if let Some(t) = serde_json::from_slice::<Value>(&body).ok().as_ref().and_then(rpc::node_time) {
                    self.clock.observe(t, t0.elapsed().as_millis() as i64, false);
                }
                true
            }
            _ => false,
        }
    }

    /// Keep a freshly built path if it works end to end ([`Network::test_path`]).
    async fn adopt_path(&self, p: &Path) -> bool {
        if !self.test_path(p).await {
            return false;
        }
        self.pool().add_path(p.clone());
        self.count(|s| s.paths_built += 1);
        true
    }

    /// Send one `info` request through a new path, with its exit node as the destination, before
    /// any request of the user's uses it: a guard that answers directly says nothing about the
    /// middle and exit hops, and a dead hop found here costs no message a retry. `info` names
    /// no account. A failure counts a strike against the hops behind the guard (or against the
    /// node the guard blames, at once); an unreachable guard is handled by `send_onion`.
    async fn test_path(&self, path: &Path) -> bool {
        let (relays, exit) = path.nodes.split_at(PATH_HOPS - 1);
        let hops: Vec<_> = relays.iter().map(|n| n.keys).collect();
        let Ok(built) = onion_request::build(&hops, &Destination::Node(exit[0].keys), &rpc::info().to_bytes(), self.opts.enc_type) else {
            return false;
        };
        let blamed = match self.send_onion(path, built.body).await {
            Ok((200, body)) if matches!(onion_request::open_node_reply(&built.reply_key, &body), Ok(r) if r.status == 200) => return true,
            Ok((_, body)) => blamed_node(&body),
            Err(_) => return false,
        };
        match blamed {
            Some(b) => {
                self.pool().node_failed(&b, true);
            }
            None => self.pool().nodes_failed(&path.nodes[1..]),
        }
        self.count(|s| s.failed_requests += 1);
        false
    }

    /// A working path for a request, never one that contains `avoid` (a destination node must
    /// not also be a hop): builds one when every path contains it.
    pub(super) async fn path_for(&self, avoid: Option<&[u8; 32]>) -> Result<Path> {
        for _ in 0..3 {
            self.ensure_ready().await?;
            if let Some(p) = self.pool().pick_path(avoid) {
                return Ok(p);
            }
            // Every path contains the destination: build one more that does not.
            let _guard = self.building.lock().await;
            let cand = self.pool().guard_candidates().into_iter().find(|c| avoid.is_none_or(|a| &c.keys.ed25519 != a));
            if let Some(g) = cand {
                if self.test_guard(&g).await {
                    let built = self.pool().build_path(g);
                    if let Some(p) = built {
                        if avoid.is_none_or(|a| !p.contains(a)) && self.adopt_path(&p).await {
                            return Ok(p);
                        }
                    }
                }
            }
        }
        Err(net_err("no onion path avoids the destination node"))
    }

    /// Record a failure on the path led by `guard`; when `blamed` names a node, that node is
    /// dropped at once instead.
    pub(super) fn path_failure(&self, guard: &[u8; 32], blamed: Option<[u8; 32]>) {
        {
            let mut pool = self.pool();
            if let Some(b) = blamed {
                pool.node_failed(&b, true);
            } else {
                pool.path_failed(guard);
            }
        }
        self.count(|s| s.failed_requests += 1);
        self.update_state();
    }

    /// The guard did not answer: drop its path, count it against the node, and say why.
    pub(super) fn guard_unreachable(&self, guard: &Node, e: reqwest::Error) -> Error {
        self.pool().drop_path(&guard.keys.ed25519);
        self.pool().node_failed(&guard.keys.ed25519, false);
        self.count(|s| s.failed_requests += 1);
        self.update_state();
        if e.is_timeout() {
            Error::new(ErrorKind::Timeout, format!("onion request timed out: {e}"))
        } else {
            net_err(format!("guard {}: {e}", guard.ip))
        }
    }
}
