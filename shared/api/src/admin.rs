//! `/api/admin/*`: the platform administrators' console. Everyone else is answered 404, as if
//! the routes did not exist (`CurrentUser::require_platform_admin`).

use admin::console::Paging;
use admin::{AdminError, PlatformAdmin};
use axum::extract::State;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::{Json as JsonResponse, Router};
use chrono::{DateTime, Utc};
use domain::SubscriptionPlan;
use http_kit::FieldIssue;
use http_kit::error::ApiError;
use http_kit::extract::{Json, Path, Query};
use http_kit::identity::CurrentUser;
use http_kit::routes::{Routes, op};
use runtime::{AppState, MaintenanceMode};
use serde::Deserialize;
use uuid::Uuid;

pub fn routes() -> Routes {
    Routes::new("admin")
        .route(
            op(
                Method::GET,
                "/api/admin/stats",
                "Platform-wide figures (platform admins)",
            )
            .returns::<admin::console::Stats>(200)
            .errors(&[404]),
            stats,
        )
        .route(
            op(
                Method::GET,
                "/api/admin/users",
                "Search users across organizations (platform admins)",
            )
            .query::<SearchParams>()
            .returns::<admin::console::UserPage>(200)
            .errors(&[404, 422]),
            users,
        )
        .route(
            op(
                Method::GET,
                "/api/admin/organizations",
                "Search organizations (platform admins)",
            )
            .query::<OrganizationParams>()
            .returns::<admin::console::OrganizationPage>(200)
            .errors(&[404, 422]),
            organizations,
        )
        .route(
            op(
                Method::PUT,
                "/api/admin/organizations/{id}/plan",
                "Set an organization's plan (platform admins, audited)",
            )
            .body::<PlanBody>()
            .returns::<admin::console::AdminOrganization>(200)
            .errors(&[404, 422]),
            set_plan,
        )
        .route(
            op(
                Method::GET,
                "/api/admin/audit-logs",
                "Audit logs across organizations, filtered (platform admins)",
            )
            .query::<AuditParams>()
            .returns::<admin::console::AuditPage>(200)
            .errors(&[404, 422]),
            audit_logs,
        )
        .route(
            op(
                Method::GET,
                "/api/admin/system-health",
                "Dependencies, queues, dead letters and scheduled runs (platform admins)",
            )
            .returns::<admin::health::SystemHealth>(200)
            .errors(&[404]),
            system_health,
        )
        .route(
            op(
                Method::GET,
                "/api/admin/maintenance-mode",
                "Whether maintenance mode is on (platform admins)",
            )
            .returns::<MaintenanceMode>(200)
            .errors(&[404]),
            get_maintenance,
        )
        .route(
            op(
                Method::POST,
                "/api/admin/maintenance-mode",
                "Turn maintenance mode on or off (platform admins, audited)",
            )
            .body::<MaintenanceBody>()
            .returns::<MaintenanceMode>(200)
            .errors(&[404, 422]),
            set_maintenance,
        )
}

pub fn router(state: AppState) -> Router {
    routes().into_router(state)
}

fn platform_admin(current: &CurrentUser) -> Result<PlatformAdmin, ApiError> {
    current.require_platform_admin()?;
    Ok(PlatformAdmin {
        user_id: current.user_id,
        actor: current.actor(),
    })
}

fn admin_error(error: AdminError) -> ApiError {
    match error {
        AdminError::NotFound(what) => ApiError::not_found(what),
        AdminError::Invalid { field, issue } => ApiError::validation(vec![FieldIssue {
            field: field.to_owned(),
            issue,
        }]),
        AdminError::Store(error) => error.into(),
        error @ AdminError::Postgres(_) => ApiError::internal(&error),
    }
}

async fn stats(State(state): State<AppState>, current: CurrentUser) -> Result<Response, ApiError> {
    platform_admin(&current)?;
    let stats = admin::console::stats(&state).await.map_err(admin_error)?;
    Ok(JsonResponse(stats).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct SearchParams {
    /// Part of an email, a name or an organization's name.
    q: Option<String>,
    /// 1 to 100 (25).
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn users(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(params): Query<SearchParams>,
) -> Result<Response, ApiError> {
    platform_admin(&current)?;
    let paging = Paging::parse(params.limit, params.offset).map_err(admin_error)?;
    let page = admin::console::users(&state, params.q.as_deref(), paging)
        .await
        .map_err(admin_error)?;
    Ok(JsonResponse(page).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct OrganizationParams {
    /// Part of a name or slug.
    q: Option<String>,
    plan: Option<SubscriptionPlan>,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn organizations(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(params): Query<OrganizationParams>,
) -> Result<Response, ApiError> {
    platform_admin(&current)?;
    let paging = Paging::parse(params.limit, params.offset).map_err(admin_error)?;
    let page = admin::console::organizations(&state, params.q.as_deref(), params.plan, paging)
        .await
        .map_err(admin_error)?;
    Ok(JsonResponse(page).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct PlanBody {
    plan: SubscriptionPlan,
}

async fn set_plan(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
    Json(body): Json<PlanBody>,
) -> Result<Response, ApiError> {
    let admin = platform_admin(&current)?;
    let organization = admin::console::set_plan(&state, &admin, store::OrgId::new(id), body.plan)
        .await
        .map_err(admin_error)?;
    Ok(JsonResponse(organization).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct AuditParams {
    organization_id: Option<Uuid>,
    user_id: Option<Uuid>,
    action: Option<domain::AuditAction>,
    /// e.g. `subscription`, `post`, `maintenance_mode`.
    resource_type: Option<String>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn audit_logs(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(params): Query<AuditParams>,
) -> Result<Response, ApiError> {
    platform_admin(&current)?;
    let paging = Paging::parse(params.limit, params.offset).map_err(admin_error)?;
    let filter = store::platform::AuditFilter {
        organization_id: params.organization_id,
        user_id: params.user_id,
        action: params.action.map(|a| a.as_str().to_owned()),
        resource_type: params
            .resource_type
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty()),
        since: params.since,
        until: params.until,
    };
    let page = admin::console::audit_logs(&state, &filter, paging)
        .await
        .map_err(admin_error)?;
    Ok(JsonResponse(page).into_response())
}

async fn system_health(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    platform_admin(&current)?;
    Ok(JsonResponse(admin::health::system_health(&state).await).into_response())
}

async fn get_maintenance(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    platform_admin(&current)?;
    let mode = state.refresh_maintenance().await.map_err(ApiError::from)?;
    Ok(JsonResponse(mode).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct MaintenanceBody {
    enabled: bool,
    /// Shown to users while it is on (at most 500 characters).
    message: Option<String>,
}

async fn set_maintenance(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(body): Json<MaintenanceBody>,
) -> Result<Response, ApiError> {
    let admin = platform_admin(&current)?;
    let mode = admin::maintenance::set(&state, &admin, body.enabled, body.message)
        .await
        .map_err(admin_error)?;
    Ok(JsonResponse(mode).into_response())
}
