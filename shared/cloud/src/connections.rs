//! Pushing to open live-feed connections. In AWS that is API Gateway's management API for the
//! WebSocket API (`post_to_connection`, `delete_connection`); locally the dev server holds the
//! sockets itself, because the local AWS endpoint accepts a push but never delivers it. Both
//! answer the same way: delivered, or gone (the connection no longer exists and its records
//! should be removed).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use aws_sdk_apigatewaymanagement::error::{DisplayErrorContext, SdkError};
use aws_sdk_apigatewaymanagement::primitives::Blob;
use tokio::sync::mpsc;

#[derive(Debug, thiserror::Error)]
#[error("pushing to connection {connection_id} failed: {reason}")]
pub struct PushError {
    pub connection_id: String,
    pub reason: String,
}

/// What became of one push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    Delivered,
    /// The connection is closed (API Gateway's `GoneException`, 410).
    Gone,
}

/// Where live-feed messages go.
#[derive(Clone, Debug)]
pub enum Connections {
    Gateway(aws_sdk_apigatewaymanagement::Client),
    Local(LocalSockets),
}

impl Connections {
    /// The management API of a deployed WebSocket API stage
    /// (`https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`).
    pub fn gateway(config: &aws_types::SdkConfig, endpoint: &str) -> Self {
        let conf = aws_sdk_apigatewaymanagement::config::Builder::from(config)
            .endpoint_url(endpoint)
            .build();
        Connections::Gateway(aws_sdk_apigatewaymanagement::Client::from_conf(conf))
    }

    pub async fn post(&self, connection_id: &str, message: &str) -> Result<Pushed, PushError> {
        match self {
            Connections::Local(sockets) => {
                Ok(sockets.send(connection_id, LocalFrame::Text(message.into())))
            }
            Connections::Gateway(client) => {
                let sent = client
                    .post_to_connection()
                    .connection_id(connection_id)
                    .data(Blob::new(message.as_bytes()))
                    .send()
                    .await;
                match sent {
                    Ok(_) => Ok(Pushed::Delivered),
                    Err(error) if is_gone(&error, |e| e.is_gone_exception()) => Ok(Pushed::Gone),
                    Err(error) => Err(push_error(connection_id, &error)),
                }
            }
        }
    }

    /// Closes a connection from the server side (a revoked session). A connection that is
    /// already gone is not an error.
    pub async fn close(&self, connection_id: &str) -> Result<(), PushError> {
        match self {
            Connections::Local(sockets) => {
                sockets.send(connection_id, LocalFrame::Close);
                Ok(())
            }
            Connections::Gateway(client) => {
                let closed = client
                    .delete_connection()
                    .connection_id(connection_id)
                    .send()
                    .await;
                match closed {
                    Ok(_) => Ok(()),
                    Err(error) if is_gone(&error, |e| e.is_gone_exception()) => Ok(()),
                    Err(error) => Err(push_error(connection_id, &error)),
                }
            }
        }
    }
}

fn is_gone<E, R>(error: &SdkError<E, R>, gone: impl Fn(&E) -> bool) -> bool {
    error.as_service_error().is_some_and(gone)
}

fn push_error<E, R>(connection_id: &str, error: &SdkError<E, R>) -> PushError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    PushError {
        connection_id: connection_id.to_owned(),
        reason: DisplayErrorContext(error).to_string(),
    }
}

/// What the dev server writes to one local socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalFrame {
    Text(Arc<str>),
    Close,
}

/// The dev server's open sockets by connection id: the local stand-in for API Gateway's side of
/// the WebSocket API. Cheap to clone; every clone sees the same sockets.
#[derive(Clone, Debug, Default)]
pub struct LocalSockets {
    open: Arc<RwLock<HashMap<String, mpsc::UnboundedSender<LocalFrame>>>>,
}

impl LocalSockets {
    /// Registers a socket; its writer task reads the frames from the returned receiver.
    pub fn open(&self, connection_id: &str) -> mpsc::UnboundedReceiver<LocalFrame> {
        let (sender, receiver) = mpsc::unbounded_channel();
        self.open
            .write()
            .expect("the socket table is never poisoned")
            .insert(connection_id.to_owned(), sender);
        receiver
    }

    pub fn forget(&self, connection_id: &str) {
        self.open
            .write()
            .expect("the socket table is never poisoned")
            .remove(connection_id);
    }

    pub fn len(&self) -> usize {
        self.open
            .read()
            .expect("the socket table is never poisoned")
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn send(&self, connection_id: &str, frame: LocalFrame) -> Pushed {
        let open = self
            .open
            .read()
            .expect("the socket table is never poisoned");
        match open.get(connection_id) {
            Some(socket) if socket.send(frame).is_ok() => Pushed::Delivered,
            _ => Pushed::Gone,
        }
    }
}
