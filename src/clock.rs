//! Network time: the offset between our clock and the nodes', learnt from the `t` field of
//! replies, so signed requests fall inside the nodes' ±60 s window even when our clock is off.

use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Debug, Default)]
pub struct NetworkClock {
    offset_ms: AtomicI64,
}

pub fn local_now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

impl NetworkClock {
    /// Network time in ms.
    pub fn now_ms(&self) -> i64 {
        local_now_ms() + self.offset_ms.load(Ordering::Relaxed)
    }

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
