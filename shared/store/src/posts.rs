//! Posts and their per-account targets (`post_platforms`). Publishing state lives on targets;
//! a post's status is derived from them in one place ([`refresh_post_status`]).

use chrono::{DateTime, Utc};
use domain::{Platform, PostPlatformStatus, PostStatus};
use serde::Serialize;
use serde_json::Value;
use tokio_postgres::{GenericClient, Row, Transaction};
use uuid::Uuid;

use crate::OrgId;
use crate::StoreError;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Target {
    pub id: Uuid,
    pub social_account_id: Uuid,
    pub platform: Platform,
    pub account_name: Option<String>,
    pub status: PostPlatformStatus,
    /// This account's text, when it differs from the post's.
    pub text_override: Option<String>,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub platform_post_id: Option<String>,
    pub permalink: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub error_message: Option<String>,
    pub failure_class: Option<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Post {
    pub id: Uuid,
    #[serde(skip)]
    pub organization_id: OrgId,
    pub author_id: Option<Uuid>,
    pub title: Option<String>,
    pub content: String,
    pub content_type: String,
    /// Media library asset ids, in order.
    pub media: Vec<Uuid>,
    pub hashtags: Vec<String>,
    pub mentions: Vec<String>,
    pub status: PostStatus,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub schedule_timezone: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub ai_generated: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set when the post was deleted after reaching a platform: it stays for its history.
    pub archived_at: Option<DateTime<Utc>>,
    pub targets: Vec<Target>,
}

const POST_COLUMNS: &str =
    "id, organization_id, user_id, title, content, content_type, media_urls, hashtags, mentions,
    status, scheduled_at, schedule_timezone, published_at, ai_generated, created_at, updated_at, archived_at";

fn strings(value: Option<Value>) -> Vec<String> {
    value
        .and_then(|v| serde_json::from_value::<Vec<Value>>(v).ok())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

fn post_from(row: &Row) -> Post {
    Post {
        id: row.get("id"),
        organization_id: row.get("organization_id"),
        author_id: row.get("user_id"),
        title: row.get("title"),
        content: row.get("content"),
        content_type: row
            .get::<_, Option<String>>("content_type")
            .unwrap_or_else(|| "text".into()),
        media: strings(row.get("media_urls"))
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect(),
        hashtags: strings(row.get("hashtags")),
        mentions: strings(row.get("mentions")),
        status: row
            .get::<_, Option<String>>("status")
            .and_then(|s| s.parse().ok())
            .unwrap_or(PostStatus::Draft),
        scheduled_at: row.get("scheduled_at"),
        schedule_timezone: row.get("schedule_timezone"),
        published_at: row.get("published_at"),
        ai_generated: row.get::<_, Option<bool>>("ai_generated").unwrap_or(false),
        created_at: row.get("created_at"),
        updated_at: row.get("updated_at"),
        archived_at: row.get("archived_at"),
        targets: Vec::new(),
    }
}

const TARGET_COLUMNS: &str = "pp.id, pp.post_id, pp.social_account_id, sa.platform, sa.account_name, pp.status, pp.text_override,
    pp.scheduled_at, pp.attempts, pp.next_attempt_at, pp.platform_post_id, pp.permalink, pp.published_at,
    pp.error_message, pp.failure_class";

fn target_from(row: &Row) -> Target {
    Target {
        id: row.get("id"),
        social_account_id: row.get("social_account_id"),
        platform: row
            .get::<_, String>("platform")
            .parse()
            .expect("checked platform"),
        account_name: row.get("account_name"),
        status: row
            .get::<_, String>("status")
            .parse()
            .expect("checked status"),
        text_override: row.get("text_override"),
        scheduled_at: row.get("scheduled_at"),
        attempts: row.get("attempts"),
        next_attempt_at: row.get("next_attempt_at"),
        platform_post_id: row.get("platform_post_id"),
        permalink: row.get("permalink"),
        published_at: row.get("published_at"),
        error_message: row.get("error_message"),
        failure_class: row.get("failure_class"),
    }
}

async fn attach_targets(db: &impl GenericClient, posts: &mut [Post]) -> Result<(), StoreError> {
    if posts.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = posts.iter().map(|p| p.id).collect();
    let rows = db
        .query(
            &format!(
                "SELECT {TARGET_COLUMNS} FROM post_platforms pp JOIN social_accounts sa ON sa.id = pp.social_account_id
                 WHERE pp.post_id = ANY($1) ORDER BY pp.created_at, pp.id"
            ),
            &[&ids],
        )
        .await?;
    for row in rows {
        let post_id: Uuid = row.get("post_id");
        if let Some(post) = posts.iter_mut().find(|p| p.id == post_id) {
            post.targets.push(target_from(&row));
        }
    }
    Ok(())
}

pub struct NewPost<'a> {
    pub organization_id: OrgId,
    pub author_id: Uuid,
    pub title: Option<&'a str>,
    pub content: &'a str,
    pub content_type: &'a str,
    pub media: &'a [Uuid],
    pub hashtags: &'a [String],
    pub mentions: &'a [String],
    pub ai_generated: bool,
}

fn json_list<T: Serialize>(items: &[T]) -> Value {
    serde_json::to_value(items).unwrap_or(Value::Array(Vec::new()))
}

pub async fn insert(db: &impl GenericClient, post: &NewPost<'_>) -> Result<Uuid, StoreError> {
    let row = db
        .query_one(
            "INSERT INTO posts (organization_id, user_id, title, content, content_type, media_urls, hashtags, mentions, ai_generated)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            &[
                &post.organization_id,
                &post.author_id,
                &post.title,
                &post.content,
                &post.content_type,
                &json_list(post.media),
                &json_list(post.hashtags),
                &json_list(post.mentions),
                &post.ai_generated,
            ],
        )
        .await?;
    Ok(row.get(0))
}

