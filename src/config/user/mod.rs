//! The configs a Session identity shares between its devices (config-sync.md): the user profile
//! (namespace 2) and the contact list (namespace 3), as typed views over [`Config`] with
//! libsession-util's keys and value rules. Both are unsigned and encrypted with the identity's
//! Ed25519 seed as key base, so every device restored from the recovery phrase can read them.
//!
//! Keys this module does not know (set by newer clients) are kept untouched: edits change only
//! the fields they name.

pub mod contacts;
pub mod convo_info_volatile;
pub mod profile;
#[cfg(test)]
mod tests;
pub mod user_groups;

pub use contacts::ContactInfo;
pub use convo_info_volatile::ReadState;
pub use user_groups::GroupEntry;

use crate::config::{Config, SigningKeys};
use crate::crypto::session_protocol;
use crate::error::{Error, ErrorKind, Result};
use crate::identity::Identity;
use crate::wire::proto::{envelope, shared_config_message, Content, Envelope, SharedConfigMessage};
use prost::Message as _;

/// Own swarm namespaces of the user configs.
pub const NS_USER_PROFILE: i16 = 2;
pub const NS_CONTACTS: i16 = 3;
pub const NS_CONVO_INFO_VOLATILE: i16 = 4;
pub const NS_USER_GROUPS: i16 = 5;
/// Encryption domains.
pub const USER_PROFILE_DOMAIN: &str = "UserProfile";
pub const CONTACTS_DOMAIN: &str = "Contacts";
pub const USER_GROUPS_DOMAIN: &str = "UserGroups";
pub const CONVO_INFO_VOLATILE_DOMAIN: &str = "ConvoInfoVolatile";
/// A read mark older than this is not recorded (unless it moves an existing one back).
pub const READ_MARK_MAX_AGE_MS: i64 = 30 * 24 * 3600 * 1000;
/// 1:1 read marks older than this, with nothing unread, are pruned when pushing.
pub const READ_MARK_PRUNE_MS: i64 = 45 * 24 * 3600 * 1000;
/// TTL of a pushed user config (30 days; kept alive by re-pushing on change).
pub const USER_CONFIG_TTL_MS: i64 = 30 * 24 * 3600 * 1000;
/// Longest display name or nickname, in bytes.
pub const NAME_MAX_LENGTH: usize = 100;

fn new_config(domain: &str, identity: &Identity, dump: Option<&[u8]>) -> Result<Config> {
    let mut c = match dump {
        Some(d) => Config::from_dump(domain, SigningKeys::none(), d)?,
        None => Config::new(domain, SigningKeys::none()),
    };
    c.replace_keys(&[*identity.seed()], false)?;
    Ok(c)
}

fn check_len(what: &str, v: &str) -> Result<()> {
    if v.len() > NAME_MAX_LENGTH {
        return Err(Error::new(ErrorKind::TooLarge, format!("{what} is {} bytes; the limit is {NAME_MAX_LENGTH}", v.len())));
    }
    Ok(())
}

/// A typed view over one user config: the struct, its constructor (empty, or from a
/// [`Config::dump`]) and access to the underlying config (push, merge, confirm, dump).
macro_rules! user_config_view {
    ($(#[$doc:meta])* $name:ident, $domain:expr) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name {
            config: Config,
        }

        impl $name {
            /// An empty config for `identity`, or one restored from [`Config::dump`].
            pub fn new(identity: &Identity, dump: Option<&[u8]>) -> Result<$name> {
                Ok($name { config: new_config($domain, identity, dump)? })
            }
            pub fn config(&self) -> &Config {
                &self.config
            }
            pub fn config_mut(&mut self) -> &mut Config {
                &mut self.config
            }
        }
    };
}

user_config_view!(
    /// Our own profile as our devices share it: display name and avatar.
    UserProfile,
    USER_PROFILE_DOMAIN
);
user_config_view!(
    /// The contact list our devices share.
    Contacts,
    CONTACTS_DOMAIN
);
user_config_view!(
    /// Read marks of 1:1 conversations (`1`) and groups (`g`), keyed by the 33-byte ID.
    ConvoInfoVolatile,
    CONVO_INFO_VOLATILE_DOMAIN
);
user_config_view!(
    /// The groups our devices are in.
    UserGroups,
    USER_GROUPS_DOMAIN
);

// ---- legacy wrapping ---------------------------------------------------------------------------

/// Wrap a pushed user config as libsession does for older clients (config-sync.md §2):
/// `Content{sharedConfigMessage}` ‖ 0x80, sealed deterministically to ourselves, in an
/// `Envelope{SESSION_MESSAGE, timestamp 1}` inside a `WebSocketMessage` request.
pub fn wrap_legacy(identity: &Identity, kind: shared_config_message::Kind, seqno: i64, data: &[u8]) -> Result<Vec<u8>> {
    let content = Content {
        shared_config_message: Some(SharedConfigMessage { kind: kind as i32, seqno, data: data.to_vec() }),
        ..Default::default()
    };
    let mut plain = content.encode_to_vec();
    plain.push(0x80);
    let sealed = session_protocol::encrypt_for_recipient_deterministic(identity, &identity.session_id(), &plain)?;
    let env = Envelope { r#type: envelope::Type::SessionMessage as i32, timestamp: 1, content: Some(sealed), ..Default::default() };
    Ok(crate::wire::envelope::wrap_websocket(env.encode_to_vec()))
}

/// The config ciphertext inside a legacy-wrapped push, if `stored` is one sealed by this identity
/// (a client bug once wrapped twice: both layers are removed). `None` for a raw config message.
pub fn unwrap_legacy(identity: &Identity, stored: &[u8]) -> Option<Vec<u8>> {
    let mut data = unwrap_once(identity, stored)?;
    if let Some(inner) = unwrap_once(identity, &data) {
        data = inner;
    }
    Some(data)
}

fn unwrap_once(identity: &Identity, stored: &[u8]) -> Option<Vec<u8>> {
    let env = crate::wire::envelope::unwrap(stored).ok()?;
    let opened = session_protocol::decrypt_incoming(identity, env.content.as_deref()?).ok()?;
    if opened.sender != identity.session_id() {
        return None;
    }
    let content = Content::decode(crate::wire::padding::unpad(&opened.plaintext)).ok()?;
    content.shared_config_message.map(|m| m.data)
}
