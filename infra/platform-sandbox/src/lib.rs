//! The platform sandbox: a local HTTP server implementing the subset of the X, Meta (Facebook
//! Pages and Instagram), LinkedIn and TikTok APIs that the clients call — OAuth with PKCE and
//! refresh, profiles, publishing, media, container and status polling, metrics that grow over
//! time — with faults switched on per platform, user or path from `POST /_sandbox/faults`.
//! It is a test double at the network edge: the clients do not know they talk to it.

mod errors;
pub mod google;
mod guard;
mod linkedin;
mod listening;
mod meta;
pub mod model;
mod oauth;
mod receivers;
mod state;
pub mod stripe;
mod tiktok;
mod webhooks;
mod x;

use axum::extract::{Query, State};
use axum::response::IntoResponse;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::Deserialize;

pub use guard::bearer;
pub use listening::{Burst, MentionWave};
pub use state::{Fault, FaultKind, Sandbox, SandboxPost, account_of};
pub use webhooks::signature_headers;

/// Every route, under a prefix per platform family.
pub fn router(sandbox: Sandbox) -> Router {
    Router::new()
        .route("/{platform}/authorize", get(oauth::authorize))
        .route("/{platform}/token", post(oauth::token))
        .route("/{platform}/revoke", post(oauth::revoke))
        // X
        .route("/x/2/users/me", get(x::me))
        .route("/x/2/users/{id}", get(x::user))
        .route("/x/2/users/by/username/{username}", get(x::user_by_name))
        .route("/x/2/users/{id}/tweets", get(x::timeline))
        .route("/x/2/users/{id}/mentions", get(listening::mentions))
        .route("/x/2/tweets/counts/recent", get(listening::recent_counts))
        .route("/x/2/tweets", post(x::create_tweet).get(x::tweets))
        .route("/x/2/media/upload", post(x::upload_media).get(x::status))
        .route("/x/2/media/upload/initialize", post(x::initialize))
        .route("/x/2/media/upload/{id}/append", post(x::append))
        .route("/x/2/media/upload/{id}/finalize", post(x::finalize))
        // Meta
        .route("/meta/v25.0/oauth/access_token", post(oauth::meta_token))
        .route("/meta/v25.0/me", get(meta::me))
        .route("/meta/v25.0/me/accounts", get(meta::accounts))
        .route(
            "/meta/v25.0/me/permissions",
            delete(meta::revoke_permissions),
        )
        .route("/meta/v25.0/{id}", get(meta::object))
        .route("/meta/v25.0/{id}/insights", get(meta::insights))
        .route(
            "/meta/v25.0/{id}/{edge}",
            post(meta::page_post).get(meta::list_edge),
        )
        // LinkedIn
        .route("/linkedin/v2/userinfo", get(linkedin::userinfo))
        .route(
            "/linkedin/rest/posts",
            post(linkedin::create_post).get(linkedin::list_posts),
        )
        .route(
            "/linkedin/rest/memberFollowersCount",
            get(linkedin::member_followers),
        )
        .route("/linkedin/rest/images", post(linkedin::initialize_image))
        .route("/linkedin/upload/{number}", put(linkedin::upload))
        .route(
            "/linkedin/rest/socialActions/{urn}",
            get(linkedin::social_actions),
        )
        // TikTok
        .route(
            "/tiktok/v2/user/info/",
            post(tiktok::user_info).get(tiktok::user_info),
        )
        .route(
            "/tiktok/v2/post/publish/creator_info/query/",
            post(tiktok::creator_info),
        )
        .route("/tiktok/v2/post/publish/video/init/", post(tiktok::init))
        .route("/tiktok/v2/post/publish/content/init/", post(tiktok::init))
        .route(
            "/tiktok/v2/post/publish/status/fetch/",
            post(tiktok::status),
        )
        .route("/tiktok/v2/video/query/", post(tiktok::video_query))
        .route("/tiktok/v2/video/list/", post(tiktok::video_list))
        // Stripe (the stand-in)
        .route(
            "/stripe/v1/checkout/sessions",
            post(stripe::create_checkout),
        )
        .route(
            "/stripe/v1/billing_portal/sessions",
            post(stripe::create_portal),
        )
        .route(
            "/stripe/v1/subscriptions/{id}",
            get(stripe::get_subscription),
        )
        .route("/stripe/checkout/{id}", get(stripe::checkout_page))
        .route("/stripe/checkout/{id}/pay", post(stripe::pay))
        .route("/stripe/portal/{id}", get(stripe::portal_page))
        .route(
            "/stripe/portal/{id}/switch/{price}",
            post(stripe::portal_switch),
        )
        .route("/stripe/portal/{id}/cancel", post(stripe::portal_cancel))
        .route("/_sandbox/stripe/webhook", put(stripe::register_webhook))
        .route(
            "/_sandbox/stripe/subscriptions/{id}/payment-failed",
            post(stripe::fail_payment),
        )
        .route("/_sandbox/stripe/events", get(stripe::list_events))
        // Google Analytics 4 (the token endpoint and the Data API)
        .route("/google/token", post(google::token))
        .route(
            "/google/v1beta/properties/{target}",
            post(google::run_report),
        )
        .route("/_sandbox/google/service-account", get(google::key_file))
        // Receivers of Slack messages and outgoing webhooks
        .route(
            "/_sandbox/receivers/{name}",
            post(receivers::receive).get(receivers::list),
        )
        .route(
            "/_sandbox/receivers/{name}/failures",
            put(receivers::fail_next),
        )
        // Control, for tests and the dev stack
        .route("/_sandbox/faults", post(add_fault))
        .route("/_sandbox/posts", get(list_posts))
        .route("/_sandbox/clock", put(set_clock))
        .route("/_sandbox/history", post(plant_history))
        .route("/_sandbox/mentions", post(listening::plant_mentions))
        .route("/_sandbox/trends", post(listening::plant_burst))
        .route("/_sandbox/webhooks", post(webhooks::deliver))
        .route("/_sandbox/health", get(|| async { "ok" }))
        // Media segments and image uploads are larger than axum's 2 MB default.
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024))
        .with_state(sandbox)
}

