//! The composition root: every resource group, and the OpenAPI 3.1 document built from them
//! (served at `/api/openapi.json`). No resource module imports this one.

use std::sync::OnceLock;

use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

use crate::routes::{Routes, document, op};

/// Every resource group, for the document: the same lists the routers are built from.
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
    ]
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
        get(serve_document),
    )
}

async fn serve_document() -> Response {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    axum::Json(DOCUMENT.get_or_init(|| document(&all_groups()))).into_response()
}
