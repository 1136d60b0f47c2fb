//! The organization: its settings, members and invitations (within the plan's seats), roles
//! (never without an admin), and the plan.

use auth::OpaqueToken;
use chrono::{DateTime, Duration, Utc};
use domain::{AuditAction, EmailAddress, NotificationKind, Role, SubscriptionPlan};
use runtime::AppState;
use serde::Serialize;
use store::accounts::audit::{self, AuditEntry, Caller};
use store::accounts::organizations::{self, Organization, OrganizationChanges, Usage};
use store::accounts::sessions;
use store::accounts::tokens::{self as stored_tokens, NewToken, PendingInvitation, Purpose};
use store::accounts::users::{self, User};
use store::tokio_postgres::{self, GenericClient};
use uuid::Uuid;

use crate::live_sessions;
use crate::{AccountsError, emails};

const INVITATION_TTL: Duration = Duration::days(7);

/// Until billing exists, nobody pays for a plan, so only a platform administrator may raise
/// one; an organization's admin may still move to a smaller plan.
pub const HOW_TO_UPGRADE: &str = "Upgrades are granted by a platform administrator: contact support with your organization's name and the plan you want. Moving to a smaller plan is self-service.";

async fn own(
    db: &impl GenericClient,
    caller: &Caller,
    for_update: bool,
) -> Result<Organization, AccountsError> {
    organizations::get(db, caller.organization_id, for_update)
        .await?
        .ok_or(AccountsError::NotFound("organization"))
}

pub async fn get(state: &AppState, caller: &Caller) -> Result<Organization, AccountsError> {
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    own(pg, caller, false).await
}