async fn add_fault(State(sandbox): State<Sandbox>, Json(fault): Json<Fault>) -> impl IntoResponse {
    sandbox.lock().faults.push(fault);
    axum::http::StatusCode::CREATED
}

#[derive(Deserialize)]
struct PostFilter {
    platform: Option<domain::Platform>,
    user: Option<String>,
}

async fn list_posts(
    State(sandbox): State<Sandbox>,
    Query(filter): Query<PostFilter>,
) -> impl IntoResponse {
    let state = sandbox.lock();
    let posts: Vec<&SandboxPost> = state
        .posts
        .iter()
        .filter(|p| {
            filter.platform.is_none_or(|f| f == p.platform)
                && filter.user.as_deref().is_none_or(|u| u == p.user)
        })
        .collect();
    Json(serde_json::json!({ "posts": posts }))
}

#[derive(Deserialize)]
struct Clock {
    /// The sandbox's new now, in unix seconds.
    unix: u64,
}

async fn set_clock(State(sandbox): State<Sandbox>, Json(clock): Json<Clock>) -> impl IntoResponse {
    sandbox.set_clock(clock.unix);
    axum::http::StatusCode::NO_CONTENT
}

/// Posts published on the platform directly, before now, for imports and the demo.
#[derive(Deserialize)]
struct History {
    platform: domain::Platform,
    /// The platform user (the id its profile endpoint reports).
    user: String,
    days: u32,
    per_day: u32,
}

async fn plant_history(
    State(sandbox): State<Sandbox>,
    Json(history): Json<History>,
) -> impl IntoResponse {
    let planted = sandbox.plant_history(
        history.platform,
        &history.user,
        history.days.min(1_000),
        history.per_day.min(24),
    );
    (
        axum::http::StatusCode::CREATED,
        Json(serde_json::json!({ "planted": planted })),
    )
}

/// Serves the sandbox on `127.0.0.1:port` (0 picks a free port); returns its base URL.
pub async fn spawn(port: u16) -> std::io::Result<(String, Sandbox)> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let base = format!("http://{}", listener.local_addr()?);
    let sandbox = Sandbox::default();
    if let Ok(mut slot) = sandbox.base_url.lock() {
        *slot = base.clone();
    }
    let app = router(sandbox.clone());
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "platform sandbox stopped");
        }
    });
    Ok((base, sandbox))
}
