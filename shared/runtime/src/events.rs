//! What a worker function's `main` does (the HTTP functions use `http_kit::run_on_lambda`):
//! telemetry, the state built once per cold start, then one handler call per event.

use std::future::Future;

use lambda_runtime::{LambdaEvent, service_fn};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{AppState, init_tracing};

pub async fn serve_events<E, R, F, Fut>(handler: F) -> Result<(), lambda_runtime::Error>
where
    E: DeserializeOwned + Send + 'static,
    R: Serialize + Send + 'static,
    F: Fn(AppState, LambdaEvent<E>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, lambda_runtime::Error>> + Send + 'static,
{
    init_tracing();
    let state = AppState::from_env().await?;
    lambda_runtime::run(service_fn(move |event| handler(state.clone(), event))).await
}
