//! The SDK's one clock: local time ([`local_now_ms`]), and network time ([`NetworkClock`]): the
//! offset between our clock and the nodes', learnt from the `t` field of replies, so signed
//! requests fall inside the nodes' ±60 s window even when our clock is off. The pure core never
//! reads a clock; the layers above it (store, net, client) read this one.

use std::sync::atomic::{AtomicI64, Ordering};

/// Network time: local time plus the offset learnt from the nodes.
#[derive(Debug, Default)]
pub struct NetworkClock {
    offset_ms: AtomicI64,
}

/// Local wall-clock time, ms since the Unix epoch (0 if the clock is before 1970).
pub fn local_now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

impl NetworkClock {
    /// Network time in ms.
    pub fn now_ms(&self) -> i64 {
        local_now_ms() + self.offset_ms.load(Ordering::Relaxed)
    }

    /// The learnt offset (network minus local), ms.
    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }

    /// Learn from a node's time `t` observed when a reply arrived after `rtt_ms`. Small
    /// differences (under 2 s) are noise from latency and are ignored unless `force`.
    pub fn observe(&self, node_time_ms: i64, rtt_ms: i64, force: bool) {
        let estimate = node_time_ms + rtt_ms / 2 - local_now_ms();
        let current = self.offset_ms.load(Ordering::Relaxed);
        if force || (estimate - current).abs() > 2_000 {
            self.offset_ms.store(estimate, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_differences_are_latency_large_ones_are_learnt() {
        let c = NetworkClock::default();
        let now = local_now_ms();
        // A node 1 s ahead with a 100 ms round trip: within noise, ignored unless forced.
        c.observe(now + 1_000, 100, false);
        assert_eq!(c.offset_ms(), 0);
        c.observe(now + 1_000, 100, true);
        assert!((c.offset_ms() - 1_050).abs() < 200, "{}", c.offset_ms());
        // Five minutes behind: learnt without forcing; network time follows.
        c.observe(now - 300_000, 0, false);
        assert!((c.offset_ms() + 300_000).abs() < 200, "{}", c.offset_ms());
        assert!((c.now_ms() - (local_now_ms() - 300_000)).abs() < 200);
    }
}
