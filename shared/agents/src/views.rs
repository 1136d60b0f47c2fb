//! What the API shows of agents, tasks and workflows.

use chrono::{DateTime, Utc};
use domain::{AgentTaskStatus, AgentType};
use runtime::AppState;
use serde::Serialize;
use serde_json::Value;
use store::OrgId;
use store::agents::tasks::{self, Task, TaskFilter};
use store::agents::workflows::{self as db, Workflow};
use uuid::Uuid;

use crate::catalog::{self, AgentSettings, TaskKind};
use crate::workflows::WorkflowType;
use crate::{AgentsError, pipeline};

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AgentView {
    pub agent_type: AgentType,
    pub name: String,
    pub description: &'static str,
    /// Whether it runs tasks in this release.
    pub available: bool,
    /// Switched on for the organization.
    pub is_active: bool,
    pub settings: AgentSettings,
    /// The model it uses (its setting, else the deployment's default).
    pub model: String,
    pub tasks: Vec<TaskKind>,
    pub tasks_completed: i32,
    pub tasks_failed: i32,
    /// Completed of all finished tasks, in percent.
    pub success_rate: f64,
    pub last_execution: Option<DateTime<Utc>>,
}

fn agent_view(state: &AppState, agent: store::agents::Agent) -> AgentView {
    let info = catalog::info(agent.agent_type);
    let settings: AgentSettings = serde_json::from_value(agent.configuration).unwrap_or_default();
    AgentView {
        agent_type: agent.agent_type,
        name: agent.agent_name,
        description: info.description,
        available: info.available,
        is_active: agent.is_active,
        model: state.config.ai.label(
            settings
                .model
                .as_deref()
                .unwrap_or(&state.config.ai.chat_model),
        ),
        settings,
        tasks: TaskKind::ALL
            .into_iter()
            .filter(|k| k.agent() == agent.agent_type)
            .collect(),
        tasks_completed: agent.tasks_completed,
        tasks_failed: agent.tasks_failed,
        success_rate: agent.success_rate,
        last_execution: agent.last_execution,
    }
}

pub async fn agents(
    state: &AppState,
    organization_id: OrgId,
) -> Result<Vec<AgentView>, AgentsError> {
    let client = state.db.client().await?;
    Ok(pipeline::agents_of(&client, organization_id)
        .await?
        .into_iter()
        .map(|a| agent_view(state, a))
        .collect())
}

