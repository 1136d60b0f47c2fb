//! The model sandbox: a local HTTP server that speaks Amazon Bedrock's Converse and
//! `InvokeModel` (Titan text embeddings) wire formats and the OpenAI chat-completions and
//! embeddings formats, so the real adapters run end to end without a real model.
//!
//! Answers are deterministic functions of the prompt: a forced tool gets a JSON document valid
//! for its schema, whose text is built from the words of the user's data (the `<data>` blocks,
//! or the whole message); a text field honours `maxLength` or an "at most N characters" in its
//! description. Embeddings hash words into 256 dimensions, so texts sharing words are close.
//! Faults are queued with `POST /_sandbox/faults` (throttle, timeout, unavailable, malformed,
//! too_long), a fixed latency set with `PUT /_sandbox/latency`.

mod answer;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub use answer::{embedding, estimate_tokens};

/// A failure the next call(s) will show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// 429 (`ThrottlingException` / `Retry-After: 0`).
    Throttle,
    /// No answer for 30 s.
    Timeout,
    /// 503.
    Unavailable,
    /// Structured output that is not the document asked for.
    Malformed,
    /// Text fields far longer than asked.
    TooLong,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    #[default]
    Chat,
    Embeddings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Fault {
    pub kind: FaultKind,
    /// How many calls in a row fail this way (default 1).
    #[serde(default = "one")]
    pub times: u32,
    #[serde(default)]
    pub on: Target,
}

fn one() -> u32 {
    1
}

#[derive(Default)]
struct Inner {
    faults: VecDeque<Fault>,
    latency: Duration,
    chat_calls: u64,
    embedding_calls: u64,
    /// The last requests' bodies (chat only), newest last.
    recent: VecDeque<Value>,
}

/// A handle on a running sandbox, for tests and the dev server.
#[derive(Clone, Default)]
pub struct ModelSandbox {
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for ModelSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelSandbox").finish_non_exhaustive()
    }
}

impl ModelSandbox {
    pub fn push_fault(&self, fault: Fault) {
        self.lock().faults.push_back(fault);
    }

    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    pub fn chat_calls(&self) -> u64 {
        self.lock().chat_calls
    }

    /// The bodies of the last chat requests, oldest first.
    pub fn recent_requests(&self) -> Vec<Value> {
        self.lock().recent.iter().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts a call and takes the fault due for it, if any, with the latency to add.
    fn begin(&self, target: Target, body: Option<&Value>) -> (Option<FaultKind>, Duration) {
        let mut inner = self.lock();
        match target {
            Target::Chat => inner.chat_calls += 1,
            Target::Embeddings => inner.embedding_calls += 1,
        }
        if let Some(body) = body {
            inner.recent.push_back(body.clone());
            if inner.recent.len() > 50 {
                inner.recent.pop_front();
            }
        }
        let position = inner.faults.iter().position(|f| f.on == target);
        let fault = position.map(|i| {
            let fault = &mut inner.faults[i];
            let kind = fault.kind;
            fault.times = fault.times.saturating_sub(1);
            if fault.times == 0 {
                inner.faults.remove(i);
            }
            kind
        });
        (fault, inner.latency)
    }
}

pub fn router(sandbox: ModelSandbox) -> Router {
    Router::new()
        .route("/model/{model}/converse", post(converse))
        .route("/model/{model}/invoke", post(invoke))
        .route("/v1/chat/completions", post(chat_completions))
        .route("/v1/embeddings", post(embeddings))
        .route("/_sandbox/faults", post(add_fault).delete(clear_faults))
        .route("/_sandbox/latency", put(set_latency))
        .route("/_sandbox/calls", get(calls))
        .route("/_sandbox/reset", delete(reset))
        .with_state(sandbox)
}

/// Serves the sandbox on `127.0.0.1:port` (0: any free port); returns its base URL.
pub async fn spawn(port: u16) -> std::io::Result<(String, ModelSandbox)> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let base = format!("http://{}", listener.local_addr()?);
    let sandbox = ModelSandbox::default();
    let app = router(sandbox.clone());
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "model sandbox stopped");
        }
    });
    Ok((base, sandbox))
}

async fn add_fault(State(sandbox): State<ModelSandbox>, Json(fault): Json<Fault>) -> StatusCode {
    sandbox.push_fault(fault);
    StatusCode::NO_CONTENT
}

