//! Agent tasks: created pending, claimed once (a redelivered message finds nothing to claim),
//! finished with their output or error and what the model calls cost.

use chrono::{DateTime, Utc};
use domain::{AgentTaskStatus, AgentType};
use serde_json::Value;
use tokio_postgres::{GenericClient, Row};
use uuid::Uuid;

use crate::{OrgId, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: Uuid,
    pub organization_id: OrgId,
    pub agent_id: Uuid,
    pub agent_type: AgentType,
    pub task_type: String,
    pub input_data: Value,
    pub output_data: Option<Value>,
    pub status: AgentTaskStatus,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub execution_time_ms: Option<i32>,
    pub error_message: Option<String>,
    pub model_used: Option<String>,
    pub tokens_used: Option<i32>,
    pub input_tokens: i32,
    pub output_tokens: i32,
    pub model_latency_ms: i32,
    pub cost_usd: Option<f64>,
    pub steps: Value,
    pub requested_by: Option<Uuid>,
    pub workflow_id: Option<Uuid>,
    pub workflow_step: Option<i16>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "t.id, t.organization_id, t.agent_id, a.agent_type, t.task_type, t.input_data,
    t.output_data, t.status, t.started_at, t.completed_at, t.execution_time_ms, t.error_message,
    t.model_used, t.tokens_used, t.input_tokens, t.output_tokens, t.model_latency_ms,
    t.cost_usd::float8, t.steps, t.requested_by, t.workflow_id, t.workflow_step, t.created_at";

fn from_row(r: &Row) -> Task {
    Task {
        id: r.get(0),
        organization_id: r.get(1),
        agent_id: r.get(2),
        agent_type: r.get::<_, String>(3).parse().expect("checked agent type"),
        task_type: r.get(4),
        input_data: r.get(5),
        output_data: r.get(6),
        status: r.get::<_, String>(7).parse().expect("checked task status"),
        started_at: r.get(8),
        completed_at: r.get(9),
        execution_time_ms: r.get(10),
        error_message: r.get(11),
        model_used: r.get(12),
        tokens_used: r.get(13),
        input_tokens: r.get(14),
        output_tokens: r.get(15),
        model_latency_ms: r.get(16),
        cost_usd: r.get(17),
        steps: r.get(18),
        requested_by: r.get(19),
        workflow_id: r.get(20),
        workflow_step: r.get(21),
        created_at: r.get(22),
    }
}

pub struct NewTask<'a> {
    pub organization_id: OrgId,
    pub agent_id: Uuid,
    pub task_type: &'a str,
    pub input: &'a Value,
    pub requested_by: Option<Uuid>,
    pub workflow: Option<(Uuid, i16)>,
}

