//! Integrations and their delivery log, scoped by the organization; the dispatcher's reads
//! of due deliveries are the only system-wide ones (each row carries its organization).

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use tokio_postgres::{GenericClient, Row};
use uuid::Uuid;

use crate::{OrgId, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct IntegrationRow {
    pub id: Uuid,
    pub organization_id: OrgId,
    pub integration_type: String,
    pub name: Option<String>,
    pub configuration: Value,
    pub secret_sealed: Option<String>,
    pub is_active: bool,
    pub sync_status: String,
    pub error_message: Option<String>,
    pub last_sync: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, organization_id, integration_type, name, configuration, secret_sealed,
    COALESCE(is_active, true), COALESCE(sync_status, 'active'), error_message, last_sync, created_at";

fn from_row(row: &Row) -> IntegrationRow {
    IntegrationRow {
        id: row.get(0),
        organization_id: row.get(1),
        integration_type: row.get(2),
        name: row.get(3),
        configuration: row.get(4),
        secret_sealed: row.get(5),
        is_active: row.get(6),
        sync_status: row.get(7),
        error_message: row.get(8),
        last_sync: row.get(9),
        created_at: row.get::<_, Option<DateTime<Utc>>>(10).unwrap_or_default(),
    }
}

pub struct NewIntegration<'a> {
    pub id: Uuid,
    pub organization_id: OrgId,
    pub integration_type: &'a str,
    pub name: &'a str,
    pub configuration: &'a Value,
    pub secret_sealed: &'a str,
}

pub async fn insert(
    db: &impl GenericClient,
    new: &NewIntegration<'_>,
) -> Result<IntegrationRow, StoreError> {
    let row = db
        .query_one(
            &format!(
                "INSERT INTO integrations (id, organization_id, integration_type, name, configuration, secret_sealed)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
            ),
            &[
                &new.id,
                &new.organization_id,
                &new.integration_type,
                &new.name,
                new.configuration,
                &new.secret_sealed,
            ],
        )
        .await?;
    Ok(from_row(&row))
}

pub async fn list(
    db: &impl GenericClient,
    organization_id: OrgId,
) -> Result<Vec<IntegrationRow>, StoreError> {
    let rows = db
        .query(
            &format!(
                "SELECT {COLUMNS} FROM integrations WHERE organization_id = $1 ORDER BY created_at, id"
            ),
            &[&organization_id],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect())
}

pub async fn get(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
) -> Result<Option<IntegrationRow>, StoreError> {
    let row = db
        .query_opt(
            &format!("SELECT {COLUMNS} FROM integrations WHERE id = $1 AND organization_id = $2"),
            &[&id, &organization_id],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// The organization's active integrations of `types`.
pub async fn active_of_types(
    db: &impl GenericClient,
    organization_id: OrgId,
    types: &[&str],
) -> Result<Vec<IntegrationRow>, StoreError> {
    let rows = db
        .query(
            &format!(
                "SELECT {COLUMNS} FROM integrations
                 WHERE organization_id = $1 AND integration_type = ANY($2) AND COALESCE(is_active, true)
                 ORDER BY created_at, id"
            ),
            &[&organization_id, &types],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect())
}

pub async fn delete(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
) -> Result<Option<IntegrationRow>, StoreError> {
    let row = db
        .query_opt(
            &format!(
                "DELETE FROM integrations WHERE id = $1 AND organization_id = $2 RETURNING {COLUMNS}"
            ),
            &[&id, &organization_id],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// Records how the last use went (a test, a delivery, a sync).
pub async fn record_outcome(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
    error: Option<&str>,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE integrations SET last_sync = now(), updated_at = now(),
                sync_status = CASE WHEN $3::text IS NULL THEN 'active' ELSE 'error' END,
                error_message = $3
         WHERE id = $1 AND organization_id = $2",
        &[&id, &organization_id, &error],
    )
    .await?;
    Ok(())
}

// --- Deliveries ------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub integration_id: Uuid,
    pub organization_id: OrgId,
    pub event_type: String,
    pub payload: Value,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const DELIVERY_COLUMNS: &str = "id, integration_id, organization_id, event_type, payload, status,
    attempts, next_attempt_at, last_status_code, last_error, last_attempt_at, delivered_at, created_at";

fn delivery_from(row: &Row) -> DeliveryRow {
    DeliveryRow {
        id: row.get(0),
        integration_id: row.get(1),
        organization_id: row.get(2),
        event_type: row.get(3),
        payload: row.get(4),
        status: row.get(5),
        attempts: row.get(6),
        next_attempt_at: row.get(7),
        last_status_code: row.get(8),
        last_error: row.get(9),
        last_attempt_at: row.get(10),
        delivered_at: row.get(11),
        created_at: row.get(12),
    }
}

/// Queues one event for each of the integrations, due in `due_in_secs` (a test delivery, sent
/// by its caller at once, is not due for the dispatcher).
pub async fn enqueue(
    db: &impl GenericClient,
    organization_id: OrgId,
    integration_ids: &[Uuid],
    event_type: &str,
    payload: &Value,
    due_in_secs: i64,
) -> Result<Vec<DeliveryRow>, StoreError> {
    let rows = db
        .query(
            &format!(
                "INSERT INTO integration_deliveries (integration_id, organization_id, event_type, payload, next_attempt_at)
                 SELECT i, $1, $3, $4, now() + make_interval(secs => $5) FROM unnest($2::uuid[]) AS i
                 RETURNING {DELIVERY_COLUMNS}"
            ),
            &[&organization_id, &integration_ids, &event_type, payload, &(due_in_secs as f64)],
        )
        .await?;
    Ok(rows.iter().map(delivery_from).collect())
}

/// Up to `limit` deliveries due now, leased for `lease_secs` (their next attempt moves past
/// the lease) so concurrent dispatchers share them.
pub async fn lease_due(
    db: &impl GenericClient,
    limit: i64,
    lease_secs: i64,
) -> Result<Vec<DeliveryRow>, StoreError> {
    let rows = db
        .query(
            &format!(
                "WITH due AS (
                     SELECT id FROM integration_deliveries
                     WHERE status = 'pending' AND next_attempt_at <= now()
                     ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
                 UPDATE integration_deliveries d
                 SET next_attempt_at = now() + make_interval(secs => $2)
                 FROM due WHERE d.id = due.id
                 RETURNING {}",
                DELIVERY_COLUMNS
                    .split(", ")
                    .map(|c| format!("d.{}", c.trim()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            &[&limit, &(lease_secs as f64)],
        )
        .await?;
    Ok(rows.iter().map(delivery_from).collect())
}

/// Records one attempt: delivered, or failed with the next attempt (or none: given up).
pub async fn record_attempt(
    db: &impl GenericClient,
    id: Uuid,
    status_code: Option<i32>,
    error: Option<&str>,
    next_attempt_at: Option<DateTime<Utc>>,
) -> Result<DeliveryRow, StoreError> {
    let row = db
        .query_one(
            &format!(
                "UPDATE integration_deliveries SET
                     attempts = attempts + 1, last_attempt_at = now(),
                     last_status_code = $2, last_error = $3,
                     status = CASE WHEN $3::text IS NULL THEN 'delivered'
                                   WHEN $4::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
                     delivered_at = CASE WHEN $3::text IS NULL THEN now() END,
                     next_attempt_at = CASE WHEN $3::text IS NULL THEN NULL ELSE $4 END
                 WHERE id = $1 RETURNING {DELIVERY_COLUMNS}"
            ),
            &[&id, &status_code, &error, &next_attempt_at],
        )
        .await?;
    Ok(delivery_from(&row))
}

/// The integration's delivery log, newest first.
pub async fn deliveries(
    db: &impl GenericClient,
    organization_id: OrgId,
    integration_id: Uuid,
    limit: i64,
) -> Result<Vec<DeliveryRow>, StoreError> {
    let rows = db
        .query(
            &format!(
                "SELECT {DELIVERY_COLUMNS} FROM integration_deliveries
                 WHERE organization_id = $1 AND integration_id = $2
                 ORDER BY created_at DESC, id DESC LIMIT $3"
            ),
            &[&organization_id, &integration_id, &limit],
        )
        .await?;
    Ok(rows.iter().map(delivery_from).collect())
}

// --- Web traffic -----------------------------------------------------------------------------

pub struct TrafficRow<'a> {
    pub day: NaiveDate,
    pub source: &'a str,
    pub medium: &'a str,
    pub campaign: &'a str,
    pub sessions: i32,
    pub engaged_sessions: i32,
}

/// Stores imported days (a re-import of a day replaces its figures).
pub async fn upsert_traffic(
    db: &impl GenericClient,
    organization_id: OrgId,
    rows: &[TrafficRow<'_>],
) -> Result<u64, StoreError> {
    let statement = db
        .prepare(
            "INSERT INTO web_traffic_daily (organization_id, day, source, medium, campaign, sessions, engaged_sessions)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (organization_id, day, source, medium, campaign)
             DO UPDATE SET sessions = EXCLUDED.sessions, engaged_sessions = EXCLUDED.engaged_sessions,
                           imported_at = now()",
        )
        .await?;
    let mut stored = 0;
    for row in rows {
        stored += db
            .execute(
                &statement,
                &[
                    &organization_id,
                    &row.day,
                    &row.source,
                    &row.medium,
                    &row.campaign,
                    &row.sessions,
                    &row.engaged_sessions,
                ],
            )
            .await?;
    }
    Ok(stored)
}

/// Sessions from social per source between two days (inclusive).
pub async fn traffic_by_source(
    db: &impl GenericClient,
    organization_id: OrgId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(String, i64, i64)>, StoreError> {
    let rows = db
        .query(
            "SELECT source, sum(sessions)::bigint, sum(engaged_sessions)::bigint FROM web_traffic_daily
             WHERE organization_id = $1 AND day BETWEEN $2 AND $3
             GROUP BY source ORDER BY 2 DESC, source",
            &[&organization_id, &from, &to],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect())
}

/// Every active integration of a type, across organizations (the scheduled import; each row
/// carries its organization).
pub async fn all_active_of_type(
    db: &impl GenericClient,
    integration_type: &str,
) -> Result<Vec<IntegrationRow>, StoreError> {
    let rows = db
        .query(
            &format!(
                "SELECT {COLUMNS} FROM integrations
                 WHERE integration_type = $1 AND COALESCE(is_active, true) ORDER BY organization_id, id"
            ),
            &[&integration_type],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect())
}
