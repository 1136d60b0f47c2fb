//! The language-model port. Agents talk to [`ChatModel`] (a conversation in, text or a JSON
//! document matching a schema out) and [`EmbeddingModel`] (texts in, unit vectors out); they
//! never see a provider's wire format. Two adapters implement both: [`bedrock`] (Amazon
//! Bedrock's Converse API, structured output by a forced tool, Titan text embeddings) and
//! [`openai`] (any OpenAI-compatible chat-completions server: OpenAI, Ollama, vLLM). The model
//! sandbox in `infra/` speaks both wire formats, so both adapters run end to end locally.

pub mod bedrock;
pub mod openai;
mod pricing;
mod retry;

use std::time::Duration;

use serde_json::Value;

pub use pricing::{ModelPrice, PriceTable};
pub use retry::{Attempt, chat_within, embed_within};

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub role: Role,
    pub text: String,
}

impl Message {
    pub fn user(text: impl Into<String>) -> Self {
        Message {
            role: Role::User,
            text: text.into(),
        }
    }

    pub fn assistant(text: impl Into<String>) -> Self {
        Message {
            role: Role::Assistant,
            text: text.into(),
        }
    }
}

/// A JSON document the answer must be: sent as the one tool the model is forced to call
/// (Converse `toolChoice.tool`, chat-completions `tool_choice.function`).
#[derive(Debug, Clone, PartialEq)]
pub struct OutputSchema {
    pub name: String,
    pub description: String,
    /// JSON Schema of the document.
    pub schema: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    /// The provider's model id (`amazon.nova-lite-v1:0`, `gpt-4o-mini`, `llama3.1`).
    pub model: String,
    /// Instructions. User-supplied text never goes here: it goes in `messages`, marked as data.
    pub system: String,
    pub messages: Vec<Message>,
    pub max_tokens: u32,
    pub temperature: f32,
    /// When set, the answer is a JSON document of this schema.
    pub output: Option<OutputSchema>,
}

/// Why the model stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    EndTurn,
    ToolUse,
    MaxTokens,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    pub input_tokens: u32,
    pub output_tokens: u32,
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, other: Usage) {
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Text(String),
    /// The forced tool's input: still to be validated by the caller.
    Document(Value),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChatResponse {
    pub answer: Answer,
    pub stop: StopReason,
    pub usage: Usage,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Embeddings {
    /// One unit vector per input text, in order.
    pub vectors: Vec<Vec<f32>>,
    pub input_tokens: u32,
}

/// What went wrong talking to a model: the first three are worth another try.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("the model is throttling requests")]
    Throttled { retry_after: Option<Duration> },
    #[error("the model did not answer in time")]
    Timeout,
    #[error("the model service is unavailable: {0}")]
    Unavailable(String),
    /// The request itself was refused (bad model id, content filter, no access): retrying the
    /// same request cannot help.
    #[error("the model refused the request: {0}")]
    Refused(String),
    /// The answer was not what the wire format promises.
    #[error("the model's answer could not be read: {0}")]
    Malformed(String),
}

impl ModelError {
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ModelError::Throttled { .. } | ModelError::Timeout | ModelError::Unavailable(_)
        )
    }
}

/// Chat and structured generation.
pub trait ChatModel: Send + Sync {
    fn chat(
        &self,
        request: &ChatRequest,
    ) -> impl Future<Output = Result<ChatResponse, ModelError>> + Send;
}

/// Text embeddings, normalised to unit length (so a dot product is the cosine).
pub trait EmbeddingModel: Send + Sync {
    fn embed(
        &self,
        model: &str,
        texts: &[String],
    ) -> impl Future<Output = Result<Embeddings, ModelError>> + Send;
}

/// Which adapter serves the models: chosen by configuration, one per execution environment.
#[derive(Debug, Clone)]
pub enum Provider {
    Bedrock(bedrock::Bedrock),
    OpenAi(openai::OpenAiCompatible),
}

impl ChatModel for Provider {
    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, ModelError> {
        match self {
            Provider::Bedrock(b) => b.chat(request).await,
            Provider::OpenAi(o) => o.chat(request).await,
        }
    }
}

impl EmbeddingModel for Provider {
    async fn embed(&self, model: &str, texts: &[String]) -> Result<Embeddings, ModelError> {
        match self {
            Provider::Bedrock(b) => b.embed(model, texts).await,
            Provider::OpenAi(o) => o.embed(model, texts).await,
        }
    }
}

/// Scales a vector to unit length (a zero vector stays zero).
pub fn normalised(mut vector: Vec<f32>) -> Vec<f32> {
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for x in &mut vector {
            *x /= norm;
        }
    }
    vector
}
