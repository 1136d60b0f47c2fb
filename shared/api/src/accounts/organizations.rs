//! `/api/organizations/*`: the caller's organization, its members and invitations, its plan.
//! The rules live in `accounts::organization`.

use accounts::organization::{self, Member, Subscription};
use axum::extract::State;
use axum::http::Method;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json as JsonResponse, Router};
use domain::{EmailAddress, Permission, Role, Slug, SubscriptionPlan, bounded_text};
use runtime::AppState;
use serde::{Deserialize, Serialize};
use store::accounts::organizations::{Organization, OrganizationChanges};
use store::accounts::tokens::PendingInvitation;
use uuid::Uuid;

use crate::service_errors;
use http_kit::error::{ApiError, FieldChecks};
use http_kit::extract::{Json, Path};
use http_kit::identity::CurrentUser;
use http_kit::routes::{Routes, op};

pub fn routes() -> Routes {
    Routes::new("organizations")
        .route(
            op(Method::GET, "/api/organizations", "Your organization").returns::<Organization>(200),
            get_organization,
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
            update_organization,
        )
        .route(
            op(
                Method::GET,
                "/api/organizations/members",
                "Members, and pending invitations for admins",
            )
            .returns::<MemberList>(200),
            list_members,
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
            invite_member,
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
            change_role,
        )
        .route(
            op(
                Method::DELETE,
                "/api/organizations/members/{id}",
                "Remove a member (admin)",
            )
            .returns_nothing(204)
            .errors(&[403, 404, 409]),
            remove_member,
        )
        .route(
            op(
                Method::GET,
                "/api/organizations/subscription",
                "Plan, limits and usage",
            )
            .returns::<Subscription>(200),
            get_subscription,
        )
        .route(
            op(
                Method::POST,
                "/api/organizations/subscription",
                "Change the plan (admin): a Stripe Checkout or Customer Portal URL, or (self-hosted) the change itself",
            )
            .body::<PlanChange>()
            .returns::<PlanChangeOutcome>(200)
            .errors(&[402, 403, 409, 422, 503]),
            change_plan,
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

async fn get_organization(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewOrganization)?;
    let organization = organization::get(&state, &current.caller())
        .await
        .map_err(service_errors::accounts)?;
    Ok(JsonResponse(organization).into_response())
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
    let after = organization::update(&state, &current.caller(), &changes)
        .await
        .map_err(service_errors::accounts)?;
    Ok(JsonResponse(after).into_response())
}

async fn list_members(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewOrganization)?;
    let with_invitations = current.role.can(Permission::ManageMembers);
    let (members, invitations) = organization::members(&state, &current.caller(), with_invitations)
        .await
        .map_err(service_errors::accounts)?;
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
    let invitation = organization::invite(
        &state,
        &current.caller(),
        &email.expect("checked"),
        body.role,
    )
    .await
    .map_err(service_errors::accounts)?;
    Ok((StatusCode::CREATED, JsonResponse(invitation)).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RoleChange {
    role: Role,
}

async fn change_role(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
    Json(body): Json<RoleChange>,
) -> Result<Response, ApiError> {
    current.require(Permission::ManageMembers)?;
    let member = organization::change_role(&state, &current.caller(), id, body.role)
        .await
        .map_err(service_errors::accounts)?;
    Ok(JsonResponse(member).into_response())
}

async fn remove_member(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    current.require(Permission::ManageMembers)?;
    organization::remove_member(&state, &current.caller(), id)
        .await
        .map_err(service_errors::accounts)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn get_subscription(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewOrganization)?;
    let subscription = organization::subscription(&state, &current.caller())
        .await
        .map_err(service_errors::accounts)?;
    Ok(JsonResponse(subscription).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct PlanChange {
    plan: SubscriptionPlan,
}

/// What asking for a plan led to.
#[derive(Serialize, schemars::JsonSchema)]
struct PlanChangeOutcome {
    outcome: PlanChangeKind,
    /// Where to send the browser (Stripe Checkout or the Customer Portal).
    url: Option<String>,
    /// The subscription now (unchanged until Stripe confirms a payment).
    subscription: Subscription,
}

#[derive(Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
enum PlanChangeKind {
    Checkout,
    Portal,
    /// Self-hosted: the plan changed.
    Changed,
}

async fn change_plan(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(body): Json<PlanChange>,
) -> Result<Response, ApiError> {
    current.require(Permission::ManageSubscription)?;
    let caller = current.caller();
    let (outcome, url) = match state.config.billing {
        // The plan changes only when Stripe's events say it was paid for.
        runtime::Billing::Stripe(_) => {
            let redirect = billing::checkout::begin_plan_change(&state, &caller, body.plan)
                .await
                .map_err(service_errors::billing)?;
            let kind = match redirect.destination {
                billing::checkout::Destination::Checkout => PlanChangeKind::Checkout,
                billing::checkout::Destination::Portal => PlanChangeKind::Portal,
            };
            (kind, Some(redirect.url))
        }
        runtime::Billing::Manual => {
            organization::change_plan(&state, &caller, body.plan, current.is_super_admin)
                .await
                .map_err(service_errors::accounts)?;
            (PlanChangeKind::Changed, None)
        }
    };
    let subscription = organization::subscription(&state, &caller)
        .await
        .map_err(service_errors::accounts)?;
    Ok(JsonResponse(PlanChangeOutcome {
        outcome,
        url,
        subscription,
    })
    .into_response())
}
