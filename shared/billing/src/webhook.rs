//! The `webhook-stripe` function's work: verify the signature, store the event once, apply it
//! in a transaction with its audit row, then tell the organization (notifications for what
//! needs action, a live event so open billing pages refresh).

use chrono::Utc;
use contracts::LiveEvent;
use domain::AuditAction;
use domain::{NotificationKind, Permission, SubscriptionStatus};
use runtime::AppState;
use store::accounts::audit::{self, Actor, AuditEntry};
use store::tokio_postgres::Transaction;
use store::webhook_events::WebhookEvent;
use webhooks::ledger::{self, Applied, Receipt};

use crate::events::{self, Effect, StripeEvent};
use crate::{BillingError, stripe};

/// Why a delivery was refused (a 400 to Stripe, which retries; nothing is stored).
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("signature: {0}")]
    Signature(#[from] webhooks::Rejected),
    #[error("the body is not a Stripe event: {0}")]
    Malformed(String),
    #[error(transparent)]
    Billing(#[from] BillingError),
}

/// Verifies and handles one delivery. `Ok` means stored (Stripe gets a 2xx and stops
/// retrying); a failed application is retried by the maintenance function.
pub async fn receive(
    state: &AppState,
    signature: Option<&str>,
    body: &[u8],
) -> Result<Receipt<Effect>, Refused> {
    let keys = stripe::keys(state)?;
    webhooks::verify_stripe(
        signature,
        body,
        &keys.webhook_secret,
        Utc::now().timestamp(),
    )?;
    let data: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| Refused::Malformed(e.to_string()))?;
    let event: StripeEvent =
        serde_json::from_value(data.clone()).map_err(|e| Refused::Malformed(e.to_string()))?;
    let receipt = ledger::receive(
        state,
        "stripe",
        &event.id,
        &event.kind,
        &data,
        async |tx, _| apply_with_audit(state, tx, &event).await,
    )
    .await
    .map_err(BillingError::from)?;
    if let Receipt::Processed(effect) = &receipt {
        announce(state, effect).await;
    }
    Ok(receipt)
}

/// A stored event tried again (by the maintenance function).
pub async fn retry(
    state: &AppState,
    stored: &WebhookEvent,
) -> Result<Receipt<Effect>, BillingError> {
    let event: StripeEvent = serde_json::from_value(stored.event_data.clone())
        .map_err(|e| BillingError::Unapplicable(e.to_string()))?;
    let receipt = ledger::process(state, stored, async |tx, _| {
        apply_with_audit(state, tx, &event).await
    })
    .await?;
    if let Receipt::Processed(effect) = &receipt {
        announce(state, effect).await;
    }
    Ok(receipt)
}

async fn apply_with_audit(
    state: &AppState,
    tx: &Transaction<'_>,
    event: &StripeEvent,
) -> Result<Applied<Effect>, BillingError> {
    let config = stripe::config(state)?;
    let effect = events::apply(tx, config, event, Utc::now()).await?;
    let organization_id = match &effect {
        Effect::Nothing => None,
        Effect::Linked { organization_id } => Some(*organization_id),
        Effect::Changed {
            organization_id,
            before,
            after,
        } => {
            audit::record(
                tx,
                &Actor {
                    organization_id: Some(*organization_id),
                    user_id: None,
                    ip: None,
                    user_agent: Some("stripe".into()),
                },
                AuditEntry {
                    action: AuditAction::Update,
                    resource_type: "subscription",
                    resource_id: Some(organization_id.as_uuid()),
                    old_values: Some(serde_json::json!({
                        "plan": before.plan, "status": before.status })),
                    new_values: Some(serde_json::json!({
                        "plan": after.plan, "status": after.status,
                        "stripe_event": event.id, "stripe_event_type": event.kind })),
                },
            )
            .await?;
            Some(*organization_id)
        }
    };
    Ok(Applied {
        organization_id,
        outcome: effect,
    })
}

/// After commit: the team hears about what needs action, open pages refresh.
async fn announce(state: &AppState, effect: &Effect) {
    let Effect::Changed {
        organization_id,
        before,
        after,
    } = effect
    else {
        return;
    };
    live::send(
        state,
        live::Audience::Organization {
            organization_id: *organization_id,
            permission: Permission::ViewAnalytics,
        },
        LiveEvent::SubscriptionChanged {
            plan: after.plan,
            status: after.status,
        },
    )
    .await;
    let notice = match (before.status, after.status) {
        (from, SubscriptionStatus::PastDue) if from != SubscriptionStatus::PastDue => Some((
            "Payment failed".to_owned(),
            format!(
                "Stripe could not charge the {} plan. Update the card in Plan & billing before {}; after that the organization moves to the free plan.",
                after.plan,
                after.grace_until.map_or_else(
                    || "the grace period ends".to_owned(),
                    |g| g.format("%Y-%m-%d").to_string()
                )
            ),
        )),
        (_, SubscriptionStatus::Canceled) if before.status != SubscriptionStatus::Canceled => {
            Some((
                "Subscription canceled".to_owned(),
                format!(
                    "The {} subscription ended; the organization is on the free plan.",
                    before.plan
                ),
            ))
        }
        _ if before.plan != after.plan => Some((
            format!("Plan changed to {}", after.plan),
            format!(
                "The organization moved from the {} plan to the {} plan.",
                before.plan, after.plan
            ),
        )),
        (SubscriptionStatus::PastDue, SubscriptionStatus::Active) => Some((
            "Payment received".to_owned(),
            format!("The {} plan is paid again.", after.plan),
        )),
        _ => None,
    };
    if let Some((title, body)) = notice {
        notify_team(state, *organization_id, title, body).await;
    }
}

pub(crate) async fn notify_team(
    state: &AppState,
    organization_id: store::OrgId,
    title: String,
    body: String,
) {
    let Ok(client) = state.db.client().await else {
        tracing::warn!(organization = %organization_id, "billing notice not sent: no connection");
        return;
    };
    notifications::notify(
        state,
        &client,
        organization_id,
        notifications::Recipients::Team { except: None },
        notifications::Draft {
            kind: NotificationKind::BillingAlert,
            title,
            body,
            link: Some("/settings/billing".into()),
            post_id: None,
            social_account_id: None,
        },
    )
    .await;
}
