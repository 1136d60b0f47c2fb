//! A live-feed client, as a browser tab is one: a WebSocket to the dev server's `/live` with an
//! access token in the query string, reading the typed messages the server pushes.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct LiveClient {
    socket: Socket,
}

/// How a live connection ended, from the client's side.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    Closed(Option<u16>),
    /// Still open after the wait.
    StillOpen,
}

impl LiveClient {
    /// Connects; the handshake's refusal status when the server refuses.
    pub async fn connect(address: std::net::SocketAddr, token: &str) -> Result<LiveClient, u16> {
        let url = format!("ws://{address}/live?token={token}");
        match tokio_tungstenite::connect_async(url).await {
            Ok((socket, _)) => Ok(LiveClient { socket }),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                Err(response.status().as_u16())
            }
            Err(error) => panic!("the live feed did not answer: {error}"),
        }
    }

    pub async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("the socket is open");
    }

    /// The next message within `wait`, if any.
    pub async fn next(&mut self, wait: Duration) -> Option<Value> {
        loop {
            match tokio::time::timeout(wait, self.socket.next()).await {
                Ok(Some(Ok(Message::Text(text)))) => {
                    return Some(
                        serde_json::from_str(text.as_str()).expect("live messages are JSON"),
                    );
                }
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
                _ => return None,
            }
        }
    }

    /// Waits (up to 10 s) for a message of `kind`, skipping others.
    pub async fn expect(&mut self, kind: &str) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let message = self
                .next(left)
                .await
                .unwrap_or_else(|| panic!("no `{kind}` message arrived"));
            assert_eq!(message["v"], 1, "{message}");
            if message["type"] == kind {
                return message;
            }
        }
    }

    /// Every message that arrives within `wait`.
    pub async fn drain(&mut self, wait: Duration) -> Vec<Value> {
        let mut messages = Vec::new();
        while let Some(message) = self.next(wait).await {
            messages.push(message);
        }
        messages
    }

    /// Waits up to `wait` for the server to close the connection.
    pub async fn ended(&mut self, wait: Duration) -> Ended {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.socket.next()).await {
                Err(_) => return Ended::StillOpen,
                Ok(Some(Ok(Message::Close(frame)))) => {
                    return Ended::Closed(frame.map(|f| u16::from(f.code)));
                }
                Ok(None) | Ok(Some(Err(_))) => return Ended::Closed(None),
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self
            .socket
            .close(Some(tokio_tungstenite::tungstenite::protocol::CloseFrame {
                code: CloseCode::Normal,
                reason: "bye".into(),
            }))
            .await;
    }
}
