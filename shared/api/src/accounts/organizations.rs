//! `/api/organizations/*`: the caller's organization, its members and invitations, its plan.

use auth::OpaqueToken;
use axum::extract::State;
use axum::http::Method;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json as JsonResponse, Router};
use chrono::{Duration, Utc};
use domain::{AuditAction, EmailAddress, Permission, Role, Slug, SubscriptionPlan, bounded_text};
use runtime::AppState;
use serde::{Deserialize, Serialize};
use store::accounts::audit::{self, AuditEntry};
use store::accounts::organizations::{self, Organization, OrganizationChanges, Usage};
use store::accounts::sessions;
use store::accounts::tokens::{self, NewToken, PendingInvitation, Purpose};
use store::accounts::users::{self, User};
use store::tokio_postgres;
use uuid::Uuid;

use super::emails;
use crate::error::{ApiError, ErrorCode, FieldChecks};
use crate::extract::{Json, Path};
use crate::identity::CurrentUser;
use crate::routes::{Routes, op};

pub fn routes() -> Routes {
    Routes::new("organizations")
        .route(
            op(Method::GET, "/api/organizations", "Your organization").returns::<Organization>(200),
            get(get_organization),
        )
        .route(
            op(
                Method::PUT,
                "/api/organizations",
                "Rename, change the slug or GDPR settings (admin)",
            )
            .body::<OrganizationUpdate>()
            .returns::<Organization>(200)
            .errors(&[403, 409]),
            put(update_organization),
        )
        .route(
            op(
                Method::GET,
                "/api/organizations/members",
                "Members, and pending invitations for admins",
            )
            .returns::<MemberList>(200),
            get(list_members),
        )
        .route(
            op(
                Method::POST,
                "/api/organizations/members/invite",
                "Invite someone by email with a role (admin)",
            )
            .body::<InviteRequest>()
            .returns::<PendingInvitation>(201)
            .errors(&[402, 403, 409]),
            post(invite_member),
        )
        .route(
            op(
                Method::PUT,
                "/api/organizations/members/{id}",
                "Change a member's role (admin)",
            )
            .body::<RoleChange>()
            .returns::<Member>(200)
            .errors(&[403, 404, 409]),
            put(change_role),
        )
        .route(
            op(
                Method::DELETE,
                "/api/organizations/members/{id}",
                "Remove a member (admin)",
            )
            .returns_nothing(204)
            .errors(&[403, 404, 409]),
            delete(remove_member),
        )
        .route(
            op(
                Method::GET,
                "/api/organizations/subscription",
                "Plan, limits and usage",
            )
            .returns::<Subscription>(200),
            get(get_subscription),
        )
        .route(
            op(
                Method::POST,
                "/api/organizations/subscription",
                "Change the plan (admin); usage must fit",
            )
            .body::<PlanChange>()
            .returns::<Subscription>(200)
            .errors(&[402, 403]),
            post(change_plan),
        )
}

pub fn router(state: AppState) -> Router {
    routes().into_router(state)
}

#[derive(Serialize, schemars::JsonSchema)]
struct MemberList {
    members: Vec<Member>,
    /// Empty unless you may manage members.
    invitations: Vec<PendingInvitation>,
}

const INVITATION_TTL: Duration = Duration::days(7);

async fn own_organization(
    db: &impl tokio_postgres::GenericClient,
    current: &CurrentUser,
    for_update: bool,
) -> Result<Organization, ApiError> {
    organizations::get(db, current.organization_id, for_update)
        .await?
        .ok_or_else(|| ApiError::not_found("organization"))
}

