//! Sessions: an access token (a JWT, 15 minutes) plus a refresh token that rotates on every
//! use. Refresh tokens of one sign-in form a family; a spent token presented again means it was
//! stolen or replayed, and the whole family is revoked.

use auth::{ACCESS_TOKEN_TTL, OpaqueToken};
use chrono::{DateTime, Duration, Utc};
use domain::AuditAction;
use runtime::AppState;
use serde::Serialize;
use store::accounts::audit::{self, AuditEntry};
use store::accounts::sessions::{self, NewSession, RefreshLookup};
use store::accounts::users::{self, User};
use store::tokio_postgres::{self, GenericClient};
use uuid::Uuid;

use crate::live_sessions;
use crate::{AccountsError, RequestOrigin};

/// A refresh token lasts 30 days; each use replaces it.
pub const REFRESH_TOKEN_TTL: Duration = Duration::days(30);

/// What sign-in, sign-up and refresh answer with.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SessionTokens {
    pub access_token: String,
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// For API clients. A browser (`X-Client: web`) gets it in an HttpOnly cookie instead, and
    /// not here, so no script can read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub refresh_token_expires_at: DateTime<Utc>,
    pub session_id: Uuid,
}

/// Issues an access token and a new refresh token in `family` (a new family when `None`).
pub async fn issue(
    db: &impl GenericClient,
    state: &AppState,
    user: &User,
    origin: &RequestOrigin,
    family: Option<Uuid>,
) -> Result<SessionTokens, AccountsError> {
    let organization_id = user.organization_id.ok_or(AccountsError::NotAMember)?;
    let family_id = family.unwrap_or_else(Uuid::now_v7);
    let refresh = OpaqueToken::generate();
    let now = Utc::now();
    let refresh_expires = now + REFRESH_TOKEN_TTL;
    let device = origin
        .user_agent
        .as_deref()
        .map(|ua| serde_json::json!({ "user_agent": ua }));
    sessions::insert(
        db,
        &NewSession {
            user_id: user.id,
            family_id,
            token_hash: &refresh.hash(),
            ip: origin.ip,
            user_agent: origin.user_agent.as_deref(),
            device_info: device,
            expires_at: refresh_expires,
        },
    )
    .await?;
    let (access_token, _) = state.access_tokens().issue(
        user.id,
        organization_id.as_uuid(),
        user.role,
        family_id,
        now,
    );
    Ok(SessionTokens {
        access_token,
        token_type: "Bearer",
        expires_in: ACCESS_TOKEN_TTL.num_seconds(),
        refresh_token: Some(refresh.expose().to_owned()),
        refresh_token_expires_at: refresh_expires,
        session_id: family_id,
    })
}

/// Opens a session for a user whose credentials were checked: records the login, issues the
/// tokens, audits it.
pub async fn sign_in(
    state: &AppState,
    user: &User,
    origin: &RequestOrigin,
) -> Result<SessionTokens, AccountsError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    users::record_login(&tx, user.id).await?;
    let tokens = issue(&tx, state, user, origin, None).await?;
    audit::record(
        &tx,
        &origin.actor(Some(user)),
        AuditEntry {
            action: AuditAction::Login,
            resource_type: "session",
            resource_id: Some(tokens.session_id),
            old_values: None,
            new_values: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(tokens)
}

/// The user these credentials belong to, if they are right and the user may sign in. The
/// password is checked against a dummy hash for unknown addresses, so the time taken does not
/// tell whether an account exists.
pub async fn check_credentials(
    state: &AppState,
    email: &str,
    password: &str,
) -> Result<Option<User>, AccountsError> {
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    let user = users::find_by_email(pg, email).await?;
    let password_ok = match &user {
        Some(user) => state.passwords().verify(password, &user.password_hash),
        None => {
            auth::verify_against_nothing(state.passwords(), password);
            false
        }
    };
    Ok(user.filter(|user| password_ok && user.is_active && user.organization_id.is_some()))
}

/// Ends the session family `session_id` belongs to (sign-out).
pub async fn sign_out(
    state: &AppState,
    session_id: Uuid,
    actor: &audit::Actor,
) -> Result<(), AccountsError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    sessions::revoke_family(&tx, session_id, "logout").await?;
    audit::record(
        &tx,
        actor,
        AuditEntry {
            action: AuditAction::Logout,
            resource_type: "session",
            resource_id: Some(session_id),
            old_values: None,
            new_values: None,
        },
    )
    .await?;
    tx.commit().await?;
    if let Some(user_id) = actor.user_id {
        live_sessions::close(state, actor.organization_id, user_id, Some(session_id)).await;
    }
    Ok(())
}

/// Exchanges the refresh token the client presented (if any) for new tokens in the same
/// family. A spent token revokes its family (committed before the refusal is returned).
pub async fn rotate(
    state: &AppState,
    presented: Option<&str>,
    origin: &RequestOrigin,
) -> Result<SessionTokens, AccountsError> {
    let presented = presented
        .and_then(OpaqueToken::presented)
        .ok_or(AccountsError::InvalidRefreshToken)?;
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    match sessions::lookup_for_refresh(&tx, &presented.hash()).await? {
        RefreshLookup::Unknown
        | RefreshLookup::Spent {
            never_rotated: true,
            ..
        } => Err(AccountsError::InvalidRefreshToken),
        RefreshLookup::Spent {
            user_id, family_id, ..
        } => {
            // A spent token came back: whoever holds the family's tokens, it is not safe anymore.
            let revoked = sessions::revoke_family(&tx, family_id, "reuse_detected").await?;
            let user = users::get(&tx, user_id).await?;
            audit::record(&tx, &origin.actor(user.as_ref()), AuditEntry {
                action: AuditAction::Logout,
                resource_type: "session",
                resource_id: Some(family_id),
                old_values: None,
                new_values: Some(serde_json::json!({ "reason": "refresh_token_reused", "revoked_tokens": revoked })),
            })
            .await?;
            tx.commit().await?;
            tracing::warn!(%family_id, "refresh token reuse detected; session family revoked");
            if let Some(user) = &user {
                live_sessions::close(state, user.organization_id, user.id, Some(family_id)).await;
            }
            Err(AccountsError::RefreshTokenReused)
        }
        RefreshLookup::Live { user_id, family_id } => {
            let user = users::get(&tx, user_id)
                .await?
                .filter(|u| u.is_active)
                .ok_or(AccountsError::InvalidRefreshToken)?;
            sessions::mark_rotated(&tx, &presented.hash()).await?;
            let tokens = issue(&tx, state, &user, origin, Some(family_id)).await?;
            tx.commit().await?;
            Ok(tokens)
        }
    }
}
