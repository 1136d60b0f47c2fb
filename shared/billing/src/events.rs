//! Stripe's events, applied to the organization's billing state. Each state-changing event
//! is ordered by its creation time and, within one second, by its place in the lifecycle
//! (`RANK`), so a stale `updated` arriving after a newer one never overrides it.

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::{SubscriptionPlan, SubscriptionStatus};
use runtime::StripeConfig;
use serde::Deserialize;
use serde_json::Value;
use store::OrgId;
use store::billing::{BillingState, StateChange};
use store::tokio_postgres::GenericClient;

use crate::{BillingError, GRACE_PERIOD_DAYS};

/// A Stripe event as delivered (only the fields billing reads).
#[derive(Debug, Clone, Deserialize)]
pub struct StripeEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// Unix seconds.
    pub created: i64,
    pub data: EventData,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EventData {
    pub object: Value,
}

/// The lifecycle order of events created in the same second.
fn rank(kind: &str) -> Option<i16> {
    Some(match kind {
        "customer.subscription.created" => 1,
        "invoice.payment_failed" => 2,
        "invoice.paid" => 3,
        "customer.subscription.updated" => 4,
        "customer.subscription.deleted" => 5,
        _ => return None,
    })
}

/// What an applied event changed, for the notifications and live events sent after commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Nothing to apply (an event type billing does not act on, or a stale one).
    Nothing,
    /// The checkout's customer was recorded.
    Linked { organization_id: OrgId },
    Changed {
        organization_id: OrgId,
        before: Box<BillingState>,
        after: Box<BillingState>,
    },
}

fn text<'a>(object: &'a Value, pointer: &str) -> Option<&'a str> {
    object.pointer(pointer).and_then(Value::as_str)
}

fn unix(seconds: Option<i64>) -> Option<DateTime<Utc>> {
    seconds.and_then(|s| Utc.timestamp_opt(s, 0).single())
}

/// The organization an object concerns: the id we put in its metadata, or its customer's.
async fn organization_of(
    db: &impl GenericClient,
    object: &Value,
) -> Result<Option<OrgId>, BillingError> {
    if let Some(id) = text(object, "/metadata/organization_id")
        .or_else(|| text(object, "/client_reference_id"))
        .and_then(|id| id.parse::<uuid::Uuid>().ok())
    {
        return Ok(Some(OrgId::new(id)));
    }
    match text(object, "/customer") {
        Some(customer) => Ok(store::billing::organization_of_customer(db, customer).await?),
        None => Ok(None),
    }
}

/// Applies `event` on the caller's transaction.
pub async fn apply(
    db: &impl GenericClient,
    config: &StripeConfig,
    event: &StripeEvent,
    now: DateTime<Utc>,
) -> Result<Effect, BillingError> {
    let object = &event.data.object;
    if event.kind == "checkout.session.completed" {
        let Some(organization_id) = organization_of(db, object).await? else {
            return Err(BillingError::Unapplicable(
                "the checkout names no organization".into(),
            ));
        };
        let Some(customer) = text(object, "/customer") else {
            return Err(BillingError::Unapplicable(
                "the checkout has no customer".into(),
            ));
        };
        if !store::billing::link_customer(
            db,
            organization_id,
            customer,
            text(object, "/subscription"),
        )
        .await?
        {
            tracing::warn!(organization = %organization_id, "checkout for an organization with another Stripe customer");
        }
        return Ok(Effect::Linked { organization_id });
    }
    let Some(rank) = rank(&event.kind) else {
        return Ok(Effect::Nothing);
    };
    let Some(organization_id) = organization_of(db, object).await? else {
        // A customer or subscription we never made (another product on the same account).
        tracing::info!(event = %event.id, kind = %event.kind, "Stripe event for no organization of ours");
        return Ok(Effect::Nothing);
    };
    let Some(before) = store::billing::state(db, organization_id).await? else {
        return Ok(Effect::Nothing);
    };
    let at = unix(Some(event.created))
        .ok_or_else(|| BillingError::Unapplicable("the event's time is out of range".into()))?;
    let change = next_state(config, &event.kind, object, &before, at, now)?;
    let change = StateChange { at, rank, ..change };
    match store::billing::apply(db, organization_id, &change).await? {
        Some((before, after)) => Ok(Effect::Changed {
            organization_id,
            before: Box::new(before),
            after: Box::new(after),
        }),
        None => {
            tracing::info!(event = %event.id, kind = %event.kind, "stale Stripe event: a newer state is applied");
            Ok(Effect::Nothing)
        }
    }
}

