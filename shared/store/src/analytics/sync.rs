//! What the metrics sync reads and writes: leases on accounts, the targets due for a snapshot,
//! snapshots (history rows plus the latest numbers, in one transaction), imported posts, and
//! each account's progress.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::Platform;
use tokio_postgres::GenericClient;
use uuid::Uuid;

use crate::{OrgId, StoreError};

/// An account leased to one sync run, with where its import walk stands.
#[derive(Debug, Clone)]
pub struct LeasedAccount {
    pub id: Uuid,
    pub organization_id: OrgId,
    pub platform: Platform,
    /// None: due now.
    pub figures_due_at: Option<DateTime<Utc>>,
    pub import_watermark: Option<DateTime<Utc>>,
    pub import_cursor: Option<String>,
    pub import_walk_newest: Option<DateTime<Utc>>,
}

/// Leases up to `limit` healthy accounts that no other run holds, no platform asked us to leave
/// alone, and this run (at `now`) has not done yet, least recently synced first, until
/// `now + lease`.
pub async fn lease_accounts(
    db: &impl GenericClient,
    now: DateTime<Utc>,
    lease: Duration,
    limit: i64,
    only: Option<Uuid>,
) -> Result<Vec<LeasedAccount>, StoreError> {
    db.execute(
        "INSERT INTO metrics_sync_state (social_account_id)
         SELECT id FROM social_accounts
         WHERE is_active AND status = 'active' AND ($1::uuid IS NULL OR id = $1)
         ON CONFLICT DO NOTHING",
        &[&only],
    )
    .await?;
    let rows = db
        .query(
            "UPDATE metrics_sync_state s SET leased_until = $1::timestamptz + make_interval(secs => $2)
             FROM (SELECT st.social_account_id FROM metrics_sync_state st
                   JOIN social_accounts sa ON sa.id = st.social_account_id
                   WHERE sa.is_active AND sa.status = 'active'
                     AND ($4::uuid IS NULL OR sa.id = $4)
                     AND (st.leased_until IS NULL OR st.leased_until <= $1)
                     AND (st.paused_until IS NULL OR st.paused_until <= $1)
                     -- Once per run: a run's accounts are stamped with its time when done.
                     AND (st.last_synced_at IS NULL OR st.last_synced_at < $1)
                   ORDER BY st.last_synced_at NULLS FIRST, st.social_account_id
                   LIMIT $3 FOR UPDATE OF st SKIP LOCKED) due
             JOIN social_accounts sa ON sa.id = due.social_account_id
             WHERE s.social_account_id = due.social_account_id
             RETURNING s.social_account_id, sa.organization_id, sa.platform, s.figures_due_at,
                       s.import_watermark, s.import_cursor, s.import_walk_newest",
            &[&now, &(lease.num_milliseconds() as f64 / 1000.0), &limit, &only],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| LeasedAccount {
            id: r.get(0),
            organization_id: r.get(1),
            platform: r.get::<_, String>(2).parse().expect("checked platform"),
            figures_due_at: r.get(3),
            import_watermark: r.get(4),
            import_cursor: r.get(5),
            import_walk_newest: r.get(6),
        })
        .collect())
}

/// How one account's turn ended.
#[derive(Debug, Clone, Default)]
pub struct AccountOutcome {
    /// The platform asked us to wait (rate limit) until then.
    pub paused_until: Option<DateTime<Utc>>,
    pub figures_due_at: Option<DateTime<Utc>>,
    pub import: Option<ImportProgress>,
    pub error: Option<String>,
}

/// Where the import walk stands after this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProgress {
    pub watermark: Option<DateTime<Utc>>,
    pub cursor: Option<String>,
    pub walk_newest: Option<DateTime<Utc>>,
}

