//! Applies pending migrations; invoked once after each deploy (see README, "Deploy").

use lambda_runtime::LambdaEvent;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::serve_events(|state, _: LambdaEvent<Value>| async move {
        store::run_migrations(&state.db)
            .await
            .map_err(lambda_runtime::Error::from)
    })
    .await
}
