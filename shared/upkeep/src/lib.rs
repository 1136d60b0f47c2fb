//! What the `maintenance` schedule runs every 30 minutes: renew platform tokens before they
//! expire, delete uploads that were never confirmed, and send the notification emails held for
//! quiet hours or the daily digest, apply each organization's data retention, end the billing
//! grace periods that ran out, and retry webhook events whose processing failed. Nothing runs
//! while maintenance mode is on.

use chrono::Duration;
use runtime::AppState;
use serde::Serialize;
use store::media;

#[derive(Debug, thiserror::Error)]
pub enum UpkeepError {
    #[error(transparent)]
    Tokens(#[from] social::TokenError),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Billing(#[from] billing::BillingError),
}

#[derive(Debug, Default, Serialize)]
pub struct MaintenanceReport {
    /// Maintenance mode is on: nothing else ran.
    pub paused_for_maintenance: bool,
    /// Organizations whose payment grace ran out: now on the free plan.
    pub grace_ended: usize,
    /// Webhook events applied on another attempt.
    pub webhook_events_retried: usize,
    pub tokens: social::RefreshReport,
    pub abandoned_uploads_deleted: usize,
    /// Notification emails held for quiet hours or the daily digest, sent now.
    pub held_emails: notifications::email::HeldEmailsReport,
    /// History rows past their organization's `data_retention_days`, deleted.
    pub expired: ExpiredRows,
}

#[derive(Debug, Default, Serialize)]
pub struct ExpiredRows {
    pub analytics: u64,
    pub audit_logs: u64,
    pub webhook_events: u64,
    /// Agents' memories past their expiry.
    pub memories: u64,
}

pub async fn run(state: &AppState) -> Result<MaintenanceReport, UpkeepError> {
    state
        .scheduled_run(MAINTENANCE, run_all(state), |report| {
            format!(
                "{} tokens renewed, {} grace periods ended, {} webhook events retried",
                report.tokens.refreshed, report.grace_ended, report.webhook_events_retried
            )
        })
        .await
        .unwrap_or(Ok(MaintenanceReport {
            paused_for_maintenance: true,
            ..MaintenanceReport::default()
        }))
}

/// This schedule's name in the runs the admin health page shows.
const MAINTENANCE: &str = "maintenance";

async fn run_all(state: &AppState) -> Result<MaintenanceReport, UpkeepError> {
    let grace_ended = match &state.config.billing {
        runtime::Billing::Stripe(_) => {
            billing::grace::end_expired(state, chrono::Utc::now()).await?
        }
        runtime::Billing::Manual => 0,
    };
    let webhook_events_retried = retry_webhook_events(state).await?;
    let tokens = social::refresh_expiring_tokens(state, Duration::hours(24)).await?;
    let abandoned_uploads_deleted = delete_abandoned_uploads(state).await?;
    // A mail outage must not stop the rest of maintenance: the emails stay held for next time.
    let held_emails = notifications::email::send_held(state, chrono::Utc::now())
        .await
        .unwrap_or_else(|error| {
            tracing::error!(%error, "held notification emails not sent");
            Default::default()
        });
    let expired = apply_retention(state, chrono::Utc::now()).await?;
    let report = MaintenanceReport {
        paused_for_maintenance: false,
        grace_ended,
        webhook_events_retried,
        tokens,
        abandoned_uploads_deleted,
        held_emails,
        expired,
    };
    tracing::info!(?report, "maintenance done");
    Ok(report)
}

/// Webhook events stored but not applied (a failure, or a crash between storing and
/// applying), tried again up to the ledger's bound.
async fn retry_webhook_events(state: &AppState) -> Result<usize, UpkeepError> {
    let pending = {
        let client = state.db.client().await?;
        store::webhook_events::retryable(&**client, webhooks::ledger::MAX_ATTEMPTS, 100).await?
    };
    let mut applied = 0;
    for event in &pending {
        let receipt = match event.source.as_str() {
            "stripe" if matches!(state.config.billing, runtime::Billing::Stripe(_)) => {
                matches!(
                    billing::webhook::retry(state, event).await?,
                    webhooks::ledger::Receipt::Processed(_)
                )
            }
            "stripe" => continue,
            _ => matches!(
                social::inbound::retry(state, event).await?,
                webhooks::ledger::Receipt::Processed(_)
            ),
        };
        if receipt {
            applied += 1;
        }
    }
    Ok(applied)
}

/// Deletes uploads never confirmed within a day (their quota reservation lapsed): rows,
/// staged objects and unfinished multipart uploads. Objects left behind by a failed delete
/// expire by the bucket's lifecycle rule on `uploads/`.
pub async fn delete_abandoned_uploads(state: &AppState) -> Result<usize, UpkeepError> {
    let client = state.db.client().await?;
    let abandoned = media::take_abandoned_uploads(&**client, Duration::hours(24), 500).await?;
    let (s3, bucket) = (state.s3(), &state.config.media_bucket);
    for asset in &abandoned {
        if let Some(upload_id) = &asset.multipart_upload_id {
            let _ = cloud::abort_multipart(s3, bucket, &asset.s3_key, upload_id).await;
        }
        if let Err(error) = cloud::delete_object(s3, bucket, &asset.s3_key).await {
            tracing::warn!(%error, "abandoned upload's object left for the lifecycle rule");
        }
    }
    Ok(abandoned.len())
}

/// Deletes analytics history, audit entries and webhook events older than each organization's
/// `data_retention_days` (posts and their latest numbers stay), and agents' memories past their
/// expiry.
pub async fn apply_retention(
    state: &AppState,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ExpiredRows, UpkeepError> {
    let client = state.db.client().await?;
    let expired = store::analytics::delete_expired(&**client, now).await?;
    let memories = store::agents::memory::delete_expired(&**client).await?;
    Ok(ExpiredRows {
        memories,
        analytics: expired.analytics,
        audit_logs: expired.audit_logs,
        webhook_events: expired.webhook_events,
    })
}
