//! The secret part of an integration (a Slack webhook URL, a signing secret, a service-account
//! key), sealed with AES-256-GCM and bound to the integration's id, so a sealed value copied to
//! another row does not open.

use runtime::AppState;
use serde::{Deserialize, Serialize};
use store::integrations::IntegrationRow;
use uuid::Uuid;

use crate::IntegrationsError;

/// The sealed part of an integration.
#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Secret {
    Slack {
        webhook_url: String,
    },
    Webhook {
        signing_secret: String,
    },
    GoogleAnalytics {
        service_account_key: ServiceAccountKey,
    },
}

pub(crate) fn seal(state: &AppState, id: Uuid, secret: &Secret) -> String {
    let plain = serde_json::to_string(secret).expect("a secret serializes");
    state.token_cipher().encrypt(&plain, id.as_bytes())
}

pub(crate) fn unseal(
    state: &AppState,
    integration: &IntegrationRow,
) -> Result<Secret, IntegrationsError> {
    let sealed = integration
        .secret_sealed
        .as_deref()
        .ok_or(IntegrationsError::Unsealable)?;
    let plain = state
        .token_cipher()
        .decrypt(sealed, integration.id.as_bytes())
        .map_err(|_| IntegrationsError::Unsealable)?;
    serde_json::from_str(&plain).map_err(|_| IntegrationsError::Unsealable)
}

/// The fields of a service-account key file that signing needs.
#[derive(Clone, Serialize, Deserialize)]
pub struct ServiceAccountKey {
    pub client_email: String,
    pub private_key: String,
    pub token_uri: String,
}

impl std::fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccountKey")
            .field("client_email", &self.client_email)
            .finish_non_exhaustive()
    }
}
