//! Meta Graph API (v25.0): the user, their Pages (each with an Instagram business account),
//! Page posts and photos, Instagram containers → status → publish, insights.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::Platform;
use serde_json::json;

use crate::errors::platform_error;
use crate::guard::{Admitted, admit};
use crate::model;
use crate::state::{Pending, Sandbox, SandboxPost, account_of, page};

type Params = Query<HashMap<String, String>>;

async fn admitted(
    sandbox: &Sandbox,
    platform: Platform,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
    path: &str,
) -> Result<Admitted, Response> {
    admit(
        sandbox,
        platform,
        headers,
        params.get("access_token").map(String::as_str),
        path,
    )
    .await
}

fn page_of(user: &str) -> String {
    format!("page-{user}")
}

fn instagram_of(user: &str) -> String {
    format!("ig-{user}")
}

fn bad_request(platform: Platform, code: &str, message: &str) -> Response {
    platform_error(platform, StatusCode::BAD_REQUEST, code, message)
}

pub async fn me(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    match admitted(&sandbox, Platform::Facebook, &headers, &params, "/me").await {
        Ok(a) => {
            Json(json!({ "id": a.user, "name": format!("Sandbox {}", a.user) })).into_response()
        }
        Err(response) => response,
    }
}

pub async fn accounts(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    let a = match admitted(
        &sandbox,
        Platform::Facebook,
        &headers,
        &params,
        "/me/accounts",
    )
    .await
    {
        Ok(a) => a,
        Err(response) => return response,
    };
    if a.page.is_some() {
        return bad_request(
            Platform::Facebook,
            "190",
            "(#190) A Page access token cannot list the user's Pages",
        );
    }
    let page = |id: String, name: String| {
        let page_token = sandbox.issue_page_token(&a.user, &id);
        json!({
            "id": id, "name": name, "access_token": page_token, "category": "Brand", "followers_count": sandbox.followers_of(Platform::Facebook, &a.user),
            "instagram_business_account": { "id": instagram_of(&a.user), "username": format!("{}_ig", a.user.replace('-', "_")) },
        })
    };
    let mut pages = vec![page(
        page_of(&a.user),
        format!("Sandbox Page of {}", a.user),
    )];
    // An agency manages several Pages: the app must let the user choose.
    if a.user.starts_with("agency") {
        let mut second = page(
            format!("{}-b", page_of(&a.user)),
            format!("Second Page of {}", a.user),
        );
        if let Some(object) = second.as_object_mut() {
            object.remove("instagram_business_account");
        }
        pages.push(second);
    }
    Json(json!({ "data": pages })).into_response()
}

pub async fn revoke_permissions(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    match admitted(
        &sandbox,
        Platform::Facebook,
        &headers,
        &params,
        "/me/permissions",
    )
    .await
    {
        Ok(_) => {
            if let Some(token) = crate::bearer(&headers)
                .map(str::to_owned)
                .or_else(|| params.get("access_token").cloned())
            {
                let mut state = sandbox.lock();
                state.access.remove(&token);
                state.revoked.push(token);
            }
            Json(json!({ "success": true })).into_response()
        }
        Err(response) => response,
    }
}

