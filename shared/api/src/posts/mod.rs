//! `/api/posts/*`: posts, their per-account targets, preview against each platform's rules,
//! scheduling in the author's time zone, publishing now, bulk scheduling and the calendar.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json as JsonResponse, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, TimeZone as _, Utc};
use domain::{
    AuditAction, HashtagCaps, MediaType, Permission, Platform, PostStatus, TimeZone, bounded_text,
    check_text,
};
use runtime::AppState;
use serde::{Deserialize, Serialize};
use store::accounts::audit::{self, AuditEntry};
use store::media::MediaAsset;
use store::posts::{self, NewPost, Post, PostChanges, PostFilter, QueuedTarget};
use store::social_accounts;
use store::tokio_postgres::{self, GenericClient};
use uuid::Uuid;

use http_kit::error::{ApiError, ErrorCode, FieldChecks, FieldIssue};
use http_kit::extract::{Json, Path, Query, RawBody, parse_json};
use http_kit::identity::CurrentUser;
use http_kit::routes::{Routes, op};

mod bulk;
mod calendar;
mod crud;
mod preview;
mod queue;
mod schedule;

use bulk::*;
use calendar::*;
use crud::*;
use preview::*;
use queue::*;
use schedule::*;

pub fn routes() -> Routes {
    Routes::new("posts")
        .route(
            op(
                Method::GET,
                "/api/posts",
                "Posts with filters, newest first, cursor-paginated",
            )
            .query::<ListQuery>()
            .returns::<PostPage>(200),
            list,
        )
        .route(
            op(
                Method::POST,
                "/api/posts",
                "Create a draft post with its target accounts",
            )
            .body::<PostInput>()
            .returns::<Post>(201)
            .errors(&[403])
            .idempotent(),
            create,
        )
        .route(
            op(
                Method::GET,
                "/api/posts/calendar",
                "Posts per day in a time zone",
            )
            .query::<CalendarQuery>()
            .returns::<Calendar>(200),
            calendar,
        )
        .route(
            op(
                Method::POST,
                "/api/posts/bulk-schedule",
                "Schedule many posts from JSON or CSV; per-row results, optionally all or nothing",
            )
            .body::<BulkRequest>()
            .csv_body()
            .returns::<BulkReport>(200)
            .errors(&[403])
            .idempotent(),
            bulk_schedule,
        )
        .route(
            op(Method::GET, "/api/posts/{id}", "One post with its targets")
                .returns::<Post>(200)
                .errors(&[404]),
            get_post,
        )
        .route(
            op(
                Method::PUT,
                "/api/posts/{id}",
                "Update a post that has not started publishing",
            )
            .body::<PostUpdate>()
            .returns::<Post>(200)
            .errors(&[403, 404, 409]),
            update,
        )
        .route(
            op(
                Method::DELETE,
                "/api/posts/{id}",
                "Delete a post and cancel its schedules (204); a post that reached a platform is archived instead (200)",
            )
            .returns::<Archived>(200)
            .also_returns_nothing(204)
            .errors(&[403, 404, 409]),
            delete,
        )
        .route(
            op(
                Method::POST,
                "/api/posts/{id}/duplicate",
                "Copy a post as a new draft",
            )
            .returns::<Post>(201)
            .errors(&[403, 404]),
            duplicate,
        )
        .route(
            op(
                Method::GET,
                "/api/posts/{id}/preview",
                "The text as sent, its length against each platform's limit, media fit",
            )
            .returns::<Preview>(200)
            .errors(&[404]),
            preview,
        )
        .route(
            op(
                Method::POST,
                "/api/posts/{id}/schedule",
                "Schedule at a local time in an IANA time zone, after validating every target",
            )
            .body::<ScheduleRequest>()
            .returns::<Post>(200)
            .errors(&[403, 404, 409])
            .idempotent(),
            schedule,
        )
        .route(
            op(
                Method::POST,
                "/api/posts/{id}/queue",
                "Add to queue: schedule at the accounts' next free posting slot, or else the best free hour of the next two weeks by the smart scheduler",
            )
            .body::<QueueRequest>()
            .returns::<Queued>(200)
            .errors(&[403, 404, 409]),
            add_to_queue,
        )
        .route(
            op(
                Method::GET,
                "/api/posts/publishing",
                "Whether the organization's publishing is paused, why, and how many due posts are held",
            )
            .returns::<agents::crisis::PublishingView>(200),
            publishing_state,
        )
        .route(
            op(
                Method::POST,
                "/api/posts/publishing/pause",
                "Pause all scheduled publishing: due posts are held with their schedule and the reason; managers and admins",
            )
            .body::<PauseRequest>()
            .returns::<agents::crisis::PublishingView>(200),
            pause_publishing,
        )
        .route(
            op(
                Method::POST,
                "/api/posts/publishing/resume",
                "Resume publishing: held posts go out at once; managers and admins",
            )
            .returns::<agents::crisis::PublishingView>(200),
            resume_publishing,
        )
        .route(
            op(
                Method::POST,
                "/api/posts/{id}/publish",
                "Publish now: every target is handed to the publisher at once; the post turns publishing, then its outcome",
            )
            .returns::<Post>(202)
            .errors(&[403, 404, 409, 422])
            .idempotent(),
            publish_now,
        )
}

