//! Test support: every test gets its own database (cloned from a migrated template), its own
//! DynamoDB table, bucket and secret on the local AWS endpoint, and an app built exactly as a
//! function's `main` builds it. Run through `cargo xtask test`, which provides the stack.

use std::collections::HashMap;

use axum::Router;
use axum::body::Body;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use runtime::{AppState, Config};
use serde_json::Value;
use store::tokio_postgres::{self, NoTls};
use tokio::sync::{Mutex, OnceCell};
use tower::ServiceExt;

pub use dev_server::local_stack;

mod api;
mod live_client;
pub use api::{Api, auth};
pub use live_client::{Ended, LiveClient};

/// A required variable of the test environment; the message says how to get one.
pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the integration tests with `cargo xtask test`")
    })
}

fn admin_url() -> String {
    std::env::var("TEST_ADMIN_DATABASE_URL").unwrap_or_else(|_| env("DATABASE_URL"))
}

/// A URL for another database on the same server.
pub fn database_url(database: &str) -> String {
    let mut url = url_without_path(&admin_url());
    url.push('/');
    url.push_str(database);
    url
}

fn url_without_path(url: &str) -> String {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    match url[scheme_end..].find('/') {
        Some(slash) => url[..scheme_end + slash].to_owned(),
        None => url.to_owned(),
    }
}

/// Runs SQL on the server's maintenance database.
pub async fn admin_sql(sql: &str) {
    let (client, connection) = tokio_postgres::connect(&admin_url(), NoTls)
        .await
        .expect("the test Postgres server is reachable");
    let task = tokio::spawn(connection);
    client
        .batch_execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    drop(client);
    let _ = task.await;
}

/// A connection to one database, for tests that inspect or seed it directly.
pub async fn connect(database: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&database_url(database), NoTls)
        .await
        .expect("the test database is reachable");
    tokio::spawn(connection);
    client
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();
static CLONING: Mutex<()> = Mutex::const_new(());

/// The migrated template every test database is cloned from (migrated once per test run).
async fn template() -> &'static str {
    TEMPLATE
        .get_or_init(|| async {
            let name = format!("itest_template_{}", std::process::id());
            admin_sql(&format!("CREATE DATABASE {name}")).await;
            let mut client = connect(&name).await;
            store::migrate(&mut client)
                .await
                .expect("migrations apply to an empty database");
            name
        })
        .await
}

/// A fresh, migrated database of its own.
pub async fn fresh_database() -> String {
    let template = template().await;
    let name = format!("itest_{}", uuid::Uuid::new_v4().simple());
    let _serialised = CLONING.lock().await;
    admin_sql(&format!("CREATE DATABASE {name} TEMPLATE {template}")).await;
    name
}

