//! The user's own account: profile, signed-in devices, and personal data (GDPR export and
//! erasure).

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use contracts::{ExportStage, LiveEvent};
use domain::{AuditAction, DataExportStatus, NotificationKind};
use runtime::AppState;
use serde::Serialize;
use store::accounts::audit::{self, AuditEntry, Caller};
use store::accounts::exports::{self, DataExport};
use store::accounts::organizations;
use store::accounts::sessions::{self, SessionSummary};
use store::accounts::users::{self, ProfileChanges, User};
use store::tokio_postgres::{self, GenericClient};
use uuid::Uuid;

use crate::{AccountsError, live_sessions};

/// How long a finished archive can be downloaded, and how long one download link lives.
const EXPORT_RETENTION: Duration = Duration::days(7);
const DOWNLOAD_LINK_TTL: StdDuration = StdDuration::from_secs(15 * 60);

async fn load_self(db: &impl GenericClient, caller: &Caller) -> Result<User, AccountsError> {
    users::get(db, caller.user_id)
        .await?
        .ok_or(AccountsError::AccountGone)
}

pub async fn get(state: &AppState, caller: &Caller) -> Result<User, AccountsError> {
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    load_self(pg, caller).await
}

fn profile_fields(user: &User) -> serde_json::Value {
    serde_json::json!({
        "first_name": user.first_name, "last_name": user.last_name, "avatar_url": user.avatar_url,
        "timezone": user.timezone, "language": user.language, "gdpr_consent": user.gdpr_consent,
    })
}

