use chrono::{DateTime, Utc};
use domain::{PlanLimits, SubscriptionPlan, SubscriptionStatus};
use serde::Serialize;
use tokio_postgres::{GenericClient, Row};

use crate::OrgId;
use crate::StoreError;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Organization {
    pub id: OrgId,
    pub name: String,
    pub slug: String,
    pub subscription_plan: SubscriptionPlan,
    pub subscription_status: SubscriptionStatus,
    pub max_users: i32,
    pub max_social_accounts: i32,
    pub data_retention_days: i32,
    pub gdpr_consent: bool,
    pub gdpr_consent_date: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, name, slug, subscription_plan, subscription_status, max_users, max_social_accounts,
    data_retention_days, gdpr_consent, gdpr_consent_date, created_at, updated_at";

fn from_row(row: &Row) -> Organization {
    Organization {
        id: row.get("id"),
        name: row.get("name"),
        slug: row.get("slug"),
        // The CHECK constraints guarantee these parse.
        subscription_plan: row
            .get::<_, String>("subscription_plan")
            .parse()
            .expect("checked plan"),
        subscription_status: row
            .get::<_, String>("subscription_status")
            .parse()
            .expect("checked status"),
        max_users: row.get("max_users"),
        max_social_accounts: row.get("max_social_accounts"),
        data_retention_days: row.get("data_retention_days"),
        gdpr_consent: row.get("gdpr_consent"),
        gdpr_consent_date: row.get("gdpr_consent_date"),
        created_at: row.get("created_at"),
        updated_at: row.get("updated_at"),
    }
}

pub async fn create(
    db: &impl GenericClient,
    name: &str,
    slug: &str,
    gdpr_consent: bool,
) -> Result<Organization, StoreError> {
    let row = db
        .query_one(
            &format!(
                "INSERT INTO organizations (name, slug, gdpr_consent, gdpr_consent_date)
                 VALUES ($1, $2, $3, CASE WHEN $3 THEN now() END) RETURNING {COLUMNS}"
            ),
            &[&name, &slug, &gdpr_consent],
        )
        .await?;
    Ok(from_row(&row))
}

pub async fn slug_taken(db: &impl GenericClient, slug: &str) -> Result<bool, StoreError> {
    Ok(db
        .query_opt("SELECT 1 FROM organizations WHERE slug = $1", &[&slug])
        .await?
        .is_some())
}

/// A live organization; `for_update` locks it for the rest of the transaction (limit checks).
///
/// The lock is `FOR NO KEY UPDATE`: it serialises the organization's limit and quota checks,
/// yet lets other transactions insert rows that reference the organization (audit rows, posts),
/// whose foreign keys only take a key-share lock. Lock order, everywhere: the organization, then
/// the resource (asset, post, then its targets), then the audit row.
pub async fn get(
    db: &impl GenericClient,
    id: OrgId,
    for_update: bool,
) -> Result<Option<Organization>, StoreError> {
    let lock = if for_update { " FOR NO KEY UPDATE" } else { "" };
    let row = db
        .query_opt(
            &format!(
                "SELECT {COLUMNS} FROM organizations WHERE id = $1 AND deleted_at IS NULL{lock}"
            ),
            &[&id],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// Fields of an update; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct OrganizationChanges {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub data_retention_days: Option<i32>,
    pub gdpr_consent: Option<bool>,
}

pub async fn update(
    db: &impl GenericClient,
    id: OrgId,
    changes: &OrganizationChanges,
) -> Result<Organization, StoreError> {
    let row = db
        .query_one(
            &format!(
                "UPDATE organizations SET
                    name = COALESCE($2, name),
                    slug = COALESCE($3, slug),
                    data_retention_days = COALESCE($4, data_retention_days),
                    gdpr_consent = COALESCE($5, gdpr_consent),
                    gdpr_consent_date = CASE WHEN $5 IS TRUE AND NOT gdpr_consent THEN now()
                                             WHEN $5 IS FALSE THEN NULL ELSE gdpr_consent_date END
                 WHERE id = $1 RETURNING {COLUMNS}"
            ),
            &[
                &id,
                &changes.name,
                &changes.slug,
                &changes.data_retention_days,
                &changes.gdpr_consent,
            ],
        )
        .await?;
    Ok(from_row(&row))
}

pub async fn set_plan(
    db: &impl GenericClient,
    id: OrgId,
    plan: SubscriptionPlan,
    limits: PlanLimits,
) -> Result<Organization, StoreError> {
    let row = db
        .query_one(
            &format!(
                "UPDATE organizations SET subscription_plan = $2, max_users = $3, max_social_accounts = $4
                 WHERE id = $1 RETURNING {COLUMNS}"
            ),
            &[&id, &plan.as_str(), &limits.max_users, &limits.max_social_accounts],
        )
        .await?;
    Ok(from_row(&row))
}

/// Members, pending invitations and connected accounts: what plan limits are checked against.
#[derive(Debug, Clone, Copy, Serialize, schemars::JsonSchema)]
pub struct Usage {
    pub members: i64,
    pub pending_invitations: i64,
    pub social_accounts: i64,
}

pub async fn usage(db: &impl GenericClient, id: OrgId) -> Result<Usage, StoreError> {
    let row = db
        .query_one(
            "SELECT
                (SELECT count(*) FROM users WHERE organization_id = $1 AND is_active),
                (SELECT count(*) FROM account_tokens WHERE organization_id = $1 AND purpose = 'invite'
                   AND used_at IS NULL AND expires_at > now()),
                (SELECT count(*) FROM social_accounts WHERE organization_id = $1)",
            &[&id],
        )
        .await?;
    Ok(Usage {
        members: row.get(0),
        pending_invitations: row.get(1),
        social_accounts: row.get(2),
    })
}

/// Deletes the organization and, by cascade, everything it owns.
pub async fn delete(db: &impl GenericClient, id: OrgId) -> Result<(), StoreError> {
    db.execute("DELETE FROM organizations WHERE id = $1", &[&id])
        .await?;
    Ok(())
}
