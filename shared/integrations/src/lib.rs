//! Integrations an organization connects: **Slack** (an incoming webhook that hears about
//! published and failed posts and ready reports), **outgoing webhooks** (the same events POSTed
//! to a customer's URL, signed with a per-integration secret and a timestamp), and **Google
//! Analytics 4** (UTM parameters on the links of published posts, and sessions from social
//! imported from the GA4 Data API).
//!
//! Secrets (the Slack URL, the signing secret, the service-account key) are sealed with
//! AES-256-GCM, bound to the integration's id, and never returned. Every customer URL is
//! checked against SSRF before use and the request is pinned to the checked addresses.
//! Deliveries are queued in a log (`integration_deliveries`) and retried with backoff.

pub mod catalog;
pub mod deliveries;
pub mod events;
pub mod ga4;
pub mod sealed;
pub mod service;
pub mod url_policy;
pub mod utm;

use store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum IntegrationsError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{field}: {issue}")]
    Invalid { field: &'static str, issue: String },
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("database: {0}")]
    Postgres(#[from] store::tokio_postgres::Error),
    #[error("the stored secret cannot be read")]
    Unsealable,
}

impl IntegrationsError {
    pub(crate) fn invalid(field: &'static str, issue: impl Into<String>) -> Self {
        IntegrationsError::Invalid {
            field,
            issue: issue.into(),
        }
    }
}
