//! Reports generated in the background: requested, claimed by the builder, advanced, and
//! finished with their CSV and PDF keys in S3.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use tokio_postgres::{GenericClient, Row};
use uuid::Uuid;

use crate::{OrgId, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Report {
    pub id: Uuid,
    #[serde(skip)]
    pub organization_id: OrgId,
    pub requested_by: Option<Uuid>,
    pub title: String,
    pub date_from: NaiveDate,
    pub date_to: NaiveDate,
    pub timezone: String,
    /// The accounts it covers; empty means all of the organization's.
    pub account_ids: Vec<Uuid>,
    pub sections: Vec<String>,
    /// queued, running, ready or failed.
    pub status: String,
    pub progress: i16,
    #[serde(skip)]
    pub csv_key: Option<String>,
    #[serde(skip)]
    pub pdf_key: Option<String>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str =
    "id, organization_id, requested_by, title, date_from, date_to, timezone, account_ids,
    sections, status, progress, csv_key, pdf_key, error, created_at, finished_at";

fn from_row(r: &Row) -> Report {
    Report {
        id: r.get(0),
        organization_id: r.get(1),
        requested_by: r.get(2),
        title: r.get(3),
        date_from: r.get(4),
        date_to: r.get(5),
        timezone: r.get(6),
        account_ids: r.get(7),
        sections: r.get(8),
        status: r.get(9),
        progress: r.get(10),
        csv_key: r.get(11),
        pdf_key: r.get(12),
        error: r.get(13),
        created_at: r.get(14),
        finished_at: r.get(15),
    }
}

pub struct NewReport<'a> {
    pub organization_id: OrgId,
    pub requested_by: Uuid,
    pub title: &'a str,
    pub date_from: NaiveDate,
    pub date_to: NaiveDate,
    pub timezone: &'a str,
    pub account_ids: &'a [Uuid],
    pub sections: &'a [String],
}

pub async fn create(db: &impl GenericClient, new: &NewReport<'_>) -> Result<Report, StoreError> {
    let row = db
        .query_one(
            &format!(
                "INSERT INTO analytics_reports (organization_id, requested_by, title, date_from, date_to,
                                                timezone, account_ids, sections)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
            ),
            &[
                &new.organization_id,
                &new.requested_by,
                &new.title,
                &new.date_from,
                &new.date_to,
                &new.timezone,
                &new.account_ids,
                &new.sections,
            ],
        )
        .await?;
    Ok(from_row(&row))
}

pub async fn get(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
) -> Result<Option<Report>, StoreError> {
    let row = db
        .query_opt(
            &format!(
                "SELECT {COLUMNS} FROM analytics_reports WHERE id = $1 AND organization_id = $2"
            ),
            &[&id, &organization_id],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// The organization's reports, newest first, after the report `after`.
pub async fn list(
    db: &impl GenericClient,
    organization_id: OrgId,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Report>, StoreError> {
    let rows = db
        .query(
            &format!(
                "SELECT {COLUMNS} FROM analytics_reports r
                 WHERE organization_id = $1
                   AND ($2::uuid IS NULL OR (created_at, id) < (SELECT created_at, id FROM analytics_reports
                                                                WHERE id = $2 AND organization_id = $1))
                 ORDER BY created_at DESC, id DESC LIMIT $3"
            ),
            &[&organization_id, &after, &limit],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect())
}

/// Takes a queued report for building; `None` when another builder has it or it is settled
/// (a redelivered message).
pub async fn claim(db: &impl GenericClient, id: Uuid) -> Result<Option<Report>, StoreError> {
    let row = db
        .query_opt(
            &format!(
                "UPDATE analytics_reports SET status = 'running', progress = 5
                 WHERE id = $1 AND status = 'queued' RETURNING {COLUMNS}"
            ),
            &[&id],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

pub async fn advance(db: &impl GenericClient, id: Uuid, progress: i16) -> Result<(), StoreError> {
    db.execute(
        "UPDATE analytics_reports SET progress = greatest(progress, $2) WHERE id = $1 AND status = 'running'",
        &[&id, &progress],
    )
    .await?;
    Ok(())
}

pub async fn complete(
    db: &impl GenericClient,
    id: Uuid,
    csv_key: &str,
    pdf_key: &str,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE analytics_reports SET status = 'ready', progress = 100, csv_key = $2, pdf_key = $3,
                finished_at = now() WHERE id = $1",
        &[&id, &csv_key, &pdf_key],
    )
    .await?;
    Ok(())
}

pub async fn fail(db: &impl GenericClient, id: Uuid, error: &str) -> Result<(), StoreError> {
    db.execute(
        "UPDATE analytics_reports SET status = 'failed', error = $2, finished_at = now() WHERE id = $1",
        &[&id, &error],
    )
    .await?;
    Ok(())
}
