//! Storage RPC to an account's swarm: finding the swarm, sending to one member through an onion
//! path, and failing over: another member on a failure, the new swarm on 421, the network's
//! time on 406/425, a back-off on 429.

use super::{net_err, Network};
use crate::error::{Error, ErrorKind, Result};
use crate::identity::AccountId;
use crate::net::node::Node;
use crate::sodium;
use crate::wire::rpc::{self, Request};
use serde_json::Value;
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// What a swarm member's answer means for the next attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// 2xx: done.
    Done,
    /// 421: the account is not this node's; the reply names the right swarm.
    WrongSwarm,
    /// 406/425: our signature's timestamp is outside the node's window: learn its time, sign
    /// again.
    ClockSkew,
    /// 429: back off, then try another member.
    RateLimited,
    /// 5xx: a strike against the node; try another.
    NodeError,
    /// Any other 4xx: the request itself is at fault; retrying cannot help.
    Refused(ErrorKind),
}

pub(super) fn verdict(status: u16) -> Verdict {
    match status {
        200..=299 => Verdict::Done,
        421 => Verdict::WrongSwarm,
        406 | 425 => Verdict::ClockSkew,
        429 => Verdict::RateLimited,
        500..=599 => Verdict::NodeError,
        401 | 403 => Verdict::Refused(ErrorKind::PermissionDenied),
        404 => Verdict::Refused(ErrorKind::NotFound),
        413 => Verdict::Refused(ErrorKind::TooLarge),
        _ => Verdict::Refused(ErrorKind::InvalidArgument),
    }
}

/// How long to wait after a 429 on attempt `attempt` (0-based), before jitter: 250 ms doubling
/// to 4 s.
pub(super) fn rate_limit_backoff(attempt: u32) -> Duration {
    Duration::from_millis(250u64 << attempt.min(4))
}

/// The members to choose the next target from: those not tried yet in this call; once every
/// member has been tried, all of them again (and `tried` starts over).
pub(super) fn untried<'a>(members: &'a [Node], tried: &mut HashSet<[u8; 32]>) -> Vec<&'a Node> {
    let fresh: Vec<&Node> = members.iter().filter(|m| !tried.contains(&m.keys.ed25519)).collect();
    if !fresh.is_empty() {
        return fresh;
    }
    tried.clear();
    members.iter().collect()
}

