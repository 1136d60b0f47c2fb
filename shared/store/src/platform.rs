//! Platform-wide records that belong to no organization: the switches platform administrators
//! turn (maintenance mode), the last run of each scheduled function, and the cross-tenant reads
//! of the admin console. Nothing here is reachable by an organization's members: the `admin`
//! service decides who may call it.

use chrono::{DateTime, NaiveDate, Utc};
use domain::{SubscriptionPlan, SubscriptionStatus};
use serde_json::Value;
use tokio_postgres::GenericClient;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::{OrgId, StoreError};

// --- Settings --------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub value: Value,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<Uuid>,
}

pub async fn setting(db: &impl GenericClient, key: &str) -> Result<Option<Setting>, StoreError> {
    let row = db
        .query_opt(
            "SELECT value, updated_at, updated_by FROM platform_settings WHERE key = $1",
            &[&key],
        )
        .await?;
    Ok(row.map(|r| Setting {
        value: r.get(0),
        updated_at: r.get(1),
        updated_by: r.get(2),
    }))
}

pub async fn put_setting(
    db: &impl GenericClient,
    key: &str,
    value: &Value,
    by: Option<Uuid>,
) -> Result<Setting, StoreError> {
    let row = db
        .query_one(
            "INSERT INTO platform_settings (key, value, updated_by) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = $2, updated_by = $3, updated_at = now()
             RETURNING value, updated_at, updated_by",
            &[&key, value, &by],
        )
        .await?;
    Ok(Setting {
        value: row.get(0),
        updated_at: row.get(1),
        updated_by: row.get(2),
    })
}

/// Grants or takes back platform administration; returns false when no user has that email.
pub async fn set_platform_admin(
    db: &impl GenericClient,
    email: &str,
    on: bool,
) -> Result<bool, StoreError> {
    let n = db
        .execute(
            "UPDATE users SET is_super_admin = $2 WHERE email = lower($1)",
            &[&email, &on],
        )
        .await?;
    Ok(n > 0)
}

// --- Scheduled runs --------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledRun {
    pub name: String,
    pub last_run_at: DateTime<Utc>,
    pub succeeded: bool,
    pub detail: Option<String>,
}

pub async fn record_run(
    db: &impl GenericClient,
    name: &str,
    succeeded: bool,
    detail: Option<&str>,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO scheduled_runs (name, last_run_at, succeeded, detail) VALUES ($1, now(), $2, $3)
         ON CONFLICT (name) DO UPDATE SET last_run_at = now(), succeeded = $2, detail = $3",
        &[&name, &succeeded, &detail],
    )
    .await?;
    Ok(())
}

pub async fn runs(db: &impl GenericClient) -> Result<Vec<ScheduledRun>, StoreError> {
    let rows = db
        .query(
            "SELECT name, last_run_at, succeeded, detail FROM scheduled_runs ORDER BY name",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| ScheduledRun {
            name: r.get(0),
            last_run_at: r.get(1),
            succeeded: r.get(2),
            detail: r.get(3),
        })
        .collect())
}

// --- Stats -----------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    pub organizations: i64,
    pub organizations_by_plan: Vec<(SubscriptionPlan, i64)>,
    pub past_due: i64,
    pub users: i64,
    pub active_users_30d: i64,
    pub ai_tasks_30d: i64,
    pub ai_tokens_30d: i64,
    pub ai_cost_usd_30d: f64,
}

pub async fn totals(db: &impl GenericClient) -> Result<Totals, StoreError> {
    let row = db
        .query_one(
            "SELECT
                (SELECT count(*) FROM organizations WHERE deleted_at IS NULL),
                (SELECT count(*) FROM organizations
                 WHERE deleted_at IS NULL AND subscription_status = 'past_due'),
                (SELECT count(*) FROM users),
                (SELECT count(*) FROM users WHERE last_login > now() - interval '30 days'),
                (SELECT count(*) FROM ai_agent_tasks WHERE created_at > now() - interval '30 days'),
                (SELECT COALESCE(sum(input_tokens + output_tokens), 0)::bigint FROM ai_agent_tasks
                 WHERE created_at > now() - interval '30 days'),
                (SELECT COALESCE(sum(cost_usd), 0)::float8 FROM ai_agent_tasks
                 WHERE created_at > now() - interval '30 days')",
            &[],
        )
        .await?;
    let plans = db
        .query(
            "SELECT subscription_plan, count(*) FROM organizations WHERE deleted_at IS NULL
             GROUP BY subscription_plan",
            &[],
        )
        .await?;
    Ok(Totals {
        organizations: row.get(0),
        past_due: row.get(1),
        users: row.get(2),
        active_users_30d: row.get(3),
        ai_tasks_30d: row.get(4),
        ai_tokens_30d: row.get(5),
        ai_cost_usd_30d: row.get(6),
        organizations_by_plan: plans
            .iter()
            .map(|r| {
                (
                    r.get::<_, String>(0).parse().expect("checked plan"),
                    r.get(1),
                )
            })
            .collect(),
    })
}

