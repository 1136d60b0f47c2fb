use auth::{ACCESS_TOKEN_TTL, OpaqueToken};
use chrono::{DateTime, Duration, Utc};
use runtime::AppState;
use serde::Serialize;
use store::accounts::sessions::{self, NewSession};
use store::accounts::users::User;
use store::tokio_postgres::GenericClient;
use uuid::Uuid;

use crate::error::{ApiError, ErrorCode};
use crate::identity::ClientInfo;

/// A refresh token lasts 30 days; each use replaces it.
pub(crate) const REFRESH_TOKEN_TTL: Duration = Duration::days(30);

/// What sign-in, sign-up and refresh answer with.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SessionTokens {
    pub access_token: String,
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub refresh_token: String,
    pub refresh_token_expires_at: DateTime<Utc>,
    pub session_id: Uuid,
}

/// Issues an access token and a new refresh token in `family` (a new family when `None`).
pub(crate) async fn issue(
    db: &impl GenericClient,
    state: &AppState,
    user: &User,
    client: &ClientInfo,
    family: Option<Uuid>,
) -> Result<SessionTokens, ApiError> {
    let organization_id = user.organization_id.ok_or_else(|| {
        ApiError::new(
            ErrorCode::Unauthenticated,
            "this account is not a member of any organization",
        )
    })?;
    let family_id = family.unwrap_or_else(Uuid::now_v7);
    let refresh = OpaqueToken::generate();
    let now = Utc::now();
    let refresh_expires = now + REFRESH_TOKEN_TTL;
    let device = client
        .user_agent
        .as_deref()
        .map(|ua| serde_json::json!({ "user_agent": ua }));
    sessions::insert(
        db,
        &NewSession {
            user_id: user.id,
            family_id,
            token_hash: &refresh.hash(),
            ip: client.ip,
            user_agent: client.user_agent.as_deref(),
            device_info: device,
            expires_at: refresh_expires,
        },
    )
    .await?;
    let (access_token, _) =
        state
            .access_tokens
            .issue(user.id, organization_id, user.role, family_id, now);
    Ok(SessionTokens {
        access_token,
        token_type: "Bearer",
        expires_in: ACCESS_TOKEN_TTL.num_seconds(),
        refresh_token: refresh.expose().to_owned(),
        refresh_token_expires_at: refresh_expires,
        session_id: family_id,
    })
}
