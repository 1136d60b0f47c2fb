use std::net::IpAddr;

use domain::AuditAction;
use serde_json::Value;
use tokio_postgres::GenericClient;
use uuid::Uuid;

use crate::OrgId;
use crate::StoreError;

/// Who did something, from where: recorded with every change.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub organization_id: Option<OrgId>,
    pub user_id: Option<Uuid>,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

/// Where a request came from, for sessions and the audit trail.
#[derive(Debug, Clone, Default)]
pub struct RequestOrigin {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl RequestOrigin {
    /// The actor of an audit row: the user (when known) acting from here.
    pub fn actor(&self, user: Option<&crate::accounts::users::User>) -> Actor {
        Actor {
            organization_id: user.and_then(|u| u.organization_id),
            user_id: user.map(|u| u.id),
            ip: self.ip,
            user_agent: self.user_agent.clone(),
        }
    }
}

/// Who acts in a service call: a member of one organization with their current role, and
/// where the request came from.
#[derive(Debug, Clone)]
pub struct Caller {
    pub organization_id: OrgId,
    pub user_id: Uuid,
    pub role: domain::Role,
    pub origin: RequestOrigin,
}

impl Caller {
    /// The actor recorded in audit rows.
    pub fn actor(&self) -> Actor {
        Actor {
            organization_id: Some(self.organization_id),
            user_id: Some(self.user_id),
            ip: self.origin.ip,
            user_agent: self.origin.user_agent.clone(),
        }
    }
}

/// One audit row. Values must already be free of secrets (no hashes, no tokens).
pub struct AuditEntry<'a> {
    pub action: AuditAction,
    pub resource_type: &'a str,
    pub resource_id: Option<Uuid>,
    pub old_values: Option<Value>,
    pub new_values: Option<Value>,
}

/// Writes the row on the caller's transaction, so the change and its record commit together.
pub async fn record(
    db: &impl GenericClient,
    actor: &Actor,
    entry: AuditEntry<'_>,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO audit_logs (organization_id, user_id, action, resource_type, resource_id,
                                 old_values, new_values, ip_address, user_agent)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            &actor.organization_id,
            &actor.user_id,
            &entry.action.as_str(),
            &entry.resource_type,
            &entry.resource_id,
            &entry.old_values,
            &entry.new_values,
            &actor.ip,
            &actor.user_agent,
        ],
    )
    .await?;
    Ok(())
}

/// GDPR erasure: strips what identifies the user from audit rows, keeping that something happened.
pub async fn anonymise_user(db: &impl GenericClient, user_id: Uuid) -> Result<u64, StoreError> {
    Ok(db
        .execute(
            "UPDATE audit_logs SET user_id = NULL, ip_address = NULL, user_agent = NULL,
                    old_values = NULL, new_values = NULL,
                    resource_id = CASE WHEN resource_id = $1 THEN NULL ELSE resource_id END
             WHERE user_id = $1 OR resource_id = $1",
            &[&user_id],
        )
        .await?)
}

/// The user's own audit trail, for their data export.
pub async fn by_user(db: &impl GenericClient, user_id: Uuid) -> Result<Vec<Value>, StoreError> {
    let rows = db
        .query(
            "SELECT json_build_object('action', action, 'resource_type', resource_type,
                    'resource_id', resource_id, 'ip_address', host(ip_address), 'user_agent', user_agent,
                    'created_at', created_at)
             FROM audit_logs WHERE user_id = $1 ORDER BY created_at",
            &[&user_id],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}
