//! What the insight agents read and keep: post samples for the models, brand mentions with
//! their sentiment, crisis alerts, the organization's publishing pause, trend reports and
//! keywords, and competitor spikes. Every query is scoped by the organization.

use chrono::{DateTime, NaiveDate, Utc};
use domain::{ContentType, Platform};
use serde_json::Value;
use tokio_postgres::{GenericClient, Row};
use uuid::Uuid;

use crate::{OrgId, StoreError};

/// One published target with its settled numbers (see `insights::PostSample`).
#[derive(Debug, Clone, PartialEq)]
pub struct SampleRow {
    pub post_id: Uuid,
    pub account_id: Uuid,
    pub platform: Platform,
    pub published_at: DateTime<Utc>,
    pub content_type: ContentType,
    pub text: String,
    pub media_count: i32,
    pub followers: Option<i64>,
    pub engagements: i64,
}

/// The organization's published targets between `since` and `until` (posts still collecting
/// their numbers are left out by the caller's `until`), oldest first, with the account's
/// followers on the day (its latest snapshot up to a day after publication).
pub async fn samples(
    db: &impl GenericClient,
    organization_id: OrgId,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<SampleRow>, StoreError> {
    let rows = db
        .query(
            "SELECT pm.post_id, pm.social_account_id, pm.platform, pm.published_at, pm.content_type,
                    COALESCE(pp.text_override, p.content),
                    COALESCE(jsonb_array_length(p.media_urls), 0),
                    (SELECT a.followers_count FROM analytics a
                      WHERE a.social_account_id = pm.social_account_id AND a.post_id IS NULL
                        AND a.followers_count IS NOT NULL
                        AND a.recorded_at <= pm.published_at + interval '1 day'
                      ORDER BY a.recorded_at DESC LIMIT 1)::int8,
                    pm.engagements
             FROM post_metrics pm
             JOIN posts p ON p.id = pm.post_id
             JOIN post_platforms pp ON pp.id = pm.post_platform_id
             WHERE pm.organization_id = $1 AND pm.published_at >= $2 AND pm.published_at < $3
             ORDER BY pm.published_at, pm.post_platform_id",
            &[&organization_id, &since, &until],
        )
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            Some(SampleRow {
                post_id: r.get(0),
                account_id: r.get(1),
                platform: r.get::<_, String>(2).parse().ok()?,
                published_at: r.get(3),
                content_type: r.get::<_, String>(4).parse().ok()?,
                text: r.get(5),
                media_count: r.get(6),
                followers: r.get(7),
                engagements: r.get(8),
            })
        })
        .collect())
}

