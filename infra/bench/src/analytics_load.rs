//! `bench analytics`: the dashboards over 50 accounts × 2 years of daily history and 20,000
//! posts (overview, posts, engagement for a 90-day range, through the real router in one
//! execution environment with the deployed pool), the query plans they use, the full CSV
//! export's time and heap, and the metrics sync of 50 sandbox accounts in one run.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use domain::Platform;

use store::tokio_postgres;

use crate::api_load::Connection;

const ACCOUNTS: i32 = 50;
const POSTS: i32 = 20_000;
const DAYS: i32 = 730;
const SAMPLES: usize = 200;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A database of the benchmark's own, so its thousands of posts weigh on nothing else.
pub(crate) async fn fresh_database(prefix: &str) -> String {
    let admin_url = std::env::var("TEST_ADMIN_DATABASE_URL")
        .expect("TEST_ADMIN_DATABASE_URL: run with `cargo xtask bench analytics`");
    let (admin, connection) = tokio_postgres::connect(&admin_url, tokio_postgres::NoTls)
        .await
        .expect("the admin database");
    tokio::spawn(connection);
    let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create database");
    let mut url = url::Url::parse(&admin_url).expect("url");
    url.set_path(&name);
    url.to_string()
}

/// 50 accounts, 2 years of daily follower counts, 20,000 posts with their latest numbers and
/// five history snapshots each, written by SQL (the sync's speed is measured separately).
async fn generate(db: &tokio_postgres::Client, organization_id: uuid::Uuid, user_id: uuid::Uuid) {
    let platforms = ["x", "facebook", "instagram", "linkedin", "tiktok"];
    db.batch_execute(&format!(
        "UPDATE organizations SET subscription_plan = 'enterprise', max_social_accounts = 100 WHERE id = '{organization_id}';
         INSERT INTO social_accounts (id, organization_id, user_id, platform, account_id, account_name)
         SELECT gen_random_uuid(), '{organization_id}', '{user_id}', (ARRAY['{}'])[1 + i % 5], 'bench-' || i, 'Bench account ' || i
         FROM generate_series(0, {accounts} - 1) i;
         CREATE TEMP TABLE bench_accounts AS
             SELECT id, platform, row_number() OVER (ORDER BY id) - 1 AS n FROM social_accounts
             WHERE organization_id = '{organization_id}';
         INSERT INTO analytics (organization_id, social_account_id, followers_count, recorded_at, date_bucket, hour_bucket)
         SELECT '{organization_id}', a.id, (1000 + a.n * 100 + d * (1 + a.n % 7))::int,
                now() - make_interval(days => d) , (now() - make_interval(days => d))::date, 12
         FROM bench_accounts a, generate_series(0, {days} - 1) d;
         CREATE TEMP TABLE bench_posts AS
             SELECT gen_random_uuid() AS post_id, gen_random_uuid() AS target_id, a.id AS account, a.platform,
                    (ARRAY['text','image','video','carousel'])[1 + i % 4] AS content_type,
                    now() - make_interval(secs => (i::float8 * {days} * 86400 / {posts})) AS published_at, i
             FROM generate_series(0, {posts} - 1) i
             JOIN bench_accounts a ON a.n = i % {accounts};
         INSERT INTO posts (id, organization_id, user_id, content, content_type, hashtags, status, published_at, origin)
         SELECT post_id, '{organization_id}', '{user_id}', 'Benchmark post number ' || i || ' #bench #tag' || (i % 10),
                content_type, jsonb_build_array('bench', 'tag' || (i % 10)), 'published', published_at, 'imported'
         FROM bench_posts;
         INSERT INTO post_platforms (id, post_id, social_account_id, platform_post_id, status, published_at)
         SELECT target_id, post_id, account, 'bench-post-' || i, 'published', published_at FROM bench_posts;
         INSERT INTO post_metrics (post_platform_id, organization_id, post_id, social_account_id, platform, content_type,
                                   published_at, likes, comments, shares, saves, clicks, impressions, reach, video_views,
                                   synced_at, next_sync_at)
         SELECT target_id, '{organization_id}', post_id, account, platform, content_type, published_at,
                10 + i % 90, i % 13, i % 7, i % 5, i % 11, 1000 + (i * 37) % 5000, 800 + (i * 29) % 4000,
                CASE WHEN content_type = 'video' THEN 500 ELSE 0 END, now(), now() + interval '7 days'
         FROM bench_posts;
         INSERT INTO analytics (organization_id, post_id, post_platform_id, social_account_id, likes_count,
                                comments_count, shares_count, impressions_count, reach_count, recorded_at,
                                date_bucket, hour_bucket)
         SELECT '{organization_id}', post_id, target_id, account, s * 2, s, s, s * 100, s * 80,
                published_at + make_interval(hours => s * 24), (published_at + make_interval(hours => s * 24))::date, 12
         FROM bench_posts, generate_series(1, 5) s;
         ANALYZE;",
        platforms.join("','"),
        accounts = ACCOUNTS,
        days = DAYS,
        posts = POSTS,
    ))
    .await
    .expect("the dataset");
}

