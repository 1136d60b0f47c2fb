//! The live feed's transport: which connections are open (DynamoDB, one record per connection
//! plus an entry under its organization), who may receive an event, and pushing it to them.
//! A connection belongs to one user of one organization and one session; an event goes to one
//! user's connections or to the members of an organization whose role allows it, never further.
//! Connections that turn out to be gone are forgotten as they are found.

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use cloud::{Connections, Pushed};
use contracts::{LiveEvent, LiveMessage};
use domain::{Permission, Role};
use futures::StreamExt;
use kv::{Item, ItemKey, KvError, PrefixQuery};
use runtime::AppState;
use serde::{Deserialize, Serialize};
use store::OrgId;
use uuid::Uuid;

/// API Gateway closes a WebSocket connection after 2 hours; its records outlive it a little,
/// in case `$disconnect` is never delivered.
const CONNECTION_RETENTION: Duration = Duration::minutes(135);

/// Pushes in flight at once for one event: enough to reach 500 connections quickly without
/// opening hundreds of sockets to the management API from one Lambda.
const PUSH_CONCURRENCY: usize = 32;

/// One open connection, as `$connect` recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    pub connection_id: String,
    pub user_id: Uuid,
    pub organization_id: OrgId,
    /// The session (refresh-token family) whose access token opened it.
    pub session_id: Uuid,
    /// The role when it connected; a role change closes the user's connections.
    pub role: Role,
    pub connected_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error(transparent)]
    Kv(#[from] KvError),
    #[error("a connection record is unreadable: {0}")]
    Malformed(String),
}

fn malformed(error: kv::FieldsError) -> LiveError {
    LiveError::Malformed(error.to_string())
}

/// Records a connection `$connect` accepted.
pub async fn register(state: &AppState, connection: &Connection) -> Result<(), LiveError> {
    let expires = Some(connection.connected_at + CONNECTION_RETENTION);
    let item = Item::from_fields(connection).map_err(malformed)?;
    state
        .kv
        .put(
            &ItemKey::live_connection(&connection.connection_id),
            item.clone(),
            expires,
        )
        .await?;
    state
        .kv
        .put(&Listed::from(connection).member_key(), item, expires)
        .await?;
    Ok(())
}

/// The record of an open connection.
pub async fn find(state: &AppState, connection_id: &str) -> Result<Option<Connection>, LiveError> {
    let item = state
        .kv
        .get(&ItemKey::live_connection(connection_id))
        .await?;
    item.map(|item| item.to_fields().map_err(malformed))
        .transpose()
}

/// Removes a connection's records (`$disconnect`, or a push that found it gone).
pub async fn forget(state: &AppState, connection_id: &str) -> Result<(), LiveError> {
    if let Some(item) = state
        .kv
        .take(&ItemKey::live_connection(connection_id))
        .await?
    {
        let connection: Connection = item.to_fields().map_err(malformed)?;
        state
            .kv
            .delete(&Listed::from(&connection).member_key())
            .await?;
    }
    Ok(())
}

async fn forget_entry(state: &AppState, connection: &Listed) -> Result<(), LiveError> {
    state
        .kv
        .delete(&ItemKey::live_connection(&connection.connection_id))
        .await?;
    state.kv.delete(&connection.member_key()).await?;
    Ok(())
}

/// Who an event is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// One user's connections (in their organization).
    User {
        organization_id: OrgId,
        user_id: Uuid,
    },
    /// Every connection of the organization whose role has the permission.
    Organization {
        organization_id: OrgId,
        permission: Permission,
    },
}

/// An open connection as its organization's entry lists it: what pushing and closing need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub connection_id: String,
    pub user_id: Uuid,
    pub organization_id: OrgId,
    pub session_id: Uuid,
    pub role: Role,
}

impl Listed {
    fn member_key(&self) -> ItemKey {
        ItemKey::live_member(
            &self.organization_id.to_string(),
            &self.user_id.to_string(),
            &self.connection_id,
        )
    }
}

impl From<&Connection> for Listed {
    fn from(connection: &Connection) -> Self {
        Listed {
            connection_id: connection.connection_id.clone(),
            user_id: connection.user_id,
            organization_id: connection.organization_id,
            session_id: connection.session_id,
            role: connection.role,
        }
    }
}

/// The attributes a lookup reads: the user and the connection are in the sort key.
const LISTED_FIELDS: &[&str] = &["role", "session_id"];

fn listed(organization_id: OrgId, sk: &str, item: &Item) -> Result<Listed, LiveError> {
    let malformed = || LiveError::Malformed(format!("connection entry {sk}"));
    let (user, connection_id) = sk
        .strip_prefix("WS#")
        .and_then(|rest| rest.split_once('#'))
        .ok_or_else(malformed)?;
    Ok(Listed {
        connection_id: connection_id.to_owned(),
        user_id: user.parse().map_err(|_| malformed())?,
        organization_id,
        session_id: item
            .string("session_id")
            .and_then(|s| s.parse().ok())
            .ok_or_else(malformed)?,
        role: item
            .string("role")
            .and_then(|r| r.parse().ok())
            .ok_or_else(malformed)?,
    })
}

