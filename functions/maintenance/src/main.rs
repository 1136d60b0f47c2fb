//! Scheduled maintenance (EventBridge Scheduler, every 30 minutes): renews platform tokens
//! that expire within a day, so publishing never waits on a refresh, deletes uploads that
//! were never confirmed, sends the notification emails held for quiet hours or digests, and
//! queues the insight agents' scheduled runs (crisis scans, daily reviews, trends, competitor
//! spikes).

use lambda_runtime::LambdaEvent;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::serve_events(|state, _: LambdaEvent<Value>| async move {
        let upkeep = upkeep::run(&state).await;
        // One failing part does not stop the other; the run fails if either did.
        let insights = agents::scheduled::run(&state).await;
        let report = upkeep.map_err(|e| lambda_runtime::Error::from(e.to_string()))?;
        insights.map_err(|e| lambda_runtime::Error::from(e.to_string()))?;
        Ok::<_, lambda_runtime::Error>(report)
    })
    .await
}
