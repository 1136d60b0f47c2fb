//! `bench live`: the live feed as the dev server serves it (release build, in-process, local
//! sockets) with 1,000 WebSocket connections held by a separate client process (so the server's
//! memory is its own). Prints event → client receipt latency for notifications (the whole
//! producer path: settings read, DynamoDB write and count, connection lookup, push) and for the
//! push alone, the fan-out of one organization-wide event to 500 connections, and the server's
//! memory per open connection.

use std::collections::HashMap;
use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use contracts::LiveEvent;
use domain::{NotificationKind, Permission, PostStatus};
use runtime::AppState;
use tokio::io::{AsyncBufReadExt, BufReader};
use uuid::Uuid;

const ORGANIZATIONS: usize = 50;
const CONNECTIONS_PER_MEMBER: usize = 10;
const FAN_OUT: usize = 500;
const NOTIFY_EVENTS: usize = 200;
const FAN_OUT_ROUNDS: usize = 20;

fn now_micros() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_micros()
}

/// Current resident memory of this process (VmRSS), in KiB.
fn rss_kib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .unwrap_or(f64::NAN)
}

async fn state() -> AppState {
    crate::local_state("bench-live")
        .await
        .with_local_sockets(cloud::LocalSockets::default())
}

struct Admin {
    organization: store::OrgId,
    user: Uuid,
    token: String,
}

async fn register(base: &str, n: usize) -> Admin {
    let suffix = Uuid::new_v4().simple().to_string();
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/auth/register"))
        // Sign-ups are limited per address; the local environment reads X-Forwarded-For.
        .header(
            "x-forwarded-for",
            format!("10.9.{}.{}", n / 250, 1 + n % 250),
        )
        .json(&serde_json::json!({
            "email": format!("live-{suffix}@example.test"),
            "password": "correct horse battery staple",
            "organization_name": format!("Live {n}"),
            "gdpr_consent": true,
        }))
        .send()
        .await
        .expect("register")
        .json()
        .await
        .expect("json");
    Admin {
        organization: answer["organization"]["id"]
            .as_str()
            .expect("organization")
            .parse()
            .expect("id"),
        user: answer["user"]["id"]
            .as_str()
            .expect("user")
            .parse()
            .expect("id"),
        token: answer["access_token"].as_str().expect("token").to_owned(),
    }
}

/// Receipts reported by the client process: marker → receipt times (µs since the epoch).
type Receipts = std::sync::Arc<std::sync::Mutex<HashMap<String, Vec<u128>>>>;

fn ms(micros: u128) -> f64 {
    micros as f64 / 1000.0
}

fn summary(mut latencies: Vec<u128>) -> String {
    latencies.sort();
    if latencies.is_empty() {
        return "no samples".to_owned();
    }
    format!(
        "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} receipts)",
        ms(crate::percentile(&latencies, 0.50)),
        ms(crate::percentile(&latencies, 0.99)),
        ms(*latencies.last().expect("samples")),
        latencies.len()
    )
}

