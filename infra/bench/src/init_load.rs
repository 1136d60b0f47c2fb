//! `bench init`: what a cold start and a warm request cost each function. Every release binary
//! runs against a local Lambda Runtime API emulator (the HTTP protocol Lambda's own runtime
//! endpoint speaks), beside a bare `lambda_runtime` hello-world built with the same profile in
//! the same run. Init is the time from spawning the process to its first
//! `GET /runtime/invocation/next`; warm latency is the time from handing it an event to its
//! response, on a request that needs no I/O (a 401 for the HTTP functions, an empty SQS batch
//! for the publisher).

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use crate::percentile;

const COLD_STARTS: usize = 15;
const WARM_REQUESTS: usize = 2_000;

/// A function binary and the request it answers without I/O (if it has one).
struct Function {
    name: &'static str,
    no_io_event: Option<Value>,
}

fn functions() -> Vec<Function> {
    let http = |method: &str, path: &str| Some(api_gateway_event(method, path));
    vec![
        Function {
            name: "api-health",
            no_io_event: http("GET", "/api/openapi.json"),
        },
        Function {
            name: "api-auth",
            no_io_event: http("POST", "/api/auth/logout"),
        },
        Function {
            name: "api-users",
            no_io_event: http("GET", "/api/users/profile"),
        },
        Function {
            name: "api-organizations",
            no_io_event: http("GET", "/api/organizations"),
        },
        Function {
            name: "api-media",
            no_io_event: http("GET", "/api/media"),
        },
        Function {
            name: "api-social-accounts",
            no_io_event: http("GET", "/api/social-accounts"),
        },
        Function {
            name: "api-posts",
            no_io_event: http("GET", "/api/posts"),
        },
        Function {
            name: "api-notifications",
            no_io_event: http("GET", "/api/notifications"),
        },
        Function {
            name: "api-analytics",
            no_io_event: http("GET", "/api/analytics/overview"),
        },
        Function {
            name: "api-ai-agents",
            no_io_event: http("GET", "/api/ai-agents"),
        },
        Function {
            name: "agent-content-creator",
            no_io_event: Some(json!({ "Records": [] })),
        },
        Function {
            name: "agent-engagement-optimizer",
            no_io_event: Some(json!({ "Records": [] })),
        },
        Function {
            name: "agent-competitor-monitor",
            no_io_event: Some(json!({ "Records": [] })),
        },
        Function {
            name: "agent-orchestrator",
            no_io_event: Some(json!({ "Records": [] })),
        },
        Function {
            name: "publisher",
            no_io_event: Some(json!({ "Records": [] })),
        },
        Function {
            name: "report-builder",
            no_io_event: Some(json!({ "Records": [] })),
        },
        // Every invocation of these does I/O by nature: init only.
        Function {
            name: "publish-sweeper",
            no_io_event: None,
        },
        Function {
            name: "maintenance",
            no_io_event: None,
        },
        Function {
            name: "metrics-sync",
            no_io_event: None,
        },
        Function {
            name: "db-migrate",
            no_io_event: None,
        },
    ]
}

/// An API Gateway HTTP API (payload 2.0) request without credentials.
fn api_gateway_event(method: &str, path: &str) -> Value {
    json!({
        "version": "2.0",
        "routeKey": format!("{method} {path}"),
        "rawPath": path,
        "rawQueryString": "",
        "headers": { "host": "bench.local", "user-agent": "bench", "accept": "application/json" },
        "requestContext": {
            "accountId": "123456789012", "apiId": "bench", "domainName": "bench.local",
            "domainPrefix": "bench",
            "http": { "method": method, "path": path, "protocol": "HTTP/1.1",
                      "sourceIp": "198.51.100.7", "userAgent": "bench" },
            "requestId": "bench", "routeKey": format!("{method} {path}"), "stage": "$default",
            "time": "26/Nov/2026:10:00:00 +0000", "timeEpoch": 1_795_694_400_000u64
        },
        "isBase64Encoded": false
    })
}

/// One event handed to the function, and where its answer goes.
struct Invocation {
    event: Value,
    answered: oneshot::Sender<Answer>,
}

struct Answer {
    latency: Duration,
    ok: bool,
    body: String,
}

/// An event handed out and not yet answered: when, and where its answer goes.
type InFlight = (Instant, oneshot::Sender<Answer>);

#[derive(Clone)]
struct Emulator {
    /// Signalled at every `next`: the first one ends init.
    polled: mpsc::UnboundedSender<Instant>,
    invocations: Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<Invocation>>>,
    in_flight: Arc<Mutex<HashMap<String, InFlight>>>,
    sequence: Arc<std::sync::atomic::AtomicU64>,
}