/// Replaces the targets of a post that has not started publishing.
/// Targets have no organization column: the post's organization scopes them, and a target
/// may only name an account of that same organization.
pub async fn set_targets(
    db: &impl GenericClient,
    organization_id: OrgId,
    post_id: Uuid,
    targets: &[(Uuid, Option<String>)],
) -> Result<(), StoreError> {
    db.execute(
        "DELETE FROM post_platforms pp USING posts p
         WHERE pp.post_id = p.id AND p.id = $1 AND p.organization_id = $2",
        &[&post_id, &organization_id],
    )
    .await?;
    for (account, text) in targets {
        db.execute(
            "INSERT INTO post_platforms (post_id, social_account_id, text_override, status)
             SELECT p.id, sa.id, $3, 'pending' FROM posts p, social_accounts sa
             WHERE p.id = $1 AND sa.id = $2 AND p.organization_id = $4 AND sa.organization_id = $4",
            &[&post_id, account, text, &organization_id],
        )
        .await?;
    }
    Ok(())
}

pub struct PostChanges<'a> {
    pub title: Option<Option<&'a str>>,
    pub content: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub media: Option<&'a [Uuid]>,
    pub hashtags: Option<&'a [String]>,
    pub mentions: Option<&'a [String]>,
}

pub async fn update(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
    changes: &PostChanges<'_>,
) -> Result<(), StoreError> {
    let set_title = changes.title.is_some();
    let title = changes.title.flatten();
    db.execute(
        "UPDATE posts SET title = CASE WHEN $2 THEN $3 ELSE title END, content = COALESCE($4, content),
                content_type = COALESCE($5, content_type), media_urls = COALESCE($6, media_urls),
                hashtags = COALESCE($7, hashtags), mentions = COALESCE($8, mentions)
         WHERE id = $1 AND organization_id = $9",
        &[
            &id,
            &set_title,
            &title,
            &changes.content,
            &changes.content_type,
            &changes.media.map(json_list),
            &changes.hashtags.map(json_list),
            &changes.mentions.map(json_list),
            &organization_id,
        ],
    )
    .await?;
    Ok(())
}

pub async fn get(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
    for_update: bool,
) -> Result<Option<Post>, StoreError> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let row = db
        .query_opt(
            &format!(
                "SELECT {POST_COLUMNS} FROM posts WHERE id = $1 AND organization_id = $2{lock}"
            ),
            &[&id, &organization_id],
        )
        .await?;
    let Some(row) = row else { return Ok(None) };
    if for_update {
        // The post first, then its targets (the one lock order). A publisher's claim holds a
        // target's row; waiting for it here means the targets read below show its result, so
        // an edit or a deletion never races a publish in flight.
        db.execute(
            "SELECT 1 FROM post_platforms WHERE post_id = $1 ORDER BY id FOR UPDATE",
            &[&id],
        )
        .await?;
    }
    let mut posts = vec![post_from(&row)];
    attach_targets(db, &mut posts).await?;
    Ok(posts.pop())
}

