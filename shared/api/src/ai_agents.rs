//! `/api/ai-agents/*`: the agents and their settings, the task endpoints (202 with a status
//! URL, or 200 with the result when `Prefer: wait=N` is met), task history, memory, workflows
//! and the month's AI usage. The work itself happens in the agent functions (`agents` crate).

use std::time::Duration;

use agents::budget::{self, AiUsage};
use agents::catalog::{AgentSettings, TaskInput, TaskKind};
use agents::competitor::CompetitorRequest;
use agents::content::{Brief, ImproveRequest};
use agents::crisis::{CrisisScanRequest, CrisisStatus};
use agents::hashtags::HashtagRequest;
use agents::memory::{Feedback, MemoryView, NewMemoryInput};
use agents::performance::PerformanceRequest;
use agents::pipeline::{self, Requester};
use agents::prediction::PredictRequest;
use agents::schedule::ScheduleRequest;
use agents::trends::TrendsRequest;
use agents::views::{self, AgentView, TaskPage, TaskView, WorkflowPage, WorkflowView};
use agents::workflows::{self, WorkflowRequest};
use axum::Json as JsonResponse;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::{AgentTaskStatus, AgentType, MemoryType, Permission};
use http_kit::error::{ApiError, FieldChecks};
use http_kit::extract::{Json, Path, Query};
use http_kit::identity::CurrentUser;
use http_kit::routes::{Routes, op};
use runtime::AppState;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use store::agents::tasks::TaskFilter;
use uuid::Uuid;

use crate::service_errors;