/// Applies validated changes; a slug must stay unique across organizations.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    changes: &OrganizationChanges,
) -> Result<Organization, AccountsError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let before = own(&tx, caller, true).await?;
    if let Some(slug) = &changes.slug
        && *slug != before.slug
        && organizations::slug_taken(&tx, slug).await?
    {
        return Err(AccountsError::SlugTaken);
    }
    let after = organizations::update(&tx, caller.organization_id, changes).await?;
    audit::record(
        &tx,
        &caller.actor(),
        AuditEntry {
            action: AuditAction::Update,
            resource_type: "organization",
            resource_id: Some(after.id.as_uuid()),
            old_values: serde_json::to_value(&before).ok(),
            new_values: serde_json::to_value(&after).ok(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// A member as others in the organization see them.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Member {
    pub id: Uuid,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub role: Role,
    pub email_verified: bool,
    pub last_login: Option<DateTime<Utc>>,
    pub joined_at: DateTime<Utc>,
}

impl From<User> for Member {
    fn from(user: User) -> Self {
        Member {
            id: user.id,
            email: user.email,
            first_name: user.first_name,
            last_name: user.last_name,
            role: user.role,
            email_verified: user.email_verified,
            last_login: user.last_login,
            joined_at: user.created_at,
        }
    }
}

/// The members, and the pending invitations when `with_invitations` (those who may manage
/// members).
pub async fn members(
    state: &AppState,
    caller: &Caller,
    with_invitations: bool,
) -> Result<(Vec<Member>, Vec<PendingInvitation>), AccountsError> {
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    let members = users::list_members(pg, caller.organization_id)
        .await?
        .into_iter()
        .map(Member::from)
        .collect();
    let invitations = if with_invitations {
        stored_tokens::pending_invitations(pg, caller.organization_id).await?
    } else {
        Vec::new()
    };
    Ok((members, invitations))
}

/// Invites an address that has no account yet, within the plan's seats (pending invitations
/// count), and emails the invitation after the commit.
pub async fn invite(
    state: &AppState,
    caller: &Caller,
    email: &EmailAddress,
    role: Role,
) -> Result<PendingInvitation, AccountsError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    // The organization row lock serialises invitations, so two cannot both take the last seat.
    let organization = own(&tx, caller, true).await?;
    if users::find_by_email(&tx, email.as_str()).await?.is_some() {
        return Err(AccountsError::AddressHasAccount);
    }
    if stored_tokens::pending_invitation_for(&tx, organization.id, email.as_str()).await? {
        return Err(AccountsError::InvitationPending);
    }
    let usage = organizations::usage(&tx, organization.id).await?;
    if usage.members + usage.pending_invitations >= i64::from(organization.max_users) {
        return Err(AccountsError::PlanLimit {
            what: "members (pending invitations included)",
            limit: organization.max_users,
        });
    }
    let token = OpaqueToken::generate();
    let expires_at = Utc::now() + INVITATION_TTL;
    let id = stored_tokens::insert(
        &tx,
        &NewToken {
            purpose: Purpose::Invite,
            token_hash: &token.hash(),
            user_id: None,
            organization_id: Some(organization.id),
            email: email.as_str(),
            role: Some(role),
            created_by: Some(caller.user_id),
            expires_at,
        },
    )
    .await?;
    audit::record(
        &tx,
        &caller.actor(),
        AuditEntry {
            action: AuditAction::Invite,
            resource_type: "invitation",
            resource_id: Some(id),
            old_values: None,
            new_values: Some(serde_json::json!({ "email": email.as_str(), "role": role })),
        },
    )
    .await?;
    tx.commit().await?;
    emails::invitation(
        state,
        email.as_str(),
        &organization.name,
        role.as_str(),
        token.expose(),
    )
    .await;
    notifications::notify(
        state,
        pg,
        caller.organization_id,
        notifications::Recipients::Team {
            except: Some(caller.user_id),
        },
        notifications::Draft {
            kind: NotificationKind::MemberInvited,
            title: format!("{} was invited", email.as_str()),
            body: format!(
                "{} was invited to join as {role}; the invitation expires on {}.",
                email.as_str(),
                expires_at.format("%Y-%m-%d")
            ),
            link: Some("/organization".to_owned()),
            post_id: None,
            social_account_id: None,
        },
    )
    .await;
    Ok(PendingInvitation {
        id,
        email: email.as_str().to_owned(),
        role,
        expires_at,
        created_at: Utc::now(),
    })
}

/// Locks a member of the caller's organization for a change of role (`None`: removal), refusing
/// one that would leave the organization without an active admin.
async fn member_to_change(
    tx: &tokio_postgres::Transaction<'_>,
    caller: &Caller,
    member_id: Uuid,
    new_role: Option<Role>,
) -> Result<User, AccountsError> {
    let member = users::get_member(tx, caller.organization_id, member_id, true)
        .await?
        .ok_or(AccountsError::NotFound("member"))?;
    let admins = users::lock_active_admins(tx, caller.organization_id).await?;
    let loses_admin = member.role == Role::Admin && new_role != Some(Role::Admin);
    if loses_admin && admins == [member.id] {
        return Err(AccountsError::LastAdmin);
    }
    Ok(member)
}

pub async fn change_role(
    state: &AppState,
    caller: &Caller,
    member_id: Uuid,
    role: Role,
) -> Result<Member, AccountsError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let member = member_to_change(&tx, caller, member_id, Some(role)).await?;
    users::set_role(&tx, caller.organization_id, member.id, role).await?;
    audit::record(
        &tx,
        &caller.actor(),
        AuditEntry {
            action: AuditAction::Update,
            resource_type: "member",
            resource_id: Some(member.id),
            old_values: Some(serde_json::json!({ "role": member.role })),
            new_values: Some(serde_json::json!({ "role": role })),
        },
    )
    .await?;
    let updated = users::get_member(&tx, caller.organization_id, member_id, false)
        .await?
        .ok_or(AccountsError::NotFound("member"))?;
    tx.commit().await?;
    if member.role != role {
        // Their connections were admitted under the old role: they reconnect under the new one.
        live_sessions::close(state, Some(caller.organization_id), member.id, None).await;
    }
    Ok(Member::from(updated))
}

