//! The route + documentation builder: each resource module declares its routes through
//! [`Routes::route`], which registers the handler and its documentation together (the method and
//! path are stated once, in [`op`]), and
//! request/response schemas are derived from the Rust types (JSON Schema 2020-12, as OpenAPI 3.1
//! uses). A route cannot be served without being documented. This module knows no resource
//! module; the composition root (`openapi.rs`) lists them.

use std::collections::BTreeMap;

use axum::Router;
use axum::http::Method;

use axum::handler::Handler;
use axum::routing::MethodFilter;
use runtime::AppState;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

type SchemaOf = fn(&mut SchemaGenerator) -> Schema;

fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// One documented operation.
#[derive(Clone)]
pub struct Operation {
    method: Method,
    path: &'static str,
    summary: &'static str,
    public: bool,
    request: Option<SchemaOf>,
    /// Also accepts the body as `text/csv` (bulk scheduling).
    csv_body: bool,
    query: Option<SchemaOf>,
    success: (u16, Option<SchemaOf>),
    /// Another success status answered without a body.
    empty_success: Option<u16>,
    errors: Vec<u16>,
    idempotent: bool,
    /// Honours `Prefer: wait=N`: answers 200 with the same body when the work finished in time.
    waits: bool,
}

/// Starts the documentation of `method path`.
pub fn op(method: Method, path: &'static str, summary: &'static str) -> Operation {
    Operation {
        method,
        path,
        summary,
        public: false,
        request: None,
        csv_body: false,
        query: None,
        success: (200, None),
        empty_success: None,
        errors: Vec::new(),
        idempotent: false,
        waits: false,
    }
}

impl Operation {
    /// Callable without an access token.
    pub fn public(mut self) -> Self {
        self.public = true;
        self
    }

    /// Takes a JSON body of this type.
    pub fn body<T: JsonSchema>(mut self) -> Self {
        self.request = Some(schema_of::<T>);
        self
    }

    /// Also takes its body as CSV (`text/csv`), one row per item.
    pub fn csv_body(mut self) -> Self {
        self.csv_body = true;
        self
    }

    /// Takes query parameters: the fields of this type (a bad one is a 422).
    pub fn query<T: JsonSchema>(mut self) -> Self {
        self.query = Some(schema_of::<T>);
        self.errors.push(422);
        self
    }

    /// Answers `status` with a JSON body of this type.
    pub fn returns<T: JsonSchema>(mut self, status: u16) -> Self {
        self.success = (status, Some(schema_of::<T>));
        self
    }

    /// Answers `status` with no body.
    pub fn returns_nothing(mut self, status: u16) -> Self {
        self.success = (status, None);
        self
    }

    /// Honours `Idempotency-Key`: a retried request gets the first answer again.
    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self.errors.extend([409, 422]);
        self
    }

    /// Honours `Prefer: wait=N` (RFC 7240): answers 200 with the success body when the work
    /// finished within N seconds (at most 25).
    pub fn waits(mut self) -> Self {
        self.waits = true;
        self
    }

    /// Also answers `status` with no body (e.g. 204 beside a 200).
    pub fn also_returns_nothing(mut self, status: u16) -> Self {
        self.empty_success = Some(status);
        self
    }

    /// Error statuses particular to this operation (the common ones are added for all).
    pub fn errors(mut self, statuses: &[u16]) -> Self {
        self.errors.extend_from_slice(statuses);
        self
    }

    pub fn method(&self) -> &Method {
        &self.method
    }

    pub fn path(&self) -> &'static str {
        self.path
    }
}

/// A resource group's routes and their documentation, built together.
pub struct Routes {
    tag: &'static str,
    router: Router<AppState>,
    operations: Vec<Operation>,
}

impl Routes {
    pub fn new(tag: &'static str) -> Self {
        Routes {
            tag,
            router: Router::new(),
            operations: Vec::new(),
        }
    }

    /// Serves `handler` at the operation's method and path: each is stated once, in `op`.
    pub fn route<H, T>(mut self, operation: Operation, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(operation.method.clone()).unwrap_or_else(|_| {
            // Router construction, not a request: every test builds every router.
            panic!("{} cannot be routed", operation.method)
        });
        let handler = axum::routing::on(filter, handler);
        let handler = if operation.idempotent {
            handler.layer(axum::middleware::from_fn(crate::idempotency::honour))
        } else {
            handler
        };
        // The declared rate limit runs first: a refused request does no work at all.
        let handler = match crate::rate_limit::for_route(&operation.method, operation.path) {
            Some(limit) => handler.layer(axum::middleware::from_fn(move |request, next| {
                crate::rate_limit::enforce(limit, request, next)
            })),
            None => handler,
        };
        self.router = self.router.route(operation.path, handler);
        self.operations.push(operation);
        self
    }

    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    pub fn into_router(self, state: AppState) -> Router {
        // Middleware that needs the state (idempotency) finds it in the request's extensions.
        self.router
            .with_state(state.clone())
            .layer(axum::Extension(state))
    }
}

fn path_parameters(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            json!({ "name": name, "in": "path", "required": true,
                    "schema": { "type": "string", "format": "uuid" } })
        })
        .collect()
}

/// The fields of a query type, as query parameters.
fn query_parameters(generator: &mut SchemaGenerator, schema_of: SchemaOf) -> Vec<Value> {
    let reference = schema_of(generator);
    let name = reference
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
        .map(str::to_owned);
    let Some(definition) = name.and_then(|n| generator.definitions().get(&n).cloned()) else {
        return Vec::new();
    };
    let required: Vec<&str> = definition
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    definition
        .get("properties")
        .and_then(Value::as_object)
        .map(|properties| {
            properties
                .iter()
                .map(|(name, schema)| {
                    let mut schema = schema.clone();
                    let description = schema.as_object_mut().and_then(|s| s.remove("description"));
                    let mut parameter = json!({
                        "name": name, "in": "query",
                        "required": required.contains(&name.as_str()),
                        "schema": schema,
                    });
                    if let Some(description) = description {
                        parameter["description"] = description;
                    }
                    parameter
                })
                .collect()
        })
        .unwrap_or_default()
}

