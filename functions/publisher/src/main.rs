//! Fired by a one-time EventBridge Scheduler schedule per post target (`{"post_platform_id"}`):
//! publishes it at most once. Scheduler may deliver twice; the claim makes that harmless.

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::init_tracing();
    let state = runtime::AppState::from_env().await?;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let state = state.clone();
        async move {
            api::publishing::handle_trigger(&state, &event.payload)
                .await
                .map_err(|e| lambda_runtime::Error::from(e.to_string()))
        }
    }))
    .await
}