/// The state an event leads to from `before` (its time and rank are set by the caller).
fn next_state(
    config: &StripeConfig,
    kind: &str,
    object: &Value,
    before: &BillingState,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<StateChange, BillingError> {
    let plan_of = |price: Option<&str>| -> Result<Option<SubscriptionPlan>, BillingError> {
        match price {
            None => Ok(None),
            Some(price) => config.plan_of_price(price).map(Some).ok_or_else(|| {
                BillingError::Unapplicable(format!("price {price} is not one of STRIPE_PRICES"))
            }),
        }
    };
    let grace = || {
        before
            .grace_until
            .unwrap_or(at.max(now - Duration::days(1)) + Duration::days(GRACE_PERIOD_DAYS))
    };
    let mut change = StateChange {
        at,
        rank: 0,
        plan: before.plan,
        status: before.status,
        customer_id: text(object, "/customer").map(str::to_owned),
        subscription_id: before.stripe_subscription_id.clone(),
        current_period_end: before.current_period_end,
        cancel_at_period_end: before.cancel_at_period_end,
        grace_until: before.grace_until,
    };
    match kind {
        "customer.subscription.created"
        | "customer.subscription.updated"
        | "customer.subscription.deleted" => {
            let status: SubscriptionStatus = text(object, "/status")
                .unwrap_or("canceled")
                .parse()
                .map_err(|_| BillingError::Unapplicable("unknown subscription status".into()))?;
            let ended = kind == "customer.subscription.deleted"
                || matches!(
                    status,
                    SubscriptionStatus::Canceled
                        | SubscriptionStatus::IncompleteExpired
                        | SubscriptionStatus::Unpaid
                );
            change.current_period_end = unix(
                object
                    .pointer("/items/data/0/current_period_end")
                    .or_else(|| object.pointer("/current_period_end"))
                    .and_then(Value::as_i64),
            );
            change.cancel_at_period_end = object
                .pointer("/cancel_at_period_end")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if ended {
                change.plan = SubscriptionPlan::Free;
                change.status = if status == SubscriptionStatus::Unpaid {
                    SubscriptionStatus::Unpaid
                } else {
                    SubscriptionStatus::Canceled
                };
                change.subscription_id = None;
                change.grace_until = None;
                change.cancel_at_period_end = false;
                return Ok(change);
            }
            change.subscription_id = text(object, "/id").map(str::to_owned);
            change.status = status;
            let plan = plan_of(text(object, "/items/data/0/price/id"))?;
            match status {
                // Not paid yet: the plan waits for the payment.
                SubscriptionStatus::Incomplete => {}
                SubscriptionStatus::Paused => change.plan = SubscriptionPlan::Free,
                SubscriptionStatus::PastDue => {
                    change.plan = plan.unwrap_or(before.plan);
                    change.grace_until = Some(grace());
                }
                _ => {
                    change.plan = plan.unwrap_or(before.plan);
                    change.grace_until = None;
                }
            }
        }
        "invoice.payment_failed" => {
            change.status = SubscriptionStatus::PastDue;
            change.grace_until = Some(grace());
        }
        "invoice.paid" => {
            change.status = SubscriptionStatus::Active;
            change.grace_until = None;
            if let Some(plan) = plan_of(
                text(object, "/lines/data/0/pricing/price_details/price")
                    .or_else(|| text(object, "/lines/data/0/price/id")),
            )? {
                change.plan = plan;
            }
            if let Some(subscription) = text(object, "/subscription")
                .or_else(|| text(object, "/parent/subscription_details/subscription"))
            {
                change.subscription_id = Some(subscription.to_owned());
            }
        }
        _ => {}
    }
    Ok(change)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config() -> StripeConfig {
        StripeConfig {
            api_base: "http://stripe.test".into(),
            prices: [
                (SubscriptionPlan::Pro, "price_pro".to_owned()),
                (SubscriptionPlan::Business, "price_business".to_owned()),
            ]
            .into(),
            sandbox: true,
        }
    }

    fn free() -> BillingState {
        BillingState {
            organization_id: OrgId::new(uuid::Uuid::nil()),
            plan: SubscriptionPlan::Free,
            status: SubscriptionStatus::Active,
            stripe_customer_id: None,
            stripe_subscription_id: None,
            current_period_end: None,
            cancel_at_period_end: false,
            grace_until: None,
        }
    }

    fn subscription(status: &str, price: &str) -> Value {
        json!({"id": "sub_1", "customer": "cus_1", "status": status,
               "items": {"data": [{"price": {"id": price}, "current_period_end": 1_800_000_000}]}})
    }

    #[test]
    fn an_active_subscription_moves_the_plan_to_its_price() {
        let now = Utc::now();
        let change = next_state(
            &config(),
            "customer.subscription.created",
            &subscription("active", "price_business"),
            &free(),
            now,
            now,
        )
        .unwrap();
        assert_eq!(
            (change.plan, change.status),
            (SubscriptionPlan::Business, SubscriptionStatus::Active)
        );
        assert_eq!(change.subscription_id.as_deref(), Some("sub_1"));
        assert!(change.current_period_end.is_some());
    }

    #[test]
    fn an_incomplete_subscription_waits_for_the_payment() {
        let now = Utc::now();
        let change = next_state(
            &config(),
            "customer.subscription.created",
            &subscription("incomplete", "price_pro"),
            &free(),
            now,
            now,
        )
        .unwrap();
        assert_eq!(change.plan, SubscriptionPlan::Free);
        assert_eq!(change.status, SubscriptionStatus::Incomplete);
    }

    #[test]
    fn a_failed_payment_keeps_the_plan_for_the_grace_period() {
        let now = Utc::now();
        let paid = BillingState {
            plan: SubscriptionPlan::Pro,
            ..free()
        };
        let change = next_state(
            &config(),
            "invoice.payment_failed",
            &json!({"customer": "cus_1"}),
            &paid,
            now,
            now,
        )
        .unwrap();
        assert_eq!(
            (change.plan, change.status),
            (SubscriptionPlan::Pro, SubscriptionStatus::PastDue)
        );
        let grace = change.grace_until.unwrap() - now;
        assert_eq!(grace.num_days(), GRACE_PERIOD_DAYS);
        // A second failure does not extend it.
        let in_grace = BillingState {
            grace_until: change.grace_until,
            status: SubscriptionStatus::PastDue,
            ..paid
        };
        let again = next_state(
            &config(),
            "invoice.payment_failed",
            &json!({}),
            &in_grace,
            now + Duration::days(3),
            now + Duration::days(3),
        )
        .unwrap();
        assert_eq!(again.grace_until, change.grace_until);
    }

    #[test]
    fn a_deleted_subscription_falls_to_free_and_forgets_it() {
        let now = Utc::now();
        let paid = BillingState {
            plan: SubscriptionPlan::Pro,
            stripe_subscription_id: Some("sub_1".into()),
            ..free()
        };
        let change = next_state(
            &config(),
            "customer.subscription.deleted",
            &subscription("canceled", "price_pro"),
            &paid,
            now,
            now,
        )
        .unwrap();
        assert_eq!(
            (change.plan, change.status),
            (SubscriptionPlan::Free, SubscriptionStatus::Canceled)
        );
        assert_eq!(change.subscription_id, None);
    }

    #[test]
    fn a_price_we_do_not_sell_is_an_error_not_a_guess() {
        let now = Utc::now();
        let error = next_state(
            &config(),
            "customer.subscription.updated",
            &subscription("active", "price_other"),
            &free(),
            now,
            now,
        )
        .unwrap_err();
        assert!(error.to_string().contains("price_other"), "{error}");
    }

    #[test]
    fn events_of_one_second_are_ordered_by_their_place_in_the_lifecycle() {
        let order = [
            "customer.subscription.created",
            "invoice.payment_failed",
            "invoice.paid",
            "customer.subscription.updated",
            "customer.subscription.deleted",
        ];
        let ranks: Vec<i16> = order.iter().map(|k| rank(k).unwrap()).collect();
        assert!(ranks.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(rank("customer.created"), None);
    }
}
