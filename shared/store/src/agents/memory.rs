//! The agents' memory: short summaries (brand voice, preferences learned from accepted and
//! rejected suggestions, past outputs) with an embedding each. Retrieval ranks by cosine
//! similarity (a dot product of unit vectors, computed in SQL), full-text match, importance and
//! recency; expired memories are never returned and are deleted by maintenance.

use chrono::{DateTime, Utc};
use domain::{AgentType, MemoryType};
use serde_json::Value;
use tokio_postgres::{GenericClient, Row};
use uuid::Uuid;

use crate::{OrgId, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct Memory {
    pub id: Uuid,
    pub agent_type: Option<AgentType>,
    pub memory_type: MemoryType,
    pub content_summary: String,
    pub metadata: Value,
    pub importance: f64,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    pub source_task_id: Option<Uuid>,
}

const COLUMNS: &str = "m.id, a.agent_type, m.memory_type, m.content_summary,
    COALESCE(m.metadata, '{}'::jsonb), m.importance_score::float8, m.created_at, m.expires_at,
    m.created_by, m.source_task_id";

fn from_row(r: &Row) -> Memory {
    Memory {
        id: r.get(0),
        agent_type: r
            .get::<_, Option<String>>(1)
            .map(|t| t.parse().expect("checked agent type")),
        memory_type: r.get::<_, String>(2).parse().expect("checked memory type"),
        content_summary: r.get(3),
        metadata: r.get(4),
        importance: r.get(5),
        created_at: r.get(6),
        expires_at: r.get(7),
        created_by: r.get(8),
        source_task_id: r.get(9),
    }
}

pub struct NewMemory<'a> {
    pub organization_id: OrgId,
    /// `None`: shared by every agent of the organization (brand voice).
    pub agent_id: Option<Uuid>,
    pub memory_type: MemoryType,
    pub summary: &'a str,
    pub metadata: &'a Value,
    pub importance: f64,
    pub expires_at: Option<DateTime<Utc>>,
    pub embedding: Option<(&'a [f32], &'a str)>,
    pub source_task_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
}

pub async fn insert(db: &impl GenericClient, new: &NewMemory<'_>) -> Result<Memory, StoreError> {
    let row = db
        .query_one(
            &format!(
                "WITH m AS (
                     INSERT INTO ai_agent_memory (organization_id, agent_id, memory_type,
                         content_summary, metadata, importance_score, expires_at, embedding,
                         embedding_model, source_task_id, created_by)
                     VALUES ($1, $2, $3, $4, $5, $6::float8::numeric, $7, $8, $9, $10, $11)
                     RETURNING *)
                 SELECT {COLUMNS} FROM m LEFT JOIN ai_agents a ON a.id = m.agent_id"
            ),
            &[
                &new.organization_id,
                &new.agent_id,
                &new.memory_type.as_str(),
                &new.summary,
                new.metadata,
                &new.importance,
                &new.expires_at,
                &new.embedding.map(|(v, _)| v.to_vec()),
                &new.embedding.map(|(_, model)| model),
                &new.source_task_id,
                &new.created_by,
            ],
        )
        .await?;
    Ok(from_row(&row))
}

/// One memory found for a query, with the parts of its score.
#[derive(Debug, Clone, PartialEq)]
pub struct Recalled {
    pub memory: Memory,
    pub similarity: f64,
    pub text_match: f64,
    pub score: f64,
}

/// Weights of the retrieval score: meaning first, then words in common, then what the memory
/// itself says about its importance, then freshness (a 30-day half-life).
pub const WEIGHTS: [f64; 4] = [0.55, 0.2, 0.15, 0.1];

pub struct Recall<'a> {
    pub organization_id: OrgId,
    /// Memories of this agent and those shared by all agents.
    pub agent_id: Uuid,
    pub embedding: Option<(&'a [f32], &'a str)>,
    pub text: &'a str,
    pub limit: i64,
}

/// A text search query matching any word of `text` (words only: no operators get through).
fn any_word(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" | ")
}

