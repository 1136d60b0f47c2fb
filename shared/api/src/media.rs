//! `/api/media/*`: the media library. File bytes never pass through the API (Lambda's payload
//! limit is 6 MB): clients upload straight to S3 with presigned URLs, then confirm, and the
//! confirmation checks what actually arrived before the asset becomes visible.

use std::time::Duration as StdDuration;

use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json as JsonResponse, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use domain::{AuditAction, MAX_UPLOAD_BYTES, MediaType, Permission, Platform, bounded_text};
use runtime::AppState;
use serde::{Deserialize, Serialize};
use sha2::Digest;
use store::accounts::audit::{self, AuditEntry};
use store::accounts::organizations;
use store::media::{
    self, AssetChanges, KindUsage, MediaAsset, MediaFilter, NewAsset, Probed, VariantRecord,
};
use store::tokio_postgres;
use uuid::Uuid;

use crate::error::{ApiError, ErrorCode, FieldChecks, FieldIssue};
use crate::extract::{Json, Path, Query};
use crate::identity::CurrentUser;
use crate::routes::{Routes, op};

pub fn routes() -> Routes {
    Routes::new("media")
        .route(
            op(Method::POST, "/api/media/upload", "Authorise an upload: a presigned PUT, or presigned parts above 16 MB")
                .body::<UploadRequest>()
                .returns::<UploadTicket>(201)
                .errors(&[402, 403]),
            post(authorise_upload),
        )
        .route(
            op(Method::POST, "/api/media/{id}/confirm", "Check the uploaded object (real type, size, dimensions) and publish it to the library")
                .body::<ConfirmRequest>()
                .returns::<AssetView>(200)
                .errors(&[403, 404, 409]),
            post(confirm_upload),
        )
        .route(
            op(Method::GET, "/api/media", "The library: filter by type, tag or text; newest first, cursor-paginated")
                .query::<LibraryQuery>()
                .returns::<AssetPage>(200),
            get(list_assets),
        )
        .route(
            op(Method::PUT, "/api/media/{id}", "Update alt text, tags or name")
                .body::<AssetUpdate>()
                .returns::<AssetView>(200)
                .errors(&[403, 404]),
            put(update_asset),
        )
        .route(
            op(Method::DELETE, "/api/media/{id}", "Delete an asset and its files; refused while a scheduled post uses it")
                .returns_nothing(204)
                .errors(&[403, 404, 409]),
            axum::routing::delete(delete_asset),
        )
        .route(
            op(Method::POST, "/api/media/{id}/optimize", "Render per-platform variants of an image")
                .returns::<AssetView>(200)
                .errors(&[402, 403, 404]),
            post(optimize_asset),
        )
        .route(
            op(Method::GET, "/api/media/storage-usage", "Bytes and counts by type against the plan's quota")
                .returns::<StorageUsage>(200),
            get(storage_usage),
        )
}

pub fn router(state: AppState) -> Router {
    routes().into_router(state)
}

/// Uploads above this size go in parts (S3 takes parts of 5 MB to 5 GB).
const MULTIPART_THRESHOLD: i64 = 16 * 1024 * 1024;
const PART_SIZE: i64 = 16 * 1024 * 1024;
const UPLOAD_URL_TTL: StdDuration = StdDuration::from_secs(60 * 60);
const VIEW_URL_TTL: StdDuration = StdDuration::from_secs(15 * 60);
/// Videos are sniffed and probed from their first bytes (a streaming MP4 has `moov` up front).
const VIDEO_PROBE_BYTES: u64 = 1024 * 1024;

