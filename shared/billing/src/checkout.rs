//! Where an organization admin goes to change the plan: Checkout for a first subscription,
//! the Customer Portal once one exists (plan changes, card updates and cancellation happen
//! there, and come back as events).

use domain::SubscriptionPlan;
use runtime::AppState;
use serde::Serialize;
use store::accounts::audit::Caller;

use crate::BillingError;
use crate::stripe::{self, CheckoutRequest};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Destination {
    Checkout,
    Portal,
}

#[derive(Debug, Clone)]
pub struct Redirect {
    pub destination: Destination,
    pub url: String,
}

/// The page an admin is sent to for `plan`.
pub async fn begin_plan_change(
    state: &AppState,
    caller: &Caller,
    plan: SubscriptionPlan,
) -> Result<Redirect, BillingError> {
    let config = stripe::config(state)?;
    let (billing, email) = {
        let client = state.db.client().await?;
        let billing = store::billing::state(&**client, caller.organization_id)
            .await?
            .ok_or(BillingError::NotFound)?;
        let email = store::accounts::users::get(&**client, caller.user_id)
            .await?
            .map(|u| u.email)
            .ok_or(BillingError::NotFound)?;
        (billing, email)
    };
    let app = &state.config.app_base_url;
    let return_url = format!("{app}/settings/billing");
    if let (Some(customer), Some(_)) =
        (&billing.stripe_customer_id, &billing.stripe_subscription_id)
    {
        let session = stripe::create_portal_session(state, customer, return_url).await?;
        return Ok(Redirect {
            destination: Destination::Portal,
            url: session.url,
        });
    }
    let Some(price) = config.prices.get(&plan) else {
        return Err(BillingError::Conflict(match plan {
            SubscriptionPlan::Free => {
                "the organization is on the free plan already: there is nothing to buy".to_owned()
            }
            other => format!("the {other} plan is not sold on this platform"),
        }));
    };
    let session = stripe::create_checkout_session(
        state,
        &CheckoutRequest {
            organization_id: caller.organization_id,
            price,
            customer: billing.stripe_customer_id.as_deref(),
            email: &email,
            success_url: format!("{return_url}?checkout=success"),
            cancel_url: format!("{return_url}?checkout=canceled"),
        },
    )
    .await?;
    tracing::info!(organization = %caller.organization_id, %plan, session = %session.id, "checkout started");
    Ok(Redirect {
        destination: Destination::Checkout,
        url: session.url,
    })
}
