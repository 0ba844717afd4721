//! Changing our profile (display name, picture) and reading profile pictures: stored here,
//! shared with our other devices through `sync`, and carried by the messages we send.

use super::own_profile::{own_avatar, store_display_name, store_own_avatar};
use super::state::ClientState;
use super::sync;
use crate::crypto::avatar;
use crate::error::{Error, ErrorKind, Result};
use crate::identity::SessionId;
use crate::net::file_server;
use crate::net::network::Transfer;

/// Set our display name (1 to 100 bytes) and share it with our other devices.
pub(crate) fn set_display_name(client: &ClientState, name: &str) -> Result<()> {
    store_display_name(&client.store, name)?;
    sync::profile_changed(client)
}

/// Set our profile picture: JPEG metadata removed (unless disabled), encrypted under a fresh
/// profile key, uploaded through an onion request; then it travels with our messages and to
/// our other devices. `None` removes it.
pub(crate) async fn set_profile_picture(client: &ClientState, image: Option<&[u8]>) -> Result<()> {
    let Some(image) = image else {
        if store_own_avatar(&client.store, None)? {
            sync::profile_changed(client)?;
        }
        return Ok(());
    };
    if image.is_empty() {
        return Err(Error::invalid_argument("a profile picture cannot be empty"));
    }
    if image.len() > avatar::MAX_AVATAR_BYTES {
        return Err(Error::new(ErrorKind::TooLarge, format!("a profile picture is at most {} bytes", avatar::MAX_AVATAR_BYTES)));
    }
    let image = crate::media::jpeg::strip_metadata_if(image.to_vec(), client.config.strip_jpeg_metadata)?;
    let key = avatar::new_key();
    let blob = avatar::encrypt(&image, &key)?;
    let up = file_server::upload(&client.network, blob, &Transfer::default()).await?;
    store_own_avatar(&client.store, Some((&up.url, &key)))?;
    sync::profile_changed(client)
}

/// Download and decrypt a profile picture: ours (`None`) or a contact's, as their latest
/// message or our synced config announced it. `Ok(None)` when there is none.
pub(crate) async fn profile_picture(client: &ClientState, session_id: Option<&str>) -> Result<Option<Vec<u8>>> {
    let avatar = match session_id.map(|s| SessionId::parse(s).map(|id| id.to_hex())).transpose()? {
        None => own_avatar(&client.store)?,
        Some(id) if id == client.session_id().to_hex() => own_avatar(&client.store)?,
        Some(id) => client.store.contact_avatar(&id)?,
    };
    let Some((url, key)) = avatar else { return Ok(None) };
    let location = file_server::locate(&url, client.network.config())?;
    let blob = file_server::download(&client.network, &location, &Transfer::default()).await?;
    avatar::decrypt(&blob, &key, location.deterministic).map(Some)
}