fn bucket(state: &AppState) -> &str {
    &state.config.media_bucket
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct UploadRequest {
    #[schemars(length(min = 1, max = 255), example = &"launch.jpg")]
    file_name: String,
    /// The file's type; its first bytes are checked against it on confirmation.
    #[schemars(extend("enum" = ["image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4", "video/quicktime"]))]
    content_type: String,
    /// Up to 100 MB; above 16 MB the upload goes in parts.
    #[schemars(range(min = 1, max = 104_857_600), example = 348_211)]
    size_bytes: i64,
}

#[derive(Serialize, schemars::JsonSchema)]
struct PresignedPart {
    part_number: i32,
    url: String,
}

#[derive(Serialize, schemars::JsonSchema)]
#[serde(tag = "method")]
enum UploadInstructions {
    /// PUT the whole file to `url` with the given `content-type`.
    #[serde(rename = "PUT")]
    Single { url: String, content_type: String },
    /// PUT each `part_size` slice to its part URL, keep each answer's ETag, send them to confirm.
    #[serde(rename = "MULTIPART")]
    Multipart {
        part_size: i64,
        parts: Vec<PresignedPart>,
    },
}

#[derive(Serialize, schemars::JsonSchema)]
struct UploadTicket {
    id: Uuid,
    upload: UploadInstructions,
    expires_at: DateTime<Utc>,
    confirm_path: String,
}

fn quota_exceeded(quota: i64) -> ApiError {
    ApiError::new(
        ErrorCode::PlanLimitReached,
        format!(
            "this would exceed your plan's media storage of {} MB; delete media or upgrade",
            quota / (1024 * 1024)
        ),
    )
}

async fn authorise_upload(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(body): Json<UploadRequest>,
) -> Result<Response, ApiError> {
    current.require(Permission::CreateContent)?;
    let mut checks = FieldChecks::new();
    let name = checks.check("file_name", bounded_text(&body.file_name, 255));
    let media_type = MediaType::from_mime(&body.content_type);
    if media_type.is_none() {
        checks.push("content_type", "must be one of image/jpeg, image/png, image/gif, image/webp, video/mp4, video/quicktime");
    }
    if !(1..=MAX_UPLOAD_BYTES).contains(&body.size_bytes) {
        checks.push("size_bytes", "must be from 1 byte to 100 MB");
    }
    checks.finish()?;
    let (name, media_type) = (name.expect("checked"), media_type.expect("checked"));

    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    // The organization row lock serialises reservations, so parallel uploads cannot overshoot.
    let organization = organizations::get(&tx, current.organization_id, true)
        .await?
        .ok_or_else(|| ApiError::not_found("organization"))?;
    let quota = organization.subscription_plan.limits().storage_bytes;
    if media::storage_in_use(&tx, organization.id).await? + body.size_bytes > quota {
        return Err(quota_exceeded(quota));
    }
    let id = Uuid::now_v7();
    // Uploads land under `uploads/`; confirmation moves the file to its final key, which no
    // upload URL reaches, so a URL still valid after confirmation cannot replace a checked
    // file (nor grow it past the quota). Unconfirmed objects expire there (bucket lifecycle).
    let key = upload_key(organization.id, id, media_type);
    media::create_pending(
        &tx,
        &NewAsset {
            id,
            organization_id: organization.id,
            uploaded_by: current.user_id,
            s3_key: &key,
            original_name: &name,
            mime_type: media_type.mime(),
            bytes: body.size_bytes,
        },
    )
    .await?;
    let s3 = &state.aws.s3;
    let upload = if body.size_bytes > MULTIPART_THRESHOLD {
        let upload_id = cloud::start_multipart(s3, bucket(&state), &key, media_type.mime())
            .await
            .map_err(|e| ApiError::internal(&e))?;
        media::set_multipart_upload(&tx, organization.id, id, &upload_id).await?;
        let count = (body.size_bytes + PART_SIZE - 1) / PART_SIZE;
        let mut parts = Vec::with_capacity(count as usize);
        for part_number in 1..=count as i32 {
            let url = cloud::presigned_part(
                s3,
                bucket(&state),
                &key,
                &upload_id,
                part_number,
                UPLOAD_URL_TTL,
            )
            .await
            .map_err(|e| ApiError::internal(&e))?;
            parts.push(PresignedPart { part_number, url });
        }
        UploadInstructions::Multipart {
            part_size: PART_SIZE,
            parts,
        }
    } else {
        let url = cloud::presigned_put(
            s3,
            bucket(&state),
            &key,
            media_type.mime(),
            body.size_bytes,
            UPLOAD_URL_TTL,
        )
        .await
        .map_err(|e| ApiError::internal(&e))?;
        UploadInstructions::Single {
            url,
            content_type: media_type.mime().to_owned(),
        }
    };
    tx.commit().await?;
    let ticket = UploadTicket {
        id,
        upload,
        expires_at: Utc::now() + Duration::seconds(UPLOAD_URL_TTL.as_secs() as i64),
        confirm_path: format!("/api/media/{id}/confirm"),
    };
    Ok((StatusCode::CREATED, JsonResponse(ticket)).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct UploadedPart {
    #[schemars(range(min = 1, max = 10_000))]
    part_number: i32,
    #[schemars(length(min = 1, max = 256))]
    etag: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ConfirmRequest {
    /// For multipart uploads: every part with the ETag S3 answered.
    #[serde(default)]
    parts: Vec<UploadedPart>,
}

/// A stored file's view: the asset, a short-lived URL, and its variants' URLs.
#[derive(Serialize, schemars::JsonSchema)]
struct AssetView {
    #[serde(flatten)]
    asset: MediaAsset,
    kind: String,
    /// Presigned GET, valid 15 minutes (how the app shows media and platforms fetch it).
    url: Option<String>,
    variants: Vec<VariantView>,
}

#[derive(Serialize, schemars::JsonSchema)]
struct VariantView {
    platform: Platform,
    mime_type: String,
    width: u32,
    height: u32,
    bytes: u64,
    url: String,
}

async fn view(state: &AppState, asset: MediaAsset) -> Result<AssetView, ApiError> {
    let sign = |key: String| async move {
        cloud::presigned_get(&state.aws.s3, bucket(state), &key, VIEW_URL_TTL)
            .await
            .map_err(|e| ApiError::internal(&e))
    };
    let url = if asset.status == "ready" {
        Some(sign(asset.s3_key.clone()).await?)
    } else {
        None
    };
    let mut variants = Vec::with_capacity(asset.variants.len());
    for variant in &asset.variants {
        variants.push(VariantView {
            platform: variant.platform,
            mime_type: variant.mime_type.clone(),
            width: variant.width,
            height: variant.height,
            bytes: variant.bytes,
            url: sign(variant.s3_key.clone()).await?,
        });
    }
    let kind = MediaType::from_mime(&asset.mime_type)
        .map_or("image", MediaType::kind)
        .to_owned();
    Ok(AssetView {
        asset,
        kind,
        url,
        variants,
    })
}

/// Rejects an upload for good: the object and the reservation go.
fn upload_key(organization: Uuid, id: Uuid, media_type: MediaType) -> String {
    format!("uploads/{organization}/{id}.{}", media_type.extension())
}

fn final_key(organization: Uuid, id: Uuid, media_type: MediaType) -> String {
    format!(
        "media/{organization}/{id}/original.{}",
        media_type.extension()
    )
}

/// Refuses a checked upload: its row goes in the confirming transaction, its objects after.
async fn reject(
    state: &AppState,
    tx: tokio_postgres::Transaction<'_>,
    asset: &MediaAsset,
    keys: &[&str],
    issue: String,
) -> Result<ApiError, ApiError> {
    media::delete(&tx, asset.organization_id, asset.id).await?;
    tx.commit().await?;
    for key in keys {
        if let Err(error) = cloud::delete_object(&state.aws.s3, bucket(state), key).await {
            tracing::error!(%error, "rejected upload's object not deleted");
        }
    }
    Ok(ApiError {
        details: vec![FieldIssue::new("file", issue)],
        ..ApiError::new(
            ErrorCode::UploadRejected,
            "the uploaded file was rejected and deleted",
        )
    })
}

async fn confirm_upload(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
    Json(body): Json<ConfirmRequest>,
) -> Result<Response, ApiError> {
    current.require(Permission::CreateContent)?;
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    // The row lock serialises confirmations of one upload.
    let asset = media::get(&tx, current.organization_id, id, true)
        .await?
        .ok_or_else(|| ApiError::not_found("upload"))?;
    if asset.status == "ready" {
        tx.commit().await?;
        return Ok(JsonResponse(view(&state, asset).await?).into_response());
    }
    let declared = MediaType::from_mime(&asset.mime_type).expect("stored types are known");
    let s3 = &state.aws.s3;
    let uploaded = asset.s3_key.clone();
    if let Some(upload_id) = &asset.multipart_upload_id {
        if body.parts.is_empty() {
            return Err(ApiError::validation(vec![FieldIssue::new(
                "parts",
                "list every uploaded part with its ETag",
            )]));
        }
        let parts: Vec<(i32, String)> = body
            .parts
            .iter()
            .map(|p| (p.part_number, p.etag.clone()))
            .collect();
        if let Err(error) =
            cloud::complete_multipart(s3, bucket(&state), &uploaded, upload_id, &parts).await
        {
            tracing::warn!(%error, "multipart completion refused");
            return Err(ApiError::new(
                ErrorCode::Conflict,
                "the parts could not be assembled: upload every part, then confirm with their ETags",
            ));
        }
    }
    if cloud::object_size(s3, bucket(&state), &uploaded)
        .await
        .map_err(|e| ApiError::internal(&e))?
        .is_none()
    {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "nothing has been uploaded yet: PUT the file to the upload URL first",
        ));
    }
    // Move the file out of the upload URL's reach first, then check what was moved: whatever
    // is PUT to the upload URL afterwards is never read.
    let key = final_key(asset.organization_id, asset.id, declared);
    cloud::copy_object(s3, bucket(&state), &uploaded, &key)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    if let Err(error) = cloud::delete_object(s3, bucket(&state), &uploaded).await {
        tracing::warn!(%error, "confirmed upload's staging object left for the lifecycle rule");
    }
    let size = cloud::object_size(s3, bucket(&state), &key)
        .await
        .map_err(|e| ApiError::internal(&e))?
        .unwrap_or(0);
    if size != asset.bytes {
        let issue = format!("is {size} bytes, but {} were declared", asset.bytes);
        return Err(reject(&state, tx, &asset, &[&key], issue).await?);
    }
    let limit = declared.is_video().then_some(VIDEO_PROBE_BYTES);
    let bytes = cloud::read_object(s3, bucket(&state), &key, limit)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let actual = ::media::sniff(&bytes);
    if actual != Some(declared) {
        let found = actual.map_or("an unsupported type", MediaType::mime);
        let issue = format!("was declared {} but is {found}", declared.mime());
        return Err(reject(&state, tx, &asset, &[&key], issue).await?);
    }
    let probed = match ::media::probe(declared, &bytes) {
        Ok(probed) => probed,
        Err(error) => {
            return Err(reject(&state, tx, &asset, &[&key], error.to_string()).await?);
        }
    };
    let ready = media::mark_ready(
        &tx,
        asset.organization_id,
        asset.id,
        &key,
        &Probed {
            bytes: size,
            width: probed.width.map(|w| w as i32),
            height: probed.height.map(|h| h as i32),
            duration_ms: probed.duration_ms.map(|d| d as i64),
        },
    )
    .await?;
    audit::record(&tx, &current.actor(), AuditEntry {
        action: AuditAction::Create,
        resource_type: "media_asset",
        resource_id: Some(ready.id),
        old_values: None,
        new_values: Some(serde_json::json!({ "name": ready.original_name, "mime_type": ready.mime_type, "bytes": ready.bytes })),
    })
    .await?;
    tx.commit().await?;
    Ok(JsonResponse(view(&state, ready).await?).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct LibraryQuery {
    /// `image` or `video`.
    #[serde(rename = "type")]
    #[schemars(extend("enum" = ["image", "video"]))]
    kind: Option<String>,
    #[schemars(length(max = 50))]
    tag: Option<String>,
    /// Words in the file name or alt text.
    #[schemars(length(max = 200))]
    search: Option<String>,
    /// `next_cursor` of the previous page.
    #[schemars(length(max = 200))]
    cursor: Option<String>,
    /// 1 to 100, default 24.
    #[schemars(range(min = 1, max = 100))]
    limit: Option<i64>,
}

#[derive(Serialize, schemars::JsonSchema)]
struct AssetPage {
    items: Vec<AssetView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<String>,
}

fn encode_cursor(asset: &MediaAsset) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "{}:{}",
        asset.created_at.timestamp_micros(),
        asset.id
    ))
}

fn decode_cursor(cursor: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    let (micros, id) = text.split_once(':')?;
    Some((
        DateTime::from_timestamp_micros(micros.parse().ok()?)?,
        id.parse().ok()?,
    ))
}

async fn list_assets(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(query): Query<LibraryQuery>,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewOrganization)?;
    let mut checks = FieldChecks::new();
    let kind = match query.kind.as_deref() {
        None => None,
        Some("image") => Some("image"),
        Some("video") => Some("video"),
        Some(_) => {
            checks.push("type", "must be image or video");
            None
        }
    };
    let after = match query.cursor.as_deref() {
        None => None,
        Some(cursor) => {
            let decoded = decode_cursor(cursor);
            if decoded.is_none() {
                checks.push("cursor", "is not a cursor this API returned");
            }
            decoded
        }
    };
    let limit = query.limit.unwrap_or(24);
    if !(1..=100).contains(&limit) {
        checks.push("limit", "must be from 1 to 100");
    }
    checks.finish()?;
    let filter = MediaFilter {
        kind,
        tag: query
            .tag
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty()),
        search: query
            .search
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        after,
        limit: limit + 1,
    };
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    let mut assets = media::list(pg, current.organization_id, &filter).await?;
    let next_cursor = if assets.len() as i64 > limit {
        assets.truncate(limit as usize);
        assets.last().map(encode_cursor)
    } else {
        None
    };
    let mut items = Vec::with_capacity(assets.len());
    for asset in assets {
        items.push(view(&state, asset).await?);
    }
    Ok(JsonResponse(AssetPage { items, next_cursor }).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct AssetUpdate {
    #[schemars(length(min = 1, max = 255))]
    original_name: Option<String>,
    /// What the image shows, for screen readers; `null` removes it.
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schemars(length(min = 1, max = 1000))]
    alt_text: Option<Option<String>>,
    #[schemars(length(max = 30), inner(length(min = 1, max = 50)))]
    tags: Option<Vec<String>>,
}

