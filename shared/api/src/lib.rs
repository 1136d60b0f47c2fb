//! The HTTP surface. Each resource group has a `router(state)`; a Lambda function serves one of
//! them, the dev server merges them all, and both wrap them with [`serve`] so request ids, body
//! limits and the error format for unknown routes are identical everywhere.

pub mod accounts;
pub mod error;
pub mod extract;
pub mod health;
mod idempotency;
pub mod identity;
pub mod media;
pub mod openapi;
pub mod posts;
pub mod rate_limit;
mod request_id;
pub mod routes;
pub mod social_accounts;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use runtime::AppState;

pub use error::{ApiError, ErrorCode, FieldChecks, FieldIssue};
pub use request_id::RequestId;

/// Largest JSON body any endpoint accepts; media never passes through the API.
pub const MAX_JSON_BODY_BYTES: usize = 1024 * 1024;

/// Every resource router, merged: what the dev server and black-box tests serve.
pub fn all_routes(state: AppState) -> Router {
    openapi::all_groups()
        .into_iter()
        .fold(Router::new(), |router, group| {
            router.merge(group.into_router(state.clone()))
        })
}

/// The health check and the OpenAPI document: what the `api-health` function serves.
pub fn meta_router(state: AppState) -> Router {
    health::routes()
        .into_router(state.clone())
        .merge(openapi::routes().into_router(state))
}

/// Adds what every router needs around its routes: error-format fallbacks for unknown paths and
/// methods, the JSON body limit, and a request id span on every log line.
pub fn serve(routes: Router) -> Router {
    serve_with_fallback(routes, error::route_not_found)
}

/// As [`serve`], with another answer for paths no route matches (the dev server serves the web
/// app there).
pub fn serve_with_fallback<H, T>(routes: Router, fallback: H) -> Router
where
    H: axum::handler::Handler<T, ()>,
    T: 'static,
{
    routes
        .fallback(fallback)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY_BYTES))
        .layer(axum::middleware::from_fn(request_id::trace_request))
}

/// What a Lambda function's `main` does: telemetry, state built once per cold start, then serve
/// one resource router for every invocation.
pub async fn run_on_lambda(routes: fn(AppState) -> Router) -> Result<(), lambda_http::Error> {
    runtime::init_tracing();
    let state = AppState::from_env().await?;
    lambda_http::run(serve(routes(state))).await
}