async fn get_organization(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewOrganization)?;
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    Ok(JsonResponse(own_organization(pg, &current, false).await?).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct OrganizationUpdate {
    #[schemars(length(min = 1, max = 255))]
    name: Option<String>,
    /// Lower-case letters, digits and single hyphens.
    #[schemars(length(min = 3, max = 100), pattern(r"^[a-z0-9]+(-[a-z0-9]+)*$"), example = &"acme-social")]
    slug: Option<String>,
    #[schemars(range(min = 1, max = 3650))]
    data_retention_days: Option<i32>,
    gdpr_consent: Option<bool>,
}

async fn update_organization(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(body): Json<OrganizationUpdate>,
) -> Result<Response, ApiError> {
    current.require(Permission::UpdateOrganization)?;
    let mut checks = FieldChecks::new();
    let changes = OrganizationChanges {
        name: checks.check_opt("name", body.name.as_deref(), |v| bounded_text(v, 255)),
        slug: checks
            .check_opt("slug", body.slug.as_deref(), Slug::parse)
            .map(|s| s.as_str().to_owned()),
        data_retention_days: checks.check_opt(
            "data_retention_days",
            body.data_retention_days,
            |days| {
                if (1..=3650).contains(&days) {
                    Ok(days)
                } else {
                    Err(domain::Invalid("must be from 1 to 3650".into()))
                }
            },
        ),
        gdpr_consent: body.gdpr_consent,
    };
    checks.finish()?;

    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let before = own_organization(&tx, &current, true).await?;
    if let Some(slug) = &changes.slug
        && *slug != before.slug
        && organizations::slug_taken(&tx, slug).await?
    {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "another organization already uses this slug",
        ));
    }
    let after = organizations::update(&tx, current.organization_id, &changes).await?;
    audit::record(
        &tx,
        &current.actor(),
        AuditEntry {
            action: AuditAction::Update,
            resource_type: "organization",
            resource_id: Some(after.id),
            old_values: serde_json::to_value(&before).ok(),
            new_values: serde_json::to_value(&after).ok(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(JsonResponse(after).into_response())
}

#[derive(Serialize, schemars::JsonSchema)]
struct Member {
    id: Uuid,
    email: String,
    first_name: Option<String>,
    last_name: Option<String>,
    role: Role,
    email_verified: bool,
    last_login: Option<chrono::DateTime<Utc>>,
    joined_at: chrono::DateTime<Utc>,
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

async fn list_members(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewOrganization)?;
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    let members: Vec<Member> = users::list_members(pg, current.organization_id)
        .await?
        .into_iter()
        .map(Member::from)
        .collect();
    let invitations: Vec<PendingInvitation> = if current.role.can(Permission::ManageMembers) {
        tokens::pending_invitations(pg, current.organization_id).await?
    } else {
        Vec::new()
    };
    Ok(JsonResponse(MemberList {
        members,
        invitations,
    })
    .into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct InviteRequest {
    #[schemars(email, length(max = 254), example = &"ada@example.com")]
    email: String,
    role: Role,
}

fn plan_limit(what: &str, limit: i32) -> ApiError {
    ApiError::new(
        ErrorCode::PlanLimitReached,
        format!("your plan allows {limit} {what}; upgrade the subscription to add more"),
    )
}

async fn invite_member(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(body): Json<InviteRequest>,
) -> Result<Response, ApiError> {
    current.require(Permission::ManageMembers)?;
    current.require_verified_email()?;
    let mut checks = FieldChecks::new();
    let email = checks.check("email", EmailAddress::parse(&body.email));
    checks.finish()?;
    let email = email.expect("checked");

    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    // The organization row lock serialises invitations, so two cannot both take the last seat.
    let organization = own_organization(&tx, &current, true).await?;
    if users::find_by_email(&tx, email.as_str()).await?.is_some() {
        return Err(ApiError::new(
            ErrorCode::EmailTaken,
            "this address already has an account",
        ));
    }
    if tokens::pending_invitation_for(&tx, organization.id, email.as_str()).await? {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "an invitation to this address is already pending",
        ));
    }
    let usage = organizations::usage(&tx, organization.id).await?;
    if usage.members + usage.pending_invitations >= i64::from(organization.max_users) {
        return Err(plan_limit(
            "members (pending invitations included)",
            organization.max_users,
        ));
    }
    let token = OpaqueToken::generate();
    let expires_at = Utc::now() + INVITATION_TTL;
    let id = tokens::insert(
        &tx,
        &NewToken {
            purpose: Purpose::Invite,
            token_hash: &token.hash(),
            user_id: None,
            organization_id: Some(organization.id),
            email: email.as_str(),
            role: Some(body.role),
            created_by: Some(current.user_id),
            expires_at,
        },
    )
    .await?;
    audit::record(
        &tx,
        &current.actor(),
        AuditEntry {
            action: AuditAction::Invite,
            resource_type: "invitation",
            resource_id: Some(id),
            old_values: None,
            new_values: Some(serde_json::json!({ "email": email.as_str(), "role": body.role })),
        },
    )
    .await?;
    tx.commit().await?;
    emails::invitation(
        &state,
        email.as_str(),
        &organization.name,
        body.role.as_str(),
        token.expose(),
    )
    .await;
    let invitation = PendingInvitation {
        id,
        email: email.as_str().to_owned(),
        role: body.role,
        expires_at,
        created_at: Utc::now(),
    };
    Ok((StatusCode::CREATED, JsonResponse(invitation)).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RoleChange {
    role: Role,
}

/// Refuses a change that would leave the organization without an active admin.
async fn ensure_admin_remains(
    tx: &tokio_postgres::Transaction<'_>,
    organization_id: Uuid,
    member: &User,
    new_role: Option<Role>,
) -> Result<(), ApiError> {
    let admins = users::lock_active_admins(tx, organization_id).await?;
    let loses_admin = member.role == Role::Admin && new_role != Some(Role::Admin);
    if loses_admin && admins == [member.id] {
        return Err(ApiError::new(
            ErrorCode::LastAdmin,
            "the organization must keep at least one admin",
        ));
    }
    Ok(())
}

async fn change_role(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
    Json(body): Json<RoleChange>,
) -> Result<Response, ApiError> {
    current.require(Permission::ManageMembers)?;
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let member = users::get_member(&tx, current.organization_id, id, true)
        .await?
        .ok_or_else(|| ApiError::not_found("member"))?;
    ensure_admin_remains(&tx, current.organization_id, &member, Some(body.role)).await?;
    users::set_role(&tx, current.organization_id, member.id, body.role).await?;
    audit::record(
        &tx,
        &current.actor(),
        AuditEntry {
            action: AuditAction::Update,
            resource_type: "member",
            resource_id: Some(member.id),
            old_values: Some(serde_json::json!({ "role": member.role })),
            new_values: Some(serde_json::json!({ "role": body.role })),
        },
    )
    .await?;
    let updated = users::get_member(&tx, current.organization_id, id, false)
        .await?
        .ok_or_else(|| ApiError::not_found("member"))?;
    tx.commit().await?;
    Ok(JsonResponse(Member::from(updated)).into_response())
}

async fn remove_member(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    current.require(Permission::ManageMembers)?;
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let member = users::get_member(&tx, current.organization_id, id, true)
        .await?
        .ok_or_else(|| ApiError::not_found("member"))?;
    ensure_admin_remains(&tx, current.organization_id, &member, None).await?;
    // The account stays (their content and audit trail keep an author) but can no longer sign in.
    users::deactivate(&tx, current.organization_id, member.id).await?;
    sessions::revoke_all_for_user(&tx, member.id, "member_removed").await?;
    audit::record(
        &tx,
        &current.actor(),
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
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, schemars::JsonSchema)]
struct Subscription {
    plan: SubscriptionPlan,
    status: domain::SubscriptionStatus,
    max_users: i32,
    max_social_accounts: i32,
    usage: Usage,
    available_plans: Vec<PlanOffer>,
    /// How to move to a larger plan (billing is not self-service yet).
    how_to_upgrade: &'static str,
}

/// Until billing exists, nobody pays for a plan, so only a platform administrator may raise
/// one; an organization's admin may still move to a smaller plan.
const HOW_TO_UPGRADE: &str = "Upgrades are granted by a platform administrator: contact support with your organization's name and the plan you want. Moving to a smaller plan is self-service.";

fn plan_rank(plan: SubscriptionPlan) -> usize {
    SubscriptionPlan::ALL
        .iter()
        .position(|p| *p == plan)
        .expect("every plan is listed")
}

#[derive(Serialize, schemars::JsonSchema)]
struct PlanOffer {
    plan: SubscriptionPlan,
    max_users: i32,
    max_social_accounts: i32,
}

fn subscription_of(organization: &Organization, usage: Usage) -> Subscription {
    Subscription {
        plan: organization.subscription_plan,
        status: organization.subscription_status,
        max_users: organization.max_users,
        max_social_accounts: organization.max_social_accounts,
        usage,
        how_to_upgrade: HOW_TO_UPGRADE,
        available_plans: SubscriptionPlan::ALL
            .iter()
            .map(|plan| PlanOffer {
                plan: *plan,
                max_users: plan.limits().max_users,
                max_social_accounts: plan.limits().max_social_accounts,
            })
            .collect(),
    }
}

async fn get_subscription(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewOrganization)?;
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    let organization = own_organization(pg, &current, false).await?;
    let usage = organizations::usage(pg, organization.id).await?;
    Ok(JsonResponse(subscription_of(&organization, usage)).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct PlanChange {
    plan: SubscriptionPlan,
}

async fn change_plan(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(body): Json<PlanChange>,
) -> Result<Response, ApiError> {
    current.require(Permission::ManageSubscription)?;
    let limits = body.plan.limits();
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let before = own_organization(&tx, &current, true).await?;
    if plan_rank(body.plan) > plan_rank(before.subscription_plan) && !current.is_super_admin {
        return Err(ApiError::new(ErrorCode::Forbidden, HOW_TO_UPGRADE));
    }
    let usage = organizations::usage(&tx, before.id).await?;
    if usage.members + usage.pending_invitations > i64::from(limits.max_users) {
        return Err(plan_limit(
            "members (pending invitations included)",
            limits.max_users,
        ));
    }
    if usage.social_accounts > i64::from(limits.max_social_accounts) {
        return Err(plan_limit("social accounts", limits.max_social_accounts));
    }
    let after = organizations::set_plan(&tx, before.id, body.plan, limits).await?;
    audit::record(
        &tx,
        &current.actor(),
        AuditEntry {
            action: AuditAction::Update,
            resource_type: "subscription",
            resource_id: Some(after.id),
            old_values: Some(serde_json::json!({ "plan": before.subscription_plan })),
            new_values: Some(serde_json::json!({ "plan": after.subscription_plan })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(JsonResponse(subscription_of(&after, usage)).into_response())
}
