//! A user's notifications in DynamoDB (`USER#{user}` / `NOTIF#{uuidv7}`, 90 days): newest
//! first with a cursor, the unread count, reading and deleting. Each change to the unread count
//! is pushed to the user's other tabs and devices.

use chrono::{DateTime, Duration, Utc};
use contracts::{LiveEvent, Notification};
use futures::StreamExt;
use kv::{AttributeValue, Item, ItemKey, PrefixQuery};
use runtime::AppState;
use serde::Serialize;
use store::accounts::audit::Caller;
use uuid::Uuid;

use crate::NotificationsError;

/// How long a notification is kept.
pub const RETENTION: Duration = Duration::days(90);

const READ: &str = "read";

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct NotificationPage {
    /// Newest first.
    pub notifications: Vec<Notification>,
    /// Pass as `cursor` for the next page; `null` on the last one.
    pub next_cursor: Option<String>,
    /// Unread notifications in all.
    pub unread: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListQuery {
    pub limit: usize,
    /// The id of the last notification of the previous page.
    pub after: Option<Uuid>,
    pub unread_only: bool,
}

fn key(user_id: Uuid, id: Uuid) -> ItemKey {
    ItemKey::notification(&user_id.to_string(), &id.to_string())
}

fn notification_of(item: &Item) -> Result<Notification, NotificationsError> {
    item.to_fields()
        .map_err(|e| NotificationsError::Malformed(e.to_string()))
}

/// Stores a new notification for a user.
pub async fn store(
    state: &AppState,
    user_id: Uuid,
    notification: &Notification,
) -> Result<(), NotificationsError> {
    let item = Item::from_fields(notification)
        .map_err(|e| NotificationsError::Malformed(e.to_string()))?;
    let expires: DateTime<Utc> = notification.created_at + RETENTION;
    state
        .kv
        .put(&key(user_id, notification.id), item, Some(expires))
        .await?;
    Ok(())
}

pub async fn unread_count(state: &AppState, user_id: Uuid) -> Result<u64, NotificationsError> {
    let (pk, prefix) = ItemKey::notification_prefix(&user_id.to_string());
    let query = PrefixQuery::new(&pk, prefix)
        .newest_first()
        .only(READ, AttributeValue::Bool(false));
    Ok(state.kv.count(&query).await?)
}

pub async fn list(
    state: &AppState,
    caller: &Caller,
    query: ListQuery,
) -> Result<NotificationPage, NotificationsError> {
    let (pk, prefix) = ItemKey::notification_prefix(&caller.user_id.to_string());
    let after = query.after.map(|id| format!("{prefix}{id}"));
    let mut prefix_query = PrefixQuery::new(&pk, prefix)
        .newest_first()
        .after(after.as_deref());
    if query.unread_only {
        prefix_query = prefix_query.only(READ, AttributeValue::Bool(false));
    }
    let page = state.kv.query_page(&prefix_query, query.limit).await?;
    let notifications = page
        .items
        .iter()
        .map(|(_, item)| notification_of(item))
        .collect::<Result<Vec<_>, _>>()?;
    let next_cursor = page
        .next
        .and_then(|sk| sk.strip_prefix(prefix).map(str::to_owned));
    Ok(NotificationPage {
        notifications,
        next_cursor,
        unread: unread_count(state, caller.user_id).await?,
    })
}

/// Tells the user's connections the new unread count.
async fn announce_unread(state: &AppState, caller: &Caller) -> Result<u64, NotificationsError> {
    let unread = unread_count(state, caller.user_id).await?;
    live::send(
        state,
        live::Audience::User {
            organization_id: caller.organization_id,
            user_id: caller.user_id,
        },
        LiveEvent::UnreadCount { unread },
    )
    .await;
    Ok(unread)
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ReadResult {
    pub notification: Notification,
    pub unread: u64,
}

/// Marks one notification read (again is fine).
pub async fn mark_read(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<ReadResult, NotificationsError> {
    let item = state
        .kv
        .set_field(&key(caller.user_id, id), READ, AttributeValue::Bool(true))
        .await?
        .ok_or(NotificationsError::NotFound("notification"))?;
    let notification = notification_of(&item)?;
    let unread = announce_unread(state, caller).await?;
    Ok(ReadResult {
        notification,
        unread,
    })
}

/// Deletes one notification; returns the unread count after it.
pub async fn delete(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<u64, NotificationsError> {
    let taken = state
        .kv
        .take(&key(caller.user_id, id))
        .await?
        .ok_or(NotificationsError::NotFound("notification"))?;
    let was_unread = taken.bool(READ) == Some(false);
    if was_unread {
        announce_unread(state, caller).await
    } else {
        unread_count(state, caller.user_id).await
    }
}

#[derive(Debug, Clone, Copy, Serialize, schemars::JsonSchema)]
pub struct MarkAllResult {
    /// Notifications that were unread.
    pub marked: u64,
    pub unread: u64,
}

pub async fn mark_all_read(
    state: &AppState,
    caller: &Caller,
) -> Result<MarkAllResult, NotificationsError> {
    let (pk, prefix) = ItemKey::notification_prefix(&caller.user_id.to_string());
    let query = PrefixQuery::new(&pk, prefix)
        .newest_first()
        .only(READ, AttributeValue::Bool(false));
    // Read all unread first (at most 90 days' worth), then mark them, a few at a time.
    let unread = state.kv.query_all(&query).await?;
    let keys: Vec<ItemKey> = unread
        .iter()
        .map(|(sk, _)| {
            let id = sk.strip_prefix(prefix).unwrap_or(sk);
            ItemKey::notification(&caller.user_id.to_string(), id)
        })
        .collect();
    // Collected first: a stream mapping with a closure over borrowed keys would not be `Send`
    // for every lifetime (rust#102211).
    let updates: Vec<_> = keys
        .iter()
        .map(|key| state.kv.set_field(key, READ, AttributeValue::Bool(true)))
        .collect();
    let results: Vec<_> = futures::stream::iter(updates)
        .buffer_unordered(16)
        .collect()
        .await;
    let mut marked = 0;
    for result in results {
        if result?.is_some() {
            marked += 1;
        }
    }
    let unread = announce_unread(state, caller).await?;
    Ok(MarkAllResult { marked, unread })
}
