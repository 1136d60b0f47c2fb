//! The performance tracker: posts and accounts unusually above or below their seasonal
//! baseline, with notifications and a weekly digest. Consumes its SQS queue: each message
//! names a task, claimed once.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::serve_queue(|state, messages| async move {
        agents::worker::handle_batch(&state, messages).await
    })
    .await
}
