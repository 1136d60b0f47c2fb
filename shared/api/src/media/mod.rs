//! `/api/media/*`: the media library's endpoints. The rules (quota, confirmation checks, who may
//! change what, variants) live in the `media` service crate; these handlers validate input,
//! check the caller's role, and answer.

mod library;
mod optimize;
mod upload;

use axum::Router;
use axum::http::Method;
use http_kit::routes::{Routes, op};
use media::library::{AssetView, StorageUsage, UploadTicket};
use runtime::AppState;

use library::{AssetPage, AssetUpdate, LibraryQuery};
use upload::{ConfirmRequest, UploadRequest};

pub fn routes() -> Routes {
    Routes::new("media")
        .route(
            op(Method::POST, "/api/media/upload", "Authorise an upload: a presigned PUT, or presigned parts above 16 MB")
                .body::<UploadRequest>()
                .returns::<UploadTicket>(201)
                .errors(&[402, 403]),
            upload::authorise_upload,
        )
        .route(
            op(Method::POST, "/api/media/{id}/confirm", "Check the uploaded object (real type, size, dimensions) and publish it to the library")
                .body::<ConfirmRequest>()
                .returns::<AssetView>(200)
                .errors(&[403, 404, 409]),
            upload::confirm_upload,
        )
        .route(
            op(Method::GET, "/api/media", "The library: filter by type, tag or text; newest first, cursor-paginated")
                .query::<LibraryQuery>()
                .returns::<AssetPage>(200),
            library::list_assets,
        )
        .route(
            op(Method::PUT, "/api/media/{id}", "Update alt text, tags or name")
                .body::<AssetUpdate>()
                .returns::<AssetView>(200)
                .errors(&[403, 404]),
            library::update_asset,
        )
        .route(
            op(Method::DELETE, "/api/media/{id}", "Delete an asset and its files; refused while a scheduled post uses it")
                .returns_nothing(204)
                .errors(&[403, 404, 409]),
            library::delete_asset,
        )
        .route(
            op(Method::POST, "/api/media/{id}/optimize", "Render per-platform variants of an image")
                .returns::<AssetView>(200)
                .errors(&[402, 403, 404]),
            optimize::optimize_asset,
        )
        .route(
            op(Method::GET, "/api/media/storage-usage", "Bytes and counts by type against the plan's quota")
                .returns::<StorageUsage>(200),
            library::storage_usage,
        )
}

pub fn router(state: AppState) -> Router {
    routes().into_router(state)
}