/// `POST /{page}/feed` and `POST /{page}/photos`.
pub async fn page_post(
    State(sandbox): State<Sandbox>,
    Path((page, edge)): Path<(String, String)>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    let a = match admitted(
        &sandbox,
        Platform::Facebook,
        &headers,
        &params,
        &format!("/{edge}"),
    )
    .await
    {
        Ok(a) => a,
        Err(response) => return response,
    };
    if matches!(edge.as_str(), "media" | "media_publish") {
        return instagram_edge(&sandbox, a, &page, &edge, &params).await;
    }
    if !page.starts_with(&page_of(&a.user)) {
        return bad_request(
            Platform::Facebook,
            "200",
            "(#200) Requires pages_manage_posts on this Page",
        );
    }
    // Publishing as a Page needs that Page's token; a user token is refused, as Meta does.
    if a.page.as_deref() != Some(page.as_str()) {
        return bad_request(
            Platform::Facebook,
            "190",
            "(#190) This endpoint requires a Page access token for this Page",
        );
    }
    let (kind, text, media) = match edge.as_str() {
        "feed" => {
            let Some(message) = params.get("message").filter(|m| !m.is_empty()) else {
                return bad_request(
                    Platform::Facebook,
                    "100",
                    "(#100) message or link is required",
                );
            };
            (
                "text",
                message.clone(),
                params.get("link").cloned().into_iter().collect(),
            )
        }
        "photos" => {
            let Some(url) = params.get("url") else {
                return bad_request(Platform::Facebook, "100", "(#100) url is required");
            };
            (
                "image",
                params.get("caption").cloned().unwrap_or_default(),
                vec![url.clone()],
            )
        }
        "videos" => {
            let Some(url) = params.get("file_url") else {
                return bad_request(Platform::Facebook, "100", "(#100) file_url is required");
            };
            (
                "video",
                params.get("description").cloned().unwrap_or_default(),
                vec![url.clone()],
            )
        }
        _ => return bad_request(Platform::Facebook, "100", "unknown edge"),
    };
    let id = format!("{page}_{}", sandbox.id(""));
    sandbox.record_post(SandboxPost {
        platform: Platform::Facebook,
        user: a.user.clone(),
        id: id.clone(),
        kind: kind.into(),
        text,
        media,
        reply_to: None,
        created_unix: sandbox.now(),
    });
    let body = if edge == "photos" {
        json!({ "id": sandbox.id("photo-"), "post_id": id })
    } else {
        json!({ "id": id })
    };
    a.answer(Json(body).into_response()).await
}

async fn instagram_edge(
    sandbox: &Sandbox,
    a: Admitted,
    account: &str,
    edge: &str,
    params: &HashMap<String, String>,
) -> Response {
    if account != instagram_of(&a.user) {
        return bad_request(
            Platform::Instagram,
            "10",
            "(#10) Application does not have permission for this action",
        );
    }
    if let Some(fault) = sandbox.take_fault(Platform::Instagram, Some(&a.user), edge)
        && let Some(response) = crate::errors::fault_response(Platform::Instagram, &fault).await
    {
        return response;
    }
    if edge == "media" {
        let caption = params.get("caption").cloned().unwrap_or_default();
        if caption.chars().count() > 2200 {
            return bad_request(
                Platform::Instagram,
                "100",
                "The caption is longer than 2,200 characters",
            );
        }
        let media_type = params
            .get("media_type")
            .map(String::as_str)
            .unwrap_or("IMAGE");
        let (kind, media, children) = match media_type {
            "CAROUSEL" => {
                let children: Vec<String> = params
                    .get("children")
                    .map(|c| c.split(',').map(str::to_owned).collect())
                    .unwrap_or_default();
                if children.is_empty()
                    || children.len() > 10
                    || children
                        .iter()
                        .any(|c| !sandbox.lock().pending.contains_key(c))
                {
                    return bad_request(
                        Platform::Instagram,
                        "100",
                        "children must be 1 to 10 item containers",
                    );
                }
                ("carousel", Vec::new(), children)
            }
            "REELS" | "VIDEO" => match params.get("video_url") {
                Some(url) => ("reel", vec![url.clone()], Vec::new()),
                None => return bad_request(Platform::Instagram, "100", "video_url is required"),
            },
            _ => match params.get("image_url") {
                Some(url) => ("image", vec![url.clone()], Vec::new()),
                None => return bad_request(Platform::Instagram, "100", "image_url is required"),
            },
        };
        let id = sandbox.id("container-");
        sandbox.lock().pending.insert(
            id.clone(),
            Pending {
                user: a.user.clone(),
                kind: kind.into(),
                text: caption,
                media,
                children,
                polls: 0,
                published_id: None,
            },
        );
        return a.answer(Json(json!({ "id": id })).into_response()).await;
    }
    // media_publish
    let Some(creation) = params.get("creation_id") else {
        return bad_request(Platform::Instagram, "100", "creation_id is required");
    };
    let container = sandbox.lock().pending.get(creation).cloned();
    let Some(container) = container.filter(|c| c.user == a.user) else {
        return bad_request(Platform::Instagram, "100", "unknown creation_id");
    };
    if container.published_id.is_some() {
        return bad_request(
            Platform::Instagram,
            "506",
            "Duplicate post: this container was already published",
        );
    }
    if container.kind == "reel" && container.polls == 0 {
        return bad_request(
            Platform::Instagram,
            "9007",
            "Media ID is not available: the container is not ready",
        );
    }
    let id = sandbox.id("igmedia-");
    let media = if container.kind == "carousel" {
        let state = sandbox.lock();
        container
            .children
            .iter()
            .filter_map(|c| state.pending.get(c))
            .flat_map(|c| c.media.clone())
            .collect()
    } else {
        container.media.clone()
    };
    if let Some(container) = sandbox.lock().pending.get_mut(creation) {
        container.published_id = Some(id.clone());
    }
    sandbox.record_post(SandboxPost {
        platform: Platform::Instagram,
        user: a.user.clone(),
        id: id.clone(),
        kind: container.kind,
        text: container.text,
        media,
        reply_to: None,
        created_unix: sandbox.now(),
    });
    a.answer(Json(json!({ "id": id })).into_response()).await
}