/// Changes one agent's settings and switch.
pub async fn configure(
    state: &AppState,
    organization_id: OrgId,
    agent_type: AgentType,
    settings: &AgentSettings,
    is_active: Option<bool>,
    actor: &store::accounts::audit::Actor,
) -> Result<AgentView, AgentsError> {
    let mut client = state.db.client().await?;
    let current = pipeline::agent_of(&client, organization_id, agent_type).await?;
    let pg: &mut store::tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let configuration = serde_json::to_value(settings).expect("settings serialize");
    let updated = store::agents::update(
        &tx,
        organization_id,
        agent_type,
        &configuration,
        is_active.unwrap_or(current.is_active),
    )
    .await?
    .ok_or(AgentsError::NotFound("agent"))?;
    store::accounts::audit::record(
        &tx,
        actor,
        store::accounts::audit::AuditEntry {
            action: domain::AuditAction::Update,
            resource_type: "ai_agent",
            resource_id: Some(updated.id),
            old_values: Some(serde_json::json!({ "configuration": current.configuration, "is_active": current.is_active })),
            new_values: Some(serde_json::json!({ "configuration": configuration, "is_active": updated.is_active })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(agent_view(state, updated))
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TaskView {
    pub id: Uuid,
    pub agent_type: AgentType,
    pub task_type: String,
    pub status: AgentTaskStatus,
    /// Where to poll it.
    pub status_url: String,
    pub input: Value,
    pub output: Option<Value>,
    pub error: Option<String>,
    /// `sandbox:<model>` when the model sandbox answered.
    pub model_used: Option<String>,
    pub input_tokens: i32,
    pub output_tokens: i32,
    pub cost_usd: Option<f64>,
    /// Whole task, queue to finish excluded.
    pub execution_time_ms: Option<i32>,
    /// Of which inside the model.
    pub model_latency_ms: i32,
    /// Every model call and check, in order.
    pub steps: Value,
    pub workflow_id: Option<Uuid>,
    pub workflow_step: Option<i16>,
    pub requested_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl From<Task> for TaskView {
    fn from(t: Task) -> Self {
        TaskView {
            status_url: format!("/api/ai-agents/tasks/{}", t.id),
            id: t.id,
            agent_type: t.agent_type,
            task_type: t.task_type,
            status: t.status,
            input: t.input_data,
            output: t.output_data,
            error: t.error_message,
            model_used: t.model_used,
            input_tokens: t.input_tokens,
            output_tokens: t.output_tokens,
            cost_usd: t.cost_usd,
            execution_time_ms: t.execution_time_ms,
            model_latency_ms: t.model_latency_ms,
            steps: t.steps,
            workflow_id: t.workflow_id,
            workflow_step: t.workflow_step,
            requested_by: t.requested_by,
            created_at: t.created_at,
            started_at: t.started_at,
            completed_at: t.completed_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TaskPage {
    pub tasks: Vec<TaskView>,
    /// Pass as `cursor` for the next page; `null` at the end.
    pub next_cursor: Option<String>,
}

/// `created_at|id` of the last row, as the next page's cursor.
pub fn cursor_of(at: DateTime<Utc>, id: Uuid) -> String {
    format!(
        "{}|{id}",
        at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    )
}

pub fn parse_cursor(text: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let (at, id) = text.split_once('|')?;
    Some((
        DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc),
        id.parse().ok()?,
    ))
}

pub async fn task_page(
    state: &AppState,
    organization_id: OrgId,
    filter: &TaskFilter,
    limit: i64,
) -> Result<TaskPage, AgentsError> {
    let client = state.db.client().await?;
    let mut rows = tasks::list(&**client, organization_id, filter, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more
        .then(|| rows.last().map(|t| cursor_of(t.created_at, t.id)))
        .flatten();
    Ok(TaskPage {
        tasks: rows.into_iter().map(TaskView::from).collect(),
        next_cursor,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StepView {
    pub index: i16,
    pub name: &'static str,
    pub agent_type: AgentType,
    /// pending (not reached), running, completed or failed.
    pub status: String,
    /// Every try of the step, newest last.
    pub tasks: Vec<TaskView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct WorkflowView {
    pub id: Uuid,
    pub workflow_type: WorkflowType,
    /// running, completed or failed.
    pub status: String,
    pub input: Value,
    /// What the finished steps produced, by step name.
    pub output: Value,
    pub current_step: i16,
    pub error: Option<String>,
    pub steps: Vec<StepView>,
    pub cost_usd: f64,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

pub async fn workflow_view(
    state: &AppState,
    workflow: Workflow,
) -> Result<WorkflowView, AgentsError> {
    let kind = WorkflowType::parse(&workflow.workflow_type)
        .ok_or(AgentsError::NotFound("workflow type"))?;
    let client = state.db.client().await?;
    let mut all = tasks::list(
        &**client,
        workflow.organization_id,
        &TaskFilter {
            workflow_id: Some(workflow.id),
            ..TaskFilter::default()
        },
        200,
    )
    .await?;
    all.reverse();
    let cost_usd = all.iter().filter_map(|t| t.cost_usd).sum();
    let steps = kind
        .steps()
        .iter()
        .enumerate()
        .map(|(i, (name, task_kind))| {
            let tries: Vec<TaskView> = all
                .iter()
                .filter(|t| t.workflow_step == Some(i as i16))
                .cloned()
                .map(TaskView::from)
                .collect();
            let status = tries
                .last()
                .map(|t| t.status.as_str().to_owned())
                .unwrap_or_else(|| "pending".to_owned());
            StepView {
                index: i as i16,
                name,
                agent_type: task_kind.agent(),
                status,
                tasks: tries,
            }
        })
        .collect();
    Ok(WorkflowView {
        id: workflow.id,
        workflow_type: kind,
        status: workflow.status,
        input: workflow
            .input_data
            .get("request")
            .cloned()
            .unwrap_or(Value::Null),
        output: workflow.output_data,
        current_step: workflow.current_step,
        error: workflow.error_message,
        steps,
        cost_usd,
        created_at: workflow.created_at,
        completed_at: workflow.completed_at,
    })
}

pub async fn workflow(
    state: &AppState,
    organization_id: OrgId,
    id: Uuid,
) -> Result<WorkflowView, AgentsError> {
    let workflow = {
        let client = state.db.client().await?;
        db::get(&**client, organization_id, id)
            .await?
            .ok_or(AgentsError::NotFound("workflow"))?
    };
    workflow_view(state, workflow).await
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct WorkflowPage {
    pub workflows: Vec<WorkflowView>,
    pub next_cursor: Option<String>,
}

pub async fn workflow_page(
    state: &AppState,
    organization_id: OrgId,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<WorkflowPage, AgentsError> {
    let mut rows = {
        let client = state.db.client().await?;
        db::list(&**client, organization_id, before, limit + 1).await?
    };
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more
        .then(|| rows.last().map(|w| cursor_of(w.created_at, w.id)))
        .flatten();
    let mut workflows = Vec::with_capacity(rows.len());
    for row in rows {
        workflows.push(workflow_view(state, row).await?);
    }
    Ok(WorkflowPage {
        workflows,
        next_cursor,
    })
}