/// Times already taken on the accounts' calendars in a range: targets waiting to go out.
pub async fn scheduled_times(
    db: &impl GenericClient,
    organization_id: OrgId,
    accounts: &[Uuid],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(Uuid, DateTime<Utc>)>, StoreError> {
    let rows = db
        .query(
            "SELECT pp.social_account_id, pp.scheduled_at FROM post_platforms pp
             JOIN posts p ON p.id = pp.post_id
             WHERE p.organization_id = $1 AND pp.social_account_id = ANY($2)
               AND pp.status = 'pending' AND pp.scheduled_at BETWEEN $3 AND $4",
            &[&organization_id, &accounts, &from, &to],
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

// --- Mentions ---------------------------------------------------------------------------------

pub struct NewMention<'a> {
    pub social_account_id: Uuid,
    pub platform: Platform,
    pub platform_mention_id: &'a str,
    pub kind: &'a str,
    pub author: Option<&'a str>,
    pub text: &'a str,
    pub created_at: DateTime<Utc>,
    pub sentiment: f32,
    pub label: &'a str,
    pub scored_by: &'a str,
}

/// Records mentions once each (a redelivered webhook or an overlapping sync adds nothing);
/// returns how many were new.
pub async fn insert_mentions(
    db: &impl GenericClient,
    organization_id: OrgId,
    mentions: &[NewMention<'_>],
) -> Result<u64, StoreError> {
    let statement = db
        .prepare(
            "INSERT INTO brand_mentions (organization_id, social_account_id, platform,
                 platform_mention_id, kind, author, text, created_at, sentiment, label, scored_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (social_account_id, platform_mention_id) DO NOTHING",
        )
        .await?;
    let mut added = 0;
    for m in mentions {
        added += db
            .execute(
                &statement,
                &[
                    &organization_id,
                    &m.social_account_id,
                    &m.platform.as_str(),
                    &m.platform_mention_id,
                    &m.kind,
                    &m.author,
                    &m.text,
                    &m.created_at,
                    &m.sentiment,
                    &m.label,
                    &m.scored_by,
                ],
            )
            .await?;
    }
    Ok(added)
}

/// When the newest mention already recorded for an account was posted: the next read starts
/// there (what it reads again is recorded once).
pub async fn latest_mention_at(
    db: &impl GenericClient,
    social_account_id: Uuid,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let row = db
        .query_one(
            "SELECT max(created_at) FROM brand_mentions WHERE social_account_id = $1",
            &[&social_account_id],
        )
        .await?;
    Ok(row.get(0))
}

/// Mentions and negative mentions since `since`.
pub async fn mention_counts(
    db: &impl GenericClient,
    organization_id: OrgId,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<(i64, i64), StoreError> {
    let row = db
        .query_one(
            "SELECT count(*), count(*) FILTER (WHERE label = 'negative') FROM brand_mentions
             WHERE organization_id = $1 AND created_at >= $2 AND created_at < $3",
            &[&organization_id, &since, &until],
        )
        .await?;
    Ok((row.get(0), row.get(1)))
}

/// Mentions per day (UTC) from `since`, oldest first, empty days included.
pub async fn mentions_per_day(
    db: &impl GenericClient,
    organization_id: OrgId,
    since: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<(NaiveDate, i64)>, StoreError> {
    let rows = db
        .query(
            "SELECT d::date, count(m.id) FROM generate_series($2::date, $3::date, interval '1 day') d
             LEFT JOIN brand_mentions m ON m.organization_id = $1
                  AND m.created_at >= d AND m.created_at < d + interval '1 day'
             GROUP BY d ORDER BY d",
            &[&organization_id, &since, &until],
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

#[derive(Debug, Clone, PartialEq)]
pub struct MentionRow {
    pub author: Option<String>,
    pub text: String,
    pub sentiment: f32,
    pub scored_by: String,
    pub created_at: DateTime<Utc>,
}

/// The most negative mentions since `since`: examples for the evidence.
pub async fn most_negative(
    db: &impl GenericClient,
    organization_id: OrgId,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<MentionRow>, StoreError> {
    let rows = db
        .query(
            "SELECT author, text, sentiment, scored_by, created_at FROM brand_mentions
             WHERE organization_id = $1 AND created_at >= $2 AND label = 'negative'
             ORDER BY sentiment, created_at DESC LIMIT $3",
            &[&organization_id, &since, &limit],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| MentionRow {
            author: r.get(0),
            text: r.get(1),
            sentiment: r.get(2),
            scored_by: r.get(3),
            created_at: r.get(4),
        })
        .collect())
}

// --- Crisis alerts and the publishing pause ---------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub struct CrisisAlert {
    pub id: Uuid,
    pub level: String,
    pub evidence: Value,
    pub holding_statement: Option<String>,
    /// The model that drafted the statement (as labelled: `sandbox:…` for the sandbox).
    pub statement_model: Option<String>,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn alert_from(r: &Row) -> CrisisAlert {
    CrisisAlert {
        id: r.get(0),
        level: r.get(1),
        evidence: r.get(2),
        holding_statement: r.get(3),
        statement_model: r.get(4),
        opened_at: r.get(5),
        updated_at: r.get(6),
    }
}

const ALERT_COLUMNS: &str =
    "id, level, evidence, holding_statement, statement_model, opened_at, updated_at";

pub async fn open_alert(
    db: &impl GenericClient,
    organization_id: OrgId,
) -> Result<Option<CrisisAlert>, StoreError> {
    let row = db
        .query_opt(
            &format!(
                "SELECT {ALERT_COLUMNS} FROM crisis_alerts
                 WHERE organization_id = $1 AND resolved_at IS NULL"
            ),
            &[&organization_id],
        )
        .await?;
    Ok(row.as_ref().map(alert_from))
}

/// Opens the organization's alert, or moves the open one to `level` with new evidence (a
/// holding statement already drafted is kept unless a new one, with the model that drafted it,
/// is given).
pub async fn raise_alert(
    db: &impl GenericClient,
    organization_id: OrgId,
    level: &str,
    evidence: &Value,
    holding_statement: Option<(&str, &str)>,
) -> Result<CrisisAlert, StoreError> {
    let (statement, model) = holding_statement.unzip();
    let row = db
        .query_one(
            &format!(
                "INSERT INTO crisis_alerts (organization_id, level, evidence, holding_statement, statement_model)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (organization_id) WHERE resolved_at IS NULL DO UPDATE
                 SET level = EXCLUDED.level, evidence = EXCLUDED.evidence, updated_at = now(),
                     holding_statement = COALESCE(EXCLUDED.holding_statement, crisis_alerts.holding_statement),
                     statement_model = COALESCE(EXCLUDED.statement_model, crisis_alerts.statement_model)
                 RETURNING {ALERT_COLUMNS}"
            ),
            &[&organization_id, &level, evidence, &statement, &model],
        )
        .await?;
    Ok(alert_from(&row))
}

/// Closes the open alert; false when there was none.
pub async fn resolve_alert(
    db: &impl GenericClient,
    organization_id: OrgId,
    resolved_by: Option<Uuid>,
) -> Result<bool, StoreError> {
    let n = db
        .execute(
            "UPDATE crisis_alerts SET resolved_at = now(), resolved_by = $2
             WHERE organization_id = $1 AND resolved_at IS NULL",
            &[&organization_id, &resolved_by],
        )
        .await?;
    Ok(n > 0)
}

/// The organization's crisis settings and publishing state.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishingState {
    pub paused_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    pub auto_pause: bool,
    /// Due targets held back by the pause.
    pub held_targets: i64,
}

pub async fn publishing_state(
    db: &impl GenericClient,
    organization_id: OrgId,
) -> Result<PublishingState, StoreError> {
    let row = db
        .query_one(
            "SELECT o.publishing_paused_at, o.publishing_pause_reason, o.crisis_auto_pause,
                    (SELECT count(*) FROM post_platforms pp JOIN posts p ON p.id = pp.post_id
                      WHERE p.organization_id = o.id AND pp.status = 'pending' AND pp.held_at IS NOT NULL)
             FROM organizations o WHERE o.id = $1",
            &[&organization_id],
        )
        .await?;
    Ok(PublishingState {
        paused_at: row.get(0),
        reason: row.get(1),
        auto_pause: row.get(2),
        held_targets: row.get(3),
    })
}

pub async fn set_auto_pause(
    db: &impl GenericClient,
    organization_id: OrgId,
    auto_pause: bool,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE organizations SET crisis_auto_pause = $2 WHERE id = $1",
        &[&organization_id, &auto_pause],
    )
    .await?;
    Ok(())
}

/// Pauses the organization's publishing; false when it was already paused (the first reason
/// stays).
pub async fn pause_publishing(
    db: &impl GenericClient,
    organization_id: OrgId,
    reason: &str,
) -> Result<bool, StoreError> {
    let n = db
        .execute(
            "UPDATE organizations SET publishing_paused_at = now(), publishing_pause_reason = $2
             WHERE id = $1 AND publishing_paused_at IS NULL",
            &[&organization_id, &reason],
        )
        .await?;
    Ok(n > 0)
}

/// Resumes publishing: held targets become due at once (the sweeper and the caller queue
/// them); returns them with their platform.
pub async fn resume_publishing(
    db: &impl GenericClient,
    organization_id: OrgId,
) -> Result<Vec<(Uuid, Platform)>, StoreError> {
    db.execute(
        "UPDATE organizations SET publishing_paused_at = NULL, publishing_pause_reason = NULL
         WHERE id = $1",
        &[&organization_id],
    )
    .await?;
    let rows = db
        .query(
            "UPDATE post_platforms pp SET held_at = NULL, next_attempt_at = now(), enqueued_at = now(),
                    error_message = NULL
             FROM posts p, social_accounts sa
             WHERE p.id = pp.post_id AND sa.id = pp.social_account_id AND p.organization_id = $1
               AND pp.status = 'pending' AND pp.held_at IS NOT NULL
             RETURNING pp.id, sa.platform",
            &[&organization_id],
        )
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| Some((r.get(0), r.get::<_, String>(1).parse().ok()?)))
        .collect())
}

/// Holds a due target of a paused organization: it stays pending with its schedule and says
/// why it did not go out. True when the target was held (the publisher then stops).
pub async fn hold_if_paused(db: &impl GenericClient, target_id: Uuid) -> Result<bool, StoreError> {
    let n = db
        .execute(
            "UPDATE post_platforms pp
             SET held_at = COALESCE(pp.held_at, now()),
                 error_message = 'held: publishing is paused (' || o.publishing_pause_reason || ')'
             FROM posts p, organizations o
             WHERE pp.id = $1 AND p.id = pp.post_id AND o.id = p.organization_id
               AND o.publishing_paused_at IS NOT NULL AND pp.status = 'pending'
               AND COALESCE(pp.next_attempt_at, pp.scheduled_at, now()) <= now() + interval '30 seconds'",
            &[&target_id],
        )
        .await?;
    Ok(n > 0)
}

// --- Trends -----------------------------------------------------------------------------------

pub async fn trend_keywords(
    db: &impl GenericClient,
    organization_id: OrgId,
) -> Result<Vec<String>, StoreError> {
    let row = db
        .query_one(
            "SELECT trend_keywords FROM organizations WHERE id = $1",
            &[&organization_id],
        )
        .await?;
    Ok(row.get(0))
}

pub async fn set_trend_keywords(
    db: &impl GenericClient,
    organization_id: OrgId,
    keywords: &[String],
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE organizations SET trend_keywords = $2 WHERE id = $1",
        &[&organization_id, &keywords],
    )
    .await?;
    Ok(())
}

pub async fn save_trend_report(
    db: &impl GenericClient,
    organization_id: OrgId,
    task_id: Uuid,
    report: &Value,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO trend_reports (organization_id, task_id, report) VALUES ($1, $2, $3)",
        &[&organization_id, &task_id, report],
    )
    .await?;
    Ok(())
}

pub async fn latest_trend_report(
    db: &impl GenericClient,
    organization_id: OrgId,
) -> Result<Option<Value>, StoreError> {
    let row = db
        .query_opt(
            "SELECT report FROM trend_reports WHERE organization_id = $1
             ORDER BY analyzed_at DESC LIMIT 1",
            &[&organization_id],
        )
        .await?;
    Ok(row.map(|r| r.get(0)))
}

/// Hashtag uses per day (UTC, by publication) on the organization's published posts, oldest
/// first (an imported post is dated by when it went out, not when we read it).
pub async fn hashtags_per_day(
    db: &impl GenericClient,
    organization_id: OrgId,
    since: NaiveDate,
) -> Result<Vec<(String, NaiveDate, i64)>, StoreError> {
    let rows = db
        .query(
            "SELECT lower(m[1]), (p.published_at AT TIME ZONE 'UTC')::date, count(*)
             FROM posts p, regexp_matches(p.content, '#([[:alnum:]_]+)', 'g') m
             WHERE p.organization_id = $1 AND p.published_at >= $2::date
             GROUP BY 1, 2 ORDER BY 1, 2",
            &[&organization_id, &since],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| (format!("#{}", r.get::<_, String>(0)), r.get(1), r.get(2)))
        .collect())
}