/// A fresh, empty database (no migrations), for migration tests.
pub async fn empty_database() -> String {
    let name = format!("itest_{}", uuid::Uuid::new_v4().simple());
    admin_sql(&format!("CREATE DATABASE {name}")).await;
    name
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// The AWS SDK configuration of the local endpoint (from the environment, as in production).
pub fn sdk() -> cloud::SdkConfig {
    env("AWS_ENDPOINT_URL");
    cloud::load_sdk_config()
}

const SENDER: &str = "no-reply@itest.local";

/// Names and URLs one test's app is configured with.
#[derive(Debug, Clone)]
pub struct TestEnv {
    pub database: String,
    pub database_url: String,
    pub table: String,
    pub bucket: String,
    pub secret_id: String,
    /// This test's own platform sandbox.
    pub sandbox_url: String,
    /// …and its state, for what only the process that runs it can do (issuing tokens).
    pub sandbox: platform_sandbox::Sandbox,
    /// This test's own model sandbox (Bedrock Converse and embeddings)…
    pub models_url: String,
    /// …and its handle (faults, latency, call counts).
    pub models: model_sandbox::ModelSandbox,
    /// This test's own queues (publishing lanes, reports, agents).
    pub queues: local_stack::ProvisionedQueues,
}

/// Sends the whole run's logs (JSON lines, our crates at debug) to `$TEST_LOG_FILE`, which
/// `cargo xtask test` scans afterwards for any secret or token the tests used.
pub fn capture_logs() {
    static CAPTURE: std::sync::Once = std::sync::Once::new();
    CAPTURE.call_once(|| {
        let Some(path) = std::env::var_os("TEST_LOG_FILE") else {
            return;
        };
        let Ok(file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        else {
            return;
        };
        let filter = tracing_subscriber::EnvFilter::new(
            "info,api=debug,platforms=debug,runtime=debug,store=debug,kv=debug,cloud=debug,dev_server=debug",
        );
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .try_init();
    });
}

impl TestEnv {
    /// Provisions a database, table, bucket and secret of this test's own.
    pub async fn new() -> TestEnv {
        capture_logs();
        let database = fresh_database().await;
        let (sandbox_url, sandbox) = platform_sandbox::spawn(0)
            .await
            .expect("the platform sandbox starts");
        let aws = cloud::AwsClients::new(&sdk());
        let (models_url, models) = model_sandbox::spawn(0)
            .await
            .expect("the model sandbox starts");
        // The publishing lanes, the reports queue and the queues of the agents that run.
        let consumed: Vec<&str> = agents::worker::CONSUMED
            .iter()
            .map(|a| cloud::QueueSpec::for_agent(*a).name)
            .collect();
        let queues: Vec<cloud::QueueSpec> = cloud::QUEUES
            .iter()
            .filter(|q| {
                q.arn_env.is_some() || q.name == "analytics-reports" || consumed.contains(&q.name)
            })
            .copied()
            .collect();
        let queues = local_stack::create_queues(&aws, &format!("{}-", unique("itest")), &queues)
            .await
            .unwrap();
        let env = TestEnv {
            queues,
            sandbox_url,
            sandbox,
            models_url,
            models,
            database_url: database_url(&database),
            database,
            table: unique("itest"),
            bucket: unique("itest"),
            secret_id: unique("itest/app"),
        };
        local_stack::create_table(&aws, &env.table).await.unwrap();
        local_stack::create_bucket(&aws, &env.bucket).await.unwrap();
        local_stack::create_secret(&aws, &env.secret_id)
            .await
            .unwrap();
        local_stack::verify_sender(&aws, SENDER).await.unwrap();
        env
    }

    /// The function configuration for this test's resources, as environment variables.
    pub fn vars(&self) -> HashMap<String, String> {
        let mut vars = HashMap::from([
            ("APP_ENV".into(), "local".into()),
            ("DATABASE_URL".into(), self.database_url.clone()),
            ("TABLE_NAME".into(), self.table.clone()),
            ("MEDIA_BUCKET".into(), self.bucket.clone()),
            ("APP_SECRET_ID".into(), self.secret_id.clone()),
            ("EMAIL_FROM".into(), SENDER.into()),
            ("APP_BASE_URL".into(), "https://app.example.test".into()),
            ("API_BASE_URL".into(), "https://api.example.test".into()),
            ("PLATFORM_SANDBOX_URL".into(), self.sandbox_url.clone()),
            ("MODEL_SANDBOX_URL".into(), self.models_url.clone()),
            // The pool size that template.yaml deploys, not a roomier one.
            (
                "DB_MAX_CONNECTIONS".into(),
                local_stack::deployed_db_max_connections().to_string(),
            ),
        ]);
        vars.extend(
            self.queues
                .env_vars()
                .map(|(name, value)| (name.to_owned(), value)),
        );
        vars
    }

    pub fn config(&self) -> Config {
        self.config_with(|_| {})
    }

    /// The configuration with some variables changed (e.g. pointing at a missing table).
    pub fn config_with(&self, change: impl FnOnce(&mut HashMap<String, String>)) -> Config {
        let mut vars = self.vars();
        change(&mut vars);
        Config::from_lookup(|name| vars.get(name).cloned())
            .expect("the test configuration is valid")
    }

    pub async fn state(&self) -> AppState {
        AppState::build(self.config(), &sdk())
            .await
            .expect("the app state builds")
    }
}

/// An app as a function serves it, plus the state behind it.
pub struct TestApp {
    pub env: TestEnv,
    pub state: AppState,
    pub router: Router,
}

impl TestApp {
    /// Given a fresh environment, the app that the dev server serves (every router).
    pub async fn spawn() -> TestApp {
        let env = TestEnv::new().await;
        let state = env.state().await;
        TestApp::with_state(env, state)
    }

    /// The web app's origin in tests (the one CORS allows).
    pub const APP_ORIGIN: &'static str = "https://app.example.test";

    pub fn with_state(env: TestEnv, state: AppState) -> TestApp {
        // As in the dev server: the live feed's sockets are held in-process, and everything
        // the test does through `state` pushes to them.
        let state = state.with_local_sockets(cloud::LocalSockets::default());
        let cors = dev_server::cors::CorsPolicy::from_template(vec![Self::APP_ORIGIN.into()]);
        let router = dev_server::app(state.clone(), cors);
        TestApp { env, state, router }
    }

    /// Serves the app on a loopback port (for WebSocket clients); returns its address.
    pub async fn listen(&self) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap();
        let address = listener.local_addr().unwrap();
        let service = self
            .router
            .clone()
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, service).await });
        address
    }

    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                panic!("the body is not JSON: {}", String::from_utf8_lossy(&bytes))
            })
        };
        TestResponse {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> TestResponse {
        self.call_as(None, method, path, body).await
    }

    /// A request with a bearer token (when given) and a JSON body (when given).
    pub async fn call_as(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> TestResponse {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header("user-agent", "integration-tests/1.0")
            .header("x-forwarded-for", "198.51.100.7");
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        let request = match body {
            Some(json) => builder
                .header("content-type", "application/json")
                .body(Body::from(json.to_string())),
            None => builder.body(Body::empty()),
        };
        self.send(request.unwrap()).await
    }
}

/// The agent functions' event sources, as the dev server runs them: every consumed agent's
/// queue drained in the background until this is dropped.
pub struct AgentRunner(Vec<tokio::task::JoinHandle<()>>);

impl Drop for AgentRunner {
    fn drop(&mut self) {
        for handle in &self.0 {
            handle.abort();
        }
    }
}

impl TestApp {
    pub fn run_agents(&self) -> AgentRunner {
        AgentRunner(
            agents::worker::CONSUMED
                .iter()
                .map(|agent| {
                    let state = self.state.clone();
                    let agent = *agent;
                    tokio::spawn(async move {
                        loop {
                            match agents::worker::drain(&state, agent).await {
                                Ok(0) | Err(_) => {
                                    tokio::time::sleep(std::time::Duration::from_millis(50)).await
                                }
                                Ok(_) => {}
                            }
                        }
                    })
                })
                .collect(),
        )
    }

    /// A request with extra headers.
    pub async fn call_with(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header("user-agent", "integration-tests/1.0")
            .header("x-forwarded-for", "198.51.100.7")
            .header("content-type", "application/json");
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let body = body
            .map(|b| Body::from(b.to_string()))
            .unwrap_or_else(Body::empty);
        self.send(builder.body(body).unwrap()).await
    }
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl TestResponse {
    /// Asserts the project's error format and returns the error code.
    pub fn error_code(&self) -> &str {
        let error = &self.body["error"];
        assert!(
            error["message"].is_string(),
            "not the error format: {}",
            self.body
        );
        assert!(
            error["details"].is_array(),
            "not the error format: {}",
            self.body
        );
        error["code"].as_str().expect("error.code is a string")
    }
}

/// The local SES's record of sent messages: (subject, body) of those sent to `to`.
pub async fn emails_to(to: &str) -> Vec<(String, String)> {
    // moto's state dump advances S3 objects' restore state as it reads them, which fails for
    // objects of deleted uploads; holding that transition keeps the dump readable.
    http_send(
        "POST",
        &format!(
            "{}/moto-api/state-manager/set-transition",
            env("AWS_ENDPOINT_URL")
        ),
        Some("application/json"),
        br#"{"model_name":"s3::keyrestore","transition":{"progression":"manual","times":1000000}}"#
            .to_vec(),
    )
    .await;
    // The dump can race with S3 writes of concurrent tests (moto serialises live objects):
    // a failed read is retried.
    let url = format!("{}/moto-api/data.json", env("AWS_ENDPOINT_URL"));
    let mut data = None;
    for _ in 0..10 {
        if let Some(body) = try_http_get(&url).await {
            data = Some(body);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let data = data.expect("the local endpoint's state could be read");
    let data: Value = serde_json::from_slice(&data).expect("moto state is JSON");
    data["ses"]["Message"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| {
            m["destinations"]["ToAddresses"]
                .as_array()
                .is_some_and(|a| a.iter().any(|t| t == to))
        })
        .map(|m| {
            (
                m["subject"].as_str().unwrap_or_default().to_owned(),
                m["body"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The token an email carries (the text after "token is: ").
pub fn token_in(body: &str) -> String {
    body.split("token is: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no token in: {body}"))
        .to_owned()
}

/// What the platform sandbox at `base` received (one platform, or all with `None`).
pub async fn sandbox_posts_at(base: &str, platform: Option<&str>) -> Vec<Value> {
    let filter = platform.map_or_else(String::new, |p| format!("?platform={p}"));
    let body: Value = reqwest::get(format!("{base}/_sandbox/posts{filter}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["posts"].as_array().unwrap().clone()
}

/// A plain HTTP GET on loopback (the local endpoint, presigned URLs), returning the body.
pub async fn http_get(url: &str) -> Vec<u8> {
    try_http_get(url)
        .await
        .unwrap_or_else(|| panic!("GET {url} did not answer 200"))
}

/// The body of a 200 answer, or `None`.
pub async fn try_http_get(url: &str) -> Option<Vec<u8>> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let rest = url
            .strip_prefix("http://")
            .expect("a plain http URL on loopback");
        let (host, path) = rest
            .split_once('/')
            .map(|(h, p)| (h, format!("/{p}")))
            .unwrap_or((rest, "/".into()));
        let mut stream = std::net::TcpStream::connect(host).expect("the local endpoint is up");
        write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("an HTTP response");
        let head = String::from_utf8_lossy(&response[..split]).to_string();
        (head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"))
            .then(|| response[split + 4..].to_vec())
    })
    .await
    .unwrap()
}

/// A signed-in member of an organization.
#[derive(Debug, Clone)]
pub struct Member {
    pub email: String,
    pub password: String,
    pub user_id: String,
    pub organization_id: String,
    pub access_token: String,
    pub refresh_token: String,
}

pub const PASSWORD: &str = "correct horse battery staple";

impl TestApp {
    /// Registers a new organization's first admin.
    pub async fn register_admin(&self, organization: &str) -> Member {
        let admin = self.register_unverified_admin(organization).await;
        // Confirms the address through the emailed token, as the newcomer would.
        let (_, body) = emails_to(&admin.email)
            .await
            .pop()
            .expect("a verification email");
        let verified = self
            .api(None)
            .verify_email(serde_json::json!({ "token": token_in(&body) }))
            .await;
        assert!(verified.status.is_success(), "{}", verified.body);
        admin
    }

    /// Registers an admin who has not confirmed their email address yet.
    pub async fn register_unverified_admin(&self, organization: &str) -> Member {
        let email = format!("{}@example.test", unique("admin"));
        let response = self
            .api(None)
            .register(serde_json::json!({
                "email": email, "password": PASSWORD, "organization_name": organization,
                "first_name": "Ada", "gdpr_consent": true,
            }))
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
        member_from(&email, &response.body)
    }

    /// Invites `role` as `admin`, then registers the invitee through the emailed link.
    pub async fn add_member(&self, admin: &Member, role: &str) -> Member {
        let email = format!("{}@example.test", unique(role));
        let invited = self
            .call_as(
                Some(&admin.access_token),
                Method::POST,
                "/api/organizations/members/invite",
                Some(serde_json::json!({ "email": email, "role": role })),
            )
            .await;
        assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.body);
        let (_, body) = emails_to(&email).await.pop().expect("an invitation email");
        let joined = self
            .api(None)
            .register(serde_json::json!({
                "email": email, "password": PASSWORD, "invite_token": token_in(&body),
                "gdpr_consent": true,
            }))
            .await;
        assert_eq!(joined.status, StatusCode::CREATED, "{}", joined.body);
        member_from(&email, &joined.body)
    }
}

impl TestApp {
    /// Runs the API's OAuth flow for `platform` against this test's sandbox, like a browser:
    /// returns the callback's status and where it redirects.
    /// Follows the authorization URL like a browser, up to the redirect back to our callback,
    /// and returns the query the callback forwards to the web app.
    pub async fn consent(&self, authorization_url: &str) -> HashMap<String, String> {
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let consent = browser.get(authorization_url).send().await.unwrap();
        let back = consent.headers()["location"].to_str().unwrap().to_owned();
        let path = back
            .strip_prefix("https://api.example.test")
            .expect("the platform redirects to our callback")
            .to_owned();
        let callback = self
            .send(Request::get(path).body(Body::empty()).unwrap())
            .await;
        assert_eq!(callback.status, StatusCode::SEE_OTHER);
        let location = callback.headers["location"].to_str().unwrap();
        let forwarded = url::Url::parse(location).unwrap();
        assert_eq!(forwarded.path(), "/social-accounts/callback");
        forwarded.query_pairs().into_owned().collect()
    }

    /// The web app completing a connection with what the platform sent back.
    pub async fn complete_connection(
        &self,
        member: &Member,
        forwarded: &HashMap<String, String>,
    ) -> TestResponse {
        self.call_as(
            Some(&member.access_token),
            Method::POST,
            "/api/social-accounts/callback",
            Some(serde_json::to_value(forwarded).unwrap()),
        )
        .await
    }

    /// A draft post of `content` for the given social accounts (hashtag `launch`).
    pub async fn draft_post(&self, member: &Member, content: &str, accounts: &[&str]) -> Value {
        let targets: Vec<Value> = accounts
            .iter()
            .map(|a| serde_json::json!({ "social_account_id": a }))
            .collect();
        let created = self
            .call_as(
                Some(&member.access_token),
                Method::POST,
                "/api/posts",
                Some(serde_json::json!({ "content": content, "hashtags": ["launch"], "targets": targets })),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        created.body
    }

    /// Publishes a post now as the web app asks (202), lets the local publisher consume the
    /// lanes, and returns the post as it then is.
    pub async fn publish_now(&self, member: &Member, post_id: &str) -> Value {
        let queued = self
            .call_as(
                Some(&member.access_token),
                Method::POST,
                &format!("/api/posts/{post_id}/publish"),
                None,
            )
            .await;
        assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.body);
        posting::drain_lanes(&self.state).await.unwrap();
        self.call_as(
            Some(&member.access_token),
            Method::GET,
            &format!("/api/posts/{post_id}"),
            None,
        )
        .await
        .body
    }

    /// What this test's platform sandbox received (one platform, or all with `None`).
    pub async fn sandbox_posts(&self, platform: Option<&str>) -> Vec<Value> {
        sandbox_posts_at(&self.env.sandbox_url, platform).await
    }

    /// Makes the sandbox misbehave.
    /// Gives an account a token about to expire and a refresh token its platform no longer
    /// knows: the next use of the token asks for a refresh the platform refuses.
    pub async fn make_refresh_refused(&self, account_id: uuid::Uuid) {
        let dead_refresh = self
            .state
            .token_cipher()
            .encrypt("sbr-linkedin-revoked", account_id.as_bytes());
        connect(&self.env.database)
            .await
            .execute(
                "UPDATE social_accounts SET token_expires_at = now() + interval '1 minute', refresh_token = $2 WHERE id = $1",
                &[&account_id, &dead_refresh],
            )
            .await
            .unwrap();
    }

    pub async fn sandbox_fault(&self, fault: &platform_sandbox::Fault) {
        let answer = reqwest::Client::new()
            .post(format!("{}/_sandbox/faults", self.env.sandbox_url))
            .json(fault)
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success());
    }

    /// Starts a connection of `platform`, consents at the sandbox, and completes it as the web
    /// app does: returns the completion's answer.
    pub async fn connect_flow(&self, member: &Member, platform: &str) -> TestResponse {
        let started = self
            .call_as(
                Some(&member.access_token),
                Method::POST,
                "/api/social-accounts/connect",
                Some(serde_json::json!({ "platform": platform })),
            )
            .await;
        assert_eq!(started.status, StatusCode::OK, "{}", started.body);
        let forwarded = self
            .consent(started.body["authorization_url"].as_str().unwrap())
            .await;
        self.complete_connection(member, &forwarded).await
    }

    /// Sets the organization's plan as a platform administrator does (billing is manual in
    /// tests unless a test turns Stripe on).
    pub async fn grant_plan(&self, member: &Member, plan: &str) {
        let operator = self.platform_admin().await;
        let granted = self
            .api(Some(&operator.access_token))
            .admin_set_plan(&member.organization_id, serde_json::json!({ "plan": plan }))
            .await;
        assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
    }

    /// A platform administrator (in an organization of their own), granted as
    /// `cargo xtask admin grant` does.
    pub async fn platform_admin(&self) -> Member {
        let operator = self.register_admin("Platform operations").await;
        let mut db = connect(&self.env.database).await;
        assert!(
            admin::grant(&mut db, &operator.email, true).await.unwrap(),
            "the operator exists"
        );
        operator
    }

    /// Connects an account of `platform` and returns the social account id.
    pub async fn connect_account(&self, member: &Member, platform: &str) -> String {
        let connected = self.connect_flow(member, platform).await;
        assert_eq!(connected.status, StatusCode::OK, "{}", connected.body);
        connected.body["accounts"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("not connected: {}", connected.body))
            .to_owned()
    }
}

fn member_from(email: &str, body: &Value) -> Member {
    Member {
        email: email.to_owned(),
        password: PASSWORD.to_owned(),
        user_id: body["user"]["id"].as_str().unwrap().to_owned(),
        organization_id: body["organization"]["id"].as_str().unwrap().to_owned(),
        access_token: body["access_token"].as_str().unwrap().to_owned(),
        refresh_token: body["refresh_token"].as_str().unwrap().to_owned(),
    }
}

/// A plain HTTP PUT to a presigned URL on loopback; returns the status code and the ETag.
pub async fn http_put(
    url: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (u16, Option<String>) {
    http_send("PUT", url, content_type, body).await
}

/// A plain HTTP request with a body to a loopback URL; returns the status code and the ETag.
pub async fn http_send(
    method: &'static str,
    url: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (u16, Option<String>) {
    let url = url.to_owned();
    let content_type = content_type.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let rest = url
            .strip_prefix("http://")
            .expect("a plain http URL on loopback");
        let (host, path) = rest
            .split_once('/')
            .map(|(h, p)| (h, format!("/{p}")))
            .unwrap_or((rest, "/".into()));
        let mut stream = std::net::TcpStream::connect(host).expect("the local endpoint is up");
        let mut head = format!(
            "{method} {path} HTTP/1.0\r\nHost: {host}\r\nContent-Length: {}\r\n",
            body.len()
        );
        if let Some(content_type) = content_type {
            head.push_str(&format!("Content-Type: {content_type}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(&body).unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let text = String::from_utf8_lossy(&response);
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let etag = text
            .lines()
            .find_map(|l| {
                l.strip_prefix("ETag: ")
                    .or_else(|| l.strip_prefix("etag: "))
            })
            .map(|e| e.trim().to_owned());
        (status, etag)
    })
    .await
    .unwrap()
}

/// A real JPEG of the given size (a gradient, so it compresses like a photo, not a flat colour).
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([
            (x * 7 % 256) as u8,
            (y * 3 % 256) as u8,
            ((x ^ y) % 256) as u8,
        ])
    });
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    bytes
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbaImage::from_pixel(width, height, image::Rgba([10, 200, 30, 255]));
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

/// An MP4 laid out for streaming (ftyp, moov with mvhd, mdat) of `duration_ms`, padded to `size`.
pub fn mp4(duration_ms: u32, size: usize) -> Vec<u8> {
    fn mp4_box(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut out = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(payload);
        out
    }
    let mut mvhd = vec![0u8; 100];
    mvhd[12..16].copy_from_slice(&1000u32.to_be_bytes());
    mvhd[16..20].copy_from_slice(&duration_ms.to_be_bytes());
    let mut file = mp4_box(b"ftyp", b"isom\0\0\x02\0isomiso2mp41");
    file.extend(mp4_box(b"moov", &mp4_box(b"mvhd", &mvhd)));
    let padding = size.saturating_sub(file.len() + 8);
    file.extend(mp4_box(b"mdat", &vec![0u8; padding]));
    file
}
