//! What the `maintenance` schedule runs every 30 minutes: renew platform tokens before they
//! expire, and delete uploads that were never confirmed.

use runtime::AppState;
use serde::Serialize;

use crate::error::ApiError;
use crate::social_accounts::RefreshReport;

#[derive(Debug, Serialize)]
pub struct MaintenanceReport {
    pub tokens: RefreshReport,
    pub abandoned_uploads_deleted: usize,
}

pub async fn run(state: &AppState) -> Result<MaintenanceReport, ApiError> {
    let tokens =
        crate::social_accounts::refresh_expiring_tokens(state, chrono::Duration::hours(24)).await?;
    let abandoned_uploads_deleted = crate::media::delete_abandoned_uploads(state).await?;
    let report = MaintenanceReport {
        tokens,
        abandoned_uploads_deleted,
    };
    tracing::info!(?report, "maintenance done");
    Ok(report)
}
