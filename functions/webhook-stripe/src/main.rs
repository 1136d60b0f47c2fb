//! Stripe's webhook on a Lambda Function URL: verifies `Stripe-Signature`, stores each event
//! once, applies the subscription lifecycle, answers within Stripe's timeout.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    http_kit::run_on_lambda(api::webhooks::stripe_router).await
}
