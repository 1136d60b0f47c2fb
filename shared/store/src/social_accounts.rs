//! Connected social accounts of an organization. Tokens are stored only as ciphertexts (the
//! caller encrypts them, bound to the row id).

use chrono::{DateTime, Utc};
use domain::{AccountStatus, Platform};
use serde::Serialize;
use serde_json::Value;
use tokio_postgres::{GenericClient, Row};
use uuid::Uuid;

use crate::OrgId;
use crate::StoreError;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SocialAccount {
    pub id: Uuid,
    #[serde(skip)]
    pub organization_id: OrgId,
    pub connected_by: Option<Uuid>,
    pub platform: Platform,
    pub account_name: Option<String>,
    pub account_handle: Option<String>,
    /// The platform's id of the account.
    pub account_id: String,
    #[serde(skip)]
    pub access_token: Option<String>,
    #[serde(skip)]
    pub refresh_token: Option<String>,
    pub token_expires_at: Option<DateTime<Utc>>,
    pub is_active: bool,
    /// `needs_reconnect` when the platform no longer accepts our tokens.
    pub status: AccountStatus,
    pub status_reason: Option<String>,
    pub settings: Value,
    pub followers_count: Option<i64>,
    pub last_sync: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, organization_id, user_id, platform, account_name, account_handle, account_id, access_token,
    refresh_token, token_expires_at, is_active, status, status_reason, settings, followers_count, last_sync, created_at";

fn from_row(row: &Row) -> SocialAccount {
    SocialAccount {
        id: row.get("id"),
        organization_id: row.get("organization_id"),
        connected_by: row.get("user_id"),
        platform: row
            .get::<_, String>("platform")
            .parse()
            .expect("checked platform"),
        account_name: row.get("account_name"),
        account_handle: row.get("account_handle"),
        account_id: row
            .get::<_, Option<String>>("account_id")
            .unwrap_or_default(),
        access_token: row.get("access_token"),
        refresh_token: row.get("refresh_token"),
        token_expires_at: row.get("token_expires_at"),
        is_active: row.get("is_active"),
        status: row
            .get::<_, String>("status")
            .parse()
            .expect("checked account status"),
        status_reason: row.get("status_reason"),
        settings: row.get("settings"),
        followers_count: row.get("followers_count"),
        last_sync: row.get("last_sync"),
        created_at: row.get("created_at"),
    }
}

pub async fn count(db: &impl GenericClient, organization_id: OrgId) -> Result<i64, StoreError> {
    Ok(db
        .query_one(
            "SELECT count(*) FROM social_accounts WHERE organization_id = $1",
            &[&organization_id],
        )
        .await?
        .get(0))
}

pub async fn list(
    db: &impl GenericClient,
    organization_id: OrgId,
) -> Result<Vec<SocialAccount>, StoreError> {
    let rows = db
        .query(
            &format!("SELECT {COLUMNS} FROM social_accounts WHERE organization_id = $1 ORDER BY platform, created_at"),
            &[&organization_id],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect())
}

pub async fn get(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
    for_update: bool,
) -> Result<Option<SocialAccount>, StoreError> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let row = db
        .query_opt(
            &format!(
                "SELECT {COLUMNS} FROM social_accounts WHERE id = $1 AND organization_id = $2{lock}"
            ),
            &[&id, &organization_id],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

pub async fn find(
    db: &impl GenericClient,
    organization_id: OrgId,
    platform: Platform,
    account_id: &str,
) -> Result<Option<SocialAccount>, StoreError> {
    let row = db
        .query_opt(
            &format!("SELECT {COLUMNS} FROM social_accounts WHERE organization_id = $1 AND platform = $2 AND account_id = $3"),
            &[&organization_id, &platform.as_str(), &account_id],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

pub struct NewAccount<'a> {
    pub id: Uuid,
    pub organization_id: OrgId,
    pub connected_by: Uuid,
    pub platform: Platform,
    pub account_id: &'a str,
    pub account_name: &'a str,
    pub account_handle: Option<&'a str>,
    pub followers_count: Option<i64>,
    /// The platform user who granted access, when not the account itself (kept in
    /// `account_data` for deauthorization callbacks).
    pub owner_id: Option<&'a str>,
}

pub async fn insert(
    db: &impl GenericClient,
    account: &NewAccount<'_>,
) -> Result<SocialAccount, StoreError> {
    let row = db
        .query_one(
            &format!(
                "INSERT INTO social_accounts (id, organization_id, user_id, platform, account_id, account_name,
                                              account_handle, followers_count, account_data)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
                         CASE WHEN $9::text IS NULL THEN NULL ELSE jsonb_build_object('owner_id', $9::text) END)
                 RETURNING {COLUMNS}"
            ),
            &[
                &account.id,
                &account.organization_id,
                &account.connected_by,
                &account.platform.as_str(),
                &account.account_id,
                &account.account_name,
                &account.account_handle,
                &account.followers_count,
                &account.owner_id,
            ],
        )
        .await?;
    Ok(from_row(&row))
}

/// Stores new (encrypted) tokens and marks the connection healthy again.
pub async fn set_tokens(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
    access_token: &str,
    refresh_token: Option<&str>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<SocialAccount, StoreError> {
    let row = db
        .query_one(
            &format!(
                "UPDATE social_accounts SET access_token = $2, refresh_token = COALESCE($3, refresh_token),
                        token_expires_at = $4, status = 'active', status_reason = NULL
                 WHERE id = $1 AND organization_id = $5 RETURNING {COLUMNS}"
            ),
            &[&id, &access_token, &refresh_token, &expires_at, &organization_id],
        )
        .await?;
    Ok(from_row(&row))
}

/// Marks an account as refused by its platform; true when it was healthy until now (so its
/// owners are told once, not at every refused attempt).
pub async fn mark_needs_reconnect(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
    reason: &str,
) -> Result<bool, StoreError> {
    let row = db
        .query_opt(
            "UPDATE social_accounts s SET status = 'needs_reconnect', status_reason = $2
             FROM (SELECT id, status AS old_status FROM social_accounts
                   WHERE id = $1 AND organization_id = $3 FOR UPDATE) old
             WHERE s.id = old.id
             RETURNING old.old_status",
            &[&id, &reason, &organization_id],
        )
        .await?;
    Ok(row.is_some_and(|row| row.get::<_, String>(0) != AccountStatus::NeedsReconnect.as_str()))
}

pub async fn update_settings(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
    name: Option<&str>,
    settings: &Value,
    is_active: Option<bool>,
) -> Result<SocialAccount, StoreError> {
    let row = db
        .query_one(
            &format!(
                "UPDATE social_accounts SET account_name = COALESCE($2, account_name), settings = $3,
                        is_active = COALESCE($4, is_active)
                 WHERE id = $1 AND organization_id = $5 RETURNING {COLUMNS}"
            ),
            &[&id, &name, settings, &is_active, &organization_id],
        )
        .await?;
    Ok(from_row(&row))
}

pub async fn record_sync(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
    name: &str,
    handle: Option<&str>,
    followers: Option<i64>,
) -> Result<SocialAccount, StoreError> {
    let row = db
        .query_one(
            &format!(
                "UPDATE social_accounts SET account_handle = COALESCE($3, account_handle),
                        followers_count = COALESCE($4, followers_count), last_sync = now(),
                        account_name = CASE WHEN settings ? 'display_name' THEN account_name ELSE $2 END
                 WHERE id = $1 AND organization_id = $5 RETURNING {COLUMNS}"
            ),
            &[&id, &name, &handle, &followers, &organization_id],
        )
        .await?;
    Ok(from_row(&row))
}

pub async fn delete(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
) -> Result<(), StoreError> {
    db.execute(
        "DELETE FROM social_accounts WHERE id = $1 AND organization_id = $2",
        &[&id, &organization_id],
    )
    .await?;
    Ok(())
}

/// Connected accounts of every organization whose token expires before `before` and that can be
/// refreshed: what the scheduled maintenance run renews.
pub async fn expiring(
    db: &impl GenericClient,
    before: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<SocialAccount>, StoreError> {
    let rows = db
        .query(
            &format!(
                "SELECT {COLUMNS} FROM social_accounts
                 WHERE is_active AND status = 'active' AND refresh_token IS NOT NULL AND token_expires_at < $1
                 ORDER BY token_expires_at LIMIT $2"
            ),
            &[&before, &limit],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect())
}

/// Every connected account, in any organization, of a platform identity: the account itself
/// or the user who granted access to it (`account_data.owner_id`). Webhooks name identities,
/// not tenants; the organization comes from what is found here.
pub async fn by_identity(
    db: &impl GenericClient,
    platforms: &[Platform],
    identity: &str,
) -> Result<Vec<SocialAccount>, StoreError> {
    let names: Vec<&str> = platforms.iter().map(|p| p.as_str()).collect();
    let rows = db
        .query(
            &format!(
                "SELECT {COLUMNS} FROM social_accounts
                 WHERE platform = ANY($1) AND (account_id = $2 OR account_data->>'owner_id' = $2)
                 ORDER BY organization_id, id"
            ),
            &[&names, &identity],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect())
}

/// Deletes what a platform's data deletion request covers: the identity's accounts in every
/// organization (their tokens, mentions and publishing targets go with them). Returns how
/// many accounts were deleted.
pub async fn delete_identity(
    db: &impl GenericClient,
    platforms: &[Platform],
    identity: &str,
) -> Result<u64, StoreError> {
    let names: Vec<&str> = platforms.iter().map(|p| p.as_str()).collect();
    Ok(db
        .execute(
            "DELETE FROM social_accounts
             WHERE platform = ANY($1) AND (account_id = $2 OR account_data->>'owner_id' = $2)",
            &[&names, &identity],
        )
        .await?)
}

/// Records a data deletion request and what it removed; the code is what the user is given to
/// check its status.
pub async fn record_deletion(
    db: &impl GenericClient,
    confirmation_code: &str,
    platform: Platform,
    identity: &str,
    accounts_removed: i32,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO data_deletion_requests (confirmation_code, platform, platform_user_id,
                                             accounts_removed, completed_at)
         VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (confirmation_code) DO NOTHING",
        &[
            &confirmation_code,
            &platform.as_str(),
            &identity,
            &accounts_removed,
        ],
    )
    .await?;
    Ok(())
}

/// A deletion request's status by its confirmation code: when it was asked and completed.
pub async fn deletion_status(
    db: &impl GenericClient,
    confirmation_code: &str,
) -> Result<Option<(DateTime<Utc>, Option<DateTime<Utc>>, i32)>, StoreError> {
    let row = db
        .query_opt(
            "SELECT requested_at, completed_at, accounts_removed FROM data_deletion_requests
             WHERE confirmation_code = $1",
            &[&confirmation_code],
        )
        .await?;
    Ok(row.map(|r| (r.get(0), r.get(1), r.get(2))))
}
