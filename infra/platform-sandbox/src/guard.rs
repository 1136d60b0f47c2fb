use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use domain::Platform;

use crate::errors::{expired_token, fault_response};
use crate::state::{FaultKind, Sandbox, now_unix};

/// A request that passed authentication and faults; `lost_after` is set when the fault asks
/// for the work to happen but the answer to come too late.
pub struct Admitted {
    pub user: String,
    pub lost_after: Option<u64>,
    /// For a Facebook Page token: the Page it acts for.
    pub page: Option<String>,
    /// The call used up the rate-limit window, which resets then (unix seconds).
    pub window_reset: Option<u64>,
}

impl Admitted {
    /// Delays the answer of a lost response past the client's patience, and says when the
    /// call used up the rate-limit window.
    pub async fn answer(&self, mut response: Response) -> Response {
        if let Some(millis) = self.lost_after {
            tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
        }
        if let Some(reset) = self.window_reset {
            let headers = response.headers_mut();
            headers.insert("x-rate-limit-limit", HeaderValue::from(100));
            headers.insert("x-rate-limit-remaining", HeaderValue::from(0));
            headers.insert("x-rate-limit-reset", HeaderValue::from(reset));
        }
        response
    }
}

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
}

/// Authenticates the bearer token (or `access_token` query parameter, as Meta allows) and
/// applies any fault that matches this request.
pub async fn admit(
    sandbox: &Sandbox,
    platform: Platform,
    headers: &HeaderMap,
    query_token: Option<&str>,
    path: &str,
) -> Result<Admitted, Response> {
    let token = bearer(headers).or(query_token);
    // Meta pages and Instagram accounts share the Facebook login.
    let token_platform = if platform == Platform::Instagram {
        Platform::Facebook
    } else {
        platform
    };
    let user = sandbox
        .user_of(token_platform, token)
        .ok_or_else(|| expired_token(platform))?;
    let page = sandbox.page_of_token(token).flatten();
    match sandbox.take_fault(platform, Some(&user), path) {
        Some(FaultKind::LostResponse { millis }) => Ok(Admitted {
            user,
            lost_after: Some(millis),
            page,
            window_reset: None,
        }),
        Some(FaultKind::WindowUsedUp { reset_after_secs }) => Ok(Admitted {
            user,
            lost_after: None,
            page,
            window_reset: Some(now_unix() + reset_after_secs),
        }),
        Some(kind) => match fault_response(platform, &kind).await {
            Some(response) => Err(response),
            None => Ok(Admitted {
                user,
                lost_after: None,
                page,
                window_reset: None,
            }),
        },
        None => Ok(Admitted {
            user,
            lost_after: None,
            page,
            window_reset: None,
        }),
    }
}
