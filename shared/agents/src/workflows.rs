//! Workflows: fixed chains of steps, each step a task of one agent, each hand-over a message on
//! the next agent's queue carrying the workflow id. A step's task settling moves the workflow
//! on ([`after_step`]) exactly once, guarded by `current_step` in Postgres. A failed step fails
//! the workflow with its reason; [`retry`] runs that step again.
//!
//! - **campaign**: content for every platform → a free slot per post → drafts on the calendar,
//!   awaiting a member's approval (an agent never schedules).
//! - **weekly review**: the week's figures → the PDF/CSV report → recommendations.
//!
//! Trend research, engagement prediction and learned best times join these chains when their
//! agents arrive.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use contracts::LiveEvent;
use domain::{AgentTaskStatus, NotificationKind};
use llm::OutputSchema;
use runtime::AppState;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use store::OrgId;
use store::agents::tasks::{self, NewTask, Task, TaskFilter};
use store::agents::workflows::{self as db, Workflow};
use uuid::Uuid;

use crate::catalog::{AgentSettings, TaskInput, TaskKind};
use crate::competitor::Recommendation;
use crate::content::{self, Brief, Variant};
use crate::memory;
use crate::pipeline::{self, Requester};
use crate::session::{Conversation, data_block, not_blank};
use crate::worker::input_of;
use crate::{AgentsError, ModelSession, budget};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkflowType {
    Campaign,
    WeeklyReview,
}

impl WorkflowType {
    pub const fn as_str(self) -> &'static str {
        match self {
            WorkflowType::Campaign => "campaign",
            WorkflowType::WeeklyReview => "weekly_review",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [WorkflowType::Campaign, WorkflowType::WeeklyReview]
            .into_iter()
            .find(|t| t.as_str() == text)
    }

    /// The steps in order: (name, task kind).
    pub const fn steps(self) -> &'static [(&'static str, TaskKind)] {
        match self {
            WorkflowType::Campaign => &[
                ("content", TaskKind::CampaignContent),
                ("slots", TaskKind::CampaignSlots),
                ("drafts", TaskKind::CampaignDrafts),
            ],
            WorkflowType::WeeklyReview => &[
                ("performance", TaskKind::ReviewPerformance),
                ("report", TaskKind::ReviewReport),
                ("recommendations", TaskKind::ReviewRecommendations),
            ],
        }
    }
}

/// A campaign: several posts on one brief, one a day from `starts_on`, as drafts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignInput {
    #[schemars(length(min = 1, max = 120))]
    pub name: String,
    pub brief: Brief,
    /// How many posts (1 to 7), one a day.
    #[schemars(range(min = 1, max = 7))]
    pub posts: u8,
    /// The accounts the drafts target (1 to 20); their platforms must be in the brief's.
    #[schemars(length(min = 1, max = 20))]
    pub social_account_ids: Vec<Uuid>,
    /// First day (YYYY-MM-DD, in `timezone`); default tomorrow.
    pub starts_on: Option<NaiveDate>,
    /// IANA zone of the slots; default UTC.
    #[schemars(length(max = 64))]
    pub timezone: Option<String>,
}

/// The weekly review of the last seven whole days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WeeklyReviewInput {
    /// IANA zone the days are cut in; default UTC.
    #[schemars(length(max = 64))]
    pub timezone: Option<String>,
    #[schemars(length(max = 10))]
    pub language: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WorkflowRequest {
    Campaign(Box<CampaignInput>),
    WeeklyReview(WeeklyReviewInput),
}

impl WorkflowRequest {
    pub fn workflow_type(&self) -> WorkflowType {
        match self {
            WorkflowRequest::Campaign(_) => WorkflowType::Campaign,
            WorkflowRequest::WeeklyReview(_) => WorkflowType::WeeklyReview,
        }
    }