/// `GET /{id}`: a container's status, or a Page's / account's fields.
pub async fn object(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    let a = match admitted(&sandbox, Platform::Facebook, &headers, &params, "/object").await {
        Ok(a) => a,
        Err(response) => return response,
    };
    if id.starts_with("container-") {
        let mut state = sandbox.lock();
        let Some(container) = state.pending.get_mut(&id).filter(|c| c.user == a.user) else {
            return bad_request(Platform::Instagram, "100", "unknown container");
        };
        container.polls += 1;
        let status = if container.published_id.is_some() {
            "PUBLISHED"
        } else if container.kind == "reel" && container.polls < 2 {
            "IN_PROGRESS"
        } else {
            "FINISHED"
        };
        return Json(json!({ "id": id, "status_code": status })).into_response();
    }
    if let Some(name) = params
        .get("fields")
        .and_then(|f| f.strip_prefix("business_discovery.username("))
        .and_then(|rest| rest.split(')').next())
    {
        return business_discovery(&sandbox, &id, name);
    }
    let followers = match (id.strip_prefix("page-"), id.strip_prefix("ig-")) {
        (Some(user), _) => sandbox.followers_of(Platform::Facebook, user),
        (_, Some(user)) => sandbox.followers_of(Platform::Instagram, user),
        _ => 3400,
    };
    let mut object = json!({ "id": id, "name": format!("Sandbox {id}"), "followers_count": followers, "fan_count": followers, "username": id });
    // `GET /{page-id}?fields=access_token` with the user's token: the Page's token.
    let wants_token = params
        .get("fields")
        .is_some_and(|f| f.split(',').any(|f| f.trim() == "access_token"));
    if wants_token && a.page.is_none() && id.starts_with(&page_of(&a.user)) {
        object["access_token"] = json!(sandbox.issue_page_token(&a.user, &id));
    }
    Json(object).into_response()
}

pub async fn insights(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    if let Err(response) =
        admitted(&sandbox, Platform::Facebook, &headers, &params, "/insights").await
    {
        return response;
    }
    let metrics = params.get("metric").map(String::as_str).unwrap_or_default();
    if let Some(user) = id.strip_prefix("ig-")
        && metrics.contains("follower_demographics")
    {
        return demographics(&sandbox, user, params.get("breakdown").map(String::as_str));
    }
    let Some((post, e)) = sandbox.engagement_of(&id) else {
        return bad_request(Platform::Facebook, "100", "unknown object");
    };
    let metric = |name: &str, value: u64| json!({ "name": name, "period": "lifetime", "values": [{ "value": value }] });
    let mut data = vec![
        metric("views", e.impressions),
        metric("reach", e.reach),
        metric("likes", e.likes),
        metric("comments", e.comments),
        metric("shares", e.shares),
        metric("saved", e.saves),
        metric(
            "total_interactions",
            e.likes + e.comments + e.shares + e.saves,
        ),
    ];
    if post.platform == Platform::Facebook {
        data.push(metric("post_clicks", e.clicks));
    }
    Json(json!({ "data": data })).into_response()
}

