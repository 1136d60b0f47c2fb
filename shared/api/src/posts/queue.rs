//! Add to queue (the next free slot: the accounts' own posting slots, or the smart
//! scheduler's best hour), and the organization's publishing pause.

use super::*;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct QueueRequest {
    /// IANA time zone the posting slots are read in (default UTC), e.g. `Europe/Paris`.
    #[schemars(length(min = 1, max = 64), example = &"Europe/Paris")]
    timezone: Option<String>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct Queued {
    post: Post,
    slot: agents::schedule::QueueSlot,
}

pub(super) async fn add_to_queue(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
    Json(request): Json<QueueRequest>,
) -> Result<Response, ApiError> {
    let zone = match request.timezone.as_deref() {
        None => chrono_tz::UTC,
        Some(text) => {
            domain::TimeZone::parse(text)
                .map_err(|e| ApiError::validation(vec![FieldIssue::new("timezone", &e.0)]))?
                .0
        }
    };
    let (accounts, scheduled_at): (Vec<Uuid>, _) = {
        let client = state.db.client().await?;
        let post = load_for_edit(&**client, &current, id).await?;
        ensure_not_started(&post)?;
        (
            post.targets.iter().map(|t| t.social_account_id).collect(),
            post.scheduled_at,
        )
    };
    if accounts.is_empty() {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "choose at least one account before adding the post to the queue",
        ));
    }
    let slot = agents::schedule::queue_slot(
        &state,
        current.organization_id,
        &accounts,
        scheduled_at,
        zone,
    )
    .await
    .map_err(crate::service_errors::agents)?
    .ok_or_else(|| {
        ApiError::new(
            ErrorCode::Conflict,
            "the queue has no free slot in the next four weeks",
        )
    })?;
    let post = schedule_post(&state, &current, id, slot.scheduled_at, zone).await?;
    Ok(JsonResponse(Queued { post, slot }).into_response())
}

pub(super) async fn publishing_state(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    current.require(Permission::CreateContent)?;
    let client = state.db.client().await?;
    let publishing = store::insights::publishing_state(&**client, current.organization_id).await?;
    Ok(JsonResponse(agents::crisis::PublishingView::of(publishing, None)).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PauseRequest {
    /// Why (shown on held posts), 1–200 characters.
    #[schemars(length(min = 1, max = 200))]
    reason: Option<String>,
}

pub(super) async fn pause_publishing(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(request): Json<PauseRequest>,
) -> Result<Response, ApiError> {
    current.require(Permission::ManageAllContent)?;
    let reason = request
        .reason
        .as_deref()
        .map(str::trim)
        .unwrap_or("paused by a manager");
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(ApiError::validation(vec![FieldIssue::new(
            "reason",
            "must be 1 to 200 characters",
        )]));
    }
    let paused = agents::crisis::pause(&state, current.organization_id, reason)
        .await
        .map_err(crate::service_errors::agents)?;
    if paused {
        let client = state.db.client().await?;
        audit_publishing(
            &**client,
            &current,
            serde_json::json!({ "paused": true, "reason": reason }),
        )
        .await?;
    }
    publishing_state(State(state), current).await
}

pub(super) async fn resume_publishing(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    current.require(Permission::ManageAllContent)?;
    let released = agents::crisis::resume(&state, current.organization_id)
        .await
        .map_err(crate::service_errors::agents)?;
    let client = state.db.client().await?;
    audit_publishing(
        &**client,
        &current,
        serde_json::json!({ "paused": false, "released": released }),
    )
    .await?;
    let publishing = store::insights::publishing_state(&**client, current.organization_id).await?;
    Ok(JsonResponse(agents::crisis::PublishingView::of(
        publishing,
        Some(released),
    ))
    .into_response())
}

/// Pausing and resuming publishing are audited as changes to the organization's publishing.
async fn audit_publishing(
    db: &impl GenericClient,
    current: &CurrentUser,
    values: serde_json::Value,
) -> Result<(), ApiError> {
    audit::record(
        db,
        &current.actor(),
        AuditEntry {
            action: AuditAction::Update,
            resource_type: "publishing",
            resource_id: None,
            old_values: None,
            new_values: Some(values),
        },
    )
    .await?;
    Ok(())
}
