//! Each adapter against recorded wire exchanges: a local server checks the request the adapter
//! sends against the provider's documented format and answers with a recorded response.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use llm::{
    Answer, ChatModel, ChatRequest, EmbeddingModel, Message, ModelError, OutputSchema, StopReason,
};
use serde_json::{Value, json};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// A recorded answer: status, an extra header, body.
type Canned = (StatusCode, Option<(&'static str, &'static str)>, String);

#[derive(Clone, Default)]
struct Recorded {
    /// (path, headers, body) of every request.
    requests: Arc<Mutex<Vec<(String, HeaderMap, Value)>>>,
    /// (status, extra header, body) answered in turn.
    answers: Arc<Mutex<Vec<Canned>>>,
}

async fn record(
    State(recorded): State<Recorded>,
    Path(rest): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    recorded
        .requests
        .lock()
        .unwrap()
        .push((rest, headers, body));
    let (status, header, text) = recorded.answers.lock().unwrap().remove(0);
    let mut response = (status, [("content-type", "application/json")], text).into_response();
    if let Some((name, value)) = header {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

async fn serve(recorded: Recorded) -> String {
    let app = Router::new()
        .route("/{*rest}", post(record))
        .with_state(recorded);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

fn request(model: &str) -> ChatRequest {
    ChatRequest {
        model: model.into(),
        system: "You write social media posts.".into(),
        messages: vec![Message::user("<brief>cold brew</brief>")],
        max_tokens: 400,
        temperature: 0.5,
        output: Some(OutputSchema {
            name: "post_variants".into(),
            description: "The post".into(),
            schema: json!({ "type": "object", "properties": { "text": { "type": "string" } }, "required": ["text"] }),
        }),
    }
}

fn sdk() -> aws_types::SdkConfig {
    aws_types::SdkConfig::builder()
        .region(aws_types::region::Region::new("us-east-1"))
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new("AKIDEXAMPLE", "secret", None, None, "test"),
            ),
        )
        .behavior_version(aws_sdk_bedrockruntime::config::BehaviorVersion::latest())
        .build()
}

#[tokio::test]
async fn bedrock_converse_sends_the_documented_body_and_reads_the_forced_tool() {
    let recorded = Recorded::default();
    recorded.answers.lock().unwrap().extend([
        (StatusCode::OK, None, fixture("converse_response.json")),
        (
            StatusCode::TOO_MANY_REQUESTS,
            Some((
                "x-amzn-errortype",
                "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/",
            )),
            fixture("converse_throttled.json"),
        ),
    ]);
    let base = serve(recorded.clone()).await;
    let bedrock = llm::bedrock::Bedrock::new(&sdk(), Some(&base), Duration::from_secs(5));

    let answer = bedrock
        .chat(&request("amazon.nova-lite-v1:0"))
        .await
        .unwrap();
    let (path, headers, body) = recorded.requests.lock().unwrap()[0].clone();
    assert_eq!(path, "model/amazon.nova-lite-v1:0/converse");
    assert!(
        headers["authorization"]
            .to_str()
            .unwrap()
            .starts_with("AWS4-HMAC-SHA256")
    );
    assert!(
        headers["authorization"]
            .to_str()
            .unwrap()
            .contains("/bedrock/aws4_request")
    );
    assert_eq!(
        body,
        serde_json::from_str::<Value>(&fixture("converse_request.json")).unwrap()
    );
    assert_eq!(answer.stop, StopReason::ToolUse);
    assert_eq!(
        (answer.usage.input_tokens, answer.usage.output_tokens),
        (412, 57)
    );
    assert_eq!(
        answer.answer,
        Answer::Document(
            json!({ "text": "Cold brew season is here. Try ours over ice.", "hashtags": ["#coldbrew"], "score": 0.82, "count": 3 })
        )
    );

    let throttled = bedrock.chat(&request("amazon.nova-lite-v1:0")).await;
    assert_eq!(
        throttled.unwrap_err(),
        ModelError::Throttled { retry_after: None }
    );
}

#[tokio::test]
async fn bedrock_titan_embeddings_are_read_and_normalised() {
    let recorded = Recorded::default();
    recorded.answers.lock().unwrap().extend([(
        StatusCode::OK,
        None,
        fixture("titan_embedding_response.json"),
    )]);
    let base = serve(recorded.clone()).await;
    let bedrock = llm::bedrock::Bedrock::new(&sdk(), Some(&base), Duration::from_secs(5));
    let embeddings = bedrock
        .embed("amazon.titan-embed-text-v2:0", &["cold brew".to_owned()])
        .await
        .unwrap();
    let (path, _, body) = recorded.requests.lock().unwrap()[0].clone();
    assert_eq!(path, "model/amazon.titan-embed-text-v2:0/invoke");
    assert_eq!(
        body,
        json!({ "inputText": "cold brew", "dimensions": 256, "normalize": true })
    );
    assert_eq!(embeddings.vectors, vec![vec![0.6, 0.0, 0.8]]);
    assert_eq!(embeddings.input_tokens, 7);
}

#[tokio::test]
async fn chat_completions_sends_the_documented_body_and_reads_the_tool_call() {
    let recorded = Recorded::default();
    recorded.answers.lock().unwrap().extend([
        (
            StatusCode::OK,
            None,
            fixture("chat_completions_response.json"),
        ),
        (
            StatusCode::TOO_MANY_REQUESTS,
            Some(("retry-after", "2")),
            r#"{"error":{"message":"Rate limit reached","type":"requests"}}"#.to_owned(),
        ),
        (
            StatusCode::BAD_REQUEST,
            None,
            r#"{"error":{"message":"model not found","type":"invalid_request_error"}}"#.to_owned(),
        ),
    ]);
    let base = serve(recorded.clone()).await;
    let openai = llm::openai::OpenAiCompatible::new(
        &format!("{base}/v1"),
        Some("sk-test".into()),
        Duration::from_secs(5),
    );
    let answer = openai.chat(&request("gpt-4o-mini")).await.unwrap();
    let (path, headers, body) = recorded.requests.lock().unwrap()[0].clone();
    assert_eq!(path, "v1/chat/completions");
    assert_eq!(headers["authorization"], "Bearer sk-test");
    assert_eq!(
        body,
        serde_json::from_str::<Value>(&fixture("chat_completions_request.json")).unwrap()
    );
    assert_eq!(answer.stop, StopReason::ToolUse);
    assert_eq!(
        (answer.usage.input_tokens, answer.usage.output_tokens),
        (398, 31)
    );
    assert_eq!(
        answer.answer,
        Answer::Document(
            json!({ "text": "Cold brew season is here. Try ours over ice.", "hashtags": ["#coldbrew"] })
        )
    );
    assert_eq!(
        openai.chat(&request("gpt-4o-mini")).await.unwrap_err(),
        ModelError::Throttled {
            retry_after: Some(Duration::from_secs(2))
        }
    );
    assert!(matches!(
        openai.chat(&request("nope")).await.unwrap_err(),
        ModelError::Refused(message) if message.contains("model not found")
    ));
}

#[tokio::test]
async fn openai_embeddings_come_back_in_input_order() {
    let recorded = Recorded::default();
    recorded.answers.lock().unwrap().extend([(
        StatusCode::OK,
        None,
        fixture("openai_embeddings_response.json"),
    )]);
    let base = serve(recorded.clone()).await;
    let openai =
        llm::openai::OpenAiCompatible::new(&format!("{base}/v1"), None, Duration::from_secs(5));
    let embeddings = openai
        .embed("text-embedding-3-small", &["a".to_owned(), "b".to_owned()])
        .await
        .unwrap();
    let (_, headers, body) = recorded.requests.lock().unwrap()[0].clone();
    assert!(!headers.contains_key("authorization"));
    assert_eq!(
        body,
        json!({ "model": "text-embedding-3-small", "input": ["a", "b"] })
    );
    assert_eq!(embeddings.vectors, vec![vec![1.0, 0.0], vec![0.0, 1.0]]);
    assert_eq!(embeddings.input_tokens, 8);
}
