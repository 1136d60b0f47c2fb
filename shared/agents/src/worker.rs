//! The agent functions' side: each message names a task; the task is claimed once, run, and
//! settled with its output (or the reason it failed) and what it cost. A redelivered message
//! finds nothing to claim and does nothing twice.

use std::time::{Duration, Instant};

use contracts::{AgentTaskMessage, LiveEvent};
use domain::{AgentTaskStatus, AgentType, NotificationKind};
use runtime::AppState;
use serde_json::Value;
use store::agents::tasks::{self, Finished, Task};
use uuid::Uuid;

use crate::catalog::{AgentSettings, TaskKind};
use crate::{
    AgentsError, ModelSession, competitor, content, crisis, hashtags, performance, prediction,
    schedule, trends, workflows,
};

/// How long one task may run: agent functions time out at 120 s, and settling takes a moment.
pub const TASK_DEADLINE: Duration = Duration::from_secs(100);

/// How many tasks of one agent run at once (the event source's `MaximumConcurrency` in
/// template.yaml, and the dev server's), so a burst of requests cannot exhaust the model quota
/// or the database proxy.
pub const fn concurrency(agent: AgentType) -> usize {
    match agent {
        AgentType::ContentCreator => 10,
        _ => 5,
    }
}

/// The agents that have a function (and a consumer locally) in this release.
pub const CONSUMED: [AgentType; 8] = [
    AgentType::ContentCreator,
    AgentType::TrendAnalyzer,
    AgentType::EngagementOptimizer,
    AgentType::SmartScheduler,
    AgentType::PerformanceTracker,
    AgentType::CompetitorMonitor,
    AgentType::CrisisManager,
    AgentType::Orchestrator,
];

/// The SQS handler: the ids of messages to deliver again (our side failed, or the message is
/// not a task: after three deliveries it rests in the dead-letter queue).
pub async fn handle_batch(state: &AppState, messages: Vec<(String, String)>) -> Vec<String> {
    let mut failed = Vec::new();
    for (message_id, body) in messages {
        let Ok(message) = serde_json::from_str::<AgentTaskMessage>(&body) else {
            tracing::error!(%message_id, "not an agent task message; it goes to the dead-letter queue");
            failed.push(message_id);
            continue;
        };
        if let Err(error) = run(state, message.task_id, Instant::now() + TASK_DEADLINE).await {
            tracing::warn!(task = %message.task_id, %error, "task not run; it will be delivered again");
            failed.push(message_id);
        }
    }
    failed
}

/// The local stand-in for an agent's SQS event source: one receive (up to ten messages), run
/// with the agent's concurrency; failed messages become visible again at once. Returns how many
/// were received.
pub async fn drain(state: &AppState, agent: AgentType) -> Result<usize, AgentsError> {
    let spec = cloud::QueueSpec::for_agent(agent);
    let Some(url) = state.config.queue_urls.get(spec.name) else {
        return Ok(0);
    };
    let concurrency = concurrency(agent);
    cloud::deliver_once(
        state.sqs(),
        url,
        cloud::Redelivery::AtOnce,
        |messages| async move {
            let mut failed = Vec::new();
            for group in messages.chunks(concurrency) {
                let outcomes = futures::future::join_all(
                    group.iter().map(|m| handle_batch(state, vec![m.clone()])),
                )
                .await;
                failed.extend(outcomes.into_iter().flatten());
            }
            failed
        },
    )
    .await
    .map_err(|e| AgentsError::Queue(e.to_string()))
}

async fn announce(state: &AppState, task: &Task, status: AgentTaskStatus) {
    if let Some(user_id) = task.requested_by {
        live::send(
            state,
            live::Audience::User {
                organization_id: task.organization_id,
                user_id,
            },
            LiveEvent::AiTaskStatus {
                task_id: task.id,
                agent_type: task.agent_type,
                status,
                workflow_id: task.workflow_id,
            },
        )
        .await;
    }
}

