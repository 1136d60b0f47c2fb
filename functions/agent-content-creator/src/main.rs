//! The content creator: writes and rewrites posts within each platform's rules.
//! Consumes its SQS queue: each message names a task, claimed once (a redelivered message does
//! nothing twice); a message that is not a task rests in the dead-letter queue.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::serve_queue(|state, messages| async move {
        agents::worker::handle_batch(&state, messages).await
    })
    .await
}
