use chrono::{DateTime, Utc};
use domain::Role;
use serde::Serialize;
use tokio_postgres::{GenericClient, Row};
use uuid::Uuid;

use crate::OrgId;
use crate::StoreError;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct User {
    pub id: Uuid,
    pub organization_id: Option<OrgId>,
    pub email: String,
    #[serde(skip)]
    pub password_hash: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub role: Role,
    pub avatar_url: Option<String>,
    pub timezone: String,
    pub language: String,
    pub is_active: bool,
    pub email_verified: bool,
    pub is_super_admin: bool,
    pub gdpr_consent: bool,
    pub last_login: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, organization_id, email, password_hash, first_name, last_name, role, avatar_url,
    timezone, language, is_active, email_verified, is_super_admin, gdpr_consent, last_login, created_at, updated_at";

fn from_row(row: &Row) -> User {
    User {
        id: row.get("id"),
        organization_id: row.get("organization_id"),
        email: row.get("email"),
        password_hash: row.get("password_hash"),
        first_name: row.get("first_name"),
        last_name: row.get("last_name"),
        role: row.get::<_, String>("role").parse().expect("checked role"),
        avatar_url: row.get("avatar_url"),
        timezone: row.get("timezone"),
        language: row.get("language"),
        is_active: row.get("is_active"),
        email_verified: row.get("email_verified"),
        is_super_admin: row.get("is_super_admin"),
        gdpr_consent: row.get("gdpr_consent"),
        last_login: row.get("last_login"),
        created_at: row.get("created_at"),
        updated_at: row.get("updated_at"),
    }
}

pub struct NewUser<'a> {
    pub organization_id: OrgId,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub role: Role,
    pub email_verified: bool,
    pub gdpr_consent: bool,
}

pub async fn create(db: &impl GenericClient, user: &NewUser<'_>) -> Result<User, StoreError> {
    let row = db
        .query_one(
            &format!(
                "INSERT INTO users (organization_id, email, password_hash, first_name, last_name, role,
                                    email_verified, gdpr_consent, gdpr_consent_date)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $8 THEN now() END)
                 RETURNING {COLUMNS}"
            ),
            &[
                &user.organization_id,
                &user.email,
                &user.password_hash,
                &user.first_name,
                &user.last_name,
                &user.role.as_str(),
                &user.email_verified,
                &user.gdpr_consent,
            ],
        )
        .await?;
    Ok(from_row(&row))
}

