//! The smart scheduler: expected engagement per account and hour of the week from the
//! organization's history, and drafts placed on the best free slots (it proposes; people
//! schedule). Consumes its SQS queue: each message names a task, claimed once.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::serve_queue(|state, messages| async move {
        agents::worker::handle_batch(&state, messages).await
    })
    .await
}
