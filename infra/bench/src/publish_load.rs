//! `bench publish`: 10,000 post targets due in the same second, published to the platform
//! sandbox through the real publisher handler (`handle_lane_batch`, as the publisher function
//! runs it on each lane's SQS batches), with 5% duplicate triggers; then the same with 5%
//! injected faults (429, 500, timeouts, lost responses). Each lane runs as many workers as its
//! event source's maximum concurrency, each worker an execution environment with its own pool
//! of the deployed size. Retries go through the real sweeper and the local SQS lanes. Both runs
//! must end with zero duplicates at the platforms and zero lost targets.

use std::collections::HashMap;
use std::time::Instant;

use domain::Platform;
use platform_sandbox::{Fault, FaultKind};
use platforms::{AppCredentials, AuthorizationRequest, OAuthApp, Pkce, authorization_url};
use runtime::AppState;
use serde_json::Value;
use uuid::Uuid;

const TARGETS: i64 = 10_000;
const PLATFORMS: [Platform; 4] = [
    Platform::X,
    Platform::LinkedIn,
    Platform::TikTok,
    Platform::Facebook,
];

async fn connect(
    state: &AppState,
    platform: Platform,
    organization: store::OrgId,
    user: Uuid,
) -> Uuid {
    let app = AppCredentials {
        client_id: format!("bench-{platform}"),
        client_secret: "bench".into(),
    };
    let pkce = Pkce::generate();
    let authorize = OAuthApp {
        client_id: app.client_id.clone(),
        authorize_url: state.platforms().endpoints().of(platform).authorize.clone(),
    };
    let redirect = "https://bench.example.test/callback";
    let url = authorization_url(
        platform,
        &AuthorizationRequest {
            app: &authorize,
            redirect_uri: redirect,
            state: "s",
            pkce: &pkce,
        },
    )
    .expect("url");
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let consent = browser.get(&url).send().await.expect("consent");
    let location =
        url::Url::parse(consent.headers()["location"].to_str().expect("location")).expect("url");
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .expect("code")
        .1
        .into_owned();
    let tokens = state
        .platforms()
        .exchange_code(platform, &app, &code, redirect, &pkce.verifier)
        .await
        .expect("tokens");
    let account = state
        .platforms()
        .accounts(platform, &tokens.access_token)
        .await
        .expect("accounts")
        .remove(0);
    let client = state.db.client().await.expect("db");
    let pg: &store::tokio_postgres::Client = &client;
    let id = Uuid::now_v7();
    store::social_accounts::insert(
        pg,
        &store::social_accounts::NewAccount {
            id,
            organization_id: organization,
            connected_by: user,
            platform,
            account_id: &account.account_id,
            account_name: &account.name,
            account_handle: None,
            followers_count: None,
            owner_id: None,
        },
    )
    .await
    .expect("account");
    let access = account.access_token.unwrap_or(tokens.access_token);
    let sealed = state.token_cipher().encrypt(&access, id.as_bytes());
    let refresh = tokens
        .refresh_token
        .map(|r| state.token_cipher().encrypt(&r, id.as_bytes()));
    store::social_accounts::set_tokens(
        pg,
        organization,
        id,
        &sealed,
        refresh.as_deref(),
        tokens.expires_at,
    )
    .await
    .expect("tokens");
    id
}

