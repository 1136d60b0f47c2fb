//! `/api/posts/*`: posts, their per-account targets, preview against each platform's rules,
//! scheduling in the author's time zone, publishing now, bulk scheduling and the calendar.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
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

use crate::error::{ApiError, ErrorCode, FieldChecks, FieldIssue};
use crate::extract::{Json, Path, Query, RawBody, parse_json};
use crate::identity::CurrentUser;
use crate::routes::{Routes, op};

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
            get(list),
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
            post(create),
        )
        .route(
            op(
                Method::GET,
                "/api/posts/calendar",
                "Posts per day in a time zone",
            )
            .query::<CalendarQuery>()
            .returns::<Calendar>(200),
            get(calendar),
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
            post(bulk_schedule),
        )
        .route(
            op(Method::GET, "/api/posts/{id}", "One post with its targets")
                .returns::<Post>(200)
                .errors(&[404]),
            get(get_post),
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
            axum::routing::put(update),
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
            axum::routing::delete(delete),
        )
        .route(
            op(
                Method::POST,
                "/api/posts/{id}/duplicate",
                "Copy a post as a new draft",
            )
            .returns::<Post>(201)
            .errors(&[403, 404]),
            post(duplicate),
        )
        .route(
            op(
                Method::GET,
                "/api/posts/{id}/preview",
                "The text as sent, its length against each platform's limit, media fit",
            )
            .returns::<Preview>(200)
            .errors(&[404]),
            get(preview),
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
            post(schedule),
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
            post(publish_now),
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
    organization_id: Uuid,
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
            Some(asset) if asset.status == "ready" => {
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

async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(input): Json<PostInput>,
) -> Result<Response, ApiError> {
    current.require(Permission::CreateContent)?;
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let valid = validate_input(&tx, current.organization_id, input, "")
        .await
        .map_err(ApiError::validation)?;
    let id = insert_post(&tx, &current, &valid).await?;
    audit::record(
        &tx,
        &current.actor(),
        AuditEntry {
            action: AuditAction::Create,
            resource_type: "post",
            resource_id: Some(id),
            old_values: None,
            new_values: Some(
                serde_json::json!({ "content": valid.content, "targets": valid.targets.len() }),
            ),
        },
    )
    .await?;
    let post = load(&tx, &current, id, false).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, JsonResponse(post)).into_response())
}

async fn insert_post(
    db: &impl GenericClient,
    current: &CurrentUser,
    valid: &ValidPost,
) -> Result<Uuid, ApiError> {
    let id = posts::insert(
        db,
        &NewPost {
            organization_id: current.organization_id,
            author_id: current.user_id,
            title: valid.title.as_deref(),
            content: &valid.content,
            content_type: valid.content_type,
            media: &valid.media,
            hashtags: &valid.hashtags,
            mentions: &valid.mentions,
            ai_generated: false,
        },
    )
    .await?;
    posts::set_targets(db, current.organization_id, id, &valid.targets).await?;
    Ok(id)
}

async fn get_post(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewOrganization)?;
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    Ok(JsonResponse(load(pg, &current, id, false).await?).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct PostUpdate {
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schemars(length(min = 1, max = 500))]
    title: Option<Option<String>>,
    #[schemars(length(min = 1, max = 63_206))]
    content: Option<String>,
    media: Option<Vec<Uuid>>,
    #[schemars(inner(pattern(r"^#?[\p{L}\p{N}_]+$")))]
    hashtags: Option<Vec<String>>,
    #[schemars(length(max = 50), inner(length(min = 1, max = 100)))]
    mentions: Option<Vec<String>>,
    #[schemars(length(min = 1))]
    targets: Option<Vec<TargetInput>>,
}

