//! Contacts and message-request state.

use super::Store;
use crate::clock::local_now_ms as now_ms;
use crate::error::Result;
use rusqlite::{params, OptionalExtension, Row};

/// A known Session ID. `approved` = we accepted them (a message from someone not approved is a
/// message request); `approved_me` = they have messaged us or accepted our request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Their Session ID.
    pub session_id: String,
    /// The name they chose (from their profile).
    pub display_name: Option<String>,
    /// The name we gave them.
    pub nickname: Option<String>,
    /// We accepted them (false: their messages are a message request).
    pub approved: bool,
    /// They have messaged us or accepted our request.
    pub approved_me: bool,
    /// We blocked them.
    pub blocked: bool,
    /// The URL of their encrypted profile picture, as their latest message announced.
    pub profile_picture: Option<String>,
    /// When we first heard of them (ms).
    pub created_at: i64,
}

impl Contact {
    /// Nickname, else display name, else the Session ID.
    pub fn name(&self) -> &str {
        self.nickname.as_deref().or(self.display_name.as_deref()).unwrap_or(&self.session_id)
    }
}

const COLS: &str = "session_id, display_name, nickname, approved, approved_me, blocked, profile_picture, created_at";

fn row(r: &Row) -> rusqlite::Result<Contact> {
    Ok(Contact {
        session_id: r.get(0)?,
        display_name: r.get(1)?,
        nickname: r.get(2)?,
        approved: r.get(3)?,
        approved_me: r.get(4)?,
        blocked: r.get(5)?,
        profile_picture: r.get(6)?,
        created_at: r.get(7)?,
    })
}

impl Store {
    pub fn contact(&self, session_id: &str) -> Result<Option<Contact>> {
        self.with(|c| c.query_row(&format!("SELECT {COLS} FROM contacts WHERE session_id = ?1"), [session_id], row).optional())
    }

    /// Contacts we approved (excluding pending requests), by name.
    pub fn contacts(&self) -> Result<Vec<Contact>> {
        self.with(|c| {
            let mut st = c.prepare(&format!(
                "SELECT {COLS} FROM contacts WHERE approved = 1 ORDER BY COALESCE(nickname, display_name, session_id)"
            ))?;
            let v = st.query_map([], row)?.collect();
            v
        })
    }

    /// Message requests: senders we have not approved or blocked who have a conversation.
    pub fn requests(&self) -> Result<Vec<Contact>> {
        self.with(|c| {
            let mut st = c.prepare(&format!(
                "SELECT {COLS} FROM contacts WHERE approved = 0 AND blocked = 0
                 AND EXISTS (SELECT 1 FROM conversations WHERE id = contacts.session_id) ORDER BY created_at"
            ))?;
            let v = st.query_map([], row)?.collect();
            v
        })
    }

    pub fn blocked_contacts(&self) -> Result<Vec<Contact>> {
        self.with(|c| {
            let mut st = c.prepare(&format!("SELECT {COLS} FROM contacts WHERE blocked = 1 ORDER BY session_id"))?;
            let v = st.query_map([], row)?.collect();
            v
        })
    }

    /// Make sure a row exists for `session_id` (unapproved if new). Returns whether it was created.
    pub fn ensure_contact(&self, session_id: &str) -> Result<bool> {
        self.with(|c| {
            c.execute(
                "INSERT INTO contacts (session_id, created_at) VALUES (?1, ?2) ON CONFLICT(session_id) DO NOTHING",
                params![session_id, now_ms()],
            )
            .map(|n| n == 1)
        })
    }

    pub fn set_approved(&self, session_id: &str, approved: bool) -> Result<()> {
        self.ensure_contact(session_id)?;
        self.with(|c| c.execute("UPDATE contacts SET approved = ?2 WHERE session_id = ?1", params![session_id, approved]).map(drop))
    }

