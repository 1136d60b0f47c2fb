//! Publishing one post target exactly once, and the sweep that recovers lost triggers and stuck
//! claims. A target is claimed with one conditional update, so duplicate or late triggers do
//! nothing; the platform's answer decides the next state through the one failure
//! classification: retry with backoff, wait for the rate-limit reset, refresh once, fail with
//! the platform's reason, or — when the request may have been applied — `unconfirmed`.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use domain::{AuditAction, MediaType, Platform, PostPlatformStatus};
use futures::StreamExt;
use kv::{Item, ItemKey};
use platforms::{Acting, Content, Failure, MediaItem};
use runtime::AppState;
use serde::Serialize;
use store::accounts::audit::{self, Actor, AuditEntry};
use store::posts::{self, Claimed, Post};
use store::social_accounts::{self, SocialAccount};
use store::tokio_postgres;
use uuid::Uuid;

use crate::error::ApiError;

/// How long a claim may stay in `publishing` before its outcome is declared unknown.
pub const STALE_CLAIM_SECS: i64 = 300;
/// Attempts of one target before it fails for good, and how long retries may go on.
const MAX_ATTEMPTS: i32 = 5;
const RETRY_WINDOW: Duration = Duration::hours(6);
/// Presigned media URLs handed to platforms that fetch media themselves.
const MEDIA_URL_TTL: StdDuration = StdDuration::from_secs(60 * 60);

/// Concurrent publishes per platform: low-limit platforms must not be flooded.
pub const fn concurrency_cap(platform: Platform) -> u32 {
    match platform {
        Platform::X => 16,
        Platform::Facebook | Platform::Instagram => 8,
        Platform::LinkedIn | Platform::TikTok => 4,
    }
}

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