fn normalise_tags(tags: Vec<String>) -> Result<Vec<String>, domain::Invalid> {
    let mut clean: Vec<String> = Vec::new();
    for tag in tags {
        let tag = bounded_text(&tag, 50)?.to_lowercase();
        if !clean.contains(&tag) {
            clean.push(tag);
        }
    }
    if clean.len() > 30 {
        return Err(domain::Invalid("at most 30 tags".into()));
    }
    Ok(clean)
}

/// Loads and locks an asset of the caller's organization that the caller may change.
async fn editable_asset(
    db: &impl tokio_postgres::GenericClient,
    current: &CurrentUser,
    id: Uuid,
) -> Result<MediaAsset, ApiError> {
    asset_the_caller_may_change(db, current, id, true).await
}

/// The same check without a lock, for work done before the transaction (rendering).
async fn readable_editable_asset(
    db: &impl tokio_postgres::GenericClient,
    current: &CurrentUser,
    id: Uuid,
) -> Result<MediaAsset, ApiError> {
    asset_the_caller_may_change(db, current, id, false).await
}

async fn asset_the_caller_may_change(
    db: &impl tokio_postgres::GenericClient,
    current: &CurrentUser,
    id: Uuid,
    lock: bool,
) -> Result<MediaAsset, ApiError> {
    current.require(Permission::CreateContent)?;
    let asset = media::get(db, current.organization_id, id, lock)
        .await?
        .ok_or_else(|| ApiError::not_found("media"))?;
    if asset.uploaded_by != Some(current.user_id) && !current.role.can(Permission::ManageAllContent)
    {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "only its uploader or a manager may change this media",
        ));
    }
    Ok(asset)
}

