//! Any OpenAI-compatible server (OpenAI, Ollama, vLLM, LM Studio): `POST {base}/chat/completions`
//! with one function tool forced by `tool_choice` for structured output, and
//! `POST {base}/embeddings`.

use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{
    Answer, ChatModel, ChatRequest, ChatResponse, EmbeddingModel, Embeddings, ModelError, Role,
    StopReason, Usage,
};

#[derive(Clone)]
pub struct OpenAiCompatible {
    http: reqwest::Client,
    /// Up to and including `/v1`.
    base_url: String,
    api_key: Option<String>,
}

impl std::fmt::Debug for OpenAiCompatible {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiCompatible")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl OpenAiCompatible {
    pub fn new(base_url: &str, api_key: Option<String>, attempt_timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(attempt_timeout)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("a TLS backend is compiled in");
        OpenAiCompatible {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key,
        }
    }

    async fn post(&self, path: &str, body: &Value) -> Result<Value, ModelError> {
        let mut call = self
            .http
            .post(format!("{}{path}", self.base_url))
            .json(body);
        if let Some(key) = &self.api_key {
            call = call.bearer_auth(key);
        }
        let response = call.send().await.map_err(|e| {
            if e.is_timeout() {
                ModelError::Timeout
            } else {
                ModelError::Unavailable(e.without_url().to_string())
            }
        })?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = response.text().await.map_err(|e| {
            if e.is_timeout() {
                ModelError::Timeout
            } else {
                ModelError::Unavailable(e.without_url().to_string())
            }
        })?;
        match status {
            s if s.is_success() => serde_json::from_str(&text)
                .map_err(|e| ModelError::Malformed(format!("not JSON: {e}"))),
            StatusCode::TOO_MANY_REQUESTS => Err(ModelError::Throttled { retry_after }),
            StatusCode::REQUEST_TIMEOUT | StatusCode::GATEWAY_TIMEOUT => Err(ModelError::Timeout),
            s if s.is_server_error() => Err(ModelError::Unavailable(format!("{s}"))),
            s => Err(ModelError::Refused(format!(
                "{s}: {}",
                error_message(&text)
            ))),
        }
    }
}

fn error_message(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| body.chars().take(200).collect())
}

/// The request body, exactly as sent.
pub fn chat_body(request: &ChatRequest) -> Value {
    let mut messages = vec![json!({ "role": "system", "content": request.system })];
    messages.extend(request.messages.iter().map(|m| {
        json!({
            "role": match m.role { Role::User => "user", Role::Assistant => "assistant" },
            "content": m.text,
        })
    }));
    let mut body = json!({
        "model": request.model,
        "messages": messages,
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
    });
    if let Some(output) = &request.output {
        body["tools"] = json!([{
            "type": "function",
            "function": {
                "name": output.name,
                "description": output.description,
                "parameters": output.schema,
            }
        }]);
        body["tool_choice"] = json!({ "type": "function", "function": { "name": output.name } });
    }
    body
}

#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<CompletionUsage>,
}

#[derive(Deserialize)]
struct Choice {
    message: AssistantMessage,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct AssistantMessage {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Vec<ToolCall>,
}

#[derive(Deserialize)]
struct ToolCall {
    function: FunctionCall,
}

#[derive(Deserialize)]
struct FunctionCall {
    /// A JSON document in a string, as the wire format has it.
    arguments: String,
}

#[derive(Deserialize)]
struct CompletionUsage {
    #[serde(default)]
    prompt_tokens: u32,
    #[serde(default)]
    completion_tokens: u32,
}

/// Reads a chat-completions answer.
pub fn read_completion(body: Value, structured: bool) -> Result<ChatResponse, ModelError> {
    let completion: Completion = serde_json::from_value(body)
        .map_err(|e| ModelError::Malformed(format!("chat completion: {e}")))?;
    let usage = completion
        .usage
        .map(|u| Usage {
            input_tokens: u.prompt_tokens,
            output_tokens: u.completion_tokens,
        })
        .unwrap_or_default();
    let Some(choice) = completion.choices.into_iter().next() else {
        return Err(ModelError::Malformed("no choices in the answer".into()));
    };
    let stop = match choice.finish_reason.as_deref() {
        Some("stop") => StopReason::EndTurn,
        Some("tool_calls") => StopReason::ToolUse,
        Some("length") => StopReason::MaxTokens,
        _ => StopReason::Other,
    };
    let answer = match choice.message.tool_calls.into_iter().next() {
        Some(call) if structured => {
            // Malformed arguments are the model's mistake, reported for a re-ask, not a crash.
            match serde_json::from_str(&call.function.arguments) {
                Ok(document) => Answer::Document(document),
                Err(_) => Answer::Text(call.function.arguments),
            }
        }
        _ => Answer::Text(choice.message.content.unwrap_or_default()),
    };
    Ok(ChatResponse {
        answer,
        stop,
        usage,
    })
}

impl ChatModel for OpenAiCompatible {
    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, ModelError> {
        let body = self.post("/chat/completions", &chat_body(request)).await?;
        read_completion(body, request.output.is_some())
    }
}

#[derive(Deserialize)]
struct EmbeddingList {
    data: Vec<EmbeddingItem>,
    #[serde(default)]
    usage: Option<CompletionUsage>,
}

#[derive(Deserialize)]
struct EmbeddingItem {
    embedding: Vec<f32>,
    #[serde(default)]
    index: usize,
}

impl EmbeddingModel for OpenAiCompatible {
    async fn embed(&self, model: &str, texts: &[String]) -> Result<Embeddings, ModelError> {
        let body = self
            .post("/embeddings", &json!({ "model": model, "input": texts }))
            .await?;
        let mut list: EmbeddingList = serde_json::from_value(body)
            .map_err(|e| ModelError::Malformed(format!("embeddings: {e}")))?;
        if list.data.len() != texts.len() {
            return Err(ModelError::Malformed(format!(
                "{} embeddings for {} texts",
                list.data.len(),
                texts.len()
            )));
        }
        list.data.sort_by_key(|item| item.index);
        Ok(Embeddings {
            vectors: list
                .data
                .into_iter()
                .map(|item| crate::normalised(item.embedding))
                .collect(),
            input_tokens: list.usage.map_or(0, |u| u.prompt_tokens),
        })
    }
}
