//! The providers' WebSocket: challenge, signed hello, then jobs out and results in until the
//! connection ends, when the provider's jobs move on (see [`super::dispatch`]).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use rand_core::RngCore;
use webfn_protocol::{
    ErrorBody, ErrorCode, ProviderHello, ProviderToRelay, RelayToProvider, decode,
    provider_auth_message, verify_statement,
};

use super::dispatch::Offer;
use super::frames::{self, send};
use super::{AppState, now};

/// Time a provider has to answer the challenge.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

/// `GET /v1/ws/provider`.
pub(super) async fn upgrade(
    State(state): State<Arc<AppState>>,
    socket: WebSocketUpgrade,
) -> Response {
    frames::limited(socket, state.limits.frame_bytes).on_upgrade(move |socket| serve(state, socket))
}

async fn refuse(socket: &mut WebSocket, code: ErrorCode, message: String) {
    let _ = send(
        socket,
        &RelayToProvider::Error {
            error: ErrorBody::new(code, message),
        },
    )
    .await;
    let _ = socket.send(Message::Close(None)).await;
}

/// Waits for the provider's signed hello.
async fn hello(
    state: &AppState,
    socket: &mut WebSocket,
    nonce: &str,
) -> Result<ProviderHello, (ErrorCode, String)> {
    let frame = tokio::time::timeout(HELLO_TIMEOUT, socket.recv())
        .await
        .map_err(|_| (ErrorCode::Unauthorized, "no hello within 10 s".to_owned()))?;
    let text = match frame {
        Some(Ok(Message::Text(text))) => text,
        _ => {
            return Err((
                ErrorCode::MalformedMessage,
                "expected a hello text frame".into(),
            ));
        }
    };
    let hello = match decode::<ProviderToRelay>(&text, state.limits.frame_bytes) {
        Ok(ProviderToRelay::Hello(hello)) => hello,
        Ok(_) => {
            return Err((
                ErrorCode::MalformedMessage,
                "the first frame must be a hello".into(),
            ));
        }
        Err(error) => return Err((error.code(), error.to_string())),
    };
    let text = provider_auth_message(&state.public_url, nonce);
    if !verify_statement(&text, &hello.signature, &hello.public_key) {
        return Err((
            ErrorCode::BadSignature,
            "the hello's signature does not verify for its public key".into(),
        ));
    }
    if hello
        .hpke
        .as_ref()
        .is_some_and(|hpke| !hpke.verify(&hello.public_key))
    {
        return Err((
            ErrorCode::BadSignature,
            "the hello's HPKE key is not signed by its public key".into(),
        ));
    }
    Ok(hello)
}

async fn serve(state: Arc<AppState>, mut socket: WebSocket) {
    let mut bytes = [0u8; 32];
    rand_core::OsRng.fill_bytes(&mut bytes);
    let nonce: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    if !send(
        &mut socket,
        &RelayToProvider::Challenge {
            nonce: nonce.clone(),
            relay: state.public_url.clone(),
        },
    )
    .await
    {
        return;
    }
    let hello = match hello(&state, &mut socket, &nonce).await {
        Ok(hello) => hello,
        Err((code, message)) => return refuse(&mut socket, code, message).await,
    };
    if let Err(error) = state.store.provider_connected(&hello, now()).await {
        eprintln!("recording provider {}: {error}", hello.public_key);
        return refuse(
            &mut socket,
            ErrorCode::Internal,
            "the relay cannot record the provider".into(),
        )
        .await;
    }
    if !send(
        &mut socket,
        &RelayToProvider::Welcome {
            public_key: hello.public_key.clone(),
        },
    )
    .await
    {
        return;
    }
    let offer = Offer {
        price: hello.price,
        hpke: hello.hpke,
    };
    let key = hello.public_key;
    let (connection, mut inbox) = state.dispatcher.connect(&key, hello.capacity, offer);
    loop {
        tokio::select! {
            outgoing = inbox.recv() => match outgoing {
                Some(message) => if !send(&mut socket, &message).await { break },
                None => break,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => match decode::<ProviderToRelay>(&text, state.limits.frame_bytes) {
                    Ok(message) => state.dispatcher.receive(&key, message),
                    Err(error) => {
                        if !send(&mut socket, &RelayToProvider::Error { error: error.to_body() }).await { break }
                    }
                },
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    state.dispatcher.disconnect(&key, connection);
}