/// Runs one task, once.
pub async fn run(state: &AppState, task_id: Uuid, deadline: Instant) -> Result<(), AgentsError> {
    let claimed = {
        let client = state.db.client().await?;
        tasks::claim(&**client, task_id).await?
    };
    let Some(task) = claimed else {
        // Done, or being done: a redelivered message. A finished step still makes sure the
        // workflow moved on (the first delivery may have stopped in between).
        let client = state.db.client().await?;
        if let Some(task) = tasks::find(&**client, task_id).await?
            && task.workflow_id.is_some()
            && matches!(
                task.status,
                AgentTaskStatus::Completed | AgentTaskStatus::Failed
            )
        {
            drop(client);
            workflows::after_step(state, &task).await?;
        }
        return Ok(());
    };
    announce(state, &task, AgentTaskStatus::Running).await;
    let settings = {
        let client = state.db.client().await?;
        store::agents::get(&**client, task.organization_id, task.agent_type)
            .await?
            .and_then(|agent| serde_json::from_value::<AgentSettings>(agent.configuration).ok())
            .unwrap_or_default()
    };
    let model = settings
        .model
        .clone()
        .unwrap_or_else(|| state.config.ai.chat_model.clone());
    let mut session = ModelSession::new(state, model, deadline);
    let outcome = execute(state, &task, &settings, &mut session).await;
    let (output, error) = match outcome {
        Ok(output) => (Some(output), None),
        Err(error) if error.settles_the_task() => (None, Some(error.to_string())),
        Err(error) => {
            let client = state.db.client().await?;
            tasks::release(&**client, task.id).await?;
            return Err(error);
        }
    };
    let succeeded = error.is_none();
    let usage = session.usage();
    let steps = session.steps();
    let label = session.label();
    let mut client = state.db.client().await?;
    let pg: &mut store::tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let settled = tasks::finish(
        &tx,
        task.id,
        &Finished {
            succeeded,
            output: output.as_ref(),
            error: error.as_deref(),
            // Statistics-only tasks name no model.
            model_used: (usage.input_tokens + usage.output_tokens > 0).then_some(label.as_str()),
            input_tokens: usage.input_tokens,
            output_tokens: usage.output_tokens,
            model_latency_ms: session.model_time().as_millis() as u32,
            cost_usd: session.cost(),
            steps: &steps,
        },
    )
    .await?;
    if settled.is_some() {
        store::agents::count_outcome(&tx, task.agent_id, succeeded).await?;
    }
    tx.commit().await?;
    if settled.is_some() {
        use runtime::metrics::{Unit, record};
        let agent = task.agent_type.as_str();
        let tokens = f64::from(usage.input_tokens + usage.output_tokens);
        record("AiTokens", tokens, Unit::Count, &[("Agent", agent)]);
        record("AiCostUsd", session.cost(), Unit::None, &[("Agent", agent)]);
    }
    let Some(settled) = settled else {
        return Ok(());
    };
    let status = if succeeded {
        AgentTaskStatus::Completed
    } else {
        AgentTaskStatus::Failed
    };
    announce(state, &task, status).await;
    if let (false, None, Some(user_id)) = (succeeded, task.workflow_id, task.requested_by) {
        notifications::notify(
            state,
            &client,
            task.organization_id,
            notifications::Recipients::User(user_id),
            notifications::Draft {
                kind: NotificationKind::AiTaskFailed,
                title: format!("An AI task failed: {}", task.task_type.replace('_', " ")),
                body: error.clone().unwrap_or_default(),
                link: Some(format!("/ai/tasks/{}", task.id)),
                post_id: None,
                social_account_id: None,
            },
        )
        .await;
    }
    drop(client);
    if settled.workflow_id.is_some() {
        workflows::after_step(state, &settled).await?;
    }
    Ok(())
}

async fn execute(
    state: &AppState,
    task: &Task,
    settings: &AgentSettings,
    session: &mut ModelSession,
) -> Result<Value, AgentsError> {
    let kind = TaskKind::parse(&task.task_type)
        .ok_or_else(|| AgentsError::Invalid(format!("unknown task type {}", task.task_type)))?;
    match kind {
        TaskKind::ContentGenerate => content::generate(state, task, settings, session).await,
        TaskKind::ContentImprove => content::improve(state, task, settings, session).await,
        TaskKind::HashtagSuggest => hashtags::suggest(state, task, settings, session).await,
        TaskKind::CompetitorAnalyze => competitor::analyze(state, task, settings, session).await,
        TaskKind::ScheduleOptimize => schedule::optimize(state, task, session).await,
        TaskKind::EngagementPredict => prediction::predict(state, task, session).await,
        TaskKind::TrendsAnalyze => trends::analyze(state, task, settings, session).await,
        TaskKind::PerformanceReview => performance::review(state, task, session).await,
        TaskKind::CrisisScan => crisis::scan(state, task, settings, session).await,
        TaskKind::CampaignContent
        | TaskKind::CampaignSlots
        | TaskKind::CampaignDrafts
        | TaskKind::ReviewPerformance
        | TaskKind::ReviewReport
        | TaskKind::ReviewRecommendations => {
            workflows::run_step(state, task, kind, settings, session).await
        }
    }
}

/// Reads a task's input as the type its kind expects (it was validated when submitted).
pub(crate) fn input_of<T: serde::de::DeserializeOwned>(task: &Task) -> Result<T, AgentsError> {
    serde_json::from_value(task.input_data.clone())
        .map_err(|e| AgentsError::Invalid(format!("the task's input is not usable: {e}")))
}
