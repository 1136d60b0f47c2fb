//! What the agents remember: the brand voice, preferences learned from suggestions a member
//! accepted or rejected, and summaries of past outputs. Each memory has an embedding; recall
//! ranks by meaning, words in common, importance and freshness (see `store::agents::memory`).

use chrono::{Duration, Utc};
use domain::MemoryType;
use runtime::AppState;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use store::OrgId;
use store::agents::memory::{self as db, Memory, NewMemory, Recall, Recalled};
use uuid::Uuid;

use crate::catalog::AgentSettings;
use crate::{AgentsError, ModelSession};

/// What a task is told about the brand before it writes.
#[derive(Debug, Clone, Default)]
pub struct BrandContext {
    pub brand_voice: Option<String>,
    pub recalled: Vec<Recalled>,
}

impl BrandContext {
    pub fn as_data(&self) -> Value {
        json!({
            "brand_voice": self.brand_voice,
            "remembered": self.recalled.iter().map(|r| json!({
                "kind": r.memory.memory_type.as_str(),
                "note": r.memory.content_summary,
            })).collect::<Vec<_>>(),
        })
    }

    pub fn memory_ids(&self) -> Vec<Uuid> {
        self.recalled.iter().map(|r| r.memory.id).collect()
    }
}

/// The memories most relevant to `query` for the task's agent: five at most.
pub async fn context(
    session: &mut ModelSession,
    state: &AppState,
    task: &store::agents::tasks::Task,
    settings: &AgentSettings,
    query: &str,
) -> Result<BrandContext, AgentsError> {
    let (organization_id, agent_id) = (task.organization_id, task.agent_id);
    let vector = session.embed(&[query.to_owned()]).await?.pop();
    let model = state.config.ai.embedding_model.clone();
    let client = state.db.client().await?;
    let recalled = db::recall(
        &**client,
        &Recall {
            organization_id,
            agent_id,
            embedding: vector.as_deref().map(|v| (v, model.as_str())),
            text: query,
            limit: 5,
        },
    )
    .await?;
    session.note(
        "recall memory",
        json!({ "found": recalled.iter().map(|r| json!({ "id": r.memory.id, "score": r.score })).collect::<Vec<_>>() }),
    );
    Ok(BrandContext {
        brand_voice: settings.brand_voice.clone(),
        recalled,
    })
}

pub struct Remember<'a> {
    pub organization_id: OrgId,
    pub agent_id: Option<Uuid>,
    pub memory_type: MemoryType,
    pub summary: &'a str,
    pub metadata: Value,
    pub importance: f64,
    pub ttl_days: Option<i64>,
    pub source_task_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
}

pub async fn remember(
    session: &mut ModelSession,
    state: &AppState,
    memory: Remember<'_>,
) -> Result<Memory, AgentsError> {
    let vector = session.embed(&[memory.summary.to_owned()]).await?.pop();
    let model = state.config.ai.embedding_model.clone();
    let client = state.db.client().await?;
    Ok(db::insert(
        &**client,
        &NewMemory {
            organization_id: memory.organization_id,
            agent_id: memory.agent_id,
            memory_type: memory.memory_type,
            summary: memory.summary,
            metadata: &memory.metadata,
            importance: memory.importance.clamp(0.0, 1.0),
            expires_at: memory.ttl_days.map(|d| Utc::now() + Duration::days(d)),
            embedding: vector.as_deref().map(|v| (v, model.as_str())),
            source_task_id: memory.source_task_id,
            created_by: memory.created_by,
        },
    )
    .await?)
}

/// A memory as members see and manage it.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct MemoryView {
    pub id: Uuid,
    /// `null`: shared by every agent.
    pub agent_type: Option<domain::AgentType>,
    pub memory_type: MemoryType,
    pub content: String,
    pub importance: f64,
    pub metadata: Value,
    pub created_at: chrono::DateTime<Utc>,
    pub expires_at: Option<chrono::DateTime<Utc>>,
    pub source_task_id: Option<Uuid>,
}

