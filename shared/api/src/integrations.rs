//! `/api/integrations/*`: Slack, outgoing webhooks and Google Analytics 4, connected with
//! their secrets sealed, tested with a real delivery, and their delivery log.

use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json as JsonResponse, Router};
use domain::Permission;
use http_kit::error::ApiError;
use http_kit::extract::{Json, Path};
use http_kit::identity::CurrentUser;
use http_kit::routes::{Routes, op};
use http_kit::{ErrorCode, FieldIssue};
use integrations::IntegrationsError;
use integrations::catalog::IntegrationType;
use integrations::service::{self, ConnectRequest};
use runtime::AppState;
use uuid::Uuid;

pub fn routes() -> Routes {
    Routes::new("integrations")
        .route(
            op(
                Method::GET,
                "/api/integrations",
                "Connected integrations and what can be connected",
            )
            .returns::<service::IntegrationList>(200),
            list,
        )
        .route(
            op(
                Method::POST,
                "/api/integrations/{type}/connect",
                "Connect Slack, an outgoing webhook or Google Analytics (admins and managers)",
            )
            .body::<ConnectRequest>()
            .returns::<service::Connected>(201)
            .errors(&[403, 404, 409, 422]),
            connect,
        )
        .route(
            op(
                Method::DELETE,
                "/api/integrations/{id}",
                "Disconnect an integration (admins and managers)",
            )
            .returns_nothing(204)
            .errors(&[403, 404]),
            disconnect,
        )
        .route(
            op(
                Method::POST,
                "/api/integrations/{id}/test",
                "Send a real test delivery (or run a GA4 report) now and report the result",
            )
            .returns::<service::TestResult>(200)
            .errors(&[403, 404]),
            test,
        )
        .route(
            op(
                Method::GET,
                "/api/integrations/{id}/deliveries",
                "The integration's delivery log, newest first",
            )
            .returns::<service::DeliveryLog>(200)
            .errors(&[404]),
            deliveries,
        )
}

pub fn router(state: AppState) -> Router {
    routes().into_router(state)
}

fn integrations_error(error: IntegrationsError) -> ApiError {
    let message = error.to_string();
    match error {
        IntegrationsError::NotFound(what) => ApiError::not_found(what),
        IntegrationsError::Invalid { field, issue } => ApiError::validation(vec![FieldIssue {
            field: field.to_owned(),
            issue,
        }]),
        IntegrationsError::Conflict(_) => ApiError::new(ErrorCode::Conflict, message),
        IntegrationsError::Store(error) => error.into(),
        error @ (IntegrationsError::Postgres(_) | IntegrationsError::Unsealable) => {
            ApiError::internal(&error)
        }
    }
}

async fn list(State(state): State<AppState>, current: CurrentUser) -> Result<Response, ApiError> {
    current.require(Permission::ViewOrganization)?;
    let list = service::list(&state, &current.caller())
        .await
        .map_err(integrations_error)?;
    Ok(JsonResponse(list).into_response())
}

async fn connect(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(kind): Path<String>,
    Json(request): Json<ConnectRequest>,
) -> Result<Response, ApiError> {
    current.require(Permission::ManageIntegrations)?;
    let Some(integration_type) = IntegrationType::parse(&kind) else {
        return Err(ApiError::not_found("integration type"));
    };
    let connected = service::connect(&state, &current.caller(), integration_type, request)
        .await
        .map_err(integrations_error)?;
    Ok((StatusCode::CREATED, JsonResponse(connected)).into_response())
}

async fn disconnect(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    current.require(Permission::ManageIntegrations)?;
    service::disconnect(&state, &current.caller(), id)
        .await
        .map_err(integrations_error)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn test(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    current.require(Permission::ManageIntegrations)?;
    let result = service::test(&state, &current.caller(), id)
        .await
        .map_err(integrations_error)?;
    Ok(JsonResponse(result).into_response())
}

async fn deliveries(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewOrganization)?;
    let log = service::deliveries(&state, &current.caller(), id)
        .await
        .map_err(integrations_error)?;
    Ok(JsonResponse(log).into_response())
}
