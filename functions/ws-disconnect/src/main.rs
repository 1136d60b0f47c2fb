//! The WebSocket API's `$disconnect` route: forgets the connection.

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
                    notifications::feed::on_disconnect(&state, event.payload).await,
                )
            }
        },
    ))
    .await
}