pub async fn recall(
    db: &impl GenericClient,
    recall: &Recall<'_>,
) -> Result<Vec<Recalled>, StoreError> {
    let rows = db
        .query(
            &format!(
                "WITH q AS (SELECT CASE WHEN $4 = '' THEN NULL ELSE to_tsquery('simple', $4) END AS query),
                 scored AS (
                     SELECT m.*,
                         COALESCE(CASE WHEN $2::real[] IS NOT NULL AND m.embedding_model = $3
                              THEN (SELECT sum(x * y) FROM unnest(m.embedding, $2::real[]) AS v(x, y))
                              END, 0)::float8 AS similarity,
                         COALESCE(ts_rank(m.search_text, q.query, 1), 0)::float8 AS text_match
                     FROM ai_agent_memory m, q
                     WHERE m.organization_id = $1
                       AND (m.agent_id IS NULL OR m.agent_id = $5)
                       AND (m.expires_at IS NULL OR m.expires_at > now()))
                 SELECT {COLUMNS}, m.similarity, m.text_match,
                     $6::float8 * m.similarity + $7::float8 * LEAST(1, m.text_match * 10)
                     + $8::float8 * m.importance_score::float8
                     + $9::float8 * power(0.5, extract(epoch FROM now() - m.created_at)::float8 / 86400 / 30) AS score
                 FROM scored m LEFT JOIN ai_agents a ON a.id = m.agent_id
                 ORDER BY score DESC, m.created_at DESC LIMIT $10"
            ),
            &[
                &recall.organization_id,
                &recall.embedding.map(|(v, _)| v.to_vec()),
                &recall.embedding.map(|(_, model)| model),
                &any_word(recall.text),
                &recall.agent_id,
                &WEIGHTS[0],
                &WEIGHTS[1],
                &WEIGHTS[2],
                &WEIGHTS[3],
                &recall.limit,
            ],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| Recalled {
            memory: from_row(r),
            similarity: r.get(10),
            text_match: r.get(11),
            score: r.get(12),
        })
        .collect())
}

/// Newest first; expired memories are left out.
pub async fn list(
    db: &impl GenericClient,
    organization_id: OrgId,
    memory_type: Option<MemoryType>,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<Memory>, StoreError> {
    let rows = db
        .query(
            &format!(
                "SELECT {COLUMNS} FROM ai_agent_memory m LEFT JOIN ai_agents a ON a.id = m.agent_id
                 WHERE m.organization_id = $1 AND (m.expires_at IS NULL OR m.expires_at > now())
                   AND ($2::text IS NULL OR m.memory_type = $2)
                   AND ($3::timestamptz IS NULL OR (m.created_at, m.id) < ($3, $4))
                 ORDER BY m.created_at DESC, m.id DESC LIMIT $5"
            ),
            &[
                &organization_id,
                &memory_type.map(|t| t.as_str()),
                &before.map(|(at, _)| at),
                &before.map(|(_, id)| id),
                &limit,
            ],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect())
}

pub async fn delete(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
) -> Result<bool, StoreError> {
    Ok(db
        .execute(
            "DELETE FROM ai_agent_memory WHERE organization_id = $1 AND id = $2",
            &[&organization_id, &id],
        )
        .await?
        == 1)
}

/// What one member put into memory (their data export).
pub async fn created_by(db: &impl GenericClient, user_id: Uuid) -> Result<Vec<Memory>, StoreError> {
    let rows = db
        .query(
            &format!(
                "SELECT {COLUMNS} FROM ai_agent_memory m LEFT JOIN ai_agents a ON a.id = m.agent_id
                 WHERE m.created_by = $1 ORDER BY m.created_at"
            ),
            &[&user_id],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect())
}

/// Erases what one member put into memory (their account's erasure).
pub async fn erase_created_by(db: &impl GenericClient, user_id: Uuid) -> Result<u64, StoreError> {
    Ok(db
        .execute(
            "DELETE FROM ai_agent_memory WHERE created_by = $1",
            &[&user_id],
        )
        .await?)
}

pub async fn delete_expired(db: &impl GenericClient) -> Result<u64, StoreError> {
    Ok(db
        .execute(
            "DELETE FROM ai_agent_memory WHERE expires_at IS NOT NULL AND expires_at <= now()",
            &[],
        )
        .await?)
}
