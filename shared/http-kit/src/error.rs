//! The one error format: `{"error":{"code","message","details":[{"field","issue"}]}}`, and the
//! one place that decides each error's HTTP status.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Stable, machine-readable error codes. Clients switch on these, never on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    MalformedRequest,
    ValidationFailed,
    InvalidCredentials,
    InvalidToken,
    RefreshTokenReused,
    EmailTaken,
    LastAdmin,
    UploadRejected,
    AssetInUse,
    PlatformNotConfigured,
    NeedsReconnect,
    Unauthenticated,
    Forbidden,
    EmailNotVerified,
    NotFound,
    RouteNotFound,
    MethodNotAllowed,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    PlanLimitReached,
    RateLimited,
    ServiceUnavailable,
    /// Maintenance mode: writes are refused for a while, reads work.
    MaintenanceMode,
    Internal,
}

impl ErrorCode {
    /// The single mapping from error to HTTP status.
    pub const fn status(self) -> StatusCode {
        match self {
            ErrorCode::MalformedRequest => StatusCode::BAD_REQUEST,
            ErrorCode::ValidationFailed => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidCredentials | ErrorCode::RefreshTokenReused => {
                StatusCode::UNAUTHORIZED
            }
            ErrorCode::InvalidToken => StatusCode::BAD_REQUEST,
            ErrorCode::EmailTaken | ErrorCode::LastAdmin | ErrorCode::AssetInUse => {
                StatusCode::CONFLICT
            }
            ErrorCode::UploadRejected | ErrorCode::PlatformNotConfigured => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ErrorCode::NeedsReconnect => StatusCode::CONFLICT,
            ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden | ErrorCode::EmailNotVerified => StatusCode::FORBIDDEN,
            ErrorCode::NotFound | ErrorCode::RouteNotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::PlanLimitReached => StatusCode::PAYMENT_REQUIRED,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::ServiceUnavailable | ErrorCode::MaintenanceMode => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// What was wrong with one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct FieldIssue {
    pub field: String,
    pub issue: String,
}

impl FieldIssue {
    pub fn new(field: impl Into<String>, issue: impl Into<String>) -> Self {
        FieldIssue {
            field: field.into(),
            issue: issue.into(),
        }
    }
}

/// Collects field problems so one response lists all of them.
#[derive(Debug, Default)]
pub struct FieldChecks(Vec<FieldIssue>);

impl FieldChecks {
    pub fn new() -> Self {
        FieldChecks::default()
    }

    /// Keeps the value if valid, records the field's issue otherwise.
    pub fn check<T>(&mut self, field: &str, result: Result<T, domain::Invalid>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(invalid) => {
                self.0.push(FieldIssue::new(field, invalid.0));
                None
            }
        }
    }

    /// Like `check`, for an optional input.
    pub fn check_opt<T, I>(
        &mut self,
        field: &str,
        input: Option<I>,
        parse: impl FnOnce(I) -> Result<T, domain::Invalid>,
    ) -> Option<T> {
        input.and_then(|value| self.check(field, parse(value)))
    }

    /// The `limit` of a list: 1 to 100, `default` when not given.
    pub fn page_limit(&mut self, requested: Option<i64>, default: i64) -> i64 {
        let limit = requested.unwrap_or(default);
        if !(1..=100).contains(&limit) {
            self.push("limit", "must be from 1 to 100");
        }
        limit
    }

    pub fn push(&mut self, field: &str, issue: &str) {
        self.0.push(FieldIssue::new(field, issue));
    }

    /// 422 listing every issue, or Ok when there were none.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.0))
        }
    }
}

/// An error on its way to becoming a response.
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub details: Vec<FieldIssue>,
    /// Seconds, for 429 and 503 answers.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            details: Vec::new(),
            retry_after: None,
        }
    }

    pub fn validation(details: Vec<FieldIssue>) -> Self {
        ApiError {
            details,
            ..ApiError::new(
                ErrorCode::ValidationFailed,
                "the request has invalid fields",
            )
        }
    }

    pub fn not_found(what: &str) -> Self {
        ApiError::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        ApiError {
            retry_after: Some(retry_after_secs.max(1)),
            ..ApiError::new(ErrorCode::RateLimited, "too many requests, retry later")
        }
    }

    /// An unexpected failure: logged in full here (with the request id span), answered with a
    /// message that reveals nothing.
    pub fn internal(error: &dyn std::error::Error) -> Self {
        tracing::error!(error = %error, "internal error");
        ApiError::new(ErrorCode::Internal, "an internal error occurred")
    }

    fn unavailable(error: &dyn std::error::Error) -> Self {
        tracing::error!(error = %error, "dependency unavailable");
        ApiError {
            retry_after: Some(5),
            ..ApiError::new(
                ErrorCode::ServiceUnavailable,
                "a dependency is unavailable, retry shortly",
            )
        }
    }
}

