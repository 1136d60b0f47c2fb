//! `bench api`: the real routers served in-process (release build) against the local stack,
//! loaded over loopback by keep-alive HTTP/1.1 connections; prints latency percentiles and
//! throughput. Server and load share the machine's cores.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CONNECTIONS: usize = 32;
const RUN_FOR: Duration = Duration::from_secs(8);

/// One keep-alive connection speaking just enough HTTP/1.1.
pub(crate) struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

/// A new organization's admin, signed in.
pub(crate) struct Registered {
    pub(crate) token: String,
    pub(crate) organization_id: uuid::Uuid,
    pub(crate) user_id: uuid::Uuid,
}

impl Connection {
    /// Registers a new organization (its name starting with `label`) through the API.
    pub(crate) async fn register(&mut self, label: &str) -> Registered {
        let suffix = uuid::Uuid::new_v4().simple();
        let register = serde_json::json!({
            "email": format!("{label}-{suffix}@example.test"),
            "password": "correct horse battery staple",
            "organization_name": format!("{label} {suffix}"), "gdpr_consent": true,
        })
        .to_string();
        let (status, body) = self
            .request(
                "POST",
                "/api/auth/register",
                "Content-Type: application/json\r\n",
                &register,
            )
            .await;
        assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
        let registered: serde_json::Value = serde_json::from_slice(&body).expect("json");
        let id =
            |value: &serde_json::Value| value.as_str().and_then(|s| s.parse().ok()).expect("an id");
        Registered {
            token: registered["access_token"]
                .as_str()
                .expect("token")
                .to_owned(),
            organization_id: id(&registered["organization"]["id"]),
            user_id: id(&registered["user"]["id"]),
        }
    }

    pub(crate) async fn open(port: u16) -> Connection {
        let stream = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("the bench server is up");
        stream.set_nodelay(true).ok();
        Connection {
            stream,
            buffer: Vec::with_capacity(8192),
        }
    }

    /// Sends a request and returns (status, body).
    pub(crate) async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &str,
        body: &str,
    ) -> (u16, Vec<u8>) {
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: bench\r\nContent-Length: {}\r\n{headers}\r\n{body}",
            body.len()
        );
        self.stream
            .write_all(request.as_bytes())
            .await
            .expect("write");
        self.buffer.clear();
        let mut chunk = [0u8; 8192];
        let (head_end, content_length, status) = loop {
            let read = self.stream.read(&mut chunk).await.expect("read");
            assert!(read > 0, "the server closed the connection");
            self.buffer.extend_from_slice(&chunk[..read]);
            if let Some(end) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buffer[..end]).to_ascii_lowercase();
                let status = head
                    .split_whitespace()
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                break (end + 4, length, status);
            }
        };
        while self.buffer.len() < head_end + content_length {
            let read = self.stream.read(&mut chunk).await.expect("read");
            assert!(read > 0, "the server closed the connection");
            self.buffer.extend_from_slice(&chunk[..read]);
        }
        (
            status,
            self.buffer[head_end..head_end + content_length].to_vec(),
        )
    }
}

/// A percentile of sorted durations, in milliseconds.
fn percentile(sorted: &[Duration], p: f64) -> f64 {
    crate::percentile(sorted, p).as_secs_f64() * 1000.0
}

/// Each connection talks to its own execution environment (`ports[i]`), as Lambda gives each
/// concurrent request an environment of its own.
async fn load(
    ports: &[u16],
    name: &str,
    method: &'static str,
    path: &'static str,
    headers: String,
) {
    let deadline = Instant::now() + RUN_FOR;
    let mut workers = Vec::new();
    for &port in ports {
        let headers = headers.clone();
        workers.push(tokio::spawn(async move {
            let mut connection = Connection::open(port).await;
            let mut latencies = Vec::new();
            let mut failures = 0u64;
            while Instant::now() < deadline {
                let started = Instant::now();
                let (status, _) = connection.request(method, path, &headers, "").await;
                latencies.push(started.elapsed());
                if status != 200 {
                    failures += 1;
                }
            }
            (latencies, failures)
        }));
    }
    let mut all = Vec::new();
    let mut failures = 0;
    for worker in workers {
        let (latencies, failed) = worker.await.expect("worker");
        all.extend(latencies);
        failures += failed;
    }
    all.sort();
    println!(
        "  {name:<32} {:>7.0} req/s  p50 {:>6.2} ms  p95 {:>6.2} ms  p99 {:>6.2} ms  ({} requests, {failures} non-200)",
        all.len() as f64 / RUN_FOR.as_secs_f64(),
        percentile(&all, 0.50),
        percentile(&all, 0.95),
        percentile(&all, 0.99),
        all.len()
    );
}

pub async fn run() {
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    // The pool size template.yaml deploys, in each simulated execution environment.
    let state = crate::local_state("bench").await;

    let mut ports = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS {
        ports.push(serve_api(crate::execution_environment(&state)).await);
    }

    let mut connection = Connection::open(ports[0]).await;
    let email = format!("bench-{suffix}@example.test");
    let register = serde_json::json!({
        "email": email, "password": "correct horse battery staple", "organization_name": format!("Bench {suffix}"), "gdpr_consent": true,
    })
    .to_string();
    let json = "Content-Type: application/json\r\n";
    let (status, body) = connection
        .request("POST", "/api/auth/register", json, &register)
        .await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let access = serde_json::from_slice::<serde_json::Value>(&body).expect("json")["access_token"]
        .as_str()
        .expect("token")
        .to_owned();

    println!(
        "api (release build, in-process, {CONNECTIONS} keep-alive connections each to its own execution environment with the deployed pool, {}s each, loopback):",
        RUN_FOR.as_secs()
    );
    load(
        &ports,
        "GET /api/health",
        "GET",
        "/api/health",
        String::new(),
    )
    .await;
    load(
        &ports,
        "GET /api/users/profile",
        "GET",
        "/api/users/profile",
        format!("Authorization: Bearer {access}\r\n"),
    )
    .await;
    load(
        &ports,
        "GET /api/organizations/members",
        "GET",
        "/api/organizations/members",
        format!("Authorization: Bearer {access}\r\n"),
    )
    .await;

    let login = serde_json::json!({ "email": email, "password": "correct horse battery staple" })
        .to_string();
    let mut times = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let (status, _) = connection
            .request("POST", "/api/auth/login", json, &login)
            .await;
        assert_eq!(status, 200);
        times.push(started.elapsed());
    }
    times.sort();
    println!(
        "  POST /api/auth/login (argon2id, sequential)  p50 {:.1} ms  max {:.1} ms  (20 logins)",
        percentile(&times, 0.5),
        percentile(&times, 1.0)
    );
}

/// Serves every router of `environment` on a loopback port, as one execution environment
/// would, and returns the port.
pub async fn serve_api(environment: runtime::AppState) -> u16 {
    serve_routes(api::all_routes(environment)).await
}

/// Serves `routes` (behind what every function adds) on a loopback port; returns the port.
pub async fn serve_routes(routes: axum::Router) -> u16 {
    let app = http_kit::serve(routes);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    port
}
