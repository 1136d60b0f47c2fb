//! The yardstick of `bench init`: a bare `lambda_runtime` function that answers every event
//! with a constant, built with the same release profile as the real functions.

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::run(service_fn(|_: LambdaEvent<Value>| async {
        Ok::<_, lambda_runtime::Error>(json!({ "hello": "world" }))
    }))
    .await
}