pub fn routes() -> Routes {
    Routes::new("ai-agents")
        .route(
            op(Method::GET, "/api/ai-agents", "The organization's agents: what each does, its settings, counters and model")
                .returns::<Vec<AgentView>>(200),
            list_agents,
        )
        .route(
            op(Method::PATCH, "/api/ai-agents/{agent_type}", "Change an agent's settings (model, tone, brand voice, language) or switch it off; managers and admins")
                .body::<AgentChange>()
                .returns::<AgentView>(200)
                .errors(&[404]),
            configure_agent,
        )
        .route(
            op(Method::POST, "/api/ai-agents/content/generate", "Write one post per platform from a brief, checked against each platform's rules (202 and a status URL; `Prefer: wait=N` waits up to N ≤ 25 s)")
                .body::<Brief>()
                .returns::<TaskView>(202)
                .waits()
                .errors(&[402, 409, 503]),
            generate,
        )
        .route(
            op(Method::POST, "/api/ai-agents/content/improve", "Rewrite a post for a goal, with what changed and why")
                .body::<ImproveRequest>()
                .returns::<TaskView>(202)
                .waits()
                .errors(&[402, 409, 503]),
            plain_task::<ImproveRequest>,
        )
        .route(
            op(Method::POST, "/api/ai-agents/hashtags/suggest", "Hashtags ranked from your own history, related posts and the model's ideas, each with its evidence")
                .body::<HashtagRequest>()
                .returns::<TaskView>(202)
                .waits()
                .errors(&[402, 409, 503]),
            plain_task::<HashtagRequest>,
        )
        .route(
            op(Method::POST, "/api/ai-agents/competitor/analyze", "Compare your accounts with the competitor watchlist and recommend what to try, with the figures used")
                .body::<CompetitorRequest>()
                .returns::<TaskView>(202)
                .waits()
                .errors(&[402, 409, 503]),
            analyze_competitors,
        )
        .route(
            op(Method::POST, "/api/ai-agents/schedule/optimize", "Best times per account (a 7×24 heatmap from the last 16 weeks, shrunk toward the platform's pattern, with confidence) and drafts placed on the best free slots")
                .body::<ScheduleRequest>()
                .returns::<TaskView>(202)
                .waits()
                .errors(&[402, 409, 503]),
            optimize_schedule,
        )
        .route(
            op(Method::POST, "/api/ai-agents/engagement/predict", "A draft's predicted engagement with an 80 % interval from your own model (or not enough history), its held-out error against two baselines, and what to change to raise it")
                .body::<PredictRequest>()
                .returns::<TaskView>(202)
                .waits()
                .errors(&[402, 404, 409, 503]),
            predict_engagement,
        )
        .route(
            op(Method::POST, "/api/ai-agents/trends/analyze", "Bursts in your keywords' volume on X, your hashtags and your mentions, with the evidence, a summary and content ideas; stored for /api/analytics/trends")
                .body::<TrendsRequest>()
                .returns::<TaskView>(202)
                .waits()
                .errors(&[402, 409, 503]),
            plain_task::<TrendsRequest>,
        )
        .route(
            op(Method::GET, "/api/ai-agents/trends/keywords", "The keywords the trend analyzer follows every day")
                .returns::<KeywordList>(200),
            get_keywords,
        )
        .route(
            op(Method::PUT, "/api/ai-agents/trends/keywords", "Replace the followed keywords (up to 10); managers and admins")
                .body::<KeywordList>()
                .returns::<KeywordList>(200),
            put_keywords,
        )
        .route(
            op(Method::POST, "/api/ai-agents/performance/review", "Posts and accounts unusually above or below their seasonal baseline in the last N days (also run daily)")
                .body::<PerformanceRequest>()
                .returns::<TaskView>(202)
                .waits()
                .errors(&[402, 409, 503]),
            review_performance,
        )
        .route(
            op(Method::GET, "/api/ai-agents/crisis", "The brand's crisis level with its evidence, the holding statement, the auto-pause setting and whether publishing is paused")
                .returns::<CrisisStatus>(200),
            crisis_status,
        )
        .route(
            op(Method::POST, "/api/ai-agents/crisis/scan", "Read new mentions, score their sentiment and assess the crisis level now (also run every 30 minutes)")
                .body::<CrisisScanRequest>()
                .returns::<TaskView>(202)
                .waits()
                .errors(&[402, 409, 503]),
            scan_crisis,
        )
        .route(
            op(Method::PUT, "/api/ai-agents/crisis/settings", "Whether a crisis pauses all scheduled publishing on its own; managers and admins")
                .body::<CrisisSettings>()
                .returns::<CrisisStatus>(200),
            crisis_settings,
        )
        .route(
            op(Method::POST, "/api/ai-agents/crisis/resolve", "Close the open crisis alert (publishing stays as it is); managers and admins")
                .returns::<CrisisStatus>(200)
                .errors(&[409]),
            resolve_crisis,
        )
        .route(
            op(Method::GET, "/api/ai-agents/tasks", "AI task history, newest first, with tokens, cost and time")
                .query::<TaskParams>()
                .returns::<TaskPage>(200),
            list_tasks,
        )
        .route(
            op(Method::GET, "/api/ai-agents/tasks/{id}", "One task: input, output, each model call and check, tokens, cost, error")
                .returns::<TaskView>(200)
                .errors(&[404]),
            get_task,
        )
        .route(
            op(Method::POST, "/api/ai-agents/tasks/{id}/feedback", "Accept or reject a task's output: remembered as a preference for next time")
                .body::<Feedback>()
                .returns::<MemoryView>(201)
                .errors(&[404, 409]),
            task_feedback,
        )
        .route(
            op(Method::GET, "/api/ai-agents/usage", "This month's AI spending against the plan's budget")
                .returns::<AiUsage>(200),
            usage,
        )
        .route(
            op(Method::GET, "/api/ai-agents/memory", "What the agents remember (brand voice, preferences, past outputs), newest first")
                .query::<MemoryParams>()
                .returns::<MemoryPage>(200),
            list_memory,
        )
        .route(
            op(Method::POST, "/api/ai-agents/memory", "Teach the agents something (the brand voice, a rule of thumb); managers and admins")
                .body::<NewMemoryInput>()
                .returns::<MemoryView>(201)
                .errors(&[503]),
            add_memory,
        )
        .route(
            op(Method::DELETE, "/api/ai-agents/memory/{id}", "Make the agents forget one memory; managers and admins")
                .returns_nothing(204)
                .errors(&[404]),
            delete_memory,
        )
        .route(
            op(Method::POST, "/api/ai-agents/workflows", "Start a workflow: a campaign (content → slots → drafts awaiting approval) or the weekly review (figures → report → recommendations)")
                .body::<WorkflowRequest>()
                .returns::<WorkflowView>(202)
                .errors(&[402, 409, 503]),
            start_workflow,
        )
        .route(
            op(Method::GET, "/api/ai-agents/workflows", "Workflows, newest first, step by step")
                .query::<PageParams>()
                .returns::<WorkflowPage>(200),
            list_workflows,
        )
        .route(
            op(Method::GET, "/api/ai-agents/workflows/{id}", "One workflow, step by step, with each step's tasks")
                .returns::<WorkflowView>(200)
                .errors(&[404]),
            get_workflow,
        )
        .route(
            op(Method::POST, "/api/ai-agents/workflows/{id}/retry", "Run a failed workflow's failed step again")
                .returns::<WorkflowView>(202)
                .errors(&[402, 404, 409, 503]),
            retry_workflow,
        )
}