pub async fn update(
    state: &AppState,
    caller: &Caller,
    changes: &ProfileChanges,
) -> Result<User, AccountsError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let before = load_self(&tx, caller).await?;
    let after = users::update_profile(&tx, caller.user_id, changes).await?;
    audit::record(
        &tx,
        &caller.actor(),
        AuditEntry {
            action: AuditAction::Update,
            resource_type: "user",
            resource_id: Some(caller.user_id),
            old_values: Some(profile_fields(&before)),
            new_values: Some(profile_fields(&after)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// GDPR erasure: the user, their sessions and tokens go; audit rows keep what happened but not
/// who. The last admin of an organization with other members must hand over first; a sole
/// member takes the organization (and its media) along.
pub async fn erase(state: &AppState, caller: &Caller, password: &str) -> Result<(), AccountsError> {
    let organization_id = caller.organization_id;
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let user = load_self(&tx, caller).await?;
    // Re-entering the password guards against a stolen, still-valid access token.
    if !state.passwords().verify(password, &user.password_hash) {
        return Err(AccountsError::WrongPassword);
    }
    // Lock the organization: concurrent removals must not leave it without an admin.
    organizations::get(&tx, organization_id, true).await?;
    let admins = users::lock_active_admins(&tx, organization_id).await?;
    let members = users::list_members(&tx, organization_id).await?;
    let sole_member = members.iter().all(|m| m.id == user.id);
    if !sole_member && admins == [user.id] {
        return Err(AccountsError::LastAdminLeaving);
    }
    audit::anonymise_user(&tx, user.id).await?;
    // What they taught the agents (brand voice, feedback) is theirs and goes with them.
    store::agents::memory::erase_created_by(&tx, user.id).await?;
    let export_keys = exports::object_keys_of(&tx, user.id).await?;
    users::delete(&tx, user.id).await?;
    if sole_member {
        // Nobody is left to own the organization's data.
        organizations::delete(&tx, organization_id).await?;
    } else {
        audit::record(
            &tx,
            &audit::Actor {
                organization_id: Some(organization_id),
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
    live_sessions::close(state, Some(organization_id), user.id, None).await;
    let bucket = &state.config.media_bucket;
    if sole_member {
        // The organization went with its last member: so do its media files.
        let prefix = format!("media/{organization_id}/");
        if let Err(error) = cloud::delete_prefix(state.s3(), bucket, &prefix).await {
            tracing::error!(%error, "media of an erased organization not deleted");
        }
    }
    for key in export_keys {
        if let Err(error) = cloud::delete_object(state.s3(), bucket, &key).await {
            tracing::error!(%error, "export archive of an erased user not deleted");
        }
    }
    Ok(())
}

/// The user's live sessions; `current_session` is marked as this device.
pub async fn sessions(
    state: &AppState,
    caller: &Caller,
    current_session: Uuid,
) -> Result<Vec<SessionSummary>, AccountsError> {
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    Ok(sessions::list_live(pg, caller.user_id, current_session).await?)
}

/// Signs one of the user's own devices out.
pub async fn revoke_session(
    state: &AppState,
    caller: &Caller,
    session_id: Uuid,
) -> Result<(), AccountsError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    if !sessions::revoke_own_family(&tx, caller.user_id, session_id).await? {
        return Err(AccountsError::NotFound("session"));
    }
    audit::record(
        &tx,
        &caller.actor(),
        AuditEntry {
            action: AuditAction::Logout,
            resource_type: "session",
            resource_id: Some(session_id),
            old_values: None,
            new_values: Some(serde_json::json!({ "reason": "revoked" })),
        },
    )
    .await?;
    tx.commit().await?;
    live_sessions::close(
        state,
        Some(caller.organization_id),
        caller.user_id,
        Some(session_id),
    )
    .await;
    Ok(())
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ExportView {
    #[serde(flatten)]
    pub export: DataExport,
    /// Present once the archive is ready, valid for 15 minutes.
    pub download_url: Option<String>,
    pub download_url_expires_at: Option<DateTime<Utc>>,
}

fn export_key(user_id: Uuid, export_id: Uuid) -> String {
    format!("exports/{user_id}/{export_id}.json")
}

/// Writes a JSON archive of everything the user owns to S3 and records the request; a failed
/// archive marks the export failed.
pub async fn export(
    state: &AppState,
    caller: &Caller,
    current_session: Uuid,
) -> Result<ExportView, AccountsError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let export = {
        let tx = pg.transaction().await?;
        let export = exports::create(&tx, caller.user_id).await?;
        users::set_export_requested(&tx, caller.user_id).await?;
        audit::record(
            &tx,
            &caller.actor(),
            AuditEntry {
                action: AuditAction::Export,
                resource_type: "user",
                resource_id: Some(caller.user_id),
                old_values: None,
                new_values: Some(serde_json::json!({ "export_id": export.id })),
            },
        )
        .await?;
        tx.commit().await?;
        export
    };

    progress(state, caller, export.id, ExportStage::Collecting, 10).await;
    let archive = async {
        let db: &tokio_postgres::Client = pg;
        let user = load_self(db, caller).await?;
        let organization = organizations::get(db, caller.organization_id, false).await?;
        let archive = serde_json::json!({
            "exported_at": Utc::now(),
            "user": user,
            "organization": organization,
            "sessions": sessions::list_live(db, caller.user_id, current_session).await?,
            "posts": users::authored_posts(db, caller.user_id).await?,
            "activity": audit::by_user(db, caller.user_id).await?,
            "ai_memory": store::agents::memory::created_by(db, caller.user_id)
                .await?
                .into_iter()
                .map(|m| serde_json::json!({
                    "id": m.id,
                    "memory_type": m.memory_type.as_str(),
                    "content": m.content_summary,
                    "importance": m.importance,
                    "created_at": m.created_at,
                    "expires_at": m.expires_at,
                }))
                .collect::<Vec<_>>(),
        });
        let bytes = serde_json::to_vec_pretty(&archive)
            .map_err(|e| AccountsError::Storage(e.to_string()))?;
        let key = export_key(caller.user_id, export.id);
        progress(state, caller, export.id, ExportStage::Uploading, 60).await;
        cloud::put_object(
            state.s3(),
            &state.config.media_bucket,
            &key,
            "application/json",
            bytes,
        )
        .await
        .map_err(|e| AccountsError::Storage(e.to_string()))?;
        Ok::<_, AccountsError>(key)
    }
    .await;

    let db: &tokio_postgres::Client = pg;
    match archive {
        Ok(key) => {
            let done =
                exports::complete(db, export.id, &key, Utc::now() + EXPORT_RETENTION).await?;
            progress(state, caller, export.id, ExportStage::Ready, 100).await;
            notifications::notify(
                state,
                db,
                caller.organization_id,
                notifications::Recipients::User(caller.user_id),
                notifications::Draft {
                    kind: NotificationKind::ExportReady,
                    title: "Your data export is ready".to_owned(),
                    body: format!(
                        "Download it from your profile until {}.",
                        (Utc::now() + EXPORT_RETENTION).format("%Y-%m-%d")
                    ),
                    // The page hands out a short-lived download link on request: the
                    // notification itself carries none.
                    link: Some("/profile".to_owned()),
                    post_id: None,
                    social_account_id: None,
                },
            )
            .await;
            view(state, done).await
        }
        Err(error) => {
            exports::fail(db, export.id).await?;
            progress(state, caller, export.id, ExportStage::Failed, 100).await;
            Err(error)
        }
    }
}

/// Shows the user's open pages how far their export got.
async fn progress(
    state: &AppState,
    caller: &Caller,
    export_id: Uuid,
    stage: ExportStage,
    percent: u8,
) {
    live::send(
        state,
        live::Audience::User {
            organization_id: caller.organization_id,
            user_id: caller.user_id,
        },
        LiveEvent::ExportProgress {
            export_id,
            stage,
            percent,
        },
    )
    .await;
}

async fn view(state: &AppState, export: DataExport) -> Result<ExportView, AccountsError> {
    let downloadable = export.status == DataExportStatus::Completed
        && export.expires_at.is_some_and(|at| at > Utc::now());
    let (download_url, download_url_expires_at) = match (&export.object_key, downloadable) {
        (Some(key), true) => {
            let url = cloud::presigned_get(
                state.s3(),
                &state.config.media_bucket,
                key,
                DOWNLOAD_LINK_TTL,
            )
            .await
            .map_err(|e| AccountsError::Storage(e.to_string()))?;
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

/// One of the user's own exports.
pub async fn get_export(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<ExportView, AccountsError> {
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    let export = exports::get_own(pg, caller.user_id, id)
        .await?
        .ok_or(AccountsError::NotFound("export"))?;
    view(state, export).await
}