async fn update(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
    Json(body): Json<PostUpdate>,
) -> Result<Response, ApiError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let before = load(&tx, &current, id, true).await?;
    ensure_may_edit(&current, &before)?;
    ensure_not_started(&before)?;
    // Validate the post as it will be, through the same checks as creation.
    let merged = PostInput {
        title: match body.title {
            Some(title) => title,
            None => before.title.clone(),
        },
        content: body.content.unwrap_or_else(|| before.content.clone()),
        media: body.media.unwrap_or_else(|| before.media.clone()),
        hashtags: body.hashtags.unwrap_or_else(|| before.hashtags.clone()),
        mentions: body.mentions.unwrap_or_else(|| before.mentions.clone()),
        targets: body.targets.unwrap_or_else(|| {
            before
                .targets
                .iter()
                .map(|t| TargetInput {
                    social_account_id: t.social_account_id,
                    text: t.text_override.clone(),
                })
                .collect()
        }),
    };
    let valid = validate_input(&tx, current.organization_id, merged, "")
        .await
        .map_err(ApiError::validation)?;
    posts::update(
        &tx,
        current.organization_id,
        id,
        &PostChanges {
            title: Some(valid.title.as_deref()),
            content: Some(&valid.content),
            content_type: Some(valid.content_type),
            media: Some(&valid.media),
            hashtags: Some(&valid.hashtags),
            mentions: Some(&valid.mentions),
        },
    )
    .await?;
    let old_targets: Vec<Uuid> = before.targets.iter().map(|t| t.id).collect();
    posts::set_targets(&tx, current.organization_id, id, &valid.targets).await?;
    // A scheduled post stays scheduled, with fresh targets at the same time.
    let reschedule = match (
        before.status,
        before.scheduled_at,
        &before.schedule_timezone,
    ) {
        (PostStatus::Scheduled, Some(at), Some(zone)) => {
            posts::schedule(&tx, current.organization_id, id, at, zone).await?;
            true
        }
        _ => false,
    };
    audit::record(
        &tx,
        &current.actor(),
        AuditEntry {
            action: AuditAction::Update,
            resource_type: "post",
            resource_id: Some(id),
            old_values: Some(
                serde_json::json!({ "content": before.content, "targets": before.targets.len() }),
            ),
            new_values: Some(
                serde_json::json!({ "content": valid.content, "targets": valid.targets.len() }),
            ),
        },
    )
    .await?;
    let after = load(&tx, &current, id, false).await?;
    tx.commit().await?;
    posting::cancel_schedules(&state, &old_targets).await;
    if reschedule {
        let due: Vec<_> = after
            .targets
            .iter()
            .filter_map(|t| Some((t.id, t.platform, t.scheduled_at?)))
            .collect();
        posting::schedule_targets(&state, &due).await;
    }
    Ok(JsonResponse(after).into_response())
}

/// What deleting did: a post that reached a platform is archived, not erased.
#[derive(Serialize, schemars::JsonSchema)]
struct Archived {
    /// Always `archived`.
    outcome: &'static str,
    message: String,
    post: Post,
}

/// Deletes a post that never reached a platform (204). A post with published or unconfirmed
/// targets is archived instead (200): it is still on the platforms, so its history and metrics
/// stay, what is still pending is cancelled, and it leaves the lists (`?archived=true` shows it).
async fn delete(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let post = load(&tx, &current, id, true).await?;
    ensure_may_edit(&current, &post)?;
    if post
        .targets
        .iter()
        .any(|t| t.status == domain::PostPlatformStatus::Publishing)
    {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "the post is being published right now; try again in a minute",
        ));
    }
    let reached_a_platform = post.targets.iter().any(|t| {
        matches!(
            t.status,
            domain::PostPlatformStatus::Published | domain::PostPlatformStatus::Unconfirmed
        )
    });
    let cancelled = if reached_a_platform {
        posts::archive(&tx, current.organization_id, id).await?
    } else {
        posts::delete(&tx, current.organization_id, id).await?;
        post.targets.iter().map(|t| t.id).collect()
    };
    audit::record(
        &tx,
        &current.actor(),
        AuditEntry {
            action: AuditAction::Delete,
            resource_type: "post",
            resource_id: Some(id),
            old_values: Some(serde_json::json!({ "content": post.content, "status": post.status })),
            new_values: reached_a_platform.then(|| serde_json::json!({ "archived": true })),
        },
    )
    .await?;
    let archived = if reached_a_platform {
        Some(load(&tx, &current, id, false).await?)
    } else {
        None
    };
    tx.commit().await?;
    posting::cancel_schedules(&state, &cancelled).await;
    Ok(match archived {
        None => StatusCode::NO_CONTENT.into_response(),
        Some(post) => JsonResponse(Archived {
            outcome: "archived",
            message: "The post is still on the platforms it reached, so it is archived, not \
                      erased: its history and metrics stay, anything still pending was \
                      cancelled. Remove it on each platform if it should disappear there too."
                .to_owned(),
            post,
        })
        .into_response(),
    })
}

