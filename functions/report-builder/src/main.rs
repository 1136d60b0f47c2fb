//! Consumes the reports queue: builds each requested report (CSV and PDF in S3), reporting
//! progress on the live feed. A redelivered message finds its report claimed and does nothing.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::serve_queue(|state, messages| async move {
        analytics::reports::handle_batch(&state, messages).await
    })
    .await
}
