//! The browser's side of a session: its refresh token lives in a cookie, not in the body.

use accounts::sessions::{REFRESH_TOKEN_TTL, SessionTokens};
use runtime::AppState;

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
