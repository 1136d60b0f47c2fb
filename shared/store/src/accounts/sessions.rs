//! Sessions are refresh-token families. Each refresh rotates the family's live token; a rotated
//! token presented again means it was stolen or replayed, and the whole family is revoked.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use domain::Role;
use serde::Serialize;
use tokio_postgres::GenericClient;
use uuid::Uuid;

use crate::OrgId;
use crate::StoreError;

pub struct NewSession<'a> {
    pub user_id: Uuid,
    pub family_id: Uuid,
    pub token_hash: &'a str,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<&'a str>,
    pub device_info: Option<serde_json::Value>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(db: &impl GenericClient, session: &NewSession<'_>) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO user_sessions (user_id, family_id, token_hash, ip_address, user_agent, device_info, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &session.user_id,
            &session.family_id,
            &session.token_hash,
            &session.ip,
            &session.user_agent,
            &session.device_info,
            &session.expires_at,
        ],
    )
    .await?;
    Ok(())
}

/// What a presented refresh token turned out to be.
pub enum RefreshLookup {
    Unknown,
    /// The family's live token: rotate it.
    Live {
        user_id: Uuid,
        family_id: Uuid,
    },
    /// Already rotated or revoked, or expired.
    Spent {
        user_id: Uuid,
        family_id: Uuid,
        /// Never rotated: merely expired, or revoked (a signed-out device refreshing). Only a
        /// rotated token coming back is reuse.
        never_rotated: bool,
    },
}

/// Finds a refresh token and locks its row, so two concurrent refreshes cannot both rotate it.
pub async fn lookup_for_refresh(
    db: &impl GenericClient,
    token_hash: &str,
) -> Result<RefreshLookup, StoreError> {
    let row = db
        .query_opt(
            "SELECT user_id, family_id, rotated_at IS NULL AND revoked_at IS NULL AS live,
                    expires_at <= now() AS expired, rotated_at IS NULL AS never_rotated
             FROM user_sessions WHERE token_hash = $1 FOR UPDATE",
            &[&token_hash],
        )
        .await?;
    let Some(row) = row else {
        return Ok(RefreshLookup::Unknown);
    };
    let (user_id, family_id): (Uuid, Uuid) = (row.get(0), row.get(1));
    let live: bool = row.get(2);
    let expired: bool = row.get(3);
    Ok(if live && !expired {
        RefreshLookup::Live { user_id, family_id }
    } else {
        RefreshLookup::Spent {
            user_id,
            family_id,
            never_rotated: row.get(4),
        }
    })
}

pub async fn mark_rotated(db: &impl GenericClient, token_hash: &str) -> Result<(), StoreError> {
    db.execute(
        "UPDATE user_sessions SET rotated_at = now() WHERE token_hash = $1",
        &[&token_hash],
    )
    .await?;
    Ok(())
}

/// Revokes every live token of a family; returns how many were live.
pub async fn revoke_family(
    db: &impl GenericClient,
    family_id: Uuid,
    reason: &str,
) -> Result<u64, StoreError> {
    Ok(db
        .execute(
            "UPDATE user_sessions SET revoked_at = now(), revoke_reason = $2
             WHERE family_id = $1 AND revoked_at IS NULL",
            &[&family_id, &reason],
        )
        .await?)
}

/// Revokes a family only if it belongs to the user (a session id of someone else is not found).
pub async fn revoke_own_family(
    db: &impl GenericClient,
    user_id: Uuid,
    family_id: Uuid,
) -> Result<bool, StoreError> {
    let updated = db
        .execute(
            "UPDATE user_sessions SET revoked_at = now(), revoke_reason = 'revoked'
             WHERE family_id = $1 AND user_id = $2 AND revoked_at IS NULL",
            &[&family_id, &user_id],
        )
        .await?;
    Ok(updated > 0)
}

pub async fn revoke_all_for_user(
    db: &impl GenericClient,
    user_id: Uuid,
    reason: &str,
) -> Result<u64, StoreError> {
    Ok(db
        .execute(
            "UPDATE user_sessions SET revoked_at = now(), revoke_reason = $2
             WHERE user_id = $1 AND revoked_at IS NULL",
            &[&user_id, &reason],
        )
        .await?)
}

/// The caller of an access token, as the database sees them now: a revoked session, a removed
/// member or a changed role takes effect at once, not when the token expires.
#[derive(Debug, Clone)]
pub struct LiveIdentity {
    pub user_id: Uuid,
    pub organization_id: OrgId,
    pub role: Role,
    pub is_super_admin: bool,
    pub email: String,
    pub email_verified: bool,
}

pub async fn live_identity(
    db: &impl GenericClient,
    user_id: Uuid,
    family_id: Uuid,
) -> Result<Option<LiveIdentity>, StoreError> {
    let row = db
        .query_opt(
            "SELECT u.organization_id, u.role, u.is_super_admin, u.email, COALESCE(u.email_verified, false)
             FROM users u
             WHERE u.id = $1 AND u.is_active AND u.organization_id IS NOT NULL
               AND EXISTS (SELECT 1 FROM user_sessions s
                           WHERE s.family_id = $2 AND s.user_id = u.id
                             AND s.revoked_at IS NULL AND s.rotated_at IS NULL AND s.expires_at > now())",
            &[&user_id, &family_id],
        )
        .await?;
    Ok(row.map(|row| LiveIdentity {
        user_id,
        organization_id: row.get(0),
        role: row.get::<_, String>(1).parse().expect("checked role"),
        is_super_admin: row.get(2),
        email: row.get(3),
        email_verified: row.get(4),
    }))
}

/// One signed-in device, as the sessions list shows it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SessionSummary {
    pub id: Uuid,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub device_info: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub current: bool,
}

pub async fn list_live(
    db: &impl GenericClient,
    user_id: Uuid,
    current_family: Uuid,
) -> Result<Vec<SessionSummary>, StoreError> {
    let rows = db
        .query(
            "SELECT live.family_id, host(live.ip_address), live.user_agent, live.device_info,
                    (SELECT min(created_at) FROM user_sessions f WHERE f.family_id = live.family_id),
                    live.created_at, live.expires_at
             FROM user_sessions live
             WHERE live.user_id = $1 AND live.revoked_at IS NULL AND live.rotated_at IS NULL
               AND live.expires_at > now()
             ORDER BY live.created_at DESC",
            &[&user_id],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| {
            let id: Uuid = row.get(0);
            SessionSummary {
                id,
                ip_address: row.get(1),
                user_agent: row.get(2),
                device_info: row.get(3),
                created_at: row.get(4),
                last_used_at: row.get(5),
                expires_at: row.get(6),
                current: id == current_family,
            }
        })
        .collect())
}
