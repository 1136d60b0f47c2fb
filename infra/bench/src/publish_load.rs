//! `bench publish`: 10,000 post targets due in the same minute, published to the platform
//! sandbox through the real publisher code path (`publish_target`, as the publisher function
//! runs it), with 5% duplicate triggers; then the same with 5% injected faults (429, 500,
//! timeouts, lost responses). Both runs must end with zero duplicates at the platforms and
//! zero lost targets.

use std::collections::HashMap;
use std::time::Instant;

use domain::Platform;
use futures::StreamExt;
use platform_sandbox::{Fault, FaultKind};
use platforms::{AppCredentials, AuthorizationRequest, OAuthApp, Pkce, authorization_url};
use runtime::{AppState, Config};
use serde_json::Value;
use uuid::Uuid;

const TARGETS: i64 = 10_000;
/// Concurrent publisher invocations (Lambda concurrency of the publisher function).
const INVOCATIONS: usize = 64;
const PLATFORMS: [Platform; 4] = [
    Platform::X,
    Platform::LinkedIn,
    Platform::TikTok,
    Platform::Facebook,
];

async fn connect(state: &AppState, platform: Platform, organization: Uuid, user: Uuid) -> Uuid {
    let app = AppCredentials {
        client_id: format!("bench-{platform}"),
        client_secret: "bench".into(),
    };
    let pkce = Pkce::generate();
    let authorize = OAuthApp {
        client_id: app.client_id.clone(),
        authorize_url: state.platforms.endpoints().of(platform).authorize.clone(),
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
        .platforms
        .exchange_code(platform, &app, &code, redirect, &pkce.verifier)
        .await
        .expect("tokens");
    let account = state
        .platforms
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
        },
    )
    .await
    .expect("account");
    let access = account.access_token.unwrap_or(tokens.access_token);
    let sealed = state.token_cipher.encrypt(&access, id.as_bytes());
    let refresh = tokens
        .refresh_token
        .map(|r| state.token_cipher.encrypt(&r, id.as_bytes()));
    store::social_accounts::set_tokens(pg, id, &sealed, refresh.as_deref(), tokens.expires_at)
        .await
        .expect("tokens");
    id
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

async fn run_once(state: &AppState, base: &str, label: &str, faults: bool) {
    let suffix = Uuid::new_v4().simple().to_string();
    let client = state.db.client().await.expect("db");
    let pg: &store::tokio_postgres::Client = &client;
    let organization: Uuid = pg
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
        // 5% of the publishes: 2% rate limited, 1.5% server errors, 1% timeouts, 0.5% lost.
        let n = |share: f64| (TARGETS as f64 * share) as u32;
        for (kind, times) in [
            (
                FaultKind::RateLimited {
                    reset_after_secs: 2,
                },
                n(0.02),
            ),
            (FaultKind::ServerError, n(0.015)),
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

    tokio::time::sleep_until(
        (Instant::now() + (due - chrono::Utc::now()).to_std().unwrap_or_default()).into(),
    )
    .await;
    let started = Instant::now();
    let outcomes: Vec<_> = futures::stream::iter(targets)
        .map(|id| async move { api::publishing::publish_target(state, id).await })
        .buffer_unordered(INVOCATIONS)
        .collect()
        .await;
    let errors = outcomes.iter().filter(|o| o.is_err()).count();
    let first_pass = started.elapsed();

    // Retries wait for their backoff; the benchmark moves their clock forward instead of
    // waiting minutes, then runs the sweeper as the schedule would, until nothing is pending.
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
        pg.execute("UPDATE post_platforms SET next_attempt_at = now() WHERE status = 'pending' AND next_attempt_at > now()", &[]).await.expect("clock");
        drop(client);
        api::publishing::sweep(state, INVOCATIONS)
            .await
            .expect("sweep");
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
        "    {} targets due at the same second, {} triggers ({INVOCATIONS} concurrent invocations), {errors} handler errors",
        rows.len(),
        rows.len() + rows.len() / 20
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
            percentile(&delays, 0.5),
            percentile(&delays, 0.99),
            delays.last().copied().unwrap_or(0.0)
        );
    }
    let mut statuses: Vec<_> = by_status.into_iter().collect();
    statuses.sort();
    println!("    outcome: {statuses:?}");
    println!(
        "    duplicates at the platforms: {duplicated}; lost targets: {lost}; peak RSS {:.0} MiB",
        peak_rss_mib()
    );
}

pub async fn run() {
    let (base, _sandbox) = platform_sandbox::spawn(0).await.expect("sandbox");
    let suffix = Uuid::new_v4().simple().to_string();
    let mut vars: HashMap<&str, String> = HashMap::new();
    vars.insert("TABLE_NAME", format!("bench-{suffix}"));
    vars.insert("DB_MAX_CONNECTIONS", "32".into());
    vars.insert("PLATFORM_SANDBOX_URL", base.clone());
    let config =
        Config::from_lookup(|name| vars.get(name).cloned().or_else(|| std::env::var(name).ok()))
            .expect("config");
    let sdk = cloud::load_sdk_config().await;
    let aws = cloud::AwsClients::new(&sdk);
    let names = dev_server::local_stack::LocalResources {
        table: config.table_name.clone(),
        bucket: config.media_bucket.clone(),
        secret_id: config.app_secret_id.clone(),
        email_from: config.email_from.clone(),
        ..Default::default()
    };
    dev_server::local_stack::provision(&aws, &names)
        .await
        .expect("local resources");
    let state = AppState::build(config, &sdk).await.expect("state");
    store::run_migrations(&state.db).await.expect("migrations");
    println!(
        "publish (release build, real publisher path, platform sandbox in-process, local Postgres + moto):"
    );
    run_once(&state, &base, "clean run", false).await;
    run_once(
        &state,
        &base,
        "5% faults (2% 429, 1.5% 500, 1% timeouts, 0.5% lost responses)",
        true,
    )
    .await;
}
