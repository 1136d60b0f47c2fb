//! The dashboards' reads. Every query is scoped to one organization and reads `post_metrics`
//! (the latest numbers, indexed by organization and publication time) or the account snapshots
//! in `analytics`; date ranges arrive as UTC instants already converted from the caller's time
//! zone, and buckets are cut in that zone by Postgres.

use chrono::{DateTime, NaiveDate, Utc};
use domain::Platform;
use serde::Serialize;
use tokio_postgres::GenericClient;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::sync::RATE_OF_SUMS;
use crate::{OrgId, StoreError};

/// Which posts a dashboard counts: published in `[from, to)`, on these accounts (all when
/// empty), of this platform, content type or hashtag.
#[derive(Debug, Clone)]
pub struct Scope {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub accounts: Vec<Uuid>,
    pub platform: Option<Platform>,
    pub content_type: Option<String>,
    pub tag: Option<String>,
}

/// Sums of the posts of one account in a scope.
#[derive(Debug, Clone, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Totals {
    pub posts: i64,
    pub impressions: i64,
    pub reach: i64,
    pub engagements: i64,
    pub likes: i64,
    pub comments: i64,
    pub shares: i64,
    pub saves: i64,
    pub clicks: i64,
    pub video_views: i64,
}

impl Totals {
    pub fn add(&mut self, other: &Totals) {
        self.posts += other.posts;
        self.impressions += other.impressions;
        self.reach += other.reach;
        self.engagements += other.engagements;
        self.likes += other.likes;
        self.comments += other.comments;
        self.shares += other.shares;
        self.saves += other.saves;
        self.clicks += other.clicks;
        self.video_views += other.video_views;
    }
}

const SUMS: &str = "count(*)::int8, coalesce(sum(impressions), 0)::int8, coalesce(sum(reach), 0)::int8,
    coalesce(sum(engagements), 0)::int8, coalesce(sum(likes), 0)::int8, coalesce(sum(comments), 0)::int8,
    coalesce(sum(shares), 0)::int8, coalesce(sum(saves), 0)::int8, coalesce(sum(clicks), 0)::int8,
    coalesce(sum(video_views), 0)::int8";

fn totals(row: &tokio_postgres::Row, first: usize) -> Totals {
    Totals {
        posts: row.get(first),
        impressions: row.get(first + 1),
        reach: row.get(first + 2),
        engagements: row.get(first + 3),
        likes: row.get(first + 4),
        comments: row.get(first + 5),
        shares: row.get(first + 6),
        saves: row.get(first + 7),
        clicks: row.get(first + 8),
        video_views: row.get(first + 9),
    }
}

/// The filter of a scope as SQL over `pm` (post_metrics) joined with `p` (posts), with its
/// parameters from `$2` on (`$1` is the organization).
struct Filter {
    sql: String,
    params: Vec<Box<dyn ToSql + Sync + Send>>,
}

impl Filter {
    fn of(organization_id: OrgId, scope: &Scope) -> Filter {
        let mut filter = Filter {
            sql: "pm.organization_id = $1 AND pm.published_at >= $2 AND pm.published_at < $3"
                .into(),
            params: vec![
                Box::new(organization_id),
                Box::new(scope.from),
                Box::new(scope.to),
            ],
        };
        if !scope.accounts.is_empty() {
            filter.push("pm.social_account_id = ANY(${})", scope.accounts.clone());
        }
        if let Some(platform) = scope.platform {
            filter.push("pm.platform = ${}", platform.to_string());
        }
        if let Some(content_type) = &scope.content_type {
            filter.push("pm.content_type = ${}", content_type.clone());
        }
        if let Some(tag) = &scope.tag {
            filter.push(
                "EXISTS (SELECT 1 FROM posts tp WHERE tp.id = pm.post_id AND tp.hashtags ? ${})",
                tag.to_lowercase(),
            );
        }
        filter
    }

    fn push(&mut self, clause: &str, value: impl ToSql + Sync + Send + 'static) {
        self.params.push(Box::new(value));
        let clause = clause.replace("${}", &format!("${}", self.params.len()));
        self.sql.push_str(" AND ");
        self.sql.push_str(&clause);
    }

    fn param(&mut self, value: impl ToSql + Sync + Send + 'static) -> String {
        self.params.push(Box::new(value));
        format!("${}", self.params.len())
    }

    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params
            .iter()
            .map(|p| p.as_ref() as &(dyn ToSql + Sync))
            .collect()
    }
}