#[derive(Debug, Default)]
pub struct PostFilter {
    pub status: Option<PostStatus>,
    pub platform: Option<Platform>,
    pub social_account_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub search: Option<String>,
    pub ai_generated: Option<bool>,
    pub author_id: Option<Uuid>,
    /// Archived posts (deleted after publishing) instead of live ones.
    pub archived: bool,
    /// Keyset: the (created_at, id) of the last post of the previous page.
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

pub async fn list(
    db: &impl GenericClient,
    organization_id: OrgId,
    filter: &PostFilter,
) -> Result<Vec<Post>, StoreError> {
    let search = filter.search.as_ref().map(|s| {
        format!(
            "%{}%",
            s.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    });
    let (after_time, after_id) = filter.after.unzip();
    let rows = db
        .query(
            &format!(
                "SELECT {POST_COLUMNS} FROM posts p
                 WHERE organization_id = $1
                   AND ($2::text IS NULL OR status = $2)
                   AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM post_platforms pp JOIN social_accounts sa ON sa.id = pp.social_account_id
                                                    WHERE pp.post_id = p.id AND sa.platform = $3))
                   AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM post_platforms pp WHERE pp.post_id = p.id AND pp.social_account_id = $4))
                   AND ($5::timestamptz IS NULL OR COALESCE(scheduled_at, created_at) >= $5)
                   AND ($6::timestamptz IS NULL OR COALESCE(scheduled_at, created_at) < $6)
                   AND ($7::text IS NULL OR content ILIKE $7 OR title ILIKE $7)
                   AND ($8::bool IS NULL OR ai_generated = $8)
                   AND ($9::uuid IS NULL OR user_id = $9)
                   AND ($10::timestamptz IS NULL OR (created_at, id) < ($10, $11))
                   AND (archived_at IS NOT NULL) = $13
                 ORDER BY created_at DESC, id DESC LIMIT $12"
            ),
            &[
                &organization_id,
                &filter.status.map(PostStatus::as_str),
                &filter.platform.map(Platform::as_str),
                &filter.social_account_id,
                &filter.from,
                &filter.to,
                &search,
                &filter.ai_generated,
                &filter.author_id,
                &after_time,
                &after_id,
                &filter.limit,
                &filter.archived,
            ],
        )
        .await?;
    let mut posts: Vec<Post> = rows.iter().map(post_from).collect();
    attach_targets(db, &mut posts).await?;
    Ok(posts)
}

pub async fn delete(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
) -> Result<(), StoreError> {
    db.execute(
        "DELETE FROM posts WHERE id = $1 AND organization_id = $2",
        &[&id, &organization_id],
    )
    .await?;
    Ok(())
}

/// Archives a post that reached a platform: what is still pending is cancelled, the history
/// stays. Returns the cancelled targets (their schedules are to be deleted).
pub async fn archive(
    tx: &Transaction<'_>,
    organization_id: OrgId,
    id: Uuid,
) -> Result<Vec<Uuid>, StoreError> {
    let cancelled = tx
        .query(
            "UPDATE post_platforms pp SET status = 'cancelled'
             FROM posts p
             WHERE pp.post_id = p.id AND p.id = $1 AND p.organization_id = $2 AND pp.status = 'pending'
             RETURNING pp.id",
            &[&id, &organization_id],
        )
        .await?;
    tx.execute(
        "UPDATE posts SET archived_at = now() WHERE id = $1 AND organization_id = $2",
        &[&id, &organization_id],
    )
    .await?;
    derive_post_status(tx, id).await?;
    Ok(cancelled.iter().map(|r| r.get(0)).collect())
}

/// Schedules every target that has not been published at `at`.
pub async fn schedule(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
    at: DateTime<Utc>,
    timezone: &str,
) -> Result<(), StoreError> {
    let scheduled = db
        .execute(
            "UPDATE posts SET status = 'scheduled', scheduled_at = $2, schedule_timezone = $3
             WHERE id = $1 AND organization_id = $4",
            &[&id, &at, &timezone, &organization_id],
        )
        .await?;
    if scheduled == 0 {
        return Ok(());
    }
    db.execute(
        "UPDATE post_platforms SET status = 'pending', scheduled_at = $2, next_attempt_at = NULL, attempts = 0,
                error_message = NULL, failure_class = NULL
         WHERE post_id = $1 AND status IN ('pending', 'cancelled', 'failed')",
        &[&id, &at],
    )
    .await?;
    Ok(())
}

