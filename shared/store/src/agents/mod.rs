//! The AI agents' records: each organization's agent configurations and counters, the tasks
//! they ran (with what each cost), workflows that chain tasks, and the agents' memory.

pub mod memory;
pub mod tasks;
pub mod workflows;

use chrono::{DateTime, Utc};
use domain::AgentType;
use serde_json::Value;
use tokio_postgres::{GenericClient, Row};
use uuid::Uuid;

use crate::{OrgId, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    pub id: Uuid,
    pub organization_id: OrgId,
    pub agent_type: AgentType,
    pub agent_name: String,
    pub configuration: Value,
    pub is_active: bool,
    pub tasks_completed: i32,
    pub tasks_failed: i32,
    pub success_rate: f64,
    pub last_execution: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, organization_id, agent_type, agent_name, configuration, is_active,
    tasks_completed, tasks_failed, success_rate::float8, last_execution";

fn from_row(r: &Row) -> Agent {
    Agent {
        id: r.get(0),
        organization_id: r.get(1),
        agent_type: r.get::<_, String>(2).parse().expect("checked agent type"),
        agent_name: r.get(3),
        configuration: r.get(4),
        is_active: r.get(5),
        tasks_completed: r.get(6),
        tasks_failed: r.get(7),
        success_rate: r.get(8),
        last_execution: r.get(9),
    }
}

/// Creates the agents an organization does not have yet (with these defaults), then lists all.
pub async fn ensure(
    db: &impl GenericClient,
    organization_id: OrgId,
    defaults: &[(AgentType, &str, Value)],
) -> Result<Vec<Agent>, StoreError> {
    let types: Vec<&str> = defaults.iter().map(|(t, _, _)| t.as_str()).collect();
    let names: Vec<&str> = defaults.iter().map(|(_, n, _)| *n).collect();
    let configurations: Vec<Value> = defaults.iter().map(|(_, _, c)| c.clone()).collect();
    db.execute(
        "INSERT INTO ai_agents (organization_id, agent_type, agent_name, configuration)
         SELECT $1, t, n, c FROM unnest($2::text[], $3::text[], $4::jsonb[]) AS d(t, n, c)
         ON CONFLICT (organization_id, agent_type) DO NOTHING",
        &[&organization_id, &types, &names, &configurations],
    )
    .await?;
    list(db, organization_id).await
}

pub async fn list(
    db: &impl GenericClient,
    organization_id: OrgId,
) -> Result<Vec<Agent>, StoreError> {
    let rows = db
        .query(
            &format!(
                "SELECT {COLUMNS} FROM ai_agents WHERE organization_id = $1
                 ORDER BY array_position(ARRAY['content_creator', 'trend_analyzer',
                    'engagement_optimizer', 'smart_scheduler', 'performance_tracker',
                    'competitor_monitor', 'crisis_manager', 'orchestrator']::text[], agent_type::text)"
            ),
            &[&organization_id],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect())
}

pub async fn get(
    db: &impl GenericClient,
    organization_id: OrgId,
    agent_type: AgentType,
) -> Result<Option<Agent>, StoreError> {
    let row = db
        .query_opt(
            &format!(
                "SELECT {COLUMNS} FROM ai_agents WHERE organization_id = $1 AND agent_type = $2"
            ),
            &[&organization_id, &agent_type.as_str()],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

pub async fn update(
    db: &impl GenericClient,
    organization_id: OrgId,
    agent_type: AgentType,
    configuration: &Value,
    is_active: bool,
) -> Result<Option<Agent>, StoreError> {
    let row = db
        .query_opt(
            &format!(
                "UPDATE ai_agents SET configuration = $3, is_active = $4
                 WHERE organization_id = $1 AND agent_type = $2 RETURNING {COLUMNS}"
            ),
            &[
                &organization_id,
                &agent_type.as_str(),
                configuration,
                &is_active,
            ],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// Counts one finished task: completed or failed, the success rate over both, when.
pub async fn count_outcome(
    db: &impl GenericClient,
    agent_id: Uuid,
    succeeded: bool,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE ai_agents SET
             tasks_completed = tasks_completed + $2::int,
             tasks_failed = tasks_failed + (1 - $2::int),
             success_rate = round(100.0 * (tasks_completed + $2::int)
                                  / (tasks_completed + tasks_failed + 1), 2),
             last_execution = now()
         WHERE id = $1",
        &[&agent_id, &i32::from(succeeded)],
    )
    .await?;
    Ok(())
}

/// One published post's text, tags and totals across its targets.
#[derive(Debug, Clone, PartialEq)]
pub struct PostPerformance {
    pub content: String,
    /// Lower case, without `#`.
    pub hashtags: Vec<String>,
    pub engagements: f64,
    pub impressions: f64,
}

/// The organization's posts published since `since` that have metrics, newest first.
pub async fn post_performance(
    db: &impl GenericClient,
    organization_id: OrgId,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<PostPerformance>, StoreError> {
    let rows = db
        .query(
            "SELECT p.content,
                    COALESCE((SELECT array_agg(DISTINCT lower(ltrim(t, '#')))
                              FROM jsonb_array_elements_text(
                                  CASE WHEN jsonb_typeof(p.hashtags) = 'array' THEN p.hashtags ELSE '[]' END) t),
                             '{}'),
                    sum(pm.engagements)::float8, sum(pm.impressions)::float8
             FROM posts p JOIN post_metrics pm ON pm.post_id = p.id
             WHERE p.organization_id = $1 AND pm.organization_id = $1 AND pm.published_at >= $2
             GROUP BY p.id ORDER BY max(pm.published_at) DESC LIMIT $3",
            &[&organization_id, &since, &limit],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| PostPerformance {
            content: r.get(0),
            hashtags: r.get(1),
            engagements: r.get(2),
            impressions: r.get(3),
        })
        .collect())
}

/// Times already taken on the organization's calendar between `from` and `to` (scheduled
/// posts and drafts with a proposed time).
pub async fn calendar_times(
    db: &impl GenericClient,
    organization_id: OrgId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>, StoreError> {
    let rows = db
        .query(
            "SELECT scheduled_at FROM posts
             WHERE organization_id = $1 AND scheduled_at >= $2 AND scheduled_at < $3
               AND archived_at IS NULL AND status IN ('draft', 'scheduled', 'publishing')",
            &[&organization_id, &from, &to],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}
