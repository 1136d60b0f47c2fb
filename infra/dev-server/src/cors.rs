//! CORS as API Gateway serves it in AWS, read from the HTTP API's `CorsConfiguration` in
//! template.yaml, so a browser app on another local origin (Vite's dev server) behaves exactly as
//! it will against the deployed API. Only the allowed origins differ: locally they come from
//! `DEV_ALLOWED_ORIGINS` (default: Vite's `http://localhost:5173` and `http://127.0.0.1:5173`).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

const TEMPLATE: &str = include_str!("../../../template.yaml");

/// What the gateway allows, as the template declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsPolicy {
    pub allowed_origins: Vec<String>,
    pub allow_headers: Vec<String>,
    pub allow_methods: Vec<String>,
    pub expose_headers: Vec<String>,
    pub allow_credentials: bool,
    pub max_age_secs: u32,
}

fn list(block: &str, key: &str) -> Vec<String> {
    block
        .lines()
        .find_map(|line| line.trim().strip_prefix(&format!("{key}:")))
        .map(|value| {
            value
                .trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .split(',')
                .map(|v| v.trim().to_ascii_lowercase())
                .filter(|v| !v.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

impl CorsPolicy {
    /// The HTTP API's policy from template.yaml, with the local origins.
    pub fn from_template(allowed_origins: Vec<String>) -> CorsPolicy {
        let start = TEMPLATE
            .find("CorsConfiguration:\n        AllowOrigins")
            .expect("template.yaml configures CORS on the HTTP API");
        let block: String = TEMPLATE[start..]
            .lines()
            .take(7)
            .collect::<Vec<_>>()
            .join("\n");
        CorsPolicy {
            allowed_origins,
            allow_headers: list(&block, "AllowHeaders"),
            allow_methods: list(&block, "AllowMethods")
                .into_iter()
                .map(|m| m.to_ascii_uppercase())
                .collect(),
            expose_headers: list(&block, "ExposeHeaders"),
            allow_credentials: block.lines().any(|l| l.trim() == "AllowCredentials: true"),
            max_age_secs: block
                .lines()
                .find_map(|l| l.trim().strip_prefix("MaxAge:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0),
        }
    }

    /// The local policy: origins from `DEV_ALLOWED_ORIGINS`, comma-separated.
    pub fn local() -> CorsPolicy {
        let origins = std::env::var("DEV_ALLOWED_ORIGINS")
            .unwrap_or_else(|_| "http://localhost:5173,http://127.0.0.1:5173".to_owned());
        CorsPolicy::from_template(
            origins
                .split(',')
                .map(|o| o.trim().trim_end_matches('/').to_owned())
                .filter(|o| !o.is_empty())
                .collect(),
        )
    }

    fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|o| o == "*" || o == origin)
    }

    fn preflight(&self, origin: &str, headers: &HeaderMap) -> Response {
        let method_allowed = headers
            .get(header::ACCESS_CONTROL_REQUEST_METHOD)
            .and_then(|m| m.to_str().ok())
            .is_some_and(|m| self.allow_methods.iter().any(|a| a.eq_ignore_ascii_case(m)));
        let requested_headers: Vec<String> = headers
            .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .and_then(|h| h.to_str().ok())
            .map(|h| {
                h.split(',')
                    .map(|v| v.trim().to_ascii_lowercase())
                    .filter(|v| !v.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let headers_allowed = requested_headers
            .iter()
            .all(|h| self.allow_headers.contains(h));
        let mut response = StatusCode::NO_CONTENT.into_response();
        // Like the gateway: a preflight it does not allow gets no CORS headers, so the browser
        // refuses the request.
        if self.allows_origin(origin) && method_allowed && headers_allowed {
            let out = response.headers_mut();
            insert(out, header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            insert(
                out,
                header::ACCESS_CONTROL_ALLOW_METHODS,
                &self.allow_methods.join(","),
            );
            insert(
                out,
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                &self.allow_headers.join(","),
            );
            insert(
                out,
                header::ACCESS_CONTROL_MAX_AGE,
                &self.max_age_secs.to_string(),
            );
            if self.allow_credentials {
                insert(out, header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
            }
            out.append(header::VARY, HeaderValue::from_static("origin"));
        }
        response
    }
}

fn insert(headers: &mut HeaderMap, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

/// The middleware: answers preflights, and marks allowed cross-origin answers.
pub async fn apply(
    State(policy): State<CorsPolicy>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .map(str::to_owned);
    let Some(origin) = origin else {
        return next.run(request).await;
    };
    if request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        return policy.preflight(&origin, request.headers());
    }
    let mut response = next.run(request).await;
    if policy.allows_origin(&origin) {
        let out = response.headers_mut();
        insert(out, header::ACCESS_CONTROL_ALLOW_ORIGIN, &origin);
        if !policy.expose_headers.is_empty() {
            insert(
                out,
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                &policy.expose_headers.join(","),
            );
        }
        if policy.allow_credentials {
            insert(out, header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
        out.append(header::VARY, HeaderValue::from_static("origin"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_is_the_one_template_yaml_deploys() {
        let policy = CorsPolicy::from_template(vec!["http://localhost:5173".into()]);
        assert!(policy.allow_headers.contains(&"idempotency-key".to_owned()));
        assert!(policy.allow_headers.contains(&"authorization".to_owned()));
        assert!(policy.allow_methods.contains(&"DELETE".to_owned()));
        assert!(policy.expose_headers.contains(&"retry-after".to_owned()));
        assert!(policy.max_age_secs > 0);
        assert!(policy.allow_headers.contains(&"x-client".to_owned()));
        assert!(policy.allow_credentials);
    }
}