async fn next_invocation(State(emulator): State<Emulator>) -> Response {
    let _ = emulator.polled.send(Instant::now());
    let Some(invocation) = emulator.invocations.lock().await.recv().await else {
        // The run is over; the process is about to be killed.
        return std::future::pending().await;
    };
    let id = format!(
        "bench-{}",
        emulator
            .sequence
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let mut headers = HeaderMap::new();
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
        + 30_000;
    for (name, value) in [
        ("lambda-runtime-aws-request-id", id.clone()),
        ("lambda-runtime-deadline-ms", deadline.to_string()),
        (
            "lambda-runtime-invoked-function-arn",
            "arn:aws:lambda:eu-west-1:123456789012:function:bench".to_owned(),
        ),
        ("lambda-runtime-trace-id", "Root=1-bench".to_owned()),
        ("content-type", "application/json".to_owned()),
    ] {
        headers.insert(name, HeaderValue::from_str(&value).expect("header"));
    }
    let body = invocation.event.to_string();
    emulator
        .in_flight
        .lock()
        .expect("lock")
        .insert(id, (Instant::now(), invocation.answered));
    (StatusCode::OK, headers, body).into_response()
}

fn settle(emulator: &Emulator, id: &str, ok: bool, body: String) -> StatusCode {
    let answered_at = Instant::now();
    match emulator.in_flight.lock().expect("lock").remove(id) {
        Some((sent_at, answered)) => {
            let _ = answered.send(Answer {
                latency: answered_at - sent_at,
                ok,
                body,
            });
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

async fn invocation_response(
    State(emulator): State<Emulator>,
    UrlPath(id): UrlPath<String>,
    body: String,
) -> StatusCode {
    settle(&emulator, &id, true, body)
}

async fn invocation_error(
    State(emulator): State<Emulator>,
    UrlPath(id): UrlPath<String>,
    body: String,
) -> StatusCode {
    settle(&emulator, &id, false, body)
}

async fn init_error(body: String) -> StatusCode {
    eprintln!("    init error reported: {body}");
    StatusCode::ACCEPTED
}

/// A function process attached to its own emulator.
struct Running {
    child: std::process::Child,
    polled: mpsc::UnboundedReceiver<Instant>,
    invocations: mpsc::UnboundedSender<Invocation>,
    spawned_at: Instant,
    /// The `secret_read_ms` the function logged at start-up, if it reads one.
    secret_read_ms: Arc<Mutex<Option<f64>>>,
}

impl Running {
    async fn start(binary: &Path, env: &HashMap<String, String>) -> Running {
        let (polled_tx, polled) = mpsc::unbounded_channel();
        let (invocations, invocations_rx) = mpsc::unbounded_channel();
        let emulator = Emulator {
            polled: polled_tx,
            invocations: Arc::new(tokio::sync::Mutex::new(invocations_rx)),
            in_flight: Arc::default(),
            sequence: Arc::default(),
        };
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next_invocation))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(invocation_response),
            )
            .route(
                "/2018-06-01/runtime/invocation/{id}/error",
                post(invocation_error),
            )
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(emulator);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port for the emulator");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, app).await });

        let name = binary
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("bench");
        let spawned_at = Instant::now();
        let mut child = std::process::Command::new(binary)
            .env_clear()
            .envs(env)
            .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let secret_read_ms = Arc::new(Mutex::new(None));
        let stdout = child.stdout.take().expect("piped stdout");
        let found = secret_read_ms.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let Ok(log) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                if let Some(ms) = log["secret_read_ms"].as_f64() {
                    *found.lock().expect("lock") = Some(ms);
                }
            }
        });
        Running {
            child,
            polled,
            invocations,
            spawned_at,
            secret_read_ms,
        }
    }

    /// Waits for the first `next`: the end of init.
    async fn initialised(&mut self) -> Duration {
        let polled = tokio::time::timeout(Duration::from_secs(20), self.polled.recv())
            .await
            .ok()
            .flatten()
            .expect("the function polls for its first event within 20 s");
        polled - self.spawned_at
    }

    async fn invoke(&self, event: &Value) -> Answer {
        let (answered, answer) = oneshot::channel();
        self.invocations
            .send(Invocation {
                event: event.clone(),
                answered,
            })
            .expect("the emulator runs");
        tokio::time::timeout(Duration::from_secs(20), answer)
            .await
            .expect("the function answers within 20 s")
            .expect("the emulator answers")
    }

    /// Peak resident memory (VmHWM) of the process so far, in MiB.
    fn peak_rss_mib(&self) -> f64 {
        crate::peak_rss_mib_of(&self.child.id().to_string())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Default)]
