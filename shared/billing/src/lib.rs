//! Plans paid through Stripe. An organization admin asks for a plan and is sent to Stripe
//! Checkout (or, once subscribed, to the Customer Portal); the plan itself changes only when
//! Stripe's signed events arrive at the `webhook-stripe` function, never from a client.
//! Events are stored once by their id, applied in a transaction, and ordered by their creation
//! time, so redeliveries change nothing and a stale event never overrides a newer state.
//! A failed payment starts a grace period; when it ends unpaid the plan falls to free.

pub mod checkout;
pub mod events;
pub mod grace;
pub mod stripe;
pub mod webhook;

use store::StoreError;

/// How long service continues on the paid plan after a payment fails.
pub const GRACE_PERIOD_DAYS: i64 = 7;

#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    #[error("billing through Stripe is not configured on this platform")]
    NotConfigured,
    #[error("{0}")]
    Conflict(String),
    #[error("organization not found")]
    NotFound,
    /// Stripe refused the request (its own message, which names no secret).
    #[error("Stripe refused the request: {0}")]
    Refused(String),
    #[error("Stripe is unavailable: {0}")]
    Unavailable(String),
    #[error("the event cannot be applied: {0}")]
    Unapplicable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("database: {0}")]
    Postgres(#[from] store::tokio_postgres::Error),
}