/// Removes a member: the account stays (their content and audit trail keep an author) but can
/// no longer sign in, and its sessions end now.
pub async fn remove_member(
    state: &AppState,
    caller: &Caller,
    member_id: Uuid,
) -> Result<(), AccountsError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let member = member_to_change(&tx, caller, member_id, None).await?;
    users::deactivate(&tx, caller.organization_id, member.id).await?;
    sessions::revoke_all_for_user(&tx, member.id, "member_removed").await?;
    audit::record(
        &tx,
        &caller.actor(),
        AuditEntry {
            action: AuditAction::Delete,
            resource_type: "member",
            resource_id: Some(member.id),
            old_values: Some(serde_json::json!({ "email": member.email, "role": member.role })),
            new_values: None,
        },
    )
    .await?;
    tx.commit().await?;
    live_sessions::close(state, Some(caller.organization_id), member.id, None).await;
    Ok(())
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Subscription {
    pub plan: SubscriptionPlan,
    pub status: domain::SubscriptionStatus,
    pub max_users: i32,
    pub max_social_accounts: i32,
    pub usage: Usage,
    pub available_plans: Vec<PlanOffer>,
    /// How to move to a larger plan.
    pub how_to_upgrade: &'static str,
    /// `stripe`: bought through Stripe Checkout and managed in its portal; `manual`
    /// (self-hosted): a platform administrator sets plans.
    pub billing: BillingKind,
    /// A Stripe customer exists: "Manage billing" opens the Customer Portal.
    pub has_billing_account: bool,
    /// While a payment is past due, the plan holds until then; afterwards it falls to free.
    pub grace_until: Option<chrono::DateTime<chrono::Utc>>,
    pub current_period_end: Option<chrono::DateTime<chrono::Utc>>,
    pub cancel_at_period_end: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BillingKind {
    Stripe,
    Manual,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PlanOffer {
    pub plan: SubscriptionPlan,
    pub max_users: i32,
    pub max_social_accounts: i32,
    /// The list price, in US cents a month (0 for free).
    pub monthly_price_cents: i64,
}

fn plan_rank(plan: SubscriptionPlan) -> usize {
    SubscriptionPlan::ALL
        .iter()
        .position(|p| *p == plan)
        .unwrap_or(usize::MAX)
}

fn subscription_of(
    state: &AppState,
    organization: &Organization,
    usage: Usage,
    billing: Option<&store::billing::BillingState>,
) -> Subscription {
    let kind = match state.config.billing {
        runtime::Billing::Stripe(_) => BillingKind::Stripe,
        runtime::Billing::Manual => BillingKind::Manual,
    };
    Subscription {
        plan: organization.subscription_plan,
        status: organization.subscription_status,
        max_users: organization.max_users,
        max_social_accounts: organization.max_social_accounts,
        usage,
        how_to_upgrade: match kind {
            BillingKind::Stripe => STRIPE_UPGRADE,
            BillingKind::Manual => HOW_TO_UPGRADE,
        },
        billing: kind,
        has_billing_account: billing.is_some_and(|b| b.stripe_customer_id.is_some()),
        grace_until: billing.and_then(|b| b.grace_until),
        current_period_end: billing.and_then(|b| b.current_period_end),
        cancel_at_period_end: billing.is_some_and(|b| b.cancel_at_period_end),
        available_plans: SubscriptionPlan::ALL
            .iter()
            .map(|plan| PlanOffer {
                plan: *plan,
                max_users: plan.limits().max_users,
                max_social_accounts: plan.limits().max_social_accounts,
                monthly_price_cents: plan.monthly_price_cents(),
            })
            .collect(),
    }
}

const STRIPE_UPGRADE: &str = "An organization admin chooses a plan and pays through Stripe Checkout; the plan changes once Stripe confirms the payment.";

pub async fn subscription(
    state: &AppState,
    caller: &Caller,
) -> Result<Subscription, AccountsError> {
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    let organization = own(pg, caller, false).await?;
    let usage = organizations::usage(pg, organization.id).await?;
    let billing = store::billing::state(pg, organization.id).await?;
    Ok(subscription_of(
        state,
        &organization,
        usage,
        billing.as_ref(),
    ))
}

/// Moves to `plan` if current usage fits it. Raising the plan needs `may_raise` (a platform
/// administrator) until billing exists.
pub async fn change_plan(
    state: &AppState,
    caller: &Caller,
    plan: SubscriptionPlan,
    may_raise: bool,
) -> Result<Subscription, AccountsError> {
    let limits = plan.limits();
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let before = own(&tx, caller, true).await?;
    if plan_rank(plan) > plan_rank(before.subscription_plan) && !may_raise {
        return Err(AccountsError::UpgradeNotSelfService);
    }
    let usage = organizations::usage(&tx, before.id).await?;
    if usage.members + usage.pending_invitations > i64::from(limits.max_users) {
        return Err(AccountsError::PlanLimit {
            what: "members (pending invitations included)",
            limit: limits.max_users,
        });
    }
    if usage.social_accounts > i64::from(limits.max_social_accounts) {
        return Err(AccountsError::PlanLimit {
            what: "social accounts",
            limit: limits.max_social_accounts,
        });
    }
    let after = organizations::set_plan(&tx, before.id, plan, limits).await?;
    audit::record(
        &tx,
        &caller.actor(),
        AuditEntry {
            action: AuditAction::Update,
            resource_type: "subscription",
            resource_id: Some(after.id.as_uuid()),
            old_values: Some(serde_json::json!({ "plan": before.subscription_plan })),
            new_values: Some(serde_json::json!({ "plan": after.subscription_plan })),
        },
    )
    .await?;
    let billing = store::billing::state(&tx, after.id).await?;
    tx.commit().await?;
    Ok(subscription_of(state, &after, usage, billing.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_rank_in_the_order_they_are_listed() {
        let ranks: Vec<usize> = SubscriptionPlan::ALL
            .iter()
            .map(|p| plan_rank(*p))
            .collect();
        assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{ranks:?}");
    }
}
