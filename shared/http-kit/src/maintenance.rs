//! Maintenance mode at the HTTP edge: while a platform administrator has it on, every write
//! answers 503 with `Retry-After` and reads keep working. Signing in and out stays possible (an
//! administrator must be able to sign in to turn it off), and so does the admin console.

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use runtime::AppState;

use crate::{ApiError, ErrorCode};

/// Paths a write may still reach during maintenance.
const OPEN_DURING_MAINTENANCE: &[&str] = &[
    "/api/auth/login",
    "/api/auth/refresh",
    "/api/auth/logout",
    "/api/admin/",
];

/// Whether `method path` is refused while maintenance mode is on.
pub fn refused_during_maintenance(method: &Method, path: &str) -> bool {
    let reads = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    !reads
        && !OPEN_DURING_MAINTENANCE
            .iter()
            .any(|open| path == *open || (open.ends_with('/') && path.starts_with(open)))
}

/// The answer to a refused write.
pub fn maintenance_refusal(message: Option<&str>) -> Response {
    ApiError {
        retry_after: Some(runtime::MAINTENANCE_RETRY_AFTER_SECS),
        ..ApiError::new(
            ErrorCode::MaintenanceMode,
            message.unwrap_or("the platform is under maintenance; changes are paused, retry later"),
        )
    }
    .into_response()
}

/// The middleware every function's router runs behind.
pub async fn honour_maintenance(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if refused_during_maintenance(request.method(), request.uri().path()) {
        let mode = state.maintenance().await;
        if mode.enabled {
            return maintenance_refusal(mode.message.as_deref());
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_refused_but_reads_sign_in_and_the_admin_console_are_not() {
        assert!(refused_during_maintenance(&Method::POST, "/api/posts"));
        assert!(refused_during_maintenance(&Method::DELETE, "/api/posts/1"));
        assert!(refused_during_maintenance(
            &Method::PUT,
            "/api/users/profile"
        ));
        assert!(!refused_during_maintenance(&Method::GET, "/api/posts"));
        assert!(!refused_during_maintenance(
            &Method::POST,
            "/api/auth/login"
        ));
        assert!(!refused_during_maintenance(
            &Method::POST,
            "/api/admin/maintenance-mode"
        ));
        // A prefix is not a match: only the exact sign-in paths stay open.
        assert!(refused_during_maintenance(
            &Method::POST,
            "/api/auth/login-as"
        ));
        assert!(refused_during_maintenance(
            &Method::POST,
            "/api/auth/register"
        ));
    }
}
