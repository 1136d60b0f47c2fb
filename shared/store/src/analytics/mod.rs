//! Analytics in Postgres: the metrics sync's reads and writes, the dashboards' queries,
//! reports, and retention.

pub mod competitors;
pub mod dashboards;
pub mod reports;
pub mod sync;

use chrono::{DateTime, Utc};
use tokio_postgres::GenericClient;

use crate::StoreError;

/// What retention removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Expired {
    /// Analytics history and competitor snapshots.
    pub analytics: u64,
    pub audit_logs: u64,
    pub webhook_events: u64,
}

/// Deletes, for every organization, the analytics history (competitors' too), audit entries and
/// webhook events older than its `data_retention_days`. The latest numbers of each post
/// (`post_metrics`) and the posts themselves stay: retention bounds the history, not what the
/// dashboards show.
pub async fn delete_expired(
    db: &impl GenericClient,
    now: DateTime<Utc>,
) -> Result<Expired, StoreError> {
    let mut deleted = [0u64; 4];
    for (slot, (table, column)) in [
        ("analytics", "recorded_at"),
        ("competitor_snapshots", "recorded_at"),
        ("audit_logs", "created_at"),
        ("webhook_events", "created_at"),
    ]
    .into_iter()
    .enumerate()
    {
        deleted[slot] = db
            .execute(
                &format!(
                    "DELETE FROM {table} t USING organizations o
                     WHERE t.organization_id = o.id
                       AND t.{column} < $1::timestamptz - make_interval(days => coalesce(o.data_retention_days, 365))"
                ),
                &[&now],
            )
            .await?;
    }
    let expired = Expired {
        analytics: deleted[0] + deleted[1],
        audit_logs: deleted[2],
        webhook_events: deleted[3],
    };
    Ok(expired)
}
