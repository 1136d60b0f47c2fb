use std::time::Instant;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use lambda_http::RequestExt;
use tracing::Instrument;

pub(crate) const REQUEST_ID_HEADER: &str = "x-request-id";

/// The id that ties a request's log lines together; also echoed in the `x-request-id` header.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// A caller-supplied id is kept only if it is short and plain, so it cannot forge log content.
fn acceptable(id: &str) -> bool {
    (8..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn request_id_of(request: &Request) -> String {
    request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|id| acceptable(id))
        .map(str::to_owned)
        // In Lambda: the invocation's request id, the one CloudWatch and X-Ray show.
        .or_else(|| {
            request
                .lambda_context_ref()
                .map(|ctx| ctx.request_id.clone())
        })
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

pub(crate) async fn trace_request(mut request: Request, next: Next) -> Response {
    let id = request_id_of(&request);
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        path = %request.uri().path(),
    );
    request.extensions_mut().insert(RequestId(id.clone()));
    async move {
        let started = Instant::now();
        let mut response = next.run(request).await;
        let status = response.status().as_u16();
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        if status >= 500 {
            tracing::warn!(status, elapsed_ms, "request failed");
        } else {
            tracing::info!(status, elapsed_ms, "request served");
        }
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert(REQUEST_ID_HEADER, value);
        }
        response
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_ids_of_sane_length_are_trusted() {
        assert!(acceptable("0b5c2f4e-7a1d-4c1b-9d2e-3f4a5b6c7d8e"));
        assert!(!acceptable("short"));
        assert!(!acceptable("has space in it"));
        assert!(!acceptable(&"x".repeat(65)));
        assert!(!acceptable("line\nbreak-injected"));
    }
}
