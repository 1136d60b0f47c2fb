//! Every minute (EventBridge Scheduler): sends the integration deliveries that are due
//! (Slack messages and outgoing webhooks), recording each attempt and retrying failures with
//! backoff. Nothing is sent while maintenance mode is on.

use lambda_runtime::LambdaEvent;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::serve_events(|state, event: LambdaEvent<Value>| async move {
        integrations::deliveries::run_scheduled(&state, runtime::deadline_of(&event.context))
            .await
            .map_err(|e| lambda_runtime::Error::from(e.to_string()))
    })
    .await
}
