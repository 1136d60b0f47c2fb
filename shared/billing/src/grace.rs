//! The end of a payment's grace period: run by the maintenance function, it moves every
//! organization whose grace ended unpaid to the free plan, with an audit row and a notice.

use chrono::{DateTime, Utc};
use domain::AuditAction;
use runtime::AppState;
use store::accounts::audit::{self, Actor, AuditEntry};

use crate::BillingError;

/// Returns how many organizations fell to free.
pub async fn end_expired(state: &AppState, now: DateTime<Utc>) -> Result<usize, BillingError> {
    let ended = {
        let mut client = state.db.client().await?;
        let pg: &mut store::tokio_postgres::Client = &mut client;
        let tx = pg.transaction().await?;
        let ended = store::billing::end_expired_grace(&tx, now).await?;
        for (organization_id, plan) in &ended {
            audit::record(
                &tx,
                &Actor {
                    organization_id: Some(*organization_id),
                    user_id: None,
                    ip: None,
                    user_agent: Some("billing grace period".into()),
                },
                AuditEntry {
                    action: AuditAction::Update,
                    resource_type: "subscription",
                    resource_id: Some(organization_id.as_uuid()),
                    old_values: Some(serde_json::json!({ "plan": plan, "status": "past_due" })),
                    new_values: Some(serde_json::json!({ "plan": "free", "status": "unpaid" })),
                },
            )
            .await?;
        }
        tx.commit().await?;
        ended
    };
    for (organization_id, plan) in &ended {
        crate::webhook::notify_team(
            state,
            *organization_id,
            "Moved to the free plan".to_owned(),
            format!(
                "The {plan} plan stayed unpaid past its grace period. Choose a plan in Plan & billing to restore it."
            ),
        )
        .await;
    }
    Ok(ended.len())
}
