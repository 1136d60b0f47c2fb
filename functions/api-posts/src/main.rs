//! `/api/posts/*` behind API Gateway: posts, preview, scheduling, publish now, bulk, calendar.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    http_kit::run_on_lambda(api::posts::router).await
}
