//! Platform administration, for the people who run the platform (users with
//! `is_super_admin`, granted by `cargo xtask admin grant EMAIL` or the migrate function), not an
//! organization's admins: cross-tenant stats and searches, an organization's plan when billing
//! is manual or needs a correction, audit logs across organizations, system health, and
//! maintenance mode. Who may call this is decided at the HTTP edge
//! (`CurrentUser::require_platform_admin`); every change here writes an audit row.

pub mod console;
pub mod health;
pub mod maintenance;

use store::StoreError;
use store::accounts::audit::Actor;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{field}: {issue}")]
    Invalid { field: &'static str, issue: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("database: {0}")]
    Postgres(#[from] store::tokio_postgres::Error),
}

/// A platform administrator acting, as the audit trail records them.
#[derive(Debug, Clone)]
pub struct PlatformAdmin {
    pub user_id: Uuid,
    pub actor: Actor,
}

/// Grants (or takes back) platform administration by email: `cargo xtask admin grant` and the
/// migrate function's payload. Audited with no acting user (the operator ran a command).
pub async fn grant(
    db: &mut store::tokio_postgres::Client,
    email: &str,
    on: bool,
) -> Result<bool, AdminError> {
    let tx = db.transaction().await?;
    let found = store::platform::set_platform_admin(&tx, email, on).await?;
    if found {
        store::accounts::audit::record(
            &tx,
            &Actor {
                organization_id: None,
                user_id: None,
                ip: None,
                user_agent: Some("platform admin grant".into()),
            },
            store::accounts::audit::AuditEntry {
                action: domain::AuditAction::Update,
                resource_type: "platform_admin",
                resource_id: None,
                old_values: None,
                new_values: Some(
                    serde_json::json!({ "email": email.to_lowercase(), "granted": on }),
                ),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(found)
}