impl From<Memory> for MemoryView {
    fn from(m: Memory) -> Self {
        MemoryView {
            id: m.id,
            agent_type: m.agent_type,
            memory_type: m.memory_type,
            content: m.content_summary,
            importance: m.importance,
            metadata: m.metadata,
            created_at: m.created_at,
            expires_at: m.expires_at,
            source_task_id: m.source_task_id,
        }
    }
}

/// A model session outside any task (a member's memory, feedback): embeddings only, whose cost
/// is a fraction of a cent and not counted against the budget.
fn short_session(state: &AppState) -> ModelSession {
    ModelSession::new(
        state,
        state.config.ai.chat_model.clone(),
        std::time::Instant::now() + std::time::Duration::from_secs(20),
    )
}

/// A memory a member adds by hand (the brand voice, a rule of thumb).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMemoryInput {
    /// `knowledge` (facts, brand voice) or `preference` (what to do or avoid).
    pub memory_type: MemoryType,
    #[schemars(length(min = 1, max = 2000))]
    pub content: String,
    /// 0 to 1, default 0.8: how much it should weigh in recall.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub importance: Option<f64>,
    /// Forget it after this many days (1 to 3650); default never.
    #[schemars(range(min = 1, max = 3650))]
    pub expires_in_days: Option<i64>,
}

/// Embeds and stores a member's memory (a short model session: its cost is tiny and not a task).
pub async fn add(
    state: &AppState,
    organization_id: OrgId,
    user_id: Uuid,
    input: &NewMemoryInput,
) -> Result<MemoryView, AgentsError> {
    let mut session = short_session(state);
    let memory = remember(
        &mut session,
        state,
        Remember {
            organization_id,
            agent_id: None,
            memory_type: input.memory_type,
            summary: input.content.trim(),
            metadata: json!({ "source": "member" }),
            importance: input.importance.unwrap_or(0.8),
            ttl_days: input.expires_in_days,
            source_task_id: None,
            created_by: Some(user_id),
        },
    )
    .await?;
    Ok(memory.into())
}

/// A member's verdict on a task's output, remembered as a preference.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Feedback {
    pub accepted: bool,
    /// Why, in a sentence (optional).
    #[schemars(length(max = 500))]
    pub note: Option<String>,
}

pub async fn feedback(
    state: &AppState,
    organization_id: OrgId,
    user_id: Uuid,
    task_id: Uuid,
    feedback: &Feedback,
) -> Result<MemoryView, AgentsError> {
    let task = {
        let client = state.db.client().await?;
        store::agents::tasks::get(&**client, organization_id, task_id)
            .await?
            .ok_or(AgentsError::NotFound("task"))?
    };
    let Some(output) = task.output_data.as_ref() else {
        return Err(AgentsError::Invalid(
            "only a completed task's output can be judged".into(),
        ));
    };
    let sample = sample_of(output);
    let verdict = if feedback.accepted {
        "Liked"
    } else {
        "Rejected"
    };
    let mut summary = format!("{verdict} ({}): {sample}", task.task_type.replace('_', " "));
    if let Some(note) = feedback
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        summary.push_str(&format!(" — because: {note}"));
    }
    let summary: String = summary.chars().take(2000).collect();
    let mut session = short_session(state);
    let memory = remember(
        &mut session,
        state,
        Remember {
            organization_id,
            agent_id: Some(task.agent_id),
            memory_type: MemoryType::Preference,
            summary: &summary,
            metadata: json!({ "source": "feedback", "accepted": feedback.accepted }),
            importance: if feedback.accepted { 0.7 } else { 0.8 },
            ttl_days: Some(365),
            source_task_id: Some(task.id),
            created_by: Some(user_id),
        },
    )
    .await?;
    Ok(memory.into())
}

/// A short excerpt of an output: its first text.
fn sample_of(output: &Value) -> String {
    fn first_text(value: &Value) -> Option<&str> {
        match value {
            Value::String(s) if s.len() > 20 => Some(s),
            Value::Array(items) => items.iter().find_map(first_text),
            Value::Object(map) => map.values().find_map(first_text),
            _ => None,
        }
    }
    first_text(output)
        .unwrap_or("the output")
        .chars()
        .take(300)
        .collect()
}
