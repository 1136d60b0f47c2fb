//! Submitting a task: the agent must be on, the month's budget not spent; the task row is
//! written, then its message sent to the agent's queue. A message that cannot be sent fails
//! the task at once (nothing is left pending forever).

use std::time::{Duration, Instant};

use contracts::AgentTaskMessage;
use domain::{AgentTaskStatus, AgentType};
use runtime::AppState;
use serde_json::Value;
use store::OrgId;
use store::agents::tasks::{self, NewTask, Task};
use store::tokio_postgres::Client;
use uuid::Uuid;

use crate::catalog::{self, TaskKind};
use crate::{AgentsError, budget};

/// The organization's agents, created with defaults on first use.
pub async fn agents_of(
    db: &Client,
    organization_id: OrgId,
) -> Result<Vec<store::agents::Agent>, AgentsError> {
    let defaults: Vec<(AgentType, &str, Value)> = catalog::CATALOG
        .iter()
        .map(|a| (a.agent_type, a.name, catalog::default_settings()))
        .collect();
    Ok(store::agents::ensure(db, organization_id, &defaults).await?)
}

pub async fn agent_of(
    db: &Client,
    organization_id: OrgId,
    agent_type: AgentType,
) -> Result<store::agents::Agent, AgentsError> {
    if let Some(agent) = store::agents::get(db, organization_id, agent_type).await? {
        return Ok(agent);
    }
    agents_of(db, organization_id)
        .await?
        .into_iter()
        .find(|a| a.agent_type == agent_type)
        .ok_or(AgentsError::NotFound("agent"))
}

fn queue_url(state: &AppState, agent_type: AgentType) -> Result<&str, AgentsError> {
    state
        .config
        .queue_url(cloud::QueueSpec::for_agent(agent_type).name)
        .map_err(|e| AgentsError::Queue(e.0))
}

/// Sends a task's message to its agent's queue.
pub async fn dispatch(
    state: &AppState,
    agent_type: AgentType,
    task_id: Uuid,
    workflow_id: Option<Uuid>,
) -> Result<(), AgentsError> {
    let body = serde_json::to_string(&AgentTaskMessage {
        task_id,
        workflow_id,
    })
    .map_err(|e| AgentsError::Queue(e.to_string()))?;
    cloud::send_messages(
        state.sqs(),
        queue_url(state, agent_type)?,
        &[cloud::OutgoingMessage {
            body,
            delay_secs: 0,
        }],
    )
    .await
    .map_err(|e| AgentsError::Queue(e.to_string()))
}

/// Who asked, for a task outside any workflow.
pub struct Requester {
    pub organization_id: OrgId,
    pub user_id: Uuid,
}

/// Records a task for `kind`'s agent and queues it. `input` was validated at the edge.
pub async fn submit(
    state: &AppState,
    requester: &Requester,
    kind: TaskKind,
    input: &Value,
) -> Result<Task, AgentsError> {
    submit_for(
        state,
        requester.organization_id,
        Some(requester.user_id),
        kind,
        input,
    )
    .await
}

/// [`submit`] for a task someone asked for, or (no user) one the schedule runs.
pub async fn submit_for(
    state: &AppState,
    organization_id: OrgId,
    requested_by: Option<Uuid>,
    kind: TaskKind,
    input: &Value,
) -> Result<Task, AgentsError> {
    let client = state.db.client().await?;
    let agent = agent_of(&client, organization_id, kind.agent()).await?;
    if !agent.is_active {
        return Err(AgentsError::AgentDisabled(
            catalog::info(agent.agent_type).name,
        ));
    }
    budget::check(&client, organization_id).await?;
    let task = tasks::create(
        &**client,
        &NewTask {
            organization_id,
            agent_id: agent.id,
            task_type: kind.as_str(),
            input,
            requested_by,
            workflow: None,
        },
    )
    .await?
    .ok_or(AgentsError::NotFound("task"))?;
    if let Err(error) = dispatch(state, agent.agent_type, task.id, None).await {
        tasks::fail_pending(
            &**client,
            task.id,
            "the task could not be queued; ask again",
        )
        .await?;
        return Err(error);
    }
    Ok(task)
}

/// The most a caller may wait for a task (`Prefer: wait=N`), below API Gateway's 29 s.
pub const MAX_WAIT: Duration = Duration::from_secs(25);

/// The task once it has finished, or as it is when `wait` runs out.
pub async fn wait_for(
    state: &AppState,
    organization_id: OrgId,
    task_id: Uuid,
    wait: Duration,
) -> Result<Task, AgentsError> {
    let until = Instant::now() + wait.min(MAX_WAIT);
    let mut pause = Duration::from_millis(25);
    loop {
        let task = {
            let client = state.db.client().await?;
            tasks::get(&**client, organization_id, task_id)
                .await?
                .ok_or(AgentsError::NotFound("task"))?
        };
        let finished = matches!(
            task.status,
            AgentTaskStatus::Completed | AgentTaskStatus::Failed | AgentTaskStatus::Cancelled
        );
        if finished || Instant::now() + pause > until {
            return Ok(task);
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}
