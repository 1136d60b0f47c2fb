//! `/api/auth/*` behind API Gateway: register, login, logout, refresh, reset, verify.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    http_kit::run_on_lambda(api::accounts::auth::router).await
}
