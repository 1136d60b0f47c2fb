//! The webhook receivers, served on Lambda Function URLs (not API Gateway: senders sign raw
//! bodies and retry on their own schedules): `webhook-stripe` and `webhook-platforms`. Each
//! verifies the sender's signature on the raw body before reading it, stores the event once,
//! and answers quickly. They are not part of the public API document.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use http_kit::{ApiError, ErrorCode};
use runtime::AppState;
use runtime::metrics::{self, Unit};
use webhooks::ledger::Receipt;

/// The path Stripe delivers to (the Function URL's own path).
pub const STRIPE_PATH: &str = "/webhooks/stripe";

pub fn stripe_router(state: AppState) -> Router {
    Router::new()
        .route(STRIPE_PATH, post(receive_stripe))
        .with_state(state)
}

/// What a stored (or recognised) delivery is answered: 2xx, so the sender stops retrying.
fn received<T>(receipt: &Receipt<T>) -> Response {
    let (processed, duplicate) = match receipt {
        Receipt::Processed(_) => (true, false),
        Receipt::Duplicate => (true, true),
        // Stored; the maintenance run tries it again.
        Receipt::Failed { .. } => (false, false),
    };
    axum::Json(serde_json::json!({
        "received": true, "processed": processed, "duplicate": duplicate }))
    .into_response()
}

/// A platform delivery that was not stored: unknown to this deployment, our database's
/// trouble, or the sender's (refused, counted).
fn platform_refused(source: &str, refused: social::inbound::Refused) -> Response {
    match refused {
        social::inbound::Refused::NotConfigured(_) => {
            ApiError::not_found("webhook endpoint").into_response()
        }
        social::inbound::Refused::Store(error) => ApiError::from(error).into_response(),
        error => rejected(source, &error.to_string()),
    }
}

fn rejected(source: &str, reason: &str) -> Response {
    metrics::record("WebhookRejected", 1.0, Unit::Count, &[("Source", source)]);
    tracing::warn!(source, reason, "webhook delivery refused");
    ApiError::new(ErrorCode::MalformedRequest, reason.to_owned()).into_response()
}

async fn receive_stripe(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    match billing::webhook::receive(&state, signature, &body).await {
        Ok(receipt) => received(&receipt),
        Err(billing::webhook::Refused::Billing(billing::BillingError::NotConfigured)) => {
            ApiError::not_found("webhook endpoint").into_response()
        }
        Err(billing::webhook::Refused::Billing(error)) => {
            // Not stored: Stripe retries later.
            crate::service_errors::billing(error).into_response()
        }
        Err(error) => rejected("stripe", &error.to_string()),
    }
}

/// The platforms' webhooks, one path each (`/webhooks/twitter` is X's, under its old name).
pub fn platforms_router(state: AppState) -> Router {
    Router::new()
        .route(
            "/webhooks/{platform}",
            axum::routing::get(platform_challenge).post(receive_platform),
        )
        .route("/webhooks/facebook/deauthorize", post(meta_deauthorize))
        .route("/webhooks/facebook/data-deletion", post(meta_data_deletion))
        .route(
            "/webhooks/facebook/data-deletion/{code}",
            axum::routing::get(meta_deletion_status),
        )
        .with_state(state)
}

fn platform_of(segment: &str) -> Option<domain::Platform> {
    match segment {
        "twitter" => Some(domain::Platform::X),
        other => other.parse().ok(),
    }
}

#[derive(serde::Deserialize)]
struct Challenge {
    crc_token: Option<String>,
    #[serde(rename = "challengeCode")]
    challenge_code: Option<String>,
    #[serde(rename = "hub.mode")]
    hub_mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    hub_verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    hub_challenge: Option<String>,
}

