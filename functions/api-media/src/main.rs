//! `/api/media/*` behind API Gateway: presigned uploads, confirmation, library, variants, usage.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    http_kit::run_on_lambda(api::media::router).await
}
