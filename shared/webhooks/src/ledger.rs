//! Every inbound event is stored once, by its sender's id, before anything is done with it;
//! then processed in one transaction that also marks it processed. A redelivery finds it
//! stored (and processed: nothing happens); a concurrent one finds it locked and leaves it; a
//! failure is counted and the event tried again later, up to [`MAX_ATTEMPTS`].

use runtime::AppState;
use serde_json::Value;
use store::tokio_postgres::Transaction;
use store::webhook_events::{self, WebhookEvent};
use store::{OrgId, StoreError};

/// Attempts before an event is left for a person to look at (it stays unprocessed, with its
/// last error, on the admin health page).
pub const MAX_ATTEMPTS: i32 = 5;

/// What applying an event did: the organization it concerned, and what to do after commit.
pub struct Applied<T> {
    pub organization_id: Option<OrgId>,
    pub outcome: T,
}

#[derive(Debug)]
pub enum Receipt<T> {
    /// Applied now.
    Processed(T),
    /// Stored before and processed (or being processed by another delivery): nothing done.
    Duplicate,
    /// Applying failed; the event is kept for another attempt.
    Failed { attempts: i32, error: String },
}

/// Stores the event once and processes it unless it was processed already.
pub async fn receive<T, E: std::fmt::Display>(
    state: &AppState,
    source: &str,
    external_id: &str,
    event_type: &str,
    data: &Value,
    apply: impl AsyncFnOnce(&Transaction<'_>, &WebhookEvent) -> Result<Applied<T>, E>,
) -> Result<Receipt<T>, StoreError> {
    let (event, _stored_now) = {
        let client = state.db.client().await?;
        webhook_events::store_once(&**client, source, external_id, event_type, data).await?
    };
    if event.processed || event.retry_count >= MAX_ATTEMPTS {
        return Ok(Receipt::Duplicate);
    }
    process(state, &event, apply).await
}

/// Processes a stored event (a first attempt, or a retry) at most once.
pub async fn process<T, E: std::fmt::Display>(
    state: &AppState,
    event: &WebhookEvent,
    apply: impl AsyncFnOnce(&Transaction<'_>, &WebhookEvent) -> Result<Applied<T>, E>,
) -> Result<Receipt<T>, StoreError> {
    let mut client = state.db.client().await?;
    let pg: &mut store::tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let Some(locked) = webhook_events::lock_unprocessed(&tx, event.id).await? else {
        return Ok(Receipt::Duplicate);
    };
    match apply(&tx, &locked).await {
        Ok(applied) => {
            webhook_events::mark_processed(&tx, locked.id, applied.organization_id).await?;
            tx.commit().await?;
            Ok(Receipt::Processed(applied.outcome))
        }
        Err(error) => {
            drop(tx);
            let error = error.to_string();
            let attempts = webhook_events::record_failure(&*pg, locked.id, &error).await?;
            tracing::warn!(source = %locked.source, event = %locked.external_id, attempts, %error, "webhook event not applied");
            Ok(Receipt::Failed { attempts, error })
        }
    }
}
