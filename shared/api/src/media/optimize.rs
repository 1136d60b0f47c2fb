//! `POST /api/media/{id}/optimize`: per-platform variants of an image.

use axum::Json as JsonResponse;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use domain::Permission;
use http_kit::error::ApiError;
use http_kit::extract::Path;
use http_kit::identity::CurrentUser;
use media::library;
use runtime::AppState;
use uuid::Uuid;

use crate::service_errors;

pub(super) async fn optimize_asset(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    current.require(Permission::CreateContent)?;
    let asset = library::optimize(&state, &current.caller(), id)
        .await
        .map_err(service_errors::media)?;
    Ok(JsonResponse(asset).into_response())
}
