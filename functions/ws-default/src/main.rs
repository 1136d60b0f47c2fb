//! The WebSocket API's `$default` route: answers `ping` and `sync` through the management API,
//! closing connections whose session has ended.

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use lambda_runtime::LambdaEvent;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::serve_events(
        |state, event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| async move {
            Ok(notifications::feed::on_message(&state, event.payload).await)
        },
    )
    .await
}
