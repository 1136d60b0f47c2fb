//! Applies pending migrations; invoked once after each deploy (see README, "Deploy").

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::init_tracing();
    let state = runtime::AppState::from_env().await?;
    lambda_runtime::run(service_fn(move |_: LambdaEvent<Value>| {
        let db = state.db.clone();
        async move {
            store::run_migrations(&db)
                .await
                .map_err(lambda_runtime::Error::from)
        }
    }))
    .await
}
