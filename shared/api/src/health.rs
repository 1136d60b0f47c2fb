//! `GET /api/health`: can this function reach its stores, and how fast. Public (load balancers
//! and uptime checks call it), so it reports states and timings, never error text.

use std::time::Duration;

use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use runtime::AppState;
use serde::Serialize;

use http_kit::routes::{Routes, op};

pub fn routes() -> Routes {
    Routes::new("health").route(
        op(
            Method::GET,
            "/api/health",
            "Reachability and latency of Postgres and DynamoDB",
        )
        .public()
        .returns::<HealthReport>(200)
        .errors(&[503]),
        health,
    )
}

pub fn router(state: AppState) -> Router {
    routes().into_router(state)
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Degraded,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Up,
    Down,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Check {
    pub status: CheckStatus,
    pub latency_ms: f64,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Checks {
    pub postgres: Check,
    pub dynamodb: Check,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct HealthReport {
    pub status: Status,
    pub version: &'static str,
    pub checks: Checks,
}

/// A check that hangs is as down as one that fails, and must not hang the health endpoint.
const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

async fn timed<F, E>(name: &str, check: F) -> Check
where
    F: Future<Output = Result<Duration, E>>,
    E: std::fmt::Display,
{
    match runtime::probe(CHECK_TIMEOUT, check).await {
        (Ok(latency), _) => Check {
            status: CheckStatus::Up,
            latency_ms: round_ms(latency),
        },
        (Err(error), waited) => {
            tracing::warn!(check = name, %error, "health check failed");
            Check {
                status: CheckStatus::Down,
                latency_ms: round_ms(waited),
            }
        }
    }
}

fn round_ms(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 100_000.0).round() / 100.0
}

async fn health(State(state): State<AppState>) -> Response {
    let (postgres, dynamodb) = tokio::join!(
        timed("postgres", state.db.ping()),
        timed("dynamodb", state.kv.ping())
    );
    let all_up =
        matches!(postgres.status, CheckStatus::Up) && matches!(dynamodb.status, CheckStatus::Up);
    let report = HealthReport {
        status: if all_up { Status::Ok } else { Status::Degraded },
        version: env!("CARGO_PKG_VERSION"),
        checks: Checks { postgres, dynamodb },
    };
    let status = if all_up {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(report)).into_response()
}
