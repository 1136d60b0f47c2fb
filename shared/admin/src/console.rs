//! What the admin console reads across organizations, and the one thing it changes there: an
//! organization's plan.

use chrono::{DateTime, NaiveDate, Utc};
use domain::{SubscriptionPlan, SubscriptionStatus};
use runtime::AppState;
use serde::Serialize;
use store::OrgId;
use store::accounts::audit::{self, AuditEntry};
use store::platform::{self, AuditFilter};
use uuid::Uuid;

use crate::{AdminError, PlatformAdmin};

pub const MAX_PAGE: i64 = 100;

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Stats {
    pub organizations: OrganizationStats,
    pub users: UserStats,
    /// The last 14 days, oldest first.
    pub posts: Vec<PostsOnDay>,
    pub ai: AiStats,
    pub queues: Vec<crate::health::QueueDepth>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct OrganizationStats {
    pub total: i64,
    pub by_plan: std::collections::BTreeMap<String, i64>,
    pub past_due: i64,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct UserStats {
    pub total: i64,
    pub active_30d: i64,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PostsOnDay {
    pub date: NaiveDate,
    pub published: i64,
    pub failed: i64,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct AiStats {
    pub tasks_30d: i64,
    pub tokens_30d: i64,
    pub cost_usd_30d: f64,
}

pub async fn stats(state: &AppState) -> Result<Stats, AdminError> {
    let (totals, days) = {
        let client = state.db.client().await?;
        (
            platform::totals(&**client).await?,
            platform::publishing_per_day(&**client, 14).await?,
        )
    };
    let mut by_plan: std::collections::BTreeMap<String, i64> = SubscriptionPlan::ALL
        .iter()
        .map(|p| (p.as_str().to_owned(), 0))
        .collect();
    for (plan, count) in &totals.organizations_by_plan {
        by_plan.insert(plan.as_str().to_owned(), *count);
    }
    Ok(Stats {
        organizations: OrganizationStats {
            total: totals.organizations,
            by_plan,
            past_due: totals.past_due,
        },
        users: UserStats {
            total: totals.users,
            active_30d: totals.active_users_30d,
        },
        posts: days
            .into_iter()
            .map(|(date, published, failed)| PostsOnDay {
                date,
                published,
                failed,
            })
            .collect(),
        ai: AiStats {
            tasks_30d: totals.ai_tasks_30d,
            tokens_30d: totals.ai_tokens_30d,
            cost_usd_30d: (totals.ai_cost_usd_30d * 10_000.0).round() / 10_000.0,
        },
        queues: crate::health::queue_depths(state).await,
    })
}

/// Paging, checked once: a limit of 1 to 100, an offset from 0.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub limit: i64,
    pub offset: i64,
}

impl Paging {
    pub fn parse(limit: Option<i64>, offset: Option<i64>) -> Result<Self, AdminError> {
        let limit = limit.unwrap_or(25);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(AdminError::Invalid {
                field: "limit",
                issue: format!("must be between 1 and {MAX_PAGE}"),
            });
        }
        let offset = offset.unwrap_or(0);
        if offset < 0 {
            return Err(AdminError::Invalid {
                field: "offset",
                issue: "must not be negative".into(),
            });
        }
        Ok(Paging { limit, offset })
    }
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct OrganizationRef {
    pub id: Uuid,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct AdminUser {
    pub id: Uuid,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub role: String,
    pub is_active: bool,
    pub is_super_admin: bool,
    pub organization: Option<OrganizationRef>,
    pub last_login: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct UserPage {
    pub users: Vec<AdminUser>,
    pub total: i64,
}

/// The search text, trimmed; blank means no filter.
fn search_text(query: Option<&str>) -> Option<&str> {
    query.map(str::trim).filter(|q| !q.is_empty())
}

pub async fn users(
    state: &AppState,
    query: Option<&str>,
    paging: Paging,
) -> Result<UserPage, AdminError> {
    let client = state.db.client().await?;
    let page =
        platform::search_users(&**client, search_text(query), paging.limit, paging.offset).await?;
    Ok(UserPage {
        total: page.total,
        users: page
            .rows
            .into_iter()
            .map(|u| AdminUser {
                id: u.id,
                email: u.email,
                first_name: u.first_name,
                last_name: u.last_name,
                role: u.role,
                is_active: u.is_active,
                is_super_admin: u.is_super_admin,
                organization: u.organization.map(|(id, name, slug)| OrganizationRef {
                    id: id.as_uuid(),
                    name,
                    slug: Some(slug),
                }),
                last_login: u.last_login,
                created_at: u.created_at,
            })
            .collect(),
    })
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct AdminOrganization {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub plan: SubscriptionPlan,
    pub status: SubscriptionStatus,
    pub members: i64,
    pub social_accounts: i64,
    pub grace_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<platform::OrganizationRow> for AdminOrganization {
    fn from(o: platform::OrganizationRow) -> Self {
        AdminOrganization {
            id: o.id.as_uuid(),
            name: o.name,
            slug: o.slug,
            plan: o.plan,
            status: o.status,
            members: o.members,
            social_accounts: o.social_accounts,
            grace_until: o.grace_until,
            created_at: o.created_at,
        }
    }
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct OrganizationPage {
    pub organizations: Vec<AdminOrganization>,
    pub total: i64,
}

pub async fn organizations(
    state: &AppState,
    query: Option<&str>,
    plan: Option<SubscriptionPlan>,
    paging: Paging,
) -> Result<OrganizationPage, AdminError> {
    let client = state.db.client().await?;
    let page = platform::search_organizations(
        &**client,
        search_text(query),
        plan,
        paging.limit,
        paging.offset,
    )
    .await?;
    Ok(OrganizationPage {
        total: page.total,
        organizations: page.rows.into_iter().map(Into::into).collect(),
    })
}

/// Sets an organization's plan (self-hosted billing, or a correction), whatever its usage:
/// limits are enforced on what is added next, nothing is removed. Audited in the
/// organization's trail, naming the administrator.
pub async fn set_plan(
    state: &AppState,
    admin: &PlatformAdmin,
    organization_id: OrgId,
    plan: SubscriptionPlan,
) -> Result<AdminOrganization, AdminError> {
    let mut client = state.db.client().await?;
    let pg: &mut store::tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let before = platform::organization(&tx, organization_id)
        .await?
        .ok_or(AdminError::NotFound("organization"))?;
    store::accounts::organizations::set_plan(&tx, organization_id, plan, plan.limits()).await?;
    audit::record(
        &tx,
        &store::accounts::audit::Actor {
            organization_id: Some(organization_id),
            ..admin.actor.clone()
        },
        AuditEntry {
            action: domain::AuditAction::Update,
            resource_type: "subscription",
            resource_id: Some(organization_id.as_uuid()),
            old_values: Some(serde_json::json!({ "plan": before.plan })),
            new_values: Some(serde_json::json!({ "plan": plan, "by": "platform_admin" })),
        },
    )
    .await?;
    let after = platform::organization(&tx, organization_id)
        .await?
        .ok_or(AdminError::NotFound("organization"))?;
    tx.commit().await?;
    Ok(after.into())
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct AuditEntryView {
    pub id: Uuid,
    pub organization: Option<OrganizationRef>,
    pub user: Option<UserRef>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<Uuid>,
    pub old_values: Option<serde_json::Value>,
    pub new_values: Option<serde_json::Value>,
    pub ip_address: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct UserRef {
    pub id: Uuid,
    pub email: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntryView>,
    pub total: i64,
}

pub async fn audit_logs(
    state: &AppState,
    filter: &AuditFilter,
    paging: Paging,
) -> Result<AuditPage, AdminError> {
    if let (Some(since), Some(until)) = (filter.since, filter.until)
        && since >= until
    {
        return Err(AdminError::Invalid {
            field: "until",
            issue: "must be after since".into(),
        });
    }
    let client = state.db.client().await?;
    let page = platform::audit_logs(&**client, filter, paging.limit, paging.offset).await?;
    Ok(AuditPage {
        total: page.total,
        entries: page
            .rows
            .into_iter()
            .map(|a| AuditEntryView {
                id: a.id,
                organization: a.organization.map(|(id, name)| OrganizationRef {
                    id,
                    name,
                    slug: None,
                }),
                user: a.user.map(|(id, email)| UserRef { id, email }),
                action: a.action,
                resource_type: a.resource_type,
                resource_id: a.resource_id,
                old_values: a.old_values,
                new_values: a.new_values,
                ip_address: a.ip_address,
                created_at: a.created_at,
            })
            .collect(),
    })
}
