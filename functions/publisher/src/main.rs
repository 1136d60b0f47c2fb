//! Consumes the publishing lanes (one SQS queue per platform group, whose event source caps the
//! concurrency per platform): publishes each target at most once. A redelivered message is
//! harmless; the claim makes it a no-op.

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use lambda_runtime::LambdaEvent;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::serve_events(|state, event: LambdaEvent<SqsEvent>| async move {
        let messages = event
            .payload
            .records
            .into_iter()
            .filter_map(|record| Some((record.message_id?, record.body.unwrap_or_default())))
            .collect();
        let failures = posting::handle_lane_batch(&state, messages).await;
        let mut response = SqsBatchResponse::default();
        response.batch_item_failures = failures
            .message_ids
            .into_iter()
            .map(|id| {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                failure
            })
            .collect();
        Ok(response)
    })
    .await
}
