//! The wrapping around a 1:1 ciphertext in a stored message: `Envelope` inside a legacy
//! `WebSocketMessage` request (../shared/protocol/session-protocol.md §3).

use super::proto::{envelope, web_socket_message, Envelope, WebSocketMessage, WebSocketRequestMessage};
use crate::error::{Error, Result};
use prost::Message;

/// Wrap an encrypted 1:1 payload for storage (what goes, base64-encoded, into `store.data`).
pub fn wrap_1o1(ciphertext: Vec<u8>, sent_ms: u64) -> Vec<u8> {
    let env = Envelope {
        r#type: envelope::Type::SessionMessage as i32,
        source: None,
        timestamp: sent_ms,
        source_device: Some(1),
        content: Some(ciphertext),
        server_timestamp: None,
        pro_sig: None,
    };
    wrap_websocket(env.encode_to_vec())
}

/// Put bytes in the body of a `WebSocketMessage{REQUEST}` as reference clients do.
pub fn wrap_websocket(body: Vec<u8>) -> Vec<u8> {
    WebSocketMessage {
        r#type: Some(web_socket_message::Type::Request as i32),
        request: Some(WebSocketRequestMessage {
            verb: Some(String::new()),
            path: Some(String::new()),
            body: Some(body),
            request_id: Some(0),
            headers: vec![],
        }),
        response: None,
    }
    .encode_to_vec()
}

/// Parse stored message data into its `Envelope`. Accepts the WebSocket wrapping or a bare
/// Envelope (some clients store that).
pub fn unwrap(data: &[u8]) -> Result<Envelope> {
    if let Ok(ws) = WebSocketMessage::decode(data) {
        if let Some(body) = ws.request.and_then(|r| r.body) {
            return decode_envelope(&body);
        }
    }
    decode_envelope(data)
}

fn decode_envelope(b: &[u8]) -> Result<Envelope> {
    let env = Envelope::decode(b)?;
    if env.timestamp == 0 || env.content.as_deref().is_none_or(<[u8]>::is_empty) {
        return Err(Error::malformed("envelope lacks a timestamp or content"));
    }
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_unwrap() {
        let data = wrap_1o1(vec![1, 2, 3], 1_700_000_000_000);
        let env = unwrap(&data).unwrap();
        assert_eq!(env.content.unwrap(), vec![1, 2, 3]);
        assert_eq!(env.timestamp, 1_700_000_000_000);
        assert_eq!(env.r#type, envelope::Type::SessionMessage as i32);
        assert!(unwrap(b"garbage!").is_err());
        assert!(unwrap(&[]).is_err());
    }
}