async fn run_once(state: &AppState, base: &str, label: &str, faults: bool) {
    let suffix = Uuid::new_v4().simple().to_string();
    let client = state.db.client().await.expect("db");
    let pg: &store::tokio_postgres::Client = &client;
    let organization: store::OrgId = pg
        .query_one("INSERT INTO organizations (name, slug, max_social_accounts) VALUES ($1, $1, 100) RETURNING id", &[&format!("bench-{suffix}")])
        .await
        .expect("org")
        .get(0);
    let user: Uuid = pg
        .query_one("INSERT INTO users (organization_id, email, password_hash, role) VALUES ($1, $2, 'x', 'admin') RETURNING id", &[&organization, &format!("{suffix}@bench.test")])
        .await
        .expect("user")
        .get(0);
    let mut accounts = Vec::new();
    for platform in PLATFORMS {
        accounts.push(connect(state, platform, organization, user).await);
    }
    // Facebook Pages and TikTok need media for some kinds; text posts go everywhere but TikTok,
    // which gets none here: its share of targets goes to X instead.
    let accounts_for_text = [accounts[0], accounts[1], accounts[0], accounts[3]];
    let due = chrono::Utc::now() + chrono::Duration::seconds(3);
    let rows = pg
        .query(
            "WITH p AS (
                INSERT INTO posts (organization_id, user_id, content, status, scheduled_at)
                SELECT $1, $2, 'bench ' || $3 || ' #' || g, 'scheduled', $4 FROM generate_series(1, $5::bigint) g
                RETURNING id, content)
             INSERT INTO post_platforms (post_id, social_account_id, status, scheduled_at)
             SELECT p.id, ($6::uuid[])[1 + (split_part(p.content, '#', 2)::int % 4)], 'pending', $4 FROM p
             RETURNING id",
            &[&organization, &user, &suffix, &due, &TARGETS, &accounts_for_text.to_vec()],
        )
        .await
        .expect("targets");
    let mut targets: Vec<Uuid> = rows.iter().map(|r| r.get(0)).collect();
    drop(client);

    if faults {
        // 5% of the publishes: 2% rate limited, 1% unavailable (503, retried), 0.5% server
        // errors (500 on the publish call: the outcome is unknown), 1% timeouts, 0.5% lost.
        let n = |share: f64| (TARGETS as f64 * share) as u32;
        for (kind, times) in [
            (
                FaultKind::RateLimited {
                    reset_after_secs: 2,
                },
                n(0.02),
            ),
            (FaultKind::Unavailable, n(0.01)),
            (FaultKind::ServerError, n(0.005)),
            (FaultKind::Slow { millis: 2500 }, n(0.01)),
            (FaultKind::LostResponse { millis: 2500 }, n(0.005)),
        ] {
            let fault = Fault {
                platform: None,
                user: None,
                path_contains: None,
                kind,
                times,
            };
            reqwest::Client::new()
                .post(format!("{base}/_sandbox/faults"))
                .json(&fault)
                .send()
                .await
                .expect("fault");
        }
    }
    // 5% of the triggers are delivered twice (Scheduler invokes asynchronously).
    let duplicates: Vec<Uuid> = targets.iter().step_by(20).copied().collect();
    targets.extend(duplicates);

    // The lanes' triggers, as Scheduler delivers them.
    let mut lanes: HashMap<&'static str, Vec<(String, String)>> = HashMap::new();
    {
        let client = state.db.client().await.expect("db");
        let pg: &store::tokio_postgres::Client = &client;
        let platforms: HashMap<Uuid, Platform> = pg
            .query(
                "SELECT pp.id, sa.platform FROM post_platforms pp JOIN social_accounts sa ON sa.id = pp.social_account_id
                 WHERE pp.id = ANY($1)",
                &[&targets],
            )
            .await
            .expect("platforms")
            .iter()
            .map(|r| (r.get(0), r.get::<_, String>(1).parse().expect("platform")))
            .collect();
        for (n, id) in targets.iter().enumerate() {
            let lane = cloud::PublishLane::of(platforms[id]);
            let body = serde_json::json!({ "post_platform_id": id }).to_string();
            lanes
                .entry(lane.queue)
                .or_default()
                .push((format!("m{n}"), body));
        }
    }
    let invocations: usize = cloud::PUBLISH_LANES
        .iter()
        .map(|l| l.max_concurrency as usize)
        .sum();

    tokio::time::sleep_until(
        (Instant::now() + (due - chrono::Utc::now()).to_std().unwrap_or_default()).into(),
    )
    .await;
    let started = Instant::now();
    let mut workers = Vec::new();
    for lane in cloud::PUBLISH_LANES {
        let queue = std::sync::Arc::new(tokio::sync::Mutex::new(
            lanes.remove(lane.queue).unwrap_or_default(),
        ));
        for _ in 0..lane.max_concurrency {
            // One execution environment: its own pool, of the deployed size.
            let env = crate::execution_environment(state);
            let queue = queue.clone();
            workers.push(tokio::spawn(async move {
                let mut failures = 0;
                loop {
                    // Batch size 1, as the event source delivers to the publisher.
                    let Some(message) = queue.lock().await.pop() else {
                        return failures;
                    };
                    failures += posting::handle_lane_batch(&env, vec![message])
                        .await
                        .message_ids
                        .len();
                }
            }));
        }
    }
    let mut errors = 0;
    for worker in workers {
        errors += worker.await.expect("worker");
    }
    let first_pass = started.elapsed();

    // Retries wait for their backoff; the benchmark moves their clock forward instead of
    // waiting minutes, then runs the sweeper and consumes the lanes, until nothing is pending.
    let mut sweeps = 0;
    loop {
        let client = state.db.client().await.expect("db");
        let pg: &store::tokio_postgres::Client = &client;
        let pending: i64 = pg
            .query_one("SELECT count(*) FROM post_platforms pp JOIN posts p ON p.id = pp.post_id WHERE p.organization_id = $1 AND pp.status IN ('pending', 'publishing')", &[&organization])
            .await
            .expect("count")
            .get(0);
        if pending == 0 || sweeps > 20 {
            break;
        }
        pg.execute("UPDATE post_platforms SET next_attempt_at = now(), enqueued_at = NULL WHERE status = 'pending' AND next_attempt_at IS NOT NULL", &[]).await.expect("clock");
        drop(client);
        posting::drain_lanes(state).await.expect("lanes");
        let deadline = Instant::now() + std::time::Duration::from_secs(60);
        posting::sweep(state, deadline).await.expect("sweep");
        posting::drain_lanes(state).await.expect("lanes");
        sweeps += 1;
    }
    let total = started.elapsed();

    let client = state.db.client().await.expect("db");
    let pg: &store::tokio_postgres::Client = &client;
    let rows = pg
        .query(
            "SELECT pp.status, extract(epoch FROM pp.published_at - pp.scheduled_at)::float8 FROM post_platforms pp
             JOIN posts p ON p.id = pp.post_id WHERE p.organization_id = $1",
            &[&organization],
        )
        .await
        .expect("results");
    let mut by_status: HashMap<String, usize> = HashMap::new();
    let mut delays: Vec<f64> = Vec::new();
    for row in &rows {
        *by_status.entry(row.get(0)).or_default() += 1;
        if let Some(delay) = row.get::<_, Option<f64>>(1) {
            delays.push(delay * 1000.0);
        }
    }
    delays.sort_by(|a, b| a.total_cmp(b));
    let published = by_status.get("published").copied().unwrap_or(0);
    let lost = rows.len()
        - published
        - by_status.get("failed").copied().unwrap_or(0)
        - by_status.get("unconfirmed").copied().unwrap_or(0);
    let posts: Value = reqwest::get(format!("{base}/_sandbox/posts"))
        .await
        .expect("posts")
        .json()
        .await
        .expect("json");
    let mut seen: HashMap<String, usize> = HashMap::new();
    for post in posts["posts"].as_array().into_iter().flatten() {
        let text = post["text"].as_str().unwrap_or_default();
        if text.contains(&suffix) {
            *seen.entry(text.to_owned()).or_default() += 1;
        }
    }
    let duplicated = seen.values().filter(|n| **n > 1).count();
    println!("  {label}:");
    println!(
        "    {} targets due at the same second, {} triggers ({invocations} concurrent invocations across the lanes, pool of {} per invocation), {errors} handler errors",
        rows.len(),
        rows.len() + rows.len() / 20,
        state.config.db_max_connections
    );
    println!(
        "    all settled in {:.1} s (first pass {:.1} s, then {sweeps} sweeps); {:.0} published posts/s in the first pass",
        total.as_secs_f64(),
        first_pass.as_secs_f64(),
        published as f64 / first_pass.as_secs_f64()
    );
    if !delays.is_empty() {
        println!(
            "    publish delay after the due time: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
            crate::percentile(&delays, 0.5),
            crate::percentile(&delays, 0.99),
            delays.last().copied().unwrap_or(0.0)
        );
    }
    let mut statuses: Vec<_> = by_status.into_iter().collect();
    statuses.sort();
    println!("    outcome: {statuses:?}");
    println!(
        "    duplicates at the platforms: {duplicated}; lost targets: {lost}; peak RSS {:.0} MiB",
        crate::peak_rss_mib()
    );
}

pub async fn run() {
    let (base, _sandbox) = platform_sandbox::spawn(0).await.expect("sandbox");
    let state = crate::sandboxed_state(&[("PLATFORM_SANDBOX_URL", base.clone())]).await;
    println!(
        "publish (release build, real publisher path, platform sandbox in-process, local Postgres + moto):"
    );
    run_once(&state, &base, "clean run", false).await;
    run_once(
        &state,
        &base,
        "5% faults (2% 429, 1% 503, 0.5% 500, 1% timeouts, 0.5% lost responses)",
        true,
    )
    .await;
}