async fn duplicate(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    current.require(Permission::CreateContent)?;
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let original = load(&tx, &current, id, false).await?;
    let copy = ValidPost {
        title: original.title.clone(),
        content: original.content.clone(),
        content_type: match original.content_type.as_str() {
            "image" => "image",
            "video" => "video",
            "carousel" => "carousel",
            _ => "text",
        },
        media: original.media.clone(),
        hashtags: original.hashtags.clone(),
        mentions: original.mentions.clone(),
        targets: original
            .targets
            .iter()
            .map(|t| (t.social_account_id, t.text_override.clone()))
            .collect(),
    };
    let new_id = insert_post(&tx, &current, &copy).await?;
    audit::record(
        &tx,
        &current.actor(),
        AuditEntry {
            action: AuditAction::Create,
            resource_type: "post",
            resource_id: Some(new_id),
            old_values: None,
            new_values: Some(serde_json::json!({ "duplicate_of": id })),
        },
    )
    .await?;
    let post = load(&tx, &current, new_id, false).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, JsonResponse(post)).into_response())
}

#[derive(Serialize, schemars::JsonSchema)]
struct TargetPreview {
    target_id: Uuid,
    social_account_id: Uuid,
    platform: Platform,
    /// The text exactly as it will be sent (for LinkedIn, in its "little text" markup).
    text: String,
    /// The text as readers will see it; `length` counts this.
    display_text: String,
    length: usize,
    max_length: usize,
    weighted: bool,
    hashtags: usize,
    max_hashtags: Option<usize>,
    media_count: usize,
    max_media: u32,
    errors: Vec<String>,
    warnings: Vec<String>,
}

#[derive(Serialize, schemars::JsonSchema)]
struct Preview {
    post_id: Uuid,
    valid: bool,
    targets: Vec<TargetPreview>,
}

/// Measures one target against its platform's rules: the one place both preview and
/// scheduling decide what a platform accepts.
fn preview_target(
    post: &Post,
    target: &store::posts::Target,
    assets: &[MediaAsset],
) -> TargetPreview {
    let platform = target.platform;
    // The limit applies to what readers see, before LinkedIn's escaping.
    let text = posting::text_for(post, target.text_override.as_deref());
    let report = check_text(platform, &text, &HashtagCaps::default());
    let mut errors = report.errors.clone();
    let mut warnings = Vec::new();
    let rules = platform.image_rules();
    let videos = assets
        .iter()
        .filter(|a| MediaType::from_mime(&a.mime_type).is_some_and(MediaType::is_video))
        .count();
    let images = assets.len() - videos;
    if videos > 1 || (videos == 1 && images > 0) {
        errors.push("a post carries either one video or images".to_owned());
    }
    if images as u32 > rules.max_per_post {
        errors.push(format!(
            "{images} images, {platform} allows {}",
            rules.max_per_post
        ));
    }
    if assets.is_empty() && matches!(platform, Platform::Instagram | Platform::TikTok) {
        errors.push(format!("{platform} posts need an image or a video"));
    }
    if videos == 1 && platform == Platform::LinkedIn {
        errors.push("video posts to LinkedIn are not supported yet".to_owned());
    }
    for asset in assets
        .iter()
        .filter(|a| !MediaType::from_mime(&a.mime_type).is_some_and(MediaType::is_video))
    {
        if asset.variants.iter().any(|v| v.platform == platform) {
            continue;
        }
        let kind = MediaType::from_mime(&asset.mime_type);
        if !kind.is_some_and(|k| rules.accepted.contains(&k)) {
            errors.push(format!(
                "{} is {}; {platform} needs another format: optimize the media first",
                asset.original_name, asset.mime_type
            ));
        } else if asset.bytes as u64 > rules.max_bytes {
            errors.push(format!(
                "{} is over {platform}'s {} MB: optimize the media first",
                asset.original_name,
                rules.max_bytes / (1024 * 1024)
            ));
        }
        if let (Some((min, max)), Some(w), Some(h)) =
            (rules.aspect_ratio, asset.width, asset.height)
        {
            let ratio = f64::from(w) / f64::from(h);
            if ratio < min - 0.01 || ratio > max + 0.01 {
                warnings.push(format!(
                    "{} will be cropped to fit {platform}'s aspect ratios unless optimized first",
                    asset.original_name
                ));
                errors.push(format!(
                    "{} has an aspect ratio {platform} refuses: optimize the media first",
                    asset.original_name
                ));
            }
        }
    }
    let limits = platform.text_limits();
    TargetPreview {
        target_id: target.id,
        social_account_id: target.social_account_id,
        platform,
        text: domain::text_as_sent(platform, &text),
        display_text: text,
        length: report.length,
        max_length: report.max_length,
        weighted: limits.weighted,
        hashtags: report.hashtags,
        max_hashtags: report.max_hashtags,
        media_count: assets.len(),
        max_media: rules.max_per_post,
        errors,
        warnings,
    }
}

