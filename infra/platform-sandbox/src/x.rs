//! X API v2: users/me, tweets (with media and replies), one-shot media upload, metrics.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::Platform;
use serde::Deserialize;
use serde_json::json;

use crate::errors::platform_error;
use crate::guard::admit;
use crate::state::{Chunked, Sandbox, SandboxPost, page};

pub async fn me(State(sandbox): State<Sandbox>, headers: HeaderMap) -> Response {
    match admit(&sandbox, Platform::X, &headers, None, "/2/users/me").await {
        Ok(admitted) => Json(json!({ "data": {
            "id": admitted.user, "name": format!("Sandbox {}", admitted.user), "username": admitted.user.replace('-', "_"),
            "public_metrics": {
                "followers_count": sandbox.followers_of(Platform::X, &admitted.user),
                "following_count": 80, "tweet_count": 42,
            },
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
        created_unix: sandbox.now(),
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

/// Reads the `media` part (and any text fields) of a multipart body.
async fn media_part(
    mut multipart: Multipart,
) -> Result<(Vec<u8>, HashMap<String, String>), Response> {
    let mut media = None;
    let mut fields = HashMap::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "media" {
            media = field.bytes().await.ok().map(|b| b.to_vec());
        } else if let Ok(text) = field.text().await {
            fields.insert(name, text);
        }
    }
    match media {
        Some(media) if !media.is_empty() => Ok((media, fields)),
        _ => Err(platform_error(
            Platform::X,
            StatusCode::BAD_REQUEST,
            "invalid-request",
            "the multipart field `media` is required",
        )),
    }
}

/// One-shot upload of an image (multipart `media`).
pub async fn upload_media(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let admitted = match admit(&sandbox, Platform::X, &headers, None, "/2/media/upload").await {
        Ok(admitted) => admitted,
        Err(response) => return response,
    };
    let (bytes, fields) = match media_part(multipart).await {
        Ok(parts) => parts,
        Err(response) => return response,
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
    let category = fields
        .get("media_category")
        .cloned()
        .unwrap_or_else(|| "tweet_image".into());
    admitted
        .answer(Json(json!({ "data": { "id": id, "media_key": format!("3_{id}"), "size": bytes.len(), "media_category": category } })).into_response())
        .await
}

#[derive(Deserialize)]
pub struct Initialize {
    media_type: String,
    total_bytes: usize,
    media_category: Option<String>,
}

/// Chunked upload, step 1.
pub async fn initialize(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Json(init): Json<Initialize>,
) -> Response {
    if let Err(response) = admit(
        &sandbox,
        Platform::X,
        &headers,
        None,
        "/2/media/upload/initialize",
    )
    .await
    {
        return response;
    }
    if init.total_bytes > 512 * 1024 * 1024
        || !init.media_type.starts_with("video/") && !init.media_type.starts_with("image/")
    {
        return platform_error(
            Platform::X,
            StatusCode::BAD_REQUEST,
            "invalid-request",
            "unsupported media_type or over 512 MB",
        );
    }
    let id = sandbox.id("");
    sandbox.lock().chunked.insert(
        id.clone(),
        Chunked {
            total: init.total_bytes,
            received: 0,
            segments: 0,
            finalized: false,
            polls: 0,
        },
    );
    let _ = init.media_category;
    Json(json!({ "data": { "id": id, "media_key": format!("7_{id}"), "expires_after_secs": 86_400 } })).into_response()
}

/// Chunked upload, step 2 (multipart `media` and `segment_index`).
pub async fn append(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    if let Err(response) = admit(&sandbox, Platform::X, &headers, None, "/append").await {
        return response;
    }
    let (bytes, fields) = match media_part(multipart).await {
        Ok(parts) => parts,
        Err(response) => return response,
    };
    let segment: usize = fields
        .get("segment_index")
        .and_then(|s| s.parse().ok())
        .unwrap_or(usize::MAX);
    let mut state = sandbox.lock();
    let Some(upload) = state.chunked.get_mut(&id) else {
        return platform_error(
            Platform::X,
            StatusCode::BAD_REQUEST,
            "invalid-request",
            "unknown media id",
        );
    };
    if segment != upload.segments || segment > 999 {
        return platform_error(
            Platform::X,
            StatusCode::BAD_REQUEST,
            "invalid-request",
            "segments must arrive in order, 0 to 999",
        );
    }
    upload.segments += 1;
    upload.received += bytes.len();
    StatusCode::NO_CONTENT.into_response()
}

/// Chunked upload, step 3: the file must be complete; videos then process.
pub async fn finalize(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = admit(&sandbox, Platform::X, &headers, None, "/finalize").await {
        return response;
    }
    let mut state = sandbox.lock();
    let Some(upload) = state.chunked.get_mut(&id) else {
        return platform_error(
            Platform::X,
            StatusCode::BAD_REQUEST,
            "invalid-request",
            "unknown media id",
        );
    };
    if upload.received != upload.total {
        return platform_error(
            Platform::X,
            StatusCode::BAD_REQUEST,
            "invalid-request",
            "the appended bytes do not add up to total_bytes",
        );
    }
    upload.finalized = true;
    let total = upload.total;
    state.uploads.insert(id.clone(), total);
    Json(json!({ "data": { "id": id, "size": total, "processing_info": { "state": "pending", "check_after_secs": 1 } } })).into_response()
}

/// Chunked upload, step 4: processing status.
pub async fn status(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(response) = admit(&sandbox, Platform::X, &headers, None, "/2/media/upload?").await {
        return response;
    }
    let id = query.get("media_id").cloned().unwrap_or_default();
    let mut state = sandbox.lock();
    let Some(upload) = state.chunked.get_mut(&id).filter(|u| u.finalized) else {
        return platform_error(
            Platform::X,
            StatusCode::BAD_REQUEST,
            "invalid-request",
            "unknown or unfinalized media id",
        );
    };
    upload.polls += 1;
    let info = if upload.polls < 2 {
        json!({ "state": "in_progress", "check_after_secs": 1, "progress_percent": 50 })
    } else {
        json!({ "state": "succeeded", "progress_percent": 100 })
    };
    Json(json!({ "data": { "id": id, "processing_info": info } })).into_response()
}

pub async fn tweets(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let admitted = match admit(&sandbox, Platform::X, &headers, None, "/2/tweets?").await {
        Ok(admitted) => admitted,
        Err(response) => return response,
    };
    let ids = query.get("ids").map(String::as_str).unwrap_or_default();
    let data: Vec<_> = ids
        .split(',')
        .filter_map(|id| {
            let (post, e) = sandbox.engagement_of(id.trim())?;
            Some(json!({ "id": post.id, "text": post.text, "public_metrics": public_metrics(&e) }))
        })
        .collect();
    admitted
        .answer(Json(json!({ "data": data })).into_response())
        .await
}

/// `GET /2/users/{id}`: a user's public figures.
pub async fn user(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = admit(&sandbox, Platform::X, &headers, None, "/2/users/").await {
        return response;
    }
    let posts = sandbox.posts_of(Platform::X, &id).len();
    Json(json!({ "data": {
        "id": id, "name": format!("Sandbox {id}"), "username": id.replace('-', "_"),
        "public_metrics": {
            "followers_count": sandbox.followers_of(Platform::X, &id),
            "following_count": 80, "tweet_count": posts,
        },
    }}))
    .into_response()
}

/// `GET /2/users/by/username/{username}`: a public account's id and figures. Names starting
/// with `missing` do not exist (X answers 200 with `errors` and no `data`).
pub async fn user_by_name(
    State(sandbox): State<Sandbox>,
    Path(username): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = admit(
        &sandbox,
        Platform::X,
        &headers,
        None,
        "/2/users/by/username",
    )
    .await
    {
        return response;
    }
    if username.starts_with("missing") {
        return Json(json!({ "errors": [{
            "value": username, "detail": format!("Could not find user with username: [{username}]."),
            "title": "Not Found Error", "resource_type": "user", "parameter": "username",
            "type": "https://api.twitter.com/2/problems/resource-not-found",
        }]}))
        .into_response();
    }
    let id = format!("cmp-{}", username.to_lowercase());
    Json(json!({ "data": {
        "id": id, "name": format!("Rival {username}"), "username": username,
        "public_metrics": {
            "followers_count": crate::model::followers(&id, sandbox.now()),
            "following_count": 300, "tweet_count": 1200,
        },
    }}))
    .into_response()
}

/// `GET /2/users/{id}/tweets`: a user's timeline, newest first, 5–100 per page.
pub async fn timeline(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(response) = admit(&sandbox, Platform::X, &headers, None, "/tweets?timeline").await {
        return response;
    }
    let size = query
        .get("max_results")
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(10)
        .clamp(5, 100);
    let since = query
        .get("start_time")
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map_or(0, |t| t.timestamp().max(0) as u64);
    // A public account's posts (a competitor's) are made up on the fly, with their metrics.
    let posts: Vec<(SandboxPost, Option<crate::model::Engagement>)> = if id.starts_with("cmp-") {
        sandbox
            .public_posts(Platform::X, &id)
            .into_iter()
            .map(|(p, e)| (p, Some(e)))
            .collect()
    } else {
        sandbox
            .posts_of(Platform::X, &id)
            .into_iter()
            .map(|p| (p, None))
            .collect()
    };
    let posts: Vec<_> = posts
        .into_iter()
        .filter(|(p, _)| p.created_unix >= since)
        .collect();
    let (window, next) = page(
        &posts,
        query.get("pagination_token").map(String::as_str),
        size,
    );
    let data: Vec<_> = window
        .iter()
        .map(|(p, earned)| {
            let mut tweet = json!({ "id": p.id, "text": p.text, "created_at": rfc3339(p.created_unix) });
            if !p.media.is_empty() {
                let kind = if p.kind == "video" { "video" } else { "photo" };
                tweet["attachments"] = json!({ "media_keys": p.media.iter().map(|m| format!("{kind}_{m}")).collect::<Vec<_>>() });
            }
            if let Some(e) = earned {
                tweet["public_metrics"] = public_metrics(e);
            }
            tweet
        })
        .collect();
    let mut meta = json!({ "result_count": data.len() });
    if let Some(next) = next {
        meta["next_token"] = json!(next);
    }
    Json(json!({ "data": data, "meta": meta })).into_response()
}

/// A tweet's `public_metrics` as X shows them.
fn public_metrics(e: &crate::model::Engagement) -> serde_json::Value {
    json!({
        "like_count": e.likes, "reply_count": e.comments, "retweet_count": e.shares,
        "quote_count": 0, "bookmark_count": e.saves, "impression_count": e.impressions,
    })
}

pub fn rfc3339(unix: u64) -> String {
    chrono::DateTime::from_timestamp(unix as i64, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