    pub fn problems(&self) -> Vec<(String, String)> {
        let zone_problem = |tz: &Option<String>| {
            tz.as_ref()
                .filter(|tz| domain::TimeZone::parse(tz).is_err())
                .map(|_| {
                    (
                        "timezone".to_owned(),
                        "must be an IANA time zone".to_owned(),
                    )
                })
        };
        match self {
            WorkflowRequest::Campaign(c) => {
                let mut problems: Vec<(String, String)> = c
                    .brief
                    .problems()
                    .into_iter()
                    .map(|(f, p)| (format!("brief.{f}"), p))
                    .collect();
                if c.name.trim().is_empty() || c.name.chars().count() > 120 {
                    problems.push(("name".into(), "must be 1 to 120 characters".into()));
                }
                if !(1..=7).contains(&c.posts) {
                    problems.push(("posts".into(), "must be 1 to 7".into()));
                }
                if c.social_account_ids.is_empty() || c.social_account_ids.len() > 20 {
                    problems.push((
                        "social_account_ids".into(),
                        "must name 1 to 20 accounts".into(),
                    ));
                }
                problems.extend(zone_problem(&c.timezone));
                problems
            }
            WorkflowRequest::WeeklyReview(w) => {
                let mut problems: Vec<(String, String)> =
                    zone_problem(&w.timezone).into_iter().collect();
                problems.extend(
                    crate::catalog::language_problem(w.language.as_ref())
                        .map(|(field, problem)| (field.to_owned(), problem)),
                );
                problems
            }
        }
    }
}

fn zone(name: Option<&str>) -> Tz {
    name.and_then(|n| domain::TimeZone::parse(n).ok())
        .map(|z| z.0)
        .unwrap_or(chrono_tz::UTC)
}

/// The input of every step: what the workflow was asked, and what earlier steps produced.
#[derive(Deserialize)]
struct StepInput<T> {
    workflow: T,
    #[serde(default)]
    outputs: Value,
}

fn step_input(workflow: &Workflow) -> Value {
    // The request without its `type` tag: each step reads the variant it belongs to.
    let mut request = workflow
        .input_data
        .get("request")
        .cloned()
        .unwrap_or(Value::Null);
    if let Some(fields) = request.as_object_mut() {
        fields.remove("type");
    }
    json!({ "workflow": request, "outputs": workflow.output_data })
}

async fn create_step(
    state: &AppState,
    workflow: &Workflow,
    step: i16,
) -> Result<Option<(Uuid, domain::AgentType)>, AgentsError> {
    let kind_type = WorkflowType::parse(&workflow.workflow_type)
        .ok_or(AgentsError::NotFound("workflow type"))?;
    let (_, kind) = kind_type.steps()[step as usize];
    let client = state.db.client().await?;
    let agent = pipeline::agent_of(&client, workflow.organization_id, kind.agent()).await?;
    let created = tasks::create(
        &**client,
        &NewTask {
            organization_id: workflow.organization_id,
            agent_id: agent.id,
            task_type: kind.as_str(),
            input: &step_input(workflow),
            requested_by: workflow.requested_by,
            workflow: Some((workflow.id, step)),
        },
    )
    .await?;
    Ok(created.map(|task| (task.id, task.agent_type)))
}

/// Starts a workflow: its row and its first step's task, then the first message.
pub async fn start(
    state: &AppState,
    requester: &Requester,
    request: &WorkflowRequest,
) -> Result<Workflow, AgentsError> {
    let workflow = {
        let client = state.db.client().await?;
        budget::check(&client, requester.organization_id).await?;
        if let WorkflowRequest::Campaign(campaign) = request {
            let owned = store::social_accounts::list(&**client, requester.organization_id).await?;
            let problems = crate::content::account_problems(
                &owned,
                &campaign.social_account_ids,
                &campaign.brief.platforms,
            );
            if let Some(problem) = problems.first() {
                return Err(AgentsError::Invalid(format!("social account {problem}")));
            }
        }
        db::create(
            &**client,
            requester.organization_id,
            request.workflow_type().as_str(),
            &json!({ "request": request }),
            requester.user_id,
        )
        .await?
    };
    dispatch_step(state, &workflow).await?;
    Ok(workflow)
}

