//! Our own profile as our devices share it (namespace 2, libsession `UserProfile`): display
//! name, avatar, Note to Self priority.

use crate::config::fields::{get_pic, get_str, set_nonempty, set_pic, set_positive};
use crate::config::user::{check_len, UserProfile};
// Used by the Note to Self priority, which the client does not read yet.
#[cfg(feature = "internals")]
use crate::config::{fields::get_int, ConfigValue};
use crate::error::Result;

impl UserProfile {
    pub fn name(&self) -> Option<String> {
        get_str(self.config.data(), "n")
    }
    /// Set (or with `""` clear) the display name. A change also records `now_s` (unix seconds)
    /// as the profile's update time `t`, as newer libsession does; 0 records none. Returns
    /// whether anything changed.
    pub fn set_name(&mut self, name: &str, now_s: i64) -> Result<bool> {
        check_len("the display name", name)?;
        if self.name().as_deref().unwrap_or("") == name {
            return Ok(false);
        }
        self.config.modify(|d| {
            set_nonempty(d, "n", name.as_bytes());
            set_positive(d, "t", now_s);
        })
    }
    /// Avatar download URL and its 32-byte key.
    pub fn profile_pic(&self) -> Option<(String, [u8; 32])> {
        get_pic(self.config.data())
    }
    /// Set or clear the avatar; records `now_s` like [`UserProfile::set_name`].
    pub fn set_profile_pic(&mut self, pic: Option<(&str, &[u8; 32])>, now_s: i64) -> Result<bool> {
        if self.profile_pic().as_ref().map(|(u, k)| (u.as_str(), k)) == pic.filter(|(u, _)| !u.is_empty()) {
            return Ok(false);
        }
        self.config.modify(|d| {
            set_pic(d, pic);
            set_positive(d, "t", now_s);
        })
    }
    /// When the profile last changed (unix seconds; the later of `t` and `T`), if recorded.
    #[cfg(feature = "internals")]
    pub fn updated(&self) -> Option<i64> {
        let d = self.config.data();
        get_int(d, "t").max(get_int(d, "T")).filter(|t| *t > 0)
    }
    /// Note-to-Self priority: -1 hidden, 0 normal, above 0 pinned.
    #[cfg(feature = "internals")]
    pub fn nts_priority(&self) -> i64 {
        get_int(self.config.data(), "+").unwrap_or(0)
    }
    #[cfg(feature = "internals")]
    pub fn set_nts_priority(&mut self, priority: i64) -> Result<bool> {
        self.config.modify(|d| {
            if priority == 0 {
                d.remove(&b"+"[..]);
            } else {
                d.insert(b"+".to_vec(), ConfigValue::int(priority));
            }
        })
    }
}
