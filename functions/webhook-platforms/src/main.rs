//! The social platforms' webhooks on a Lambda Function URL: answers their subscription checks
//! (Meta's hub.challenge, X's CRC, LinkedIn's challengeCode), verifies each delivery's
//! signature, stores it once and turns comments and mentions into brand mentions and
//! removed apps into accounts to reconnect; Meta's deauthorization and data deletion
//! callbacks too.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    http_kit::run_on_lambda(api::webhooks::platforms_router).await
}
