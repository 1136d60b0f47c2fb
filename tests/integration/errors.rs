//! Whatever goes wrong, the answer is a 4xx/5xx in the one error format, with a request id.

use http::{Method, Request, StatusCode};
use integration_tests::TestApp;

#[tokio::test]
async fn an_unknown_route_is_404_in_the_error_format() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/no-such-thing").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(response.error_code(), "route_not_found");
}

#[tokio::test]
async fn a_wrong_method_is_405_in_the_error_format() {
    let app = TestApp::spawn().await;
    let response = app.call(Method::DELETE, "/api/health", None).await;
    assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.error_code(), "method_not_allowed");
}

#[tokio::test]
async fn a_plain_request_id_from_the_caller_is_echoed_and_a_forged_one_replaced() {
    let app = TestApp::spawn().await;
    let request = |id: &str| {
        Request::get("/api/health")
            .header("x-request-id", id)
            .body(axum::body::Body::empty())
            .unwrap()
    };

    let kept = app.send(request("trace-0123456789")).await;
    assert_eq!(kept.headers["x-request-id"], "trace-0123456789");

    let replaced = app.send(request("evil\", \"level\": \"ERROR")).await;
    let id = replaced.headers["x-request-id"].to_str().unwrap();
    assert!(
        uuid::Uuid::parse_str(id).is_ok(),
        "a generated UUID, not {id}"
    );
}

#[tokio::test]
async fn the_local_server_answers_cors_like_the_gateway() {
    let app = TestApp::spawn().await;
    let preflight = |origin: &str, method: &str, headers: &str| {
        http::Request::builder()
            .method(Method::OPTIONS)
            .uri("/api/posts")
            .header("origin", origin)
            .header("access-control-request-method", method)
            .header("access-control-request-headers", headers)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    // Given the web app's origin, a preflight for a JSON POST with an idempotency key passes
    let allowed = app
        .send(preflight(
            TestApp::APP_ORIGIN,
            "POST",
            "authorization, content-type, idempotency-key",
        ))
        .await;
    assert_eq!(allowed.status, StatusCode::NO_CONTENT);
    assert_eq!(
        allowed.headers["access-control-allow-origin"],
        TestApp::APP_ORIGIN
    );
    assert!(
        allowed.headers["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("idempotency-key")
    );
    // Another origin, or a header the gateway does not allow, gets no CORS headers
    let stranger = app
        .send(preflight("https://evil.example", "POST", "content-type"))
        .await;
    assert!(!stranger.headers.contains_key("access-control-allow-origin"));
    let odd_header = app
        .send(preflight(TestApp::APP_ORIGIN, "POST", "x-custom"))
        .await;
    assert!(
        !odd_header
            .headers
            .contains_key("access-control-allow-origin")
    );
    // And an actual request from the app's origin may read the request id
    let health = app
        .send(
            http::Request::get("/api/health")
                .header("origin", TestApp::APP_ORIGIN)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        health.headers["access-control-allow-origin"],
        TestApp::APP_ORIGIN
    );
    assert!(
        health.headers["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .contains("x-request-id")
    );
}