/// A target the publisher now owns: only one caller can have it.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub target_id: Uuid,
    pub post_id: Uuid,
    pub organization_id: OrgId,
    pub author_id: Option<Uuid>,
    pub social_account_id: Uuid,
    pub platform: Platform,
    pub attempts: i32,
}

/// Claims a due pending target (pending → publishing) with one conditional update, so duplicate
/// or late triggers find nothing to do.
pub async fn claim(
    db: &impl GenericClient,
    target_id: Uuid,
) -> Result<Option<Claimed>, StoreError> {
    let row = db
        .query_opt(
            "UPDATE post_platforms pp SET status = 'publishing', claimed_at = now(), attempts = attempts + 1
             FROM posts p, social_accounts sa
             WHERE pp.id = $1 AND p.id = pp.post_id AND sa.id = pp.social_account_id AND pp.status = 'pending'
               AND COALESCE(pp.next_attempt_at, pp.scheduled_at, now()) <= now() + interval '30 seconds'
               AND NOT EXISTS (SELECT 1 FROM organizations o
                               WHERE o.id = p.organization_id AND o.publishing_paused_at IS NOT NULL)
             RETURNING pp.id, pp.post_id, p.organization_id, p.user_id, pp.social_account_id, pp.attempts, sa.platform",
            &[&target_id],
        )
        .await?;
    Ok(row.as_ref().map(claimed_from))
}

/// A claim from `RETURNING pp.id, pp.post_id, p.organization_id, p.user_id,
/// pp.social_account_id, pp.attempts, sa.platform`.
fn claimed_from(r: &Row) -> Claimed {
    Claimed {
        target_id: r.get(0),
        post_id: r.get(1),
        organization_id: r.get(2),
        author_id: r.get(3),
        social_account_id: r.get(4),
        attempts: r.get(5),
        platform: r.get::<_, String>(6).parse().expect("checked platform"),
    }
}

/// Records that the platform call is about to be sent: from here on, a lost outcome is
/// `unconfirmed`, never retried.
pub async fn mark_dispatched(db: &impl GenericClient, target_id: Uuid) -> Result<(), StoreError> {
    db.execute(
        "UPDATE post_platforms SET dispatched_at = now() WHERE id = $1 AND status = 'publishing'",
        &[&target_id],
    )
    .await?;
    Ok(())
}

/// How a claimed target ends its attempt.
#[derive(Debug, Clone)]
pub enum Settlement<'a> {
    Published {
        platform_post_id: &'a str,
        permalink: Option<&'a str>,
    },
    /// `failed` or `unconfirmed`, with the reason the user will read.
    Finished {
        status: PostPlatformStatus,
        reason: &'a str,
        class: &'a str,
    },
    /// Back to `pending`, for another attempt at `at`.
    Retry {
        at: DateTime<Utc>,
        reason: &'a str,
        class: &'a str,
    },
}

/// Ends the current attempt of a claimed target and derives its post's status, under the post's
/// row lock (the one lock order: post, then its targets). Returns false when the target was no
/// longer claimed.
pub async fn settle(
    tx: &Transaction<'_>,
    post_id: Uuid,
    target_id: Uuid,
    settlement: &Settlement<'_>,
) -> Result<bool, StoreError> {
    lock_post(tx, post_id).await?;
    let changed = match settlement {
        Settlement::Published {
            platform_post_id,
            permalink,
        } => {
            tx.execute(
                "UPDATE post_platforms SET status = 'published', platform_post_id = $2, permalink = $3, published_at = now(),
                        error_message = NULL, failure_class = NULL, next_attempt_at = NULL
                 WHERE id = $1 AND status = 'publishing'",
                &[&target_id, platform_post_id, permalink],
            )
            .await?
        }
        Settlement::Finished {
            status,
            reason,
            class,
        } => {
            tx.execute(
                "UPDATE post_platforms SET status = $2, error_message = $3, failure_class = $4, next_attempt_at = NULL
                 WHERE id = $1 AND status = 'publishing'",
                &[&target_id, &status.as_str(), reason, class],
            )
            .await?
        }
        Settlement::Retry { at, reason, class } => {
            tx.execute(
                "UPDATE post_platforms SET status = 'pending', next_attempt_at = $2, error_message = $3, failure_class = $4,
                        claimed_at = NULL, dispatched_at = NULL
                 WHERE id = $1 AND status = 'publishing'",
                &[&target_id, at, reason, class],
            )
            .await?
        }
    };
    derive_post_status(tx, post_id).await?;
    Ok(changed == 1)
}

