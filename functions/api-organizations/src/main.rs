//! `/api/organizations/*` behind API Gateway: organization, members, invitations, plan.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    http_kit::run_on_lambda(api::accounts::organizations::router).await
}
