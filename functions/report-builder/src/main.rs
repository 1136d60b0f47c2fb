//! Consumes the reports queue: builds each requested report (CSV and PDF in S3), reporting
//! progress on the live feed. A redelivered message finds its report claimed and does nothing.

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
        let failed = analytics::reports::handle_batch(&state, messages).await;
        let mut response = SqsBatchResponse::default();
        response.batch_item_failures = failed
            .into_iter()
            .map(|id| {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                failure
            })
            .collect();
        Ok::<_, lambda_runtime::Error>(response)
    })
    .await
}