/// Waits until every marker has `expected` receipts (or 10 s pass).
async fn wait_for(receipts: &Receipts, markers: &[String], expected: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::time::Instant::now() < deadline {
        let done = {
            let receipts = receipts.lock().expect("receipts");
            markers
                .iter()
                .all(|m| receipts.get(m).map_or(0, Vec::len) >= expected)
        };
        if done {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn latencies(receipts: &Receipts, sent: &HashMap<String, u128>) -> Vec<u128> {
    let receipts = receipts.lock().expect("receipts");
    sent.iter()
        .flat_map(|(marker, t0)| {
            receipts
                .get(marker)
                .into_iter()
                .flatten()
                .map(move |t| t.saturating_sub(*t0))
        })
        .collect()
}

pub async fn run() {
    let state = state().await;
    let app = dev_server::app(state.clone(), dev_server::cors::CorsPolicy::local())
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    let base = format!("http://{address}");

    let mut admins = Vec::new();
    for n in 0..=ORGANIZATIONS {
        admins.push(register(&base, n).await);
    }
    // Organization 0 gets the 500 connections of the fan-out; the 50 others 10 each.
    let mut urls = Vec::new();
    for (i, admin) in admins.iter().enumerate() {
        let count = if i == 0 {
            FAN_OUT
        } else {
            CONNECTIONS_PER_MEMBER
        };
        for _ in 0..count {
            urls.push(format!("ws://{address}/live?token={}", admin.token));
        }
    }
    let total = urls.len();
    let url_file = std::env::temp_dir().join(format!("bench-live-{}.txt", Uuid::new_v4()));
    std::fs::File::create(&url_file)
        .and_then(|mut f| f.write_all(urls.join("\n").as_bytes()))
        .expect("url file");

    let sockets = crate::live_load::local_sockets(&state);
    let rss_before = rss_kib();
    let heap_before = crate::heap_in_use();
    let mut clients = tokio::process::Command::new(std::env::current_exe().expect("exe"))
        .arg("live-clients")
        .arg(&url_file)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the client process starts");
    let receipts: Receipts = Default::default();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<usize>();
    let mut lines = BufReader::new(clients.stdout.take().expect("stdout")).lines();
    let collected = receipts.clone();
    tokio::spawn(async move {
        let mut ready = Some(ready_tx);
        while let Ok(Some(line)) = lines.next_line().await {
            let mut parts = line.split(' ');
            match (parts.next(), parts.next(), parts.next()) {
                (Some("READY"), Some(n), _) => {
                    if let Some(ready) = ready.take() {
                        let _ = ready.send(n.parse().unwrap_or(0));
                    }
                }
                (Some("R"), Some(marker), Some(at)) => {
                    if let Ok(at) = at.parse::<u128>() {
                        collected
                            .lock()
                            .expect("receipts")
                            .entry(marker.to_owned())
                            .or_default()
                            .push(at);
                    }
                }
                _ => {}
            }
        }
    });
    let opened = ready_rx.await.expect("the clients connect");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_after = rss_kib();
    let heap_after = crate::heap_in_use();
    println!(
        "live feed (release build, dev server in-process with local sockets, {opened}/{total} WebSocket connections from a separate client process, deployed pool of {}, local Postgres + moto DynamoDB, loopback):",
        state.config.db_max_connections
    );
    let open = sockets.len().max(1) as f64;
    println!(
        "  server memory per open connection: {:.1} KiB of heap ({:.1} MiB in use before, {:.1} MiB with {} connections); resident {:.1} MiB before, {:.1} MiB after",
        heap_after.saturating_sub(heap_before) as f64 / 1024.0 / open,
        heap_before as f64 / 1048576.0,
        heap_after as f64 / 1048576.0,
        sockets.len(),
        rss_before / 1024.0,
        rss_after / 1024.0,
    );

    // A notification to one user (10 open tabs), the whole producer path, on one pooled
    // connection as a producer holds it.
    let db = state.db.client().await.expect("a connection");
    let mut sent = HashMap::new();
    let mut markers = Vec::new();
    for i in 0..NOTIFY_EVENTS {
        let admin = &admins[1 + i % ORGANIZATIONS];
        let marker = format!("n{i}");
        sent.insert(marker.clone(), now_micros());
        notifications::notify(
            &state,
            &db,
            admin.organization,
            notifications::Recipients::User(admin.user),
            notifications::Draft {
                kind: NotificationKind::PostPublished,
                title: marker.clone(),
                body: "bench".to_owned(),
                link: None,
                post_id: None,
                social_account_id: None,
            },
        )
        .await;
        markers.push(marker);
    }
    wait_for(&receipts, &markers, CONNECTIONS_PER_MEMBER).await;
    println!(
        "  notification -> receipt ({NOTIFY_EVENTS} notifications, one at a time, each to a user with {CONNECTIONS_PER_MEMBER} tabs): {}",
        summary(latencies(&receipts, &sent))
    );

    // The push alone (connection lookup + push), as a post status or progress event is sent.
    let mut sent = HashMap::new();
    let mut markers = Vec::new();
    for i in 0..NOTIFY_EVENTS {
        let admin = &admins[1 + i % ORGANIZATIONS];
        let marker = Uuid::from_u128(1_000_000 + i as u128).to_string();
        sent.insert(marker.clone(), now_micros());
        live::send(
            &state,
            live::Audience::User {
                organization_id: admin.organization,
                user_id: admin.user,
            },
            LiveEvent::ExportProgress {
                export_id: marker.parse().expect("uuid"),
                stage: contracts::ExportStage::Collecting,
                percent: 10,
            },
        )
        .await;
        markers.push(marker);
    }
    wait_for(&receipts, &markers, CONNECTIONS_PER_MEMBER).await;
    println!(
        "  live event -> receipt ({NOTIFY_EVENTS} events to one user's {CONNECTIONS_PER_MEMBER} tabs): {}",
        summary(latencies(&receipts, &sent))
    );

    // The connection lookups alone (DynamoDB: here the local endpoint).
    let lookups = |audience: live::Audience| {
        let state = state.clone();
        async move {
            let mut times = Vec::new();
            for _ in 0..20 {
                let started = std::time::Instant::now();
                live::connections_of(&state, audience)
                    .await
                    .expect("lookup");
                times.push(started.elapsed().as_micros());
            }
            times.sort();
            times
        }
    };
    let user_lookups = lookups(live::Audience::User {
        organization_id: admins[1].organization,
        user_id: admins[1].user,
    })
    .await;
    let org_lookups = lookups(live::Audience::Organization {
        organization_id: admins[0].organization,
        permission: Permission::ViewOrganization,
    })
    .await;
    println!(
        "  of which the connection lookup (local DynamoDB endpoint): one user's 10, p50 {:.1} ms; an organization's 500, p50 {:.1} ms",
        ms(crate::percentile(&user_lookups, 0.5)),
        ms(crate::percentile(&org_lookups, 0.5)),
    );

    // One organization-wide event to 500 connections.
    let mut complete = Vec::new();
    let mut all = Vec::new();
    for round in 0..FAN_OUT_ROUNDS {
        let marker = Uuid::from_u128(2_000_000 + round as u128).to_string();
        let t0 = now_micros();
        let report = live::send(
            &state,
            live::Audience::Organization {
                organization_id: admins[0].organization,
                permission: Permission::ViewOrganization,
            },
            LiveEvent::PostStatus {
                post_id: marker.parse().expect("uuid"),
                status: PostStatus::Published,
                targets: Vec::new(),
            },
        )
        .await;
        assert_eq!(report.delivered, FAN_OUT, "{report:?}");
        wait_for(&receipts, std::slice::from_ref(&marker), FAN_OUT).await;
        let mut one = latencies(&receipts, &HashMap::from([(marker, t0)]));
        one.sort();
        complete.push(*one.last().expect("receipts"));
        all.extend(one);
    }
    complete.sort();
    println!(
        "  fan-out of one organization-wide event to {FAN_OUT} connections ({FAN_OUT_ROUNDS} rounds): every connection reached in p50 {:.1} ms, max {:.1} ms; per receipt {}",
        ms(crate::percentile(&complete, 0.5)),
        ms(*complete.last().expect("rounds")),
        summary(all)
    );

    drop(clients.stdin.take());
    let _ = clients.wait().await;
    let _ = std::fs::remove_file(url_file);
}

fn local_sockets(state: &AppState) -> cloud::LocalSockets {
    dev_server::live_socket::local_sockets(state).expect("the bench state pushes to local sockets")
}

/// The client process: opens every URL in the file, says `READY n`, then reports each
/// message's marker and receipt time until its stdin closes.
pub async fn clients(url_file: &str) {
    use futures::StreamExt;
    let urls: Vec<String> = std::fs::read_to_string(url_file)
        .expect("url file")
        .lines()
        .map(str::to_owned)
        .collect();
    let (lines, mut out) = tokio::sync::mpsc::unbounded_channel::<String>();
    let connects = urls.into_iter().map(|url| async move {
        tokio_tungstenite::connect_async(url)
            .await
            .ok()
            .map(|(socket, _)| socket)
    });
    let sockets: Vec<_> = futures::stream::iter(connects)
        .buffer_unordered(50)
        .filter_map(|socket| async move { socket })
        .collect()
        .await;
    let opened = sockets.len();
    for mut socket in sockets {
        let lines = lines.clone();
        tokio::spawn(async move {
            while let Some(Ok(message)) = socket.next().await {
                let at = now_micros();
                let Ok(text) = message.into_text() else {
                    continue;
                };
                let Ok(value) = serde_json::from_str::<serde_json::Value>(text.as_str()) else {
                    continue;
                };
                let data = &value["data"];
                let marker = data["notification"]["title"]
                    .as_str()
                    .or(data["export_id"].as_str())
                    .or(data["post_id"].as_str());
                if let Some(marker) = marker {
                    let _ = lines.send(format!("R {marker} {at}"));
                }
            }
        });
    }
    println!("READY {opened}");
    let stdout = tokio::spawn(async move {
        let mut stdout = std::io::stdout();
        while let Some(line) = out.recv().await {
            let _ = writeln!(stdout, "{line}");
            let _ = stdout.flush();
        }
    });
    // Until the benchmark closes our stdin.
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(_)) = stdin.next_line().await {}
    stdout.abort();
}