async fn sample(connection: &mut Connection, token: &str, path: &str) -> (Vec<Duration>, usize) {
    let auth = format!("Authorization: Bearer {token}\r\n");
    let mut times = Vec::with_capacity(SAMPLES);
    let mut bytes = 0;
    for i in 0..SAMPLES + 10 {
        let started = Instant::now();
        let (status, body) = connection.request("GET", path, &auth, "").await;
        let elapsed = started.elapsed();
        assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
        // The first few warm the pool and Postgres' caches.
        if i >= 10 {
            times.push(elapsed);
        }
        bytes = body.len();
    }
    times.sort();
    (times, bytes)
}

fn report(label: &str, times: &[Duration], bytes: usize) {
    println!(
        "  {label:<44} p50 {:>6.2} ms  p95 {:>6.2} ms  p99 {:>6.2} ms  ({bytes} bytes)",
        ms(crate::percentile(times, 0.5)),
        ms(crate::percentile(times, 0.95)),
        ms(crate::percentile(times, 0.99)),
    );
}

/// The plan's top lines for one of the dashboards' queries.
async fn plan(db: &tokio_postgres::Client, label: &str, sql: &str) {
    let rows = db
        .query(&format!("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}"), &[])
        .await
        .expect("explain");
    println!("  plan of {label}:");
    for row in rows.iter().take(12) {
        let line: String = row.get(0);
        println!("    {line}");
    }
}

pub async fn run() {
    let database_url = fresh_database("bench_analytics").await;
    let (sandbox_url, sandbox) = platform_sandbox::spawn(0).await.expect("the sandbox");
    let state = crate::local_state_with("bench-analytics", |name| match name {
        "DATABASE_URL" => Some(database_url.clone()),
        "PLATFORM_SANDBOX_URL" => Some(sandbox_url.clone()),
        _ => None,
    })
    .await;
    let environment = crate::execution_environment(&state);
    let port = crate::api_load::serve_api(environment).await;

    let mut connection = Connection::open(port).await;
    let crate::api_load::Registered {
        token,
        organization_id,
        user_id,
    } = connection.register("analytics-bench").await;

    let (db, db_connection) = tokio_postgres::connect(&database_url, tokio_postgres::NoTls)
        .await
        .expect("the bench database");
    tokio::spawn(db_connection);
    let started = Instant::now();
    generate(&db, organization_id, user_id).await;
    println!(
        "analytics (release build, one execution environment with the deployed pool of {}, loopback, sequential requests, {SAMPLES} samples each):",
        state.config.db_max_connections
    );
    println!(
        "  dataset: {ACCOUNTS} accounts × {DAYS} days of follower counts, {POSTS} posts with 5 snapshots each, generated in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let today = Utc::now().date_naive();
    let period = format!(
        "from={}&to={today}&tz=Europe/Paris",
        today - chrono::Duration::days(89)
    );
    for (label, path) in [
        (
            "overview, 90 days",
            format!("/api/analytics/overview?{period}"),
        ),
        (
            "posts, 90 days, by engagements, 25",
            format!("/api/analytics/posts?{period}&sort=engagements"),
        ),
        ("posts, 90 days, by date, page 2", String::new()),
        (
            "engagement, 90 days, by day",
            format!("/api/analytics/engagement?{period}&interval=day"),
        ),
        (
            "engagement, 2 years, by week",
            format!(
                "/api/analytics/engagement?from={}&to={today}&tz=Europe/Paris&interval=week",
                today - chrono::Duration::days(729)
            ),
        ),
        (
            "growth, 90 days (50 accounts)",
            format!("/api/analytics/growth?{period}"),
        ),
        (
            "audience, 90 days",
            format!("/api/analytics/audience?{period}"),
        ),
    ] {
        let path = if path.is_empty() {
            // The second page of the date-sorted table, through the first page's cursor.
            let auth = format!("Authorization: Bearer {token}\r\n");
            let (_, body) = connection
                .request("GET", &format!("/api/analytics/posts?{period}"), &auth, "")
                .await;
            let page: serde_json::Value = serde_json::from_slice(&body).expect("json");
            format!(
                "/api/analytics/posts?{period}&cursor={}",
                page["next_cursor"].as_str().expect("a second page")
            )
        } else {
            path
        };
        let (times, bytes) = sample(&mut connection, &token, &path).await;
        report(label, &times, bytes);
    }

    let from = Utc::now() - chrono::Duration::days(90);
    let org = organization_id;
    plan(
        &db,
        "overview's sums",
        &format!(
            "SELECT pm.social_account_id, count(*), sum(impressions), sum(engagements) FROM post_metrics pm
             WHERE pm.organization_id = '{org}' AND pm.published_at >= '{from}' AND pm.published_at < now()
             GROUP BY pm.social_account_id"
        ),
    )
    .await;
    plan(
        &db,
        "the post table (by engagements)",
        &format!(
            "WITH page AS (SELECT pm.* FROM post_metrics pm
                 WHERE pm.organization_id = '{org}' AND pm.published_at >= '{from}' AND pm.published_at < now()
                 ORDER BY pm.engagements DESC, pm.post_platform_id DESC LIMIT 26)
             SELECT page.post_platform_id, p.content FROM page JOIN posts p ON p.id = page.post_id
             ORDER BY page.engagements DESC, page.post_platform_id DESC"
        ),
    )
    .await;
    plan(
        &db,
        "followers at a date (one account)",
        &format!(
            "SELECT a.followers_count FROM analytics a
             WHERE a.social_account_id = (SELECT id FROM social_accounts WHERE organization_id = '{org}' LIMIT 1)
               AND a.post_id IS NULL AND a.recorded_at < '{from}' ORDER BY a.recorded_at DESC LIMIT 1"
        ),
    )
    .await;

    // The full export, while a sampler records the process's heap.
    let peak = Arc::new(AtomicUsize::new(0));
    let sampling = Arc::new(AtomicBool::new(true));
    let baseline = crate::heap_in_use();
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(crate::heap_in_use(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_micros(500)).await;
            }
        })
    };
    for (label, query) in [
        (
            "export, last 3 months",
            format!("from={}&tz=UTC", today - chrono::Duration::days(91)),
        ),
        (
            "export, last year",
            format!("from={}&tz=UTC", today - chrono::Duration::days(364)),
        ),
        ("export, everything", String::new()),
    ] {
        peak.store(0, Ordering::Relaxed);
        let started = Instant::now();
        let auth = format!("Authorization: Bearer {token}\r\n");
        let (status, body) = connection
            .request("GET", &format!("/api/analytics/export?{query}"), &auth, "")
            .await;
        let elapsed = started.elapsed();
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let export: serde_json::Value = serde_json::from_slice(&body).expect("json");
        println!(
            "  {label:<28} {} rows, {:.1} MB of CSV to S3 in {:.0} ms; peak heap above the baseline {:.1} MB",
            export["rows"],
            export["bytes"].as_f64().unwrap_or(0.0) / 1e6,
            ms(elapsed),
            peak.load(Ordering::Relaxed).saturating_sub(baseline) as f64 / 1e6,
        );
    }
    sampling.store(false, Ordering::Relaxed);
    let _ = sampler.await;

    sync_fifty_accounts(&state, &sandbox, organization_id, user_id).await;
}