/// The open connections an audience reaches: one query of the organization's entries (or of
/// one user's), reading two attributes of each.
pub async fn connections_of(
    state: &AppState,
    audience: Audience,
) -> Result<Vec<Listed>, LiveError> {
    let (organization_id, user, permission) = match audience {
        Audience::User {
            organization_id,
            user_id,
        } => (organization_id, Some(user_id.to_string()), None),
        Audience::Organization {
            organization_id,
            permission,
        } => (organization_id, None, Some(permission)),
    };
    let (pk, prefix) = ItemKey::live_members_prefix(&organization_id.to_string(), user.as_deref());
    let query = PrefixQuery::new(&pk, &prefix).project(LISTED_FIELDS);
    let mut connections = Vec::new();
    for (sk, item) in state.kv.query_all(&query).await? {
        let connection = listed(organization_id, &sk, &item)?;
        if permission.is_none_or(|p| connection.role.can(p)) {
            connections.push(connection);
        }
    }
    Ok(connections)
}

/// What one `send` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendReport {
    pub delivered: usize,
    /// Connections found closed and forgotten.
    pub gone: usize,
    pub failed: usize,
}

/// Pushes an event to everyone in the audience who is connected now. Best effort: the event
/// is also reflected in what the API answers, so a client that missed it catches up on its
/// next read; failures are logged, never returned to the producer.
pub async fn send(state: &AppState, audience: Audience, event: LiveEvent) -> SendReport {
    if state.connections().is_none() {
        return SendReport::default();
    }
    match connections_of(state, audience).await {
        Ok(connections) => send_to(state, &connections, event).await,
        Err(error) => {
            tracing::warn!(%error, "live event not sent: connections unreadable");
            SendReport::default()
        }
    }
}

/// Pushes an event to connections already looked up (with [`connections_of`], e.g. while the
/// producer read what the event carries).
pub async fn send_to(state: &AppState, connections: &[Listed], event: LiveEvent) -> SendReport {
    let Some(push) = state.connections() else {
        return SendReport::default();
    };
    if connections.is_empty() {
        return SendReport::default();
    }
    let started = Instant::now();
    let text = match serde_json::to_string(&LiveMessage::now(event)) {
        Ok(text) => text,
        Err(error) => {
            tracing::error!(%error, "live event not serialisable");
            return SendReport::default();
        }
    };
    let report = deliver(state, push, connections, &text).await;
    tracing::debug!(
        delivered = report.delivered,
        gone = report.gone,
        failed = report.failed,
        ms = started.elapsed().as_secs_f64() * 1e3,
        "live event sent"
    );
    report
}

/// Pushes one event to one connection (answers to its own messages).
pub async fn reply(state: &AppState, connection: &Connection, event: LiveEvent) -> SendReport {
    let Some(push) = state.connections() else {
        return SendReport::default();
    };
    match serde_json::to_string(&LiveMessage::now(event)) {
        Ok(text) => deliver(state, push, &[Listed::from(connection)], &text).await,
        Err(_) => SendReport::default(),
    }
}

async fn deliver(
    state: &AppState,
    push: &Connections,
    connections: &[Listed],
    text: &str,
) -> SendReport {
    // The futures are collected before they are streamed: a stream that maps with a closure
    // over borrowed data is not `Send` for every lifetime (rust#102211), which handlers need.
    let pushes: Vec<_> = connections
        .iter()
        .map(|connection| push_one(state, push, connection, text))
        .collect();
    let outcomes: Vec<_> = futures::stream::iter(pushes)
        .buffer_unordered(PUSH_CONCURRENCY)
        .collect()
        .await;
    let mut report = SendReport::default();
    for outcome in outcomes {
        match outcome {
            Ok(Pushed::Delivered) => report.delivered += 1,
            Ok(Pushed::Gone) => report.gone += 1,
            Err(error) => {
                report.failed += 1;
                tracing::warn!(%error, "live event not pushed");
            }
        }
    }
    report
}

async fn push_one(
    state: &AppState,
    push: &Connections,
    connection: &Listed,
    text: &str,
) -> Result<Pushed, cloud::PushError> {
    let pushed = push.post(&connection.connection_id, text).await;
    if matches!(pushed, Ok(Pushed::Gone))
        && let Err(error) = forget_entry(state, connection).await
    {
        tracing::warn!(%error, "a gone connection was not forgotten");
    }
    pushed
}

/// Closes a user's connections opened under `session` (every session with `None`): a revoked
/// session, a removed member, or a changed role must not keep receiving events.
pub async fn close_sessions(
    state: &AppState,
    organization_id: OrgId,
    user_id: Uuid,
    session: Option<Uuid>,
) -> usize {
    let audience = Audience::User {
        organization_id,
        user_id,
    };
    let connections = match connections_of(state, audience).await {
        Ok(connections) => connections,
        Err(error) => {
            tracing::warn!(%error, "connections of a closed session not read");
            return 0;
        }
    };
    let mut closed = 0;
    for connection in connections
        .iter()
        .filter(|c| session.is_none_or(|s| c.session_id == s))
    {
        if let Some(push) = state.connections()
            && let Err(error) = push.close(&connection.connection_id).await
        {
            tracing::warn!(%error, "a connection of a closed session was not closed");
        }
        if let Err(error) = forget_entry(state, connection).await {
            tracing::warn!(%error, "a connection of a closed session was not forgotten");
        }
        closed += 1;
    }
    closed
}
