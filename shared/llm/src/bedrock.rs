//! Amazon Bedrock: chat through the Converse API (structured output by one forced tool whose
//! input schema is the document's schema), embeddings through `InvokeModel` on a Titan text
//! embeddings model. The SDK's own retries are off: [`crate::chat_within`] retries within the
//! task's deadline instead.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::config::retry::RetryConfig;
use aws_sdk_bedrockruntime::config::timeout::TimeoutConfig;
use aws_sdk_bedrockruntime::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, ConverseOutput, InferenceConfiguration, Message as WireMessage,
    SpecificToolChoice, StopReason as WireStop, SystemContentBlock, Tool, ToolChoice,
    ToolConfiguration, ToolInputSchema, ToolSpecification,
};
use aws_smithy_types::{Document, Number};
use serde_json::Value;

use crate::{
    Answer, ChatModel, ChatRequest, ChatResponse, EmbeddingModel, Embeddings, ModelError, Role,
    StopReason, Usage,
};

#[derive(Debug, Clone)]
pub struct Bedrock {
    client: Client,
}

impl Bedrock {
    /// A client from the shared AWS configuration; `endpoint` points it elsewhere (the model
    /// sandbox locally); `attempt_timeout` bounds one call.
    pub fn new(
        sdk: &aws_types::SdkConfig,
        endpoint: Option<&str>,
        attempt_timeout: Duration,
    ) -> Self {
        let mut config = aws_sdk_bedrockruntime::config::Builder::from(sdk)
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .operation_attempt_timeout(attempt_timeout)
                    .build(),
            );
        if let Some(endpoint) = endpoint {
            config = config.endpoint_url(endpoint);
        }
        Bedrock {
            client: Client::from_conf(config.build()),
        }
    }
}

fn classify<E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    error: SdkError<E, R>,
) -> ModelError {
    match &error {
        SdkError::TimeoutError(_) => return ModelError::Timeout,
        SdkError::DispatchFailure(failure) => {
            return if failure.is_timeout() {
                ModelError::Timeout
            } else {
                ModelError::Unavailable(format!("{failure:?}"))
            };
        }
        SdkError::ResponseError(_) => {
            return ModelError::Unavailable("an unreadable response".into());
        }
        _ => {}
    }
    let message = error.message().unwrap_or_default().to_owned();
    match error.code() {
        Some("ThrottlingException") => ModelError::Throttled { retry_after: None },
        Some("ModelTimeoutException") => ModelError::Timeout,
        Some(
            "ServiceUnavailableException" | "InternalServerException" | "ModelNotReadyException",
        ) => ModelError::Unavailable(message),
        Some(code) => ModelError::Refused(format!("{code}: {message}")),
        None => ModelError::Unavailable(format!("{error:?}")),
    }
}

pub(crate) fn to_document(value: &Value) -> Document {
    match value {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Number(n) => Document::Number(if let Some(u) = n.as_u64() {
            Number::PosInt(u)
        } else if let Some(i) = n.as_i64() {
            Number::NegInt(i)
        } else {
            Number::Float(n.as_f64().unwrap_or_default())
        }),
        Value::String(s) => Document::String(s.clone()),
        Value::Array(items) => Document::Array(items.iter().map(to_document).collect()),
        Value::Object(map) => Document::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), to_document(v)))
                .collect::<HashMap<_, _>>(),
        ),
    }
}

pub(crate) fn to_value(document: &Document) -> Value {
    match document {
        Document::Null => Value::Null,
        Document::Bool(b) => Value::Bool(*b),
        Document::Number(Number::PosInt(u)) => Value::from(*u),
        Document::Number(Number::NegInt(i)) => Value::from(*i),
        Document::Number(Number::Float(f)) => {
            serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
        }
        Document::String(s) => Value::String(s.clone()),
        Document::Array(items) => Value::Array(items.iter().map(to_value).collect()),
        Document::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), to_value(v))).collect())
        }
    }
}

