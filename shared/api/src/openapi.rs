//! The composition root: every resource group, and the OpenAPI 3.1 document built from them.
//! No resource module imports this one.
//!
//! `/api/openapi.json` serves `openapi.json`, the document as generated and committed: the
//! `api-health` function then links no handler of any other group. A test regenerates the
//! document from [`all_groups`] and fails when the committed one differs
//! (`UPDATE_OPENAPI=1 cargo xtask test -- openapi` rewrites it).

use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use http_kit::routes::{Routes, op};

/// The committed document, served as is.
pub const COMMITTED_DOCUMENT: &str = include_str!("../openapi.json");

/// Where the committed document lives, for the test that keeps it current.
pub const COMMITTED_DOCUMENT_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");

/// Every resource group: what the dev server serves and the document describes.
pub fn all_groups() -> Vec<Routes> {
    vec![
        crate::health::routes(),
        routes(),
        crate::accounts::auth::routes(),
        crate::accounts::users::routes(),
        crate::accounts::organizations::routes(),
        crate::media::routes(),
        crate::social_accounts::routes(),
        crate::posts::routes(),
        crate::notifications::routes(),
        crate::analytics::routes(),
        crate::ai_agents::routes(),
        crate::integrations::routes(),
        crate::admin::routes(),
    ]
}

/// The document as the code declares it today.
pub fn document() -> Value {
    http_kit::routes::document(&all_groups())
}

/// The document in its committed form: pretty-printed, one trailing newline.
pub fn document_text() -> String {
    let mut text = serde_json::to_string_pretty(&document()).expect("a JSON value serialises");
    text.push('\n');
    text
}

/// `GET /api/openapi.json`.
pub fn routes() -> Routes {
    Routes::new("meta").route(
        op(
            Method::GET,
            "/api/openapi.json",
            "This document (OpenAPI 3.1)",
        )
        .public(),
        serve_document,
    )
}

async fn serve_document() -> Response {
    (
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        COMMITTED_DOCUMENT,
    )
        .into_response()
}
