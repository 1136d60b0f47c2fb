//! Connecting, listing, testing and disconnecting integrations, and their delivery log. The
//! secret part of each is sealed (AES-256-GCM, bound to the integration's id) and never
//! leaves this module except to make a request.

use chrono::{DateTime, Utc};
use domain::AuditAction;
use rand::RngCore;
use runtime::AppState;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use store::accounts::audit::{self, AuditEntry, Caller};
use store::integrations::{self, IntegrationRow, NewIntegration};
use uuid::Uuid;

use crate::IntegrationsError;
use crate::catalog::{EventType, IntegrationType, SubscribableEvent};
use crate::deliveries::{self, Attempt};
use crate::ga4;
use crate::sealed::{Secret, seal};
use crate::url_policy::{self, UrlPolicy};
use crate::utm::UtmSettings;

/// An integration as the API shows it: its settings, never its secret.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct IntegrationView {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub integration_type: IntegrationType,
    pub name: String,
    /// Non-secret settings: the events it hears about, a webhook's URL, the GA4 property and
    /// UTM templates.
    pub settings: Value,
    pub is_active: bool,
    /// `error` (with `error_message`) after a failed delivery, test or import.
    pub status: IntegrationStatus,
    pub error_message: Option<String>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

fn view(row: IntegrationRow) -> Option<IntegrationView> {
    let integration_type = IntegrationType::parse(&row.integration_type)?;
    Some(IntegrationView {
        id: row.id,
        integration_type,
        name: row
            .name
            .unwrap_or_else(|| integration_type.name().to_owned()),
        settings: row.configuration,
        is_active: row.is_active,
        status: match row.sync_status.as_str() {
            "error" => IntegrationStatus::Error,
            "disabled" => IntegrationStatus::Disabled,
            _ => IntegrationStatus::Active,
        },
        error_message: row.error_message,
        last_used_at: row.last_sync,
        created_at: row.created_at,
    })
}

#[derive(Debug, Clone, Copy, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IntegrationStatus {
    Active,
    Error,
    Disabled,
}