/// The platforms' subscription checks: X's CRC, LinkedIn's challenge code, Meta's
/// `hub.challenge` (echoed only when the verify token is ours).
async fn platform_challenge(
    State(state): State<AppState>,
    axum::extract::Path(segment): axum::extract::Path<String>,
    axum::extract::Query(challenge): axum::extract::Query<Challenge>,
) -> Response {
    let Some(platform) = platform_of(&segment) else {
        return ApiError::new(ErrorCode::RouteNotFound, "no such route").into_response();
    };
    let Ok(credentials) = social::inbound::credentials(&state, platform) else {
        return ApiError::not_found("webhook endpoint").into_response();
    };
    match (platform, challenge) {
        (domain::Platform::X, Challenge { crc_token: Some(token), .. }) => axum::Json(
            serde_json::json!({ "response_token": webhooks::x_crc_response(&token, credentials.webhook_signing_secret()) }),
        )
        .into_response(),
        (domain::Platform::LinkedIn, Challenge { challenge_code: Some(code), .. }) => {
            let response = webhooks::linkedin_challenge_response(&code, credentials.webhook_signing_secret());
            axum::Json(serde_json::json!({ "challengeCode": code, "challengeResponse": response }))
                .into_response()
        }
        (
            domain::Platform::Facebook | domain::Platform::Instagram,
            Challenge {
                hub_mode: Some(mode),
                hub_verify_token: Some(token),
                hub_challenge: Some(echo),
                ..
            },
        ) => match credentials.webhook_verify_token.as_deref().and_then(|ours| {
            webhooks::meta_challenge(&mode, &token, &echo, ours)
        }) {
            Some(echo) => echo.to_owned().into_response(),
            // Meta expects a 403 for a verify token that is not ours.
            None => {
                let mut refused = rejected(platform.as_str(), "the verify token is not ours");
                *refused.status_mut() = StatusCode::FORBIDDEN;
                refused
            }
        },
        _ => rejected(platform.as_str(), "no challenge this platform sends"),
    }
}

async fn receive_platform(
    State(state): State<AppState>,
    axum::extract::Path(segment): axum::extract::Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(platform) = platform_of(&segment) else {
        return ApiError::new(ErrorCode::RouteNotFound, "no such route").into_response();
    };
    let signature = headers
        .get(webhooks::signature_header(platform))
        .and_then(|v| v.to_str().ok());
    match social::inbound::receive(&state, platform, signature, &body).await {
        Ok(receipt) => received(&receipt),
        Err(refused) => platform_refused(platform.as_str(), refused),
    }
}

#[derive(serde::Deserialize)]
struct SignedRequest {
    signed_request: String,
}

async fn meta_deauthorize(
    State(state): State<AppState>,
    axum::extract::Form(form): axum::extract::Form<SignedRequest>,
) -> Response {
    match social::inbound::meta_deauthorized(&state, &form.signed_request).await {
        Ok(marked) => axum::Json(serde_json::json!({ "accounts_marked": marked })).into_response(),
        Err(refused) => platform_refused("facebook", refused),
    }
}

/// Meta's data deletion callback answers with where the user can check the deletion and its
/// confirmation code.
async fn meta_data_deletion(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Form(form): axum::extract::Form<SignedRequest>,
) -> Response {
    match social::inbound::meta_data_deletion(&state, &form.signed_request).await {
        Ok(code) => axum::Json(serde_json::json!({
            // The status page is served here, on this function's URL (not the HTTP API).
            "url": format!("{}/webhooks/facebook/data-deletion/{code}", origin_of(&headers)),
            "confirmation_code": code,
        }))
        .into_response(),
        Err(refused) => platform_refused("facebook", refused),
    }
}

/// This function's own origin, as the caller reached it (the Function URL's host behind
/// Lambda's https front, or the dev server's).
fn origin_of(headers: &HeaderMap) -> String {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let scheme = header("x-forwarded-proto").unwrap_or("http");
    let host = header("x-forwarded-host")
        .or_else(|| header("host"))
        .unwrap_or("localhost");
    format!("{scheme}://{host}")
}

async fn meta_deletion_status(
    State(state): State<AppState>,
    axum::extract::Path(code): axum::extract::Path<String>,
) -> Response {
    let status = async {
        let client = state.db.client().await?;
        store::social_accounts::deletion_status(&**client, &code).await
    }
    .await;
    match status {
        Ok(Some((requested_at, completed_at, removed))) => axum::Json(serde_json::json!({
            "confirmation_code": code,
            "status": if completed_at.is_some() { "completed" } else { "in_progress" },
            "requested_at": requested_at,
            "completed_at": completed_at,
            "accounts_removed": removed,
        }))
        .into_response(),
        Ok(None) => ApiError::not_found("deletion request").into_response(),
        Err(error) => ApiError::from(error).into_response(),
    }
}
