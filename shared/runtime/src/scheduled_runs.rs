//! The scheduled functions' runs: skipped while maintenance mode is on, and recorded (the last
//! run of each) for the admin health page, where a sweeper that stopped running shows.

use std::fmt::Display;

use crate::AppState;

impl AppState {
    /// Runs the scheduled function `name`'s `work` unless maintenance mode is on, and records
    /// the run with `detail` of its outcome. `None`: skipped for maintenance (recorded too).
    pub async fn scheduled_run<T, E: Display>(
        &self,
        name: &str,
        work: impl Future<Output = Result<T, E>>,
        detail: impl FnOnce(&T) -> String,
    ) -> Option<Result<T, E>> {
        if self.maintenance().await.enabled {
            self.record_run(name, true, "skipped: maintenance mode")
                .await;
            return None;
        }
        let outcome = work.await;
        match &outcome {
            Ok(done) => self.record_run(name, true, &detail(done)).await,
            Err(error) => self.record_run(name, false, &error.to_string()).await,
        }
        Some(outcome)
    }

    /// Records that the scheduled function `name` ran (best effort: a failure is logged, the
    /// run's own work stands).
    async fn record_run(&self, name: &str, succeeded: bool, detail: &str) {
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
