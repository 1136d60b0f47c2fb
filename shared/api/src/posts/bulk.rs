//! Bulk scheduling from JSON or CSV, row by row, optionally all or nothing.

use super::*;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct BulkRow {
    #[schemars(length(min = 1, max = 500))]
    pub(super) title: Option<String>,
    #[schemars(length(min = 1, max = 63_206))]
    pub(super) content: String,
    #[schemars(length(min = 1))]
    pub(super) social_account_ids: Vec<Uuid>,
    #[schemars(pattern(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$"), example = &"2030-01-31T09:30")]
    pub(super) local_time: String,
    #[schemars(length(min = 1, max = 64), example = &"Europe/Paris")]
    pub(super) timezone: String,
    #[schemars(pattern(r"^[+-]\d{2}:\d{2}$"), example = &"+01:00")]
    pub(super) utc_offset: Option<String>,
    #[serde(default)]
    #[schemars(inner(pattern(r"^#?[\p{L}\p{N}_]+$")))]
    pub(super) hashtags: Vec<String>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct BulkRequest {
    /// Up to 500 rows.
    #[schemars(length(min = 1, max = 500))]
    pub(super) posts: Vec<BulkRow>,
    /// Create nothing unless every row is valid.
    #[serde(default)]
    pub(super) all_or_nothing: bool,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct BulkRowResult {
    /// 1-based: the CSV data row, or the position in `posts`.
    pub(super) row: usize,
    pub(super) status: String,
    pub(super) post_id: Option<Uuid>,
    pub(super) errors: Vec<FieldIssue>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct BulkReport {
    pub(super) scheduled: usize,
    pub(super) rejected: usize,
    pub(super) rows: Vec<BulkRowResult>,
}

/// A minimal RFC 4180 reader: quoted fields, doubled quotes, commas and newlines inside quotes.
pub(super) fn parse_csv(text: &str) -> Vec<Vec<String>> {
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
pub(super) fn rows_from_csv(text: &str) -> Result<Vec<Result<BulkRow, Vec<FieldIssue>>>, ApiError> {
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

pub(super) async fn bulk_schedule(
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
