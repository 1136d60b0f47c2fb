//! Errors shaped as each platform shapes them, and faults turned into responses.

use axum::Json;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::Platform;
use serde_json::json;

use crate::state::{FaultKind, now_unix};

pub fn platform_error(
    platform: Platform,
    status: StatusCode,
    code: &str,
    message: &str,
) -> Response {
    let body = match platform {
        Platform::X => json!({
            "type": format!("https://api.x.com/2/problems/{code}"), "title": code, "detail": message,
            "status": status.as_u16(),
        }),
        Platform::Facebook | Platform::Instagram => {
            let numeric: i64 = code.parse().unwrap_or(100);
            json!({ "error": { "message": message, "type": "OAuthException", "code": numeric, "fbtrace_id": "sandbox" } })
        }
        Platform::LinkedIn => {
            json!({ "message": message, "serviceErrorCode": 100, "status": status.as_u16() })
        }
        Platform::TikTok => {
            json!({ "error": { "code": code, "message": message, "log_id": "sandbox" } })
        }
    };
    (status, Json(body)).into_response()
}

pub fn expired_token(platform: Platform) -> Response {
    match platform {
        Platform::Facebook | Platform::Instagram => platform_error(
            platform,
            StatusCode::BAD_REQUEST,
            "190",
            "Error validating access token: Session has expired",
        ),
        Platform::TikTok => platform_error(
            platform,
            StatusCode::UNAUTHORIZED,
            "access_token_invalid",
            "The access token is invalid or not found",
        ),
        _ => platform_error(
            platform,
            StatusCode::UNAUTHORIZED,
            "not-authorized",
            "Unauthorized",
        ),
    }
}

/// The response a fault produces before the request does anything (lost responses are applied
/// by the handler first, then delayed).
pub async fn fault_response(platform: Platform, kind: &FaultKind) -> Option<Response> {
    match kind {
        FaultKind::RateLimited { reset_after_secs } => {
            let mut response = match platform {
                Platform::Facebook | Platform::Instagram => platform_error(
                    platform,
                    StatusCode::BAD_REQUEST,
                    "4",
                    "Application request limit reached",
                ),
                Platform::TikTok => platform_error(
                    platform,
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limit_exceeded",
                    "Too many requests",
                ),
                _ => platform_error(
                    platform,
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate-limit-exceeded",
                    "Too Many Requests",
                ),
            };
            let reset = now_unix() + reset_after_secs;
            let headers = response.headers_mut();
            headers.insert("x-rate-limit-limit", HeaderValue::from(100));
            headers.insert("x-rate-limit-remaining", HeaderValue::from(0));
            headers.insert("x-rate-limit-reset", HeaderValue::from(reset));
            Some(response)
        }
        FaultKind::ServerError => Some(match platform {
            Platform::Facebook | Platform::Instagram => platform_error(
                platform,
                StatusCode::INTERNAL_SERVER_ERROR,
                "2",
                "An unexpected error has occurred. Please retry",
            ),
            Platform::TikTok => platform_error(
                platform,
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "internal error",
            ),
            _ => platform_error(
                platform,
                StatusCode::INTERNAL_SERVER_ERROR,
                "server-error",
                "Internal error",
            ),
        }),
        FaultKind::Unavailable => Some(platform_error(
            platform,
            StatusCode::SERVICE_UNAVAILABLE,
            match platform {
                Platform::Facebook | Platform::Instagram => "2",
                Platform::TikTok => "internal_error",
                _ => "service-unavailable",
            },
            "Service Unavailable",
        )),
        FaultKind::Slow { millis } => {
            tokio::time::sleep(std::time::Duration::from_millis(*millis)).await;
            None
        }
        FaultKind::ExpiredToken => Some(expired_token(platform)),
        FaultKind::Rejected { reason } => Some(match platform {
            Platform::Facebook | Platform::Instagram => {
                platform_error(platform, StatusCode::BAD_REQUEST, "368", reason)
            }
            Platform::TikTok => platform_error(platform, StatusCode::OK, "spam_risk_text", reason),
            Platform::LinkedIn => {
                platform_error(platform, StatusCode::UNPROCESSABLE_ENTITY, "422", reason)
            }
            Platform::X => {
                platform_error(platform, StatusCode::FORBIDDEN, "invalid-request", reason)
            }
        }),
        FaultKind::LostResponse { .. } | FaultKind::WindowUsedUp { .. } => None,
    }
    .map(IntoResponse::into_response)
}