/// Creates a pending task; `None` when the workflow step already has a live task.
pub async fn create(
    db: &impl GenericClient,
    new: &NewTask<'_>,
) -> Result<Option<Task>, StoreError> {
    let row = db
        .query_opt(
            &format!(
                "WITH created AS (
                     INSERT INTO ai_agent_tasks (organization_id, agent_id, task_type, input_data,
                                                 requested_by, workflow_id, workflow_step)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (workflow_id, workflow_step)
                         WHERE status IN ('pending', 'running', 'completed') DO NOTHING
                     RETURNING *)
                 SELECT {COLUMNS} FROM created t JOIN ai_agents a ON a.id = t.agent_id"
            ),
            &[
                &new.organization_id,
                &new.agent_id,
                &new.task_type,
                new.input,
                &new.requested_by,
                &new.workflow.map(|(id, _)| id),
                &new.workflow.map(|(_, step)| step),
            ],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// The task, whoever's it is (workers hold only the id from the message).
pub async fn find(db: &impl GenericClient, id: Uuid) -> Result<Option<Task>, StoreError> {
    let row = db
        .query_opt(
            &format!("SELECT {COLUMNS} FROM ai_agent_tasks t JOIN ai_agents a ON a.id = t.agent_id WHERE t.id = $1"),
            &[&id],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

pub async fn get(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
) -> Result<Option<Task>, StoreError> {
    let row = db
        .query_opt(
            &format!(
                "SELECT {COLUMNS} FROM ai_agent_tasks t JOIN ai_agents a ON a.id = t.agent_id
                 WHERE t.organization_id = $1 AND t.id = $2"
            ),
            &[&organization_id, &id],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// A task that ran longer than this was lost with its execution environment: it may be
/// claimed again (agent functions time out long before).
const STALE_RUNNING_SECS: f64 = 600.0;

/// Marks the task running, once: `None` when it is not pending (done already, or being done).
pub async fn claim(db: &impl GenericClient, id: Uuid) -> Result<Option<Task>, StoreError> {
    let row = db
        .query_opt(
            &format!(
                "WITH claimed AS (
                     UPDATE ai_agent_tasks SET status = 'running', started_at = now()
                     WHERE id = $1 AND (status = 'pending' OR (status = 'running'
                           AND started_at < now() - make_interval(secs => $2)))
                     RETURNING *)
                 SELECT {COLUMNS} FROM claimed t JOIN ai_agents a ON a.id = t.agent_id"
            ),
            &[&id, &STALE_RUNNING_SECS],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// What a finished task leaves behind.
pub struct Finished<'a> {
    pub succeeded: bool,
    pub output: Option<&'a Value>,
    pub error: Option<&'a str>,
    pub model_used: Option<&'a str>,
    pub input_tokens: u32,
    pub output_tokens: u32,
    pub model_latency_ms: u32,
    pub cost_usd: f64,
    pub steps: &'a Value,
}

/// Settles a running task and returns it as settled; `None` when it was not running (settled
/// by someone else).
pub async fn finish(
    db: &impl GenericClient,
    id: Uuid,
    finished: &Finished<'_>,
) -> Result<Option<Task>, StoreError> {
    let status = if finished.succeeded {
        AgentTaskStatus::Completed
    } else {
        AgentTaskStatus::Failed
    };
    let tokens = i32::try_from(finished.input_tokens + finished.output_tokens).unwrap_or(i32::MAX);
    let row = db
        .query_opt(
            &format!(
                "WITH settled AS (
                     UPDATE ai_agent_tasks SET status = $2, output_data = $3, error_message = $4,
                         model_used = $5, input_tokens = $6, output_tokens = $7, tokens_used = $8,
                         model_latency_ms = $9, cost_usd = $10::float8::numeric, steps = $11,
                         completed_at = now(),
                         execution_time_ms = GREATEST(0, (extract(epoch FROM now() - started_at) * 1000)::int)
                     WHERE id = $1 AND status = 'running'
                     RETURNING *)
                 SELECT {COLUMNS} FROM settled t JOIN ai_agents a ON a.id = t.agent_id"
            ),
            &[
                &id,
                &status.as_str(),
                &finished.output,
                &finished.error,
                &finished.model_used,
                &i32::try_from(finished.input_tokens).unwrap_or(i32::MAX),
                &i32::try_from(finished.output_tokens).unwrap_or(i32::MAX),
                &tokens,
                &i32::try_from(finished.model_latency_ms).unwrap_or(i32::MAX),
                &finished.cost_usd,
                finished.steps,
            ],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// Fails a task that never ran (its message could not be sent).
pub async fn fail_pending(
    db: &impl GenericClient,
    id: Uuid,
    error: &str,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE ai_agent_tasks SET status = 'failed', error_message = $2, completed_at = now()
         WHERE id = $1 AND status = 'pending'",
        &[&id, &error],
    )
    .await?;
    Ok(())
}

/// Dollars the organization's tasks cost since `since` (the start of its billing month).
pub async fn spent_since(
    db: &impl GenericClient,
    organization_id: OrgId,
    since: DateTime<Utc>,
) -> Result<f64, StoreError> {
    let row = db
        .query_one(
            "SELECT COALESCE(sum(cost_usd), 0)::float8 FROM ai_agent_tasks
             WHERE organization_id = $1 AND created_at >= $2",
            &[&organization_id, &since],
        )
        .await?;
    Ok(row.get(0))
}

#[derive(Debug, Default, Clone)]
pub struct TaskFilter {
    pub agent_type: Option<AgentType>,
    pub status: Option<AgentTaskStatus>,
    pub task_type: Option<String>,
    pub workflow_id: Option<Uuid>,
    /// Newer than nothing before this (created_at, id), exclusive.
    pub before: Option<(DateTime<Utc>, Uuid)>,
}

/// Newest first, `limit` at most.
pub async fn list(
    db: &impl GenericClient,
    organization_id: OrgId,
    filter: &TaskFilter,
    limit: i64,
) -> Result<Vec<Task>, StoreError> {
    let rows = db
        .query(
            &format!(
                "SELECT {COLUMNS} FROM ai_agent_tasks t JOIN ai_agents a ON a.id = t.agent_id
                 WHERE t.organization_id = $1
                   AND ($2::text IS NULL OR a.agent_type = $2)
                   AND ($3::text IS NULL OR t.status = $3)
                   AND ($4::text IS NULL OR t.task_type = $4)
                   AND ($5::uuid IS NULL OR t.workflow_id = $5)
                   AND ($6::timestamptz IS NULL OR (t.created_at, t.id) < ($6, $7))
                 ORDER BY t.created_at DESC, t.id DESC LIMIT $8"
            ),
            &[
                &organization_id,
                &filter.agent_type.map(|a| a.as_str()),
                &filter.status.map(|s| s.as_str()),
                &filter.task_type,
                &filter.workflow_id,
                &filter.before.map(|(at, _)| at),
                &filter.before.map(|(_, id)| id),
                &limit,
            ],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect())
}

/// Puts a running task back to pending (its run stopped on our side, not the model's): the
/// redelivered message claims it again.
pub async fn release(db: &impl GenericClient, id: Uuid) -> Result<(), StoreError> {
    db.execute(
        "UPDATE ai_agent_tasks SET status = 'pending', started_at = NULL WHERE id = $1 AND status = 'running'",
        &[&id],
    )
    .await?;
    Ok(())
}