pub fn router(state: AppState) -> Router {
    routes().into_router(state)
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct TargetInput {
    social_account_id: Uuid,
    /// Text for this account only (e.g. shorter for X); line breaks are kept.
    #[schemars(length(max = 63_206))]
    text: Option<String>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct PostInput {
    #[schemars(length(min = 1, max = 500))]
    title: Option<String>,
    /// The text; line breaks are kept, `\r\n` becomes `\n`.
    #[schemars(length(min = 1, max = 63_206), example = &"We ship today.\n\nThank you all!")]
    content: String,
    /// Media library asset ids, in order.
    #[serde(default)]
    media: Vec<Uuid>,
    /// Appended to the text where it does not use them already (without `#`).
    #[serde(default)]
    #[schemars(inner(pattern(r"^#?[\p{L}\p{N}_]+$")), example = ["launch"])]
    hashtags: Vec<String>,
    /// Handles, one word each.
    #[serde(default)]
    #[schemars(length(max = 50), inner(length(min = 1, max = 100)))]
    mentions: Vec<String>,
    /// The accounts to publish to (at least one).
    #[schemars(length(min = 1))]
    targets: Vec<TargetInput>,
}

struct ValidPost {
    title: Option<String>,
    content: String,
    content_type: &'static str,
    media: Vec<Uuid>,
    hashtags: Vec<String>,
    mentions: Vec<String>,
    targets: Vec<(Uuid, Option<String>)>,
}

/// Checks a post's fields and that every account and asset belongs to the organization.
async fn validate_input(
    db: &impl GenericClient,
    organization_id: store::OrgId,
    input: PostInput,
    field_prefix: &str,
) -> Result<ValidPost, Vec<FieldIssue>> {
    let mut checks = FieldChecks::new();
    let f = |name: &str| format!("{field_prefix}{name}");
    let title = checks.check_opt(&f("title"), input.title.as_deref(), |t| {
        bounded_text(t, 500)
    });
    let content = checks.check(&f("content"), domain::post_text(&input.content, 63_206));
    if input.mentions.len() > 50 {
        checks.push(&f("mentions"), "at most 50 mentions");
    }
    let mut mentions = Vec::new();
    for (i, mention) in input.mentions.iter().enumerate() {
        let name = f(&format!("mentions[{i}]"));
        if let Some(m) = checks.check(&name, bounded_text(mention.trim_start_matches('@'), 100)) {
            if m.chars().any(char::is_whitespace) {
                checks.push(&name, "a mention is one handle, without spaces");
            }
            mentions.push(m);
        }
    }
    let mut target_texts = Vec::new();
    for (i, target) in input.targets.iter().enumerate() {
        target_texts.push(match target.text.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => checks.check(
                &f(&format!("targets[{i}].text")),
                domain::post_text(text, 63_206),
            ),
        });
    }
    let hashtags: Vec<String> = input
        .hashtags
        .iter()
        .map(|t| t.trim().trim_start_matches('#').to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    if hashtags
        .iter()
        .any(|t| domain::hashtags(&format!("#{t}")) != [t.clone()])
    {
        checks.push(
            &f("hashtags"),
            "hashtags are letters, digits and underscores",
        );
    }
    if input.targets.is_empty() {
        checks.push(&f("targets"), "choose at least one social account");
    }
    let mut issues = checks.finish().err().map(|e| e.details).unwrap_or_default();
    let mut targets = Vec::new();
    for (i, target) in input.targets.iter().enumerate() {
        let known = social_accounts::get(db, organization_id, target.social_account_id, false)
            .await
            .ok()
            .flatten();
        if known.is_none() {
            issues.push(FieldIssue::new(
                f(&format!("targets[{i}].social_account_id")),
                "is not a connected account of your organization",
            ));
        }
        if targets
            .iter()
            .any(|(id, _)| *id == target.social_account_id)
        {
            issues.push(FieldIssue::new(
                f(&format!("targets[{i}]")),
                "lists the same account twice",
            ));
        }
        targets.push((target.social_account_id, target_texts[i].clone()));
    }
    let mut kinds = Vec::new();
    for (i, asset_id) in input.media.iter().enumerate() {
        match store::media::get(db, organization_id, *asset_id, false)
            .await
            .ok()
            .flatten()
        {
            Some(asset) if asset.status == domain::MediaStatus::Ready => {
                kinds.push(MediaType::from_mime(&asset.mime_type))
            }
            _ => issues.push(FieldIssue::new(
                f(&format!("media[{i}]")),
                "is not a ready asset of your media library",
            )),
        }
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    let content_type = match kinds.as_slice() {
        [] => "text",
        k if k.iter().any(|t| t.is_some_and(MediaType::is_video)) => "video",
        [_] => "image",
        _ => "carousel",
    };
    Ok(ValidPost {
        title,
        content: content.expect("checked"),
        content_type,
        media: input.media,
        hashtags,
        mentions,
        targets,
    })
}

async fn load(
    db: &impl GenericClient,
    current: &CurrentUser,
    id: Uuid,
    for_update: bool,
) -> Result<Post, ApiError> {
    posts::get(db, current.organization_id, id, for_update)
        .await?
        .ok_or_else(|| ApiError::not_found("post"))
}

/// Loads and locks a post the caller may change (its row lock holds until the transaction ends).
async fn load_for_edit(
    db: &impl GenericClient,
    current: &CurrentUser,
    id: Uuid,
) -> Result<Post, ApiError> {
    let post = load(db, current, id, true).await?;
    ensure_may_edit(current, &post)?;
    Ok(post)
}

/// Users change their own posts; managers and admins any post of the organization.
fn ensure_may_edit(current: &CurrentUser, post: &Post) -> Result<(), ApiError> {
    current.require(Permission::CreateContent)?;
    if post.author_id != Some(current.user_id) && !current.role.can(Permission::ManageAllContent) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "only the author or a manager may change this post",
        ));
    }
    Ok(())
}

fn ensure_not_started(post: &Post) -> Result<(), ApiError> {
    let started = post.targets.iter().any(|t| t.attempts > 0)
        || matches!(
            post.status,
            PostStatus::Publishing
                | PostStatus::Published
                | PostStatus::PartiallyFailed
                | PostStatus::Failed
        );
    if started {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "publishing has started; duplicate the post to change it",
        ));
    }
    Ok(())
}