async fn update_asset(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
    Json(body): Json<AssetUpdate>,
) -> Result<Response, ApiError> {
    let mut checks = FieldChecks::new();
    let changes = AssetChanges {
        original_name: checks.check_opt("original_name", body.original_name.as_deref(), |v| {
            bounded_text(v, 255)
        }),
        alt_text: match body.alt_text {
            None => None,
            Some(None) => Some(None),
            Some(Some(text)) => checks
                .check("alt_text", bounded_text(&text, 1000))
                .map(Some),
        },
        tags: checks.check_opt("tags", body.tags, normalise_tags),
    };
    checks.finish()?;
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let before = editable_asset(&tx, &current, id).await?;
    let after = media::update_metadata(&tx, current.organization_id, id, &changes).await?;
    audit::record(&tx, &current.actor(), AuditEntry {
        action: AuditAction::Update,
        resource_type: "media_asset",
        resource_id: Some(id),
        old_values: Some(serde_json::json!({ "name": before.original_name, "alt_text": before.alt_text, "tags": before.tags })),
        new_values: Some(serde_json::json!({ "name": after.original_name, "alt_text": after.alt_text, "tags": after.tags })),
    })
    .await?;
    tx.commit().await?;
    Ok(JsonResponse(view(&state, after).await?).into_response())
}

