//! Publishing one post target exactly once, and the sweep that recovers lost triggers and stuck
//! claims.
//!
//! The path: a one-time EventBridge schedule (or the sweeper, or "publish now") puts
//! `{"post_platform_id"}` on the target's publishing lane, an SQS queue per platform group whose
//! event source caps the publisher's concurrency for that platform. The publisher claims the
//! target with one conditional update, so duplicate or late triggers do nothing, and uses one
//! database connection for the whole publish. The platform's answer decides the next state
//! through the one failure classification: retry with backoff, wait for the rate-limit reset,
//! refresh once, fail with the platform's reason, or — when the request may have been applied —
//! `unconfirmed`. Anything that goes wrong before the platform call gives the claim back.

use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use cloud::{OutgoingMessage, PublishLane};
use contracts::{LiveEvent, TargetStatus};
use domain::{
    AccountStatus, AuditAction, MediaType, NotificationKind, Permission, Platform,
    PostPlatformStatus,
};
use notifications::{Draft, Recipients};
use platforms::{Acting, Content, Failure, MediaItem};
use runtime::AppState;
use runtime::metrics::{self, Unit};
use serde::Serialize;
use store::accounts::audit::{self, Actor, AuditEntry};
use store::posts::{self, Claimed, Post, QueuedTarget, Settlement};
use store::social_accounts::{self, SocialAccount};
use store::tokio_postgres;
use uuid::Uuid;

