//! Every minute: settles claims stuck in `publishing`, and queues due targets whose trigger was
//! lost (and retries that are due) on their publishing lanes, stopping before its own deadline.

use lambda_runtime::LambdaEvent;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::serve_events(|state, event: LambdaEvent<Value>| async move {
        posting::sweep(&state, runtime::deadline_of(&event.context))
            .await
            .map_err(|e| lambda_runtime::Error::from(e.to_string()))
    })
    .await
}