impl Network {
    /// The account's swarm, from the cache or asked of a random node.
    pub async fn swarm(&self, account: &AccountId) -> Result<Vec<Node>> {
        if let Some(s) = self.pool().swarm(account) {
            if s.len() >= 2 {
                return Ok(s.clone());
            }
        }
        self.ensure_ready().await?;
        let mut last = net_err("no node answered get_swarm");
        for _ in 0..self.opts.rpc_attempts {
            let target = self.pool().random_nodes(1, &HashSet::new()).pop().ok_or_else(|| net_err("node pool is empty"))?;
            match self.onion_to_node(&target, &rpc::get_swarm(account)).await {
                Ok(r) if r.status == 200 => {
                    let members: Vec<Node> = rpc::parse_swarm(&r.body)?.into_iter().map(Node::from).collect();
                    if members.is_empty() {
                        last = Error::malformed("get_swarm returned no members");
                        continue;
                    }
                    self.pool().set_swarm(*account, members.clone());
                    return Ok(members);
                }
                Ok(r) => last = net_err(format!("get_swarm answered {}", r.status)),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// A storage RPC for `account`, sent to a member of its swarm through an onion path, with
    /// failover. `build` makes the request for a given network time, so a retry after a clock
    /// correction is signed afresh. Returns the member that answered and the body of its 2xx
    /// reply; a 4xx that is the request's own fault is returned as an error with the status in
    /// its message.
    pub async fn swarm_rpc(&self, account: &AccountId, build: &(dyn Fn(&Node, i64) -> Request + Sync)) -> Result<(Node, Value)> {
        let mut last = net_err("no swarm member answered");
        let mut tried: HashSet<[u8; 32]> = HashSet::new();
        for attempt in 0..self.opts.rpc_attempts {
            let members = match self.swarm(account).await {
                Ok(m) => m,
                Err(e) => {
                    last = e;
                    continue;
                }
            };
            let candidates = untried(&members, &mut tried);
            let target = candidates[sodium::random_below(candidates.len() as u32) as usize].clone();
            tried.insert(target.keys.ed25519);
            let req = build(&target, self.clock.now_ms());
            let reply = match self.onion_to_node(&target, &req).await {
                Ok(r) => r,
                Err(e) => {
                    last = e;
                    continue;
                }
            };
            match verdict(reply.status) {
                Verdict::Done => {
                    self.pool().node_succeeded(&target.keys.ed25519);
                    return Ok((target, reply.body));
                }
                Verdict::WrongSwarm => {
                    // Not this node's account: take the swarm it names, or drop it from ours.
                    match rpc::parse_swarm(&reply.body) {
                        Ok(list) if !list.is_empty() => self.pool().set_swarm(*account, list.into_iter().map(Node::from).collect()),
                        _ => self.pool().forget_swarm(account),
                    }
                    last = net_err("421: swarm changed");
                }
                Verdict::ClockSkew => {
                    self.correct_clock(&target).await;
                    last = net_err(format!("{}: clock out of sync with the network", reply.status));
                }
                Verdict::RateLimited => {
                    let jitter = Duration::from_millis(sodium::random_below(250) as u64);
                    tokio::time::sleep(rate_limit_backoff(attempt) + jitter).await;
                    last = net_err("429: rate limited by the service node");
                }
                Verdict::NodeError => {
                    self.pool().node_failed(&target.keys.ed25519, false);
                    last = net_err(format!("service node error {}: {}", reply.status, reply.body));
                }
                Verdict::Refused(kind) => {
                    return Err(Error::new(kind, format!("{} refused by the service node ({}): {}", req.method, reply.status, reply.body)));
                }
            }
        }
        Err(last)
    }

    /// Learn the network's time from `node` (an onion `info`), replacing our offset.
    async fn correct_clock(&self, node: &Node) {
        let t0 = Instant::now();
        if let Ok(r) = self.onion_to_node(node, &rpc::info()).await {
            if let Some(t) = rpc::node_time(&r.body) {
                self.clock.observe(t, t0.elapsed().as_millis() as i64, true);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::onion_request::NodeKeys;

    fn members(n: u8) -> Vec<Node> {
        (1..=n)
            .map(|i| Node {
                ip: "127.0.0.1".into(),
                port: 1000 + i as u16,
                keys: NodeKeys { ed25519: [i; 32], x25519: [i; 32] },
                swarm_id: Some(1),
            })
            .collect()
    }

    #[test]
    fn failover_tries_every_member_before_any_twice() {
        let swarm = members(5);
        let mut tried = HashSet::new();
        let mut order = vec![];
        for _ in 0..5 {
            let c = untried(&swarm, &mut tried);
            // Always the first candidate here; the client picks one at random among them.
            let pick = c[0].keys.ed25519;
            assert!(!order.contains(&pick), "a member came back before every member was tried");
            tried.insert(pick);
            order.push(pick);
        }
        assert_eq!(order.len(), 5);
        // All tried: the whole swarm is a candidate again and the record starts over.
        assert_eq!(untried(&swarm, &mut tried).len(), 5);
        assert!(tried.is_empty());
        // A swarm that changed under us (421) mixes tried and new members: new ones first.
        let mut tried: HashSet<[u8; 32]> = [[1; 32], [2; 32]].into();
        let c = untried(&swarm, &mut tried);
        assert_eq!(c.len(), 3);
        assert!(c.iter().all(|n| n.keys.ed25519[0] > 2));
    }

    #[test]
    fn each_status_leads_to_its_recovery() {
        assert_eq!(verdict(200), Verdict::Done);
        assert_eq!(verdict(421), Verdict::WrongSwarm);
        assert_eq!(verdict(406), Verdict::ClockSkew);
        assert_eq!(verdict(425), Verdict::ClockSkew);
        assert_eq!(verdict(429), Verdict::RateLimited);
        assert_eq!(verdict(500), Verdict::NodeError);
        assert_eq!(verdict(503), Verdict::NodeError);
        assert_eq!(verdict(401), Verdict::Refused(ErrorKind::PermissionDenied));
        assert_eq!(verdict(403), Verdict::Refused(ErrorKind::PermissionDenied));
        assert_eq!(verdict(404), Verdict::Refused(ErrorKind::NotFound));
        assert_eq!(verdict(413), Verdict::Refused(ErrorKind::TooLarge));
        assert_eq!(verdict(400), Verdict::Refused(ErrorKind::InvalidArgument));
    }

    #[test]
    fn rate_limits_back_off_exponentially_and_stop_growing() {
        let waits: Vec<u64> = (0..7).map(|a| rate_limit_backoff(a).as_millis() as u64).collect();
        assert_eq!(waits, [250, 500, 1000, 2000, 4000, 4000, 4000]);
    }
}
