//! The node pool and its bookkeeping: failure counts per node and per path, onion paths of
//! three distinct nodes with reused guards, and the per-account swarm cache. Pure state; the
//! requests that fill it live in `network.rs`.

use super::node::Node;
use crate::identity::AccountId;
use crate::sodium;
use std::collections::{HashMap, HashSet};

/// Hops per onion path (guard, middle, exit).
pub const PATH_HOPS: usize = 3;
/// Paths (and guards) kept ready.
pub const DESIRED_PATHS: usize = 2;
/// Failures after which a node is dropped from the pool and swarm caches.
pub const NODE_FAILURE_THRESHOLD: u32 = 3;
/// Failures after which a path (and its guard) is dropped.
pub const PATH_FAILURE_THRESHOLD: u32 = 3;

#[derive(Debug, Clone)]
pub struct Path {
    pub nodes: Vec<Node>,
    pub failures: u32,
}

impl Path {
    pub fn guard(&self) -> &Node {
        &self.nodes[0]
    }
    pub fn contains(&self, ed: &[u8; 32]) -> bool {
        self.nodes.iter().any(|n| &n.keys.ed25519 == ed)
    }
}

#[derive(Debug, Default)]
pub struct Pool {
    nodes: Vec<Node>,
    node_failures: HashMap<[u8; 32], u32>,
    paths: Vec<Path>,
    swarms: HashMap<AccountId, Vec<Node>>,
}

/// What a failure report led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropped {
    Nothing,
    Node,
    Path,
}

impl Pool {
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
    pub fn paths(&self) -> &[Path] {
        &self.paths
    }

    /// Replace the node list (keeping failure counts of nodes still listed).
    pub fn set_nodes(&mut self, nodes: Vec<Node>) {
        let mut seen = HashSet::new();
        self.nodes = nodes.into_iter().filter(|n| seen.insert(n.keys.ed25519)).collect();
        let keep: HashSet<[u8; 32]> = self.nodes.iter().map(|n| n.keys.ed25519).collect();
        self.node_failures.retain(|k, _| keep.contains(k));
        self.paths.retain(|p| p.nodes.iter().all(|n| keep.contains(&n.keys.ed25519)));
    }

    #[cfg(feature = "internals")]
    pub fn find(&self, ed: &[u8; 32]) -> Option<&Node> {
        self.nodes.iter().find(|n| &n.keys.ed25519 == ed)
    }

    /// `count` random distinct nodes not in `exclude`.
    pub fn random_nodes(&self, count: usize, exclude: &HashSet<[u8; 32]>) -> Vec<Node> {
        let mut c: Vec<&Node> = self.nodes.iter().filter(|n| !exclude.contains(&n.keys.ed25519)).collect();
        sodium::shuffle(&mut c);
        c.into_iter().take(count).cloned().collect()
    }

    /// Nodes usable as new guards (not already guards or in paths).
    pub fn guard_candidates(&self) -> Vec<Node> {
        let used: HashSet<[u8; 32]> = self.paths.iter().flat_map(|p| p.nodes.iter().map(|n| n.keys.ed25519)).collect();
        let mut c: Vec<Node> = self.nodes.iter().filter(|n| !used.contains(&n.keys.ed25519)).cloned().collect();
        sodium::shuffle(&mut c);
        c
    }

    /// Complete a path behind `guard` with hops from distinct nodes, preferring distinct /24
    /// subnets when the pool has them (a local testnet does not), never reusing a node already in
    /// another path's guard position.
    pub fn build_path(&self, guard: Node) -> Option<Path> {
        let guards: HashSet<[u8; 32]> = self.paths.iter().map(|p| p.guard().keys.ed25519).collect();
        let mut chosen = vec![guard];
        let mut candidates: Vec<&Node> =
            self.nodes.iter().filter(|n| !guards.contains(&n.keys.ed25519) && n.keys.ed25519 != chosen[0].keys.ed25519).collect();
        sodium::shuffle(&mut candidates);
        // First pass: distinct subnets; second pass: anything distinct.
        for distinct_subnet in [true, false] {
            for n in &candidates {
                if chosen.len() == PATH_HOPS {
                    break;
                }
                if chosen.iter().any(|c| c.keys.ed25519 == n.keys.ed25519) {
                    continue;
                }
                if distinct_subnet && chosen.iter().any(|c| c.subnet() == n.subnet()) {
                    continue;
                }
                chosen.push((*n).clone());
            }
        }
        (chosen.len() == PATH_HOPS).then_some(Path { nodes: chosen, failures: 0 })
    }

    pub fn add_path(&mut self, p: Path) {
        self.paths.push(p);
    }

    /// A random path that does not contain `avoid` (a destination must not be a hop).
    pub fn pick_path(&self, avoid: Option<&[u8; 32]>) -> Option<Path> {
        let ok: Vec<&Path> = self.paths.iter().filter(|p| avoid.is_none_or(|a| !p.contains(a))).collect();
        if ok.is_empty() {
            return None;
        }
        Some(ok[sodium::random_below(ok.len() as u32) as usize].clone())
    }

    /// Count a failure against the path led by `guard`; at the threshold drop it and count a
    /// strike against each of its nodes (a path error does not say which hop failed, so a dead
    /// middle or exit node is not picked again once it has spoiled enough paths).
    pub fn path_failed(&mut self, guard: &[u8; 32]) -> Dropped {
        if let Some(i) = self.paths.iter().position(|p| &p.guard().keys.ed25519 == guard) {
            self.paths[i].failures += 1;
            if self.paths[i].failures >= PATH_FAILURE_THRESHOLD {
                let dropped = self.paths.remove(i);
                self.nodes_failed(&dropped.nodes);
                return Dropped::Path;
            }
        }
        Dropped::Nothing
    }

