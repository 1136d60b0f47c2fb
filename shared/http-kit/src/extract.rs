//! Extractors whose rejections speak the project's error format (axum's own answer in plain
//! text). Handlers use these instead of axum's `Json`, `Query` and `Path`.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

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
        let RawBody(bytes) = RawBody::from_request(request, state).await?;
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

/// Deserialises JSON into `T`. Broken JSON is a 400; otherwise every wrong field is reported at
/// once (not just the first serde meets), each named by its path, in our words.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        // Positions mean nothing to API clients, and serde's wording is not ours.
        let what = if e.is_eof() {
            "it ends too early"
        } else {
            "it has a syntax error"
        };
        ApiError::new(
            ErrorCode::MalformedRequest,
            format!("the request body is not valid JSON: {what}"),
        )
    })?;
    // Postgres cannot store a NUL character in text: refuse it here, by field, for every body.
    let mut nul = Vec::new();
    fields_with_nul(&value, String::new(), &mut nul);
    if !nul.is_empty() {
        return Err(ApiError::validation(
            nul.into_iter()
                .map(|field| FieldIssue::new(field, NUL_ISSUE))
                .collect(),
        ));
    }
    let first = match typed::<T>(&value) {
        Ok(typed) => return Ok(typed),
        Err(error) => error,
    };
    Err(ApiError::validation(every_issue::<T>(value, first)))
}

const NUL_ISSUE: &str = "must not contain NUL characters";

fn fields_with_nul(value: &Value, path: String, found: &mut Vec<String>) {
    let name = |path: &str| {
        if path.is_empty() {
            "body".to_owned()
        } else {
            path.to_owned()
        }
    };
    match value {
        Value::String(text) if text.contains('\0') => found.push(name(&path)),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                fields_with_nul(item, format!("{path}[{i}]"), found);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                if key.contains('\0') {
                    found.push(name(&path));
                    continue;
                }
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                fields_with_nul(item, child, found);
            }
        }
        _ => {}
    }
}

type PathError = serde_path_to_error::Error<serde_json::Error>;

fn typed<T: DeserializeOwned>(value: &Value) -> Result<T, PathError> {
    serde_path_to_error::deserialize(value)
}

/// Records the first issue, repairs the value at that place (drop an unknown field, put a
/// stand-in where a value is missing or of the wrong type), and tries again, so one request
/// learns about all its mistakes. Issues below an already reported field are not repeated.
fn every_issue<T: DeserializeOwned>(mut value: Value, first: PathError) -> Vec<FieldIssue> {
    let mut issues: Vec<FieldIssue> = Vec::new();
    let mut error = first;
    for _ in 0..64 {
        let segments: Vec<Segment> = error.path().iter().map(Segment::from).collect();
        let message = error.inner().to_string();
        let issue = field_issue(&error.path().to_string(), &message);
        let covered = issues.iter().any(|known| {
            issue.field == known.field
                || issue.field.starts_with(&format!("{}.", known.field))
                || issue.field.starts_with(&format!("{}[", known.field))
        });
        if !covered {
            issues.push(issue);
        }
        if !repair::<T>(&mut value, &segments, &message) {
            break;
        }
        match typed::<T>(&value) {
            Ok(_) => break,
            Err(next) => error = next,
        }
    }
    issues
}

#[derive(Debug, Clone)]
enum Segment {
    Index(usize),
    Key(String),
}

impl From<&serde_path_to_error::Segment> for Segment {
    fn from(segment: &serde_path_to_error::Segment) -> Self {
        match segment {
            serde_path_to_error::Segment::Seq { index } => Segment::Index(*index),
            serde_path_to_error::Segment::Map { key } => Segment::Key(key.clone()),
            serde_path_to_error::Segment::Enum { variant } => Segment::Key(variant.clone()),
            serde_path_to_error::Segment::Unknown => Segment::Key(String::new()),
        }
    }
}

fn at<'a>(value: &'a mut Value, segments: &[Segment]) -> Option<&'a mut Value> {
    segments.iter().try_fold(value, |v, segment| match segment {
        Segment::Index(i) => v.get_mut(*i),
        Segment::Key(k) => v.get_mut(k.as_str()),
    })
}

