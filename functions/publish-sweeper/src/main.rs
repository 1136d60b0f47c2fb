//! Every minute: publishes due targets whose trigger was lost, retries that are due, and marks
//! targets stuck in `publishing` unconfirmed.

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::init_tracing();
    let state = runtime::AppState::from_env().await?;
    lambda_runtime::run(service_fn(move |_: LambdaEvent<Value>| {
        let state = state.clone();
        async move {
            api::publishing::sweep(&state, 8)
                .await
                .map_err(|e| lambda_runtime::Error::from(e.to_string()))
        }
    }))
    .await
}
