//! Read marks our devices share (namespace 4, libsession `ConvoInfoVolatile`).

use crate::config::fields::{entry_mut, get_int, set_flag};
use crate::config::user::{ConvoInfoVolatile, READ_MARK_MAX_AGE_MS, READ_MARK_PRUNE_MS};
use crate::config::ConfigValue;
use crate::error::{Error, Result};

/// How far a conversation has been read, as our devices share it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadState {
    /// `05…` Session ID or `03…` group ID (hex).
    pub conversation: String,
    /// Messages sent up to this time (unix ms) have been read.
    pub last_read_ms: i64,
    /// Marked unread by hand.
    pub unread: bool,
}

fn convo_section(id: &[u8]) -> Option<&'static [u8]> {
    match (id.len(), id.first()) {
        (33, Some(0x05)) => Some(b"1"),
        (33, Some(0x03)) => Some(b"g"),
        _ => None,
    }
}

fn convo_key(conversation: &str) -> Result<(Vec<u8>, &'static [u8])> {
    let acct = crate::identity::AccountId::parse_any(conversation)?;
    let key = acct.as_bytes().to_vec();
    let section =
        convo_section(&key).ok_or_else(|| Error::invalid_argument(format!("{conversation} is not a 1:1 or group conversation")))?;
    Ok((key, section))
}

impl ConvoInfoVolatile {
    /// Every 1:1 and group read mark. Keys that are not a 33-byte ID of the section's kind are
    /// skipped.
    pub fn all(&self) -> Vec<ReadState> {
        let mut v = vec![];
        for section in [&b"1"[..], &b"g"[..]] {
            let Some(d) = self.config.data().get(section).and_then(ConfigValue::as_dict) else { continue };
            for (k, e) in d {
                let Some(e) = e.as_dict() else { continue };
                if convo_section(k) != Some(section) {
                    continue;
                }
                v.push(ReadState {
                    conversation: hex::encode(k),
                    last_read_ms: get_int(e, "r").unwrap_or(0),
                    unread: get_int(e, "u") == Some(1),
                });
            }
        }
        v
    }

    pub fn get(&self, conversation: &str) -> Result<Option<ReadState>> {
        let (key, section) = convo_key(conversation)?;
        let e = self.config.data().get(section).and_then(ConfigValue::as_dict).and_then(|d| d.get(&key)).and_then(ConfigValue::as_dict);
        Ok(e.map(|e| ReadState {
            conversation: hex::encode(&key),
            last_read_ms: get_int(e, "r").unwrap_or(0),
            unread: get_int(e, "u") == Some(1),
        }))
    }

    /// Record a read mark with libsession's rule: a mark older than the stored one is written
    /// (a deliberate reset); otherwise only a mark from the last 30 days is.
    pub fn set(&mut self, state: &ReadState, now_ms: i64) -> Result<bool> {
        let (key, section) = convo_key(&state.conversation)?;
        self.config.modify(|d| {
            let e = entry_mut(d, section, &key);
            let stored = get_int(e, "r");
            if stored.is_some_and(|r| state.last_read_ms < r) || state.last_read_ms > now_ms - READ_MARK_MAX_AGE_MS {
                e.insert(b"r".to_vec(), ConfigValue::int(state.last_read_ms));
            }
            set_flag(e, "u", state.unread);
        })
    }

    /// Drop 1:1 marks with nothing unread that are older than 45 days (groups are kept), as
    /// libsession does before every push.
    pub fn prune(&mut self, now_ms: i64) -> Result<bool> {
        let cutoff = now_ms - READ_MARK_PRUNE_MS;
        self.config.modify(|d| {
            if let Some(ConfigValue::Dict(one)) = d.get_mut(&b"1"[..]) {
                one.retain(|_, e| e.as_dict().is_none_or(|e| get_int(e, "u") == Some(1) || get_int(e, "r").unwrap_or(0) >= cutoff));
            }
        })
    }
}
