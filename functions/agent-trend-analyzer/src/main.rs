//! The trend analyzer: bursts in the organization's keywords on X, its hashtags and its
//! mentions, with a model's summary and content ideas. Consumes its SQS queue: each message
//! names a task, claimed once.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::serve_queue(|state, messages| async move {
        agents::worker::handle_batch(&state, messages).await
    })
    .await
}
