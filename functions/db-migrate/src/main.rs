//! Applies pending migrations; invoked once after each deploy (see README, "Deploy"). With a
//! payload `{"grant_platform_admin": "EMAIL"}` (or `revoke_platform_admin`) it then makes that
//! signed-up user a platform administrator (or not), audited.

use lambda_runtime::LambdaEvent;
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::serve_events(|state, event: LambdaEvent<Value>| async move {
        let applied = store::run_migrations(&state.db)
            .await
            .map_err(lambda_runtime::Error::from)?;
        let mut answer = json!({ "migrations": applied });
        for (key, on) in [
            ("grant_platform_admin", true),
            ("revoke_platform_admin", false),
        ] {
            if let Some(email) = event.payload.get(key).and_then(Value::as_str) {
                let mut client = state.db.client().await?;
                let pg: &mut store::tokio_postgres::Client = &mut client;
                let found = admin::grant(pg, email, on)
                    .await
                    .map_err(|e| lambda_runtime::Error::from(e.to_string()))?;
                answer[key] = json!({ "email": email, "found": found });
            }
        }
        Ok::<_, lambda_runtime::Error>(answer)
    })
    .await
}
