//! `/api/users/*`: the caller's own profile, sessions and personal data (GDPR). The rules live
//! in `accounts::profile`.

use accounts::profile::{self, ExportView};
use axum::extract::State;
use axum::http::Method;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json as JsonResponse, Router};
use domain::{TimeZone, bounded_text, language_tag};
use runtime::AppState;
use serde::{Deserialize, Serialize};
use store::accounts::sessions::SessionSummary;
use store::accounts::users::{ProfileChanges, User};
use uuid::Uuid;

use crate::service_errors;
use http_kit::error::{ApiError, FieldChecks};
use http_kit::extract::{Json, Path};
use http_kit::identity::CurrentUser;
use http_kit::routes::{Routes, op};

pub fn routes() -> Routes {
    Routes::new("users")
        .route(
            op(Method::GET, "/api/users/profile", "Your profile").returns::<User>(200),
            get_profile,
        )
        .route(
            op(
                Method::PUT,
                "/api/users/profile",
                "Update your names, avatar, time zone, language or consent",
            )
            .body::<ProfileUpdate>()
            .returns::<User>(200),
            update_profile,
        )
        .route(
            op(
                Method::DELETE,
                "/api/users/profile",
                "Erase your account and personal data (GDPR)",
            )
            .body::<DeleteAccountRequest>()
            .returns_nothing(204)
            .errors(&[409]),
            delete_account,
        )
        .route(
            op(Method::GET, "/api/users/sessions", "Your signed-in devices")
                .returns::<SessionList>(200),
            list_sessions,
        )
        .route(
            op(
                Method::DELETE,
                "/api/users/sessions/{id}",
                "Sign a device out",
            )
            .returns_nothing(204)
            .errors(&[404]),
            revoke_session,
        )
        .route(
            op(
                Method::POST,
                "/api/users/export-data",
                "Export everything you own as a JSON archive (GDPR)",
            )
            .returns::<ExportView>(201),
            request_export,
        )
        .route(
            op(
                Method::GET,
                "/api/users/export-data/{id}",
                "An export's status and a 15-minute download link",
            )
            .returns::<ExportView>(200)
            .errors(&[404]),
            get_export,
        )
}

pub fn router(state: AppState) -> Router {
    routes().into_router(state)
}

#[derive(Serialize, schemars::JsonSchema)]
struct SessionList {
    sessions: Vec<SessionSummary>,
}

async fn get_profile(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    let user = profile::get(&state, &current.caller())
        .await
        .map_err(service_errors::accounts)?;
    Ok(JsonResponse(user).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ProfileUpdate {
    #[schemars(length(min = 1, max = 100))]
    first_name: Option<String>,
    #[schemars(length(min = 1, max = 100))]
    last_name: Option<String>,
    /// An https URL; `null` removes the avatar.
    #[serde(default, deserialize_with = "http_kit::extract::present")]
    #[schemars(url, length(max = 2048))]
    avatar_url: Option<Option<String>>,
    /// An IANA time zone name.
    #[schemars(length(min = 1, max = 64), example = &"Europe/Paris")]
    timezone: Option<String>,
    /// A language tag like `en` or `pt-BR`.
    #[schemars(pattern(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"), length(max = 10), example = &"en")]
    language: Option<String>,
    gdpr_consent: Option<bool>,
}

fn avatar_url(text: &str) -> Result<String, domain::Invalid> {
    let text = text.trim();
    let parsed = url::Url::parse(text).map_err(|_| domain::Invalid("is not a URL".into()))?;
    if parsed.scheme() != "https" || text.len() > 2048 {
        return Err(domain::Invalid(
            "must be an https URL of at most 2048 characters".into(),
        ));
    }
    Ok(text.to_owned())
}

async fn update_profile(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(body): Json<ProfileUpdate>,
) -> Result<Response, ApiError> {
    let mut checks = FieldChecks::new();
    let changes = ProfileChanges {
        first_name: checks.check_opt("first_name", body.first_name.as_deref(), |v| {
            bounded_text(v, 100)
        }),
        last_name: checks.check_opt("last_name", body.last_name.as_deref(), |v| {
            bounded_text(v, 100)
        }),
        avatar_url: match body.avatar_url {
            None => None,
            Some(None) => Some(None),
            Some(Some(url)) => checks.check("avatar_url", avatar_url(&url)).map(Some),
        },
        timezone: checks
            .check_opt("timezone", body.timezone.as_deref(), TimeZone::parse)
            .map(|tz| tz.name().to_owned()),
        language: checks.check_opt("language", body.language.as_deref(), language_tag),
        gdpr_consent: body.gdpr_consent,
    };
    checks.finish()?;

    let user = profile::update(&state, &current.caller(), &changes)
        .await
        .map_err(service_errors::accounts)?;
    Ok(JsonResponse(user).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct DeleteAccountRequest {
    /// Re-entering the password guards against a stolen, still-valid access token.
    #[schemars(length(min = 1, max = 256))]
    password: String,
}

/// GDPR erasure (see `accounts::profile::erase`).
async fn delete_account(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(body): Json<DeleteAccountRequest>,
) -> Result<StatusCode, ApiError> {
    profile::erase(&state, &current.caller(), &body.password)
        .await
        .map_err(service_errors::accounts)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_sessions(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    let sessions = profile::sessions(&state, &current.caller(), current.session_id)
        .await
        .map_err(service_errors::accounts)?;
    Ok(JsonResponse(SessionList { sessions }).into_response())
}

async fn revoke_session(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    profile::revoke_session(&state, &current.caller(), id)
        .await
        .map_err(service_errors::accounts)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn request_export(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    let export = profile::export(&state, &current.caller(), current.session_id)
        .await
        .map_err(service_errors::accounts)?;
    Ok((StatusCode::CREATED, JsonResponse(export)).into_response())
}

async fn get_export(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let export = profile::get_export(&state, &current.caller(), id)
        .await
        .map_err(service_errors::accounts)?;
    Ok(JsonResponse(export).into_response())
}