fn built<T>(
    result: Result<T, aws_smithy_types::error::operation::BuildError>,
) -> Result<T, ModelError> {
    result.map_err(|e| ModelError::Refused(format!("the request could not be built: {e}")))
}

impl ChatModel for Bedrock {
    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, ModelError> {
        let mut messages = Vec::with_capacity(request.messages.len());
        for message in &request.messages {
            let role = match message.role {
                Role::User => ConversationRole::User,
                Role::Assistant => ConversationRole::Assistant,
            };
            messages.push(built(
                WireMessage::builder()
                    .role(role)
                    .content(ContentBlock::Text(message.text.clone()))
                    .build(),
            )?);
        }
        let mut call = self
            .client
            .converse()
            .model_id(&request.model)
            .set_messages(Some(messages))
            .system(SystemContentBlock::Text(request.system.clone()))
            .inference_config(
                InferenceConfiguration::builder()
                    .max_tokens(i32::try_from(request.max_tokens).unwrap_or(i32::MAX))
                    .temperature(request.temperature)
                    .build(),
            );
        if let Some(output) = &request.output {
            let tool = built(
                ToolSpecification::builder()
                    .name(&output.name)
                    .description(&output.description)
                    .input_schema(ToolInputSchema::Json(to_document(&output.schema)))
                    .build(),
            )?;
            let choice = built(SpecificToolChoice::builder().name(&output.name).build())?;
            call = call.tool_config(built(
                ToolConfiguration::builder()
                    .tools(Tool::ToolSpec(tool))
                    .tool_choice(ToolChoice::Tool(choice))
                    .build(),
            )?);
        }
        let response = call.send().await.map_err(classify)?;
        let usage = response
            .usage()
            .map(|u| Usage {
                input_tokens: u.input_tokens().max(0) as u32,
                output_tokens: u.output_tokens().max(0) as u32,
            })
            .unwrap_or_default();
        let stop = match response.stop_reason() {
            WireStop::EndTurn => StopReason::EndTurn,
            WireStop::ToolUse => StopReason::ToolUse,
            WireStop::MaxTokens => StopReason::MaxTokens,
            _ => StopReason::Other,
        };
        let Some(ConverseOutput::Message(message)) = response.output() else {
            return Err(ModelError::Malformed("no message in the answer".into()));
        };
        let mut text = String::new();
        for block in message.content() {
            match block {
                ContentBlock::ToolUse(tool) if request.output.is_some() => {
                    return Ok(ChatResponse {
                        answer: Answer::Document(to_value(tool.input())),
                        stop,
                        usage,
                    });
                }
                ContentBlock::Text(t) => text.push_str(t),
                _ => {}
            }
        }
        Ok(ChatResponse {
            answer: Answer::Text(text),
            stop,
            usage,
        })
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct TitanEmbedding {
    embedding: Vec<f32>,
    #[serde(default)]
    input_text_token_count: u32,
}

impl EmbeddingModel for Bedrock {
    /// Titan embeds one text per call; the texts go one after another.
    async fn embed(&self, model: &str, texts: &[String]) -> Result<Embeddings, ModelError> {
        let mut vectors = Vec::with_capacity(texts.len());
        let mut input_tokens = 0;
        for text in texts {
            let body =
                serde_json::json!({ "inputText": text, "dimensions": 256, "normalize": true });
            let response = self
                .client
                .invoke_model()
                .model_id(model)
                .content_type("application/json")
                .accept("application/json")
                .body(Blob::new(body.to_string()))
                .send()
                .await
                .map_err(classify)?;
            let parsed: TitanEmbedding = serde_json::from_slice(response.body().as_ref())
                .map_err(|e| ModelError::Malformed(format!("embedding: {e}")))?;
            input_tokens += parsed.input_text_token_count;
            vectors.push(crate::normalised(parsed.embedding));
        }
        Ok(Embeddings {
            vectors,
            input_tokens,
        })
    }
}
