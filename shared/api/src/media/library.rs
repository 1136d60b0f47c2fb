//! The library: `GET /api/media`, `PUT` and `DELETE /api/media/{id}`, and
//! `GET /api/media/storage-usage`.

use axum::Json as JsonResponse;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use domain::{Permission, bounded_text};
use http_kit::error::{ApiError, FieldChecks};
use http_kit::extract::{Json, Path, Query};
use http_kit::identity::CurrentUser;
use media::library::{self, AssetView};
use runtime::AppState;
use serde::{Deserialize, Serialize};
use store::media::{AssetChanges, MediaFilter};
use uuid::Uuid;

use crate::service_errors;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct LibraryQuery {
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
pub(super) struct AssetPage {
    items: Vec<AssetView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<String>,
}

fn encode_cursor((created_at, id): (DateTime<Utc>, Uuid)) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{id}", created_at.timestamp_micros()))
}

fn decode_cursor(cursor: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    let (micros, id) = text.split_once(':')?;
    Some((
        DateTime::from_timestamp_micros(micros.parse().ok()?)?,
        id.parse().ok()?,
    ))
}

pub(super) async fn list_assets(
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
    let limit = checks.page_limit(query.limit, 24);
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
        limit,
    };
    let page = library::list(&state, &current.caller(), filter)
        .await
        .map_err(service_errors::media)?;
    Ok(JsonResponse(AssetPage {
        items: page.items,
        next_cursor: page.more_after.map(encode_cursor),
    })
    .into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct AssetUpdate {
    #[schemars(length(min = 1, max = 255))]
    original_name: Option<String>,
    /// What the image shows, for screen readers; `null` removes it.
    #[serde(default, deserialize_with = "http_kit::extract::present")]
    #[schemars(length(min = 1, max = 1000))]
    alt_text: Option<Option<String>>,
    #[schemars(length(max = 30), inner(length(min = 1, max = 50)))]
    tags: Option<Vec<String>>,
}

pub(super) async fn update_asset(
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
        tags: checks.check_opt("tags", body.tags, library::normalise_tags),
    };
    checks.finish()?;
    current.require(Permission::CreateContent)?;
    let asset = library::update(&state, &current.caller(), id, &changes)
        .await
        .map_err(service_errors::media)?;
    Ok(JsonResponse(asset).into_response())
}

pub(super) async fn delete_asset(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    current.require(Permission::CreateContent)?;
    library::delete(&state, &current.caller(), id)
        .await
        .map_err(service_errors::media)?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn storage_usage(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewOrganization)?;
    let usage = library::storage_usage(&state, &current.caller())
        .await
        .map_err(service_errors::media)?;
    Ok(JsonResponse(usage).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_garbage_is_refused() {
        let at = DateTime::from_timestamp_micros(1_795_694_400_123_456).unwrap();
        let id = Uuid::now_v7();
        assert_eq!(decode_cursor(&encode_cursor((at, id))), Some((at, id)));
        assert_eq!(decode_cursor("not-a-cursor"), None);
    }
}
