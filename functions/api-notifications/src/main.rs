//! `/api/notifications/*` behind API Gateway: the inbox, settings and unsubscribe links.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    http_kit::run_on_lambda(api::notifications::router).await
}
