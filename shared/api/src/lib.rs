//! The handlers: one module per endpoint group, each with its `routes()` (declared with
//! `http_kit::routes`) and a `router(state)` that a Lambda function serves. The composition root
//! ([`openapi`]) lists the groups for the dev server and the OpenAPI document.

pub mod accounts;
pub mod admin;
pub mod ai_agents;
pub mod analytics;
pub mod health;
pub mod integrations;
pub mod media;
pub mod notifications;
pub mod openapi;
pub mod posts;
mod service_errors;
pub mod social_accounts;
pub mod webhooks;

use axum::Router;
use runtime::AppState;

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