async fn build_preview(db: &impl GenericClient, post: &Post) -> Result<Preview, ApiError> {
    let mut assets = Vec::new();
    for id in &post.media {
        if let Some(asset) = store::media::get(db, post.organization_id, *id, false).await? {
            assets.push(asset);
        }
    }
    let targets: Vec<TargetPreview> = post
        .targets
        .iter()
        .map(|t| preview_target(post, t, &assets))
        .collect();
    Ok(Preview {
        post_id: post.id,
        valid: targets.iter().all(|t| t.errors.is_empty()),
        targets,
    })
}

async fn preview(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewOrganization)?;
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    let post = load(pg, &current, id, false).await?;
    Ok(JsonResponse(build_preview(pg, &post).await?).into_response())
}

#[derive(Deserialize, schemars::JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
struct ScheduleRequest {
    /// Wall-clock time, `YYYY-MM-DDTHH:MM` (seconds optional).
    #[schemars(pattern(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$"), example = &"2030-01-31T09:30")]
    local_time: String,
    /// IANA time zone, e.g. `Europe/Paris`.
    #[schemars(length(min = 1, max = 64), example = &"Europe/Paris")]
    timezone: String,
    /// Only for a time that occurs twice (clocks going back): `+01:00` or `+02:00`.
    #[schemars(pattern(r"^[+-]\d{2}:\d{2}$"), example = &"+01:00")]
    utc_offset: Option<String>,
}

/// Resolves a wall-clock time in a zone: a time skipped by a DST change is refused, a time that
/// happens twice needs its offset.
fn resolve_local_time(
    request: &ScheduleRequest,
    field_prefix: &str,
) -> Result<(DateTime<Utc>, TimeZone), Vec<FieldIssue>> {
    let f = |n: &str| format!("{field_prefix}{n}");
    let zone = TimeZone::parse(&request.timezone)
        .map_err(|e| vec![FieldIssue::new(f("timezone"), e.0)])?;
    let naive = NaiveDateTime::parse_from_str(&request.local_time, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(&request.local_time, "%Y-%m-%dT%H:%M"))
        .map_err(|_| {
            vec![FieldIssue::new(
                f("local_time"),
                "must look like 2026-12-01T09:30",
            )]
        })?;
    let at = match zone.0.from_local_datetime(&naive) {
        LocalResult::Single(at) => at.with_timezone(&Utc),
        LocalResult::None => {
            return Err(vec![FieldIssue::new(
                f("local_time"),
                format!(
                    "{} does not exist in {} (the clocks skip it for daylight saving time)",
                    request.local_time,
                    zone.name()
                ),
            )]);
        }
        LocalResult::Ambiguous(first, second) => {
            let offsets = [first, second].map(|t| t.format("%:z").to_string());
            match request.utc_offset.as_deref() {
                Some(offset) if offset == offsets[0] => first.with_timezone(&Utc),
                Some(offset) if offset == offsets[1] => second.with_timezone(&Utc),
                _ => {
                    return Err(vec![FieldIssue::new(
                        f("utc_offset"),
                        format!(
                            "{} happens twice in {}: give utc_offset {} or {}",
                            request.local_time,
                            zone.name(),
                            offsets[0],
                            offsets[1]
                        ),
                    )]);
                }
            }
        }
    };
    if at < Utc::now() {
        return Err(vec![FieldIssue::new(f("local_time"), "is in the past")]);
    }
    Ok((at, zone))
}

