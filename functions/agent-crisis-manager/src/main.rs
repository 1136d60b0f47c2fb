//! The crisis manager: the brand's mentions scored for sentiment, watch/warning/crisis levels
//! with the evidence, a drafted holding statement and, when asked for, publishing paused.
//! Consumes its SQS queue: each message names a task, claimed once.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::serve_queue(|state, messages| async move {
        agents::worker::handle_batch(&state, messages).await
    })
    .await
}