pub async fn find_by_email(
    db: &impl GenericClient,
    email: &str,
) -> Result<Option<User>, StoreError> {
    let row = db
        .query_opt(
            &format!("SELECT {COLUMNS} FROM users WHERE email = $1"),
            &[&email],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// A user by id, whatever their organization: only for the user acting on themselves.
/// The user's profile time zone, as stored.
pub async fn timezone_of(db: &impl GenericClient, id: Uuid) -> Result<Option<String>, StoreError> {
    let row = db
        .query_opt("SELECT timezone FROM users WHERE id = $1", &[&id])
        .await?;
    Ok(row.and_then(|r| r.get(0)))
}

pub async fn get(db: &impl GenericClient, id: Uuid) -> Result<Option<User>, StoreError> {
    let row = db
        .query_opt(
            &format!("SELECT {COLUMNS} FROM users WHERE id = $1"),
            &[&id],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// A member of one organization; another organization's user reads as absent.
pub async fn get_member(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
    for_update: bool,
) -> Result<Option<User>, StoreError> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let row = db
        .query_opt(
            &format!("SELECT {COLUMNS} FROM users WHERE id = $1 AND organization_id = $2 AND is_active{lock}"),
            &[&id, &organization_id],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

pub async fn list_members(
    db: &impl GenericClient,
    organization_id: OrgId,
) -> Result<Vec<User>, StoreError> {
    let rows = db
        .query(
            &format!(
                "SELECT {COLUMNS} FROM users WHERE organization_id = $1 AND is_active
                 ORDER BY created_at, id"
            ),
            &[&organization_id],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect())
}

/// Active admins, locked: demotions and removals check "not the last admin" under this lock.
pub async fn lock_active_admins(
    db: &impl GenericClient,
    organization_id: OrgId,
) -> Result<Vec<Uuid>, StoreError> {
    let rows = db
        .query(
            "SELECT id FROM users WHERE organization_id = $1 AND is_active AND role = 'admin' FOR UPDATE",
            &[&organization_id],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

#[derive(Debug, Default)]
pub struct ProfileChanges {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// `Some(None)` clears the avatar.
    pub avatar_url: Option<Option<String>>,
    pub timezone: Option<String>,
    pub language: Option<String>,
    pub gdpr_consent: Option<bool>,
}

pub async fn update_profile(
    db: &impl GenericClient,
    id: Uuid,
    changes: &ProfileChanges,
) -> Result<User, StoreError> {
    let set_avatar = changes.avatar_url.is_some();
    let avatar = changes.avatar_url.clone().flatten();
    let row = db
        .query_one(
            &format!(
                "UPDATE users SET
                    first_name = COALESCE($2, first_name),
                    last_name = COALESCE($3, last_name),
                    avatar_url = CASE WHEN $4 THEN $5 ELSE avatar_url END,
                    timezone = COALESCE($6, timezone),
                    language = COALESCE($7, language),
                    gdpr_consent = COALESCE($8, gdpr_consent),
                    gdpr_consent_date = CASE WHEN $8 IS TRUE AND NOT gdpr_consent THEN now()
                                             WHEN $8 IS FALSE THEN NULL ELSE gdpr_consent_date END
                 WHERE id = $1 RETURNING {COLUMNS}"
            ),
            &[
                &id,
                &changes.first_name,
                &changes.last_name,
                &set_avatar,
                &avatar,
                &changes.timezone,
                &changes.language,
                &changes.gdpr_consent,
            ],
        )
        .await?;
    Ok(from_row(&row))
}

pub async fn set_role(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
    role: Role,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE users SET role = $2 WHERE id = $1 AND organization_id = $3",
        &[&id, &role.as_str(), &organization_id],
    )
    .await?;
    Ok(())
}

pub async fn deactivate(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE users SET is_active = FALSE WHERE id = $1 AND organization_id = $2",
        &[&id, &organization_id],
    )
    .await?;
    Ok(())
}

pub async fn set_password(
    db: &impl GenericClient,
    id: Uuid,
    password_hash: &str,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE users SET password_hash = $2, password_changed_at = now() WHERE id = $1",
        &[&id, &password_hash],
    )
    .await?;
    Ok(())
}

pub async fn mark_email_verified(db: &impl GenericClient, id: Uuid) -> Result<(), StoreError> {
    db.execute(
        "UPDATE users SET email_verified = TRUE WHERE id = $1",
        &[&id],
    )
    .await?;
    Ok(())
}

pub async fn record_login(db: &impl GenericClient, id: Uuid) -> Result<(), StoreError> {
    db.execute("UPDATE users SET last_login = now() WHERE id = $1", &[&id])
        .await?;
    Ok(())
}

pub async fn set_export_requested(db: &impl GenericClient, id: Uuid) -> Result<(), StoreError> {
    db.execute(
        "UPDATE users SET data_export_requested = TRUE WHERE id = $1",
        &[&id],
    )
    .await?;
    Ok(())
}

/// Erases the user row; sessions, tokens and exports go with it (ON DELETE CASCADE).
pub async fn delete(db: &impl GenericClient, id: Uuid) -> Result<(), StoreError> {
    db.execute("DELETE FROM users WHERE id = $1", &[&id])
        .await?;
    Ok(())
}

/// Posts the user authored, for their data export.
pub async fn authored_posts(
    db: &impl GenericClient,
    id: Uuid,
) -> Result<Vec<serde_json::Value>, StoreError> {
    let rows = db
        .query(
            "SELECT json_build_object('id', id, 'title', title, 'content', content, 'status', status,
                    'hashtags', hashtags, 'scheduled_at', scheduled_at, 'published_at', published_at,
                    'created_at', created_at)
             FROM posts WHERE user_id = $1 ORDER BY created_at",
            &[&id],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}
