//! The live feed locally: the dev server accepts WebSocket connections at `/live?token=…` and
//! plays API Gateway's part around the same handlers the `ws-*` functions run
//! (`notifications::feed`): `$connect` on the upgrade request, `$default` for each text frame,
//! `$disconnect` when the socket ends. Pushes reach the socket through [`LocalSockets`], which
//! the state hands to every producer in this process.

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cloud::{Connections, LocalFrame, LocalSockets};
use notifications::feed::{self, Refused};
use runtime::AppState;
use serde::Deserialize;

/// The path of the live feed on the dev server.
pub const LIVE_PATH: &str = "/live";

/// The close code a revoked session's connection ends with (an application code: 4000–4999).
pub const SESSION_ENDED: u16 = 4401;

#[derive(Deserialize)]
pub struct ConnectParams {
    token: Option<String>,
}

/// The dev server's sockets, if the state pushes to local sockets.
pub fn local_sockets(state: &AppState) -> Option<LocalSockets> {
    match state.connections() {
        Some(Connections::Local(sockets)) => Some(sockets.clone()),
        _ => None,
    }
}

pub async fn upgrade(
    State(state): State<AppState>,
    Query(params): Query<ConnectParams>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Some(sockets) = local_sockets(&state) else {
        return (StatusCode::SERVICE_UNAVAILABLE, "no local live feed").into_response();
    };
    // Like API Gateway's: opaque, unique per connection.
    let connection_id = uuid::Uuid::new_v4().simple().to_string();
    // The socket is registered before the connection is recorded, so nothing pushed right
    // after `$connect` is lost.
    let frames = sockets.open(&connection_id);
    match feed::connect(&state, &connection_id, params.token.as_deref()).await {
        // API Gateway's limits (128 KB messages, 32 KB frames), and small buffers: live messages
        // are a few hundred bytes, and tungstenite's 128 KiB defaults would be most of a
        // connection's memory.
        Ok(_) => upgrade
            .max_message_size(128 * 1024)
            .max_frame_size(32 * 1024)
            .read_buffer_size(4 * 1024)
            .write_buffer_size(0)
            .on_upgrade(move |socket| serve(state, sockets, connection_id, frames, socket)),
        Err(refused) => {
            sockets.forget(&connection_id);
            match refused {
                Refused::Unauthenticated(reason) => {
                    (StatusCode::UNAUTHORIZED, reason).into_response()
                }
                Refused::Unavailable(error) => {
                    tracing::error!(%error, "live connection refused");
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        "the live feed is unavailable",
                    )
                        .into_response()
                }
            }
        }
    }
}

async fn serve(
    state: AppState,
    sockets: LocalSockets,
    connection_id: String,
    mut frames: tokio::sync::mpsc::UnboundedReceiver<LocalFrame>,
    mut socket: WebSocket,
) {
    loop {
        tokio::select! {
            frame = frames.recv() => match frame {
                Some(LocalFrame::Text(text)) => {
                    if socket.send(Message::Text(text.as_ref().into())).await.is_err() {
                        break;
                    }
                }
                Some(LocalFrame::Close) | None => {
                    let close = CloseFrame { code: SESSION_ENDED, reason: "session ended".into() };
                    let _ = socket.send(Message::Close(Some(close))).await;
                    break;
                }
            },
            message = socket.recv() => match message {
                Some(Ok(Message::Text(text))) => {
                    if let Err(error) = feed::receive(&state, &connection_id, text.as_str()).await {
                        tracing::warn!(%error, "live message not answered");
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                // Pings are answered by the WebSocket layer; binary frames mean nothing here.
                Some(Ok(_)) => {}
            },
        }
    }
    sockets.forget(&connection_id);
    feed::disconnect(&state, &connection_id).await;
}