/// Sums per account of the posts in the scope.
pub async fn totals_by_account(
    db: &impl GenericClient,
    organization_id: OrgId,
    scope: &Scope,
) -> Result<Vec<(Uuid, Platform, Totals)>, StoreError> {
    let filter = Filter::of(organization_id, scope);
    let sql = format!(
        "SELECT pm.social_account_id, min(pm.platform), {SUMS} FROM post_metrics pm
         WHERE {} GROUP BY pm.social_account_id",
        filter.sql
    );
    let rows = db.query(&sql, &filter.refs()).await?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                r.get(0),
                r.get::<_, String>(1).parse().expect("checked platform"),
                totals(r, 2),
            )
        })
        .collect())
}

/// Each account's followers at `at`: its last snapshot before then.
pub async fn followers_at(
    db: &impl GenericClient,
    organization_id: OrgId,
    accounts: &[Uuid],
    at: DateTime<Utc>,
) -> Result<Vec<(Uuid, i64)>, StoreError> {
    let rows = db
        .query(
            "SELECT sa.id, last.followers_count::int8 FROM social_accounts sa
             CROSS JOIN LATERAL (SELECT a.followers_count FROM analytics a
                                 WHERE a.social_account_id = sa.id AND a.post_id IS NULL
                                   AND a.recorded_at < $3
                                 ORDER BY a.recorded_at DESC LIMIT 1) last
             WHERE sa.organization_id = $1 AND (cardinality($2::uuid[]) = 0 OR sa.id = ANY($2))",
            &[&organization_id, &accounts, &at],
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// One bucket of the engagement series.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct EngagementBucket {
    /// The first day of the bucket, in the caller's time zone.
    pub start: NaiveDate,
    pub posts: i64,
    pub impressions: i64,
    pub engagements: i64,
    /// Engagements ÷ impressions × 100 over the bucket's posts; none without impressions.
    pub engagement_rate: Option<f64>,
}

/// Posts in the scope grouped by the day, week (ISO, from Monday) or month they were
/// published in `zone`.
pub async fn engagement_series(
    db: &impl GenericClient,
    organization_id: OrgId,
    scope: &Scope,
    zone: &str,
    interval: &str,
) -> Result<Vec<EngagementBucket>, StoreError> {
    let mut filter = Filter::of(organization_id, scope);
    let zone = filter.param(zone.to_owned());
    let interval = filter.param(interval.to_owned());
    let sql = format!(
        "SELECT date_trunc({interval}, pm.published_at AT TIME ZONE {zone})::date AS bucket,
                count(*)::int8, coalesce(sum(impressions), 0)::int8, coalesce(sum(engagements), 0)::int8,
                {RATE_OF_SUMS}
         FROM post_metrics pm WHERE {} GROUP BY 1 ORDER BY 1",
        filter.sql
    );
    let rows = db.query(&sql, &filter.refs()).await?;
    Ok(rows
        .iter()
        .map(|r| EngagementBucket {
            start: r.get(0),
            posts: r.get(1),
            impressions: r.get(2),
            engagements: r.get(3),
            engagement_rate: r.get(4),
        })
        .collect())
}

/// Followers of each account at the end of each day (its last snapshot that day, in `zone`).
pub async fn followers_by_day(
    db: &impl GenericClient,
    organization_id: OrgId,
    accounts: &[Uuid],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    zone: &str,
) -> Result<Vec<(Uuid, NaiveDate, i64)>, StoreError> {
    let rows = db
        .query(
            "SELECT DISTINCT ON (a.social_account_id, day) a.social_account_id,
                    (a.recorded_at AT TIME ZONE $5)::date AS day, a.followers_count::int8
             FROM analytics a
             WHERE a.social_account_id = ANY(
                     SELECT id FROM social_accounts
                     WHERE organization_id = $1 AND (cardinality($2::uuid[]) = 0 OR id = ANY($2)))
               AND a.post_id IS NULL AND a.followers_count IS NOT NULL
               AND a.recorded_at >= $3 AND a.recorded_at < $4
             ORDER BY a.social_account_id, day, a.recorded_at DESC",
            &[&organization_id, &accounts, &from, &to, &zone],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect())
}

/// A slice of the audience summed over the accounts' latest demographics.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AudienceSlice {
    pub age_group: Option<String>,
    pub gender: Option<String>,
    pub country: Option<String>,
    pub followers: i64,
}