async fn delete_asset(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let asset = editable_asset(&tx, &current, id).await?;
    let posts = media::scheduled_posts_using(&tx, current.organization_id, id).await?;
    if !posts.is_empty() {
        let details = posts
            .iter()
            .enumerate()
            .map(|(i, post)| {
                FieldIssue::new(
                    format!("posts[{i}]"),
                    format!(
                        "post {} ({}) is {} for {}",
                        post.id,
                        post.title.as_deref().unwrap_or("untitled"),
                        post.status,
                        post.scheduled_at
                            .map_or_else(|| "now".to_owned(), |at| at.to_rfc3339())
                    ),
                )
            })
            .collect();
        return Err(ApiError {
            details,
            ..ApiError::new(
                ErrorCode::AssetInUse,
                "scheduled posts use this media: unschedule them or change their media first",
            )
        });
    }
    media::delete(&tx, current.organization_id, id).await?;
    audit::record(&tx, &current.actor(), AuditEntry {
        action: AuditAction::Delete,
        resource_type: "media_asset",
        resource_id: Some(id),
        old_values: Some(serde_json::json!({ "name": asset.original_name, "mime_type": asset.mime_type, "bytes": asset.bytes })),
        new_values: None,
    })
    .await?;
    tx.commit().await?;
    // After the commit: a failed S3 delete leaves an orphan object, never a row without a file.
    let s3 = &state.aws.s3;
    if let Some(upload_id) = &asset.multipart_upload_id {
        let _ = cloud::abort_multipart(s3, bucket(&state), &asset.s3_key, upload_id).await;
    }
    let mut keys: Vec<&String> = std::iter::once(&asset.s3_key)
        .chain(asset.variants.iter().map(|v| &v.s3_key))
        .collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        if let Err(error) = cloud::delete_object(s3, bucket(&state), key).await {
            tracing::error!(%error, "deleted asset's object left behind");
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn optimize_asset(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let asset = {
        let client = state.db.client().await?;
        let pg: &tokio_postgres::Client = &client;
        let asset = readable_editable_asset(pg, &current, id).await?;
        if asset.status != "ready" {
            return Err(ApiError::not_found("media"));
        }
        asset
    };
    let media_type = MediaType::from_mime(&asset.mime_type).expect("stored types are known");
    if media_type.is_video() {
        return Err(ApiError::validation(vec![FieldIssue::new(
            "id",
            "only images have per-platform variants; videos are published as uploaded",
        )]));
    }
    // Idempotent: an asset never changes after confirmation, so variants once made stay right.
    if Platform::ALL
        .iter()
        .all(|p| asset.variants.iter().any(|v| v.platform == *p))
    {
        return Ok(JsonResponse(view(&state, asset).await?).into_response());
    }
    let (Some(width), Some(height)) = (asset.width, asset.height) else {
        return Err(ApiError::validation(vec![FieldIssue::new(
            "id",
            "the image's dimensions are unknown",
        )]));
    };
    let (width, height) = (width as u32, height as u32);
    let original = cloud::read_object(&state.aws.s3, bucket(&state), &asset.s3_key, None)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    // Decoding and resizing are CPU-bound: off the async workers.
    let planned = tokio::task::spawn_blocking(move || {
        ::media::plan_variants(&original, media_type, width, height)
    })
    .await
    .map_err(|e| ApiError::internal(&e))?
    .map_err(|e| ApiError::validation(vec![FieldIssue::new("file", e.to_string())]))?;
    // One stored copy per distinct rendering: identical bytes share one object.
    let mut distinct: Vec<(String, &::media::Variant)> = Vec::new();
    for variant in planned.iter().filter_map(|p| match p {
        ::media::PlannedVariant::Rendered(v) => Some(v),
        ::media::PlannedVariant::Original(_) => None,
    }) {
        let digest = hex::encode(&sha2::Sha256::digest(&variant.bytes)[..12]);
        if !distinct.iter().any(|(d, _)| *d == digest) {
            distinct.push((digest, variant));
        }
    }
    let new_bytes: i64 = distinct.iter().map(|(_, v)| v.bytes.len() as i64).sum();

    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    // The one lock order: organization, then asset, then the audit row.
    let organization = organizations::get(&tx, current.organization_id, true)
        .await?
        .ok_or_else(|| ApiError::not_found("organization"))?;
    let asset = editable_asset(&tx, &current, id).await?;
    if Platform::ALL
        .iter()
        .all(|p| asset.variants.iter().any(|v| v.platform == *p))
    {
        // Another call finished first.
        tx.commit().await?;
        return Ok(JsonResponse(view(&state, asset).await?).into_response());
    }
    let quota = organization.subscription_plan.limits().storage_bytes;
    let current_variants = media::stored_variant_bytes(&asset.s3_key, &asset.variants);
    if media::storage_in_use(&tx, organization.id).await? - current_variants + new_bytes > quota {
        return Err(quota_exceeded(quota));
    }
    let key_of = |digest: &str, variant: &::media::Variant| {
        format!(
            "media/{}/{}/variants/{digest}.{}",
            organization.id,
            asset.id,
            variant.media_type.extension()
        )
    };
    for (digest, variant) in &distinct {
        cloud::put_object(
            &state.aws.s3,
            bucket(&state),
            &key_of(digest, variant),
            variant.media_type.mime(),
            variant.bytes.clone(),
        )
        .await
        .map_err(|e| ApiError::internal(&e))?;
    }
    let records: Vec<VariantRecord> = planned
        .iter()
        .map(|planned| match planned {
            ::media::PlannedVariant::Original(platform) => VariantRecord {
                platform: *platform,
                s3_key: asset.s3_key.clone(),
                mime_type: asset.mime_type.clone(),
                width,
                height,
                bytes: asset.bytes as u64,
            },
            ::media::PlannedVariant::Rendered(variant) => {
                let digest = hex::encode(&sha2::Sha256::digest(&variant.bytes)[..12]);
                VariantRecord {
                    platform: variant.platform,
                    s3_key: key_of(&digest, variant),
                    mime_type: variant.media_type.mime().to_owned(),
                    width: variant.width,
                    height: variant.height,
                    bytes: variant.bytes.len() as u64,
                }
            }
        })
        .collect();
    let updated =
        media::set_variants(&tx, organization.id, asset.id, &asset.s3_key, &records).await?;
    audit::record(&tx, &current.actor(), AuditEntry {
        action: AuditAction::Update,
        resource_type: "media_asset",
        resource_id: Some(asset.id),
        old_values: None,
        new_values: Some(serde_json::json!({ "variants": records.iter().map(|r| r.platform).collect::<Vec<_>>() })),
    })
    .await?;
    tx.commit().await?;
    Ok(JsonResponse(view(&state, updated).await?).into_response())
}

#[derive(Serialize, schemars::JsonSchema)]
struct StorageUsage {
    quota_bytes: i64,
    /// Ready media, originals and variants.
    used_bytes: i64,
    /// Declared sizes of uploads not yet confirmed (held for 24 hours).
    reserved_bytes: i64,
    percent_used: f64,
    by_type: Vec<KindUsage>,
}

async fn storage_usage(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewOrganization)?;
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    let organization = organizations::get(pg, current.organization_id, false)
        .await?
        .ok_or_else(|| ApiError::not_found("organization"))?;
    let quota = organization.subscription_plan.limits().storage_bytes;
    let by_type = media::usage_by_kind(pg, organization.id).await?;
    let used: i64 = by_type.iter().map(|k| k.bytes + k.variant_bytes).sum();
    let in_use = media::storage_in_use(pg, organization.id).await?;
    let percent_used = ((in_use as f64 / quota as f64) * 10_000.0).round() / 100.0;
    Ok(JsonResponse(StorageUsage {
        quota_bytes: quota,
        used_bytes: used,
        reserved_bytes: in_use - used,
        percent_used,
        by_type,
    })
    .into_response())
}
