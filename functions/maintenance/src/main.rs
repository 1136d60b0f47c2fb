//! Scheduled maintenance (EventBridge Scheduler, every 30 minutes): renews platform tokens
//! that expire within a day, so publishing never waits on a refresh, deletes uploads that
//! were never confirmed, and sends the notification emails held for quiet hours or digests.

use lambda_runtime::LambdaEvent;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::serve_events(|state, _: LambdaEvent<Value>| async move {
        upkeep::run(&state)
            .await
            .map_err(|e| lambda_runtime::Error::from(e.to_string()))
    })
    .await
}