/// The body of every error response.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "Error")]
pub(crate) struct ErrorBody<'a> {
    error: ErrorPayload<'a>,
}

/// The schema of [`ErrorBody`], for the OpenAPI document.
pub(crate) type ErrorBodySchema = ErrorBody<'static>;

#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct ErrorPayload<'a> {
    code: ErrorCode,
    message: &'a str,
    details: &'a [FieldIssue],
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorPayload {
                code: self.code,
                message: &self.message,
                details: &self.details,
            },
        };
        let mut response = (self.code.status(), Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl From<store::StoreError> for ApiError {
    /// Constraint violations that reach here are caller mistakes the service layer did not
    /// pre-check (a race, usually): they become 4xx, never 500.
    fn from(error: store::StoreError) -> Self {
        use store::StoreError as E;
        match &error {
            E::UniqueViolation { constraint } => ApiError::new(
                ErrorCode::Conflict,
                format!("a record with the same unique value already exists ({constraint})"),
            ),
            E::ForeignKeyViolation { constraint } => ApiError::new(
                ErrorCode::ValidationFailed,
                format!("a referenced record does not exist ({constraint})"),
            ),
            E::CheckViolation { constraint } => ApiError::new(
                ErrorCode::ValidationFailed,
                format!("a value is not allowed ({constraint})"),
            ),
            E::NotNullViolation { column } => {
                ApiError::validation(vec![FieldIssue::new(column.clone(), "is required")])
            }
            E::Conflict => ApiError {
                retry_after: Some(1),
                ..ApiError::new(
                    ErrorCode::Conflict,
                    "a concurrent change won, retry the request",
                )
            },
            E::Unavailable(_) => ApiError::unavailable(&error),
            E::Migration(_) | E::Query(_) => ApiError::internal(&error),
        }
    }
}

impl From<store::tokio_postgres::Error> for ApiError {
    fn from(error: store::tokio_postgres::Error) -> Self {
        store::StoreError::from(error).into()
    }
}

impl From<kv::KvError> for ApiError {
    fn from(error: kv::KvError) -> Self {
        match &error {
            kv::KvError::Unavailable(_) => ApiError::unavailable(&error),
            kv::KvError::Malformed { .. } => ApiError::internal(&error),
        }
    }
}

pub async fn route_not_found() -> ApiError {
    ApiError::new(ErrorCode::RouteNotFound, "no such route")
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this route does not accept that method",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn body_of(error: ApiError) -> (StatusCode, Option<HeaderValue>, serde_json::Value) {
        let response = error.into_response();
        let status = response.status();
        let retry = response.headers().get(header::RETRY_AFTER).cloned();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, retry, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn validation_errors_list_each_field() {
        let (status, _, body) = body_of(ApiError::validation(vec![FieldIssue::new(
            "email",
            "is not an email address",
        )]))
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body,
            serde_json::json!({"error":{"code":"validation_failed","message":"the request has invalid fields",
                "details":[{"field":"email","issue":"is not an email address"}]}})
        );
    }

    #[tokio::test]
    async fn rate_limits_carry_retry_after() {
        let (status, retry, body) = body_of(ApiError::rate_limited(42)).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(retry.unwrap(), "42");
        assert_eq!(body["error"]["code"], "rate_limited");
    }

    #[tokio::test]
    async fn constraint_violations_become_client_errors() {
        let unique = ApiError::from(store::StoreError::UniqueViolation {
            constraint: "users_email_key".into(),
        });
        assert_eq!(unique.code.status(), StatusCode::CONFLICT);
        let check = ApiError::from(store::StoreError::CheckViolation {
            constraint: "posts_status_check".into(),
        });
        assert_eq!(check.code.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }

    #[tokio::test]
    async fn an_unavailable_store_answers_503_without_detail() {
        let (status, retry, body) = body_of(
            store::StoreError::Unavailable("password authentication failed for app".into()).into(),
        )
        .await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(retry.is_some());
        assert!(!body.to_string().contains("password"));
    }
}
