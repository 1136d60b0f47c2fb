//! Dependency checks (the public health endpoint, the admin health page): a check that hangs
//! is as failed as one that errs, and must not hang the page that runs it.

use std::fmt::Display;
use std::time::{Duration, Instant};

/// Runs `check` for at most `limit`: its answer (or why there is none) and the time it took.
pub async fn probe<T, E: Display>(
    limit: Duration,
    check: impl Future<Output = Result<T, E>>,
) -> (Result<T, String>, Duration) {
    let started = Instant::now();
    let outcome = match tokio::time::timeout(limit, check).await {
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err(format!("no answer within {limit:?}")),
    };
    (outcome, started.elapsed())
}
