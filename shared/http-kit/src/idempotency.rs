//! `Idempotency-Key` on the calls that create or publish: a client that retries (a timeout, a
//! flaky network, a double click) gets the first answer again instead of a second post.
//!
//! The key is scoped to the caller (the access token's user) and kept 24 hours in DynamoDB with
//! a fingerprint of the request. The first request claims the key with a conditional write;
//! while it runs, the same key answers 409; once it finished, the stored answer is replayed
//! (with `Idempotency-Replayed: true`); the same key with another request is a 422. Answers of
//! 5xx are not kept, so a retry after a server fault really runs again.

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{Duration, Utc};
use kv::{Item, ItemKey};
use runtime::AppState;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ErrorCode, FieldIssue};

pub const HEADER: &str = "idempotency-key";
const REPLAYED: &str = "idempotency-replayed";
const KEPT_FOR: Duration = Duration::hours(24);
/// Answers larger than this are not replayed byte for byte (DynamoDB items stop at 400 KB).
const MAX_STORED_BODY: usize = 300 * 1024;
const MAX_BODY: usize = 8 * 1024 * 1024;

fn error(code: ErrorCode, message: &str) -> Response {
    ApiError::new(code, message).into_response()
}

/// The middleware of an idempotent route. The state comes from the request's extensions, where
/// the router put it.
pub async fn honour(request: Request, next: Next) -> Response {
    let Some(key) = request.headers().get(HEADER).cloned() else {
        return next.run(request).await;
    };
    let Some(state) = request.extensions().get::<AppState>().cloned() else {
        return next.run(request).await;
    };
    let key = match key.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()) => {
            k.to_owned()
        }
        _ => {
            return ApiError::validation(vec![FieldIssue::new(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters (a UUID is a good choice)",
            )])
            .into_response();
        }
    };
    // Scoped to the caller; an invalid token simply runs the handler, which answers 401.
    let Some(user) = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|token| state.access_tokens().verify(token.trim()).ok())
        .map(|claims| claims.sub)
    else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY).await else {
        return error(ErrorCode::PayloadTooLarge, "the request body is too large");
    };
    let fingerprint = fingerprint(&parts, &body);
    let item_key = ItemKey::idempotency(&user.to_string(), &key);
    let claim = Item::new()
        .with_string("state", "running")
        .with_string("fingerprint", &fingerprint);
    match state
        .kv
        .put_if_absent(&item_key, claim, Some(Utc::now() + KEPT_FOR))
        .await
    {
        Ok(true) => {}
        Ok(false) => return earlier_answer(&state, &item_key, &fingerprint).await,
        Err(e) => return ApiError::from(e).into_response(),
    }
    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    keep(&state, &item_key, &fingerprint, response).await
}

fn fingerprint(parts: &axum::http::request::Parts, body: &Bytes) -> String {
    let mut hash = Sha256::new();
    hash.update(parts.method.as_str());
    hash.update([0]);
    hash.update(parts.uri.path());
    hash.update([0]);
    hash.update(parts.uri.query().unwrap_or_default());
    hash.update([0]);
    hash.update(body);
    hex::encode(hash.finalize())
}

async fn earlier_answer(state: &AppState, key: &ItemKey, fingerprint: &str) -> Response {
    let item = match state.kv.get(key).await {
        Ok(Some(item)) => item,
        // Expired between the two calls: the client may simply retry.
        Ok(None) => {
            return error(
                ErrorCode::Conflict,
                "this Idempotency-Key just expired; send the request again",
            );
        }
        Err(e) => return ApiError::from(e).into_response(),
    };
    if item.string("fingerprint") != Some(fingerprint) {
        return ApiError::validation(vec![FieldIssue::new(
            "Idempotency-Key",
            "was already used for a different request; use a new key for a new request",
        )])
        .into_response();
    }
    if item.string("state") != Some("done") {
        let mut response = error(
            ErrorCode::Conflict,
            "a request with this Idempotency-Key is still being processed; retry shortly",
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    }
    let status = item
        .number("status")
        .and_then(|s| StatusCode::from_u16(u16::try_from(s).ok()?).ok())
        .unwrap_or(StatusCode::OK);
    let body = item
        .string("body")
        .and_then(|b| STANDARD.decode(b).ok())
        .unwrap_or_default();
    let mut response = (status, body).into_response();
    if let Some(content_type) = item.string("content_type")
        && let Ok(value) = HeaderValue::from_str(content_type)
    {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response.headers_mut().insert(
        HeaderName::from_static(REPLAYED),
        HeaderValue::from_static("true"),
    );
    response
}

async fn keep(state: &AppState, key: &ItemKey, fingerprint: &str, response: Response) -> Response {
    let status = response.status();
    if status.is_server_error() {
        // Not an answer worth repeating: let the retry run again.
        if let Err(e) = state.kv.delete(key).await {
            tracing::warn!(error = %e, "idempotency key not released");
        }
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return (parts.status, parts.headers).into_response();
    };
    let mut item = Item::new()
        .with_string("state", "done")
        .with_string("fingerprint", fingerprint)
        .with_number("status", i64::from(status.as_u16()));
    if bytes.len() <= MAX_STORED_BODY {
        item = item.with_string("body", STANDARD.encode(&bytes));
    }
    if let Some(content_type) = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        item = item.with_string("content_type", content_type);
    }
    if let Err(e) = state.kv.put(key, item, Some(Utc::now() + KEPT_FOR)).await {
        tracing::warn!(error = %e, "idempotent answer not stored; a retry would run again");
    }
    Response::from_parts(parts, Body::from(bytes))
}
