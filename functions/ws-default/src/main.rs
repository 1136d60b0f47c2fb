//! The WebSocket API's `$default` route: answers `ping` and `sync` through the management API,
//! closing connections whose session has ended.

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::init_tracing();
    let state = runtime::AppState::from_env().await?;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| {
            let state = state.clone();
            async move {
                Ok::<_, lambda_runtime::Error>(
                    notifications::feed::on_message(&state, event.payload).await,
                )
            }
        },
    ))
    .await
}
