//! Sending events to customer endpoints: queued in the delivery log by [`emit`], sent by
//! [`dispatch_due`] (the `integration-deliveries` schedule, every minute; the dev server more
//! often), each attempt recorded, failures retried with backoff until [`MAX_ATTEMPTS`].
//! Requests go only to the addresses the SSRF check approved, follow no redirects and give up
//! after [`ATTEMPT_TIMEOUT`].

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use runtime::AppState;
use serde::Serialize;
use serde_json::Value;
use store::OrgId;
use store::integrations::{self, DeliveryRow, IntegrationRow};

use crate::catalog::{EventType, IntegrationType};
use crate::sealed::{Secret, unseal};
use crate::url_policy::{self, UrlPolicy};
use crate::{IntegrationsError, events};

pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// Seconds to wait after the n-th failed attempt (1-based) before the next.
const BACKOFF_SECS: [i64; 5] = [60, 300, 1_800, 7_200, 21_600];
pub const MAX_ATTEMPTS: i32 = BACKOFF_SECS.len() as i32 + 1;

/// When to try again after `attempts` failed attempts; `None` once they are used up.
pub fn next_attempt_after(attempts: i32) -> Option<chrono::Duration> {
    BACKOFF_SECS
        .get(usize::try_from(attempts - 1).ok()?)
        .map(|secs| chrono::Duration::seconds(*secs))
}

/// How one attempt went.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Attempt {
    pub ok: bool,
    /// The endpoint's HTTP status, when it answered.
    pub status_code: Option<u16>,
    pub detail: String,
    pub duration_ms: u64,
}

/// Queues `event` for every active Slack and webhook integration of the organization that
/// subscribed to it; returns how many deliveries were queued. Best effort for the caller (a
/// publish or a report must not fail because an integration could not be queued). `db` is
/// the producer's own connection: the publisher holds exactly one, and asking its small pool
/// for a second while holding it could wait forever.
pub async fn emit(
    db: &impl store::tokio_postgres::GenericClient,
    organization_id: OrgId,
    event: EventType,
    data: Value,
) -> usize {
    let queued = async {
        let targets: Vec<uuid::Uuid> = integrations::active_of_types(
            db,
            organization_id,
            &[
                IntegrationType::Slack.as_str(),
                IntegrationType::Webhook.as_str(),
            ],
        )
        .await?
        .into_iter()
        .filter(|i| subscribed(i, event))
        .map(|i| i.id)
        .collect();
        if targets.is_empty() {
            return Ok::<_, store::StoreError>(0);
        }
        Ok(
            integrations::enqueue(db, organization_id, &targets, event.as_str(), &data, 0)
                .await?
                .len(),
        )
    }
    .await;
    queued.unwrap_or_else(|error| {
        tracing::warn!(%error, event = event.as_str(), "integration deliveries not queued");
        0
    })
}

