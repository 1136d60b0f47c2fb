//! `GET /api/health` behind API Gateway.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    api::run_on_lambda(api::health::router).await
}