async fn schedule(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
    Json(request): Json<ScheduleRequest>,
) -> Result<Response, ApiError> {
    let (at, zone) = resolve_local_time(&request, "").map_err(ApiError::validation)?;
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let post = load(&tx, &current, id, true).await?;
    ensure_may_edit(&current, &post)?;
    ensure_not_started(&post)?;
    let preview = build_preview(&tx, &post).await?;
    reject_invalid(&preview, "")?;
    posts::schedule(&tx, current.organization_id, id, at, zone.name()).await?;
    audit::record(
        &tx,
        &current.actor(),
        AuditEntry {
            action: AuditAction::Schedule,
            resource_type: "post",
            resource_id: Some(id),
            old_values: Some(serde_json::json!({ "scheduled_at": post.scheduled_at })),
            new_values: Some(serde_json::json!({ "scheduled_at": at, "timezone": zone.name() })),
        },
    )
    .await?;
    let after = load(&tx, &current, id, false).await?;
    tx.commit().await?;
    let due: Vec<_> = after
        .targets
        .iter()
        .filter(|t| t.status == domain::PostPlatformStatus::Pending)
        .map(|t| (t.id, t.platform, at))
        .collect();
    posting::schedule_targets(&state, &due).await;
    Ok(JsonResponse(after).into_response())
}

fn reject_invalid(preview: &Preview, field_prefix: &str) -> Result<(), ApiError> {
    let issues: Vec<FieldIssue> = preview
        .targets
        .iter()
        .flat_map(|t| {
            t.errors.iter().map(move |e| {
                FieldIssue::new(format!("{field_prefix}targets.{}", t.platform), e.clone())
            })
        })
        .collect();
    if issues.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(issues))
    }
}

