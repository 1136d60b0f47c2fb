//! `/api/integrations/*` behind API Gateway: Slack, outgoing webhooks and Google Analytics 4.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    http_kit::run_on_lambda(api::integrations::router).await
}