pub fn router(state: AppState) -> Router {
    routes().into_router(state)
}

fn requester(current: &CurrentUser) -> Requester {
    Requester {
        organization_id: current.organization_id,
        user_id: current.user_id,
    }
}

/// `Prefer: wait=N` (RFC 7240), capped at 25 s; other preferences are ignored, as the RFC asks.
fn preferred_wait(headers: &HeaderMap) -> Option<u64> {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split([',', ';']))
        .filter_map(|p| p.trim().strip_prefix("wait="))
        .find_map(|n| n.trim().parse::<u64>().ok())
        .map(|n| n.min(pipeline::MAX_WAIT.as_secs()))
}

/// Validates, submits, and answers 202 — or 200 with the finished task when the caller asked to
/// wait and it finished in time.
async fn submit<T: TaskInput>(
    state: &AppState,
    current: &CurrentUser,
    headers: &HeaderMap,
    input: &T,
) -> Result<Response, ApiError> {
    submit_checked(state, current, headers, input, Vec::new()).await
}

/// [`submit`] with problems the handler found beyond the input's own fields.
async fn submit_checked<T: TaskInput>(
    state: &AppState,
    current: &CurrentUser,
    headers: &HeaderMap,
    input: &T,
    mut problems: Vec<(&'static str, String)>,
) -> Result<Response, ApiError> {
    current.require(Permission::CreateContent)?;
    let mut checks = FieldChecks::new();
    problems.splice(0..0, input.problems());
    for (field, problem) in problems {
        checks.push(field, &problem);
    }
    checks.finish()?;
    let input_json = serde_json::to_value(input).expect("a task's input serializes");
    let task = pipeline::submit(state, &requester(current), T::KIND, &input_json)
        .await
        .map_err(service_errors::agents)?;
    let mut task = task;
    let wait = preferred_wait(headers);
    if let Some(seconds) = wait {
        task = pipeline::wait_for(
            state,
            current.organization_id,
            task.id,
            Duration::from_secs(seconds),
        )
        .await
        .map_err(service_errors::agents)?;
    }
    let finished = matches!(
        task.status,
        AgentTaskStatus::Completed | AgentTaskStatus::Failed
    );
    let view = TaskView::from(task);
    let mut response = if finished {
        (StatusCode::OK, JsonResponse(&view)).into_response()
    } else {
        (StatusCode::ACCEPTED, JsonResponse(&view)).into_response()
    };
    if let Ok(location) = HeaderValue::from_str(&view.status_url) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    if let Some(seconds) = wait
        && let Ok(applied) = HeaderValue::from_str(&format!("wait={seconds}"))
    {
        response.headers_mut().insert("preference-applied", applied);
    }
    Ok(response)
}

async fn generate(
    State(state): State<AppState>,
    current: CurrentUser,
    headers: HeaderMap,
    Json(brief): Json<Brief>,
) -> Result<Response, ApiError> {
    let mut problems = Vec::new();
    if !brief.draft_for_accounts.is_empty() {
        let client = state.db.client().await?;
        let owned = store::social_accounts::list(&**client, current.organization_id).await?;
        problems.extend(
            agents::content::account_problems(&owned, &brief.draft_for_accounts, &brief.platforms)
                .into_iter()
                .map(|problem| ("draft_for_accounts", problem)),
        );
    }
    submit_checked(&state, &current, &headers, &brief, problems).await
}

/// A task endpoint whose input needs no check beyond its own fields.
async fn plain_task<T: TaskInput + DeserializeOwned + Send + 'static>(
    State(state): State<AppState>,
    current: CurrentUser,
    headers: HeaderMap,
    Json(input): Json<T>,
) -> Result<Response, ApiError> {
    submit(&state, &current, &headers, &input).await
}

async fn analyze_competitors(
    State(state): State<AppState>,
    current: CurrentUser,
    headers: HeaderMap,
    Json(request): Json<CompetitorRequest>,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewAnalytics)?;
    let watched = {
        let client = state.db.client().await?;
        store::analytics::competitors::list(&**client, current.organization_id).await?
    };
    if watched.is_empty() {
        return Err(ApiError::new(
            http_kit::ErrorCode::Conflict,
            "the competitor watchlist is empty: add competitors in Analytics first",
        ));
    }
    submit(&state, &current, &headers, &request).await
}