    /// One strike against each of `nodes` (a path that failed as a whole).
    pub fn nodes_failed(&mut self, nodes: &[Node]) {
        for n in nodes {
            self.node_failed(&n.keys.ed25519, false);
        }
    }

    /// A path worked: reset its failure count.
    pub fn path_succeeded(&mut self, guard: &[u8; 32]) {
        if let Some(p) = self.paths.iter_mut().find(|p| &p.guard().keys.ed25519 == guard) {
            p.failures = 0;
        }
    }

    /// Drop a path now (for example its guard stopped answering).
    pub fn drop_path(&mut self, guard: &[u8; 32]) {
        self.paths.retain(|p| &p.guard().keys.ed25519 != guard);
    }

    /// Count a failure against a node; at the threshold remove it from the pool, the paths it
    /// is in, and every swarm cache.
    pub fn node_failed(&mut self, ed: &[u8; 32], immediately: bool) -> Dropped {
        let c = self.node_failures.entry(*ed).or_insert(0);
        *c += if immediately { NODE_FAILURE_THRESHOLD } else { 1 };
        if *c >= NODE_FAILURE_THRESHOLD {
            self.node_failures.remove(ed);
            self.nodes.retain(|n| &n.keys.ed25519 != ed);
            self.paths.retain(|p| !p.contains(ed));
            for members in self.swarms.values_mut() {
                members.retain(|n| &n.keys.ed25519 != ed);
            }
            return Dropped::Node;
        }
        Dropped::Nothing
    }

    pub fn node_succeeded(&mut self, ed: &[u8; 32]) {
        self.node_failures.remove(ed);
    }

    pub fn swarm(&self, account: &AccountId) -> Option<&Vec<Node>> {
        self.swarms.get(account)
    }

    pub fn set_swarm(&mut self, account: AccountId, members: Vec<Node>) {
        self.swarms.insert(account, members);
    }

    pub fn forget_swarm(&mut self, account: &AccountId) {
        self.swarms.remove(account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::onion_request::NodeKeys;

    fn node(i: u8, ip: &str) -> Node {
        Node { ip: ip.into(), port: 1000 + i as u16, keys: NodeKeys { ed25519: [i; 32], x25519: [i; 32] }, swarm_id: None }
    }

    #[test]
    fn paths_are_distinct_and_prefer_distinct_subnets() {
        let mut pool = Pool::default();
        let mut nodes: Vec<Node> = (1..=6).map(|i| node(i, "10.0.0.1")).collect();
        nodes.extend((7..=9).map(|i| node(i, &format!("10.0.{i}.1"))));
        pool.set_nodes(nodes);
        for _ in 0..50 {
            let p = pool.build_path(node(1, "10.0.0.1")).unwrap();
            let subnets: HashSet<String> = p.nodes.iter().map(|n| n.subnet()).collect();
            assert_eq!(subnets.len(), 3, "{p:?}");
        }
        // All on one subnet (a local testnet): still three distinct nodes.
        let mut local = Pool::default();
        local.set_nodes((1..=5).map(|i| node(i, "127.0.0.1")).collect());
        let p = local.build_path(node(1, "127.0.0.1")).unwrap();
        let ids: HashSet<[u8; 32]> = p.nodes.iter().map(|n| n.keys.ed25519).collect();
        assert_eq!(ids.len(), 3);
        let mut tiny = Pool::default();
        tiny.set_nodes((1..=2).map(|i| node(i, "127.0.0.1")).collect());
        assert!(tiny.build_path(node(1, "127.0.0.1")).is_none());
    }

    #[test]
    fn failures_drop_paths_and_nodes() {
        let mut pool = Pool::default();
        pool.set_nodes((1..=6).map(|i| node(i, "127.0.0.1")).collect());
        let p = pool.build_path(node(1, "127.0.0.1")).unwrap();
        let middle = p.nodes[1].keys.ed25519;
        pool.add_path(p);
        assert!(pool.pick_path(Some(&middle)).is_none());
        assert!(pool.pick_path(None).is_some());
        assert_eq!(pool.path_failed(&[1; 32]), Dropped::Nothing);
        pool.path_succeeded(&[1; 32]);
        assert_eq!(pool.path_failed(&[1; 32]), Dropped::Nothing);
        assert_eq!(pool.path_failed(&[1; 32]), Dropped::Nothing);
        assert_eq!(pool.path_failed(&[1; 32]), Dropped::Path);
        assert!(pool.paths().is_empty());
        // Each hop of the dropped path took a strike: two more and the middle node is gone.
        assert_eq!(pool.node_failed(&middle, false), Dropped::Nothing);
        assert_eq!(pool.node_failed(&middle, false), Dropped::Node);
        assert!(pool.find(&middle).is_none());
        let acct = AccountId::new(crate::identity::IdPrefix::Standard, [9; 32]);
        pool.set_swarm(acct, vec![node(3, "127.0.0.1"), node(4, "127.0.0.1")]);
        assert_eq!(pool.node_failed(&[3; 32], true), Dropped::Node);
        assert_eq!(pool.swarm(&acct).unwrap().len(), 1);
        assert!(pool.find(&[3; 32]).is_none());
    }
}
