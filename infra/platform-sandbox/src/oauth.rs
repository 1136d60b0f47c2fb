//! OAuth for every platform: an authorize page that approves at once and redirects back with a
//! code, token endpoints (code with PKCE, refresh), and revocation.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::Platform;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::errors::platform_error;
use crate::state::{ACCESS_TTL_SECS, PendingCode, Sandbox};

pub fn platform_of(name: &str) -> Option<Platform> {
    match name {
        "x" => Some(Platform::X),
        "meta" | "facebook" => Some(Platform::Facebook),
        "instagram" => Some(Platform::Instagram),
        "linkedin" => Some(Platform::LinkedIn),
        "tiktok" => Some(Platform::TikTok),
        _ => None,
    }
}

/// `GET /{platform}/authorize`: the consent screen, approved at once.
pub async fn authorize(
    State(sandbox): State<Sandbox>,
    Path(platform): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(platform) = platform_of(&platform) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let client_id = query.get("client_id").or_else(|| query.get("client_key"));
    let (Some(client_id), Some(redirect_uri), Some(state)) =
        (client_id, query.get("redirect_uri"), query.get("state"))
    else {
        return (
            StatusCode::BAD_REQUEST,
            "client_id, redirect_uri and state are required",
        )
            .into_response();
    };
    // The same person consents every time unless a test asks for another (`login_hint`), so a
    // reconnection finds the account it had.
    let user = query
        .get("login_hint")
        .cloned()
        .unwrap_or_else(|| format!("{platform}-user-1"));
    let code = format!("code-{}", uuid::Uuid::new_v4().simple());
    sandbox.lock().codes.insert(
        code.clone(),
        PendingCode {
            platform,
            client_id: client_id.clone(),
            redirect_uri: redirect_uri.clone(),
            challenge: query.get("code_challenge").cloned(),
            user,
        },
    );
    let mut target = match url::Url::parse(redirect_uri) {
        Ok(url) => url,
        Err(_) => return (StatusCode::BAD_REQUEST, "redirect_uri is not a URL").into_response(),
    };
    target
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", state);
    Redirect::to(target.as_str()).into_response()
}

fn token_body(platform: Platform, access: &str, refresh: &str, user: &str) -> serde_json::Value {
    match platform {
        Platform::TikTok => json!({
            "access_token": access, "expires_in": ACCESS_TTL_SECS, "open_id": user, "refresh_token": refresh,
            "refresh_expires_in": 31_536_000, "scope": "user.info.basic,video.publish", "token_type": "Bearer",
        }),
        Platform::LinkedIn => json!({
            "access_token": access, "expires_in": ACCESS_TTL_SECS, "refresh_token": refresh,
            "refresh_token_expires_in": 31_536_000, "scope": "w_member_social",
        }),
        Platform::Facebook | Platform::Instagram => json!({
            "access_token": access, "token_type": "bearer", "expires_in": ACCESS_TTL_SECS,
        }),
        Platform::X => json!({
            "token_type": "bearer", "expires_in": ACCESS_TTL_SECS, "access_token": access,
            "refresh_token": refresh, "scope": "tweet.read tweet.write users.read offline.access",
        }),
    }
}

/// Exchanges a code (checking the PKCE verifier) or a refresh token.
fn exchange(sandbox: &Sandbox, platform: Platform, form: &HashMap<String, String>) -> Response {
    let grant = form
        .get("grant_type")
        .map(String::as_str)
        .unwrap_or("authorization_code");
    let user = match grant {
        "refresh_token" => {
            let Some(refresh) = form.get("refresh_token") else {
                return platform_error(
                    platform,
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "refresh_token is required",
                );
            };
            // Refresh tokens rotate: the old one stops working.
            match sandbox.lock().refresh.remove(refresh) {
                Some((p, user)) if p == platform => user,
                _ => {
                    return platform_error(
                        platform,
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "the refresh token is not valid",
                    );
                }
            }
        }
        "fb_exchange_token" => {
            let token = form.get("fb_exchange_token").map(String::as_str);
            // Only user tokens are exchanged; a Page token is not a login.
            if sandbox.page_of_token(token).flatten().is_some() {
                return platform_error(
                    platform,
                    StatusCode::BAD_REQUEST,
                    "190",
                    "a Page access token cannot be exchanged",
                );
            }
            match sandbox.user_of(platform, token) {
                Some(user) => user,
                None => {
                    return platform_error(
                        platform,
                        StatusCode::BAD_REQUEST,
                        "190",
                        "invalid token to exchange",
                    );
                }
            }
        }
        _ => {
            let Some(code) = form.get("code") else {
                return platform_error(
                    platform,
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "code is required",
                );
            };
            let Some(pending) = sandbox.lock().codes.remove(code) else {
                return platform_error(
                    platform,
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the code is not valid or was used",
                );
            };
            if pending.platform != platform
                || form
                    .get("redirect_uri")
                    .is_some_and(|r| *r != pending.redirect_uri)
            {
                return platform_error(
                    platform,
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "code issued for another client or redirect",
                );
            }
            if let Some(challenge) = &pending.challenge {
                let verifier = form
                    .get("code_verifier")
                    .map(String::as_str)
                    .unwrap_or_default();
                if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != *challenge {
                    return platform_error(
                        platform,
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "code_verifier does not match",
                    );
                }
            }
            // X authenticates the app with HTTP Basic; the others name it in the form.
            let presented = form.get("client_id").or_else(|| form.get("client_key"));
            if presented.is_some_and(|id| *id != pending.client_id) {
                return platform_error(
                    platform,
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "code issued to another app",
                );
            }
            pending.user
        }
    };
    let (access, refresh) = sandbox.issue_tokens(platform, &user);
    Json(token_body(platform, &access, &refresh, &user)).into_response()
}

/// `POST /{platform}/token` (X, LinkedIn, TikTok): form-encoded.
pub async fn token(
    State(sandbox): State<Sandbox>,
    Path(platform): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    match platform_of(&platform) {
        Some(platform) => {
            if let Some(response) = endpoint_fault(&sandbox, platform).await {
                return response;
            }
            exchange(&sandbox, platform, &form)
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A fault aimed at the token endpoint (`path_contains: "token"`).
async fn endpoint_fault(sandbox: &Sandbox, platform: Platform) -> Option<Response> {
    let kind = sandbox.take_endpoint_fault(platform, "/oauth/token")?;
    crate::errors::fault_response(platform, &kind).await
}

/// `POST /meta/v25.0/oauth/access_token`, form-encoded: the Graph API takes the documented
/// query parameters as a POST body too, which keeps the app secret out of URLs. The sandbox
/// accepts only the body, so a client that put secrets in the URL would fail here.
pub async fn meta_token(
    State(sandbox): State<Sandbox>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(response) = endpoint_fault(&sandbox, Platform::Facebook).await {
        return response;
    }
    exchange(&sandbox, Platform::Facebook, &form)
}

/// `POST /{platform}/revoke`.
pub async fn revoke(
    State(sandbox): State<Sandbox>,
    Path(platform): Path<String>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let token = form
        .get("token")
        .or_else(|| form.get("access_token"))
        .cloned()
        .or_else(|| crate::bearer(&headers).map(str::to_owned));
    let Some(token) = token else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let mut state = sandbox.lock();
    state.access.remove(&token);
    state.revoked.push(token);
    let _ = platform;
    Json(json!({ "revoked": true, "success": true })).into_response()
}
