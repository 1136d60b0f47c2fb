use auth::{ACCESS_TOKEN_TTL, OpaqueToken};
use chrono::{DateTime, Duration, Utc};
use runtime::AppState;
use serde::Serialize;
use store::accounts::sessions::{self, NewSession};
use store::accounts::users::User;
use store::tokio_postgres::GenericClient;
use uuid::Uuid;

use crate::error::{ApiError, ErrorCode};
use crate::identity::ClientInfo;

/// A refresh token lasts 30 days; each use replaces it.
pub(crate) const REFRESH_TOKEN_TTL: Duration = Duration::days(30);

/// What sign-in, sign-up and refresh answer with.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SessionTokens {
    pub access_token: String,
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// For API clients. A browser (`X-Client: web`) gets it in an HttpOnly cookie instead, and
    /// not here, so no script can read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub refresh_token_expires_at: DateTime<Utc>,
    pub session_id: Uuid,
}

/// Issues an access token and a new refresh token in `family` (a new family when `None`).
pub(crate) async fn issue(
    db: &impl GenericClient,
    state: &AppState,
    user: &User,
    client: &ClientInfo,
    family: Option<Uuid>,
) -> Result<SessionTokens, ApiError> {
    let organization_id = user.organization_id.ok_or_else(|| {
        ApiError::new(
            ErrorCode::Unauthenticated,
            "this account is not a member of any organization",
        )
    })?;
    let family_id = family.unwrap_or_else(Uuid::now_v7);
    let refresh = OpaqueToken::generate();
    let now = Utc::now();
    let refresh_expires = now + REFRESH_TOKEN_TTL;
    let device = client
        .user_agent
        .as_deref()
        .map(|ua| serde_json::json!({ "user_agent": ua }));
    sessions::insert(
        db,
        &NewSession {
            user_id: user.id,
            family_id,
            token_hash: &refresh.hash(),
            ip: client.ip,
            user_agent: client.user_agent.as_deref(),
            device_info: device,
            expires_at: refresh_expires,
        },
    )
    .await?;
    let (access_token, _) =
        state
            .access_tokens
            .issue(user.id, organization_id, user.role, family_id, now);
    Ok(SessionTokens {
        access_token,
        token_type: "Bearer",
        expires_in: ACCESS_TOKEN_TTL.num_seconds(),
        refresh_token: Some(refresh.expose().to_owned()),
        refresh_token_expires_at: refresh_expires,
        session_id: family_id,
    })
}

/// Browsers say `X-Client: web`. Their refresh token then lives in an HttpOnly, SameSite=Strict
/// cookie scoped to `/api/auth`, and a cookie is only honoured with that header: a custom
/// header cannot be sent cross-site without a CORS preflight, which only the app's origins
/// pass, so another site cannot make the browser refresh (or sign out) on its behalf.
pub const CLIENT_HEADER: &str = "x-client";
const REFRESH_COOKIE: &str = "social_refresh";

/// Whether the caller is the web app.
pub(crate) fn is_browser(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(CLIENT_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("web"))
}

/// The refresh token a browser's cookie holds (only for browsers).
pub(crate) fn refresh_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    if !is_browser(headers) {
        return None;
    }
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == REFRESH_COOKIE)
        .map(|(_, value)| value.to_owned())
}

fn cookie(state: &AppState, value: &str, max_age: i64) -> String {
    // Secure everywhere but a plain-http local API (browsers would drop it there).
    let secure = if state.config.api_base_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{REFRESH_COOKIE}={value}; Path=/api/auth; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    )
}

/// Moves a browser's refresh token from the body into its cookie.
pub(crate) fn for_browser(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    tokens: &mut SessionTokens,
) -> Option<String> {
    if !is_browser(headers) {
        return None;
    }
    let token = tokens.refresh_token.take()?;
    Some(cookie(state, &token, REFRESH_TOKEN_TTL.num_seconds()))
}

/// Clears a browser's refresh cookie (sign-out).
pub(crate) fn cleared(state: &AppState) -> String {
    cookie(state, "", 0)
}

/// A response with the cookie, when there is one to set.
pub(crate) fn with_cookie(
    mut response: axum::response::Response,
    cookie: Option<String>,
) -> axum::response::Response {
    if let Some(cookie) = cookie
        && let Ok(value) = axum::http::HeaderValue::from_str(&cookie)
    {
        response
            .headers_mut()
            .append(axum::http::header::SET_COOKIE, value);
    }
    response
}
