//! `/api/analytics/*` behind API Gateway: dashboards, reports and the CSV export.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    http_kit::run_on_lambda(api::analytics::router).await
}
