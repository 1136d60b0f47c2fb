//! Every hour (EventBridge Scheduler): snapshots of every published post's metrics, each
//! account's followers and demographics, and posts published on the platforms directly,
//! stopping before its own deadline; the next run continues where it stopped.

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
        let report = analytics::sync::run(&state, chrono::Utc::now(), deadline)
            .await
            .map_err(|e| lambda_runtime::Error::from(e.to_string()))?;
        tracing::info!(?report, "metrics sync finished");
        Ok::<_, lambda_runtime::Error>(report)
    })
    .await
}
