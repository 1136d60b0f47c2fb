//! The WebSocket API's `$disconnect` route: forgets the connection.

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use lambda_runtime::LambdaEvent;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::serve_events(
        |state, event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| async move {
            Ok(notifications::feed::on_disconnect(&state, event.payload).await)
        },
    )
    .await
}