async fn list_agents(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewOrganization)?;
    let agents = views::agents(&state, current.organization_id)
        .await
        .map_err(service_errors::agents)?;
    Ok(JsonResponse(agents).into_response())
}

/// New settings for an agent (the whole settings object: unset fields return to defaults).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct AgentChange {
    settings: Option<AgentSettings>,
    is_active: Option<bool>,
}

async fn configure_agent(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(agent_type): Path<String>,
    Json(change): Json<AgentChange>,
) -> Result<Response, ApiError> {
    current.require(Permission::ConfigureAgents)?;
    let agent_type: AgentType = agent_type
        .parse()
        .map_err(|_| ApiError::not_found("agent"))?;
    let mut checks = FieldChecks::new();
    let settings = match change.settings {
        Some(settings) => settings,
        None => {
            let client = state.db.client().await?;
            pipeline::agent_of(&client, current.organization_id, agent_type)
                .await
                .map_err(service_errors::agents)
                .map(|a| serde_json::from_value(a.configuration).unwrap_or_default())?
        }
    };
    for (field, invalid) in settings.problems() {
        checks.push(&format!("settings.{field}"), &invalid.0);
    }
    checks.finish()?;
    let view = views::configure(
        &state,
        current.organization_id,
        agent_type,
        &settings,
        change.is_active,
        &current.actor(),
    )
    .await
    .map_err(service_errors::agents)?;
    Ok(JsonResponse(view).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct TaskParams {
    agent_type: Option<AgentType>,
    status: Option<AgentTaskStatus>,
    task_type: Option<TaskKind>,
    workflow_id: Option<Uuid>,
    #[schemars(length(max = 100))]
    cursor: Option<String>,
    /// 1 to 100, default 25.
    #[schemars(range(min = 1, max = 100))]
    limit: Option<i64>,
}

fn cursor(
    checks: &mut FieldChecks,
    text: Option<&str>,
) -> Option<(chrono::DateTime<chrono::Utc>, Uuid)> {
    checks.check_opt("cursor", text, |c| {
        views::parse_cursor(c)
            .ok_or_else(|| domain::Invalid("is not a cursor this API returned".into()))
    })
}

async fn list_tasks(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(params): Query<TaskParams>,
) -> Result<Response, ApiError> {
    current.require(Permission::CreateContent)?;
    let mut checks = FieldChecks::new();
    let limit = checks.page_limit(params.limit, 25);
    let before = cursor(&mut checks, params.cursor.as_deref());
    checks.finish()?;
    let filter = TaskFilter {
        agent_type: params.agent_type,
        status: params.status,
        task_type: params.task_type.map(|k| k.as_str().to_owned()),
        workflow_id: params.workflow_id,
        before,
    };
    let page = views::task_page(&state, current.organization_id, &filter, limit)
        .await
        .map_err(service_errors::agents)?;
    Ok(JsonResponse(page).into_response())
}

async fn get_task(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    current.require(Permission::CreateContent)?;
    let client = state.db.client().await?;
    let task = store::agents::tasks::get(&**client, current.organization_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("task"))?;
    Ok(JsonResponse(TaskView::from(task)).into_response())
}

async fn task_feedback(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
    Json(feedback): Json<Feedback>,
) -> Result<Response, ApiError> {
    current.require(Permission::CreateContent)?;
    let mut checks = FieldChecks::new();
    if feedback
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > 500)
    {
        checks.push("note", "must be at most 500 characters");
    }
    checks.finish()?;
    let memory = agents::memory::feedback(
        &state,
        current.organization_id,
        current.user_id,
        id,
        &feedback,
    )
    .await
    .map_err(service_errors::agents)?;
    Ok((StatusCode::CREATED, JsonResponse(memory)).into_response())
}

async fn usage(State(state): State<AppState>, current: CurrentUser) -> Result<Response, ApiError> {
    current.require(Permission::ViewOrganization)?;
    let client = state.db.client().await?;
    let usage = budget::usage(&client, current.organization_id)
        .await
        .map_err(service_errors::agents)?;
    Ok(JsonResponse(usage).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct MemoryParams {
    memory_type: Option<MemoryType>,
    #[schemars(length(max = 100))]
    cursor: Option<String>,
    #[schemars(range(min = 1, max = 100))]
    limit: Option<i64>,
}

#[derive(Serialize, schemars::JsonSchema)]
struct MemoryPage {
    memories: Vec<MemoryView>,
    next_cursor: Option<String>,
}

async fn list_memory(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(params): Query<MemoryParams>,
) -> Result<Response, ApiError> {
    current.require(Permission::CreateContent)?;
    let mut checks = FieldChecks::new();
    let limit = checks.page_limit(params.limit, 25);
    let before = cursor(&mut checks, params.cursor.as_deref());
    checks.finish()?;
    let client = state.db.client().await?;
    let mut rows = store::agents::memory::list(
        &**client,
        current.organization_id,
        params.memory_type,
        before,
        limit + 1,
    )
    .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more
        .then(|| rows.last().map(|m| views::cursor_of(m.created_at, m.id)))
        .flatten();
    Ok(JsonResponse(MemoryPage {
        memories: rows.into_iter().map(MemoryView::from).collect(),
        next_cursor,
    })
    .into_response())
}

async fn add_memory(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(input): Json<NewMemoryInput>,
) -> Result<Response, ApiError> {
    current.require(Permission::ConfigureAgents)?;
    let mut checks = FieldChecks::new();
    let length = input.content.trim().chars().count();
    if length == 0 || length > 2000 {
        checks.push("content", "must be 1 to 2000 characters");
    }
    if input.memory_type == MemoryType::Conversation {
        checks.push(
            "memory_type",
            "must be knowledge or preference (agents keep conversations themselves)",
        );
    }
    if input.importance.is_some_and(|i| !(0.0..=1.0).contains(&i)) {
        checks.push("importance", "must be from 0 to 1");
    }
    if input
        .expires_in_days
        .is_some_and(|d| !(1..=3650).contains(&d))
    {
        checks.push("expires_in_days", "must be from 1 to 3650");
    }
    checks.finish()?;
    let memory = agents::memory::add(&state, current.organization_id, current.user_id, &input)
        .await
        .map_err(service_errors::agents)?;
    Ok((StatusCode::CREATED, JsonResponse(memory)).into_response())
}

async fn delete_memory(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    current.require(Permission::ConfigureAgents)?;
    let mut client = state.db.client().await?;
    let pg: &mut store::tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    if !store::agents::memory::delete(&tx, current.organization_id, id).await? {
        return Err(ApiError::not_found("memory"));
    }
    store::accounts::audit::record(
        &tx,
        &current.actor(),
        store::accounts::audit::AuditEntry {
            action: domain::AuditAction::Delete,
            resource_type: "ai_memory",
            resource_id: Some(id),
            old_values: None,
            new_values: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn start_workflow(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(request): Json<WorkflowRequest>,
) -> Result<Response, ApiError> {
    current.require(Permission::CreateContent)?;
    let mut checks = FieldChecks::new();
    for (field, problem) in request.problems() {
        checks.push(&field, &problem);
    }
    checks.finish()?;
    let workflow = workflows::start(&state, &requester(&current), &request)
        .await
        .map_err(service_errors::agents)?;
    let view = views::workflow_view(&state, workflow)
        .await
        .map_err(service_errors::agents)?;
    Ok((StatusCode::ACCEPTED, JsonResponse(view)).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct PageParams {
    #[schemars(length(max = 100))]
    cursor: Option<String>,
    #[schemars(range(min = 1, max = 100))]
    limit: Option<i64>,
}

async fn list_workflows(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(params): Query<PageParams>,
) -> Result<Response, ApiError> {
    current.require(Permission::CreateContent)?;
    let mut checks = FieldChecks::new();
    let limit = checks.page_limit(params.limit, 10);
    let before = cursor(&mut checks, params.cursor.as_deref());
    checks.finish()?;
    let page = views::workflow_page(&state, current.organization_id, before, limit)
        .await
        .map_err(service_errors::agents)?;
    Ok(JsonResponse(page).into_response())
}

async fn get_workflow(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    current.require(Permission::CreateContent)?;
    let view = views::workflow(&state, current.organization_id, id)
        .await
        .map_err(service_errors::agents)?;
    Ok(JsonResponse(view).into_response())
}

async fn retry_workflow(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    current.require(Permission::CreateContent)?;
    let exists = {
        let client = state.db.client().await?;
        store::agents::workflows::get(&**client, current.organization_id, id).await?
    };
    if exists.is_none() {
        return Err(ApiError::not_found("workflow"));
    }
    let workflow = workflows::retry(&state, current.organization_id, id)
        .await
        .map_err(service_errors::agents)?;
    let view = views::workflow_view(&state, workflow)
        .await
        .map_err(service_errors::agents)?;
    Ok((StatusCode::ACCEPTED, JsonResponse(view)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefer_wait_is_read_from_any_position_and_capped() {
        let mut headers = HeaderMap::new();
        headers.insert("prefer", HeaderValue::from_static("respond-async, wait=10"));
        assert_eq!(preferred_wait(&headers), Some(10));
        headers.insert("prefer", HeaderValue::from_static("wait=600"));
        assert_eq!(preferred_wait(&headers), Some(25));
        headers.insert("prefer", HeaderValue::from_static("wait=soon"));
        assert_eq!(preferred_wait(&headers), None);
    }
}

async fn optimize_schedule(
    State(state): State<AppState>,
    current: CurrentUser,
    headers: HeaderMap,
    Json(request): Json<ScheduleRequest>,
) -> Result<Response, ApiError> {
    let owned = {
        let client = state.db.client().await?;
        store::social_accounts::list(&**client, current.organization_id).await?
    };
    let problems = request
        .account_ids
        .iter()
        .filter(|id| !owned.iter().any(|a| a.id == **id))
        .map(|id| ("account_ids", format!("{id} is not one of your accounts")))
        .collect();
    submit_checked(&state, &current, &headers, &request, problems).await
}

async fn predict_engagement(
    State(state): State<AppState>,
    current: CurrentUser,
    headers: HeaderMap,
    Json(request): Json<PredictRequest>,
) -> Result<Response, ApiError> {
    {
        let client = state.db.client().await?;
        store::social_accounts::get(
            &**client,
            current.organization_id,
            request.account_id,
            false,
        )
        .await?
        .ok_or_else(|| ApiError::not_found("social account"))?;
    }
    submit(&state, &current, &headers, &request).await
}

async fn review_performance(
    State(state): State<AppState>,
    current: CurrentUser,
    headers: HeaderMap,
    Json(request): Json<PerformanceRequest>,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewAnalytics)?;
    submit(&state, &current, &headers, &request).await
}

/// The keywords the trend analyzer follows.
#[derive(Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct KeywordList {
    #[schemars(length(max = 10))]
    keywords: Vec<String>,
}

async fn get_keywords(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewAnalytics)?;
    let client = state.db.client().await?;
    let keywords = store::insights::trend_keywords(&**client, current.organization_id).await?;
    Ok(JsonResponse(KeywordList { keywords }).into_response())
}

async fn put_keywords(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(list): Json<KeywordList>,
) -> Result<Response, ApiError> {
    current.require(Permission::ConfigureAgents)?;
    let mut checks = FieldChecks::new();
    for (field, problem) in agents::trends::keyword_problems(&list.keywords) {
        checks.push(field, &problem);
    }
    checks.finish()?;
    let keywords = agents::trends::normalized(&list.keywords);
    let client = state.db.client().await?;
    store::insights::set_trend_keywords(&**client, current.organization_id, &keywords).await?;
    Ok(JsonResponse(KeywordList { keywords }).into_response())
}

async fn crisis_status(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewAnalytics)?;
    let status = agents::crisis::status(&state, current.organization_id)
        .await
        .map_err(service_errors::agents)?;
    Ok(JsonResponse(status).into_response())
}

async fn scan_crisis(
    State(state): State<AppState>,
    current: CurrentUser,
    headers: HeaderMap,
    Json(request): Json<CrisisScanRequest>,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewAnalytics)?;
    submit(&state, &current, &headers, &request).await
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct CrisisSettings {
    /// Pause all scheduled publishing when the level reaches `crisis`.
    auto_pause: bool,
}

async fn crisis_settings(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(settings): Json<CrisisSettings>,
) -> Result<Response, ApiError> {
    current.require(Permission::ConfigureAgents)?;
    {
        let client = state.db.client().await?;
        store::insights::set_auto_pause(&**client, current.organization_id, settings.auto_pause)
            .await?;
    }
    crisis_status(State(state), current).await
}

async fn resolve_crisis(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    current.require(Permission::ManageAllContent)?;
    let resolved = agents::crisis::resolve(&state, current.organization_id, current.user_id)
        .await
        .map_err(service_errors::agents)?;
    if !resolved {
        return Err(ApiError::new(
            http_kit::ErrorCode::Conflict,
            "there is no open crisis alert",
        ));
    }
    crisis_status(State(state), current).await
}