/// Business Discovery: another professional account's public figures and recent media, read
/// through one's own Instagram account. Names starting with `missing` do not exist.
fn business_discovery(sandbox: &Sandbox, own: &str, name: &str) -> Response {
    if name.starts_with("missing") {
        return bad_request(Platform::Instagram, "110", "(#110) Invalid user id");
    }
    let account = format!("cmp-ig-{}", name.to_lowercase());
    let media: Vec<_> = sandbox
        .public_posts(Platform::Instagram, &account)
        .into_iter()
        .map(|(p, e)| {
            json!({
                "id": p.id, "caption": p.text, "timestamp": crate::x::rfc3339(p.created_unix),
                "like_count": e.likes, "comments_count": e.comments,
            })
        })
        .collect();
    Json(json!({ "id": own, "business_discovery": {
        "id": account, "username": name, "name": format!("Rival {name}"),
        "followers_count": model::followers(&account, sandbox.now()),
        "media_count": 800, "media": { "data": media },
    }}))
    .into_response()
}

/// `follower_demographics` of an Instagram account, broken down by `age,gender` or `country`,
/// in Meta's shape: one result with breakdowns of dimension values and counts.
fn demographics(sandbox: &Sandbox, user: &str, breakdown: Option<&str>) -> Response {
    let account = account_of(Platform::Instagram, user);
    let followers = sandbox.followers_of(Platform::Instagram, user) as f64;
    let (ages, countries) = model::demographics(&account);
    let (keys, results): (Vec<&str>, Vec<serde_json::Value>) = match breakdown {
        Some("country") => (
            vec!["country"],
            countries
                .iter()
                .map(|(c, share)| json!({ "dimension_values": [c], "value": (followers * share).round() as u64 }))
                .collect(),
        ),
        _ => (
            vec!["age", "gender"],
            ages.iter()
                .map(|(age, gender, share)| json!({ "dimension_values": [age, gender], "value": (followers * share).round() as u64 }))
                .collect(),
        ),
    };
    Json(json!({ "data": [{
        "name": "follower_demographics", "period": "lifetime",
        "total_value": { "breakdowns": [{ "dimension_keys": keys, "results": results }] },
    }]}))
    .into_response()
}

/// `GET /{page-id}/posts` and `GET /{ig-user-id}/media`: the account's posts, newest first,
/// with cursor paging.
pub async fn list_edge(
    State(sandbox): State<Sandbox>,
    Path((id, edge)): Path<(String, String)>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    let (platform, user) = match (
        edge.as_str(),
        id.strip_prefix("page-"),
        id.strip_prefix("ig-"),
    ) {
        ("posts" | "feed", Some(user), _) => (Platform::Facebook, user),
        ("media", _, Some(user)) => (Platform::Instagram, user),
        _ => return bad_request(Platform::Facebook, "100", "unknown edge"),
    };
    if let Err(response) = admitted(&sandbox, platform, &headers, &params, "/list").await {
        return response;
    }
    let size = params
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(25)
        .clamp(1, 100);
    let posts = sandbox.posts_of(platform, user);
    let (window, next) = page(&posts, params.get("after").map(String::as_str), size);
    let data: Vec<_> = window
        .iter()
        .map(|p| {
            let at = crate::x::rfc3339(p.created_unix);
            let kind = match model::content_type(p) {
                "video" => "VIDEO",
                "carousel" => "CAROUSEL_ALBUM",
                _ => "IMAGE",
            };
            if platform == Platform::Facebook {
                json!({ "id": p.id, "message": p.text, "created_time": at })
            } else {
                json!({ "id": p.id, "caption": p.text, "timestamp": at, "media_type": kind })
            }
        })
        .collect();
    let mut paging = json!({});
    if let Some(next) = next {
        paging =
            json!({ "cursors": { "after": next }, "next": format!("{id}/{edge}?after={next}") });
    }
    Json(json!({ "data": data, "paging": paging })).into_response()
}