#[derive(Debug, Clone, Copy, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its (next) attempt.
    Pending,
    Delivered,
    /// Every attempt failed.
    Failed,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Available {
    #[serde(rename = "type")]
    pub integration_type: IntegrationType,
    pub name: &'static str,
    pub description: &'static str,
    /// The events it can be sent (empty for Google Analytics).
    pub events: Vec<SubscribableEvent>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct IntegrationList {
    pub integrations: Vec<IntegrationView>,
    pub available: Vec<Available>,
}

pub async fn list(state: &AppState, caller: &Caller) -> Result<IntegrationList, IntegrationsError> {
    let client = state.db.client().await?;
    let rows = integrations::list(&**client, caller.organization_id).await?;
    Ok(IntegrationList {
        integrations: rows.into_iter().filter_map(view).collect(),
        available: IntegrationType::ALL
            .into_iter()
            .map(|t| Available {
                integration_type: t,
                name: t.name(),
                description: t.description(),
                events: if t.receives_events() {
                    SubscribableEvent::ALL.to_vec()
                } else {
                    Vec::new()
                },
            })
            .collect(),
    })
}

/// What connecting takes, per type (fields of other types are refused).
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectRequest {
    /// A label (defaults to the type's name).
    pub name: Option<String>,
    /// Slack: the channel's incoming webhook URL (kept secret).
    pub webhook_url: Option<String>,
    /// Webhook: where events are POSTed.
    pub url: Option<String>,
    /// Slack and webhook: what to send (all three when omitted).
    pub events: Option<Vec<SubscribableEvent>>,
    /// Google Analytics: the GA4 property's numeric id.
    pub property_id: Option<String>,
    /// Google Analytics: the service account's JSON key file (kept secret).
    pub service_account_key: Option<Value>,
    /// Google Analytics: how links in published posts are tagged.
    pub utm: Option<UtmSettings>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Connected {
    pub integration: IntegrationView,
    /// Webhook: the secret its deliveries are signed with. Shown once; store it now.
    pub signing_secret: Option<String>,
}

fn refuse_fields(request: &ConnectRequest, allowed: &[&str]) -> Result<(), IntegrationsError> {
    let given = [
        ("webhook_url", request.webhook_url.is_some()),
        ("url", request.url.is_some()),
        ("events", request.events.is_some()),
        ("property_id", request.property_id.is_some()),
        ("service_account_key", request.service_account_key.is_some()),
        ("utm", request.utm.is_some()),
    ];
    match given
        .iter()
        .find(|(field, set)| *set && !allowed.contains(field))
    {
        Some((field, _)) => Err(IntegrationsError::invalid(
            field,
            "not a setting of this integration",
        )),
        None => Ok(()),
    }
}

fn events_of(request: &ConnectRequest) -> Result<Vec<SubscribableEvent>, IntegrationsError> {
    let events = request
        .events
        .clone()
        .unwrap_or_else(|| SubscribableEvent::ALL.to_vec());
    if events.is_empty() {
        return Err(IntegrationsError::invalid(
            "events",
            "one or more of post.published, post.failed, report.ready",
        ));
    }
    Ok(events)
}

async fn checked_url(
    state: &AppState,
    field: &'static str,
    text: Option<&str>,
) -> Result<String, IntegrationsError> {
    let text = text.ok_or_else(|| IntegrationsError::invalid(field, "is required"))?;
    if text.len() > 2_000 {
        return Err(IntegrationsError::invalid(field, "at most 2000 characters"));
    }
    url_policy::check(text, UrlPolicy::of(state))
        .await
        .map(|checked| checked.url.to_string())
        .map_err(|refused| IntegrationsError::invalid(field, refused.to_string()))
}

fn signing_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("whsec_{}", hex::encode(bytes))
}

pub async fn connect(
    state: &AppState,
    caller: &Caller,
    integration_type: IntegrationType,
    request: ConnectRequest,
) -> Result<Connected, IntegrationsError> {
    let name = request
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(integration_type.name())
        .to_owned();
    if name.chars().count() > 100 {
        return Err(IntegrationsError::invalid("name", "at most 100 characters"));
    }
    let (configuration, secret, shown_once) = match integration_type {
        IntegrationType::Slack => {
            refuse_fields(&request, &["webhook_url", "events"])?;
            let webhook_url =
                checked_url(state, "webhook_url", request.webhook_url.as_deref()).await?;
            let host = url::Url::parse(&webhook_url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned));
            let events = events_of(&request)?;
            (
                json!({ "events": events, "host": host }),
                Secret::Slack { webhook_url },
                None,
            )
        }
        IntegrationType::Webhook => {
            refuse_fields(&request, &["url", "events"])?;
            let url = checked_url(state, "url", request.url.as_deref()).await?;
            let events = events_of(&request)?;
            let secret = signing_secret();
            (
                json!({ "url": url, "events": events }),
                Secret::Webhook {
                    signing_secret: secret.clone(),
                },
                Some(secret),
            )
        }
        IntegrationType::GoogleAnalytics => {
            refuse_fields(&request, &["property_id", "service_account_key", "utm"])?;
            let property = ga4::parse_property(
                request
                    .property_id
                    .as_deref()
                    .ok_or_else(|| IntegrationsError::invalid("property_id", "is required"))?,
            )?;
            let key = ga4::parse_key(
                state,
                request.service_account_key.as_ref().ok_or_else(|| {
                    IntegrationsError::invalid("service_account_key", "is required")
                })?,
            )?;
            let utm = request.utm.clone().unwrap_or_default();
            utm.check()?;
            (
                json!({ "property_id": property, "client_email": key.client_email, "utm": utm }),
                Secret::GoogleAnalytics {
                    service_account_key: key,
                },
                None,
            )
        }
    };
    let id = Uuid::now_v7();
    let sealed = seal(state, id, &secret);
    let mut client = state.db.client().await?;
    let pg: &mut store::tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let row = integrations::insert(
        &tx,
        &NewIntegration {
            id,
            organization_id: caller.organization_id,
            integration_type: integration_type.as_str(),
            name: &name,
            configuration: &configuration,
            secret_sealed: &sealed,
        },
    )
    .await
    .map_err(|error| match error {
        store::StoreError::UniqueViolation { .. } => IntegrationsError::Conflict(
            "Google Analytics is connected already: disconnect it first".into(),
        ),
        other => other.into(),
    })?;
    audit::record(
        &tx,
        &caller.actor(),
        AuditEntry {
            action: AuditAction::Connect,
            resource_type: "integration",
            resource_id: Some(id),
            old_values: None,
            // Settings only: secrets never reach the audit trail.
            new_values: Some(
                json!({ "type": integration_type.as_str(), "settings": configuration }),
            ),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Connected {
        integration: view(row).expect("a type we just stored"),
        signing_secret: shown_once,
    })
}

pub async fn disconnect(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<(), IntegrationsError> {
    let mut client = state.db.client().await?;
    let pg: &mut store::tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let removed = integrations::delete(&tx, caller.organization_id, id)
        .await?
        .ok_or(IntegrationsError::NotFound("integration"))?;
    audit::record(
        &tx,
        &caller.actor(),
        AuditEntry {
            action: AuditAction::Disconnect,
            resource_type: "integration",
            resource_id: Some(id),
            old_values: Some(
                json!({ "type": removed.integration_type, "settings": removed.configuration }),
            ),
            new_values: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct TestResult {
    #[serde(flatten)]
    pub attempt: Attempt,
    /// The delivery in the log (Slack and webhooks).
    pub delivery_id: Option<Uuid>,
}

/// A real delivery (or, for Google Analytics, a real report for the last seven days) now.
pub async fn test(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<TestResult, IntegrationsError> {
    let integration = {
        let client = state.db.client().await?;
        integrations::get(&**client, caller.organization_id, id)
            .await?
            .ok_or(IntegrationsError::NotFound("integration"))?
    };
    match IntegrationType::parse(&integration.integration_type) {
        Some(IntegrationType::GoogleAnalytics) => {
            let started = std::time::Instant::now();
            let outcome = ga4::import(state, &integration, 7).await;
            let client = state.db.client().await?;
            integrations::record_outcome(
                &**client,
                caller.organization_id,
                id,
                outcome.as_ref().err().map(String::as_str),
            )
            .await?;
            let duration_ms = started.elapsed().as_millis() as u64;
            Ok(TestResult {
                attempt: match outcome {
                    Ok(rows) => Attempt {
                        ok: true,
                        status_code: Some(200),
                        detail: format!(
                            "{rows} rows of sessions from social imported for the last 7 days"
                        ),
                        duration_ms,
                    },
                    Err(error) => Attempt {
                        ok: false,
                        status_code: None,
                        detail: error,
                        duration_ms,
                    },
                },
                delivery_id: None,
            })
        }
        Some(_) => {
            let queued = {
                let client = state.db.client().await?;
                integrations::enqueue(
                    &**client,
                    caller.organization_id,
                    &[id],
                    EventType::IntegrationTest.as_str(),
                    &json!({ "message": "A test message from your social media platform." }),
                    // Sent here and now: the dispatcher must not send it a second time.
                    600,
                )
                .await?
                .remove(0)
            };
            let attempt = deliveries::send_event(state, &integration, &queued).await;
            // A test is tried once: its result is the answer, not a retry later.
            deliveries::record(state, &queued, &attempt, false).await?;
            Ok(TestResult {
                attempt,
                delivery_id: Some(queued.id),
            })
        }
        None => Err(IntegrationsError::NotFound("integration")),
    }
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct DeliveryView {
    pub id: Uuid,
    pub event_type: EventType,
    /// `pending` comes with `next_attempt_at`.
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct DeliveryLog {
    pub deliveries: Vec<DeliveryView>,
}

pub async fn deliveries(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<DeliveryLog, IntegrationsError> {
    let client = state.db.client().await?;
    integrations::get(&**client, caller.organization_id, id)
        .await?
        .ok_or(IntegrationsError::NotFound("integration"))?;
    let rows = integrations::deliveries(&**client, caller.organization_id, id, 100).await?;
    Ok(DeliveryLog {
        deliveries: rows
            .into_iter()
            .filter_map(|d| {
                Some(DeliveryView {
                    id: d.id,
                    event_type: EventType::parse(&d.event_type)?,
                    status: match d.status.as_str() {
                        "delivered" => DeliveryStatus::Delivered,
                        "failed" => DeliveryStatus::Failed,
                        _ => DeliveryStatus::Pending,
                    },
                    attempts: d.attempts,
                    last_status_code: d.last_status_code,
                    last_error: d.last_error,
                    last_attempt_at: d.last_attempt_at,
                    next_attempt_at: d.next_attempt_at,
                    delivered_at: d.delivered_at,
                    created_at: d.created_at,
                })
            })
            .collect(),
    })
}
