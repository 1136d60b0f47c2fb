//! `/api/admin/*` behind API Gateway: the platform administrators' console (stats, users,
//! organizations, audit logs, system health, maintenance mode).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    http_kit::run_on_lambda(api::admin::router).await
}
