//! Single-use account tokens: email verification, password reset, invitation. Stored hashed;
//! consumed with one conditional UPDATE so a token works once even under concurrent use.

use chrono::{DateTime, Utc};
use domain::Role;
use serde::Serialize;
use tokio_postgres::GenericClient;
use uuid::Uuid;

use crate::OrgId;
use crate::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
    Invite,
}

impl Purpose {
    const fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
            Purpose::Invite => "invite",
        }
    }
}

pub struct NewToken<'a> {
    pub purpose: Purpose,
    pub token_hash: &'a str,
    pub user_id: Option<Uuid>,
    pub organization_id: Option<OrgId>,
    pub email: &'a str,
    pub role: Option<Role>,
    pub created_by: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(db: &impl GenericClient, token: &NewToken<'_>) -> Result<Uuid, StoreError> {
    let row = db
        .query_one(
            "INSERT INTO account_tokens (purpose, token_hash, user_id, organization_id, email, role, created_by, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                &token.purpose.as_str(),
                &token.token_hash,
                &token.user_id,
                &token.organization_id,
                &token.email,
                &token.role.map(Role::as_str),
                &token.created_by,
                &token.expires_at,
            ],
        )
        .await?;
    Ok(row.get(0))
}

/// A consumed token's contents.
#[derive(Debug, Clone)]
pub struct ConsumedToken {
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub organization_id: Option<OrgId>,
    pub email: String,
    pub role: Option<Role>,
}

/// Marks the token used if it is unused, unexpired and of this purpose; `None` otherwise.
pub async fn consume(
    db: &impl GenericClient,
    purpose: Purpose,
    token_hash: &str,
) -> Result<Option<ConsumedToken>, StoreError> {
    let row = db
        .query_opt(
            "UPDATE account_tokens SET used_at = now()
             WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
             RETURNING id, user_id, organization_id, email, role",
            &[&token_hash, &purpose.as_str()],
        )
        .await?;
    Ok(row.map(|row| ConsumedToken {
        id: row.get(0),
        user_id: row.get(1),
        organization_id: row.get(2),
        email: row.get(3),
        role: row
            .get::<_, Option<String>>(4)
            .map(|r| r.parse().expect("checked role")),
    }))
}

/// Spends every unused token of a user for one purpose (a new reset link voids older ones).
pub async fn void_for_user(
    db: &impl GenericClient,
    user_id: Uuid,
    purpose: Purpose,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE account_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
        &[&user_id, &purpose.as_str()],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PendingInvitation {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

pub async fn pending_invitation_for(
    db: &impl GenericClient,
    organization_id: OrgId,
    email: &str,
) -> Result<bool, StoreError> {
    Ok(db
        .query_opt(
            "SELECT 1 FROM account_tokens WHERE organization_id = $1 AND email = $2 AND purpose = 'invite'
               AND used_at IS NULL AND expires_at > now()",
            &[&organization_id, &email],
        )
        .await?
        .is_some())
}

pub async fn pending_invitations(
    db: &impl GenericClient,
    organization_id: OrgId,
) -> Result<Vec<PendingInvitation>, StoreError> {
    let rows = db
        .query(
            "SELECT id, email, role, expires_at, created_at FROM account_tokens
             WHERE organization_id = $1 AND purpose = 'invite' AND used_at IS NULL AND expires_at > now()
             ORDER BY created_at",
            &[&organization_id],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| PendingInvitation {
            id: row.get(0),
            email: row.get(1),
            role: row.get::<_, String>(2).parse().expect("checked role"),
            expires_at: row.get(3),
            created_at: row.get(4),
        })
        .collect())
}
