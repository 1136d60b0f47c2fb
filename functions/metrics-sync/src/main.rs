//! Every hour (EventBridge Scheduler): snapshots of every published post's metrics, each
//! account's followers and demographics, posts published on the platforms directly, and the
//! competitors' figures, stopping before its own deadline; the next run continues where it
//! stopped.

use lambda_runtime::LambdaEvent;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::serve_events(|state, event: LambdaEvent<Value>| async move {
        let deadline = runtime::deadline_of(&event.context);
        analytics::sync::run(&state, chrono::Utc::now(), deadline)
            .await
            .map_err(|e| lambda_runtime::Error::from(e.to_string()))
    })
    .await
}
