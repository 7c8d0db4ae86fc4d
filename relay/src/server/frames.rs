//! What the provider and caller WebSockets share: the frame-size limit on the upgrade, and
//! sending one protocol message as a JSON text frame.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use serde::Serialize;
use webfn_protocol::encode;

/// `socket` limited to `max_bytes` per frame and per message.
pub(super) fn limited(socket: WebSocketUpgrade, max_bytes: usize) -> WebSocketUpgrade {
    socket.max_message_size(max_bytes).max_frame_size(max_bytes)
}

/// Sends `message` as a text frame; false when the connection is gone.
pub(super) async fn send<T: Serialize>(socket: &mut WebSocket, message: &T) -> bool {
    match encode(message) {
        Ok(text) => socket.send(Message::Text(text.into())).await.is_ok(),
        Err(_) => false,
    }
}
