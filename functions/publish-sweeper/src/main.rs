//! Every minute: settles claims stuck in `publishing`, and queues due targets whose trigger was
//! lost (and retries that are due) on their publishing lanes, stopping before its own deadline.

use lambda_runtime::LambdaEvent;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::serve_events(|state, event: LambdaEvent<Value>| async move {
        let remaining = event
            .context
            .deadline()
            .duration_since(std::time::SystemTime::now())
            .unwrap_or_default();
        let deadline = std::time::Instant::now() + remaining;
        posting::sweep(&state, deadline)
            .await
            .map_err(|e| lambda_runtime::Error::from(e.to_string()))
    })
    .await
}
