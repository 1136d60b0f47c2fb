//! Endpoints that receive what the platform sends out (Slack messages, outgoing webhooks) and
//! keep each request, for tests and for seeing deliveries locally:
//! `POST /_sandbox/receivers/{name}` records, `GET` lists them, and
//! `PUT /_sandbox/receivers/{name}/failures` makes the next N answer an error.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::state::{Sandbox, now_unix};

#[derive(Debug, Clone, Default)]
pub struct Receiver {
    pub requests: Vec<Value>,
    /// Answers to give before succeeding again.
    pub failures: Vec<u16>,
}

pub async fn receive(
    State(sandbox): State<Sandbox>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut state = sandbox.lock();
    let receiver = state.receivers.entry(name).or_default();
    let kept: serde_json::Map<String, Value> = headers
        .iter()
        .filter(|(k, _)| {
            let k = k.as_str();
            k.starts_with("x-social-") || k == "content-type" || k == "user-agent"
        })
        .map(|(k, v)| (k.as_str().to_owned(), json!(v.to_str().unwrap_or_default())))
        .collect();
    let status = if receiver.failures.is_empty() {
        200
    } else {
        receiver.failures.remove(0)
    };
    receiver.requests.push(json!({
        "received_at": now_unix(),
        "headers": kept,
        "body": String::from_utf8_lossy(&body),
        "answered": status,
    }));
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        "ok",
    )
        .into_response()
}

pub async fn list(State(sandbox): State<Sandbox>, Path(name): Path<String>) -> Json<Value> {
    let state = sandbox.lock();
    let requests = state
        .receivers
        .get(&name)
        .map(|r| r.requests.clone())
        .unwrap_or_default();
    Json(json!({ "requests": requests }))
}

#[derive(Deserialize)]
pub struct Failures {
    /// The statuses to answer, in order, before succeeding again.
    statuses: Vec<u16>,
}

pub async fn fail_next(
    State(sandbox): State<Sandbox>,
    Path(name): Path<String>,
    Json(failures): Json<Failures>,
) -> StatusCode {
    sandbox.lock().receivers.entry(name).or_default().failures = failures.statuses;
    StatusCode::NO_CONTENT
}