/// Stand-ins tried in turn for a missing or mistyped value: the first that moves the error
/// elsewhere stays. An enum's first expected variant is tried first.
fn stand_ins(message: &str) -> Vec<Value> {
    let mut candidates = Vec::new();
    if let Some(expected) = message.split("expected one of `").nth(1)
        && let Some(variant) = expected.split('`').next()
    {
        candidates.push(Value::String(variant.to_owned()));
    }
    candidates.extend([
        Value::String("00000000-0000-0000-0000-000000000000".into()),
        Value::String("2000-01-01T00:00:00Z".into()),
        Value::String("x".into()),
        Value::from(0),
        Value::Bool(false),
        Value::Array(Vec::new()),
        Value::Object(serde_json::Map::new()),
        Value::Null,
    ]);
    candidates
}

fn repair<T: DeserializeOwned>(value: &mut Value, segments: &[Segment], message: &str) -> bool {
    // Still failing at the same place for the same reason: the stand-in did not help.
    let kind = error_kind(message);
    let same_error = |v: &Value| {
        typed::<T>(v).err().is_some_and(|e| {
            e.path().to_string() == path_string(segments)
                && error_kind(&e.inner().to_string()) == kind
        })
    };
    if let Some(name) = quoted_after(message, "unknown field `") {
        let target = if matches!(segments.last(), Some(Segment::Key(k)) if *k == name) {
            &segments[..segments.len() - 1]
        } else {
            segments
        };
        return at(value, target)
            .and_then(Value::as_object_mut)
            .is_some_and(|object| object.remove(&name).is_some());
    }
    let (parent, key) = match quoted_after(message, "missing field `") {
        Some(name) => (segments.to_vec(), Segment::Key(name)),
        None => match segments.split_last() {
            Some((last, parent)) => (parent.to_vec(), last.clone()),
            // The body itself has the wrong shape: nothing to repair.
            None => return false,
        },
    };
    for candidate in stand_ins(message) {
        let mut attempt = value.clone();
        let placed = match (at(&mut attempt, &parent), &key) {
            (Some(Value::Object(object)), Segment::Key(k)) => {
                object.insert(k.clone(), candidate);
                true
            }
            (Some(Value::Array(items)), Segment::Index(i)) if *i < items.len() => {
                items[*i] = candidate;
                true
            }
            _ => false,
        };
        if placed && !same_error(&attempt) {
            *value = attempt;
            return true;
        }
    }
    false
}

/// What kind of error a serde message is, without the offending value: a missing field keeps
/// its name (another missing field is another error).
fn error_kind(message: &str) -> String {
    if message.starts_with("missing field") {
        return message
            .split(" at line ")
            .next()
            .unwrap_or(message)
            .to_owned();
    }
    message
        .split([':', ','])
        .next()
        .unwrap_or(message)
        .to_owned()
}

fn path_string(segments: &[Segment]) -> String {
    if segments.is_empty() {
        return ".".to_owned();
    }
    let mut out = String::new();
    for segment in segments {
        match segment {
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
            Segment::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
        }
    }
    out
}

fn quoted_after(message: &str, marker: &str) -> Option<String> {
    message
        .split(marker)
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .map(str::to_owned)
}

/// serde's wording, in ours.
fn in_our_words(message: &str) -> String {
    let message = message.split(" at line ").next().unwrap_or(message);
    if let Some(expected) = message.split("expected one of ").nth(1) {
        let options: Vec<&str> = expected
            .split('`')
            .enumerate()
            .filter(|(i, _)| i % 2 == 1)
            .map(|(_, v)| v)
            .collect();
        return format!("must be one of: {}", options.join(", "));
    }
    if message.starts_with("UUID parsing failed") || message.contains("expected UUID") {
        return "must be a UUID".to_owned();
    }
    if let Some(expected) = message.split(", expected ").nth(1) {
        let expected = expected.trim();
        let wanted = match expected {
            "a string" | "a borrowed string" => "a string",
            "a boolean" => "true or false",
            "a sequence" => "a list",
            "f64" | "f32" => "a number",
            e if e.starts_with('u') || e.starts_with('i') => "a whole number in range",
            e if e.starts_with("struct") || e.starts_with("a map") => "an object",
            e if e.contains("RFC 3339") || e.contains("date") => "an RFC 3339 date-time",
            other => other,
        };
        return format!("must be {wanted}");
    }
    if message.contains("premature end of input")
        || message.contains("input contains invalid characters")
        || message.contains("trailing input")
    {
        return "must be an RFC 3339 date-time (like 2030-01-31T09:00:00Z)".to_owned();
    }
    message.to_owned()
}

