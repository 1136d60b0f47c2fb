//! Google Analytics 4: the Data API's `runReport`, authorised as a service account (a JWT
//! signed with its key, exchanged at Google's token endpoint), reading sessions whose medium
//! is `social` per day, source and campaign, into `web_traffic_daily`. Locally the platform
//! sandbox stands in for both Google endpoints.

use std::sync::OnceLock;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use runtime::AppState;
use serde::Serialize;
use serde_json::{Value, json};
use store::integrations::{IntegrationRow, TrafficRow};

use crate::IntegrationsError;
use crate::catalog::IntegrationType;
use crate::sealed::{Secret, ServiceAccountKey, unseal};

const SCOPE: &str = "https://www.googleapis.com/auth/analytics.readonly";

/// Where the Data API and the token endpoint are (the sandbox's locally).
struct Endpoints {
    api: String,
    token: String,
}

fn endpoints(state: &AppState) -> Endpoints {
    match &state.config.platform_sandbox_url {
        Some(sandbox) => Endpoints {
            api: format!("{sandbox}/google"),
            token: format!("{sandbox}/google/token"),
        },
        None => Endpoints {
            api: "https://analyticsdata.googleapis.com".into(),
            token: "https://oauth2.googleapis.com/token".into(),
        },
    }
}

fn http() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client with a timeout builds")
    })
}

/// A key file as uploaded, checked: Google's token endpoint only (never a URL of the
/// uploader's choosing), and a usable RSA key.
pub fn parse_key(state: &AppState, value: &Value) -> Result<ServiceAccountKey, IntegrationsError> {
    let key: ServiceAccountKey = serde_json::from_value(value.clone()).map_err(|_| {
        IntegrationsError::invalid(
            "service_account_key",
            "must be the service account's JSON key file (client_email, private_key, token_uri)",
        )
    })?;
    if key.token_uri != endpoints(state).token {
        return Err(IntegrationsError::invalid(
            "service_account_key",
            "token_uri must be Google's token endpoint",
        ));
    }
    jsonwebtoken::EncodingKey::from_rsa_pem(key.private_key.as_bytes()).map_err(|_| {
        IntegrationsError::invalid("service_account_key", "private_key is not an RSA key")
    })?;
    Ok(key)
}

/// A property id: digits only (`properties/123` is accepted and reduced).
pub fn parse_property(text: &str) -> Result<String, IntegrationsError> {
    let id = text.trim().trim_start_matches("properties/");
    if id.is_empty() || id.len() > 20 || !id.chars().all(|c| c.is_ascii_digit()) {
        return Err(IntegrationsError::invalid(
            "property_id",
            "the GA4 property's numeric id",
        ));
    }
    Ok(id.to_owned())
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
}

async fn access_token(key: &ServiceAccountKey) -> Result<String, String> {
    let now = Utc::now().timestamp();
    let assertion = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &Claims {
            iss: &key.client_email,
            scope: SCOPE,
            aud: &key.token_uri,
            iat: now,
            exp: now + 3_600,
        },
        &jsonwebtoken::EncodingKey::from_rsa_pem(key.private_key.as_bytes())
            .map_err(|e| format!("the key cannot sign: {e}"))?,
    )
    .map_err(|e| format!("the key cannot sign: {e}"))?;
    let answer = http()
        .post(&key.token_uri)
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion.as_str()),
        ])
        .send()
        .await
        .map_err(|e| {
            format!(
                "Google's token endpoint is not reachable: {}",
                e.without_url()
            )
        })?;
    if !answer.status().is_success() {
        return Err(format!(
            "Google refused the service account ({})",
            answer.status()
        ));
    }
    let body: Value = answer.json().await.map_err(|e| e.to_string())?;
    body["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "Google's token answer has no access_token".into())
}

/// One row of sessions from social.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionsRow {
    pub day: NaiveDate,
    pub source: String,
    pub medium: String,
    pub campaign: String,
    pub sessions: i32,
    pub engaged_sessions: i32,
}

