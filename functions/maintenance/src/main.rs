//! Scheduled maintenance (EventBridge Scheduler, every 30 minutes): renews platform tokens
//! that expire within a day, so publishing never waits on a refresh, and deletes uploads that
//! were never confirmed.

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::init_tracing();
    let state = runtime::AppState::from_env().await?;
    lambda_runtime::run(service_fn(move |_: LambdaEvent<Value>| {
        let state = state.clone();
        async move {
            upkeep::run(&state)
                .await
                .map_err(|e| lambda_runtime::Error::from(e.to_string()))
        }
    }))
    .await
}
