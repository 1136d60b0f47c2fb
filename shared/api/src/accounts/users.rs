//! `/api/users/*`: the caller's own profile, sessions and personal data (GDPR).

use std::time::Duration as StdDuration;

use axum::extract::State;
use axum::http::Method;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json as JsonResponse, Router};
use chrono::{DateTime, Duration, Utc};
use domain::{AuditAction, DataExportStatus, TimeZone, bounded_text, language_tag};
use runtime::AppState;
use serde::{Deserialize, Serialize};
use store::accounts::audit::{self, AuditEntry};
use store::accounts::exports::{self, DataExport};
use store::accounts::organizations;
use store::accounts::sessions::{self, SessionSummary};
use store::accounts::users::{self, ProfileChanges, User};
use store::tokio_postgres;
use uuid::Uuid;

use crate::error::{ApiError, ErrorCode, FieldChecks};
use crate::extract::{Json, Path};
use crate::identity::CurrentUser;
use crate::routes::{Routes, op};

pub fn routes() -> Routes {
    Routes::new("users")
        .route(
            op(Method::GET, "/api/users/profile", "Your profile").returns::<User>(200),
            get(get_profile),
        )
        .route(
            op(
                Method::PUT,
                "/api/users/profile",
                "Update your names, avatar, time zone, language or consent",
            )
            .body::<ProfileUpdate>()
            .returns::<User>(200),
            put(update_profile),
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
            delete(delete_account),
        )
        .route(
            op(Method::GET, "/api/users/sessions", "Your signed-in devices")
                .returns::<SessionList>(200),
            get(list_sessions),
        )
        .route(
            op(
                Method::DELETE,
                "/api/users/sessions/{id}",
                "Sign a device out",
            )
            .returns_nothing(204)
            .errors(&[404]),
            delete(revoke_session),
        )
        .route(
            op(
                Method::POST,
                "/api/users/export-data",
                "Export everything you own as a JSON archive (GDPR)",
            )
            .returns::<ExportView>(201),
            post(request_export),
        )
        .route(
            op(
                Method::GET,
                "/api/users/export-data/{id}",
                "An export's status and a 15-minute download link",
            )
            .returns::<ExportView>(200)
            .errors(&[404]),
            get(get_export),
        )
}

pub fn router(state: AppState) -> Router {
    routes().into_router(state)
}

#[derive(Serialize, schemars::JsonSchema)]
struct SessionList {
    sessions: Vec<SessionSummary>,
}

/// How long a finished archive can be downloaded, and how long one download link lives.
const EXPORT_RETENTION: Duration = Duration::days(7);
const DOWNLOAD_LINK_TTL: StdDuration = StdDuration::from_secs(15 * 60);

async fn load_self(
    db: &impl tokio_postgres::GenericClient,
    current: &CurrentUser,
) -> Result<User, ApiError> {
    users::get(db, current.user_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated, "this account no longer exists"))
}