struct Measured {
    size_mb: f64,
    init: Vec<Duration>,
    secret_read_ms: Vec<f64>,
    warm: Vec<Duration>,
    rss_mib: f64,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

async fn measure(binary: &Path, env: &HashMap<String, String>, event: Option<&Value>) -> Measured {
    let mut measured = Measured {
        size_mb: std::fs::metadata(binary)
            .unwrap_or_else(|e| panic!("{}: {e}", binary.display()))
            .len() as f64
            / 1e6,
        ..Measured::default()
    };
    for _ in 0..COLD_STARTS {
        let mut running = Running::start(binary, env).await;
        measured.init.push(running.initialised().await);
        // The log line is written before the first poll; give the reader a moment.
        tokio::time::sleep(Duration::from_millis(20)).await;
        if let Some(ms) = *running.secret_read_ms.lock().expect("lock") {
            measured.secret_read_ms.push(ms);
        }
        drop(running);
    }
    if let Some(event) = event {
        let mut running = Running::start(binary, env).await;
        running.initialised().await;
        // The first request of an environment warms lazily built parts; it is not "warm".
        let first = running.invoke(event).await;
        assert!(
            first.ok,
            "{} answered its first event with an error: {}",
            binary.display(),
            first.body
        );
        for _ in 0..WARM_REQUESTS {
            let answer = running.invoke(event).await;
            assert!(answer.ok, "{}: {}", binary.display(), answer.body);
            measured.warm.push(answer.latency);
        }
        measured.rss_mib = running.peak_rss_mib();
        drop(running);
    }
    measured.init.sort();
    measured.warm.sort();
    measured
}

/// The environment a deployed function has, pointing at the local stack.
async fn function_environment() -> HashMap<String, String> {
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let mut env: HashMap<String, String> = std::env::vars()
        .filter(|(name, _)| {
            name.starts_with("AWS_")
                || [
                    "DATABASE_URL",
                    "MEDIA_BUCKET",
                    "APP_SECRET_ID",
                    "APP_ENV",
                    "EMAIL_FROM",
                ]
                .contains(&name.as_str())
        })
        .collect();
    env.insert("TABLE_NAME".into(), format!("bench-init-{suffix}"));
    env.insert(
        "DB_MAX_CONNECTIONS".into(),
        dev_server::local_stack::deployed_db_max_connections().to_string(),
    );
    let lookup = |name: &str| env.get(name).cloned();
    let config = runtime::Config::from_lookup(lookup).expect("the bench configuration");
    let sdk = cloud::load_sdk_config();
    let aws = cloud::AwsClients::new(&sdk);
    let names =
        dev_server::local_stack::LocalResources::of(&config, &format!("bench-init-{suffix}-"));
    let queues = dev_server::local_stack::provision(&aws, &names)
        .await
        .expect("local resources");
    env.extend(
        queues
            .env_vars()
            .map(|(name, value)| (name.to_owned(), value)),
    );
    env
}

pub async fn run(binaries: PathBuf) {
    let env = function_environment().await;
    println!(
        "init (release binaries, stripped; local Lambda Runtime API emulator; {COLD_STARTS} cold starts each, {WARM_REQUESTS} warm requests that need no I/O):"
    );
    let hello = measure(
        &binaries.join("hello-lambda"),
        &HashMap::new(),
        Some(&json!({ "hello": "world" })),
    )
    .await;
    let hello_p50 = percentile(&hello.init, 0.50);
    println!(
        "  | function | binary MB | init p50 ms | init p90 ms | × hello-world | secret read p50 ms | init p50 without it ms | warm p50 ms | warm p99 ms | peak RSS MiB |"
    );
    println!("  |---|---|---|---|---|---|---|---|---|---|");
    let row = |name: &str, m: &Measured| {
        let init_p50 = percentile(&m.init, 0.50);
        let mut secret = m.secret_read_ms.clone();
        secret.sort_by(f64::total_cmp);
        let secret_p50 = secret.get(secret.len() / 2).copied();
        let (warm_p50, warm_p99) = if m.warm.is_empty() {
            ("—".to_owned(), "—".to_owned())
        } else {
            (
                format!("{:.3}", ms(percentile(&m.warm, 0.50))),
                format!("{:.3}", ms(percentile(&m.warm, 0.99))),
            )
        };
        println!(
            "  | {name} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {} | {warm_p50} | {warm_p99} | {} |",
            m.size_mb,
            ms(init_p50),
            ms(percentile(&m.init, 0.90)),
            ms(init_p50) / ms(hello_p50),
            secret_p50.map_or("—".to_owned(), |s| format!("{s:.1}")),
            secret_p50.map_or("—".to_owned(), |s| format!("{:.1}", ms(init_p50) - s)),
            if m.rss_mib.is_nan() || m.rss_mib == 0.0 {
                "—".to_owned()
            } else {
                format!("{:.1}", m.rss_mib)
            },
        );
    };
    row("hello-world (bare lambda_runtime)", &hello);
    for function in functions() {
        let measured = measure(
            &binaries.join(function.name),
            &env,
            function.no_io_event.as_ref(),
        )
        .await;
        row(function.name, &measured);
    }
}