fn reason(status: u16) -> &'static str {
    axum::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Response")
}

/// Builds the document.
pub fn document(groups: &[Routes]) -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|settings| {
            settings.definitions_path = "/components/schemas".into();
            settings.meta_schema = None;
        })
        .into_generator();
    let error_schema = generator.subschema_for::<crate::error::ErrorBodySchema>();
    let mut paths: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    for group in groups {
        for operation in &group.operations {
            let mut responses = Map::new();
            let (status, body) = operation.success;
            let mut success = json!({ "description": reason(status) });
            if let Some(schema_of) = body {
                success["content"] =
                    json!({ "application/json": { "schema": schema_of(&mut generator) } });
            }
            responses.insert(status.to_string(), success);
            if operation.waits
                && let Some(schema_of) = body
            {
                responses.insert(
                    "200".to_owned(),
                    json!({
                        "description": "Finished within the wait asked for with `Prefer: wait=N`",
                        "content": { "application/json": { "schema": schema_of(&mut generator) } },
                    }),
                );
            }
            if let Some(status) = operation.empty_success {
                responses.insert(status.to_string(), json!({ "description": reason(status) }));
            }
            let mut errors = operation.errors.clone();
            errors.extend([429, 500, 503]);
            if operation.request.is_some() {
                errors.extend([400, 413, 415, 422]);
            }
            if !operation.public {
                // Signed out, or signed in without the role (or a confirmed email) it needs.
                errors.extend([401, 403]);
            }
            if operation.path.contains('{') {
                errors.push(404);
            }
            errors.sort_unstable();
            errors.dedup();
            for status in errors {
                responses.insert(
                    status.to_string(),
                    json!({ "$ref": "#/components/responses/Error" }),
                );
            }
            let method = operation.method.as_str().to_ascii_lowercase();
            let mut entry = json!({
                "operationId": format!("{method}{}", operation.path.replace(['/', '-', '{', '}'], "_")),
                "summary": operation.summary,
                "tags": [group.tag],
                "security": if operation.public { json!([]) } else { json!([{ "bearerAuth": [] }]) },
                "responses": responses,
            });
            let mut parameters = path_parameters(operation.path);
            if let Some(schema_of) = operation.query {
                parameters.extend(query_parameters(&mut generator, schema_of));
            }
            if operation.path.starts_with("/api/auth/") {
                parameters.push(json!({
                    "name": "X-Client", "in": "header", "required": false,
                    "description": "`web` from the browser app: the refresh token is then set in an HttpOnly, SameSite=Strict cookie scoped to /api/auth (and left out of the body), and `POST /api/auth/refresh` with `{}` uses that cookie. A cookie is honoured only with this header.",
                    "schema": { "type": "string", "enum": ["web"] },
                }));
            }
            if operation.csv_body {
                parameters.push(json!({
                    "name": "X-All-Or-Nothing", "in": "header", "required": false,
                    "description": "With a CSV body: `true` creates nothing unless every row is valid (a JSON body says `all_or_nothing` instead).",
                    "schema": { "type": "string", "enum": ["true", "false"] },
                }));
            }
            if operation.waits {
                parameters.push(json!({
                    "name": "Prefer", "in": "header", "required": false,
                    "description": "`wait=N` (RFC 7240, N at most 25): wait up to N seconds for the task and answer 200 with its result when it finished in time (else 202, with `Location` to poll).",
                    "schema": { "type": "string", "maxLength": 100 },
                }));
            }
            if operation.idempotent {
                parameters.push(json!({
                    "name": "Idempotency-Key", "in": "header", "required": false,
                    "description": "Any unique value (a UUID): a retry with the same key within 24 hours gets the first answer again, with `Idempotency-Replayed: true`, instead of acting twice.",
                    "schema": { "type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$" },
                }));
            }
            if !parameters.is_empty() {
                entry["parameters"] = Value::Array(parameters);
            }
            if let Some(schema_of) = operation.request {
                let mut content =
                    json!({ "application/json": { "schema": schema_of(&mut generator) } });
                if operation.csv_body {
                    content["text/csv"] = json!({
                        "schema": { "type": "string", "description": "A header row, then one row per post: content, social_account_ids (separated by `;`), local_time, timezone, title (optional). Quote fields that hold commas." },
                        "example": "content,social_account_ids,local_time,timezone,title\n\"Hello, world\",0190f5b2-7c3e-7a51-9d2b-5a8e3c1f4d20,2030-01-01T09:00,Europe/Paris,Launch\n",
                    });
                }
                entry["requestBody"] = json!({ "required": true, "content": content });
            }
            paths
                .entry(operation.path)
                .or_default()
                .insert(method, entry);
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Social media management platform API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Every error answers with the Error response: a stable machine `code`, a message, and per-field details.",
        },
        "paths": paths,
        "components": {
            "schemas": generator.take_definitions(true),
            "responses": {
                "Error": {
                    "description": "An error in the platform's one error format",
                    "content": { "application/json": { "schema": error_schema } },
                    "headers": {
                        "Retry-After": { "description": "Seconds to wait (429 and 503)", "schema": { "type": "integer" } },
                    },
                },
            },
            "securitySchemes": {
                "bearerAuth": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" },
            },
        },
    })
}