/// What can stop the engine (a platform's answer is never an error: it is an [`Outcome`]).
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Kv(#[from] kv::KvError),
    #[error(transparent)]
    Queue(#[from] cloud::QueueError),
    #[error(transparent)]
    Storage(#[from] cloud::ObjectError),
    #[error(transparent)]
    Schedule(#[from] cloud::ScheduleError),
    #[error("the {0} no longer exists")]
    NotFound(&'static str),
}

impl From<tokio_postgres::Error> for PublishError {
    fn from(error: tokio_postgres::Error) -> Self {
        PublishError::Store(error.into())
    }
}

/// How long a claim may stay in `publishing` before the sweeper settles it.
pub const STALE_CLAIM_SECS: i64 = 300;
/// Attempts of one target before it fails for good, and how long retries may go on.
const MAX_ATTEMPTS: i32 = 5;
const RETRY_WINDOW: Duration = Duration::hours(6);
/// Presigned media URLs handed to platforms that fetch media themselves.
const MEDIA_URL_TTL: StdDuration = StdDuration::from_secs(60 * 60);
/// A first attempt is swept only when its own trigger is this late.
const TRIGGER_GRACE_SECS: i64 = 90;
/// Targets the sweeper queues per database round trip.
const SWEEP_PAGE: i64 = 500;
/// SQS delays a message by 15 minutes at most; later retries wait for the sweeper.
const MAX_QUEUE_DELAY_SECS: i64 = 900;

pub use contracts::PublishRequest;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Outcome {
    Published {
        platform_post_id: String,
    },
    /// Claimed by someone else, not due, or already finished: nothing done.
    Skipped,
    /// Will be tried again at `at`.
    RetryAt {
        at: DateTime<Utc>,
        reason: String,
    },
    Failed {
        reason: String,
    },
    Unconfirmed {
        reason: String,
    },
}

fn backoff(attempts: i32) -> Duration {
    // 1, 2, 4, 8 … minutes.
    Duration::minutes(1 << (attempts.clamp(1, 6) - 1))
}

/// The text as it is sent to a platform: the target's override, or the post's text with its
/// hashtags appended when they are not in it already.
pub fn text_for(post: &Post, text_override: Option<&str>) -> String {
    if let Some(text) = text_override {
        return text.to_owned();
    }
    let present = domain::hashtags(&post.content);
    let missing: Vec<String> = post
        .hashtags
        .iter()
        .map(|t| t.trim_start_matches('#').to_owned())
        .filter(|t| !t.is_empty() && !present.iter().any(|p| p.eq_ignore_ascii_case(t)))
        .map(|t| format!("#{t}"))
        .collect();
    if missing.is_empty() {
        post.content.clone()
    } else {
        format!("{}\n\n{}", post.content, missing.join(" "))
    }
}

async fn media_items(
    state: &AppState,
    db: &tokio_postgres::Client,
    post: &Post,
    platform: Platform,
) -> Result<Vec<MediaItem>, PublishError> {
    let mut items = Vec::new();
    for asset_id in &post.media {
        let Some(asset) = store::media::get(db, post.organization_id, *asset_id, false).await?
        else {
            return Err(PublishError::NotFound("media"));
        };
        // The platform's variant when one was rendered, else the original.
        let (key, mime, size_bytes) = asset
            .variants
            .iter()
            .find(|v| v.platform == platform)
            .map(|v| (v.s3_key.clone(), v.mime_type.clone(), v.bytes))
            .unwrap_or((
                asset.s3_key.clone(),
                asset.mime_type.clone(),
                u64::try_from(asset.bytes).unwrap_or(0),
            ));
        let is_video = MediaType::from_mime(&mime).is_some_and(MediaType::is_video);
        let url = cloud::presigned_get(state.s3(), &state.config.media_bucket, &key, MEDIA_URL_TTL)
            .await?;
        // X and LinkedIn take uploads of images; the others fetch the URL. Videos are never
        // held in memory whole: clients that upload them stream from the URL.
        let bytes = if !is_video && matches!(platform, Platform::X | Platform::LinkedIn) {
            cloud::read_object(state.s3(), &state.config.media_bucket, &key, None).await?
        } else {
            Vec::new()
        };
        items.push(MediaItem {
            size_bytes,
            url,
            bytes,
            mime_type: mime,
            is_video,
        });
    }
    Ok(items)
}

fn content_for(platform: Platform, text: String, media: Vec<MediaItem>) -> Content {
    if let Some(video) = media.iter().find(|m| m.is_video) {
        return Content::Video {
            text,
            video: video.clone(),
        };
    }
    match (platform, media.len()) {
        (_, 0) => Content::Text(text),
        (Platform::Instagram, n) if n > 1 => Content::Carousel {
            text,
            images: media,
        },
        _ => Content::Images {
            text,
            images: media,
        },
    }
}

/// Publishes one target if it is due and unclaimed. Safe to call any number of times, and it
/// holds exactly one database connection from start to end.
pub async fn publish_target(state: &AppState, target_id: Uuid) -> Result<Outcome, PublishError> {
    // Maintenance mode: nothing is claimed; the due target stays pending and the sweeper
    // queues it once maintenance ends.
    if state.maintenance().await.enabled {
        tracing::info!(%target_id, "maintenance mode: publishing paused");
        return Ok(Outcome::Skipped);
    }
    let mut db = state.db.client().await?;
    let Some(claimed) = posts::claim(&**db, target_id).await? else {
        // The claim refuses a paused organization's targets; a due one is held: it keeps its
        // schedule and says why.
        if store::insights::hold_if_paused(&**db, target_id).await? {
            tracing::info!(%target_id, "publishing paused for the organization; target held");
        }
        return Ok(Outcome::Skipped);
    };
    let result = publish_claimed(state, &mut db, &claimed).await;
    announce_status(state, &db, &claimed).await;
    match result {
        Ok(outcome) => Ok(outcome),
        Err(error) => {
            // Whatever failed, a claim that never reached the platform goes back for another
            // attempt; a dispatched one stays for the sweeper to declare unconfirmed.
            let at = Utc::now() + backoff(claimed.attempts);
            let reason = "publishing was interrupted before reaching the platform";
            tracing::error!(%error, %target_id, "publish attempt interrupted");
            if posts::release_undispatched(&**db, target_id, at, reason).await? {
                let tx = db.transaction().await?;
                posts::refresh_post_status(&tx, claimed.post_id).await?;
                tx.commit().await?;
                return Ok(Outcome::RetryAt {
                    at,
                    reason: reason.to_owned(),
                });
            }
            Err(error)
        }
    }
}

/// Everything the platform call needs.
struct Ready {
    account: SocialAccount,
    content: Content,
    token: String,
}

/// What stands between a claim and the platform call.
enum Preparation {
    Ready(Box<Ready>),
    /// The attempt ends here (account gone or needing reconnection, token refused).
    Settled(Outcome),
}

async fn publish_claimed(
    state: &AppState,
    db: &mut tokio_postgres::Client,
    claimed: &Claimed,
) -> Result<Outcome, PublishError> {
    {
        let tx = db.transaction().await?;
        posts::refresh_post_status(&tx, claimed.post_id).await?;
        tx.commit().await?;
    }
    let post = posts::get(&*db, claimed.organization_id, claimed.post_id, false)
        .await?
        .ok_or_else(|| PublishError::NotFound("post"))?;
    announce(state, &post).await;
    match prepare(state, db, claimed, &post).await? {
        Preparation::Settled(outcome) => Ok(outcome),
        Preparation::Ready(ready) => {
            let Ready {
                account,
                content,
                token,
            } = *ready;
            posts::mark_dispatched(&*db, claimed.target_id).await?;
            dispatch(state, db, claimed, &post, &account, &content, token).await
        }
    }
}

async fn prepare(
    state: &AppState,
    db: &mut tokio_postgres::Client,
    claimed: &Claimed,
    post: &Post,
) -> Result<Preparation, PublishError> {
    let account = social_accounts::get(
        &*db,
        claimed.organization_id,
        claimed.social_account_id,
        false,
    )
    .await?;
    let Some(account) = account else {
        let reason = "the social account was disconnected";
        let outcome = fail(state, db, claimed, reason, "rejected_content").await?;
        return Ok(Preparation::Settled(outcome));
    };
    if account.status == AccountStatus::NeedsReconnect || !account.is_active {
        let reason = format!(
            "{} needs to be reconnected before it can publish",
            account.platform
        );
        let outcome = fail(state, db, claimed, &reason, "auth_expired").await?;
        return Ok(Preparation::Settled(outcome));
    }
    let target = post
        .targets
        .iter()
        .find(|t| t.id == claimed.target_id)
        .ok_or_else(|| PublishError::NotFound("target"))?;
    let media = media_items(state, db, post, account.platform).await?;
    // Links carry the organization's UTM parameters when Google Analytics asks for them.
    let text = integrations::utm::for_publishing(
        &*db,
        claimed.organization_id,
        account.platform,
        claimed.post_id,
        text_for(post, target.text_override.as_deref()),
    )
    .await?;
    let content = content_for(account.platform, text, media);
    match social::fresh_access_token(state, db, &account, false).await {
        Ok(token) => Ok(Preparation::Ready(Box::new(Ready {
            account,
            content,
            token,
        }))),
        Err(error) => Ok(Preparation::Settled(
            token_unavailable(state, db, claimed, post, error).await?,
        )),
    }
}

/// A token could not be had: only a refresh the platform refused (or a token we can no longer
/// read) ends the target as `auth_expired`; anything transient is retried.
async fn token_unavailable(
    state: &AppState,
    db: &mut tokio_postgres::Client,
    claimed: &Claimed,
    post: &Post,
    error: social::TokenError,
) -> Result<Outcome, PublishError> {
    match error {
        social::TokenError::NeedsReconnect(reason) => {
            fail(state, db, claimed, &reason, "auth_expired").await
        }
        social::TokenError::Store(error) => Err(error.into()),
        other => {
            let at = Utc::now() + backoff(claimed.attempts);
            let reason = format!("the access token could not be renewed: {other}");
            retry_or_give_up(state, db, claimed, post, at, &reason, "retryable").await
        }
    }
}

async fn dispatch(
    state: &AppState,
    db: &mut tokio_postgres::Client,
    claimed: &Claimed,
    post: &Post,
    account: &SocialAccount,
    content: &Content,
    mut token: String,
) -> Result<Outcome, PublishError> {
    let mut refreshed = false;
    loop {
        let acting = Acting {
            account_id: &account.account_id,
            access_token: &token,
        };
        let result = state
            .platforms()
            .publish(account.platform, &acting, content)
            .await;
        return match result {
            Ok(published) => {
                let settlement = Settlement::Published {
                    platform_post_id: &published.platform_post_id,
                    permalink: published.permalink.as_deref(),
                };
                let tx = db.transaction().await?;
                posts::settle(&tx, claimed.post_id, claimed.target_id, &settlement).await?;
                tx.commit().await?;
                let detail = match &published.permalink {
                    Some(link) => format!("See it at {link}"),
                    None => format!("{} accepted it.", account.platform.display_name()),
                };
                notify_author(state, db, claimed, PostPlatformStatus::Published, &detail).await;
                let platform = account.platform.as_str();
                metrics::record(
                    "PostsPublished",
                    1.0,
                    Unit::Count,
                    &[("Platform", platform)],
                );
                if let Some(due) = post.scheduled_at {
                    let delay = (Utc::now() - due).num_milliseconds().max(0) as f64 / 1e3;
                    metrics::record(
                        "PublishDelay",
                        delay,
                        Unit::Seconds,
                        &[("Platform", platform)],
                    );
                }
                integrations::deliveries::emit(
                    &*db,
                    claimed.organization_id,
                    integrations::catalog::EventType::PostPublished,
                    serde_json::json!({
                        "post_id": claimed.post_id,
                        "target_id": claimed.target_id,
                        "platform": platform,
                        "platform_post_id": published.platform_post_id,
                        "permalink": published.permalink,
                        "published_at": Utc::now(),
                        "excerpt": integrations::events::excerpt(&post.content),
                    }),
                )
                .await;
                Ok(Outcome::Published {
                    platform_post_id: published.platform_post_id,
                })
            }
            // The platform refused the token before doing anything: refresh once and try again.
            Err(Failure::AuthExpired { reason }) if !refreshed => {
                refreshed = true;
                match social::fresh_access_token(state, db, account, true).await {
                    Ok(fresh) => {
                        token = fresh;
                        continue;
                    }
                    Err(social::TokenError::NeedsReconnect(_)) => {
                        fail(
                            state,
                            db,
                            claimed,
                            &format!(
                                "{} refused our access: {reason}",
                                account.platform.display_name()
                            ),
                            "auth_expired",
                        )
                        .await
                    }
                    Err(error) => token_unavailable(state, db, claimed, post, error).await,
                }
            }
            Err(Failure::AuthExpired { reason }) => {
                fail(state, db, claimed, &reason, "auth_expired").await
            }
            Err(Failure::RejectedContent { reason }) => {
                fail(
                    state,
                    db,
                    claimed,
                    &format!(
                        "{} refused the post: {reason}",
                        account.platform.display_name()
                    ),
                    "rejected_content",
                )
                .await
            }
            Err(Failure::UnknownOutcome { reason }) => {
                unconfirmed(state, db, claimed, &reason).await
            }
            Err(Failure::RateLimited { reset_at, reason }) => {
                let at = reset_at
                    .filter(|at| *at > Utc::now())
                    .unwrap_or_else(|| Utc::now() + backoff(claimed.attempts));
                retry_or_give_up(state, db, claimed, post, at, &reason, "rate_limited").await
            }
            Err(Failure::Retryable { reason }) => {
                let at = Utc::now() + backoff(claimed.attempts);
                retry_or_give_up(state, db, claimed, post, at, &reason, "retryable").await
            }
        };
    }
}

async fn retry_or_give_up(
    state: &AppState,
    db: &mut tokio_postgres::Client,
    claimed: &Claimed,
    post: &Post,
    at: DateTime<Utc>,
    reason: &str,
    class: &str,
) -> Result<Outcome, PublishError> {
    let due = post.scheduled_at.unwrap_or(post.created_at);
    if claimed.attempts >= MAX_ATTEMPTS || at > due + RETRY_WINDOW {
        return fail(
            state,
            db,
            claimed,
            &format!("gave up after {} attempts: {reason}", claimed.attempts),
            class,
        )
        .await;
    }
    let tx = db.transaction().await?;
    posts::settle(
        &tx,
        claimed.post_id,
        claimed.target_id,
        &Settlement::Retry { at, reason, class },
    )
    .await?;
    tx.commit().await?;
    // A retry within SQS's delay limit goes back on its lane, due to the second; later ones
    // are picked up by the sweeper.
    let delay = (at - Utc::now()).num_seconds().max(0);
    if delay <= MAX_QUEUE_DELAY_SECS {
        let queued = QueuedTarget {
            target_id: claimed.target_id,
            platform: claimed.platform,
        };
        if let Err(error) = enqueue(state, &[queued], delay as i32).await {
            tracing::warn!(%error, "retry not queued; the sweeper will pick it up");
        }
    }
    Ok(Outcome::RetryAt {
        at,
        reason: reason.to_owned(),
    })
}

async fn fail(
    state: &AppState,
    db: &mut tokio_postgres::Client,
    claimed: &Claimed,
    reason: &str,
    class: &str,
) -> Result<Outcome, PublishError> {
    finish(
        state,
        db,
        claimed,
        PostPlatformStatus::Failed,
        reason,
        class,
    )
    .await?;
    Ok(Outcome::Failed {
        reason: reason.to_owned(),
    })
}

async fn unconfirmed(
    state: &AppState,
    db: &mut tokio_postgres::Client,
    claimed: &Claimed,
    reason: &str,
) -> Result<Outcome, PublishError> {
    let reason = format!("{reason}. Check the account on the platform before publishing again.");
    finish(
        state,
        db,
        claimed,
        PostPlatformStatus::Unconfirmed,
        &reason,
        "unknown_outcome",
    )
    .await?;
    Ok(Outcome::Unconfirmed { reason })
}

/// Ends a target badly: stored, audited, and the author notified.
async fn finish(
    state: &AppState,
    db: &mut tokio_postgres::Client,
    claimed: &Claimed,
    status: PostPlatformStatus,
    reason: &str,
    class: &str,
) -> Result<(), PublishError> {
    let Claimed {
        target_id,
        post_id,
        organization_id,
        ..
    } = *claimed;
    let tx = db.transaction().await?;
    posts::settle(
        &tx,
        post_id,
        target_id,
        &Settlement::Finished {
            status,
            reason,
            class,
        },
    )
    .await?;
    let actor = Actor {
        organization_id: Some(organization_id),
        ..Actor::default()
    };
    audit::record(
        &tx,
        &actor,
        AuditEntry {
            action: AuditAction::Publish,
            resource_type: "post",
            resource_id: Some(post_id),
            old_values: None,
            new_values: Some(
                serde_json::json!({ "target": target_id, "status": status, "reason": reason }),
            ),
        },
    )
    .await?;
    tx.commit().await?;
    notify_author(state, db, claimed, status, reason).await;
    let platform = claimed.platform.as_str();
    let metric = if status == PostPlatformStatus::Unconfirmed {
        "PostsUnconfirmed"
    } else {
        "PostsFailed"
    };
    metrics::record(metric, 1.0, Unit::Count, &[("Platform", platform)]);
    if status == PostPlatformStatus::Failed {
        integrations::deliveries::emit(
            &*db,
            organization_id,
            integrations::catalog::EventType::PostFailed,
            serde_json::json!({
                "post_id": post_id,
                "target_id": target_id,
                "platform": platform,
                "reason": reason,
                "failure_class": class,
            }),
        )
        .await;
    }
    Ok(())
}

/// Tells the author how a target ended: published, failed (why), or unconfirmed (what to
/// check before trying again).
async fn notify_author(
    state: &AppState,
    db: &tokio_postgres::Client,
    claimed: &Claimed,
    status: PostPlatformStatus,
    detail: &str,
) {
    let Some(author) = claimed.author_id else {
        return;
    };
    let platform = claimed.platform.display_name();
    let (kind, title, body) = match status {
        PostPlatformStatus::Published => (
            NotificationKind::PostPublished,
            format!("Your post is live on {platform}"),
            detail.to_owned(),
        ),
        PostPlatformStatus::Unconfirmed => (
            NotificationKind::PostUnconfirmed,
            format!("Check {platform}: your post may or may not be there"),
            format!(
                "We sent the post but never saw {platform}'s answer ({detail}). Look at the \
                 account on {platform}: publish again only if the post is not there."
            ),
        ),
        _ => (
            NotificationKind::PostFailed,
            format!("Your post could not be published on {platform}"),
            detail.to_owned(),
        ),
    };
    notifications::notify(
        state,
        db,
        claimed.organization_id,
        Recipients::User(author),
        Draft {
            kind,
            title,
            body,
            link: Some(format!("/posts/{}", claimed.post_id)),
            post_id: Some(claimed.post_id),
            social_account_id: Some(claimed.social_account_id),
        },
    )
    .await;
}

/// Shows everyone in the organization the post's status as it is now (the calendar and post
/// pages follow it live), reading it first.
async fn announce_status(state: &AppState, db: &tokio_postgres::Client, claimed: &Claimed) {
    // With nowhere to push it (no live endpoint), the post is not read at all.
    if state.connections().is_none() {
        return;
    }
    match posts::get(db, claimed.organization_id, claimed.post_id, false).await {
        Ok(Some(post)) => announce(state, &post).await,
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, "post status not announced"),
    }
}

/// The post's status as it is in `post`, to everyone in its organization.
async fn announce(state: &AppState, post: &Post) {
    let event = LiveEvent::PostStatus {
        post_id: post.id,
        status: post.status,
        targets: post
            .targets
            .iter()
            .map(|target| TargetStatus {
                id: target.id,
                platform: target.platform,
                status: target.status,
            })
            .collect(),
    };
    live::send(
        state,
        live::Audience::Organization {
            organization_id: post.organization_id,
            permission: Permission::ViewOrganization,
        },
        event,
    )
    .await;
}

#[derive(Debug, Default, Serialize, schemars::JsonSchema)]
pub struct SweepReport {
    /// Due targets put on their publishing lanes.
    pub queued: usize,
    /// Claims that went stale after reaching the platform: now unconfirmed.
    pub stale_claims_unconfirmed: usize,
    /// Claims that went stale before reaching the platform: released for another attempt.
    pub stale_claims_released: usize,
    /// Whether the sweep stopped at its deadline with due targets left for the next run.
    pub stopped_at_deadline: bool,
    /// Maintenance mode is on: nothing was queued (due targets wait for it to end).
    pub paused_for_maintenance: bool,
}

/// Every minute: settle claims stuck in `publishing`, and put due targets whose trigger was
/// lost (and retries that are due) on their lanes. It only queues, never publishes, so its work
/// is bounded: it stops before `deadline` and the next run goes on.
pub async fn sweep(state: &AppState, deadline: Instant) -> Result<SweepReport, PublishError> {
    state
        .scheduled_run(SWEEPER, sweep_due(state, deadline), |report| {
            format!("queued {}", report.queued)
        })
        .await
        .unwrap_or(Ok(SweepReport {
            paused_for_maintenance: true,
            ..SweepReport::default()
        }))
}

/// The sweeper's name in the runs the admin health page shows.
const SWEEPER: &str = "publish-sweeper";

async fn sweep_due(state: &AppState, deadline: Instant) -> Result<SweepReport, PublishError> {
    let mut report = SweepReport::default();
    let mut db = state.db.client().await?;
    let lag = posts::publishing_lag_secs(&**db).await?;
    metrics::record("PublishingLag", lag, Unit::Seconds, &[]);
    let expired = posts::expire_stale_claims(&**db, STALE_CLAIM_SECS).await?;
    report.stale_claims_unconfirmed = expired.unconfirmed.len();
    report.stale_claims_released = expired.released.len();
    for claimed in expired.unconfirmed.iter().chain(&expired.released) {
        let tx = db.transaction().await?;
        posts::refresh_post_status(&tx, claimed.post_id).await?;
        tx.commit().await?;
        announce_status(state, &db, claimed).await;
    }
    for claimed in &expired.unconfirmed {
        let detail = "the publisher stopped before it saw the answer";
        notify_author(state, &db, claimed, PostPlatformStatus::Unconfirmed, detail).await;
    }
    // Keep a margin for one page's round trips.
    while Instant::now() + StdDuration::from_secs(5) < deadline {
        let due = posts::queue_due_targets(&**db, SWEEP_PAGE, TRIGGER_GRACE_SECS).await?;
        if due.is_empty() {
            return Ok(report);
        }
        enqueue(state, &due, 0).await?;
        report.queued += due.len();
    }
    report.stopped_at_deadline = true;
    Ok(report)
}

/// Puts targets on their publishing lanes, delayed by `delay_secs` (≤ 900).
pub async fn enqueue(
    state: &AppState,
    targets: &[QueuedTarget],
    delay_secs: i32,
) -> Result<(), cloud::QueueError> {
    for lane in cloud::PUBLISH_LANES {
        let messages: Vec<OutgoingMessage> = targets
            .iter()
            .filter(|t| lane.platforms.contains(&t.platform))
            .map(|t| OutgoingMessage {
                body: serde_json::to_string(&PublishRequest {
                    post_platform_id: t.target_id,
                })
                .expect("serializable"),
                delay_secs,
            })
            .collect();
        if messages.is_empty() {
            continue;
        }
        let url = lane_url(state, lane)?;
        cloud::send_messages(state.sqs(), url, &messages).await?;
    }
    Ok(())
}

fn lane_url<'a>(state: &'a AppState, lane: &PublishLane) -> Result<&'a str, cloud::QueueError> {
    state.config.queue_url(lane.queue)
}

/// Creates the one-time schedule of each pending target on its lane (replacing any earlier one).
pub async fn schedule_targets(state: &AppState, targets: &[(Uuid, Platform, DateTime<Utc>)]) {
    for (target_id, platform, at) in targets {
        let lane = PublishLane::of(*platform);
        let Some(queue_arn) = state.config.queue_arns.get(lane.queue) else {
            tracing::error!(
                queue = lane.queue,
                "no ARN configured for the publishing lane; the sweeper will pick the target up"
            );
            continue;
        };
        let name = cloud::schedule_name(&target_id.to_string());
        let input = serde_json::to_value(PublishRequest {
            post_platform_id: *target_id,
        })
        .expect("serializable");
        // A failure here is not lost: the sweeper queues due targets without a schedule.
        if let Err(error) = cloud::put_one_time_schedule(
            state.scheduler(),
            &state.config.publish_trigger,
            queue_arn,
            &name,
            *at,
            &input,
        )
        .await
        {
            tracing::error!(%error, %target_id, "publish schedule not created; the sweeper will pick it up");
        }
    }
}

pub async fn cancel_schedules(state: &AppState, targets: &[Uuid]) {
    for target_id in targets {
        let name = cloud::schedule_name(&target_id.to_string());
        if let Err(error) = cloud::delete_schedule(
            state.scheduler(),
            &state.config.publish_trigger.group,
            &name,
        )
        .await
        {
            tracing::warn!(%error, %target_id, "publish schedule not deleted; the claim makes a late trigger harmless");
        }
    }
}

/// The publisher's answer to one SQS batch: the ids of the messages to deliver again.
#[derive(Debug, Default, Serialize)]
pub struct BatchFailures {
    pub message_ids: Vec<String>,
}

/// The publisher function's handler: one lane's SQS batch. A platform's answer is settled in
/// Postgres whatever it is; only an infrastructure error asks SQS to deliver the message again.
pub async fn handle_lane_batch(state: &AppState, messages: Vec<(String, String)>) -> BatchFailures {
    let mut failures = BatchFailures::default();
    for (message_id, body) in messages {
        let request = match serde_json::from_str::<PublishRequest>(&body) {
            Ok(request) => request,
            Err(error) => {
                // Redelivering a malformed message cannot help; it is dropped, loudly.
                tracing::error!(%error, %message_id, "not a publish request; dropped");
                continue;
            }
        };
        if let Err(error) = publish_target(state, request.post_platform_id).await {
            tracing::error!(%error, target = %request.post_platform_id, "publish failed; SQS will deliver it again");
            failures.message_ids.push(message_id);
        }
    }
    failures
}

/// Locally only: the local endpoint stores schedules but never fires them, so the dev server
/// delivers the due ones to their targets (the lanes), as Scheduler would.
pub async fn fire_due_schedules(state: &AppState) -> Result<usize, PublishError> {
    let group = &state.config.publish_trigger.group;
    let held = cloud::held_schedules(state.scheduler(), group).await?;
    let mut fired = 0;
    for schedule in held.into_iter().filter(|s| s.due_at <= Utc::now()) {
        let lane = cloud::PUBLISH_LANES
            .iter()
            .find(|lane| state.config.queue_arns.get(lane.queue) == Some(&schedule.target_arn));
        if let Some(lane) = lane {
            let url = lane_url(state, lane)?;
            let message = OutgoingMessage {
                body: schedule.input.clone(),
                delay_secs: 0,
            };
            cloud::send_messages(state.sqs(), url, &[message]).await?;
            fired += 1;
        }
        // ActionAfterCompletion: DELETE, as the service would.
        let _ = cloud::delete_schedule(state.scheduler(), group, &schedule.name).await;
    }
    Ok(fired)
}

/// Locally only: what Lambda's event source does for each lane — receive batches and run the
/// publisher on them, at most `max_concurrency` at once per lane — until every lane is empty.
/// Returns how many messages were handled.
pub async fn drain_lanes(state: &AppState) -> Result<usize, PublishError> {
    let mut workers = Vec::new();
    for lane in cloud::PUBLISH_LANES {
        let url = lane_url(state, lane)?;
        for _ in 0..lane.max_concurrency {
            workers.push(drain_lane(state, url));
        }
    }
    let counts = futures::future::try_join_all(workers).await?;
    Ok(counts.into_iter().sum())
}

async fn drain_lane(state: &AppState, url: &str) -> Result<usize, PublishError> {
    let mut handled = 0;
    loop {
        let received = cloud::deliver_once(
            state.sqs(),
            url,
            cloud::Redelivery::AfterVisibilityTimeout,
            |messages| async { handle_lane_batch(state, messages).await.message_ids },
        )
        .await?;
        if received == 0 {
            return Ok(handled);
        }
        handled += received;
    }
}
