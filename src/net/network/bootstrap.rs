//! The node list: filled from the seed nodes (the only requests, with guard tests, that leave
//! without an onion), and refreshed through onion requests to three nodes, keeping what they
//! agree on.

use super::{net_err, Network};
use crate::error::{Error, Result};
use crate::net::node::Node;
use crate::net::pool::PATH_HOPS;
use crate::sodium;
use crate::wire::rpc;
use serde_json::Value;
use std::collections::HashSet;
use std::time::Instant;

/// Nodes asked for the node list at each refresh.
const REFRESH_SOURCES: usize = 3;

/// The nodes every list names, in the first list's order, if they are enough to trust: at
/// least two thirds of the first list (at most 24 are required), and always more than a path's
/// worth. `None` when fewer lists than sources came back or they disagree too much; the caller
/// then goes back to the seeds.
pub(super) fn agreed_nodes(lists: &[Vec<Node>]) -> Option<Vec<Node>> {
    let (first, rest) = lists.split_first()?;
    if lists.len() < REFRESH_SOURCES {
        return None;
    }
    let in_all = |n: &Node| rest.iter().all(|l| l.iter().any(|m| m.keys.ed25519 == n.keys.ed25519));
    let common: Vec<Node> = first.iter().filter(|n| in_all(n)).cloned().collect();
    let need = 24.min(first.len() * 2 / 3).max(PATH_HOPS + 1);
    (common.len() >= need).then_some(common)
}

impl Network {
    /// A direct POST (seed nodes and guard tests only).
    pub(super) async fn post_direct(&self, url: &str, body: Vec<u8>) -> Result<(u16, Vec<u8>)> {
        self.count(|s| s.direct_requests += 1);
        let resp = self
            .http
            .post(url)
            .header("Content-Type", "application/json")
            .timeout(self.opts.direct_timeout)
            .body(body)
            .send()
            .await
            .map_err(|e| net_err(format!("{url}: {e}")))?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|e| net_err(format!("{url}: {e}")))?;
        Ok((status, body.to_vec()))
    }

    /// Fill the node pool from the seed nodes (each tried in random order, twice over).
    pub(super) async fn bootstrap(&self) -> Result<()> {
        let mut seeds = self.config.seed_nodes.clone();
        sodium::shuffle(&mut seeds);
        let body = serde_json::to_vec(&rpc::seed_get_n_service_nodes())?;
        let mut last = net_err("no seed node answered");
        for _round in 0..2 {
            for seed in &seeds {
                let url = format!("{}/json_rpc", seed.trim_end_matches('/'));
                match self.post_direct(&url, body.clone()).await {
                    Ok((200, b)) => {
                        match serde_json::from_slice::<Value>(&b).map_err(Error::from).and_then(|v| rpc::parse_service_node_list(&v)) {
                            Ok(list) if list.len() > PATH_HOPS => {
                                self.pool().set_nodes(list.into_iter().map(Node::from).collect());
                                *self.pool_refreshed.lock().expect("lock") = Some(Instant::now());
                                return Ok(());
                            }
                            Ok(list) => last = net_err(format!("seed {seed} listed only {} nodes", list.len())),
                            Err(e) => last = e.context(format!("seed {seed}")),
                        }
                    }
                    Ok((status, _)) => last = net_err(format!("seed {seed} answered HTTP {status}")),
                    Err(e) => last = e,
                }
            }
        }
        Err(last)
    }

    /// Refresh the node list if it is older than the refresh interval: ask three nodes (through
    /// onion requests) and keep the nodes all three list ([`agreed_nodes`]); fall back to the
    /// seeds when they disagree too much.
    pub async fn maybe_refresh_pool(&self) -> Result<()> {
        let due = self.pool_refreshed.lock().expect("lock").is_none_or(|t| t.elapsed() >= self.opts.pool_refresh);
        if !due {
            return Ok(());
        }
        let targets = self.pool().random_nodes(REFRESH_SOURCES, &HashSet::new());
        let mut lists: Vec<Vec<Node>> = vec![];
        for t in &targets {
            if let Ok(r) = self.onion_to_node(t, &rpc::get_service_nodes()).await {
                if r.status == 200 {
                    if let Ok(list) = rpc::parse_service_node_list(&r.body) {
                        lists.push(list.into_iter().map(Node::from).collect());
                    }
                }
            }
        }
        *self.pool_refreshed.lock().expect("lock") = Some(Instant::now());
        if let Some(common) = agreed_nodes(&lists) {
            self.pool().set_nodes(common);
            self.update_state();
            return Ok(());
        }
        self.bootstrap().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::onion_request::NodeKeys;

    fn nodes(ids: impl IntoIterator<Item = u8>) -> Vec<Node> {
        ids.into_iter()
            .map(|i| Node {
                ip: "127.0.0.1".into(),
                port: 1000 + i as u16,
                keys: NodeKeys { ed25519: [i; 32], x25519: [i; 32] },
                swarm_id: None,
            })
            .collect()
    }

    fn ids(v: &[Node]) -> Vec<u8> {
        v.iter().map(|n| n.keys.ed25519[0]).collect()
    }

    #[test]
    fn a_refresh_keeps_what_every_source_lists() {
        // 30 nodes; one source does not know node 30, another adds node 99: 29 agreed.
        let a = nodes(1..=30);
        let b = nodes(1..=29);
        let c = nodes((1..=30).chain([99]));
        assert_eq!(ids(&agreed_nodes(&[a.clone(), b.clone(), c.clone()]).unwrap()), (1..=29).collect::<Vec<u8>>());
        // Fewer than three answers: nothing to trust, back to the seeds.
        assert!(agreed_nodes(&[a.clone(), b.clone()]).is_none());
        assert!(agreed_nodes(&[]).is_none());
        // Sources that disagree on most nodes: back to the seeds.
        assert!(agreed_nodes(&[nodes(1..=30), nodes(1..=10), nodes(1..=30)]).is_none());
    }

    #[test]
    fn a_small_network_needs_more_than_a_path_worth_of_agreement() {
        // 6 nodes: two thirds is 4, which is also the floor (PATH_HOPS + 1).
        assert_eq!(agreed_nodes(&[nodes(1..=6), nodes(1..=4), nodes(1..=6)]).map(|v| v.len()), Some(4));
        assert!(agreed_nodes(&[nodes(1..=6), nodes(1..=3), nodes(1..=6)]).is_none());
        // A big network needs 24 in common, not two thirds of it.
        assert_eq!(agreed_nodes(&[nodes(1..=200), nodes(1..=24), nodes(1..=200)]).map(|v| v.len()), Some(24));
        assert!(agreed_nodes(&[nodes(1..=200), nodes(1..=23), nodes(1..=200)]).is_none());
    }
}