// --- Competitor spikes ------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct CompetitorAlert {
    pub competitor_id: Uuid,
    pub handle: String,
    pub platform: Platform,
    pub kind: String,
    pub detected_at: DateTime<Utc>,
    pub value: f64,
    pub baseline: f64,
    pub z: f64,
}

/// Records a spike once per competitor, kind and day; true when it is new.
pub async fn record_competitor_alert(
    db: &impl GenericClient,
    organization_id: OrgId,
    competitor_id: Uuid,
    kind: &str,
    (value, baseline, z): (f64, f64, f64),
) -> Result<bool, StoreError> {
    let n = db
        .execute(
            "INSERT INTO competitor_alerts (organization_id, competitor_id, kind, detected_on, value, baseline, z)
             SELECT $1, id, $3, current_date, $4, $5, $6 FROM competitor_accounts
             WHERE id = $2 AND organization_id = $1
             ON CONFLICT (competitor_id, kind, detected_on) DO NOTHING",
            &[&organization_id, &competitor_id, &kind, &value, &baseline, &z],
        )
        .await?;
    Ok(n > 0)
}

pub async fn competitor_alerts(
    db: &impl GenericClient,
    organization_id: OrgId,
    since: DateTime<Utc>,
) -> Result<Vec<CompetitorAlert>, StoreError> {
    let rows = db
        .query(
            "SELECT a.competitor_id, c.handle, c.platform, a.kind, a.detected_at, a.value, a.baseline, a.z
             FROM competitor_alerts a JOIN competitor_accounts c ON c.id = a.competitor_id
             WHERE a.organization_id = $1 AND a.detected_at >= $2
             ORDER BY a.detected_at DESC LIMIT 50",
            &[&organization_id, &since],
        )
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            Some(CompetitorAlert {
                competitor_id: r.get(0),
                handle: r.get(1),
                platform: r.get::<_, String>(2).parse().ok()?,
                kind: r.get(3),
                detected_at: r.get(4),
                value: r.get(5),
                baseline: r.get(6),
                z: r.get(7),
            })
        })
        .collect())
}