async fn lock_post(tx: &Transaction<'_>, post_id: Uuid) -> Result<(), StoreError> {
    tx.execute("SELECT 1 FROM posts WHERE id = $1 FOR UPDATE", &[&post_id])
        .await?;
    Ok(())
}

/// Derives the post's status from its targets and stores it, under the post's row lock: two
/// sibling targets finishing together cannot leave a status computed from a stale snapshot.
pub async fn refresh_post_status(
    tx: &Transaction<'_>,
    post_id: Uuid,
) -> Result<PostStatus, StoreError> {
    lock_post(tx, post_id).await?;
    derive_post_status(tx, post_id).await
}

/// The status rule; callers hold the post's row lock, so this statement sees every target
/// change committed before the lock was granted.
async fn derive_post_status(tx: &Transaction<'_>, post_id: Uuid) -> Result<PostStatus, StoreError> {
    let rows = tx
        .query(
            "SELECT status, attempts FROM post_platforms WHERE post_id = $1",
            &[&post_id],
        )
        .await?;
    let statuses: Vec<(PostPlatformStatus, i32)> = rows
        .iter()
        .map(|r| {
            (
                r.get::<_, String>(0).parse().expect("checked status"),
                r.get(1),
            )
        })
        .collect();
    let status = post_status_of(&statuses);
    tx.execute(
        "UPDATE posts SET status = $2,
                published_at = (SELECT max(published_at) FROM post_platforms WHERE post_id = $1)
         WHERE id = $1 AND status IS DISTINCT FROM $2",
        &[&post_id, &status.as_str()],
    )
    .await?;
    Ok(status)
}

/// A post's status from its targets' (status, attempts).
pub fn post_status_of(targets: &[(PostPlatformStatus, i32)]) -> PostStatus {
    let count = |s: PostPlatformStatus| targets.iter().filter(|(status, _)| *status == s).count();
    let live = targets
        .iter()
        .filter(|(s, _)| *s != PostPlatformStatus::Cancelled)
        .count();
    let published = count(PostPlatformStatus::Published);
    let in_flight = count(PostPlatformStatus::Publishing) + count(PostPlatformStatus::Pending);
    let started = targets.iter().any(|(_, attempts)| *attempts > 0);
    if live == 0 {
        PostStatus::Draft
    } else if in_flight > 0 {
        if started {
            PostStatus::Publishing
        } else {
            PostStatus::Scheduled
        }
    } else if published == live {
        PostStatus::Published
    } else if published > 0 {
        PostStatus::PartiallyFailed
    } else {
        PostStatus::Failed
    }
}

/// Gives back a claim whose attempt ended before anything was sent to the platform (media could
/// not be loaded, a transient token error, an infrastructure fault). A dispatched claim is left
/// alone: its outcome is unknown, and the sweeper declares it unconfirmed.
pub async fn release_undispatched(
    db: &impl GenericClient,
    target_id: Uuid,
    at: DateTime<Utc>,
    reason: &str,
) -> Result<bool, StoreError> {
    let changed = db
        .execute(
            "UPDATE post_platforms SET status = 'pending', next_attempt_at = $2, error_message = $3,
                    failure_class = 'retryable', claimed_at = NULL
             WHERE id = $1 AND status = 'publishing' AND dispatched_at IS NULL",
            &[&target_id, &at, &reason],
        )
        .await?;
    Ok(changed == 1)
}

/// A due target the sweeper queued for the publisher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueuedTarget {
    pub target_id: Uuid,
    pub platform: Platform,
}

/// How many seconds the oldest due, unheld pending target is late (0 when none is): the
/// publishing lag the sweeper reports and the admin health page shows.
pub async fn publishing_lag_secs(db: &impl GenericClient) -> Result<f64, StoreError> {
    let row = db
        .query_one(
            "SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(COALESCE(next_attempt_at, scheduled_at))), 0)::float8
             FROM post_platforms
             WHERE status = 'pending' AND held_at IS NULL AND COALESCE(next_attempt_at, scheduled_at) <= now()",
            &[],
        )
        .await?;
    Ok(row.get::<_, f64>(0).max(0.0))
}