pub async fn latest_demographics(
    db: &impl GenericClient,
    organization_id: OrgId,
    accounts: &[Uuid],
) -> Result<(Option<NaiveDate>, Vec<AudienceSlice>), StoreError> {
    let rows = db
        .query(
            "WITH latest AS (
                SELECT social_account_id, max(analysis_date) AS day FROM audience_insights
                WHERE organization_id = $1 AND data_source = 'platform_api'
                  AND (cardinality($2::uuid[]) = 0 OR social_account_id = ANY($2))
                GROUP BY social_account_id)
             SELECT ai.age_group, ai.gender, ai.location, sum(coalesce(ai.followers, 0))::int8,
                    max(latest.day)
             FROM audience_insights ai
             JOIN latest ON latest.social_account_id = ai.social_account_id AND latest.day = ai.analysis_date
             WHERE ai.data_source = 'platform_api'
             GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1, 2, 3",
            &[&organization_id, &accounts],
        )
        .await?;
    let day = rows
        .iter()
        .filter_map(|r| r.get::<_, Option<NaiveDate>>(4))
        .max();
    Ok((
        day,
        rows.iter()
            .map(|r| AudienceSlice {
                age_group: r.get(0),
                gender: r.get(1),
                country: r.get(2),
                followers: r.get(3),
            })
            .collect(),
    ))
}

/// Engagement by the hour of the week posts went out, in the caller's zone.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ActiveHour {
    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub weekday: i32,
    /// 0–23.
    pub hour: i32,
    pub posts: i64,
    pub engagements: i64,
    pub impressions: i64,
    pub engagement_rate: Option<f64>,
}

pub async fn engagement_by_hour_of_week(
    db: &impl GenericClient,
    organization_id: OrgId,
    scope: &Scope,
    zone: &str,
) -> Result<Vec<ActiveHour>, StoreError> {
    let mut filter = Filter::of(organization_id, scope);
    let zone = filter.param(zone.to_owned());
    let sql = format!(
        "SELECT extract(isodow FROM pm.published_at AT TIME ZONE {zone})::int,
                extract(hour FROM pm.published_at AT TIME ZONE {zone})::int,
                count(*)::int8, coalesce(sum(engagements), 0)::int8, coalesce(sum(impressions), 0)::int8,
                {RATE_OF_SUMS}
         FROM post_metrics pm WHERE {} GROUP BY 1, 2 ORDER BY 1, 2",
        filter.sql
    );
    let rows = db.query(&sql, &filter.refs()).await?;
    Ok(rows
        .iter()
        .map(|r| ActiveHour {
            weekday: r.get(0),
            hour: r.get(1),
            posts: r.get(2),
            engagements: r.get(3),
            impressions: r.get(4),
            engagement_rate: r.get(5),
        })
        .collect())
}

/// One published target and its latest numbers.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PostPerformance {
    /// The target (one post on one account); the cursor's tie-breaker.
    pub id: Uuid,
    pub post_id: Uuid,
    pub social_account_id: Uuid,
    pub account_name: Option<String>,
    pub platform: Platform,
    pub content_type: String,
    pub published_at: DateTime<Utc>,
    pub text: String,
    pub hashtags: Vec<String>,
    /// `imported` when it was published on the platform directly.
    pub origin: String,
    /// The storage key of the first image, signed into a URL by the service.
    #[serde(skip)]
    pub thumbnail_key: Option<String>,
    pub platform_post_id: String,
    #[serde(flatten)]
    pub totals: Totals,
    pub engagement_rate: Option<f64>,
    pub synced_at: Option<DateTime<Utc>>,
}

/// What the per-post table sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PostSort {
    PublishedAt,
    Engagements,
    Impressions,
    EngagementRate,
    Likes,
    Comments,
    Shares,
}

impl PostSort {
    /// The sort key as a bigint expression (rates in hundredths of a percent; none sorts last).
    fn key(self) -> &'static str {
        match self {
            PostSort::PublishedAt => "(extract(epoch FROM pm.published_at) * 1000000)::int8",
            PostSort::Engagements => "pm.engagements",
            PostSort::Impressions => "pm.impressions",
            PostSort::EngagementRate => {
                "coalesce((10000.0 * pm.engagements / nullif(pm.impressions, 0))::int8, -1)"
            }
            PostSort::Likes => "pm.likes",
            PostSort::Comments => "pm.comments",
            PostSort::Shares => "pm.shares",
        }
    }
}

/// Where a page of the post table ends: the last row's sort key and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostCursor {
    pub key: i64,
    pub id: Uuid,
}

