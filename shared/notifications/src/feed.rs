//! The live feed's WebSocket routes, the same handlers in AWS (`ws-connect`, `ws-disconnect`,
//! `ws-default` behind API Gateway's WebSocket API) and locally (the dev server's socket):
//! `$connect` admits a live session's access token, `$disconnect` forgets the connection, and
//! `$default` answers the client's `ping` and `sync`, checking each time that the session is
//! still live.

use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use aws_lambda_events::encodings::Body;
use chrono::Utc;
use contracts::{ClientAction, LiveEvent};
use live::Connection;
use runtime::AppState;

use crate::{NotificationsError, inbox};

/// Why `$connect` refused.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("{0}")]
    Unauthenticated(&'static str),
    #[error("the live feed is unavailable: {0}")]
    Unavailable(String),
}

impl From<live::LiveError> for Refused {
    fn from(error: live::LiveError) -> Self {
        Refused::Unavailable(error.to_string())
    }
}

/// `$connect`: the access token (from the query string: browsers cannot set headers on a
/// WebSocket) must be valid and its session live; the connection then belongs to that user,
/// organization and session.
pub async fn connect(
    state: &AppState,
    connection_id: &str,
    token: Option<&str>,
) -> Result<Connection, Refused> {
    let token = token
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(Refused::Unauthenticated(
            "connect with ?token=<access token>",
        ))?;
    let claims = state
        .access_tokens()
        .verify(token)
        .map_err(|error| match error {
            auth::AccessTokenError::Expired => {
                Refused::Unauthenticated("the access token has expired")
            }
            auth::AccessTokenError::Invalid => {
                Refused::Unauthenticated("the access token is not valid")
            }
        })?;
    let identity = {
        let client = state
            .db
            .client()
            .await
            .map_err(|e| Refused::Unavailable(e.to_string()))?;
        let pg: &store::tokio_postgres::Client = &client;
        store::accounts::sessions::live_identity(pg, claims.sub, claims.sid)
            .await
            .map_err(|e| Refused::Unavailable(e.to_string()))?
            .ok_or(Refused::Unauthenticated(
                "this session has ended; sign in again",
            ))?
    };
    let connection = Connection {
        connection_id: connection_id.to_owned(),
        user_id: identity.user_id,
        organization_id: identity.organization_id,
        session_id: claims.sid,
        role: identity.role,
        connected_at: Utc::now(),
    };
    live::register(state, &connection).await?;
    tracing::debug!(user = %connection.user_id, "live connection opened");
    Ok(connection)
}

/// `$disconnect`.
pub async fn disconnect(state: &AppState, connection_id: &str) {
    if let Err(error) = live::forget(state, connection_id).await {
        tracing::warn!(%error, "a closed connection was not forgotten");
    }
}

/// What `$default` did with a client message.
#[derive(Debug, Clone, PartialEq)]
pub enum Received {
    Answered(LiveEvent),
    /// The session ended: the connection was closed.
    Closed,
    /// No such connection (already closed).
    Unknown,
}

/// `$default`: answers a client message on its connection.
pub async fn receive(
    state: &AppState,
    connection_id: &str,
    body: &str,
) -> Result<Received, NotificationsError> {
    let Some(connection) = live::find(state, connection_id).await? else {
        return Ok(Received::Unknown);
    };
    let answer = match serde_json::from_str::<ClientAction>(body) {
        Err(_) => LiveEvent::Error {
            code: "unknown_action".to_owned(),
            message: r#"send {"action":"ping"} or {"action":"sync"}"#.to_owned(),
        },
        Ok(action) => {
            if !session_is_live(state, &connection).await? {
                live::close_sessions(
                    state,
                    connection.organization_id,
                    connection.user_id,
                    Some(connection.session_id),
                )
                .await;
                return Ok(Received::Closed);
            }
            match action {
                ClientAction::Ping => LiveEvent::Pong {},
                ClientAction::Sync => LiveEvent::UnreadCount {
                    unread: inbox::unread_count(state, connection.user_id).await?,
                },
            }
        }
    };
    live::reply(state, &connection, answer.clone()).await;
    Ok(Received::Answered(answer))
}

async fn session_is_live(
    state: &AppState,
    connection: &Connection,
) -> Result<bool, NotificationsError> {
    let client = state.db.client().await?;
    let pg: &store::tokio_postgres::Client = &client;
    let identity =
        store::accounts::sessions::live_identity(pg, connection.user_id, connection.session_id)
            .await?;
    Ok(identity.is_some_and(|identity| {
        identity.organization_id == connection.organization_id && identity.role == connection.role
    }))
}

fn answer(status: i64, text: &str) -> ApiGatewayProxyResponse {
    let mut response = ApiGatewayProxyResponse::default();
    response.status_code = status;
    response.body = Some(Body::Text(text.to_owned()));
    response
}

fn connection_id(request: &ApiGatewayWebsocketProxyRequest) -> &str {
    request
        .request_context
        .connection_id
        .as_deref()
        .unwrap_or_default()
}

/// The `ws-connect` function: 200 admits the connection, 401 refuses it (API Gateway then
/// answers the browser's handshake with that status).
pub async fn on_connect(
    state: &AppState,
    request: ApiGatewayWebsocketProxyRequest,
) -> ApiGatewayProxyResponse {
    let token = request.query_string_parameters.first("token");
    match connect(state, connection_id(&request), token).await {
        Ok(_) => answer(200, "connected"),
        Err(Refused::Unauthenticated(reason)) => answer(401, reason),
        Err(error @ Refused::Unavailable(_)) => {
            tracing::error!(%error, "live connection refused");
            answer(503, "the live feed is unavailable; reconnect shortly")
        }
    }
}

/// The `ws-disconnect` function.
pub async fn on_disconnect(
    state: &AppState,
    request: ApiGatewayWebsocketProxyRequest,
) -> ApiGatewayProxyResponse {
    disconnect(state, connection_id(&request)).await;
    answer(200, "disconnected")
}

/// The `ws-default` function: answers through the management API (`post_to_connection`).
pub async fn on_message(
    state: &AppState,
    request: ApiGatewayWebsocketProxyRequest,
) -> ApiGatewayProxyResponse {
    let body = request.body.as_deref().unwrap_or_default();
    match receive(state, connection_id(&request), body).await {
        Ok(_) => answer(200, "ok"),
        Err(error) => {
            tracing::error!(%error, "live message not answered");
            answer(500, "not answered")
        }
    }
}