/// serde names a missing or unknown field inside its message, at the parent's path.
fn field_issue(path: &str, message: &str) -> FieldIssue {
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
    FieldIssue::new(field, in_our_words(message))
}

/// For `Option<Option<T>>` fields: tells "absent" (`None`) from "null" (`Some(None)`).
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A raw body (CSV, or JSON parsed by the handler); too large is a 413 in the error format.
pub struct RawBody(pub Bytes);

impl<S> FromRequest<S> for RawBody
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        Bytes::from_request(request, state)
            .await
            .map(RawBody)
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(ErrorCode::PayloadTooLarge, "the request body is too large")
                } else {
                    ApiError::new(
                        ErrorCode::MalformedRequest,
                        "the request body could not be read",
                    )
                }
            })
    }
}

/// Query-string parameters; a bad parameter is a 422.
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or_default()).map(Query)
    }
}

/// Query parameters into `T`: every bad parameter is reported at once, in our words.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let mut issues: Vec<FieldIssue> = pairs
        .iter()
        .filter(|(k, v)| k.contains('\0') || v.contains('\0'))
        .map(|(k, _)| FieldIssue::new(k.replace('\0', ""), NUL_ISSUE))
        .collect();
    pairs.retain(|(k, v)| !k.contains('\0') && !v.contains('\0'));
    for _ in 0..32 {
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&pairs)
            .finish();
        let deserializer =
            serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(encoded.as_bytes()));
        match serde_path_to_error::deserialize::<_, T>(deserializer) {
            Ok(value) if issues.is_empty() => return Ok(value),
            Ok(_) => break,
            Err(error) => {
                let issue = field_issue(&error.path().to_string(), &error.inner().to_string());
                let named = issue.field.clone();
                let known = issues.iter().any(|i| i.field == named);
                if !known {
                    issues.push(issue);
                }
                // Drop the offending parameter and look for more; a missing one cannot be
                // dropped, so stop there.
                let before = pairs.len();
                pairs.retain(|(k, _)| *k != named);
                if known || pairs.len() == before {
                    break;
                }
            }
        }
    }
    Err(ApiError::validation(issues))
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
        assert_eq!(mistyped.details[0].issue, "must be a whole number in range");
    }

    #[test]
    fn every_wrong_field_is_reported_at_once_in_our_words() {
        let error = error_of(r#"{"profile":{"age":"old","shoe":1}}"#);
        let mut fields: Vec<(String, String)> = error
            .details
            .iter()
            .map(|d| (d.field.clone(), d.issue.clone()))
            .collect();
        fields.sort();
        assert_eq!(
            fields,
            vec![
                ("email".to_owned(), "is required".to_owned()),
                (
                    "profile.age".to_owned(),
                    "must be a whole number in range".to_owned()
                ),
                ("profile.shoe".to_owned(), "is not a known field".to_owned()),
            ]
        );
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Window {
        from: chrono::DateTime<chrono::Utc>,
        limit: Option<u16>,
        status: Option<domain::PostStatus>,
    }

    #[test]
    fn every_bad_query_parameter_is_reported_in_our_words() {
        let error = parse_query::<Window>("limit=lots&status=gone").unwrap_err();
        assert_eq!(error.code, ErrorCode::ValidationFailed);
        let fields: Vec<&str> = error.details.iter().map(|d| d.field.as_str()).collect();
        assert!(fields.contains(&"limit"), "{:?}", error.details);
        assert!(fields.contains(&"status"), "{:?}", error.details);
        assert!(fields.contains(&"from"), "{:?}", error.details);
        for detail in &error.details {
            assert!(!detail.issue.contains("deserialize"), "{detail:?}");
            assert!(!detail.issue.contains('`'), "{detail:?}");
        }
        let from = error.details.iter().find(|d| d.field == "from").unwrap();
        assert_eq!(from.issue, "is required");
        let ok = parse_query::<Window>("from=2030-01-01T00:00:00Z&limit=5").unwrap();
        assert_eq!(ok.limit, Some(5));
    }

    #[test]
    fn nul_characters_are_refused_by_field_in_bodies_and_queries() {
        let error = error_of("{\"email\":\"a\\u0000b\",\"profile\":{\"age\":3}}");
        assert_eq!(
            error.details,
            vec![FieldIssue::new("email", "must not contain NUL characters")]
        );
        let query = parse_query::<Window>("from=2030-01-01T00:00:00Z&search=%00").unwrap_err();
        assert_eq!(query.details[0].field, "search");
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