pub async fn post_performance(
    db: &impl GenericClient,
    organization_id: OrgId,
    scope: &Scope,
    sort: PostSort,
    descending: bool,
    after: Option<PostCursor>,
    limit: i64,
) -> Result<Vec<(PostPerformance, PostCursor)>, StoreError> {
    let mut filter = Filter::of(organization_id, scope);
    let key = sort.key();
    let (cmp, order) = if descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some(after) = after {
        let k = filter.param(after.key);
        let id = filter.param(after.id);
        filter.sql.push_str(&format!(
            " AND ({key}, pm.post_platform_id) {cmp} ({k}, {id})"
        ));
    }
    let limit = filter.param(limit);
    // The page is cut from post_metrics alone (its index on organization and date), then
    // joined: the posts' text is read for the page's rows only.
    let sql = format!(
        "WITH page AS (
             SELECT pm.*, {key} AS sort_key FROM post_metrics pm
             WHERE {} ORDER BY {key} {order}, pm.post_platform_id {order} LIMIT {limit})
         SELECT pm.post_platform_id, pm.post_id, pm.social_account_id, sa.account_name, pm.platform,
                pm.content_type, pm.published_at, p.content, p.hashtags, p.origin,
                (SELECT ma.s3_key FROM media_assets ma
                 WHERE p.media_urls IS NOT NULL AND jsonb_array_length(p.media_urls) > 0
                   AND ma.id::text = p.media_urls->>0 AND ma.status = 'ready'
                   AND ma.mime_type LIKE 'image/%'),
                pp.platform_post_id,
                1::int8, pm.impressions, pm.reach, pm.engagements, pm.likes, pm.comments, pm.shares,
                pm.saves, pm.clicks, pm.video_views,
                round(100.0 * pm.engagements / nullif(pm.impressions, 0), 2)::float8, pm.synced_at,
                pm.sort_key
         FROM page pm
         JOIN posts p ON p.id = pm.post_id
         JOIN post_platforms pp ON pp.id = pm.post_platform_id
         JOIN social_accounts sa ON sa.id = pm.social_account_id
         ORDER BY pm.sort_key {order}, pm.post_platform_id {order}",
        filter.sql
    );
    let rows = db.query(&sql, &filter.refs()).await?;
    Ok(rows
        .iter()
        .map(|r| {
            let hashtags: Option<serde_json::Value> = r.get(8);
            let row = PostPerformance {
                id: r.get(0),
                post_id: r.get(1),
                social_account_id: r.get(2),
                account_name: r.get(3),
                platform: r.get::<_, String>(4).parse().expect("checked platform"),
                content_type: r.get(5),
                published_at: r.get(6),
                text: r.get(7),
                hashtags: hashtags
                    .and_then(|h| serde_json::from_value(h).ok())
                    .unwrap_or_default(),
                origin: r.get(9),
                thumbnail_key: r.get(10),
                platform_post_id: r.get(11),
                totals: totals(r, 12),
                engagement_rate: r.get(22),
                synced_at: r.get(23),
            };
            let cursor = PostCursor {
                key: r.get(24),
                id: row.id,
            };
            (row, cursor)
        })
        .collect())
}

/// Sums of the scope's posts grouped by each hashtag they carry, or by content type.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSums {
    pub name: String,
    pub posts: i64,
    pub engagements: i64,
    pub impressions: i64,
}

/// What [`grouped_sums`] groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Hashtag,
    ContentType,
}

pub async fn grouped_sums(
    db: &impl GenericClient,
    organization_id: OrgId,
    scope: &Scope,
    grouping: Grouping,
) -> Result<Vec<GroupSums>, StoreError> {
    let filter = Filter::of(organization_id, scope);
    let (group, from) = match grouping {
        Grouping::Hashtag => (
            "lower(tag.value)",
            "post_metrics pm JOIN posts p ON p.id = pm.post_id
             CROSS JOIN LATERAL jsonb_array_elements_text(coalesce(p.hashtags, '[]'::jsonb)) tag(value)",
        ),
        Grouping::ContentType => ("pm.content_type", "post_metrics pm"),
    };
    let sql = format!(
        "SELECT {group}, count(*)::int8, coalesce(sum(pm.engagements), 0)::int8,
                coalesce(sum(pm.impressions), 0)::int8
         FROM {from} WHERE {} GROUP BY 1",
        filter.sql
    );
    let rows = db.query(&sql, &filter.refs()).await?;
    Ok(rows
        .iter()
        .map(|r| GroupSums {
            name: r.get(0),
            posts: r.get(1),
            engagements: r.get(2),
            impressions: r.get(3),
        })
        .collect())
}
