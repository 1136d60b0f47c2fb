//! What every HTTP function shares, and nothing about any resource: the one error format and
//! its status mapping, extractors that report every bad field, identity (who is calling, with
//! which role), request ids, rate limits, `Idempotency-Key`, and the route + documentation
//! builder. A resource group (in `api`) declares its routes with [`routes::Routes`]; a function
//! serves one group with [`run_on_lambda`], the dev server all of them with [`serve`].

pub mod error;
pub mod extract;
mod idempotency;
pub mod identity;
pub mod maintenance;
pub mod rate_limit;
mod request_id;
pub mod routes;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use runtime::AppState;

pub use error::{ApiError, ErrorCode, FieldChecks, FieldIssue};
pub use request_id::RequestId;

/// Largest JSON body any endpoint accepts; media never passes through the API.
pub const MAX_JSON_BODY_BYTES: usize = 1024 * 1024;

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

/// The routes of one function, refusing writes while maintenance mode is on.
pub fn with_maintenance(routes: Router, state: AppState) -> Router {
    routes.layer(axum::middleware::from_fn_with_state(
        state,
        maintenance::honour_maintenance,
    ))
}

/// What a Lambda function's `main` does: telemetry, state built once per cold start, then serve
/// one resource router for every invocation (behind maintenance mode).
pub async fn run_on_lambda(routes: fn(AppState) -> Router) -> Result<(), lambda_http::Error> {
    runtime::init_tracing();
    let state = AppState::from_env().await?;
    lambda_http::run(serve(with_maintenance(routes(state.clone()), state))).await
}
