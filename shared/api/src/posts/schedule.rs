//! Scheduling at a local time in an IANA time zone (DST-safe), and publishing now.

use super::*;

#[derive(Deserialize, schemars::JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct ScheduleRequest {
    /// Wall-clock time, `YYYY-MM-DDTHH:MM` (seconds optional).
    #[schemars(pattern(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$"), example = &"2030-01-31T09:30")]
    pub(super) local_time: String,
    /// IANA time zone, e.g. `Europe/Paris`.
    #[schemars(length(min = 1, max = 64), example = &"Europe/Paris")]
    pub(super) timezone: String,
    /// Only for a time that occurs twice (clocks going back): `+01:00` or `+02:00`.
    #[schemars(pattern(r"^[+-]\d{2}:\d{2}$"), example = &"+01:00")]
    pub(super) utc_offset: Option<String>,
}

/// Resolves a wall-clock time in a zone: a time skipped by a DST change is refused, a time that
/// happens twice needs its offset.
pub(super) fn resolve_local_time(
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

pub(super) async fn schedule(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
    Json(request): Json<ScheduleRequest>,
) -> Result<Response, ApiError> {
    let (at, zone) = resolve_local_time(&request, "").map_err(ApiError::validation)?;
    let after = schedule_post(&state, &current, id, at, zone.0).await?;
    Ok(JsonResponse(after).into_response())
}

/// Schedules a post at `at` after validating every target, audited, and hands its targets to
/// the publish schedules: the one way a post gets a time (schedule, add to queue).
pub(super) async fn schedule_post(
    state: &AppState,
    current: &CurrentUser,
    id: Uuid,
    at: DateTime<Utc>,
    zone: chrono_tz::Tz,
) -> Result<Post, ApiError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let post = load_for_edit(&tx, current, id).await?;
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
    let after = load(&tx, current, id, false).await?;
    tx.commit().await?;
    let due: Vec<_> = after
        .targets
        .iter()
        .filter(|t| t.status == domain::PostPlatformStatus::Pending)
        .map(|t| (t.id, t.platform, at))
        .collect();
    posting::schedule_targets(state, &due).await;
    Ok(after)
}

/// Publishing now hands every target to the publisher (through its platform's lane) and answers
/// at once: Instagram and TikTok take up to a minute to process media, longer than an API call
/// may wait. The post's status turns `publishing`, then its final state.
pub(super) async fn publish_now(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let post = load_for_edit(&tx, &current, id).await?;
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