async fn get_profile(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    let user = load_self(pg, &current).await?;
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
    #[serde(default, deserialize_with = "crate::extract::present")]
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

    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let before = load_self(&tx, &current).await?;
    let after = users::update_profile(&tx, current.user_id, &changes).await?;
    audit::record(
        &tx,
        &current.actor(),
        AuditEntry {
            action: AuditAction::Update,
            resource_type: "user",
            resource_id: Some(current.user_id),
            old_values: Some(profile_fields(&before)),
            new_values: Some(profile_fields(&after)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(JsonResponse(after).into_response())
}

fn profile_fields(user: &User) -> serde_json::Value {
    serde_json::json!({
        "first_name": user.first_name, "last_name": user.last_name, "avatar_url": user.avatar_url,
        "timezone": user.timezone, "language": user.language, "gdpr_consent": user.gdpr_consent,
    })
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct DeleteAccountRequest {
    /// Re-entering the password guards against a stolen, still-valid access token.
    #[schemars(length(min = 1, max = 256))]
    password: String,
}

/// GDPR erasure: the user, their sessions and tokens go; audit rows keep what happened but not
/// who. The last admin of an organization with other members must hand over first.
async fn delete_account(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(body): Json<DeleteAccountRequest>,
) -> Result<StatusCode, ApiError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let user = load_self(&tx, &current).await?;
    if !state.passwords.verify(&body.password, &user.password_hash) {
        return Err(ApiError::new(
            ErrorCode::InvalidCredentials,
            "the password is not correct",
        ));
    }
    // Lock the organization: concurrent removals must not leave it without an admin.
    organizations::get(&tx, current.organization_id, true).await?;
    let admins = users::lock_active_admins(&tx, current.organization_id).await?;
    let members = users::list_members(&tx, current.organization_id).await?;
    let sole_member = members.iter().all(|m| m.id == user.id);
    if !sole_member && admins == [user.id] {
        return Err(ApiError::new(
            ErrorCode::LastAdmin,
            "you are the last admin of an organization with other members: make another member admin first",
        ));
    }
    audit::anonymise_user(&tx, user.id).await?;
    let export_keys = exports::object_keys_of(&tx, user.id).await?;
    users::delete(&tx, user.id).await?;
    if sole_member {
        // Nobody is left to own the organization's data.
        organizations::delete(&tx, current.organization_id).await?;
    } else {
        audit::record(
            &tx,
            &store::accounts::audit::Actor {
                organization_id: Some(current.organization_id),
                ..Default::default()
            },
            AuditEntry {
                action: AuditAction::Delete,
                resource_type: "user",
                resource_id: None,
                old_values: None,
                new_values: Some(serde_json::json!({ "reason": "account deleted by its owner" })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    if sole_member {
        // The organization went with its last member: so do its media files.
        let prefix = format!("media/{}/", current.organization_id);
        if let Err(error) =
            cloud::delete_prefix(&state.aws.s3, &state.config.media_bucket, &prefix).await
        {
            tracing::error!(%error, "media of an erased organization not deleted");
        }
    }
    for key in export_keys {
        if let Err(error) =
            cloud::delete_object(&state.aws.s3, &state.config.media_bucket, &key).await
        {
            tracing::error!(%error, "export archive of an erased user not deleted");
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn list_sessions(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    let sessions = sessions::list_live(pg, current.user_id, current.session_id).await?;
    Ok(JsonResponse(SessionList { sessions }).into_response())
}

async fn revoke_session(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    if !sessions::revoke_own_family(&tx, current.user_id, id).await? {
        return Err(ApiError::not_found("session"));
    }
    audit::record(
        &tx,
        &current.actor(),
        AuditEntry {
            action: AuditAction::Logout,
            resource_type: "session",
            resource_id: Some(id),
            old_values: None,
            new_values: Some(serde_json::json!({ "reason": "revoked" })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, schemars::JsonSchema)]
struct ExportView {
    #[serde(flatten)]
    export: DataExport,
    /// Present once the archive is ready, valid for 15 minutes.
    download_url: Option<String>,
    download_url_expires_at: Option<DateTime<Utc>>,
}

fn export_key(user_id: Uuid, export_id: Uuid) -> String {
    format!("exports/{user_id}/{export_id}.json")
}

/// Writes a JSON archive of everything the user owns to S3 and records the request.
async fn request_export(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let export = {
        let tx = pg.transaction().await?;
        let export = exports::create(&tx, current.user_id).await?;
        users::set_export_requested(&tx, current.user_id).await?;
        audit::record(
            &tx,
            &current.actor(),
            AuditEntry {
                action: AuditAction::Export,
                resource_type: "user",
                resource_id: Some(current.user_id),
                old_values: None,
                new_values: Some(serde_json::json!({ "export_id": export.id })),
            },
        )
        .await?;
        tx.commit().await?;
        export
    };

    let archive = async {
        let db: &tokio_postgres::Client = pg;
        let user = load_self(db, &current).await?;
        let organization = organizations::get(db, current.organization_id, false).await?;
        let archive = serde_json::json!({
            "exported_at": Utc::now(),
            "user": user,
            "organization": organization,
            "sessions": sessions::list_live(db, current.user_id, current.session_id).await?,
            "posts": users::authored_posts(db, current.user_id).await?,
            "activity": audit::by_user(db, current.user_id).await?,
        });
        let bytes = serde_json::to_vec_pretty(&archive).map_err(|e| ApiError::internal(&e))?;
        let key = export_key(current.user_id, export.id);
        cloud::put_object(
            &state.aws.s3,
            &state.config.media_bucket,
            &key,
            "application/json",
            bytes,
        )
        .await
        .map_err(|e| ApiError::internal(&e))?;
        Ok::<_, ApiError>(key)
    }
    .await;

    let db: &tokio_postgres::Client = pg;
    match archive {
        Ok(key) => {
            let done =
                exports::complete(db, export.id, &key, Utc::now() + EXPORT_RETENTION).await?;
            Ok((StatusCode::CREATED, JsonResponse(view(&state, done).await?)).into_response())
        }
        Err(error) => {
            exports::fail(db, export.id).await?;
            Err(error)
        }
    }
}

async fn view(state: &AppState, export: DataExport) -> Result<ExportView, ApiError> {
    let downloadable = export.status == DataExportStatus::Completed
        && export.expires_at.is_some_and(|at| at > Utc::now());
    let (download_url, download_url_expires_at) = match (&export.object_key, downloadable) {
        (Some(key), true) => {
            let url = cloud::presigned_get(
                &state.aws.s3,
                &state.config.media_bucket,
                key,
                DOWNLOAD_LINK_TTL,
            )
            .await
            .map_err(|e| ApiError::internal(&e))?;
            (
                Some(url),
                Some(Utc::now() + Duration::seconds(DOWNLOAD_LINK_TTL.as_secs() as i64)),
            )
        }
        _ => (None, None),
    };
    Ok(ExportView {
        export,
        download_url,
        download_url_expires_at,
    })
}

async fn get_export(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    let export = exports::get_own(pg, current.user_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("export"))?;
    Ok(JsonResponse(view(&state, export).await?).into_response())
}
