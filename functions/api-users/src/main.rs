//! `/api/users/*` behind API Gateway: profile, sessions, GDPR export and erasure.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    http_kit::run_on_lambda(api::accounts::users::router).await
}