async fn clear_faults(State(sandbox): State<ModelSandbox>) -> StatusCode {
    sandbox.lock().faults.clear();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct Latency {
    ms: u64,
}

async fn set_latency(
    State(sandbox): State<ModelSandbox>,
    Json(latency): Json<Latency>,
) -> StatusCode {
    sandbox.set_latency(Duration::from_millis(latency.ms));
    StatusCode::NO_CONTENT
}

async fn calls(State(sandbox): State<ModelSandbox>) -> Json<Value> {
    let inner = sandbox.lock();
    Json(json!({
        "chat": inner.chat_calls,
        "embeddings": inner.embedding_calls,
        "pending_faults": inner.faults.len(),
    }))
}

async fn reset(State(sandbox): State<ModelSandbox>) -> StatusCode {
    *sandbox.lock() = Inner::default();
    StatusCode::NO_CONTENT
}

enum Wire {
    Bedrock,
    OpenAi,
}

/// The answer to a fault that fails the whole call, in the wire's own error format.
async fn failure(kind: FaultKind, wire: Wire) -> Option<Response> {
    let (status, bedrock_code, message) = match kind {
        FaultKind::Throttle => (
            StatusCode::TOO_MANY_REQUESTS,
            "ThrottlingException",
            "Too many requests, please wait before trying again.",
        ),
        FaultKind::Unavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailableException",
            "The service is temporarily unavailable.",
        ),
        FaultKind::Timeout => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            (
                StatusCode::REQUEST_TIMEOUT,
                "ModelTimeoutException",
                "The model took too long.",
            )
        }
        FaultKind::Malformed | FaultKind::TooLong => return None,
    };
    Some(match wire {
        Wire::Bedrock => (
            status,
            [
                ("x-amzn-errortype", bedrock_code),
                ("content-type", "application/json"),
            ],
            json!({ "message": message }).to_string(),
        )
            .into_response(),
        Wire::OpenAi => (
            status,
            [("retry-after", "0"), ("content-type", "application/json")],
            json!({ "error": { "message": message, "type": "sandbox_fault" } }).to_string(),
        )
            .into_response(),
    })
}

fn bad_request(wire: Wire, message: &str) -> Response {
    match wire {
        Wire::Bedrock => (
            StatusCode::BAD_REQUEST,
            [
                ("x-amzn-errortype", "ValidationException"),
                ("content-type", "application/json"),
            ],
            json!({ "message": message }).to_string(),
        )
            .into_response(),
        Wire::OpenAi => (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": { "message": message, "type": "invalid_request_error" } })),
        )
            .into_response(),
    }
}

/// `POST /model/{model}/converse`.
async fn converse(
    State(sandbox): State<ModelSandbox>,
    Path(model): Path<String>,
    body: Bytes,
) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return bad_request(Wire::Bedrock, "the body is not JSON");
    };
    let (fault, latency) = sandbox.begin(Target::Chat, Some(&request));
    tokio::time::sleep(latency).await;
    if let Some(response) = match fault {
        Some(kind) => failure(kind, Wire::Bedrock).await,
        None => None,
    } {
        return response;
    }
    let Some(messages) = request["messages"].as_array() else {
        return bad_request(Wire::Bedrock, "messages is required");
    };
    let texts: Vec<(String, String)> = messages
        .iter()
        .map(|m| {
            let role = m["role"].as_str().unwrap_or("user").to_owned();
            let text = m["content"]
                .as_array()
                .map(|blocks| {
                    blocks
                        .iter()
                        .filter_map(|b| b["text"].as_str())
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .unwrap_or_default();
            (role, text)
        })
        .collect();
    let system: String = request["system"]
        .as_array()
        .map(|blocks| blocks.iter().filter_map(|b| b["text"].as_str()).collect())
        .unwrap_or_default();
    let tool = request["toolConfig"]["tools"]
        .as_array()
        .and_then(|tools| tools.first())
        .map(|t| &t["toolSpec"]);
    let prompt = answer::Prompt::new(&model, &system, &texts, fault == Some(FaultKind::TooLong));
    let input_tokens =
        estimate_tokens(&system) + texts.iter().map(|(_, t)| estimate_tokens(t)).sum::<u32>();
    let (content, stop, output_tokens) = match tool {
        Some(spec) if fault == Some(FaultKind::Malformed) => {
            let _ = spec;
            let text = "Sure! Here is a post you might like.".to_owned();
            let tokens = estimate_tokens(&text);
            (json!([{ "text": text }]), "end_turn", tokens)
        }
        Some(spec) => {
            let document = prompt.document(&spec["inputSchema"]["json"]);
            let tokens = estimate_tokens(&document.to_string());
            (
                json!([{ "toolUse": {
                    "toolUseId": format!("tooluse_{:016x}", prompt.seed()),
                    "name": spec["name"],
                    "input": document,
                } }]),
                "tool_use",
                tokens,
            )
        }
        None => {
            let text = prompt.prose(600);
            let tokens = estimate_tokens(&text);
            (json!([{ "text": text }]), "end_turn", tokens)
        }
    };
    Json(json!({
        "output": { "message": { "role": "assistant", "content": content } },
        "stopReason": stop,
        "usage": { "inputTokens": input_tokens, "outputTokens": output_tokens, "totalTokens": input_tokens + output_tokens },
        "metrics": { "latencyMs": latency.as_millis() as u64 },
    }))
    .into_response()
}

/// `POST /model/{model}/invoke`: Titan text embeddings.
async fn invoke(
    State(sandbox): State<ModelSandbox>,
    Path(model): Path<String>,
    body: Bytes,
) -> Response {
    let (fault, latency) = sandbox.begin(Target::Embeddings, None);
    tokio::time::sleep(latency).await;
    if let Some(response) = match fault {
        Some(kind) => failure(kind, Wire::Bedrock).await,
        None => None,
    } {
        return response;
    }
    if !model.contains("embed") {
        return bad_request(
            Wire::Bedrock,
            "this sandbox embeds only with embedding models",
        );
    }
    let Some(text) = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["inputText"].as_str().map(str::to_owned))
    else {
        return bad_request(Wire::Bedrock, "inputText is required");
    };
    Json(json!({ "embedding": embedding(&text), "inputTextTokenCount": estimate_tokens(&text) }))
        .into_response()
}

