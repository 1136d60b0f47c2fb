//! `bench webhooks`: Stripe's webhook as `webhook-stripe` serves it — 8 execution
//! environments with the deployed pool each, 4,000 signed subscription events for 200
//! organizations arriving shuffled (so many arrive after a newer one), then every one of them
//! again (redeliveries): latency percentiles and throughput, and a check that each
//! organization ends on its newest event's plan. Then the outgoing side: 1,000 queued
//! deliveries sent to a local receiver, SSRF-checked and signed; and the cost of the cached
//! maintenance switch every request pays.

use std::time::{Duration, Instant};

use futures::StreamExt;
use rand::seq::SliceRandom;
use serde_json::{Value, json};

const ENVIRONMENTS: usize = 8;
const ORGANIZATIONS: usize = 200;
const EVENTS_PER_ORGANIZATION: usize = 20;
const DELIVERIES: usize = 1_000;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `webhook-stripe` as its function serves it.
async fn serve(environment: runtime::AppState) -> u16 {
    crate::api_load::serve_routes(http_kit::with_maintenance(
        api::webhooks::stripe_router(environment.clone()),
        environment,
    ))
    .await
}

fn price(n: usize) -> &'static str {
    ["price_pro", "price_business", "price_enterprise"][n % 3]
}

/// Sends `events` with one connection per environment, one request at a time each; returns
/// each request's latency and the wall time.
async fn deliver(ports: &[u16], events: &[Value]) -> (Vec<Duration>, Duration) {
    let started = Instant::now();
    let per_port: Vec<Vec<&Value>> = (0..ports.len())
        .map(|i| events.iter().skip(i).step_by(ports.len()).collect())
        .collect();
    let results = futures::stream::iter(ports.iter().zip(per_port))
        .map(|(port, mine)| async move {
            let client = reqwest::Client::new();
            let mut latencies = Vec::with_capacity(mine.len());
            for event in mine {
                let body = event.to_string();
                let signature = platform_sandbox::stripe::stripe_signature(
                    billing::stripe::SANDBOX_WEBHOOK_SECRET,
                    body.as_bytes(),
                    chrono::Utc::now().timestamp() as u64,
                );
                let sent = Instant::now();
                let answer = client
                    .post(format!("http://127.0.0.1:{port}/webhooks/stripe"))
                    .header("stripe-signature", signature)
                    .body(body)
                    .send()
                    .await
                    .expect("delivered");
                assert_eq!(answer.status(), 200);
                latencies.push(sent.elapsed());
            }
            latencies
        })
        .buffer_unordered(ports.len())
        .collect::<Vec<_>>()
        .await;
    let mut all: Vec<Duration> = results.into_iter().flatten().collect();
    all.sort();
    (all, started.elapsed())
}

fn report(name: &str, latencies: &[Duration], wall: Duration) {
    println!(
        "  {name}: {} events in {:.2} s = {:.0}/s; latency p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms",
        latencies.len(),
        wall.as_secs_f64(),
        latencies.len() as f64 / wall.as_secs_f64(),
        ms(crate::percentile(latencies, 0.50)),
        ms(crate::percentile(latencies, 0.95)),
        ms(crate::percentile(latencies, 0.99)),
    );
}

