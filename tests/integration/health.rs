//! `GET /api/health` reports each store's reachability and latency, and is 503 when one is down.

use http::StatusCode;
use integration_tests::{TestApp, TestEnv, sdk};
use runtime::AppState;

#[tokio::test]
async fn both_stores_up_answers_200_with_latencies() {
    let app = TestApp::spawn().await;

    let response = app.get("/api/health").await;

    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.body["status"], "ok");
    for store in ["postgres", "dynamodb"] {
        let check = &response.body["checks"][store];
        assert_eq!(check["status"], "up", "{store}: {check}");
        assert!(check["latency_ms"].as_f64().unwrap() >= 0.0);
    }
    assert!(response.headers.contains_key("x-request-id"));
}

#[tokio::test]
async fn a_missing_dynamodb_table_answers_503_naming_dynamodb() {
    let env = TestEnv::new().await;
    let config = env.config_with(|vars| {
        vars.insert("TABLE_NAME".into(), "no-such-table".into());
    });
    let state = AppState::build(config, &sdk()).await.unwrap();
    let app = TestApp::with_state(env, state);

    let response = app.get("/api/health").await;

    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.body["status"], "degraded");
    assert_eq!(response.body["checks"]["dynamodb"]["status"], "down");
    assert_eq!(response.body["checks"]["postgres"]["status"], "up");
    assert!(
        !response.body.to_string().contains("no-such-table"),
        "error detail leaked"
    );
}

#[tokio::test]
async fn an_unreachable_postgres_answers_503_naming_postgres() {
    let env = TestEnv::new().await;
    let config = env.config_with(|vars| {
        // Port 9 (discard) has no Postgres: connections are refused at once.
        vars.insert(
            "DATABASE_URL".into(),
            "postgres://postgres@127.0.0.1:9/none".into(),
        );
    });
    let state = AppState::build(config, &sdk()).await.unwrap();
    let app = TestApp::with_state(env, state);

    let response = app.get("/api/health").await;

    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.body["checks"]["postgres"]["status"], "down");
    assert_eq!(response.body["checks"]["dynamodb"]["status"], "up");
}

#[tokio::test]
async fn the_sample_api_gateway_event_is_served_by_the_health_function_router() {
    let app = TestApp::spawn().await;
    let event = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../events/api-health.json"
    ))
    .expect("events/api-health.json exists");
    let request: lambda_http::request::LambdaRequest =
        serde_json::from_str(&event).expect("the sample event is an API Gateway event");
    let request: lambda_http::Request = request.into();
    let (parts, body) = request.into_parts();
    let request = http::Request::from_parts(parts, axum::body::Body::from(body.to_vec()));

    let response = app.send(request).await;

    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.body["checks"]["postgres"]["status"], "up");
}
