//! The competitor watchlist and its snapshots.

use chrono::{DateTime, NaiveDate, Utc};
use domain::Platform;
use serde::Serialize;
use tokio_postgres::{GenericClient, Row};
use uuid::Uuid;

use crate::{OrgId, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Competitor {
    pub id: Uuid,
    #[serde(skip)]
    pub organization_id: OrgId,
    pub platform: Platform,
    pub handle: String,
    pub platform_user_id: String,
    pub display_name: Option<String>,
    pub added_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub last_synced_at: Option<DateTime<Utc>>,
    /// Why the last refresh failed, if it did.
    pub last_error: Option<String>,
}

const COLUMNS: &str =
    "id, organization_id, platform, handle, platform_user_id, display_name, added_by,
    created_at, last_synced_at, last_error";

fn from_row(r: &Row) -> Competitor {
    Competitor {
        id: r.get(0),
        organization_id: r.get(1),
        platform: r.get::<_, String>(2).parse().expect("checked platform"),
        handle: r.get(3),
        platform_user_id: r.get(4),
        display_name: r.get(5),
        added_by: r.get(6),
        created_at: r.get(7),
        last_synced_at: r.get(8),
        last_error: r.get(9),
    }
}

/// The organization's competitors, with the organization row locked so two additions cannot
/// both pass the plan's limit.
pub async fn count_locked(
    db: &impl GenericClient,
    organization_id: OrgId,
) -> Result<i64, StoreError> {
    db.execute(
        "SELECT 1 FROM organizations WHERE id = $1 FOR NO KEY UPDATE",
        &[&organization_id],
    )
    .await?;
    Ok(db
        .query_one(
            "SELECT count(*) FROM competitor_accounts WHERE organization_id = $1",
            &[&organization_id],
        )
        .await?
        .get(0))
}

pub struct NewCompetitor<'a> {
    pub organization_id: OrgId,
    pub platform: Platform,
    pub handle: &'a str,
    pub platform_user_id: &'a str,
    pub display_name: Option<&'a str>,
    pub added_by: Uuid,
}

pub async fn insert(
    db: &impl GenericClient,
    new: &NewCompetitor<'_>,
) -> Result<Competitor, StoreError> {
    let row = db
        .query_one(
            &format!(
                "INSERT INTO competitor_accounts (organization_id, platform, handle, platform_user_id,
                                                  display_name, added_by)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
            ),
            &[
                &new.organization_id,
                &new.platform.as_str(),
                &new.handle,
                &new.platform_user_id,
                &new.display_name,
                &new.added_by,
            ],
        )
        .await?;
    Ok(from_row(&row))
}

pub async fn list(
    db: &impl GenericClient,
    organization_id: OrgId,
) -> Result<Vec<Competitor>, StoreError> {
    let rows = db
        .query(
            &format!(
                "SELECT {COLUMNS} FROM competitor_accounts WHERE organization_id = $1
                 ORDER BY platform, handle"
            ),
            &[&organization_id],
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
            "DELETE FROM competitor_accounts WHERE id = $1 AND organization_id = $2",
            &[&id, &organization_id],
        )
        .await?
        == 1)
}

/// Competitors of every organization not refreshed since `before`: what the sync refreshes.
pub async fn due(
    db: &impl GenericClient,
    before: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Competitor>, StoreError> {
    let rows = db
        .query(
            &format!(
                "SELECT {COLUMNS} FROM competitor_accounts
                 WHERE last_synced_at IS NULL OR last_synced_at < $1
                 ORDER BY last_synced_at NULLS FIRST, id LIMIT $2"
            ),
            &[&before, &limit],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect())
}

/// A competitor's public figures at one time.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CompetitorSnapshot {
    pub recorded_at: DateTime<Utc>,
    pub followers_count: Option<i64>,
    pub posts_count: Option<i64>,
    /// Their posts of the 30 days before, and what those earned.
    pub recent_posts: i32,
    pub recent_likes: i64,
    pub recent_comments: i64,
    pub top_hashtags: Vec<String>,
}

/// Records a snapshot and the refresh's success.
pub async fn record_snapshot(
    db: &impl GenericClient,
    organization_id: OrgId,
    competitor: Uuid,
    snapshot: &CompetitorSnapshot,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO competitor_snapshots (competitor_id, organization_id, recorded_at, followers_count,
                                           posts_count, recent_posts, recent_likes, recent_comments, top_hashtags)
         SELECT id, organization_id, $3, $4, $5, $6, $7, $8, $9 FROM competitor_accounts
         WHERE id = $1 AND organization_id = $2",
        &[
            &competitor,
            &organization_id,
            &snapshot.recorded_at,
            &snapshot.followers_count,
            &snapshot.posts_count,
            &snapshot.recent_posts,
            &snapshot.recent_likes,
            &snapshot.recent_comments,
            &serde_json::json!(snapshot.top_hashtags),
        ],
    )
    .await?;
    db.execute(
        "UPDATE competitor_accounts SET last_synced_at = $3, last_error = NULL
         WHERE id = $1 AND organization_id = $2",
        &[&competitor, &organization_id, &snapshot.recorded_at],
    )
    .await?;
    Ok(())
}

/// A refresh that failed: tried again at the next run after a day.
pub async fn record_failure(
    db: &impl GenericClient,
    organization_id: OrgId,
    competitor: Uuid,
    at: DateTime<Utc>,
    error: &str,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE competitor_accounts SET last_synced_at = $3, last_error = $4
         WHERE id = $1 AND organization_id = $2",
        &[&competitor, &organization_id, &at, &error],
    )
    .await?;
    Ok(())
}

/// Each competitor's latest snapshot.
pub async fn latest(
    db: &impl GenericClient,
    organization_id: OrgId,
) -> Result<Vec<(Uuid, CompetitorSnapshot)>, StoreError> {
    let rows = db
        .query(
            "SELECT DISTINCT ON (competitor_id) competitor_id, recorded_at, followers_count, posts_count,
                    recent_posts, recent_likes, recent_comments, top_hashtags
             FROM competitor_snapshots WHERE organization_id = $1
             ORDER BY competitor_id, recorded_at DESC",
            &[&organization_id],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let tags: serde_json::Value = r.get(7);
            (
                r.get(0),
                CompetitorSnapshot {
                    recorded_at: r.get(1),
                    followers_count: r.get(2),
                    posts_count: r.get(3),
                    recent_posts: r.get(4),
                    recent_likes: r.get(5),
                    recent_comments: r.get(6),
                    top_hashtags: serde_json::from_value(tags).unwrap_or_default(),
                },
            )
        })
        .collect())
}

/// Each competitor's followers at the end of each day of `[from, to)` in `zone`.
pub async fn followers_by_day(
    db: &impl GenericClient,
    organization_id: OrgId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    zone: &str,
) -> Result<Vec<(Uuid, NaiveDate, i64)>, StoreError> {
    let rows = db
        .query(
            "SELECT DISTINCT ON (competitor_id, day) competitor_id,
                    (recorded_at AT TIME ZONE $4)::date AS day, followers_count
             FROM competitor_snapshots
             WHERE organization_id = $1 AND recorded_at >= $2 AND recorded_at < $3
               AND followers_count IS NOT NULL
             ORDER BY competitor_id, day, recorded_at DESC",
            &[&organization_id, &from, &to, &zone],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect())
}