/// Makes sure the workflow's current step has a live task and that its message went out
/// (again, if the task is still pending: a duplicate message finds nothing to claim).
async fn dispatch_step(state: &AppState, workflow: &Workflow) -> Result<(), AgentsError> {
    let step = workflow.current_step;
    let (task_id, agent_type) = match create_step(state, workflow, step).await? {
        Some(created) => created,
        None => {
            let client = state.db.client().await?;
            let live = tasks::list(
                &**client,
                workflow.organization_id,
                &TaskFilter {
                    workflow_id: Some(workflow.id),
                    ..TaskFilter::default()
                },
                50,
            )
            .await?
            .into_iter()
            .find(|t| t.workflow_step == Some(step) && t.status == AgentTaskStatus::Pending);
            match live {
                Some(task) => (task.id, task.agent_type),
                None => return Ok(()),
            }
        }
    };
    if let Err(error) = pipeline::dispatch(state, agent_type, task_id, Some(workflow.id)).await {
        let client = state.db.client().await?;
        tasks::fail_pending(
            &**client,
            task_id,
            "the step could not be queued; retry the workflow",
        )
        .await?;
        db::fail(
            &**client,
            workflow.id,
            step,
            "a step could not be queued; retry the workflow",
        )
        .await?;
        return Err(error);
    }
    Ok(())
}

async fn finished(state: &AppState, workflow: &Workflow) {
    let Some(user_id) = workflow.requested_by else {
        return;
    };
    let Ok(client) = state.db.client().await else {
        return;
    };
    let name = workflow.workflow_type.replace('_', " ");
    let (title, body) = if workflow.status == "completed" {
        (
            format!("Your {name} workflow finished"),
            match WorkflowType::parse(&workflow.workflow_type) {
                Some(WorkflowType::Campaign) => {
                    "Its drafts are on the calendar, waiting for your approval.".to_owned()
                }
                _ => "Its figures, report and recommendations are ready.".to_owned(),
            },
        )
    } else {
        (
            format!("Your {name} workflow stopped"),
            workflow.error_message.clone().unwrap_or_default(),
        )
    };
    notifications::notify(
        state,
        &client,
        workflow.organization_id,
        notifications::Recipients::User(user_id),
        notifications::Draft {
            kind: NotificationKind::AiWorkflowFinished,
            title,
            body,
            link: Some(format!("/ai/workflows/{}", workflow.id)),
            post_id: None,
            social_account_id: None,
        },
    )
    .await;
}

/// Moves the workflow on after one of its steps settled; idempotent.
pub async fn after_step(state: &AppState, task: &Task) -> Result<(), AgentsError> {
    let (Some(workflow_id), Some(step)) = (task.workflow_id, task.workflow_step) else {
        return Ok(());
    };
    let Some(workflow) = ({
        let client = state.db.client().await?;
        db::find(&**client, workflow_id).await?
    }) else {
        return Ok(());
    };
    let Some(kind) = WorkflowType::parse(&workflow.workflow_type) else {
        return Ok(());
    };
    let steps = kind.steps();
    if workflow.status != "running" {
        return Ok(());
    }
    if workflow.current_step != step {
        // Moved on already (a redelivered message): make sure the next step went out.
        if workflow.current_step == step + 1 && (workflow.current_step as usize) < steps.len() {
            dispatch_step(state, &workflow).await?;
        }
        return Ok(());
    }
    let (name, _) = steps[step as usize];
    match task.status {
        AgentTaskStatus::Failed => {
            let reason = format!(
                "step “{name}” failed: {}",
                task.error_message.as_deref().unwrap_or("no reason given")
            );
            let failed = {
                let client = state.db.client().await?;
                db::fail(&**client, workflow.id, step, &reason).await?
            };
            if let Some(failed) = failed {
                finished(state, &failed).await;
            }
        }
        AgentTaskStatus::Completed => {
            let last = step as usize + 1 == steps.len();
            let output = task.output_data.clone().unwrap_or(Value::Null);
            let advanced = {
                let client = state.db.client().await?;
                db::advance(&**client, workflow.id, step, name, &output, last).await?
            };
            match advanced {
                Some(done) if last => finished(state, &done).await,
                Some(next) => dispatch_step(state, &next).await?,
                None => {}
            }
        }
        _ => {}
    }
    if let Some(user_id) = workflow.requested_by {
        live::send(
            state,
            live::Audience::User {
                organization_id: workflow.organization_id,
                user_id,
            },
            LiveEvent::AiTaskStatus {
                task_id: task.id,
                agent_type: task.agent_type,
                status: task.status,
                workflow_id: Some(workflow.id),
            },
        )
        .await;
    }
    Ok(())
}

