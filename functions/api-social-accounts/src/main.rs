//! `/api/social-accounts/*` behind API Gateway: OAuth connect and callback, health, settings,
//! sync, insights, disconnect.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    http_kit::run_on_lambda(api::social_accounts::router).await
}