    pub fn set_approved_me(&self, session_id: &str, approved_me: bool) -> Result<()> {
        self.ensure_contact(session_id)?;
        self.with(|c| c.execute("UPDATE contacts SET approved_me = ?2 WHERE session_id = ?1", params![session_id, approved_me]).map(drop))
    }

    pub fn set_blocked(&self, session_id: &str, blocked: bool) -> Result<()> {
        self.ensure_contact(session_id)?;
        self.with(|c| c.execute("UPDATE contacts SET blocked = ?2 WHERE session_id = ?1", params![session_id, blocked]).map(drop))
    }

    pub fn set_nickname(&self, session_id: &str, nickname: Option<&str>) -> Result<()> {
        self.ensure_contact(session_id)?;
        self.with(|c| c.execute("UPDATE contacts SET nickname = ?2 WHERE session_id = ?1", params![session_id, nickname]).map(drop))
    }

    /// Record a profile carried by a message, unless an equal or newer one is already known.
    /// Returns whether anything changed.
    pub fn update_profile(
        &self,
        session_id: &str,
        name: Option<&str>,
        picture: Option<&str>,
        key: Option<&[u8]>,
        updated_s: i64,
    ) -> Result<bool> {
        self.ensure_contact(session_id)?;
        self.with(|c| {
            c.execute(
                "UPDATE contacts SET display_name = COALESCE(?2, display_name), profile_picture = COALESCE(?3, profile_picture),
                 profile_key = COALESCE(?4, profile_key), profile_updated_s = ?5
                 WHERE session_id = ?1 AND (profile_updated_s < ?5 OR (?5 = 0 AND display_name IS NOT ?2 AND ?2 IS NOT NULL))",
                params![session_id, name, picture, key, updated_s],
            )
            .map(|n| n > 0)
        })
    }

    /// A contact's avatar URL and key, when their profile announced both.
    pub fn contact_avatar(&self, session_id: &str) -> Result<Option<(String, [u8; 32])>> {
        let row: Option<(Option<String>, Option<Vec<u8>>)> = self.with(|c| {
            c.query_row("SELECT profile_picture, profile_key FROM contacts WHERE session_id = ?1", [session_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
        })?;
        Ok(match row {
            Some((Some(url), Some(key))) if !url.is_empty() => <[u8; 32]>::try_from(key.as_slice()).ok().map(|k| (url, k)),
            _ => None,
        })
    }

    /// Forget a contact entirely (their conversation stays unless deleted separately).
    pub fn remove_contact(&self, session_id: &str) -> Result<bool> {
        self.with(|c| c.execute("DELETE FROM contacts WHERE session_id = ?1", [session_id]).map(|n| n > 0))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::temp_dir;
    use super::*;

    #[test]
    fn requests_contacts_and_profiles() {
        let dir = temp_dir("contacts");
        let s = Store::open(&dir, None).unwrap();
        let a = "05".to_string() + &"a".repeat(64);
        assert!(s.ensure_contact(&a).unwrap());
        assert!(!s.ensure_contact(&a).unwrap());
        s.ensure_conversation(&a, super::super::ConversationKind::Direct).unwrap();
        assert_eq!(s.requests().unwrap().len(), 1);
        assert!(s.contacts().unwrap().is_empty());
        s.set_approved(&a, true).unwrap();
        assert!(s.requests().unwrap().is_empty());
        assert_eq!(s.contacts().unwrap()[0].session_id, a);
        assert!(s.update_profile(&a, Some("Alice"), None, None, 10).unwrap());
        assert!(!s.update_profile(&a, Some("Old"), None, None, 5).unwrap());
        s.set_nickname(&a, Some("Al")).unwrap();
        let c = s.contact(&a).unwrap().unwrap();
        assert_eq!((c.display_name.as_deref(), c.name()), (Some("Alice"), "Al"));
        s.set_blocked(&a, true).unwrap();
        assert_eq!(s.blocked_contacts().unwrap().len(), 1);
        assert!(s.remove_contact(&a).unwrap());
        assert!(s.contact(&a).unwrap().is_none());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
