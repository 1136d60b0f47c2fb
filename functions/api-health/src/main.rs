//! `GET /api/health` behind API Gateway.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    runtime::init_tracing();
    let state = runtime::AppState::from_env().await?;
    lambda_http::run(api::serve(api::health::router(state))).await
}