/// Runs a failed workflow's failed step again.
pub async fn retry(
    state: &AppState,
    organization_id: OrgId,
    id: Uuid,
) -> Result<Workflow, AgentsError> {
    let workflow = {
        let client = state.db.client().await?;
        budget::check(&client, organization_id).await?;
        db::resume(&**client, organization_id, id)
            .await?
            .ok_or(AgentsError::NotRetryable)?
    };
    dispatch_step(state, &workflow).await?;
    Ok(workflow)
}

const ANGLES: [&str; 7] = [
    "the main message",
    "a behind-the-scenes look",
    "a customer's point of view",
    "a practical tip",
    "a question to the audience",
    "a surprising fact",
    "a clear call to action",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CampaignPost {
    pub angle: String,
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Slot {
    pub post: usize,
    pub at: DateTime<Utc>,
    /// Local time in the campaign's zone.
    pub local: String,
    pub reason: String,
    /// Expected engagement at this hour against the accounts' average (smart scheduler).
    #[serde(default)]
    pub lift: Option<f64>,
    /// The predictor's engagement for a post at this slot, when there is enough history.
    #[serde(default)]
    pub predicted: Option<insights::predict::Prediction>,
}

/// One step of a workflow, run by the agent its kind belongs to.
pub async fn run_step(
    state: &AppState,
    task: &Task,
    kind: TaskKind,
    settings: &AgentSettings,
    session: &mut ModelSession,
) -> Result<Value, AgentsError> {
    match kind {
        TaskKind::CampaignContent => {
            let input: StepInput<CampaignInput> = input_of(task)?;
            let campaign = input.workflow;
            let context =
                memory::context(session, state, task, settings, &campaign.brief.topic).await?;
            let mut posts = Vec::new();
            for angle in ANGLES.iter().take(usize::from(campaign.posts)) {
                let (variants, _) = content::write_variants(
                    session,
                    &campaign.brief,
                    settings,
                    &context,
                    Some(angle),
                )
                .await?;
                posts.push(CampaignPost {
                    angle: (*angle).to_owned(),
                    variants,
                });
            }
            Ok(json!({ "posts": posts, "model": session.label() }))
        }
        TaskKind::CampaignSlots => {
            let input: StepInput<CampaignInput> = input_of(task)?;
            let campaign = input.workflow;
            let count = input.outputs["content"]["posts"]
                .as_array()
                .map_or(0, Vec::len);
            let slots =
                campaign_slots(state, task.organization_id, &campaign, count, session).await?;
            Ok(json!({ "slots": slots }))
        }
        TaskKind::CampaignDrafts => {
            let input: StepInput<CampaignInput> = input_of(task)?;
            let campaign = input.workflow;
            let posts: Vec<CampaignPost> =
                serde_json::from_value(input.outputs["content"]["posts"].clone()).map_err(|e| {
                    AgentsError::Invalid(format!("the content step's output is not usable: {e}"))
                })?;
            let slots: Vec<Slot> = serde_json::from_value(input.outputs["slots"]["slots"].clone())
                .map_err(|e| {
                    AgentsError::Invalid(format!("the slots step's output is not usable: {e}"))
                })?;
            let model = input.outputs["content"]["model"]
                .as_str()
                .unwrap_or("unknown")
                .to_owned();
            let zone_name = zone(campaign.timezone.as_deref()).name().to_owned();
            let mut post_ids = Vec::new();
            for (i, post) in posts.iter().enumerate() {
                let proposed = slots
                    .iter()
                    .find(|s| s.post == i)
                    .map(|s| (s.at, zone_name.as_str()));
                let prompt = format!(
                    "{} ({}): {}",
                    campaign.name, post.angle, campaign.brief.topic
                );
                if let Some(id) = content::save_draft(
                    state,
                    task,
                    &post.variants,
                    &campaign.social_account_ids,
                    &prompt,
                    &model,
                    proposed,
                )
                .await?
                {
                    post_ids.push(id);
                }
            }
            session.note("drafts", json!({ "created": post_ids.len() }));
            Ok(json!({ "post_ids": post_ids, "awaiting_approval": true }))
        }
        TaskKind::ReviewPerformance => {
            let input: StepInput<WeeklyReviewInput> = input_of(task)?;
            let period = last_week(input.workflow.timezone.as_deref());
            let overview = analytics::dashboards::overview(
                state,
                task.organization_id,
                &period,
                &analytics::dashboards::Filters::default(),
            )
            .await?;
            session.note("figures", json!({ "from": period.from, "to": period.to }));
            Ok(serde_json::to_value(overview).expect("overview serializes"))
        }
        TaskKind::ReviewReport => {
            let input: StepInput<WeeklyReviewInput> = input_of(task)?;
            let period = last_week(input.workflow.timezone.as_deref());
            let Some(user_id) = task.requested_by else {
                return Err(AgentsError::Invalid(
                    "the member who asked for the review is gone".into(),
                ));
            };
            let title = format!("Weekly review {} to {}", period.from, period.to);
            let report = analytics::reports::request(
                state,
                task.organization_id,
                user_id,
                analytics::reports::ReportRequest {
                    title,
                    period,
                    accounts: Vec::new(),
                    sections: analytics::reports::Section::ALL.to_vec(),
                },
            )
            .await?;
            session.note("report requested", json!({ "report_id": report.id }));
            Ok(
                json!({ "report_id": report.id, "note": "the report is built in the background; a notification says when it is ready" }),
            )
        }
        TaskKind::ReviewRecommendations => {
            let input: StepInput<WeeklyReviewInput> = input_of(task)?;
            let language = input
                .workflow
                .language
                .as_deref()
                .or(settings.language.as_deref())
                .unwrap_or("en");
            recommendations(session, &input.outputs["performance"], language).await
        }
        other => Err(AgentsError::Invalid(format!(
            "{} is not a workflow step",
            other.as_str()
        ))),
    }
}

fn last_week(timezone: Option<&str>) -> analytics::dashboards::Period {
    let zone = zone(timezone);
    let today = Utc::now().with_timezone(&zone).date_naive();
    analytics::dashboards::Period {
        from: today - Duration::days(7),
        to: today - Duration::days(1),
        zone,
    }
}

/// One slot a day from the first day: the free hour (an hour from anything on the calendar)
/// with the best expected engagement for the campaign's accounts by the smart scheduler's slot
/// model, each with the engagement the predictor expects there (when the organization has
/// enough history for it).
async fn campaign_slots(
    state: &AppState,
    organization_id: OrgId,
    campaign: &CampaignInput,
    count: usize,
    session: &mut ModelSession,
) -> Result<Vec<Slot>, AgentsError> {
    let zone = zone(campaign.timezone.as_deref());
    let today = Utc::now().with_timezone(&zone).date_naive();
    let first = campaign
        .starts_on
        .filter(|d| *d > today)
        .unwrap_or(today + Duration::days(1));
    let accounts: Vec<store::social_accounts::SocialAccount> = {
        let client = state.db.client().await?;
        store::social_accounts::list(&**client, organization_id)
            .await?
            .into_iter()
            .filter(|a| campaign.social_account_ids.contains(&a.id))
            .collect()
    };
    let pairs: Vec<(Uuid, domain::Platform)> =
        accounts.iter().map(|a| (a.id, a.platform)).collect();
    let ids: Vec<Uuid> = pairs.iter().map(|p| p.0).collect();
    let model = crate::schedule::slot_model(state, organization_id, &pairs, zone).await?;
    let samples: Vec<insights::PostSample> = crate::history::settled_posts(
        state,
        organization_id,
        Utc::now() - crate::prediction::HISTORY,
    )
    .await?;
    let predictor = match insights::predict::train(&samples) {
        insights::predict::Training::Trained(p) => Some(p),
        insights::predict::Training::NotEnoughHistory { .. } => None,
    };
    let mut calendar = {
        let client = state.db.client().await?;
        let from = zone
            .from_local_datetime(&first.and_time(NaiveTime::MIN))
            .earliest()
            .map_or_else(Utc::now, |t| t.with_timezone(&Utc));
        let taken = store::agents::calendar_times(
            &**client,
            organization_id,
            from - Duration::hours(1),
            from + Duration::days(count as i64 + 2),
        )
        .await?;
        // Anything on the organization's calendar blocks its hour for every campaign account.
        insights::slots::Calendar {
            taken: ids.iter().map(|id| (*id, taken.clone())).collect(),
            spacing: Duration::minutes(60),
        }
    };
    let history = model.accounts.iter().map(|a| a.posts).sum::<usize>();
    let mut slots = Vec::new();
    for post in 0..count {
        let day = first + Duration::days(post as i64);
        // Waking hours only; with no history to learn from, the day starts at 10:00.
        let waking = if history == 0 { 10..=21 } else { 7..=22 };
        let candidates: Vec<_> =
            insights::slots::hours_between(day, day, zone, Utc::now() + Duration::minutes(30))
                .into_iter()
                .filter(|at| waking.contains(&at.with_timezone(&zone).hour()))
                .collect();
        let placement = [insights::slots::Placement {
            post_id: Uuid::nil(),
            accounts: ids.clone(),
        }];
        let Some(Ok(placed)) =
            insights::slots::assign(&model, &placement, &candidates, &mut calendar).pop()
        else {
            continue;
        };
        let at = placed.at;
        let predicted = match (&predictor, accounts.first()) {
            (Some(predictor), Some(account)) => {
                let content_type = match campaign.brief.platforms.first() {
                    Some(domain::Platform::TikTok) => domain::ContentType::Video,
                    _ => domain::ContentType::Text,
                };
                Some(predictor.predict(&insights::PostSample {
                    account_id: account.id,
                    platform: account.platform,
                    published_at: at,
                    content_type,
                    text_chars: 200,
                    hashtags: 2,
                    media_count: 0,
                    followers: account.followers_count.map(|f| f as f64),
                    engagements: 0.0,
                }))
            }
            _ => None,
        };
        let mut reason = if history == 0 {
            "no history yet: any free hour is as good".to_owned()
        } else {
            format!(
                "expected ×{:.2} your average engagement at this hour (confidence {:.0} %)",
                placed.effect.exp(),
                placed.confidence * 100.0
            )
        };
        if let Some(p) = &predicted {
            reason.push_str(&format!(
                "; predicted {:.0} engagements ({:.0}–{:.0})",
                p.engagements, p.low, p.high
            ));
        }
        slots.push(Slot {
            post,
            at,
            local: at
                .with_timezone(&zone)
                .format("%Y-%m-%d %H:%M %Z")
                .to_string(),
            reason,
            lift: Some((placed.effect.exp() * 1000.0).round() / 1000.0),
            predicted,
        });
    }
    session.note(
        "slots",
        json!({ "history_posts": history, "predictor": predictor.as_ref().map(|p| p.evaluation.kind) }),
    );
    Ok(slots)
}

#[derive(Deserialize)]
struct RecommendationsDocument {
    summary: String,
    recommendations: Vec<Recommendation>,
}

async fn recommendations(
    session: &mut ModelSession,
    figures: &Value,
    language: &str,
) -> Result<Value, AgentsError> {
    let schema = OutputSchema {
        name: "weekly_recommendations".into(),
        description: "What the week's figures say and what to do next week.".into(),
        schema: json!({
            "type": "object",
            "properties": {
                "summary": { "type": "string", "description": "The week in two or three sentences citing the figures, at most 500 characters." },
                "recommendations": crate::competitor::recommendations_schema()
            },
            "required": ["summary", "recommendations"]
        }),
    };
    let mut conversation = Conversation::new(
        &format!(
            "You are a social media analyst. Use only the figures given, cite them, and write in {language}."
        ),
        format!(
            "Review our week and recommend what to do next week.\n{}",
            data_block(&json!({ "figures": figures }))
        ),
    );
    let document: RecommendationsDocument = session
        .structured(
            "recommend",
            &mut conversation,
            &schema,
            1500,
            |d: &RecommendationsDocument| not_blank(&d.summary, "summary"),
        )
        .await?;
    Ok(json!({ "summary": document.summary, "recommendations": document.recommendations }))
}
