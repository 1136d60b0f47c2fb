//! Connected social accounts of an organization. Tokens are stored only as ciphertexts (the
//! caller encrypts them, bound to the row id).

use chrono::{DateTime, Utc};
use domain::{AccountStatus, Platform};
use serde::Serialize;
use serde_json::Value;
use tokio_postgres::{GenericClient, Row};
use uuid::Uuid;

use crate::OrgId;
use crate::StoreError;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SocialAccount {
    pub id: Uuid,
    #[serde(skip)]
    pub organization_id: OrgId,
    pub connected_by: Option<Uuid>,
    pub platform: Platform,
    pub account_name: Option<String>,
    pub account_handle: Option<String>,
    /// The platform's id of the account.
    pub account_id: String,
    #[serde(skip)]
    pub access_token: Option<String>,
    #[serde(skip)]
    pub refresh_token: Option<String>,
    pub token_expires_at: Option<DateTime<Utc>>,
    pub is_active: bool,
    /// `needs_reconnect` when the platform no longer accepts our tokens.
    pub status: AccountStatus,
    pub status_reason: Option<String>,
    pub settings: Value,
    pub followers_count: Option<i64>,
    pub last_sync: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, organization_id, user_id, platform, account_name, account_handle, account_id, access_token,
    refresh_token, token_expires_at, is_active, status, status_reason, settings, followers_count, last_sync, created_at";

fn from_row(row: &Row) -> SocialAccount {
    SocialAccount {
        id: row.get("id"),
        organization_id: row.get("organization_id"),
        connected_by: row.get("user_id"),
        platform: row
            .get::<_, String>("platform")
            .parse()
            .expect("checked platform"),
        account_name: row.get("account_name"),
        account_handle: row.get("account_handle"),
        account_id: row
            .get::<_, Option<String>>("account_id")
            .unwrap_or_default(),
        access_token: row.get("access_token"),
        refresh_token: row.get("refresh_token"),
        token_expires_at: row.get("token_expires_at"),
        is_active: row.get("is_active"),
        status: row
            .get::<_, String>("status")
            .parse()
            .expect("checked account status"),
        status_reason: row.get("status_reason"),
        settings: row.get("settings"),
        followers_count: row.get("followers_count"),
        last_sync: row.get("last_sync"),
        created_at: row.get("created_at"),
    }
}

pub async fn count(db: &impl GenericClient, organization_id: OrgId) -> Result<i64, StoreError> {
    Ok(db
        .query_one(
            "SELECT count(*) FROM social_accounts WHERE organization_id = $1",
            &[&organization_id],
        )
        .await?
        .get(0))
}

pub async fn list(
    db: &impl GenericClient,
    organization_id: OrgId,
) -> Result<Vec<SocialAccount>, StoreError> {
    let rows = db
        .query(
            &format!("SELECT {COLUMNS} FROM social_accounts WHERE organization_id = $1 ORDER BY platform, created_at"),
            &[&organization_id],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect())
}

pub async fn get(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
    for_update: bool,
) -> Result<Option<SocialAccount>, StoreError> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let row = db
        .query_opt(
            &format!(
                "SELECT {COLUMNS} FROM social_accounts WHERE id = $1 AND organization_id = $2{lock}"
            ),
            &[&id, &organization_id],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

pub async fn find(
    db: &impl GenericClient,
    organization_id: OrgId,
    platform: Platform,
    account_id: &str,
) -> Result<Option<SocialAccount>, StoreError> {
    let row = db
        .query_opt(
            &format!("SELECT {COLUMNS} FROM social_accounts WHERE organization_id = $1 AND platform = $2 AND account_id = $3"),
            &[&organization_id, &platform.as_str(), &account_id],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

pub struct NewAccount<'a> {
    pub id: Uuid,
    pub organization_id: OrgId,
    pub connected_by: Uuid,
    pub platform: Platform,
    pub account_id: &'a str,
    pub account_name: &'a str,
    pub account_handle: Option<&'a str>,
    pub followers_count: Option<i64>,
}

pub async fn insert(
    db: &impl GenericClient,
    account: &NewAccount<'_>,
) -> Result<SocialAccount, StoreError> {
    let row = db
        .query_one(
            &format!(
                "INSERT INTO social_accounts (id, organization_id, user_id, platform, account_id, account_name,
                                              account_handle, followers_count)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
            ),
            &[
                &account.id,
                &account.organization_id,
                &account.connected_by,
                &account.platform.as_str(),
                &account.account_id,
                &account.account_name,
                &account.account_handle,
                &account.followers_count,
            ],
        )
        .await?;
    Ok(from_row(&row))
}

/// Stores new (encrypted) tokens and marks the connection healthy again.
pub async fn set_tokens(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
    access_token: &str,
    refresh_token: Option<&str>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<SocialAccount, StoreError> {
    let row = db
        .query_one(
            &format!(
                "UPDATE social_accounts SET access_token = $2, refresh_token = COALESCE($3, refresh_token),
                        token_expires_at = $4, status = 'active', status_reason = NULL
                 WHERE id = $1 AND organization_id = $5 RETURNING {COLUMNS}"
            ),
            &[&id, &access_token, &refresh_token, &expires_at, &organization_id],
        )
        .await?;
    Ok(from_row(&row))
}

/// Marks an account as refused by its platform; true when it was healthy until now (so its
/// owners are told once, not at every refused attempt).
pub async fn mark_needs_reconnect(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
    reason: &str,
) -> Result<bool, StoreError> {
    let row = db
        .query_opt(
            "UPDATE social_accounts s SET status = 'needs_reconnect', status_reason = $2
             FROM (SELECT id, status AS old_status FROM social_accounts
                   WHERE id = $1 AND organization_id = $3 FOR UPDATE) old
             WHERE s.id = old.id
             RETURNING old.old_status",
            &[&id, &reason, &organization_id],
        )
        .await?;
    Ok(row.is_some_and(|row| row.get::<_, String>(0) != AccountStatus::NeedsReconnect.as_str()))
}

pub async fn update_settings(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
    name: Option<&str>,
    settings: &Value,
    is_active: Option<bool>,
) -> Result<SocialAccount, StoreError> {
    let row = db
        .query_one(
            &format!(
                "UPDATE social_accounts SET account_name = COALESCE($2, account_name), settings = $3,
                        is_active = COALESCE($4, is_active)
                 WHERE id = $1 AND organization_id = $5 RETURNING {COLUMNS}"
            ),
            &[&id, &name, settings, &is_active, &organization_id],
        )
        .await?;
    Ok(from_row(&row))
}

pub async fn record_sync(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
    name: &str,
    handle: Option<&str>,
    followers: Option<i64>,
) -> Result<SocialAccount, StoreError> {
    let row = db
        .query_one(
            &format!(
                "UPDATE social_accounts SET account_handle = COALESCE($3, account_handle),
                        followers_count = COALESCE($4, followers_count), last_sync = now(),
                        account_name = CASE WHEN settings ? 'display_name' THEN account_name ELSE $2 END
                 WHERE id = $1 AND organization_id = $5 RETURNING {COLUMNS}"
            ),
            &[&id, &name, &handle, &followers, &organization_id],
        )
        .await?;
    Ok(from_row(&row))
}

pub async fn delete(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
) -> Result<(), StoreError> {
    db.execute(
        "DELETE FROM social_accounts WHERE id = $1 AND organization_id = $2",
        &[&id, &organization_id],
    )
    .await?;
    Ok(())
}

/// Published posts of an account in the last `days`, for metric syncs: (post id, platform post id).
pub async fn recent_publications(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
    days: i32,
) -> Result<Vec<(Uuid, String)>, StoreError> {
    let rows = db
        .query(
            "SELECT pp.post_id, pp.platform_post_id FROM post_platforms pp JOIN posts p ON p.id = pp.post_id
             WHERE pp.social_account_id = $1 AND p.organization_id = $3 AND pp.status = 'published'
               AND pp.platform_post_id IS NOT NULL
               AND pp.published_at > now() - make_interval(days => $2)
             ORDER BY pp.published_at DESC LIMIT 100",
            &[&id, &days, &organization_id],
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// One metric observation of a published post.
pub struct MetricSample {
    pub post_id: Uuid,
    pub likes: i64,
    pub comments: i64,
    pub shares: i64,
    pub impressions: i64,
    pub reach: i64,
}

pub async fn record_metrics(
    db: &impl GenericClient,
    organization_id: OrgId,
    account_id: Uuid,
    sample: &MetricSample,
) -> Result<(), StoreError> {
    let clamp = |n: i64| i32::try_from(n.max(0)).unwrap_or(i32::MAX);
    let engagement = (sample.likes + sample.comments + sample.shares) as f64;
    let rate = if sample.impressions > 0 {
        (engagement / sample.impressions as f64 * 100.0).min(999.0)
    } else {
        0.0
    };
    db.execute(
        "INSERT INTO analytics (organization_id, post_id, social_account_id, likes_count, comments_count, shares_count,
                                impressions_count, reach_count, engagement_rate, date_bucket, hour_bucket)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, round(($9::float8)::numeric, 2),
                 current_date, extract(hour FROM now())::int)",
        &[
            &organization_id,
            &sample.post_id,
            &account_id,
            &clamp(sample.likes),
            &clamp(sample.comments),
            &clamp(sample.shares),
            &clamp(sample.impressions),
            &clamp(sample.reach),
            &rate,
        ],
    )
    .await?;
    Ok(())
}

/// Average engagement of the account's posts by the hour (UTC) they were published.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct HourlyEngagement {
    pub hour: i32,
    pub posts: i64,
    pub average_engagement: f64,
}

pub async fn engagement_by_publish_hour(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
) -> Result<Vec<HourlyEngagement>, StoreError> {
    let rows = db
        .query(
            "WITH latest AS (
                SELECT DISTINCT ON (a.post_id) a.post_id, a.likes_count + a.comments_count + a.shares_count AS engagement
                FROM analytics a JOIN social_accounts sa ON sa.id = a.social_account_id
                WHERE a.social_account_id = $1 AND sa.organization_id = $2
                ORDER BY a.post_id, a.recorded_at DESC
             )
             SELECT extract(hour FROM pp.published_at)::int AS hour, count(*), avg(latest.engagement)::float8
             FROM latest JOIN post_platforms pp ON pp.post_id = latest.post_id AND pp.social_account_id = $1
             WHERE pp.published_at IS NOT NULL
             GROUP BY 1 ORDER BY 3 DESC",
            &[&id, &organization_id],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| HourlyEngagement {
            hour: r.get(0),
            posts: r.get(1),
            average_engagement: r.get(2),
        })
        .collect())
}

/// Stored audience insights of the account, newest first.
pub async fn audience_insights(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
) -> Result<Vec<Value>, StoreError> {
    let rows = db
        .query(
            "SELECT json_build_object('age_group', age_group, 'gender', gender, 'location', location,
                    'interests', interests, 'best_posting_times', best_posting_times,
                    'analysis_date', analysis_date, 'data_source', data_source)
             FROM audience_insights ai JOIN social_accounts sa ON sa.id = ai.social_account_id
             WHERE ai.social_account_id = $1 AND sa.organization_id = $2
             ORDER BY analysis_date DESC LIMIT 50",
            &[&id, &organization_id],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// Connected accounts of every organization whose token expires before `before` and that can be
/// refreshed: what the scheduled maintenance run renews.
pub async fn expiring(
    db: &impl GenericClient,
    before: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<SocialAccount>, StoreError> {
    let rows = db
        .query(
            &format!(
                "SELECT {COLUMNS} FROM social_accounts
                 WHERE is_active AND status = 'active' AND refresh_token IS NOT NULL AND token_expires_at < $1
                 ORDER BY token_expires_at LIMIT $2"
            ),
            &[&before, &limit],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect())
}
