//! Extractors whose rejections speak the project's error format (axum's own answer in plain
//! text). Handlers use these instead of axum's `Json`, `Query` and `Path`.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ErrorCode, FieldIssue};

/// A JSON body. Malformed JSON is a 400; a well-formed body with missing, unknown or mistyped
/// fields is a 422 naming each field; a body over the limit is a 413.
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !declares_json(request.headers()) {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "send the body as application/json",
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(ErrorCode::PayloadTooLarge, "the request body is too large")
                } else {
                    ApiError::new(
                        ErrorCode::MalformedRequest,
                        "the request body could not be read",
                    )
                }
            })?;
        parse_json(&bytes).map(Json)
    }
}

fn declares_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// Deserialises JSON, turning serde's error into the error format with the failing field's path.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
    let value = result.map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_syntax() || inner.is_eof() || inner.is_io() {
            return ApiError::new(
                ErrorCode::MalformedRequest,
                format!("the request body is not valid JSON: {inner}"),
            );
        }
        ApiError::validation(vec![field_issue(&path, &inner.to_string())])
    })?;
    deserializer.end().map_err(|e| {
        ApiError::new(
            ErrorCode::MalformedRequest,
            format!("the request body is not valid JSON: {e}"),
        )
    })?;
    Ok(value)
}

/// serde names a missing or unknown field inside its message, at the parent's path.
fn field_issue(path: &str, message: &str) -> FieldIssue {
    // Strip serde_json's " at line 1 column 9" suffix: positions mean nothing to API clients.
    let message = message.split(" at line ").next().unwrap_or(message);
    let parent = if path == "." { "" } else { path };
    for marker in ["missing field `", "unknown field `"] {
        if let Some(rest) = message.strip_prefix(marker) {
            let name = rest.split('`').next().unwrap_or_default();
            // serde_path_to_error already ends an unknown field's path with its name.
            let field = if parent == name || parent.ends_with(&format!(".{name}")) {
                parent.to_owned()
            } else if parent.is_empty() {
                name.to_owned()
            } else {
                format!("{parent}.{name}")
            };
            let issue = if marker.starts_with("missing") {
                "is required".to_owned()
            } else {
                "is not a known field".to_owned()
            };
            return FieldIssue::new(field, issue);
        }
    }
    let field = if parent.is_empty() { "body" } else { parent };
    FieldIssue::new(field, message)
}

/// For `Option<Option<T>>` fields: tells "absent" (`None`) from "null" (`Some(None)`).
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Query-string parameters; a bad parameter is a 422.
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Query(value))
            .map_err(|rejection| {
                ApiError::validation(vec![FieldIssue::new("query", rejection.body_text())])
            })
    }
}

/// Path parameters. An id that does not even parse cannot name an existing resource: 404.
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Path(value))
            .map_err(|_| ApiError::not_found("resource"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Signup {
        email: String,
        profile: Profile,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Profile {
        age: u8,
    }

    fn error_of(json: &str) -> ApiError {
        parse_json::<Signup>(json.as_bytes()).unwrap_err()
    }

    #[test]
    fn broken_json_is_malformed() {
        assert_eq!(error_of("{\"email\":").code, ErrorCode::MalformedRequest);
        let trailing = r#"{"email":"a","profile":{"age":1}} trailing"#;
        assert_eq!(error_of(trailing).code, ErrorCode::MalformedRequest);
    }

    #[test]
    fn missing_unknown_and_mistyped_fields_are_named() {
        let missing = error_of(r#"{"profile":{"age":3}}"#);
        assert_eq!(missing.code, ErrorCode::ValidationFailed);
        assert_eq!(
            missing.details,
            vec![FieldIssue::new("email", "is required")]
        );

        let unknown = error_of(r#"{"email":"a","profile":{"age":3,"shoe":1}}"#);
        assert_eq!(
            unknown.details,
            vec![FieldIssue::new("profile.shoe", "is not a known field")]
        );

        let mistyped = error_of(r#"{"email":"a","profile":{"age":"old"}}"#);
        assert_eq!(mistyped.details[0].field, "profile.age");
        assert!(
            mistyped.details[0].issue.contains("invalid type"),
            "{:?}",
            mistyped.details
        );
    }

    #[test]
    fn json_content_types_are_recognised() {
        let mut headers = HeaderMap::new();
        assert!(!declares_json(&headers));
        headers.insert(
            CONTENT_TYPE,
            "application/json; charset=utf-8".parse().unwrap(),
        );
        assert!(declares_json(&headers));
        headers.insert(
            CONTENT_TYPE,
            "application/merge-patch+json".parse().unwrap(),
        );
        assert!(declares_json(&headers));
        headers.insert(CONTENT_TYPE, "text/plain".parse().unwrap());
        assert!(!declares_json(&headers));
    }
}
