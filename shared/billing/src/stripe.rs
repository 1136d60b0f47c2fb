//! The few Stripe API calls billing makes (form-encoded, with the secret key as a bearer
//! token): a Checkout Session in subscription mode and a Customer Portal session. Locally the
//! platform sandbox's stand-in answers at the same paths.

use std::sync::OnceLock;
use std::time::Duration;

use runtime::{AppState, Billing, StripeConfig};
use serde::Deserialize;

use crate::BillingError;

/// The keys Stripe gave us. Locally the sandbox's stand-in uses fixed ones.
pub struct StripeKeys {
    pub secret_key: String,
    pub webhook_secret: String,
}

/// The stand-in's keys (it accepts any bearer, and signs with this secret).
pub const SANDBOX_SECRET_KEY: &str = "sk_test_sandbox";
pub const SANDBOX_WEBHOOK_SECRET: &str = "whsec_sandbox_local";

pub fn config(state: &AppState) -> Result<&StripeConfig, BillingError> {
    match &state.config.billing {
        Billing::Stripe(config) => Ok(config),
        Billing::Manual => Err(BillingError::NotConfigured),
    }
}

pub fn keys(state: &AppState) -> Result<StripeKeys, BillingError> {
    let config = config(state)?;
    let secrets = &state.secrets;
    match (&secrets.stripe_secret_key, &secrets.stripe_webhook_secret) {
        (Some(secret_key), Some(webhook_secret)) => Ok(StripeKeys {
            secret_key: secret_key.clone(),
            webhook_secret: webhook_secret.clone(),
        }),
        _ if config.sandbox => Ok(StripeKeys {
            secret_key: SANDBOX_SECRET_KEY.to_owned(),
            webhook_secret: SANDBOX_WEBHOOK_SECRET.to_owned(),
        }),
        _ => Err(BillingError::NotConfigured),
    }
}

fn http() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(3))
            .build()
            .expect("a client with timeouts builds")
    })
}

/// A hosted page Stripe made for this customer: where to send the browser.
#[derive(Debug, Clone, Deserialize)]
pub struct HostedSession {
    pub id: String,
    pub url: String,
}

#[derive(Deserialize)]
struct StripeErrorBody {
    error: StripeErrorDetail,
}

#[derive(Deserialize)]
struct StripeErrorDetail {
    message: Option<String>,
}

async fn post_form(
    state: &AppState,
    path: &str,
    form: &[(&str, String)],
) -> Result<HostedSession, BillingError> {
    let base = &config(state)?.api_base;
    let keys = keys(state)?;
    let response = http()
        .post(format!("{base}{path}"))
        .bearer_auth(&keys.secret_key)
        .form(form)
        .send()
        .await
        .map_err(|e| BillingError::Unavailable(e.without_url().to_string()))?;
    let status = response.status();
    if status.is_success() {
        return response
            .json::<HostedSession>()
            .await
            .map_err(|e| BillingError::Unavailable(format!("unreadable answer: {e}")));
    }
    let message = response
        .json::<StripeErrorBody>()
        .await
        .ok()
        .and_then(|b| b.error.message)
        .unwrap_or_else(|| format!("HTTP {status}"));
    if status.is_server_error() || status.as_u16() == 429 {
        Err(BillingError::Unavailable(message))
    } else {
        Err(BillingError::Refused(message))
    }
}

/// What a Checkout Session is for.
pub struct CheckoutRequest<'a> {
    pub organization_id: store::OrgId,
    pub price: &'a str,
    /// The organization's customer when it has one; otherwise Stripe creates one for `email`.
    pub customer: Option<&'a str>,
    pub email: &'a str,
    pub success_url: String,
    pub cancel_url: String,
}

pub async fn create_checkout_session(
    state: &AppState,
    request: &CheckoutRequest<'_>,
) -> Result<HostedSession, BillingError> {
    let organization = request.organization_id.to_string();
    let mut form = vec![
        ("mode", "subscription".to_owned()),
        ("line_items[0][price]", request.price.to_owned()),
        ("line_items[0][quantity]", "1".to_owned()),
        // Both the session and the subscription name the organization, so whichever event
        // arrives first can be matched to it.
        ("client_reference_id", organization.clone()),
        ("metadata[organization_id]", organization.clone()),
        ("subscription_data[metadata][organization_id]", organization),
        ("success_url", request.success_url.clone()),
        ("cancel_url", request.cancel_url.clone()),
    ];
    match request.customer {
        Some(customer) => form.push(("customer", customer.to_owned())),
        None => form.push(("customer_email", request.email.to_owned())),
    }
    post_form(state, "/v1/checkout/sessions", &form).await
}

pub async fn create_portal_session(
    state: &AppState,
    customer: &str,
    return_url: String,
) -> Result<HostedSession, BillingError> {
    post_form(
        state,
        "/v1/billing_portal/sessions",
        &[
            ("customer", customer.to_owned()),
            ("return_url", return_url),
        ],
    )
    .await
}