/// Releases the lease and records the outcome.
pub async fn finish_account(
    db: &impl GenericClient,
    account: Uuid,
    now: DateTime<Utc>,
    outcome: &AccountOutcome,
) -> Result<(), StoreError> {
    let import = outcome.import.as_ref();
    db.execute(
        "UPDATE metrics_sync_state SET leased_until = NULL, last_synced_at = $2, last_error = $3,
                paused_until = $4, figures_due_at = coalesce($5, figures_due_at),
                import_watermark = CASE WHEN $6 THEN $7 ELSE import_watermark END,
                import_cursor = CASE WHEN $6 THEN $8 ELSE import_cursor END,
                import_walk_newest = CASE WHEN $6 THEN $9 ELSE import_walk_newest END
         WHERE social_account_id = $1",
        &[
            &account,
            &now,
            &outcome.error,
            &outcome.paused_until,
            &outcome.figures_due_at,
            &import.is_some(),
            &import.and_then(|i| i.watermark),
            &import.and_then(|i| i.cursor.clone()),
            &import.and_then(|i| i.walk_newest),
        ],
    )
    .await?;
    Ok(())
}

/// Starts tracking the account's published targets that have no latest numbers yet: they are
/// due at once.
pub async fn track_new_targets(
    db: &impl GenericClient,
    account: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    Ok(db
        .execute(
            "INSERT INTO post_metrics (post_platform_id, organization_id, post_id, social_account_id,
                                       platform, content_type, published_at, next_sync_at)
             SELECT pp.id, p.organization_id, p.id, pp.social_account_id, sa.platform,
                    coalesce(p.content_type, 'text'), coalesce(pp.published_at, p.published_at, $2), $2
             FROM post_platforms pp
             JOIN posts p ON p.id = pp.post_id
             JOIN social_accounts sa ON sa.id = pp.social_account_id
             WHERE pp.social_account_id = $1 AND pp.status = 'published'
               AND pp.platform_post_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM post_metrics pm WHERE pm.post_platform_id = pp.id)",
            &[&account, &now],
        )
        .await?)
}

/// A published target whose next snapshot is due.
#[derive(Debug, Clone)]
pub struct DueTarget {
    pub post_platform_id: Uuid,
    pub post_id: Uuid,
    pub platform_post_id: String,
    pub published_at: DateTime<Utc>,
}

pub async fn due_targets(
    db: &impl GenericClient,
    account: Uuid,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<DueTarget>, StoreError> {
    let rows = db
        .query(
            "SELECT pm.post_platform_id, pm.post_id, pp.platform_post_id, pm.published_at
             FROM post_metrics pm JOIN post_platforms pp ON pp.id = pm.post_platform_id
             WHERE pm.social_account_id = $1 AND pm.next_sync_at <= $2
             ORDER BY pm.next_sync_at, pm.post_platform_id LIMIT $3",
            &[&account, &now, &limit],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| DueTarget {
            post_platform_id: r.get(0),
            post_id: r.get(1),
            platform_post_id: r.get(2),
            published_at: r.get(3),
        })
        .collect())
}

/// A post's numbers as read from the platform.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub likes: i64,
    pub comments: i64,
    pub shares: i64,
    pub saves: i64,
    pub clicks: i64,
    pub impressions: i64,
    pub reach: i64,
    pub video_views: i64,
}

impl Counts {
    pub fn engagements(&self) -> i64 {
        self.likes + self.comments + self.shares + self.saves + self.clicks
    }
}

/// The engagement rate, the one way it is computed everywhere: engagements (likes, comments,
/// shares, saves, clicks) ÷ impressions × 100, in percent; none without impressions. Sums
/// over many posts use the same formula on the sums (see [`RATE_OF_SUMS`]).
pub fn engagement_rate(engagements: i64, impressions: i64) -> Option<f64> {
    (impressions > 0)
        .then(|| (engagements as f64 * 100.0 / impressions as f64 * 100.0).round() / 100.0)
}

/// [`engagement_rate`] of a group of `post_metrics` rows, in SQL.
pub const RATE_OF_SUMS: &str =
    "round(100.0 * sum(engagements)::numeric / nullif(sum(impressions), 0), 2)::float8";

fn int(n: i64) -> i32 {
    i32::try_from(n.max(0)).unwrap_or(i32::MAX)
}

