//! Workflows: a typed chain of tasks. `current_step` moves forward only from the step that just
//! finished, so a redelivered message can never advance a workflow twice.

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio_postgres::{GenericClient, Row};
use uuid::Uuid;

use crate::{OrgId, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct Workflow {
    pub id: Uuid,
    pub organization_id: OrgId,
    pub workflow_type: String,
    /// running, completed or failed.
    pub status: String,
    pub input_data: Value,
    pub output_data: Value,
    pub current_step: i16,
    pub error_message: Option<String>,
    pub requested_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, organization_id, workflow_type, status, input_data, output_data,
    current_step, error_message, requested_by, created_at, updated_at, completed_at";

fn from_row(r: &Row) -> Workflow {
    Workflow {
        id: r.get(0),
        organization_id: r.get(1),
        workflow_type: r.get(2),
        status: r.get(3),
        input_data: r.get(4),
        output_data: r.get(5),
        current_step: r.get(6),
        error_message: r.get(7),
        requested_by: r.get(8),
        created_at: r.get(9),
        updated_at: r.get(10),
        completed_at: r.get(11),
    }
}

pub async fn create(
    db: &impl GenericClient,
    organization_id: OrgId,
    workflow_type: &str,
    input: &Value,
    requested_by: Uuid,
) -> Result<Workflow, StoreError> {
    let row = db
        .query_one(
            &format!(
                "INSERT INTO ai_workflows (organization_id, workflow_type, input_data, requested_by)
                 VALUES ($1, $2, $3, $4) RETURNING {COLUMNS}"
            ),
            &[&organization_id, &workflow_type, input, &requested_by],
        )
        .await?;
    Ok(from_row(&row))
}

pub async fn find(db: &impl GenericClient, id: Uuid) -> Result<Option<Workflow>, StoreError> {
    let row = db
        .query_opt(
            &format!("SELECT {COLUMNS} FROM ai_workflows WHERE id = $1"),
            &[&id],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

pub async fn get(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
) -> Result<Option<Workflow>, StoreError> {
    let row = db
        .query_opt(
            &format!("SELECT {COLUMNS} FROM ai_workflows WHERE organization_id = $1 AND id = $2"),
            &[&organization_id, &id],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

pub async fn list(
    db: &impl GenericClient,
    organization_id: OrgId,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<Workflow>, StoreError> {
    let rows = db
        .query(
            &format!(
                "SELECT {COLUMNS} FROM ai_workflows WHERE organization_id = $1
                   AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3))
                 ORDER BY created_at DESC, id DESC LIMIT $4"
            ),
            &[
                &organization_id,
                &before.map(|(at, _)| at),
                &before.map(|(_, id)| id),
                &limit,
            ],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect())
}

/// Records step `step`'s output under `name` and moves to the next step; `None` when the
/// workflow is not running at that step (advanced already).
pub async fn advance(
    db: &impl GenericClient,
    id: Uuid,
    step: i16,
    name: &str,
    output: &Value,
    last: bool,
) -> Result<Option<Workflow>, StoreError> {
    let row = db
        .query_opt(
            &format!(
                "UPDATE ai_workflows SET current_step = current_step + 1,
                     output_data = output_data || jsonb_build_object($3::text, $4::jsonb),
                     status = CASE WHEN $5 THEN 'completed' ELSE status END,
                     completed_at = CASE WHEN $5 THEN now() END,
                     updated_at = now()
                 WHERE id = $1 AND current_step = $2 AND status = 'running'
                 RETURNING {COLUMNS}"
            ),
            &[&id, &step, &name, output, &last],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// Fails the workflow at `step`; `None` when it is not running at that step.
pub async fn fail(
    db: &impl GenericClient,
    id: Uuid,
    step: i16,
    error: &str,
) -> Result<Option<Workflow>, StoreError> {
    let row = db
        .query_opt(
            &format!(
                "UPDATE ai_workflows SET status = 'failed', error_message = $3, updated_at = now(),
                     completed_at = now()
                 WHERE id = $1 AND current_step = $2 AND status = 'running' RETURNING {COLUMNS}"
            ),
            &[&id, &step, &error],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// Sets a failed workflow running again at the step that failed; `None` when it had not failed.
pub async fn resume(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
) -> Result<Option<Workflow>, StoreError> {
    let row = db
        .query_opt(
            &format!(
                "UPDATE ai_workflows SET status = 'running', error_message = NULL,
                     completed_at = NULL, updated_at = now()
                 WHERE organization_id = $1 AND id = $2 AND status = 'failed' RETURNING {COLUMNS}"
            ),
            &[&organization_id, &id],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}