pub async fn run() {
    println!("== webhooks: Stripe events in, integration deliveries out");
    let (sandbox_url, sandbox) = platform_sandbox::spawn(0).await.expect("sandbox");
    let state = crate::sandboxed_state(&[
        ("PLATFORM_SANDBOX_URL", sandbox_url.clone()),
        ("BILLING", "stripe".to_owned()),
    ])
    .await;
    let db = state.db.client().await.expect("connection");
    let mut organizations = Vec::new();
    for n in 0..ORGANIZATIONS {
        let row = db
            .query_one(
                "INSERT INTO organizations (name, slug) VALUES ($1, $2) RETURNING id",
                &[
                    &format!("Bench {n}"),
                    &format!("bench-{}", uuid::Uuid::new_v4().simple()),
                ],
            )
            .await
            .expect("organization");
        organizations.push(row.get::<_, uuid::Uuid>(0));
    }
    // Each organization's events, one a second; the last one decides its plan.
    let base = chrono::Utc::now().timestamp() - 3_600;
    let mut events = Vec::new();
    for (o, organization) in organizations.iter().enumerate() {
        for e in 0..EVENTS_PER_ORGANIZATION {
            events.push(json!({
                "id": format!("evt_bench_{}", uuid::Uuid::new_v4().simple()),
                "type": "customer.subscription.updated", "created": base + e as i64,
                "data": {"object": {"id": format!("sub_bench_{o}"), "customer": format!("cus_bench_{o}"),
                    "status": "active", "metadata": {"organization_id": organization},
                    "items": {"data": [{"price": {"id": price(o + e)}, "current_period_end": base + 2_592_000}]}}}
            }));
        }
    }
    events.shuffle(&mut rand::rng());
    let mut ports = Vec::new();
    for _ in 0..ENVIRONMENTS {
        ports.push(serve(crate::execution_environment(&state)).await);
    }
    println!(
        "  {ENVIRONMENTS} environments × pool {}, {ORGANIZATIONS} organizations × {EVENTS_PER_ORGANIZATION} events, shuffled",
        state.config.db_max_connections
    );
    let (first, wall) = deliver(&ports, &events).await;
    report(
        "first deliveries (verify, store, apply in order, audit)",
        &first,
        wall,
    );
    let (again, wall) = deliver(&ports, &events).await;
    report("redeliveries (recognised, nothing applied)", &again, wall);
    let mut wrong = 0;
    for (o, organization) in organizations.iter().enumerate() {
        let plan: String = db
            .query_one(
                "SELECT subscription_plan FROM organizations WHERE id = $1",
                &[organization],
            )
            .await
            .expect("plan")
            .get(0);
        let expected = match price(o + EVENTS_PER_ORGANIZATION - 1) {
            "price_pro" => "pro",
            "price_business" => "business",
            _ => "enterprise",
        };
        if plan != expected {
            wrong += 1;
        }
    }
    let audited: i64 = db
        .query_one(
            "SELECT count(*) FROM audit_logs
             WHERE resource_type = 'subscription' AND organization_id = ANY($1)",
            &[&organizations],
        )
        .await
        .expect("count")
        .get(0);
    println!(
        "  organizations not on their newest event's plan: {wrong} of {ORGANIZATIONS}; state changes audited: {audited} (stale events change nothing)"
    );

    // The outgoing side.
    let organization = store::OrgId::new(organizations[0]);
    let secret = "whsec_bench";
    let sealed_id = uuid::Uuid::now_v7();
    let sealed = state.token_cipher().encrypt(
        &json!({"type": "webhook", "signing_secret": secret}).to_string(),
        sealed_id.as_bytes(),
    );
    store::integrations::insert(
        &**db,
        &store::integrations::NewIntegration {
            id: sealed_id,
            organization_id: organization,
            integration_type: "webhook",
            name: "bench",
            configuration: &json!({"url": format!("{sandbox_url}/_sandbox/receivers/bench"),
                                   "events": ["post.published"]}),
            secret_sealed: &sealed,
        },
    )
    .await
    .expect("integration");
    for _ in 0..DELIVERIES {
        integrations::deliveries::emit(
            &**db,
            organization,
            integrations::catalog::EventType::PostPublished,
            json!({"post_id": uuid::Uuid::new_v4(), "platform": "x", "excerpt": "bench"}),
        )
        .await;
    }
    let started = Instant::now();
    let mut sent = 0;
    while sent < DELIVERIES {
        let report = integrations::deliveries::dispatch_due(
            &state,
            Instant::now() + Duration::from_secs(60),
        )
        .await
        .expect("dispatch");
        if report.attempted == 0 {
            break;
        }
        sent += report.delivered;
    }
    let wall = started.elapsed();
    let received = sandbox
        .lock()
        .receivers
        .get("bench")
        .map_or(0, |r| r.requests.len());
    println!(
        "  outgoing: {sent} deliveries (SSRF check, seal opened, signed, POSTed, logged) in {:.2} s = {:.0}/s by one dispatcher; received {received}",
        wall.as_secs_f64(),
        sent as f64 / wall.as_secs_f64()
    );

    // What every request pays for maintenance mode.
    state.refresh_maintenance().await.expect("read");
    let rounds = 100_000;
    let started = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(state.maintenance().await);
    }
    let cached = started.elapsed() / rounds;
    let started = Instant::now();
    for _ in 0..200 {
        state.refresh_maintenance().await.expect("read");
    }
    let read = started.elapsed() / 200;
    let started = Instant::now();
    for _ in 0..10_000 {
        std::hint::black_box(
            integrations::url_policy::check(
                "https://93.184.216.34/hook",
                integrations::url_policy::UrlPolicy::Public,
            )
            .await
            .is_ok(),
        );
    }
    let ssrf = started.elapsed() / 10_000;
    println!(
        "  maintenance switch: {:.2} µs cached (every request), {:.2} ms read from Postgres (at most every 5 s); SSRF check of a literal address {:.2} µs",
        cached.as_secs_f64() * 1e6,
        ms(read),
        ssrf.as_secs_f64() * 1e6
    );
}
