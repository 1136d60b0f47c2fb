//! What a worker function's `main` does (the HTTP functions use `http_kit::run_on_lambda`):
//! telemetry, the state built once per cold start, then one handler call per event.

use std::future::Future;
use std::time::{Instant, SystemTime};

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use lambda_runtime::{Context, LambdaEvent, service_fn};
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

/// When Lambda ends this invocation, as an `Instant` for deadline checks.
pub fn deadline_of(context: &Context) -> Instant {
    let remaining = context
        .deadline()
        .duration_since(SystemTime::now())
        .unwrap_or_default();
    Instant::now() + remaining
}

/// Serves an SQS event source: `handle` gets each record's (message id, body) and returns the
/// ids to deliver again, which go back to Lambda as partial batch failures.
pub async fn serve_queue<F, Fut>(handle: F) -> Result<(), lambda_runtime::Error>
where
    F: Fn(AppState, Vec<(String, String)>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Vec<String>> + Send + 'static,
{
    let handle = std::sync::Arc::new(handle);
    serve_events(move |state, event: LambdaEvent<SqsEvent>| {
        let handle = handle.clone();
        async move {
            let messages = event
                .payload
                .records
                .into_iter()
                .filter_map(|record| Some((record.message_id?, record.body.unwrap_or_default())))
                .collect();
            let mut response = SqsBatchResponse::default();
            response.batch_item_failures = handle(state, messages)
                .await
                .into_iter()
                .map(|id| {
                    let mut failure = BatchItemFailure::default();
                    failure.item_identifier = id;
                    failure
                })
                .collect();
            Ok::<_, lambda_runtime::Error>(response)
        }
    })
    .await
}