/// Sessions with medium `social` per day, source and campaign, between two days.
pub async fn run_report(
    state: &AppState,
    property_id: &str,
    key: &ServiceAccountKey,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<SessionsRow>, String> {
    let token = access_token(key).await?;
    let body = json!({
        "dateRanges": [{"startDate": from.to_string(), "endDate": to.to_string()}],
        "dimensions": [{"name": "date"}, {"name": "sessionSource"}, {"name": "sessionMedium"},
                       {"name": "sessionCampaignName"}],
        "metrics": [{"name": "sessions"}, {"name": "engagedSessions"}],
        "dimensionFilter": {"filter": {"fieldName": "sessionMedium",
                                        "stringFilter": {"matchType": "EXACT", "value": "social"}}},
        "limit": 10_000,
    });
    let answer = http()
        .post(format!(
            "{}/v1beta/properties/{property_id}:runReport",
            endpoints(state).api
        ))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("the GA4 Data API is not reachable: {}", e.without_url()))?;
    let status = answer.status();
    let report: Value = answer.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        return Err(format!(
            "the GA4 Data API answered {status}: {}",
            report["error"]["message"].as_str().unwrap_or("no detail")
        ));
    }
    Ok(parse_report(&report))
}

fn parse_report(report: &Value) -> Vec<SessionsRow> {
    report["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|row| {
            let dims: Vec<&str> = row["dimensionValues"]
                .as_array()?
                .iter()
                .map(|v| v["value"].as_str().unwrap_or_default())
                .collect();
            let metric = |i: usize| -> Option<i32> {
                row["metricValues"].get(i)?["value"].as_str()?.parse().ok()
            };
            Some(SessionsRow {
                day: NaiveDate::parse_from_str(dims.first()?, "%Y%m%d").ok()?,
                source: dims.get(1)?.chars().take(100).collect(),
                medium: dims.get(2)?.chars().take(100).collect(),
                campaign: dims.get(3)?.chars().take(255).collect(),
                sessions: metric(0)?,
                engaged_sessions: metric(1).unwrap_or(0),
            })
        })
        .collect()
}

/// Imports the last `days` days (re-importing overlaps: GA's figures settle over a few days).
pub async fn import(
    state: &AppState,
    integration: &IntegrationRow,
    days: i64,
) -> Result<usize, String> {
    let Ok(Secret::GoogleAnalytics {
        service_account_key,
    }) = unseal(state, integration)
    else {
        return Err("the service account key cannot be read".into());
    };
    let property = integration.configuration["property_id"]
        .as_str()
        .ok_or("the integration has no property")?;
    let to = Utc::now().date_naive();
    let from = to - chrono::Duration::days(days - 1);
    let rows = run_report(state, property, &service_account_key, from, to).await?;
    let stored: Vec<TrafficRow<'_>> = rows
        .iter()
        .map(|r| TrafficRow {
            day: r.day,
            source: &r.source,
            medium: &r.medium,
            campaign: &r.campaign,
            sessions: r.sessions,
            engaged_sessions: r.engaged_sessions,
        })
        .collect();
    let client = state.db.client().await.map_err(|e| e.to_string())?;
    store::integrations::upsert_traffic(&**client, integration.organization_id, &stored)
        .await
        .map_err(|e| e.to_string())?;
    Ok(rows.len())
}

/// Every organization's Google Analytics import (the hourly metrics sync runs this).
pub async fn import_all(state: &AppState) -> Result<usize, IntegrationsError> {
    let connected = {
        let client = state.db.client().await?;
        store::integrations::all_active_of_type(
            &**client,
            IntegrationType::GoogleAnalytics.as_str(),
        )
        .await?
    };
    let mut imported = 0;
    for integration in &connected {
        let outcome = import(state, integration, 3).await;
        let client = state.db.client().await?;
        store::integrations::record_outcome(
            &**client,
            integration.organization_id,
            integration.id,
            outcome.as_ref().err().map(String::as_str),
        )
        .await?;
        match outcome {
            Ok(rows) => imported += rows,
            Err(error) => {
                tracing::warn!(integration = %integration.id, %error, "GA4 import failed")
            }
        }
    }
    Ok(imported)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_becomes_rows_per_day_source_and_campaign() {
        let report = json!({"rows": [
            {"dimensionValues": [{"value": "20261125"}, {"value": "linkedin"}, {"value": "social"}, {"value": "launch"}],
             "metricValues": [{"value": "42"}, {"value": "30"}]},
            {"dimensionValues": [{"value": "bad"}], "metricValues": []}]});
        assert_eq!(
            parse_report(&report),
            vec![SessionsRow {
                day: NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
                source: "linkedin".into(),
                medium: "social".into(),
                campaign: "launch".into(),
                sessions: 42,
                engaged_sessions: 30,
            }]
        );
        assert_eq!(parse_property("properties/123456").unwrap(), "123456");
        assert!(parse_property("12a").is_err());
    }
}