/// `POST /v1/chat/completions`.
async fn chat_completions(State(sandbox): State<ModelSandbox>, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return bad_request(Wire::OpenAi, "the body is not JSON");
    };
    let (fault, latency) = sandbox.begin(Target::Chat, Some(&request));
    tokio::time::sleep(latency).await;
    if let Some(response) = match fault {
        Some(kind) => failure(kind, Wire::OpenAi).await,
        None => None,
    } {
        return response;
    }
    let model = request["model"].as_str().unwrap_or("sandbox").to_owned();
    let Some(messages) = request["messages"].as_array() else {
        return bad_request(Wire::OpenAi, "messages is required");
    };
    let mut system = String::new();
    let mut texts = Vec::new();
    for message in messages {
        let role = message["role"].as_str().unwrap_or("user");
        let text = message["content"].as_str().unwrap_or_default().to_owned();
        if role == "system" {
            system.push_str(&text);
        } else {
            texts.push((role.to_owned(), text));
        }
    }
    let prompt = answer::Prompt::new(&model, &system, &texts, fault == Some(FaultKind::TooLong));
    let input_tokens =
        estimate_tokens(&system) + texts.iter().map(|(_, t)| estimate_tokens(t)).sum::<u32>();
    let function = request["tools"]
        .as_array()
        .and_then(|tools| tools.first())
        .map(|t| &t["function"]);
    let (message, finish, output_tokens) = match function {
        Some(function) => {
            let arguments = if fault == Some(FaultKind::Malformed) {
                "{\"text\": \"unterminated".to_owned()
            } else {
                prompt.document(&function["parameters"]).to_string()
            };
            let tokens = estimate_tokens(&arguments);
            (
                json!({ "role": "assistant", "content": null, "tool_calls": [{
                    "id": format!("call_{:016x}", prompt.seed()),
                    "type": "function",
                    "function": { "name": function["name"], "arguments": arguments },
                }] }),
                "tool_calls",
                tokens,
            )
        }
        None => {
            let text = prompt.prose(600);
            let tokens = estimate_tokens(&text);
            (
                json!({ "role": "assistant", "content": text }),
                "stop",
                tokens,
            )
        }
    };
    Json(json!({
        "id": format!("chatcmpl-{:016x}", prompt.seed()),
        "object": "chat.completion",
        "model": format!("sandbox:{model}"),
        "choices": [{ "index": 0, "message": message, "finish_reason": finish }],
        "usage": { "prompt_tokens": input_tokens, "completion_tokens": output_tokens, "total_tokens": input_tokens + output_tokens },
    }))
    .into_response()
}

/// `POST /v1/embeddings`.
async fn embeddings(State(sandbox): State<ModelSandbox>, body: Bytes) -> Response {
    let (fault, latency) = sandbox.begin(Target::Embeddings, None);
    tokio::time::sleep(latency).await;
    if let Some(response) = match fault {
        Some(kind) => failure(kind, Wire::OpenAi).await,
        None => None,
    } {
        return response;
    }
    let Some(input) = serde_json::from_slice::<Value>(&body)
        .ok()
        .map(|v| v["input"].clone())
    else {
        return bad_request(Wire::OpenAi, "the body is not JSON");
    };
    let texts: Vec<String> = match input {
        Value::String(s) => vec![s],
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => return bad_request(Wire::OpenAi, "input is required"),
    };
    let tokens: u32 = texts.iter().map(|t| estimate_tokens(t)).sum();
    Json(json!({
        "object": "list",
        "data": texts.iter().enumerate().map(|(i, t)| json!({ "object": "embedding", "index": i, "embedding": embedding(t) })).collect::<Vec<_>>(),
        "usage": { "prompt_tokens": tokens, "total_tokens": tokens },
    }))
    .into_response()
}
