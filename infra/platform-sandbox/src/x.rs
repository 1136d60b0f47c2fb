//! X API v2: users/me, tweets (with media and replies), one-shot media upload, metrics.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use domain::Platform;
use serde::Deserialize;
use serde_json::json;

use crate::errors::platform_error;
use crate::guard::admit;
use crate::state::{Sandbox, SandboxPost, now_unix};

pub async fn me(State(sandbox): State<Sandbox>, headers: HeaderMap) -> Response {
    match admit(&sandbox, Platform::X, &headers, None, "/2/users/me").await {
        Ok(admitted) => Json(json!({ "data": {
            "id": admitted.user, "name": format!("Sandbox {}", admitted.user), "username": admitted.user.replace('-', "_"),
            "public_metrics": { "followers_count": 1200, "following_count": 80, "tweet_count": 42 },
        }}))
        .into_response(),
        Err(response) => response,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TweetRequest {
    #[serde(default)]
    text: String,
    media: Option<MediaIds>,
    reply: Option<Reply>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaIds {
    media_ids: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    in_reply_to_tweet_id: String,
}

pub async fn create_tweet(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let admitted = match admit(&sandbox, Platform::X, &headers, None, "/2/tweets").await {
        Ok(admitted) => admitted,
        Err(response) => return response,
    };
    // Unknown body fields are rejected, as X does.
    let request: TweetRequest = match serde_json::from_str(&body) {
        Ok(request) => request,
        Err(e) => {
            return platform_error(
                Platform::X,
                StatusCode::BAD_REQUEST,
                "invalid-request",
                &e.to_string(),
            );
        }
    };
    let media = request.media.map(|m| m.media_ids).unwrap_or_default();
    if request.text.is_empty() && media.is_empty() {
        return platform_error(
            Platform::X,
            StatusCode::BAD_REQUEST,
            "invalid-request",
            "text or media is required",
        );
    }
    if media.len() > 4
        || media
            .iter()
            .any(|id| !sandbox.lock().uploads.contains_key(id))
    {
        return platform_error(
            Platform::X,
            StatusCode::BAD_REQUEST,
            "invalid-request",
            "unknown or too many media ids",
        );
    }
    if domain::x_weighted_length(&request.text) > 280 {
        return platform_error(
            Platform::X,
            StatusCode::FORBIDDEN,
            "invalid-request",
            "Your Tweet text is too long.",
        );
    }
    if let Some(reply) = &request.reply
        && !sandbox
            .lock()
            .posts
            .iter()
            .any(|p| p.id == reply.in_reply_to_tweet_id)
    {
        return platform_error(
            Platform::X,
            StatusCode::BAD_REQUEST,
            "invalid-request",
            "the tweet replied to does not exist",
        );
    }
    let id = sandbox.id("");
    sandbox.record_post(SandboxPost {
        platform: Platform::X,
        user: admitted.user.clone(),
        id: id.clone(),
        kind: if media.is_empty() {
            "text".into()
        } else {
            "media".into()
        },
        text: request.text.clone(),
        media,
        reply_to: request.reply.map(|r| r.in_reply_to_tweet_id),
        created_unix: now_unix(),
    });
    admitted
        .answer(
            (
                StatusCode::CREATED,
                Json(json!({ "data": { "id": id, "text": request.text } })),
            )
                .into_response(),
        )
        .await
}

#[derive(Deserialize)]
pub struct MediaUpload {
    media_data: String,
    media_category: Option<String>,
}

/// One-shot upload of a base64 image (`media_data`).
pub async fn upload_media(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Json(upload): Json<MediaUpload>,
) -> Response {
    let admitted = match admit(&sandbox, Platform::X, &headers, None, "/2/media/upload").await {
        Ok(admitted) => admitted,
        Err(response) => return response,
    };
    let Ok(bytes) = STANDARD.decode(upload.media_data.as_bytes()) else {
        return platform_error(
            Platform::X,
            StatusCode::BAD_REQUEST,
            "invalid-request",
            "media_data is not base64",
        );
    };
    if bytes.len() > 5 * 1024 * 1024 {
        return platform_error(
            Platform::X,
            StatusCode::BAD_REQUEST,
            "invalid-request",
            "images are limited to 5 MB",
        );
    }
    let id = sandbox.id("");
    sandbox.lock().uploads.insert(id.clone(), bytes.len());
    let category = upload
        .media_category
        .unwrap_or_else(|| "tweet_image".into());
    admitted.answer(Json(json!({ "data": { "id": id, "media_key": format!("3_{id}"), "size": bytes.len(), "media_category": category } })).into_response()).await
}

pub async fn tweets(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(response) = admit(&sandbox, Platform::X, &headers, None, "/2/tweets?").await {
        return response;
    }
    let ids = query.get("ids").map(String::as_str).unwrap_or_default();
    let data: Vec<_> = ids
        .split(',')
        .filter_map(|id| {
            let (likes, replies, reposts, impressions) = sandbox.metrics_for(id.trim())?;
            Some(json!({ "id": id.trim(), "public_metrics": {
                "like_count": likes, "reply_count": replies, "retweet_count": reposts, "quote_count": 0,
                "bookmark_count": replies, "impression_count": impressions,
            }}))
        })
        .collect();
    Json(json!({ "data": data })).into_response()
}
