//! Session IDs and the other prefixed 33-byte account IDs (05 users, 03 groups, 15/25 blinded).

use crate::error::{Error, ErrorKind, Result};
use std::fmt;

/// The one-byte prefix of an account ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdPrefix {
    /// `05`: a standard user; the key is X25519.
    Standard,
    /// `03`: a v2 group; the key is the group's Ed25519 key.
    Group,
    /// `15`: community-blinded (legacy blinding, in use).
    Blinded15,
    /// `25`: community-blinded (newer blinding).
    Blinded25,
    /// `00`: an unblinded Ed25519 key in community auth.
    Unblinded,
}

impl IdPrefix {
    /// The prefix's value as the ID's first byte (`0x05`, `0x03`, `0x15`, `0x25` or `0x00`).
    pub fn byte(self) -> u8 {
        match self {
            IdPrefix::Standard => 0x05,
            IdPrefix::Group => 0x03,
            IdPrefix::Blinded15 => 0x15,
            IdPrefix::Blinded25 => 0x25,
            IdPrefix::Unblinded => 0x00,
        }
    }
    /// The prefix a first byte denotes, or `None` when it is none of the five.
    pub fn from_byte(b: u8) -> Option<IdPrefix> {
        Some(match b {
            0x05 => IdPrefix::Standard,
            0x03 => IdPrefix::Group,
            0x15 => IdPrefix::Blinded15,
            0x25 => IdPrefix::Blinded25,
            0x00 => IdPrefix::Unblinded,
            _ => return None,
        })
    }
}

/// A 33-byte account ID: prefix byte plus 32-byte key. Displayed as 66 lowercase hex chars.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId([u8; 33]);

impl AccountId {
    /// `prefix` in front of the 32-byte `key`; nothing checks that the key suits the prefix.
    pub fn new(prefix: IdPrefix, key: [u8; 32]) -> AccountId {
        let mut b = [0u8; 33];
        b[0] = prefix.byte();
        b[1..].copy_from_slice(&key);
        AccountId(b)
    }

    /// Parse any known-prefix account ID from 66 hex characters.
    pub fn parse_any(text: &str) -> Result<AccountId> {
        let bad = |msg: String| Error::new(ErrorKind::InvalidSessionId, msg);
        if text.len() != 66 {
            return Err(bad(format!("an account ID is 66 hex characters, got {}", text.len())));
        }
        if let Some((i, c)) = text.char_indices().find(|(_, c)| !c.is_ascii_hexdigit()) {
            return Err(bad(format!("an account ID is hex; character {} ({c:?}) is not", i + 1)));
        }
        let mut b = [0u8; 33];
        hex::decode_to_slice(text, &mut b).map_err(|e| bad(format!("invalid hex: {e}")))?;
        if IdPrefix::from_byte(b[0]).is_none() {
            return Err(bad(format!("unknown account ID prefix {:02x}", b[0])));
        }
        Ok(AccountId(b))
    }

    /// Parse and require a given prefix.
    pub fn parse_with(text: &str, want: IdPrefix) -> Result<AccountId> {
        let id = AccountId::parse_any(text)?;
        if id.prefix() != want {
            return Err(Error::new(
                ErrorKind::InvalidSessionId,
                format!("expected an ID starting with {:02x}, got one starting with {:02x}", want.byte(), id.0[0]),
            ));
        }
        Ok(id)
    }

    /// From the 33 raw bytes, prefix first; `InvalidSessionId` for another length or an unknown
    /// prefix.
    pub fn from_bytes(bytes: &[u8]) -> Result<AccountId> {
        let b: [u8; 33] = bytes
            .try_into()
            .map_err(|_| Error::new(ErrorKind::InvalidSessionId, format!("an account ID is 33 bytes, got {}", bytes.len())))?;
        if IdPrefix::from_byte(b[0]).is_none() {
            return Err(Error::new(ErrorKind::InvalidSessionId, format!("unknown account ID prefix {:02x}", b[0])));
        }
        Ok(AccountId(b))
    }

    /// Which kind of ID this is, from its first byte.
    pub fn prefix(&self) -> IdPrefix {
        IdPrefix::from_byte(self.0[0]).expect("validated on construction")
    }
    /// The 32 bytes after the prefix: an X25519 key for `05`, an Ed25519 key for the others.
    pub fn key(&self) -> [u8; 32] {
        self.0[1..].try_into().expect("33 bytes")
    }
    /// The 33 raw bytes, prefix first.
    pub fn as_bytes(&self) -> &[u8; 33] {
        &self.0
    }
    /// The canonical text form: 66 lowercase hex characters (also what `Display` prints).
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountId({})", self.to_hex())
    }
}

/// A standard user's Session ID: `05` + X25519 public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(AccountId);

impl SessionId {
    /// The Session ID of the X25519 public key `pk` (`05` ‖ pk); any 32 bytes are accepted.
    pub fn from_x25519(pk: [u8; 32]) -> SessionId {
        SessionId(AccountId::new(IdPrefix::Standard, pk))
    }

    /// Validate a Session ID given as text: 66 hex characters beginning `05`. Upper-case hex is
    /// accepted; the canonical form is lower case.
    pub fn parse(text: &str) -> Result<SessionId> {
        if text.len() >= 2 && text.is_char_boundary(2) && &text[..2] != "05" && AccountId::parse_any(text).is_ok() {
            return Err(Error::new(
                ErrorKind::InvalidSessionId,
                format!("a Session ID starts with 05; {}… is a different kind of ID", &text[..2]),
            ));
        }
        AccountId::parse_with(text, IdPrefix::Standard).map(SessionId)
    }

    /// The user's X25519 public key (the 32 bytes after `05`), to which 1:1 messages are sealed.
    pub fn x25519(&self) -> [u8; 32] {
        self.0.key()
    }
    /// The same ID as a general [`AccountId`].
    pub fn account(&self) -> AccountId {
        self.0
    }
    /// The 33 raw bytes, `0x05` first.
    pub fn as_bytes(&self) -> &[u8; 33] {
        self.0.as_bytes()
    }
    /// The canonical text form: `05` and 64 lowercase hex characters (also what `Display` prints).
    pub fn to_hex(&self) -> String {
        self.0.to_hex()
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({})", self.to_hex())
    }
}

impl std::str::FromStr for SessionId {
    type Err = Error;
    fn from_str(s: &str) -> Result<SessionId> {
        SessionId::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72";

    #[test]
    fn parses_and_prints() {
        let id = SessionId::parse(ID).unwrap();
        assert_eq!(id.to_string(), ID);
        assert_eq!(SessionId::parse(&ID.to_uppercase()).unwrap(), id);
    }

    #[test]
    fn precise_errors() {
        let e = SessionId::parse("05abc").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidSessionId);
        assert!(e.message().contains("66 hex characters, got 5"), "{e}");
        let e = SessionId::parse(&format!("{}g", &ID[..65])).unwrap_err();
        assert!(e.message().contains("character 66"), "{e}");
        let e = SessionId::parse(&format!("03{}", &ID[2..])).unwrap_err();
        assert!(e.message().contains("starts with 05"), "{e}");
        let e = SessionId::parse(&format!("99{}", &ID[2..])).unwrap_err();
        assert!(e.message().contains("prefix 99"), "{e}");
        // Multi-byte characters must not panic on slicing.
        assert!(SessionId::parse("é").is_err());
        assert!(SessionId::parse(&"é".repeat(33)).is_err());
    }
}
