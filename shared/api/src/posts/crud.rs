//! Creating, reading, listing, changing, deleting (or archiving) and copying posts.

use super::*;

pub(super) async fn create(
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

pub(super) async fn insert_post(
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

pub(super) async fn get_post(
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
pub(super) struct PostUpdate {
    #[serde(default, deserialize_with = "http_kit::extract::present")]
    #[schemars(length(min = 1, max = 500))]
    pub(super) title: Option<Option<String>>,
    #[schemars(length(min = 1, max = 63_206))]
    pub(super) content: Option<String>,
    pub(super) media: Option<Vec<Uuid>>,
    #[schemars(inner(pattern(r"^#?[\p{L}\p{N}_]+$")))]
    pub(super) hashtags: Option<Vec<String>>,
    #[schemars(length(max = 50), inner(length(min = 1, max = 100)))]
    pub(super) mentions: Option<Vec<String>>,
    #[schemars(length(min = 1))]
    pub(super) targets: Option<Vec<TargetInput>>,
}

pub(super) async fn update(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
    Json(body): Json<PostUpdate>,
) -> Result<Response, ApiError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let before = load_for_edit(&tx, &current, id).await?;
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
pub(super) struct Archived {
    /// Always `archived`.
    pub(super) outcome: &'static str,
    pub(super) message: String,
    pub(super) post: Post,
}

/// Deletes a post that never reached a platform (204). A post with published or unconfirmed
/// targets is archived instead (200): it is still on the platforms, so its history and metrics
/// stay, what is still pending is cancelled, and it leaves the lists (`?archived=true` shows it).
pub(super) async fn delete(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let post = load_for_edit(&tx, &current, id).await?;
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

pub(super) async fn duplicate(
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

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    pub(super) status: Option<PostStatus>,
    pub(super) platform: Option<Platform>,
    pub(super) social_account_id: Option<Uuid>,
    /// RFC 3339; compares the scheduled time (or creation time of drafts).
    pub(super) from: Option<DateTime<Utc>>,
    pub(super) to: Option<DateTime<Utc>>,
    /// Words in the title or text.
    #[schemars(length(max = 200))]
    pub(super) search: Option<String>,
    pub(super) ai_generated: Option<bool>,
    pub(super) author_id: Option<Uuid>,
    /// Archived posts (deleted after they reached a platform) instead of live ones.
    pub(super) archived: Option<bool>,
    /// `next_cursor` of the previous page.
    #[schemars(length(max = 200))]
    pub(super) cursor: Option<String>,
    /// 1 to 100, default 25.
    #[schemars(range(min = 1, max = 100))]
    pub(super) limit: Option<i64>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct PostPage {
    pub(super) items: Vec<Post>,
    pub(super) next_cursor: Option<String>,
}

pub(super) async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewOrganization)?;
    let mut checks = FieldChecks::new();
    let limit = checks.page_limit(query.limit, 25);
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
