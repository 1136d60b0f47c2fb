//! TikTok Content Posting API: user info, creator info, video and photo init, status, video query.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::Platform;
use serde_json::{Value, json};

use crate::errors::platform_error;
use crate::guard::admit;
use crate::state::{Pending, Sandbox, SandboxPost, page};

fn ok(data: Value) -> Response {
    Json(json!({ "data": data, "error": { "code": "ok", "message": "", "log_id": "sandbox" } }))
        .into_response()
}

fn invalid(message: &str) -> Response {
    platform_error(
        Platform::TikTok,
        StatusCode::BAD_REQUEST,
        "invalid_params",
        message,
    )
}

pub async fn user_info(State(sandbox): State<Sandbox>, headers: HeaderMap) -> Response {
    match admit(&sandbox, Platform::TikTok, &headers, None, "/v2/user/info/").await {
        Ok(a) => ok(json!({ "user": {
            "open_id": a.user, "display_name": format!("Sandbox {}", a.user), "username": a.user.replace('-', "_"),
            "follower_count": sandbox.followers_of(Platform::TikTok, &a.user), "following_count": 12, "likes_count": 90_000, "video_count": 31,
        }})),
        Err(response) => response,
    }
}

pub async fn creator_info(State(sandbox): State<Sandbox>, headers: HeaderMap) -> Response {
    match admit(&sandbox, Platform::TikTok, &headers, None, "/creator_info/").await {
        Ok(a) => ok(json!({
            "creator_username": a.user, "privacy_level_options": ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"],
            "comment_disabled": false, "duet_disabled": false, "stitch_disabled": false, "max_video_post_duration_sec": 600,
        })),
        Err(response) => response,
    }
}

/// `POST …/video/init/` and `POST …/content/init/` (photos).
pub async fn init(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let a = match admit(&sandbox, Platform::TikTok, &headers, None, "/post/publish/").await {
        Ok(a) => a,
        Err(response) => return response,
    };
    let title = body
        .pointer("/post_info/title")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let privacy = body
        .pointer("/post_info/privacy_level")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"].contains(&privacy) {
        return invalid("post_info.privacy_level must be one of the creator's options");
    }
    let photo = body.get("media_type").and_then(Value::as_str) == Some("PHOTO");
    let (kind, media) = if photo {
        let images: Vec<String> = body
            .pointer("/source_info/photo_images")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if images.is_empty() || images.len() > 35 || title.chars().count() > 90 {
            return invalid(
                "photo posts need 1 to 35 photo_images and a title of at most 90 characters",
            );
        }
        ("photo", images)
    } else {
        let Some(url) = body
            .pointer("/source_info/video_url")
            .and_then(Value::as_str)
        else {
            return invalid("source_info.video_url is required for PULL_FROM_URL");
        };
        if title.chars().count() > 2200 {
            return invalid("post_info.title is longer than 2200 characters");
        }
        ("video", vec![url.to_owned()])
    };
    let publish_id = sandbox.id("v_pub_url~");
    sandbox.lock().pending.insert(
        publish_id.clone(),
        Pending {
            user: a.user.clone(),
            kind: kind.into(),
            text: title,
            media,
            children: Vec::new(),
            polls: 0,
            published_id: None,
        },
    );
    a.answer(ok(json!({ "publish_id": publish_id }))).await
}

pub async fn status(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let a = match admit(&sandbox, Platform::TikTok, &headers, None, "/status/fetch/").await {
        Ok(a) => a,
        Err(response) => return response,
    };
    let Some(publish_id) = body.get("publish_id").and_then(Value::as_str) else {
        return invalid("publish_id is required");
    };
    let mut record = None;
    let status = {
        let mut state = sandbox.lock();
        let Some(pending) = state
            .pending
            .get_mut(publish_id)
            .filter(|p| p.user == a.user)
        else {
            return invalid("unknown publish_id");
        };
        pending.polls += 1;
        if pending.polls < 2 {
            "PROCESSING_DOWNLOAD".to_owned()
        } else {
            if pending.published_id.is_none() {
                let id = format!("{}", 7_300_000_000_000_000_000u64 + state.next);
                let pending = state.pending.get_mut(publish_id).expect("present");
                pending.published_id = Some(id.clone());
                record = Some(SandboxPost {
                    platform: Platform::TikTok,
                    user: a.user.clone(),
                    id,
                    kind: pending.kind.clone(),
                    text: pending.text.clone(),
                    media: pending.media.clone(),
                    reply_to: None,
                    created_unix: sandbox.now(),
                });
                state.next += 1;
            }
            "PUBLISH_COMPLETE".to_owned()
        }
    };
    if let Some(post) = record {
        sandbox.record_post(post);
    }
    let published = sandbox
        .lock()
        .pending
        .get(publish_id)
        .and_then(|p| p.published_id.clone());
    ok(
        json!({ "status": status, "publicaly_available_post_id": published.into_iter().collect::<Vec<_>>() }),
    )
}

pub async fn video_query(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Err(response) = admit(&sandbox, Platform::TikTok, &headers, None, "/video/query/").await
    {
        return response;
    }
    let ids: Vec<String> = body
        .pointer("/filters/video_ids")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let videos: Vec<Value> = ids
        .iter()
        .filter_map(|id| {
            let (_, e) = sandbox.engagement_of(id)?;
            Some(json!({ "id": id, "like_count": e.likes, "comment_count": e.comments, "share_count": e.shares, "view_count": e.video_views.max(e.impressions) }))
        })
        .collect();
    ok(json!({ "videos": videos }))
}

/// `POST /v2/video/list/`: the creator's videos, newest first, up to 20 per page.
pub async fn video_list(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let a = match admit(&sandbox, Platform::TikTok, &headers, None, "/video/list/").await {
        Ok(a) => a,
        Err(response) => return response,
    };
    let size = body
        .get("max_count")
        .and_then(Value::as_u64)
        .unwrap_or(10)
        .clamp(1, 20) as usize;
    let cursor = body
        .get("cursor")
        .and_then(Value::as_u64)
        .map(|c| c.to_string());
    let posts = sandbox.posts_of(Platform::TikTok, &a.user);
    let (window, next) = page(&posts, cursor.as_deref(), size);
    let videos: Vec<Value> = window
        .iter()
        .map(|p| json!({ "id": p.id, "title": p.text, "video_description": p.text, "create_time": p.created_unix }))
        .collect();
    let next: Option<u64> = next.and_then(|n| n.parse().ok());
    ok(json!({ "videos": videos, "cursor": next.unwrap_or(0), "has_more": next.is_some() }))
}
