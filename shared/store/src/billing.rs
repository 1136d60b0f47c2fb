//! An organization's Stripe side: its customer and subscription, and the newest Stripe state
//! applied. Every change is conditional on being newer than the state already applied, in the
//! same statement, so two deliveries racing (or arriving out of order) settle on the newest.

use chrono::{DateTime, Utc};
use domain::{PlanLimits, SubscriptionPlan, SubscriptionStatus};
use tokio_postgres::{GenericClient, Row};

use crate::{OrgId, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingState {
    pub organization_id: OrgId,
    pub plan: SubscriptionPlan,
    pub status: SubscriptionStatus,
    pub stripe_customer_id: Option<String>,
    pub stripe_subscription_id: Option<String>,
    pub current_period_end: Option<DateTime<Utc>>,
    pub cancel_at_period_end: bool,
    pub grace_until: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, subscription_plan, subscription_status, stripe_customer_id,
    stripe_subscription_id, current_period_end, cancel_at_period_end, grace_until";

fn from_row(row: &Row) -> BillingState {
    from_columns(row, 0)
}

/// The state from `COLUMNS` starting at column `at` (an `apply` row holds two states).
fn from_columns(row: &Row, at: usize) -> BillingState {
    BillingState {
        organization_id: row.get(at),
        // The CHECK constraints guarantee these parse.
        plan: row.get::<_, String>(at + 1).parse().expect("checked plan"),
        status: row
            .get::<_, String>(at + 2)
            .parse()
            .expect("checked status"),
        stripe_customer_id: row.get(at + 3),
        stripe_subscription_id: row.get(at + 4),
        current_period_end: row.get(at + 5),
        cancel_at_period_end: row.get(at + 6),
        grace_until: row.get(at + 7),
    }
}

pub async fn state(
    db: &impl GenericClient,
    organization_id: OrgId,
) -> Result<Option<BillingState>, StoreError> {
    let row = db
        .query_opt(
            &format!("SELECT {COLUMNS} FROM organizations WHERE id = $1 AND deleted_at IS NULL"),
            &[&organization_id],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// The organization a Stripe customer pays for.
pub async fn organization_of_customer(
    db: &impl GenericClient,
    customer_id: &str,
) -> Result<Option<OrgId>, StoreError> {
    let row = db
        .query_opt(
            "SELECT id FROM organizations WHERE stripe_customer_id = $1",
            &[&customer_id],
        )
        .await?;
    Ok(row.map(|r| r.get(0)))
}

/// Records the customer (and the subscription, when known) a checkout created. A customer is
/// never replaced by another one: a second checkout of the same organization keeps the first.
pub async fn link_customer(
    db: &impl GenericClient,
    organization_id: OrgId,
    customer_id: &str,
    subscription_id: Option<&str>,
) -> Result<bool, StoreError> {
    let n = db
        .execute(
            "UPDATE organizations
             SET stripe_customer_id = COALESCE(stripe_customer_id, $2),
                 stripe_subscription_id = COALESCE(stripe_subscription_id, $3)
             WHERE id = $1 AND (stripe_customer_id IS NULL OR stripe_customer_id = $2)",
            &[&organization_id, &customer_id, &subscription_id],
        )
        .await?;
    Ok(n > 0)
}

/// A Stripe state to apply, stamped with its event's time and rank (the order of events that
/// share a second: see `billing::events`).
#[derive(Debug, Clone)]
pub struct StateChange {
    pub at: DateTime<Utc>,
    pub rank: i16,
    pub plan: SubscriptionPlan,
    pub status: SubscriptionStatus,
    pub customer_id: Option<String>,
    /// `None` when the subscription ended.
    pub subscription_id: Option<String>,
    pub current_period_end: Option<DateTime<Utc>>,
    pub cancel_at_period_end: bool,
    pub grace_until: Option<DateTime<Utc>>,
}

/// Applies `change` unless a newer state was applied already; returns the state before and
/// after, or `None` when the change was stale.
pub async fn apply(
    db: &impl GenericClient,
    organization_id: OrgId,
    change: &StateChange,
) -> Result<Option<(BillingState, BillingState)>, StoreError> {
    let limits: PlanLimits = change.plan.limits();
    let row = db
        .query_opt(
            &format!(
                "WITH before AS (
                     SELECT {COLUMNS} FROM organizations WHERE id = $1 FOR UPDATE)
                 UPDATE organizations o SET
                     subscription_plan = $4, subscription_status = $5,
                     max_users = $6, max_social_accounts = $7,
                     stripe_customer_id = COALESCE(o.stripe_customer_id, $8),
                     stripe_subscription_id = $9, current_period_end = $10,
                     cancel_at_period_end = $11, grace_until = $12,
                     billing_state_at = $2, billing_state_rank = $3
                 FROM before
                 WHERE o.id = before.id
                   AND (o.billing_state_at IS NULL
                        OR (o.billing_state_at, o.billing_state_rank) <= ($2, $3))
                 RETURNING before.*, o.id, o.subscription_plan, o.subscription_status,
                           o.stripe_customer_id, o.stripe_subscription_id, o.current_period_end,
                           o.cancel_at_period_end, o.grace_until"
            ),
            &[
                &organization_id,
                &change.at,
                &change.rank,
                &change.plan.as_str(),
                &change.status.as_str(),
                &limits.max_users,
                &limits.max_social_accounts,
                &change.customer_id,
                &change.subscription_id,
                &change.current_period_end,
                &change.cancel_at_period_end,
                &change.grace_until,
            ],
        )
        .await?;
    Ok(row.map(|r| (from_columns(&r, 0), from_columns(&r, 8))))
}

/// Organizations whose payment grace ended by `now`: their plan falls to free (status
/// `unpaid`) in one statement. Returns each with the plan it had. The applied Stripe state's
/// time is kept, so a late `invoice.paid` from before now still restores the plan.
pub async fn end_expired_grace(
    db: &impl GenericClient,
    now: DateTime<Utc>,
) -> Result<Vec<(OrgId, SubscriptionPlan)>, StoreError> {
    let free = SubscriptionPlan::Free.limits();
    let rows = db
        .query(
            "WITH ended AS (
                 SELECT id, subscription_plan FROM organizations
                 WHERE subscription_status = 'past_due' AND grace_until <= $1
                 FOR UPDATE SKIP LOCKED)
             UPDATE organizations o SET subscription_plan = 'free', subscription_status = 'unpaid',
                 max_users = $2, max_social_accounts = $3
             FROM ended WHERE o.id = ended.id
             RETURNING o.id, ended.subscription_plan",
            &[&now, &free.max_users, &free.max_social_accounts],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                r.get(0),
                r.get::<_, String>(1).parse().expect("checked plan"),
            )
        })
        .collect())
}