fn subscribed(integration: &IntegrationRow, event: EventType) -> bool {
    integration.configuration["events"]
        .as_array()
        .is_some_and(|events| events.iter().any(|e| e.as_str() == Some(event.as_str())))
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DispatchReport {
    pub attempted: usize,
    pub delivered: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// The `integration-deliveries` schedule: nothing is sent while maintenance mode is on; the
/// run is recorded for the admin health page.
pub async fn run_scheduled(
    state: &AppState,
    deadline: Instant,
) -> Result<DispatchReport, IntegrationsError> {
    let report = |report: &DispatchReport| {
        format!(
            "{} delivered, {} retrying, {} failed",
            report.delivered, report.retrying, report.failed
        )
    };
    state
        .scheduled_run(
            "integration-deliveries",
            dispatch_due(state, deadline),
            report,
        )
        .await
        .unwrap_or(Ok(DispatchReport::default()))
}

/// Sends the deliveries that are due, until `deadline`.
pub async fn dispatch_due(
    state: &AppState,
    deadline: Instant,
) -> Result<DispatchReport, IntegrationsError> {
    let mut report = DispatchReport::default();
    while Instant::now() + ATTEMPT_TIMEOUT < deadline {
        let due = {
            let client = state.db.client().await?;
            // Leased past the attempt's timeout, so a crash leaves them for the next run.
            integrations::lease_due(&**client, 10, 2 * ATTEMPT_TIMEOUT.as_secs() as i64).await?
        };
        if due.is_empty() {
            break;
        }
        // A batch often goes to the same few integrations: each is read once per batch.
        let mut read_once: HashMap<uuid::Uuid, Option<IntegrationRow>> = HashMap::new();
        for delivery in due {
            let integration = match read_once.get(&delivery.integration_id) {
                Some(known) => known.clone(),
                None => {
                    let client = state.db.client().await?;
                    let read = integrations::get(
                        &**client,
                        delivery.organization_id,
                        delivery.integration_id,
                    )
                    .await?
                    .filter(|i| i.is_active);
                    read_once.insert(delivery.integration_id, read.clone());
                    read
                }
            };
            let settled = deliver(state, integration.as_ref(), &delivery).await?;
            report.attempted += 1;
            match settled.status.as_str() {
                "delivered" => report.delivered += 1,
                "failed" => report.failed += 1,
                _ => report.retrying += 1,
            }
        }
    }
    Ok(report)
}

/// One attempt of a queued delivery to its (active) integration, recorded with its outcome
/// and the next attempt.
async fn deliver(
    state: &AppState,
    integration: Option<&IntegrationRow>,
    delivery: &DeliveryRow,
) -> Result<DeliveryRow, IntegrationsError> {
    let attempt = match integration {
        Some(integration) => send_event(state, integration, delivery).await,
        None => Attempt {
            ok: false,
            status_code: None,
            detail: "the integration was disconnected".into(),
            duration_ms: 0,
        },
    };
    record(state, delivery, &attempt, true).await
}

/// Records `attempt`; with `retry`, a failure is tried again later until the attempts run out.
pub(crate) async fn record(
    state: &AppState,
    delivery: &DeliveryRow,
    attempt: &Attempt,
    retry: bool,
) -> Result<DeliveryRow, IntegrationsError> {
    let next = (!attempt.ok && retry)
        .then(|| next_attempt_after(delivery.attempts + 1))
        .flatten()
        .map(|wait| Utc::now() + wait);
    let client = state.db.client().await?;
    let settled = integrations::record_attempt(
        &**client,
        delivery.id,
        attempt.status_code.map(i32::from),
        (!attempt.ok).then_some(attempt.detail.as_str()),
        next,
    )
    .await?;
    integrations::record_outcome(
        &**client,
        delivery.organization_id,
        delivery.integration_id,
        (!attempt.ok).then_some(attempt.detail.as_str()),
    )
    .await?;
    runtime::metrics::record(
        if attempt.ok {
            "IntegrationDelivered"
        } else {
            "IntegrationDeliveryFailed"
        },
        1.0,
        runtime::metrics::Unit::Count,
        &[],
    );
    Ok(settled)
}

/// Sends the delivery's event to the integration's endpoint.
pub(crate) async fn send_event(
    state: &AppState,
    integration: &IntegrationRow,
    delivery: &DeliveryRow,
) -> Attempt {
    let started = Instant::now();
    let secret = match unseal(state, integration) {
        Ok(secret) => secret,
        Err(error) => return failed(started, None, error.to_string()),
    };
    let (url, body, headers) = match secret {
        Secret::Slack { webhook_url } => {
            let text = events::slack_text(
                &delivery.event_type,
                &delivery.payload,
                &state.config.app_base_url,
            );
            (
                webhook_url,
                serde_json::json!({ "text": text }).to_string(),
                Vec::new(),
            )
        }
        Secret::Webhook { signing_secret } => {
            let Some(url) = integration.configuration["url"].as_str() else {
                return failed(started, None, "the integration has no URL".into());
            };
            let body = events::envelope(
                delivery.id,
                &delivery.event_type,
                delivery.organization_id,
                delivery.created_at,
                &delivery.payload,
            )
            .to_string();
            let signature = webhooks::sign_timestamped(
                &signing_secret,
                body.as_bytes(),
                Utc::now().timestamp(),
            );
            let headers = vec![
                ("x-social-event", delivery.event_type.clone()),
                ("x-social-delivery", delivery.id.to_string()),
                ("x-social-signature", signature),
            ];
            (url.to_owned(), body, headers)
        }
        Secret::GoogleAnalytics { .. } => {
            return failed(started, None, "Google Analytics receives no events".into());
        }
    };
    post(state, &url, body, &headers, started).await
}

fn failed(started: Instant, status_code: Option<u16>, detail: String) -> Attempt {
    Attempt {
        ok: false,
        status_code,
        detail,
        duration_ms: started.elapsed().as_millis() as u64,
    }
}

/// POSTs `body` to `url` after the SSRF check, pinned to the checked addresses.
async fn post(
    state: &AppState,
    url: &str,
    body: String,
    headers: &[(&str, String)],
    started: Instant,
) -> Attempt {
    let checked = match url_policy::check(url, UrlPolicy::of(state)).await {
        Ok(checked) => checked,
        Err(refused) => return failed(started, None, format!("the URL {refused}")),
    };
    let client = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(ATTEMPT_TIMEOUT)
        .resolve_to_addrs(&checked.host, &checked.addresses)
        .user_agent("social-platform-webhooks/1.0")
        .build()
    {
        Ok(client) => client,
        Err(error) => return failed(started, None, error.to_string()),
    };
    let mut request = client
        .post(checked.url.clone())
        .header("content-type", "application/json")
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    match request.send().await {
        Ok(answer) if answer.status().is_success() => Attempt {
            ok: true,
            status_code: Some(answer.status().as_u16()),
            detail: format!("delivered ({})", answer.status()),
            duration_ms: started.elapsed().as_millis() as u64,
        },
        Ok(answer) => failed(
            started,
            Some(answer.status().as_u16()),
            format!("the endpoint answered {}", answer.status()),
        ),
        Err(error) if error.is_timeout() => failed(
            started,
            None,
            format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs()),
        ),
        Err(error) => failed(
            started,
            None,
            format!("not reachable: {}", error.without_url()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_back_off_from_a_minute_to_six_hours_then_stop() {
        let waits: Vec<i64> = (1..MAX_ATTEMPTS)
            .map(|n| next_attempt_after(n).unwrap().num_seconds())
            .collect();
        assert_eq!(waits, [60, 300, 1_800, 7_200, 21_600]);
        assert!(next_attempt_after(MAX_ATTEMPTS).is_none());
    }
}
