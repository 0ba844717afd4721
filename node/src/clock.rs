//! Node time: the system clock plus a configurable offset, so client tests can exercise the
//! SDK's network-time correction (`t` in replies, `406` on skewed signatures).

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch from the real system clock (used for internal
/// bookkeeping such as replication ordering, never shown to clients).
pub fn system_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// A node's view of the time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    pub offset_ms: i64,
}

impl Clock {
    pub fn new(offset_ms: i64) -> Clock {
        Clock { offset_ms }
    }
    /// Node time in unix milliseconds.
    pub fn now_ms(&self) -> u64 {
        let now = system_ms() as i64;
        now.saturating_add(self.offset_ms).max(0) as u64
    }
}