/// Publishing now hands every target to the publisher (through its platform's lane) and answers
/// at once: Instagram and TikTok take up to a minute to process media, longer than an API call
/// may wait. The post's status turns `publishing`, then its final state.
async fn publish_now(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let post = load(&tx, &current, id, true).await?;
    ensure_may_edit(&current, &post)?;
    ensure_not_started(&post)?;
    reject_invalid(&build_preview(&tx, &post).await?, "")?;
    posts::schedule(&tx, current.organization_id, id, Utc::now(), "UTC").await?;
    audit::record(
        &tx,
        &current.actor(),
        AuditEntry {
            action: AuditAction::Publish,
            resource_type: "post",
            resource_id: Some(id),
            old_values: None,
            new_values: Some(serde_json::json!({ "publish": "now" })),
        },
    )
    .await?;
    let after = load(&tx, &current, id, false).await?;
    tx.commit().await?;
    let targets: Vec<Uuid> = post.targets.iter().map(|t| t.id).collect();
    posting::cancel_schedules(&state, &targets).await;
    let queued: Vec<QueuedTarget> = after
        .targets
        .iter()
        .filter(|t| t.status == domain::PostPlatformStatus::Pending)
        .map(|t| QueuedTarget {
            target_id: t.id,
            platform: t.platform,
        })
        .collect();
    if let Err(error) = posting::enqueue(&state, &queued, 0).await {
        // Not lost: the targets are due, and the sweeper queues due targets within minutes.
        tracing::error!(%error, post = %id, "publish-now not queued; the sweeper will pick it up");
    }
    Ok((StatusCode::ACCEPTED, JsonResponse(after)).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<PostStatus>,
    platform: Option<Platform>,
    social_account_id: Option<Uuid>,
    /// RFC 3339; compares the scheduled time (or creation time of drafts).
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    /// Words in the title or text.
    #[schemars(length(max = 200))]
    search: Option<String>,
    ai_generated: Option<bool>,
    author_id: Option<Uuid>,
    /// Archived posts (deleted after they reached a platform) instead of live ones.
    archived: Option<bool>,
    /// `next_cursor` of the previous page.
    #[schemars(length(max = 200))]
    cursor: Option<String>,
    /// 1 to 100, default 25.
    #[schemars(range(min = 1, max = 100))]
    limit: Option<i64>,
}

#[derive(Serialize, schemars::JsonSchema)]
struct PostPage {
    items: Vec<Post>,
    next_cursor: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewOrganization)?;
    let mut checks = FieldChecks::new();
    let limit = query.limit.unwrap_or(25);
    if !(1..=100).contains(&limit) {
        checks.push("limit", "must be from 1 to 100");
    }
    let after = query.cursor.as_deref().map(|c| {
        let decoded = URL_SAFE_NO_PAD
            .decode(c)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|t| {
                let (micros, id) = t.split_once(':')?;
                Some((
                    DateTime::from_timestamp_micros(micros.parse().ok()?)?,
                    id.parse::<Uuid>().ok()?,
                ))
            });
        if decoded.is_none() {
            checks.push("cursor", "is not a cursor this API returned");
        }
        decoded
    });
    checks.finish()?;
    let filter = PostFilter {
        status: query.status,
        platform: query.platform,
        social_account_id: query.social_account_id,
        from: query.from,
        to: query.to,
        search: query.search.filter(|s| !s.trim().is_empty()),
        ai_generated: query.ai_generated,
        author_id: query.author_id,
        archived: query.archived.unwrap_or(false),
        after: after.flatten(),
        limit: limit + 1,
    };
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    let mut items = posts::list(pg, current.organization_id, &filter).await?;
    let next_cursor = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|p| {
            URL_SAFE_NO_PAD.encode(format!("{}:{}", p.created_at.timestamp_micros(), p.id))
        })
    } else {
        None
    };
    Ok(JsonResponse(PostPage { items, next_cursor }).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct CalendarQuery {
    /// First day, `YYYY-MM-DD`.
    from: NaiveDate,
    /// Last day (inclusive), at most 62 days after `from`.
    to: NaiveDate,
    /// Defaults to the caller's profile time zone.
    #[schemars(length(min = 1, max = 64))]
    timezone: Option<String>,
}

#[derive(Serialize, schemars::JsonSchema)]
struct CalendarEntry {
    id: Uuid,
    title: Option<String>,
    /// The text's first line, at most 80 characters (for untitled posts).
    excerpt: String,
    status: PostStatus,
    local_time: String,
    platforms: Vec<Platform>,
}

#[derive(Serialize, schemars::JsonSchema)]
struct Calendar {
    timezone: String,
    days: BTreeMap<String, Vec<CalendarEntry>>,
}

async fn calendar(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(query): Query<CalendarQuery>,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewOrganization)?;
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    let zone_name = match query.timezone {
        Some(zone) => zone,
        None => store::accounts::users::get(pg, current.user_id)
            .await?
            .map(|u| u.timezone)
            .unwrap_or_else(|| "UTC".into()),
    };
    let mut checks = FieldChecks::new();
    let zone = checks.check("timezone", TimeZone::parse(&zone_name));
    if query.to < query.from || (query.to - query.from).num_days() > 62 {
        checks.push("to", "must be on or after from, at most 62 days later");
    }
    checks.finish()?;
    let zone = zone.expect("checked");
    let start = zone
        .0
        .from_local_datetime(&query.from.and_hms_opt(0, 0, 0).expect("midnight"))
        .earliest()
        .map(|t| t.with_timezone(&Utc));
    let end = zone
        .0
        .from_local_datetime(
            &(query.to + chrono::Duration::days(1))
                .and_hms_opt(0, 0, 0)
                .expect("midnight"),
        )
        .earliest()
        .map(|t| t.with_timezone(&Utc));
    let filter = PostFilter {
        from: start,
        to: end,
        limit: 2000,
        ..PostFilter::default()
    };
    let posts = posts::list(pg, current.organization_id, &filter).await?;
    let mut days: BTreeMap<String, Vec<CalendarEntry>> = BTreeMap::new();
    for post in posts {
        let Some(at) = post.scheduled_at.or(post.published_at) else {
            continue;
        };
        let local = at.with_timezone(&zone.0);
        days.entry(local.format("%Y-%m-%d").to_string())
            .or_default()
            .push(CalendarEntry {
                id: post.id,
                title: post.title.clone(),
                excerpt: post
                    .content
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .chars()
                    .take(80)
                    .collect(),
                status: post.status,
                local_time: local.format("%H:%M").to_string(),
                platforms: post.targets.iter().map(|t| t.platform).collect(),
            });
    }
    for entries in days.values_mut() {
        entries.sort_by(|a, b| a.local_time.cmp(&b.local_time));
    }
    Ok(JsonResponse(Calendar {
        timezone: zone.name().to_owned(),
        days,
    })
    .into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct BulkRow {
    #[schemars(length(min = 1, max = 500))]
    title: Option<String>,
    #[schemars(length(min = 1, max = 63_206))]
    content: String,
    #[schemars(length(min = 1))]
    social_account_ids: Vec<Uuid>,
    #[schemars(pattern(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$"), example = &"2030-01-31T09:30")]
    local_time: String,
    #[schemars(length(min = 1, max = 64), example = &"Europe/Paris")]
    timezone: String,
    #[schemars(pattern(r"^[+-]\d{2}:\d{2}$"), example = &"+01:00")]
    utc_offset: Option<String>,
    #[serde(default)]
    #[schemars(inner(pattern(r"^#?[\p{L}\p{N}_]+$")))]
    hashtags: Vec<String>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct BulkRequest {
    /// Up to 500 rows.
    #[schemars(length(min = 1, max = 500))]
    posts: Vec<BulkRow>,
    /// Create nothing unless every row is valid.
    #[serde(default)]
    all_or_nothing: bool,
}

#[derive(Serialize, schemars::JsonSchema)]
struct BulkRowResult {
    /// 1-based: the CSV data row, or the position in `posts`.
    row: usize,
    status: String,
    post_id: Option<Uuid>,
    errors: Vec<FieldIssue>,
}

#[derive(Serialize, schemars::JsonSchema)]
struct BulkReport {
    scheduled: usize,
    rejected: usize,
    rows: Vec<BulkRowResult>,
}

/// A minimal RFC 4180 reader: quoted fields, doubled quotes, commas and newlines inside quotes.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\r', false) => {}
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                if !(row.len() == 1 && row[0].is_empty()) {
                    rows.push(std::mem::take(&mut row));
                }
                row.clear();
            }
            (c, _) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// CSV columns: content, social_account_ids (separated by `;`), local_time, timezone, and
/// optionally title, utc_offset, hashtags (separated by spaces).
fn rows_from_csv(text: &str) -> Result<Vec<Result<BulkRow, Vec<FieldIssue>>>, ApiError> {
    let mut lines = parse_csv(text).into_iter();
    let header: Vec<String> = lines
        .next()
        .unwrap_or_default()
        .into_iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let column = |name: &str| header.iter().position(|h| h == name);
    let (Some(content), Some(accounts), Some(time), Some(zone)) = (
        column("content"),
        column("social_account_ids"),
        column("local_time"),
        column("timezone"),
    ) else {
        return Err(ApiError::validation(vec![FieldIssue::new(
            "csv",
            "the header needs content, social_account_ids, local_time and timezone",
        )]));
    };
    let (title, offset, tags) = (column("title"), column("utc_offset"), column("hashtags"));
    Ok(lines
        .map(|cells| {
            let cell = |i: Option<usize>| {
                i.and_then(|i| cells.get(i))
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty())
            };
            let ids: Result<Vec<Uuid>, _> = cell(Some(accounts))
                .unwrap_or_default()
                .split(';')
                .filter(|s| !s.trim().is_empty())
                .map(|s| s.trim().parse::<Uuid>())
                .collect();
            let ids = ids.map_err(|_| {
                vec![FieldIssue::new(
                    "social_account_ids",
                    "must be account ids separated by ;",
                )]
            })?;
            Ok(BulkRow {
                title: cell(title),
                content: cell(Some(content)).unwrap_or_default(),
                social_account_ids: ids,
                local_time: cell(Some(time)).unwrap_or_default(),
                timezone: cell(Some(zone)).unwrap_or_default(),
                utc_offset: cell(offset),
                hashtags: cell(tags)
                    .map(|t| t.split_whitespace().map(str::to_owned).collect())
                    .unwrap_or_default(),
            })
        })
        .collect())
}

async fn bulk_schedule(
    State(state): State<AppState>,
    current: CurrentUser,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    current.require(Permission::CreateContent)?;
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let (rows, all_or_nothing) = if content_type.starts_with("text/csv") {
        let text = std::str::from_utf8(&body)
            .map_err(|_| ApiError::new(ErrorCode::MalformedRequest, "the CSV is not UTF-8"))?;
        let all = headers.get("x-all-or-nothing").is_some_and(|v| v == "true");
        (rows_from_csv(text)?, all)
    } else if content_type.starts_with("application/json") {
        let request: BulkRequest = parse_json(&body)?;
        (
            request.posts.into_iter().map(Ok).collect(),
            request.all_or_nothing,
        )
    } else {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send application/json or text/csv",
        ));
    };
    if rows.len() > 500 {
        return Err(ApiError::validation(vec![FieldIssue::new(
            "posts",
            "at most 500 rows at a time",
        )]));
    }
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let mut tx = pg.transaction().await?;
    let mut results = Vec::new();
    let mut scheduled_targets = Vec::new();
    for (index, row) in rows.into_iter().enumerate() {
        let number = index + 1;
        let outcome = async {
            let row = row?;
            let request = ScheduleRequest {
                local_time: row.local_time.clone(),
                timezone: row.timezone.clone(),
                utc_offset: row.utc_offset.clone(),
            };
            let resolved = resolve_local_time(&request, "");
            let input = PostInput {
                title: row.title,
                content: row.content,
                media: Vec::new(),
                hashtags: row.hashtags,
                mentions: Vec::new(),
                targets: row
                    .social_account_ids
                    .into_iter()
                    .map(|id| TargetInput {
                        social_account_id: id,
                        text: None,
                    })
                    .collect(),
            };
            let valid = validate_input(&tx, current.organization_id, input, "").await;
            let ((at, zone), valid) = match (resolved, valid) {
                (Ok(r), Ok(v)) => (r, v),
                (r, v) => {
                    return Err([r.err().unwrap_or_default(), v.err().unwrap_or_default()].concat());
                }
            };
            // A savepoint per row: a bad row never leaves half a post behind.
            let savepoint = tx
                .savepoint("bulk_row")
                .await
                .map_err(|e| vec![FieldIssue::new("row", e.to_string())])?;
            let id = insert_post(&savepoint, &current, &valid)
                .await
                .map_err(|e| vec![FieldIssue::new("row", e.message)])?;
            let post = load(&savepoint, &current, id, false)
                .await
                .map_err(|e| vec![FieldIssue::new("row", e.message)])?;
            let preview = build_preview(&savepoint, &post)
                .await
                .map_err(|e| vec![FieldIssue::new("row", e.message)])?;
            if let Err(error) = reject_invalid(&preview, "") {
                let _ = savepoint.rollback().await;
                return Err(error.details);
            }
            posts::schedule(&savepoint, current.organization_id, id, at, zone.name())
                .await
                .map_err(|e| vec![FieldIssue::new("row", e.to_string())])?;
            savepoint
                .commit()
                .await
                .map_err(|e| vec![FieldIssue::new("row", e.to_string())])?;
            Ok((
                id,
                post.targets
                    .iter()
                    .map(|t| (t.id, t.platform, at))
                    .collect::<Vec<_>>(),
            ))
        }
        .await;
        match outcome {
            Ok((id, targets)) => {
                scheduled_targets.extend(targets);
                results.push(BulkRowResult {
                    row: number,
                    status: "scheduled".into(),
                    post_id: Some(id),
                    errors: Vec::new(),
                });
            }
            Err(errors) => results.push(BulkRowResult {
                row: number,
                status: "rejected".into(),
                post_id: None,
                errors,
            }),
        }
    }
    let rejected = results.iter().filter(|r| r.status == "rejected").count();
    if all_or_nothing && rejected > 0 {
        tx.rollback().await?;
        // The one error format: each rejected row's issues, with the row in the field path.
        let details = results
            .into_iter()
            .flat_map(|r| {
                let row = r.row;
                r.errors.into_iter().map(move |issue| {
                    FieldIssue::new(format!("rows[{row}].{}", issue.field), issue.issue)
                })
            })
            .collect();
        return Err(ApiError {
            message: format!("{rejected} rows are invalid; nothing was scheduled"),
            ..ApiError::validation(details)
        });
    }
    audit::record(&tx, &current.actor(), AuditEntry {
        action: AuditAction::Schedule,
        resource_type: "post",
        resource_id: None,
        old_values: None,
        new_values: Some(serde_json::json!({ "bulk_scheduled": results.len() - rejected, "rejected": rejected })),
    })
    .await?;
    tx.commit().await?;
    posting::schedule_targets(&state, &scheduled_targets).await;
    Ok(JsonResponse(BulkReport {
        scheduled: results.len() - rejected,
        rejected,
        rows: results,
    })
    .into_response())
}
