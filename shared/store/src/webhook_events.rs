//! Webhook deliveries from Stripe and the platforms, stored once by the sender's event id
//! before anything is done with them, so a redelivery is recognised and a failure retried.

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio_postgres::{GenericClient, Row};
use uuid::Uuid;

use crate::{OrgId, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    pub id: Uuid,
    pub source: String,
    pub external_id: String,
    pub event_type: String,
    pub event_data: Value,
    pub processed: bool,
    pub retry_count: i32,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, source, external_id, event_type, event_data, COALESCE(processed, false), COALESCE(retry_count, 0), created_at";

fn from_row(row: &Row) -> WebhookEvent {
    WebhookEvent {
        id: row.get(0),
        source: row.get(1),
        external_id: row.get(2),
        event_type: row.get(3),
        event_data: row.get(4),
        processed: row.get(5),
        retry_count: row.get(6),
        created_at: row.get(7),
    }
}

/// Stores the event unless one with the same sender id is stored already; either way returns
/// the stored row and whether this call stored it.
pub async fn store_once(
    db: &impl GenericClient,
    source: &str,
    external_id: &str,
    event_type: &str,
    event_data: &Value,
) -> Result<(WebhookEvent, bool), StoreError> {
    let inserted = db
        .query_opt(
            &format!(
                "INSERT INTO webhook_events (source, external_id, event_type, event_data)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (source, external_id) DO NOTHING
                 RETURNING {COLUMNS}"
            ),
            &[&source, &external_id, &event_type, event_data],
        )
        .await?;
    if let Some(row) = inserted {
        return Ok((from_row(&row), true));
    }
    let row = db
        .query_one(
            &format!("SELECT {COLUMNS} FROM webhook_events WHERE source = $1 AND external_id = $2"),
            &[&source, &external_id],
        )
        .await?;
    Ok((from_row(&row), false))
}

/// Locks an unprocessed event for processing on the caller's transaction; `None` when it was
/// processed already or another process holds it (a concurrent redelivery).
pub async fn lock_unprocessed(
    db: &impl GenericClient,
    id: Uuid,
) -> Result<Option<WebhookEvent>, StoreError> {
    let row = db
        .query_opt(
            &format!(
                "SELECT {COLUMNS} FROM webhook_events
                 WHERE id = $1 AND NOT COALESCE(processed, false)
                 FOR UPDATE SKIP LOCKED"
            ),
            &[&id],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// Marks the event processed, naming the organization it concerned (when one did).
pub async fn mark_processed(
    db: &impl GenericClient,
    id: Uuid,
    organization_id: Option<OrgId>,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE webhook_events SET processed = true, processed_at = now(), last_error = NULL,
                organization_id = COALESCE($2, organization_id)
         WHERE id = $1",
        &[&id, &organization_id],
    )
    .await?;
    Ok(())
}

/// Counts a failed attempt and keeps why (no secrets: our own error text).
pub async fn record_failure(
    db: &impl GenericClient,
    id: Uuid,
    error: &str,
) -> Result<i32, StoreError> {
    let row = db
        .query_one(
            "UPDATE webhook_events SET retry_count = COALESCE(retry_count, 0) + 1, last_error = $2
             WHERE id = $1 RETURNING retry_count",
            &[&id, &error],
        )
        .await?;
    Ok(row.get(0))
}

/// Unprocessed events that may be tried again (fewer than `max_attempts` failures), oldest
/// first. (`NOT processed`, as the partial index reads it: rows are inserted `false`.)
pub async fn retryable(
    db: &impl GenericClient,
    max_attempts: i32,
    limit: i64,
) -> Result<Vec<WebhookEvent>, StoreError> {
    let rows = db
        .query(
            &format!(
                "SELECT {COLUMNS} FROM webhook_events
                 WHERE NOT processed AND COALESCE(retry_count, 0) < $1
                   AND created_at < now() - interval '1 minute'
                 ORDER BY created_at LIMIT $2"
            ),
            &[&max_attempts, &limit],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect())
}

/// How many events have waited unprocessed for over a minute (stuck, or retries used up).
pub async fn stuck_count(db: &impl GenericClient) -> Result<i64, StoreError> {
    let row = db
        .query_one(
            "SELECT count(*) FROM webhook_events
             WHERE NOT processed AND created_at < now() - interval '1 minute'",
            &[],
        )
        .await?;
    Ok(row.get(0))
}