/// Targets published and failed per day (UTC), for the last `days` days, oldest first; days
/// without any are present with zeros.
pub async fn publishing_per_day(
    db: &impl GenericClient,
    days: i32,
) -> Result<Vec<(NaiveDate, i64, i64)>, StoreError> {
    let rows = db
        .query(
            "SELECT d::date,
                    count(pp.id) FILTER (WHERE pp.status = 'published'),
                    count(pp.id) FILTER (WHERE pp.status = 'failed')
             FROM generate_series((now() AT TIME ZONE 'UTC')::date - ($1 - 1), (now() AT TIME ZONE 'UTC')::date,
                                  interval '1 day') AS d
             LEFT JOIN post_platforms pp
               ON pp.status IN ('published', 'failed')
              AND (COALESCE(pp.published_at, pp.claimed_at, pp.scheduled_at) AT TIME ZONE 'UTC')::date = d::date
             GROUP BY d ORDER BY d",
            &[&days],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect())
}

// --- Searches --------------------------------------------------------------------------------

/// A page of a search: the rows and how many match in all.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub role: String,
    pub is_active: bool,
    pub is_super_admin: bool,
    pub organization: Option<(OrgId, String, String)>,
    pub last_login: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// `%text%` for ILIKE, with the pattern characters in `text` taken literally.
fn contains_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