/// 50 sandbox accounts (ten per platform) with 30 days of posts, synced by one run with the
/// deployed function's deadline; then an hourly run an hour later.
async fn sync_fifty_accounts(
    state: &runtime::AppState,
    sandbox: &platform_sandbox::Sandbox,
    organization_id: uuid::Uuid,
    user_id: uuid::Uuid,
) {
    let client = state.db.client().await.expect("db");
    // Only the sandbox accounts are synced: the generated ones have no tokens.
    client
        .batch_execute("UPDATE social_accounts SET is_active = false")
        .await
        .expect("deactivate");
    drop(client);
    let org = store::OrgId::new(organization_id);
    let mut planted = 0;
    for i in 0..ACCOUNTS {
        let platform = Platform::ALL[i as usize % 5];
        let user = format!("bench-sync-{i}");
        dev_server::demo::connect_sandbox_account(
            state, sandbox, org, user_id, platform, &user, &user,
        )
        .await
        .expect("an account");
        planted += sandbox.plant_history(platform, &user, 30, 2);
    }
    // The metrics-sync function's timeout in template.yaml.
    let deadline = Duration::from_secs(600);
    let now = Utc::now();
    let started = Instant::now();
    let first = analytics::sync::run(state, now, Instant::now() + deadline)
        .await
        .expect("the sync");
    println!(
        "  sync, 50 accounts, first run: {} posts imported, {} snapshots, {} follower counts in {:.1} s (deadline {} s, stopped early: {})",
        first.imported,
        first.snapshots,
        first.figures,
        started.elapsed().as_secs_f64(),
        deadline.as_secs(),
        first.stopped_at_deadline
    );
    assert_eq!(first.imported, planted, "{first:?}");
    let later = now + chrono::Duration::hours(1);
    sandbox.set_clock(later.timestamp() as u64);
    let started = Instant::now();
    let hourly = analytics::sync::run(state, later, Instant::now() + deadline)
        .await
        .expect("the sync");
    println!(
        "  sync, 50 accounts, the next hourly run: {} snapshots (posts under 48 h) in {:.1} s",
        hourly.snapshots,
        started.elapsed().as_secs_f64()
    );
}
