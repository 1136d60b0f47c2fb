//! LinkedIn: userinfo, posts (versioned REST headers, URN in `x-restli-id`), image uploads,
//! social actions as metrics.

use axum::Json;
use axum::body::Bytes;
use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::Platform;
use serde_json::{Value, json};

use crate::errors::platform_error;
use crate::guard::admit;
use crate::state::{Sandbox, SandboxPost, now_unix, page};

pub async fn userinfo(State(sandbox): State<Sandbox>, headers: HeaderMap) -> Response {
    match admit(&sandbox, Platform::LinkedIn, &headers, None, "/v2/userinfo").await {
        Ok(a) => Json(
            json!({ "sub": a.user, "name": format!("Sandbox {}", a.user), "email_verified": true }),
        )
        .into_response(),
        Err(response) => response,
    }
}

fn versioned(headers: &HeaderMap) -> bool {
    headers.contains_key("linkedin-version")
        && headers
            .get("x-restli-protocol-version")
            .is_some_and(|v| v == "2.0.0")
}

pub async fn create_post(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let a = match admit(&sandbox, Platform::LinkedIn, &headers, None, "/rest/posts").await {
        Ok(a) => a,
        Err(response) => return response,
    };
    if !versioned(&headers) {
        return platform_error(
            Platform::LinkedIn,
            StatusCode::BAD_REQUEST,
            "400",
            "LinkedIn-Version and X-Restli-Protocol-Version headers are required",
        );
    }
    let missing: Vec<&str> = [
        "author",
        "commentary",
        "visibility",
        "distribution",
        "lifecycleState",
    ]
    .into_iter()
    .filter(|f| body.get(*f).is_none())
    .collect();
    if !missing.is_empty() {
        return platform_error(
            Platform::LinkedIn,
            StatusCode::UNPROCESSABLE_ENTITY,
            "422",
            &format!("missing fields: {}", missing.join(", ")),
        );
    }
    if body["author"] != json!(format!("urn:li:person:{}", a.user)) {
        return platform_error(
            Platform::LinkedIn,
            StatusCode::FORBIDDEN,
            "403",
            "not allowed to post as this author",
        );
    }
    let commentary = body["commentary"].as_str().unwrap_or_default().to_owned();
    if commentary.chars().count() > 3000 {
        return platform_error(
            Platform::LinkedIn,
            StatusCode::UNPROCESSABLE_ENTITY,
            "422",
            "commentary is longer than 3000 characters",
        );
    }
    let media: Vec<String> = body
        .pointer("/content/media/id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .into_iter()
        .collect();
    if media
        .iter()
        .any(|m| !sandbox.lock().uploads.contains_key(m))
    {
        return platform_error(
            Platform::LinkedIn,
            StatusCode::UNPROCESSABLE_ENTITY,
            "422",
            "unknown or not uploaded image",
        );
    }
    let urn = format!("urn:li:share:{}", sandbox.id(""));
    sandbox.record_post(SandboxPost {
        platform: Platform::LinkedIn,
        user: a.user.clone(),
        id: urn.clone(),
        kind: if media.is_empty() {
            "text".into()
        } else {
            "image".into()
        },
        text: commentary,
        media,
        reply_to: None,
        created_unix: sandbox.now(),
    });
    let mut response = StatusCode::CREATED.into_response();
    if let Ok(value) = HeaderValue::from_str(&urn) {
        response.headers_mut().insert("x-restli-id", value);
    }
    a.answer(response).await
}

pub async fn initialize_image(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let a = match admit(&sandbox, Platform::LinkedIn, &headers, None, "/rest/images").await {
        Ok(a) => a,
        Err(response) => return response,
    };
    if body.pointer("/initializeUploadRequest/owner")
        != Some(&json!(format!("urn:li:person:{}", a.user)))
    {
        return platform_error(
            Platform::LinkedIn,
            StatusCode::UNPROCESSABLE_ENTITY,
            "422",
            "initializeUploadRequest.owner must be the member",
        );
    }
    let number = sandbox.id("");
    let image = format!("urn:li:image:{number}");
    let base = sandbox
        .base_url
        .lock()
        .map(|b| b.clone())
        .unwrap_or_default();
    Json(json!({ "value": {
        "uploadUrlExpiresAt": (now_unix() + 3600) * 1000,
        "uploadUrl": format!("{base}/linkedin/upload/{number}"),
        "image": image,
    }}))
    .into_response()
}

pub async fn upload(
    State(sandbox): State<Sandbox>,
    Path(number): Path<String>,
    body: Bytes,
) -> Response {
    if body.is_empty() {
        return StatusCode::BAD_REQUEST.into_response();
    }
    sandbox
        .lock()
        .uploads
        .insert(format!("urn:li:image:{number}"), body.len());
    StatusCode::CREATED.into_response()
}

pub async fn social_actions(
    State(sandbox): State<Sandbox>,
    Path(urn): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = admit(
        &sandbox,
        Platform::LinkedIn,
        &headers,
        None,
        "/rest/socialActions",
    )
    .await
    {
        return response;
    }
    match sandbox.engagement_of(&urn) {
        Some((_, e)) => Json(json!({
            "likesSummary": { "totalLikes": e.likes }, "commentsSummary": { "aggregatedTotalComments": e.comments },
        }))
        .into_response(),
        None => platform_error(Platform::LinkedIn, StatusCode::NOT_FOUND, "404", "no such post"),
    }
}

/// `GET /rest/posts?q=author&author={urn}&start&count`: the member's posts, newest first.
pub async fn list_posts(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let a = match admit(
        &sandbox,
        Platform::LinkedIn,
        &headers,
        None,
        "/rest/posts?q",
    )
    .await
    {
        Ok(a) => a,
        Err(response) => return response,
    };
    if !versioned(&headers) || query.get("q").map(String::as_str) != Some("author") {
        return platform_error(
            Platform::LinkedIn,
            StatusCode::BAD_REQUEST,
            "400",
            "q=author and the version headers are required",
        );
    }
    let count = query
        .get("count")
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(10)
        .clamp(1, 100);
    let posts = sandbox.posts_of(Platform::LinkedIn, &a.user);
    let (window, _) = page(&posts, query.get("start").map(String::as_str), count);
    let start: usize = query.get("start").and_then(|s| s.parse().ok()).unwrap_or(0);
    let elements: Vec<_> = window
        .iter()
        .map(|p| {
            json!({
                "id": p.id, "author": format!("urn:li:person:{}", a.user), "commentary": p.text,
                "publishedAt": p.created_unix * 1000, "lifecycleState": "PUBLISHED",
            })
        })
        .collect();
    Json(json!({ "elements": elements, "paging": { "start": start, "count": count, "total": posts.len() } })).into_response()
}

/// `GET /rest/memberFollowersCount?q=me`: how many members follow the caller.
pub async fn member_followers(State(sandbox): State<Sandbox>, headers: HeaderMap) -> Response {
    match admit(&sandbox, Platform::LinkedIn, &headers, None, "/rest/memberFollowersCount").await {
        Ok(a) => Json(json!({ "elements": [{ "memberFollowersCount": sandbox.followers_of(Platform::LinkedIn, &a.user) }] })).into_response(),
        Err(response) => response,
    }
}
