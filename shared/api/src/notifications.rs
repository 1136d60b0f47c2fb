//! `/api/notifications/*`: the caller's notifications, their settings, and the unsubscribe link
//! of notification emails. The rules live in the `notifications` crate.

use axum::Json as JsonResponse;
use axum::Router;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveTime;
use domain::{EmailDelivery, NotificationKind};
use http_kit::error::{ApiError, FieldChecks};
use http_kit::extract::{Json, Path, Query};
use http_kit::identity::CurrentUser;
use http_kit::routes::{Routes, op};
use notifications::email::{self, Unsubscribed};
use notifications::inbox::{self, ListQuery, MarkAllResult, NotificationPage, ReadResult};
use notifications::settings::{
    self, KindSetting, NotificationSettings, QuietHours, SettingsChange,
};
use runtime::AppState;
use serde::Deserialize;
use uuid::Uuid;

use crate::service_errors;

pub fn routes() -> Routes {
    Routes::new("notifications")
        .route(
            op(
                Method::GET,
                "/api/notifications",
                "Your notifications, newest first, cursor-paginated, with the unread count",
            )
            .query::<ListParams>()
            .returns::<NotificationPage>(200),
            list,
        )
        .route(
            op(
                Method::PUT,
                "/api/notifications/{id}/read",
                "Mark a notification read",
            )
            .returns::<ReadResult>(200)
            .errors(&[404]),
            mark_read,
        )
        .route(
            op(
                Method::DELETE,
                "/api/notifications/{id}",
                "Delete a notification",
            )
            .returns_nothing(204)
            .errors(&[404]),
            delete,
        )
        .route(
            op(
                Method::POST,
                "/api/notifications/mark-all-read",
                "Mark all your notifications read",
            )
            .returns::<MarkAllResult>(200),
            mark_all_read,
        )
        .route(
            op(
                Method::GET,
                "/api/notifications/settings",
                "What you hear about, where, and when",
            )
            .returns::<NotificationSettings>(200),
            get_settings,
        )
        .route(
            op(
                Method::PUT,
                "/api/notifications/settings",
                "Choose channels per kind, email delivery and quiet hours",
            )
            .body::<NotificationSettingsUpdate>()
            .returns::<NotificationSettings>(200),
            update_settings,
        )
        .route(
            op(
                Method::POST,
                "/api/notifications/unsubscribe",
                "Stop notification emails from an email's unsubscribe link (no sign-in)",
            )
            .public()
            .body::<UnsubscribeRequest>()
            .returns::<Unsubscribed>(200)
            .errors(&[403]),
            unsubscribe,
        )
}

pub fn router(state: AppState) -> Router {
    routes().into_router(state)
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ListParams {
    /// 1 to 100, default 20.
    #[schemars(range(min = 1, max = 100))]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[schemars(length(max = 100))]
    cursor: Option<String>,
    /// Only unread notifications.
    unread_only: Option<bool>,
}

async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(params): Query<ListParams>,
) -> Result<Response, ApiError> {
    let mut checks = FieldChecks::new();
    let limit = checks.page_limit(params.limit, 20);
    let after = checks.check_opt("cursor", params.cursor.as_deref(), |cursor| {
        cursor
            .parse::<Uuid>()
            .map_err(|_| domain::Invalid("is not a cursor this API returned".into()))
    });
    checks.finish()?;
    let query = ListQuery {
        limit: limit as usize,
        after,
        unread_only: params.unread_only.unwrap_or(false),
    };
    let page = inbox::list(&state, &current.caller(), query)
        .await
        .map_err(service_errors::notifications)?;
    Ok(JsonResponse(page).into_response())
}

async fn mark_read(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let result = inbox::mark_read(&state, &current.caller(), id)
        .await
        .map_err(service_errors::notifications)?;
    Ok(JsonResponse(result).into_response())
}

async fn delete(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    inbox::delete(&state, &current.caller(), id)
        .await
        .map_err(service_errors::notifications)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn mark_all_read(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    let result = inbox::mark_all_read(&state, &current.caller())
        .await
        .map_err(service_errors::notifications)?;
    Ok(JsonResponse(result).into_response())
}

async fn get_settings(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    let settings = settings::get(&state, &current.caller())
        .await
        .map_err(service_errors::notifications)?;
    Ok(JsonResponse(settings).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct NotificationSettingsUpdate {
    /// The kinds to change; kinds not listed keep their setting.
    #[schemars(length(max = 20))]
    kinds: Vec<KindSetting>,
    email_delivery: EmailDelivery,
    /// `null` turns quiet hours off.
    quiet_hours: Option<QuietHours>,
}

fn clock_time(text: &str) -> Result<NaiveTime, domain::Invalid> {
    let valid = text.len() == 5 && text.as_bytes()[2] == b':';
    match NaiveTime::parse_from_str(text, "%H:%M") {
        Ok(time) if valid => Ok(time),
        _ => Err(domain::Invalid(
            "must be a time as HH:MM, from 00:00 to 23:59".into(),
        )),
    }
}

async fn update_settings(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(body): Json<NotificationSettingsUpdate>,
) -> Result<Response, ApiError> {
    let mut checks = FieldChecks::new();
    let mut seen: Vec<NotificationKind> = Vec::new();
    for (i, kind) in body.kinds.iter().enumerate() {
        if seen.contains(&kind.kind) {
            checks.push(&format!("kinds[{i}].kind"), "is listed twice");
        }
        seen.push(kind.kind);
    }
    let quiet_hours = body.quiet_hours.as_ref().and_then(|quiet| {
        let start = checks.check("quiet_hours.start", clock_time(&quiet.start));
        let end = checks.check("quiet_hours.end", clock_time(&quiet.end));
        let both = start.zip(end);
        if both.is_some_and(|(start, end)| start == end) {
            checks.push("quiet_hours.end", "must differ from the start");
        }
        both
    });
    checks.finish()?;
    let change = SettingsChange {
        kinds: body.kinds,
        email_delivery: body.email_delivery,
        quiet_hours,
    };
    let settings = settings::update(&state, &current.caller(), &change)
        .await
        .map_err(service_errors::notifications)?;
    Ok(JsonResponse(settings).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct UnsubscribeRequest {
    /// The `user` of the link.
    user: Uuid,
    /// The `token` of the link.
    #[schemars(length(min = 1, max = 100))]
    token: String,
    /// Only this kind; all kinds when absent.
    kind: Option<NotificationKind>,
}

async fn unsubscribe(
    State(state): State<AppState>,
    Json(body): Json<UnsubscribeRequest>,
) -> Result<Response, ApiError> {
    let result = email::unsubscribe(&state, body.user, &body.token, body.kind)
        .await
        .map_err(service_errors::notifications)?;
    Ok(JsonResponse(result).into_response())
}