/// A publish slot of the platform (a lease in DynamoDB), or `None` when all are taken.
async fn acquire_slot(state: &AppState, platform: Platform) -> Result<Option<ItemKey>, ApiError> {
    let expires = Utc::now() + Duration::seconds(120);
    for slot in 0..concurrency_cap(platform) {
        let key = ItemKey::cache(&format!("publish-slot#{platform}#{slot}"));
        if state
            .kv
            .put_if_absent(&key, Item::new(), Some(expires))
            .await?
        {
            return Ok(Some(key));
        }
    }
    Ok(None)
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
    post: &Post,
    platform: Platform,
) -> Result<Vec<MediaItem>, ApiError> {
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    let mut items = Vec::new();
    for asset_id in &post.media {
        let Some(asset) = store::media::get(pg, post.organization_id, *asset_id, false).await?
        else {
            return Err(ApiError::not_found("media"));
        };
        // The platform's variant when one was rendered, else the original.
        let (key, mime) = asset
            .variants
            .iter()
            .find(|v| v.platform == platform)
            .map(|v| (v.s3_key.clone(), v.mime_type.clone()))
            .unwrap_or((asset.s3_key.clone(), asset.mime_type.clone()));
        let is_video = MediaType::from_mime(&mime).is_some_and(MediaType::is_video);
        let url = cloud::presigned_get(
            &state.aws.s3,
            &state.config.media_bucket,
            &key,
            MEDIA_URL_TTL,
        )
        .await
        .map_err(|e| ApiError::internal(&e))?;
        // X and LinkedIn take uploads; the others fetch the URL.
        let bytes = if matches!(platform, Platform::X | Platform::LinkedIn) {
            cloud::read_object(&state.aws.s3, &state.config.media_bucket, &key, None)
                .await
                .map_err(|e| ApiError::internal(&e))?
        } else {
            Vec::new()
        };
        items.push(MediaItem {
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

/// Publishes one target if it is due and unclaimed. Safe to call any number of times.
pub async fn publish_target(state: &AppState, target_id: Uuid) -> Result<Outcome, ApiError> {
    let (claimed, post, account) = {
        let client = state.db.client().await?;
        let pg: &tokio_postgres::Client = &client;
        let Some(claimed) = posts::claim(pg, target_id).await? else {
            return Ok(Outcome::Skipped);
        };
        posts::refresh_post_status(pg, claimed.post_id).await?;
        let post = posts::get(pg, claimed.organization_id, claimed.post_id, false)
            .await?
            .ok_or_else(|| ApiError::not_found("post"))?;
        let account = social_accounts::get(
            pg,
            claimed.organization_id,
            claimed.social_account_id,
            false,
        )
        .await?;
        (claimed, post, account)
    };
    let outcome = match account {
        None => {
            fail(
                state,
                &claimed,
                "the social account was disconnected",
                "rejected_content",
            )
            .await?
        }
        Some(account) if account.status == "needs_reconnect" || !account.is_active => {
            let reason = format!(
                "{} needs to be reconnected before it can publish",
                account.platform
            );
            fail(state, &claimed, &reason, "auth_expired").await?
        }
        Some(account) => match acquire_slot(state, account.platform).await? {
            None => {
                // All of the platform's slots are busy: try again shortly, without counting it.
                retry(
                    state,
                    &claimed,
                    Utc::now() + Duration::seconds(15),
                    "waiting for a free publishing slot",
                    "throttled",
                )
                .await?
            }
            Some(slot) => {
                let outcome = attempt(state, &claimed, &post, &account).await;
                let _ = state.kv.delete(&slot).await;
                outcome?
            }
        },
    };
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    posts::refresh_post_status(pg, claimed.post_id).await?;
    Ok(outcome)
}

async fn attempt(
    state: &AppState,
    claimed: &Claimed,
    post: &Post,
    account: &SocialAccount,
) -> Result<Outcome, ApiError> {
    let target = post
        .targets
        .iter()
        .find(|t| t.id == claimed.target_id)
        .ok_or_else(|| ApiError::not_found("target"))?;
    let content = content_for(
        account.platform,
        text_for(post, target.text_override.as_deref()),
        media_items(state, post, account.platform).await?,
    );
    let mut token = match crate::social_accounts::fresh_access_token(state, account, false).await {
        Ok(token) => token,
        Err(error) => return fail(state, claimed, &error.message, "auth_expired").await,
    };
    let mut refreshed = false;
    loop {
        let acting = Acting {
            account_id: &account.account_id,
            access_token: &token,
        };
        let result = state
            .platforms
            .publish(account.platform, &acting, &content)
            .await;
        let client = state.db.client().await?;
        let pg: &tokio_postgres::Client = &client;
        return match result {
            Ok(published) => {
                posts::mark_published(
                    pg,
                    claimed.target_id,
                    &published.platform_post_id,
                    published.permalink.as_deref(),
                )
                .await?;
                Ok(Outcome::Published {
                    platform_post_id: published.platform_post_id,
                })
            }
            Err(Failure::AuthExpired { reason }) if !refreshed => {
                // Once: refresh and try again; a refused refresh marks the account for reconnection.
                refreshed = true;
                match crate::social_accounts::fresh_access_token(state, account, true).await {
                    Ok(fresh) => {
                        token = fresh;
                        continue;
                    }
                    Err(_) => {
                        fail(
                            state,
                            claimed,
                            &format!("{} refused our access: {reason}", account.platform),
                            "auth_expired",
                        )
                        .await
                    }
                }
            }
            Err(Failure::AuthExpired { reason }) => {
                fail(state, claimed, &reason, "auth_expired").await
            }
            Err(Failure::RejectedContent { reason }) => {
                fail(
                    state,
                    claimed,
                    &format!("{} refused the post: {reason}", account.platform),
                    "rejected_content",
                )
                .await
            }
            Err(Failure::UnknownOutcome { reason }) => unconfirmed(state, claimed, &reason).await,
            Err(Failure::RateLimited { reset_at, reason }) => {
                let at = reset_at
                    .filter(|at| *at > Utc::now())
                    .unwrap_or_else(|| Utc::now() + backoff(claimed.attempts));
                retry_or_give_up(state, claimed, post, at, &reason, "rate_limited").await
            }
            Err(Failure::Retryable { reason }) => {
                let at = Utc::now() + backoff(claimed.attempts);
                retry_or_give_up(state, claimed, post, at, &reason, "retryable").await
            }
        };
    }
}

async fn retry_or_give_up(
    state: &AppState,
    claimed: &Claimed,
    post: &Post,
    at: DateTime<Utc>,
    reason: &str,
    class: &str,
) -> Result<Outcome, ApiError> {
    let due = post.scheduled_at.unwrap_or(post.created_at);
    if claimed.attempts >= MAX_ATTEMPTS || at > due + RETRY_WINDOW {
        return fail(
            state,
            claimed,
            &format!("gave up after {} attempts: {reason}", claimed.attempts),
            class,
        )
        .await;
    }
    retry(state, claimed, at, reason, class).await
}

async fn retry(
    state: &AppState,
    claimed: &Claimed,
    at: DateTime<Utc>,
    reason: &str,
    class: &str,
) -> Result<Outcome, ApiError> {
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    posts::retry_at(pg, claimed.target_id, at, reason, class).await?;
    Ok(Outcome::RetryAt {
        at,
        reason: reason.to_owned(),
    })
}

async fn fail(
    state: &AppState,
    claimed: &Claimed,
    reason: &str,
    class: &str,
) -> Result<Outcome, ApiError> {
    finish(state, claimed, PostPlatformStatus::Failed, reason, class).await?;
    Ok(Outcome::Failed {
        reason: reason.to_owned(),
    })
}

async fn unconfirmed(
    state: &AppState,
    claimed: &Claimed,
    reason: &str,
) -> Result<Outcome, ApiError> {
    let reason = format!("{reason}. Check the account on the platform before publishing again.");
    finish(
        state,
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
    claimed: &Claimed,
    status: PostPlatformStatus,
    reason: &str,
    class: &str,
) -> Result<(), ApiError> {
    let Claimed {
        target_id,
        post_id,
        organization_id,
        author_id,
        ..
    } = *claimed;
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    posts::mark_finished(&tx, target_id, status, reason, class).await?;
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
    if let Some(author) = author_id {
        notify(state, author, post_id, status, reason).await;
    }
    Ok(())
}

/// A notification for the author (the notifications API reads these).
async fn notify(
    state: &AppState,
    user: Uuid,
    post_id: Uuid,
    status: PostPlatformStatus,
    reason: &str,
) {
    let title = match status {
        PostPlatformStatus::Unconfirmed => "A post may or may not have been published",
        _ => "A post could not be published",
    };
    let item = Item::new()
        .with_string("kind", "publish_outcome")
        .with_string("title", title)
        .with_string("body", reason)
        .with_string("post_id", post_id.to_string())
        .with_string("status", status.as_str())
        .with_bool("read", false)
        .with_string("created_at", Utc::now().to_rfc3339());
    let key = ItemKey::notification(&user.to_string(), &Uuid::now_v7().to_string());
    if let Err(error) = state
        .kv
        .put(&key, item, Some(Utc::now() + Duration::days(90)))
        .await
    {
        tracing::error!(%error, "notification not stored");
    }
}

#[derive(Debug, Default, Serialize, schemars::JsonSchema)]
pub struct SweepReport {
    pub published: usize,
    pub retrying: usize,
    pub failed: usize,
    pub unconfirmed: usize,
    pub stale_claims_expired: usize,
}

/// Every minute: publish due targets whose trigger was lost (and retries that are due), and
/// declare claims stuck in `publishing` unconfirmed.
pub async fn sweep(state: &AppState, concurrency: usize) -> Result<SweepReport, ApiError> {
    let mut report = SweepReport::default();
    let (stale, due) = {
        let client = state.db.client().await?;
        let pg: &tokio_postgres::Client = &client;
        let stale = posts::expire_stale_claims(pg, STALE_CLAIM_SECS).await?;
        for (_, post_id) in &stale {
            posts::refresh_post_status(pg, *post_id).await?;
        }
        (stale, posts::due_targets(pg, 5000).await?)
    };
    report.stale_claims_expired = stale.len();
    let outcomes: Vec<Result<Outcome, ApiError>> = futures::stream::iter(due)
        .map(|id| async move { publish_target(state, id).await })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    for outcome in outcomes {
        match outcome {
            Ok(Outcome::Published { .. }) => report.published += 1,
            Ok(Outcome::RetryAt { .. }) => report.retrying += 1,
            Ok(Outcome::Failed { .. }) => report.failed += 1,
            Ok(Outcome::Unconfirmed { .. }) => report.unconfirmed += 1,
            Ok(Outcome::Skipped) => {}
            Err(error) => tracing::error!(%error, "publishing a due target failed"),
        }
    }
    Ok(report)
}

/// Creates the one-time schedule of each pending target (replacing any earlier one).
pub async fn schedule_targets(state: &AppState, targets: &[(Uuid, DateTime<Utc>)]) {
    for (target_id, at) in targets {
        let name = cloud::schedule_name(&target_id.to_string());
        let input = serde_json::json!({ "post_platform_id": target_id });
        // A failure here is not lost: the sweeper publishes due targets without a schedule.
        if let Err(error) = cloud::put_one_time_schedule(
            &state.aws.scheduler,
            &state.config.publish_trigger,
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
            &state.aws.scheduler,
            &state.config.publish_trigger.group,
            &name,
        )
        .await
        {
            tracing::warn!(%error, %target_id, "publish schedule not deleted; the claim makes a late trigger harmless");
        }
    }
}

/// Locally only: the local endpoint stores schedules but never fires them, so the dev server
/// fires the due ones through the same handler the publisher function runs.
pub async fn fire_due_schedules(state: &AppState) -> Result<usize, ApiError> {
    let group = &state.config.publish_trigger.group;
    let held = cloud::held_schedules(&state.aws.scheduler, group)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let mut fired = 0;
    for schedule in held.into_iter().filter(|s| s.due_at <= Utc::now()) {
        let target = serde_json::from_str::<serde_json::Value>(&schedule.input)
            .ok()
            .and_then(|v| {
                v.get("post_platform_id")
                    .and_then(|id| id.as_str())
                    .and_then(|id| id.parse::<Uuid>().ok())
            });
        if let Some(target) = target {
            publish_target(state, target).await?;
            fired += 1;
        }
        // ActionAfterCompletion: DELETE, as the service would.
        let _ = cloud::delete_schedule(&state.aws.scheduler, group, &schedule.name).await;
    }
    Ok(fired)
}

/// The publisher function's event: `{"post_platform_id": "…"}`, as the schedule's input.
pub async fn handle_trigger(
    state: &AppState,
    event: &serde_json::Value,
) -> Result<Outcome, ApiError> {
    let target = event
        .get("post_platform_id")
        .and_then(|v| v.as_str())
        .and_then(|v| v.parse::<Uuid>().ok())
        .ok_or_else(|| {
            ApiError::validation(vec![crate::error::FieldIssue::new(
                "post_platform_id",
                "is required",
            )])
        })?;
    publish_target(state, target).await
}
