//! `POST /api/media/upload` and `POST /api/media/{id}/confirm`.

use axum::Json as JsonResponse;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::{MAX_UPLOAD_BYTES, MediaType, Permission, bounded_text};
use http_kit::error::{ApiError, FieldChecks};
use http_kit::extract::{Json, Path};
use http_kit::identity::CurrentUser;
use media::library::{self, NewUpload};
use runtime::AppState;
use serde::Deserialize;
use uuid::Uuid;

use crate::service_errors;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct UploadRequest {
    #[schemars(length(min = 1, max = 255), example = &"launch.jpg")]
    file_name: String,
    /// The file's type; its first bytes are checked against it on confirmation.
    #[schemars(extend("enum" = ["image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4", "video/quicktime"]))]
    content_type: String,
    /// Up to 100 MB; above 16 MB the upload goes in parts.
    #[schemars(range(min = 1, max = 104_857_600), example = 348_211)]
    size_bytes: i64,
}

pub(super) async fn authorise_upload(
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
    let upload = NewUpload {
        file_name: name.expect("checked"),
        media_type: media_type.expect("checked"),
        size_bytes: body.size_bytes,
    };
    let ticket = library::authorise_upload(&state, &current.caller(), upload)
        .await
        .map_err(service_errors::media)?;
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
pub(super) struct ConfirmRequest {
    /// For multipart uploads: every part with the ETag S3 answered.
    #[serde(default)]
    parts: Vec<UploadedPart>,
}

pub(super) async fn confirm_upload(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
    Json(body): Json<ConfirmRequest>,
) -> Result<Response, ApiError> {
    current.require(Permission::CreateContent)?;
    let parts = body
        .parts
        .into_iter()
        .map(|p| (p.part_number, p.etag))
        .collect();
    let asset = library::confirm_upload(&state, &current.caller(), id, parts)
        .await
        .map_err(service_errors::media)?;
    Ok(JsonResponse(asset).into_response())
}
