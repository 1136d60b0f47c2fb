//! The WebSocket API's `$connect` route: admits a live session's access token (query string)
//! and records the connection in DynamoDB.

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use lambda_runtime::LambdaEvent;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::serve_events(
        |state, event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| async move {
            Ok(notifications::feed::on_connect(&state, event.payload).await)
        },
    )
    .await
}
