//! The last run of each scheduled function, kept for the admin health page (a sweeper that
//! stopped running shows there, and in the `SweeperLag` alarm).

use crate::AppState;

impl AppState {
    /// Records that the scheduled function `name` ran (best effort: a failure is logged, the
    /// run's own work stands).
    pub async fn record_run(&self, name: &str, succeeded: bool, detail: &str) {
        let recorded = async {
            let client = self.db.client().await?;
            store::platform::record_run(&**client, name, succeeded, Some(detail)).await
        }
        .await;
        if let Err(error) = recorded {
            tracing::warn!(%error, run = name, "scheduled run not recorded");
        }
    }
}