/// Up to `limit` pending targets that are due and not queued in the last five minutes, marked
/// as queued in the same statement (so concurrent sweeps share the work). A first attempt is
/// only taken once its own trigger is `trigger_grace_secs` late; a retry as soon as it is due.
pub async fn queue_due_targets(
    db: &impl GenericClient,
    limit: i64,
    trigger_grace_secs: i64,
) -> Result<Vec<QueuedTarget>, StoreError> {
    let rows = db
        .query(
            "WITH due AS (
                 SELECT id FROM post_platforms
                 WHERE status = 'pending' AND held_at IS NULL
                   AND COALESCE(next_attempt_at, scheduled_at) <= now()
                   AND (next_attempt_at IS NOT NULL OR scheduled_at <= now() - make_interval(secs => $2))
                   AND (enqueued_at IS NULL OR enqueued_at < now() - interval '5 minutes')
                 ORDER BY COALESCE(next_attempt_at, scheduled_at)
                 LIMIT $1
                 FOR UPDATE SKIP LOCKED)
             UPDATE post_platforms pp SET enqueued_at = now()
             FROM due, social_accounts sa
             WHERE pp.id = due.id AND sa.id = pp.social_account_id
             RETURNING pp.id, sa.platform",
            &[&limit, &(trigger_grace_secs as f64)],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| QueuedTarget {
            target_id: r.get(0),
            platform: r.get::<_, String>(1).parse().expect("checked platform"),
        })
        .collect())
}

/// Claims stuck in `publishing` (a crashed or timed-out publisher). Dispatched ones may have
/// reached the platform: their outcome is unknown. The others never did: they are released.
#[derive(Debug, Default)]
pub struct ExpiredClaims {
    /// Targets declared unconfirmed.
    pub unconfirmed: Vec<Claimed>,
    /// Targets released for another attempt now.
    pub released: Vec<Claimed>,
}

pub async fn expire_stale_claims(
    db: &impl GenericClient,
    older_than_secs: i64,
) -> Result<ExpiredClaims, StoreError> {
    let age = older_than_secs as f64;
    let claims = |rows: Vec<Row>| -> Vec<Claimed> { rows.iter().map(claimed_from).collect() };
    let unconfirmed = db
        .query(
            "UPDATE post_platforms pp SET status = 'unconfirmed', failure_class = 'unknown_outcome',
                    error_message = 'publishing did not finish in time; check the platform before publishing again'
             FROM posts p, social_accounts sa
             WHERE p.id = pp.post_id AND sa.id = pp.social_account_id
               AND pp.status = 'publishing' AND pp.dispatched_at IS NOT NULL
               AND pp.claimed_at < now() - make_interval(secs => $1)
             RETURNING pp.id, pp.post_id, p.organization_id, p.user_id, pp.social_account_id, pp.attempts, sa.platform",
            &[&age],
        )
        .await?;
    let released = db
        .query(
            "UPDATE post_platforms pp SET status = 'pending', next_attempt_at = now(), claimed_at = NULL,
                    failure_class = 'retryable', error_message = 'the publisher stopped before reaching the platform'
             FROM posts p, social_accounts sa
             WHERE p.id = pp.post_id AND sa.id = pp.social_account_id
               AND pp.status = 'publishing' AND pp.dispatched_at IS NULL
               AND pp.claimed_at < now() - make_interval(secs => $1)
             RETURNING pp.id, pp.post_id, p.organization_id, p.user_id, pp.social_account_id, pp.attempts, sa.platform",
            &[&age],
        )
        .await?;
    Ok(ExpiredClaims {
        unconfirmed: claims(unconfirmed),
        released: claims(released),
    })
}

/// Where an AI draft came from, kept on the post (`ai_*` columns).
pub struct AiOrigin<'a> {
    pub agent_id: Uuid,
    pub prompt: &'a str,
    pub model: &'a str,
}

/// Marks a draft as written by an agent, optionally at a proposed time (shown on the calendar;
/// a draft is never published until someone schedules it).
pub async fn mark_ai_draft(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
    origin: &AiOrigin<'_>,
    proposed: Option<(DateTime<Utc>, &str)>,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE posts SET ai_generated = true, ai_agent_id = $3, ai_prompt = $4, ai_model_used = $5,
             scheduled_at = $6, schedule_timezone = COALESCE($7, schedule_timezone)
         WHERE organization_id = $1 AND id = $2 AND status = 'draft'",
        &[
            &organization_id,
            &id,
            &origin.agent_id.to_string(),
            &origin.prompt,
            &origin.model,
            &proposed.map(|(at, _)| at),
            &proposed.map(|(_, tz)| tz),
        ],
    )
    .await?;
    Ok(())
}