/// Appends a snapshot of the target to the history and makes it the latest numbers, with when
/// the target is looked at next.
pub async fn record_post_snapshot(
    db: &impl GenericClient,
    organization_id: OrgId,
    account: Uuid,
    target: &DueTarget,
    counts: &Counts,
    now: DateTime<Utc>,
    next_sync_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let rate = engagement_rate(counts.engagements(), counts.impressions).map(|r| r.min(999.99));
    db.execute(
        "INSERT INTO analytics (organization_id, post_id, post_platform_id, social_account_id,
                                likes_count, comments_count, shares_count, saves_count, clicks_count,
                                impressions_count, reach_count, video_views_count, engagement_rate,
                                recorded_at, date_bucket, hour_bucket)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::float8::numeric(5,2), $14,
                 ($14 AT TIME ZONE 'UTC')::date, extract(hour FROM $14 AT TIME ZONE 'UTC')::int)",
        &[
            &organization_id,
            &target.post_id,
            &target.post_platform_id,
            &account,
            &int(counts.likes),
            &int(counts.comments),
            &int(counts.shares),
            &int(counts.saves),
            &int(counts.clicks),
            &int(counts.impressions),
            &int(counts.reach),
            &int(counts.video_views),
            &rate,
            &now,
        ],
    )
    .await?;
    db.execute(
        "UPDATE post_metrics SET likes = $2, comments = $3, shares = $4, saves = $5, clicks = $6,
                impressions = $7, reach = $8, video_views = $9, synced_at = $10, next_sync_at = $11
         WHERE post_platform_id = $1",
        &[
            &target.post_platform_id,
            &counts.likes.max(0),
            &counts.comments.max(0),
            &counts.shares.max(0),
            &counts.saves.max(0),
            &counts.clicks.max(0),
            &counts.impressions.max(0),
            &counts.reach.max(0),
            &counts.video_views.max(0),
            &now,
            &next_sync_at,
        ],
    )
    .await?;
    // The post's own columns keep the sum over its targets, as the spec's `posts` shows them.
    db.execute(
        "UPDATE posts p SET reach_count = least(t.reach, 2147483647)::int,
                impression_count = least(t.impressions, 2147483647)::int,
                engagement_score = least(coalesce(t.rate, 0), 999.99)::numeric(5,2)
         FROM (SELECT sum(reach) AS reach, sum(impressions) AS impressions,
                      round(100.0 * sum(engagements)::numeric / nullif(sum(impressions), 0), 2) AS rate
               FROM post_metrics WHERE post_id = $1) t
         WHERE p.id = $1",
        &[&target.post_id],
    )
    .await?;
    Ok(())
}

/// A target the platform no longer knows (deleted there): looked at again only weekly.
pub async fn postpone_target(
    db: &impl GenericClient,
    target: Uuid,
    until: DateTime<Utc>,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE post_metrics SET next_sync_at = $2 WHERE post_platform_id = $1",
        &[&target, &until],
    )
    .await?;
    Ok(())
}

/// Appends a snapshot of the account's followers to the history.
pub async fn record_account_snapshot(
    db: &impl GenericClient,
    organization_id: OrgId,
    account: Uuid,
    followers: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO analytics (organization_id, social_account_id, followers_count, recorded_at,
                                date_bucket, hour_bucket)
         VALUES ($1, $2, $3, $4, ($4 AT TIME ZONE 'UTC')::date,
                 extract(hour FROM $4 AT TIME ZONE 'UTC')::int)",
        &[&organization_id, &account, &int(followers), &now],
    )
    .await?;
    db.execute(
        "UPDATE social_accounts SET followers_count = $2, last_sync = $3 WHERE id = $1",
        &[&account, &followers.max(0), &now],
    )
    .await?;
    Ok(())
}

/// One slice of an audience: an age group and gender, or a country.
#[derive(Debug, Clone, PartialEq)]
pub enum AudienceSlice {
    AgeGender { age: String, gender: String },
    Country(String),
}