/// Organizations with connected accounts, for the scheduled insight runs.
pub async fn active_organizations(db: &impl GenericClient) -> Result<Vec<OrgId>, StoreError> {
    let rows = db
        .query(
            "SELECT DISTINCT organization_id FROM social_accounts
             WHERE is_active AND organization_id IS NOT NULL",
            &[],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// When the organization last had a task of `task_type` (any status); with `scheduled_only`,
/// only those the schedule queued (no one asked), so asking by hand does not skip a digest.
pub async fn last_task_at(
    db: &impl GenericClient,
    organization_id: OrgId,
    task_type: &str,
    scheduled_only: bool,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let row = db
        .query_one(
            "SELECT max(created_at) FROM ai_agent_tasks
             WHERE organization_id = $1 AND task_type = $2 AND (NOT $3 OR requested_by IS NULL)",
            &[&organization_id, &task_type, &scheduled_only],
        )
        .await?;
    Ok(row.get(0))
}

/// Each competitor's latest snapshot per UTC day since `since`: followers and likes plus
/// comments per post over their 30 days, oldest first.
pub async fn competitor_days(
    db: &impl GenericClient,
    organization_id: OrgId,
    since: DateTime<Utc>,
) -> Result<Vec<(Uuid, NaiveDate, Option<i64>, Option<f64>)>, StoreError> {
    let rows = db
        .query(
            "SELECT DISTINCT ON (competitor_id, day) competitor_id,
                    (recorded_at AT TIME ZONE 'UTC')::date AS day, followers_count,
                    CASE WHEN recent_posts > 0
                         THEN (recent_likes + recent_comments)::float8 / recent_posts END
             FROM competitor_snapshots
             WHERE organization_id = $1 AND recorded_at >= $2
             ORDER BY competitor_id, day, recorded_at DESC",
            &[&organization_id, &since],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect())
}

/// One brand mention in the inbox.
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct InboxMention {
    pub id: Uuid,
    pub social_account_id: Uuid,
    pub account_name: Option<String>,
    pub platform: Platform,
    /// `mention` or `comment`.
    pub kind: String,
    pub author: Option<String>,
    pub text: String,
    pub created_at: DateTime<Utc>,
    /// From −1 to +1.
    pub sentiment: f32,
    /// `positive`, `neutral` or `negative`.
    pub label: String,
}

/// The organization's mentions and comments, newest first, before `before` (a page cursor),
/// narrowed by label, platform and kind.
pub async fn inbox(
    db: &impl GenericClient,
    organization_id: OrgId,
    label: Option<&str>,
    platform: Option<Platform>,
    kind: Option<&str>,
    before: Option<DateTime<Utc>>,
    limit: i64,
) -> Result<Vec<InboxMention>, StoreError> {
    let platform = platform.map(|p| p.as_str());
    let rows = db
        .query(
            "SELECT m.id, m.social_account_id, sa.account_name, m.platform, m.kind, m.author, m.text,
                    m.created_at, m.sentiment, m.label
             FROM brand_mentions m JOIN social_accounts sa ON sa.id = m.social_account_id
             WHERE m.organization_id = $1
               AND ($2::text IS NULL OR m.label = $2)
               AND ($3::text IS NULL OR m.platform = $3)
               AND ($4::text IS NULL OR m.kind = $4)
               AND ($5::timestamptz IS NULL OR m.created_at < $5)
             ORDER BY m.created_at DESC, m.id LIMIT $6",
            &[&organization_id, &label, &platform, &kind, &before, &limit],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| InboxMention {
            id: r.get(0),
            social_account_id: r.get(1),
            account_name: r.get(2),
            platform: r.get::<_, String>(3).parse().expect("checked platform"),
            kind: r.get(4),
            author: r.get(5),
            text: r.get(6),
            created_at: r.get(7),
            sentiment: r.get(8),
            label: r.get(9),
        })
        .collect())
}