pub async fn search_users(
    db: &impl GenericClient,
    query: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Page<UserRow>, StoreError> {
    let pattern = query.map(contains_pattern);
    let rows = db
        .query(
            "SELECT u.id, u.email, u.first_name, u.last_name, u.role, COALESCE(u.is_active, true),
                    u.is_super_admin, o.id, o.name, o.slug, u.last_login, u.created_at,
                    count(*) OVER ()
             FROM users u LEFT JOIN organizations o ON o.id = u.organization_id
             WHERE $1::text IS NULL OR u.email ILIKE $1 OR u.first_name ILIKE $1
                OR u.last_name ILIKE $1 OR o.name ILIKE $1
             ORDER BY u.created_at DESC, u.id LIMIT $2 OFFSET $3",
            &[&pattern, &limit, &offset],
        )
        .await?;
    let total = rows.first().map_or(0, |r| r.get(12));
    Ok(Page {
        total,
        rows: rows
            .iter()
            .map(|r| UserRow {
                id: r.get(0),
                email: r.get(1),
                first_name: r.get(2),
                last_name: r.get(3),
                role: r.get(4),
                is_active: r.get(5),
                is_super_admin: r.get(6),
                organization: r
                    .get::<_, Option<OrgId>>(7)
                    .map(|id| (id, r.get(8), r.get(9))),
                last_login: r.get(10),
                created_at: r.get(11),
            })
            .collect(),
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrganizationRow {
    pub id: OrgId,
    pub name: String,
    pub slug: String,
    pub plan: SubscriptionPlan,
    pub status: SubscriptionStatus,
    pub members: i64,
    pub social_accounts: i64,
    pub grace_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const ORGANIZATION_ROW: &str = "o.id, o.name, o.slug, o.subscription_plan, o.subscription_status,
    (SELECT count(*) FROM users u WHERE u.organization_id = o.id AND COALESCE(u.is_active, true)),
    (SELECT count(*) FROM social_accounts sa WHERE sa.organization_id = o.id),
    o.grace_until, o.created_at";

fn organization_row(r: &tokio_postgres::Row) -> OrganizationRow {
    OrganizationRow {
        id: r.get(0),
        name: r.get(1),
        slug: r.get(2),
        plan: r.get::<_, String>(3).parse().expect("checked plan"),
        status: r.get::<_, String>(4).parse().expect("checked status"),
        members: r.get(5),
        social_accounts: r.get(6),
        grace_until: r.get(7),
        created_at: r.get(8),
    }
}

pub async fn search_organizations(
    db: &impl GenericClient,
    query: Option<&str>,
    plan: Option<SubscriptionPlan>,
    limit: i64,
    offset: i64,
) -> Result<Page<OrganizationRow>, StoreError> {
    let pattern = query.map(contains_pattern);
    let plan = plan.map(|p| p.as_str());
    let rows = db
        .query(
            &format!(
                "SELECT {ORGANIZATION_ROW}, count(*) OVER () FROM organizations o
                 WHERE o.deleted_at IS NULL
                   AND ($1::text IS NULL OR o.name ILIKE $1 OR o.slug ILIKE $1)
                   AND ($2::text IS NULL OR o.subscription_plan = $2)
                 ORDER BY o.created_at DESC, o.id LIMIT $3 OFFSET $4"
            ),
            &[&pattern, &plan, &limit, &offset],
        )
        .await?;
    let total = rows.first().map_or(0, |r| r.get(9));
    Ok(Page {
        total,
        rows: rows.iter().map(organization_row).collect(),
    })
}

pub async fn organization(
    db: &impl GenericClient,
    id: OrgId,
) -> Result<Option<OrganizationRow>, StoreError> {
    let row = db
        .query_opt(
            &format!(
                "SELECT {ORGANIZATION_ROW} FROM organizations o WHERE o.id = $1 AND o.deleted_at IS NULL"
            ),
            &[&id],
        )
        .await?;
    Ok(row.as_ref().map(organization_row))
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub organization_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub action: Option<String>,
    pub resource_type: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    pub id: Uuid,
    pub organization: Option<(Uuid, String)>,
    pub user: Option<(Uuid, String)>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<Uuid>,
    pub old_values: Option<Value>,
    pub new_values: Option<Value>,
    pub ip_address: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Audit rows across organizations, newest first, narrowed by every filter given.
pub async fn audit_logs(
    db: &impl GenericClient,
    filter: &AuditFilter,
    limit: i64,
    offset: i64,
) -> Result<Page<AuditRow>, StoreError> {
    let params: [&(dyn ToSql + Sync); 8] = [
        &filter.organization_id,
        &filter.user_id,
        &filter.action,
        &filter.resource_type,
        &filter.since,
        &filter.until,
        &limit,
        &offset,
    ];
    let rows = db
        .query(
            "SELECT a.id, o.id, o.name, u.id, u.email, a.action, a.resource_type, a.resource_id,
                    a.old_values, a.new_values, host(a.ip_address), a.created_at, count(*) OVER ()
             FROM audit_logs a
             LEFT JOIN organizations o ON o.id = a.organization_id
             LEFT JOIN users u ON u.id = a.user_id
             WHERE ($1::uuid IS NULL OR a.organization_id = $1)
               AND ($2::uuid IS NULL OR a.user_id = $2)
               AND ($3::text IS NULL OR a.action = $3)
               AND ($4::text IS NULL OR a.resource_type = $4)
               AND ($5::timestamptz IS NULL OR a.created_at >= $5)
               AND ($6::timestamptz IS NULL OR a.created_at < $6)
             ORDER BY a.created_at DESC, a.id LIMIT $7 OFFSET $8",
            &params,
        )
        .await?;
    let total = rows.first().map_or(0, |r| r.get(12));
    Ok(Page {
        total,
        rows: rows
            .iter()
            .map(|r| AuditRow {
                id: r.get(0),
                organization: r.get::<_, Option<Uuid>>(1).map(|id| (id, r.get(2))),
                user: r.get::<_, Option<Uuid>>(3).map(|id| (id, r.get(4))),
                action: r.get(5),
                resource_type: r.get(6),
                resource_id: r.get(7),
                old_values: r.get(8),
                new_values: r.get(9),
                ip_address: r.get(10),
                created_at: r.get(11),
            })
            .collect(),
    })
}