/// Replaces the account's demographics of `day` with `slices` (followers in each).
pub async fn record_audience(
    db: &impl GenericClient,
    organization_id: OrgId,
    account: Uuid,
    day: NaiveDate,
    slices: &[(AudienceSlice, i64)],
) -> Result<(), StoreError> {
    db.execute(
        "DELETE FROM audience_insights WHERE social_account_id = $1 AND analysis_date = $2
           AND data_source = 'platform_api'",
        &[&account, &day],
    )
    .await?;
    let total_of = |country: bool| -> i64 {
        slices
            .iter()
            .filter(|(s, _)| matches!(s, AudienceSlice::Country(_)) == country)
            .map(|(_, n)| n.max(&0))
            .sum()
    };
    let (by_country, by_age) = (total_of(true), total_of(false));
    for (slice, followers) in slices {
        let (age, gender, location, total) = match slice {
            AudienceSlice::AgeGender { age, gender } => {
                (Some(age.as_str()), Some(gender.as_str()), None, by_age)
            }
            AudienceSlice::Country(country) => (None, None, Some(country.as_str()), by_country),
        };
        let share = if total > 0 {
            *followers as f64 / total as f64
        } else {
            0.0
        };
        db.execute(
            "INSERT INTO audience_insights (organization_id, social_account_id, age_group, gender,
                                            location, followers, audience_share, analysis_date,
                                            data_source)
             VALUES ($1, $2, $3, $4, $5, $6, round($7::float8::numeric, 5), $8, 'platform_api')",
            &[
                &organization_id,
                &account,
                &age,
                &gender,
                &location,
                &int(*followers),
                &share,
                &day,
            ],
        )
        .await?;
    }
    Ok(())
}

/// A post found on the account's timeline.
pub struct TimelinePost<'a> {
    pub platform_post_id: &'a str,
    pub text: &'a str,
    pub content_type: &'a str,
    pub published_at: DateTime<Utc>,
}

/// Imports a post published on the platform directly, unless the account already has it (we
/// published it, or an earlier walk imported it). Returns whether it was new.
pub async fn import_post(
    db: &impl GenericClient,
    organization_id: OrgId,
    account: Uuid,
    post: &TimelinePost<'_>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let known = db
        .query_opt(
            "SELECT 1 FROM post_platforms WHERE social_account_id = $1 AND platform_post_id = $2",
            &[&account, &post.platform_post_id],
        )
        .await?
        .is_some();
    if known {
        return Ok(false);
    }
    let hashtags: Vec<String> = domain::hashtags(post.text)
        .iter()
        .map(|t| t.to_lowercase())
        .collect();
    let row = db
        .query_one(
            "INSERT INTO posts (organization_id, user_id, content, content_type, hashtags, status,
                                published_at, origin)
             SELECT $1, sa.user_id, $3, $4, $5, 'published', $6, 'imported'
             FROM social_accounts sa WHERE sa.id = $2
             RETURNING id",
            &[
                &organization_id,
                &account,
                &post.text,
                &post.content_type,
                &serde_json::json!(hashtags),
                &post.published_at,
            ],
        )
        .await?;
    let post_id: Uuid = row.get(0);
    let target: Uuid = db
        .query_one(
            "INSERT INTO post_platforms (post_id, social_account_id, platform_post_id, status, published_at)
             VALUES ($1, $2, $3, 'published', $4) RETURNING id",
            &[&post_id, &account, &post.platform_post_id, &post.published_at],
        )
        .await?
        .get(0);
    db.execute(
        "INSERT INTO post_metrics (post_platform_id, organization_id, post_id, social_account_id,
                                   platform, content_type, published_at, next_sync_at)
         SELECT $1, $2, $3, $4, sa.platform, $5, $6, $7 FROM social_accounts sa WHERE sa.id = $4",
        &[
            &target,
            &organization_id,
            &post_id,
            &account,
            &post.content_type,
            &post.published_at,
            &now,
        ],
    )
    .await?;
    Ok(true)
}
