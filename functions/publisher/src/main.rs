//! Consumes the publishing lanes (one SQS queue per platform group, whose event source caps the
//! concurrency per platform): publishes each target at most once. A redelivered message is
//! harmless; the claim makes it a no-op.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::serve_queue(|state, messages| async move {
        posting::handle_lane_batch(&state, messages)
            .await
            .message_ids
    })
    .await
}
