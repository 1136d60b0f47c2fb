//! `GET /api/health` and `GET /api/openapi.json` behind API Gateway.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    http_kit::run_on_lambda(api::meta_router).await
}
