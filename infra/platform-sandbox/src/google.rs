//! Google's side of the GA4 integration, for local runs: a service-account key to paste (its
//! private key is a sandbox-only test key, useless anywhere else), the OAuth token endpoint
//! that takes a JWT signed with it, and the Data API's `runReport` answering sessions from
//! social per day, source and campaign (deterministic numbers).

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use chrono::NaiveDate;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::state::Sandbox;

const PRIVATE_KEY: &str = include_str!("google/sandbox-service-account.pem");
const PUBLIC_KEY: &str = include_str!("google/sandbox-service-account.pub");
pub const CLIENT_EMAIL: &str = "analytics-reader@sandbox-project.iam.gserviceaccount.com";
const SOURCES: [&str; 5] = ["facebook", "instagram", "x", "linkedin", "tiktok"];

/// The key file a newcomer pastes to connect Google Analytics locally.
pub fn service_account_key(base_url: &str) -> Value {
    json!({
        "type": "service_account",
        "project_id": "sandbox-project",
        "private_key_id": "sandbox",
        "private_key": PRIVATE_KEY,
        "client_email": CLIENT_EMAIL,
        "token_uri": format!("{base_url}/google/token"),
    })
}

/// `GET /_sandbox/google/service-account`
pub async fn key_file(State(sandbox): State<Sandbox>) -> Json<Value> {
    let base = sandbox
        .base_url
        .lock()
        .map(|b| b.clone())
        .unwrap_or_default();
    Json(service_account_key(&base))
}

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"code": status.as_u16(), "message": message}})),
    )
        .into_response()
}

/// `POST /google/token`: a JWT bearer grant signed with the sandbox key.
pub async fn token(
    State(sandbox): State<Sandbox>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if form.get("grant_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    {
        return error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let Some(assertion) = form.get("assertion") else {
        return error(StatusCode::BAD_REQUEST, "invalid_request");
    };
    let Ok(key) = jsonwebtoken::DecodingKey::from_rsa_pem(PUBLIC_KEY.as_bytes()) else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "sandbox key unreadable");
    };
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_required_spec_claims(&["exp", "iss", "aud"]);
    validation.validate_aud = false;
    let Ok(claims) = jsonwebtoken::decode::<Value>(assertion, &key, &validation) else {
        return error(StatusCode::BAD_REQUEST, "invalid_grant: bad signature");
    };
    if claims.claims["iss"] != CLIENT_EMAIL
        || !claims.claims["scope"]
            .as_str()
            .is_some_and(|s| s.contains("analytics.readonly"))
    {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_grant: unknown account or scope",
        );
    }
    let mut state = sandbox.lock();
    state.next += 1;
    let access = format!("ya29.sandbox-{}", state.next);
    state.google_tokens.push(access.clone());
    Json(json!({"access_token": access, "expires_in": 3599, "token_type": "Bearer"}))
        .into_response()
}

fn sessions(property: &str, day: NaiveDate, source: &str) -> i64 {
    let digest = Sha256::digest(format!("{property}/{day}/{source}").as_bytes());
    5 + i64::from(digest[0]) % 60
}

/// `POST /google/v1beta/properties/{property}:runReport`
pub async fn run_report(
    State(sandbox): State<Sandbox>,
    Path(target): Path<String>,
    headers: HeaderMap,
    Json(request): Json<Value>,
) -> Response {
    let Some(property) = target.strip_suffix(":runReport") else {
        return error(StatusCode::NOT_FOUND, "unknown method");
    };
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !sandbox.lock().google_tokens.iter().any(|t| t == bearer) {
        return error(
            StatusCode::UNAUTHORIZED,
            "Request had invalid authentication credentials.",
        );
    }
    if !property.chars().all(|c| c.is_ascii_digit()) {
        return error(StatusCode::BAD_REQUEST, "property must be numeric");
    }
    let range = &request["dateRanges"][0];
    let parse =
        |field: &str| NaiveDate::parse_from_str(range[field].as_str().unwrap_or(""), "%Y-%m-%d");
    let (Ok(from), Ok(to)) = (parse("startDate"), parse("endDate")) else {
        return error(StatusCode::BAD_REQUEST, "dateRanges must be YYYY-MM-DD");
    };
    let mut rows = Vec::new();
    let mut day = from;
    while day <= to && rows.len() < 10_000 {
        for source in SOURCES {
            let count = sessions(property, day, source);
            rows.push(json!({
                "dimensionValues": [{"value": day.format("%Y%m%d").to_string()}, {"value": source},
                                    {"value": "social"}, {"value": "social_post"}],
                "metricValues": [{"value": count.to_string()}, {"value": (count * 6 / 10).to_string()}],
            }));
        }
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    Json(json!({
        "dimensionHeaders": [{"name": "date"}, {"name": "sessionSource"}, {"name": "sessionMedium"},
                             {"name": "sessionCampaignName"}],
        "metricHeaders": [{"name": "sessions", "type": "TYPE_INTEGER"},
                          {"name": "engagedSessions", "type": "TYPE_INTEGER"}],
        "rowCount": rows.len(),
        "rows": rows,
        "kind": "analyticsData#runReport",
    }))
    .into_response()
}
