//! Analytics: the metrics sync through the sandbox of every platform (history kept, imports,
//! rate limits, deadlines), the dashboards' numbers against a known dataset (exact sums, time
//! zones around DST, filters, cursors), tenant isolation, reports (CSV and PDF read back),
//! the export, and retention.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use http::StatusCode;
use integration_tests::{Member, TestApp, auth, connect, http_get};
use platform_sandbox::FaultKind;
use serde_json::{Value, json};
use store::OrgId;
use store::analytics::sync::{self as db_sync, Counts, DueTarget, TimelinePost};
use uuid::Uuid;

const PLATFORMS: [&str; 5] = ["x", "facebook", "instagram", "linkedin", "tiktok"];

/// The sandbox user behind a connected account's platform id.
pub(crate) fn sandbox_user(account_id: &str) -> &str {
    account_id
        .strip_prefix("page-")
        .or_else(|| account_id.strip_prefix("ig-"))
        .unwrap_or(account_id)
}

pub(crate) async fn plant_history(
    app: &TestApp,
    platform: &str,
    account_id: &str,
    days: u32,
    per_day: u32,
) -> u64 {
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/_sandbox/history", app.env.sandbox_url))
        .json(&json!({ "platform": platform, "user": sandbox_user(account_id), "days": days, "per_day": per_day }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["planted"].as_u64().unwrap()
}

async fn set_sandbox_clock(app: &TestApp, at: DateTime<Utc>) {
    let status = reqwest::Client::new()
        .put(format!("{}/_sandbox/clock", app.env.sandbox_url))
        .json(&json!({ "unix": at.timestamp() }))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::NO_CONTENT);
}

/// Connects `platforms` for `admin`; returns (social account id, platform account id) each.
pub(crate) async fn connect_all(
    app: &TestApp,
    admin: &Member,
    platforms: &[&str],
) -> Vec<(String, String)> {
    app.grant_plan(admin, "business").await;
    let db = connect(&app.env.database).await;
    let mut accounts = Vec::new();
    for platform in platforms {
        let id = app.connect_account(admin, platform).await;
        let platform_id: String = db
            .query_one(
                "SELECT account_id FROM social_accounts WHERE id = $1::text::uuid",
                &[&id],
            )
            .await
            .unwrap()
            .get(0);
        accounts.push((id, platform_id));
    }
    accounts
}

/// `(item[label], item[number])` of each item of a JSON array.
fn pairs(items: &Value, label: &str, number: &str) -> Vec<(String, i64)> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item[label].as_str().unwrap().to_owned(),
                item[number].as_i64().unwrap(),
            )
        })
        .collect()
}

pub(crate) fn far() -> Instant {
    Instant::now() + Duration::from_secs(120)
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    connect(&app.env.database)
        .await
        .query_one(sql, &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn given_history_on_every_platform_when_the_sync_runs_twice_then_every_snapshot_is_kept() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Everywhere").await;
    let accounts = connect_all(&app, &admin, &PLATFORMS).await;
    let mut planted = 0;
    for ((_, platform_id), platform) in accounts.iter().zip(PLATFORMS) {
        planted += plant_history(&app, platform, platform_id, 3, 2).await;
    }
    assert_eq!(planted, 5 * 3 * 2);

    // When the scheduled sync runs now…
    let now = Utc::now();
    let first = analytics::sync::run(&app.state, now, far()).await.unwrap();

    // …then every planted post is imported, marked as such, with its numbers as the platform
    // reports them, and every account has a follower count.
    let errors: Vec<String> = connect(&app.env.database)
        .await
        .query(
            "SELECT coalesce(last_error, '') FROM metrics_sync_state",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(first.accounts, 5);
    assert_eq!(first.imported as u64, planted, "{first:?} {errors:?}");
    assert_eq!(first.snapshots as u64, planted);
    assert_eq!(first.failed, 0, "{first:?}");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM posts WHERE origin = 'imported' AND status = 'published'"
        )
        .await as u64,
        planted
    );
    let db = connect(&app.env.database).await;
    for ((id, platform_id), platform) in accounts.iter().zip(PLATFORMS) {
        let followers: i64 = db
            .query_one(
                "SELECT followers_count::int8 FROM analytics WHERE social_account_id = $1::text::uuid AND post_id IS NULL",
                &[id],
            )
            .await
            .unwrap()
            .get(0);
        let expected =
            platform_sandbox::model::followers(platform_id, now.timestamp() as u64) as i64;
        assert!(
            (followers - expected).abs() <= 1,
            "{platform}: {followers} vs {expected}"
        );
        let likes: i64 = db
            .query_one(
                "SELECT coalesce(sum(likes), 0)::int8 FROM post_metrics WHERE social_account_id = $1::text::uuid",
                &[id],
            )
            .await
            .unwrap()
            .get(0);
        assert!(likes > 0, "{platform} reported no likes");
    }
    // Instagram alone gives demographics.
    assert_eq!(
        count(
            &app,
            "SELECT count(DISTINCT social_account_id) FROM audience_insights"
        )
        .await,
        1
    );

    // When it runs again two hours later, the posts of the last 48 hours are due again and
    // their new snapshots are added; the earlier ones stay as they were.
    let before: Vec<(Uuid, i32)> = db
        .query(
            "SELECT id, likes_count FROM analytics WHERE post_id IS NOT NULL ORDER BY id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let later = now + chrono::Duration::hours(2);
    set_sandbox_clock(&app, later).await;
    let second = analytics::sync::run(&app.state, later, far())
        .await
        .unwrap();
    assert_eq!(second.imported, 0, "nothing new on the timelines");
    let recent = count(
        &app,
        &format!(
            "SELECT count(*) FROM post_metrics WHERE published_at > '{}'::timestamptz - interval '48 hours'",
            now.to_rfc3339()
        ),
    )
    .await;
    assert_eq!(second.snapshots as i64, recent);
    let after: Vec<(Uuid, i32)> = db
        .query(
            "SELECT id, likes_count FROM analytics WHERE post_id IS NOT NULL ORDER BY id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .filter(|(id, _)| before.iter().any(|(b, _)| b == id))
        .collect();
    assert_eq!(after, before, "history is never rewritten");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM analytics WHERE post_id IS NOT NULL"
        )
        .await,
        planted as i64 + recent
    );
}

#[tokio::test]
async fn given_a_rate_limit_on_x_when_the_sync_runs_then_only_x_waits_for_its_reset() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Throttled").await;
    let accounts = connect_all(&app, &admin, &["x", "tiktok"]).await;
    for ((_, platform_id), platform) in accounts.iter().zip(["x", "tiktok"]) {
        plant_history(&app, platform, platform_id, 2, 3).await;
    }
    app.sandbox_fault(&platform_sandbox::Fault {
        platform: Some(domain::Platform::X),
        user: None,
        path_contains: Some("/2/tweets?".into()),
        kind: FaultKind::RateLimited {
            reset_after_secs: 600,
        },
        times: 1,
    })
    .await;

    let now = Utc::now();
    let report = analytics::sync::run(&app.state, now, far()).await.unwrap();

    assert_eq!(report.paused, 1, "{report:?}");
    assert_eq!(report.failed, 0);
    let paused: Option<DateTime<Utc>> = connect(&app.env.database)
        .await
        .query_one(
            "SELECT paused_until FROM metrics_sync_state WHERE social_account_id = $1::text::uuid",
            &[&accounts[0].0],
        )
        .await
        .unwrap()
        .get(0);
    let paused = paused.expect("X is paused");
    assert!(
        paused > now + chrono::Duration::minutes(9),
        "until X's reset: {paused}"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM post_metrics WHERE platform = 'tiktok' AND synced_at IS NULL"
        )
        .await,
        0,
        "TikTok synced regardless"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM post_metrics WHERE platform = 'x' AND synced_at IS NOT NULL"
        )
        .await,
        0
    );

    // A run before the reset leaves X alone; one after it catches up.
    let early = analytics::sync::run(&app.state, now + chrono::Duration::minutes(5), far())
        .await
        .unwrap();
    assert_eq!(early.accounts, 1, "only TikTok: {early:?}");
    let after_reset = paused + chrono::Duration::seconds(1);
    set_sandbox_clock(&app, after_reset).await;
    analytics::sync::run(&app.state, after_reset, far())
        .await
        .unwrap();
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM post_metrics WHERE platform = 'x' AND synced_at IS NULL"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn given_a_slow_platform_when_the_deadline_comes_then_the_run_stops_and_the_next_continues() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Deadline").await;
    let accounts = connect_all(&app, &admin, &["x"]).await;
    // 250 posts: three metrics calls of up to 100 ids.
    let planted = plant_history(&app, "x", &accounts[0].1, 25, 10).await;
    assert_eq!(planted, 250);
    app.sandbox_fault(&platform_sandbox::Fault {
        platform: Some(domain::Platform::X),
        user: None,
        path_contains: Some("/2/tweets?".into()),
        kind: FaultKind::Slow { millis: 1_500 },
        times: 3,
    })
    .await;

    // A deadline that leaves room for about one slow call after the safety margin.
    let deadline = Instant::now() + analytics::sync::DEADLINE_MARGIN + Duration::from_millis(2_000);
    let now = Utc::now();
    let first = analytics::sync::run(&app.state, now, deadline)
        .await
        .unwrap();
    assert!(first.stopped_at_deadline, "{first:?}");
    assert!(
        first.snapshots > 0 && (first.snapshots as u64) < planted,
        "{first:?}"
    );
    assert!(
        Instant::now() < deadline + Duration::from_millis(500),
        "it stopped in time"
    );

    let second = analytics::sync::run(&app.state, Utc::now(), far())
        .await
        .unwrap();
    assert_eq!(
        (first.snapshots + second.snapshots) as u64,
        planted,
        "{second:?}"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM post_metrics WHERE synced_at IS NULL"
        )
        .await,
        0
    );
}

/// A post on `account` published at `at` with these numbers, recorded as the sync records them.
#[allow(clippy::too_many_arguments)]
async fn known_post(
    app: &TestApp,
    org: &str,
    account: &str,
    at: &str,
    content_type: &str,
    text: &str,
    impressions: i64,
    likes: i64,
) -> Uuid {
    let mut db = connect(&app.env.database).await;
    let tx = db.transaction().await.unwrap();
    let org = OrgId::new(org.parse().unwrap());
    let account: Uuid = account.parse().unwrap();
    let published_at: DateTime<Utc> = at.parse().unwrap();
    let id = format!("known-{}", Uuid::new_v4());
    db_sync::import_post(
        &tx,
        org,
        account,
        &TimelinePost {
            platform_post_id: &id,
            text,
            content_type,
            published_at,
        },
        published_at,
    )
    .await
    .unwrap();
    let row = tx
        .query_one(
            "SELECT pm.post_platform_id, pm.post_id FROM post_metrics pm JOIN post_platforms pp ON pp.id = pm.post_platform_id WHERE pp.platform_post_id = $1",
            &[&id],
        )
        .await
        .unwrap();
    let target = DueTarget {
        post_platform_id: row.get(0),
        post_id: row.get(1),
        platform_post_id: id,
        published_at,
    };
    let counts = Counts {
        likes,
        comments: 1,
        impressions,
        reach: impressions / 2,
        ..Counts::default()
    };
    let now = Utc::now();
    db_sync::record_post_snapshot(&tx, org, account, &target, &counts, now, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    target.post_id
}

async fn followers_on(app: &TestApp, org: &str, account: &str, at: &str, followers: i64) {
    let db = connect(&app.env.database).await;
    db_sync::record_account_snapshot(
        &db,
        OrgId::new(org.parse().unwrap()),
        account.parse().unwrap(),
        followers,
        at.parse().unwrap(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn given_a_known_dataset_when_the_dashboards_are_read_then_every_number_is_exact() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Known").await;
    let accounts = connect_all(&app, &admin, &["x", "instagram"]).await;
    let (x, ig) = (accounts[0].0.as_str(), accounts[1].0.as_str());
    let org = admin.organization_id.as_str();
    // October 2026 (the period) and September (the one before).
    known_post(
        &app,
        org,
        x,
        "2026-10-05T10:00:00Z",
        "text",
        "Autumn #launch",
        1000,
        40,
    )
    .await;
    known_post(
        &app,
        org,
        x,
        "2026-10-12T18:00:00Z",
        "image",
        "Tips, \"quoted\" #tips",
        2000,
        150,
    )
    .await;
    known_post(
        &app,
        org,
        ig,
        "2026-10-20T09:00:00Z",
        "video",
        "Reel #launch",
        4000,
        300,
    )
    .await;
    // Around the end of DST in Paris (2026-10-25 03:00 CEST → 02:00 CET): both are Oct 25 in Paris.
    known_post(
        &app,
        org,
        ig,
        "2026-10-24T22:30:00Z",
        "image",
        "Late night",
        500,
        9,
    )
    .await;
    known_post(
        &app,
        org,
        ig,
        "2026-10-25T22:30:00Z",
        "image",
        "Sunday night",
        500,
        19,
    )
    .await;
    known_post(
        &app,
        org,
        x,
        "2026-09-15T10:00:00Z",
        "text",
        "September",
        1000,
        20,
    )
    .await;
    followers_on(&app, org, x, "2026-09-30T12:00:00Z", 1000).await;
    followers_on(&app, org, x, "2026-10-31T12:00:00Z", 1100).await;
    followers_on(&app, org, ig, "2026-10-15T12:00:00Z", 500).await;
    followers_on(&app, org, ig, "2026-10-30T12:00:00Z", 550).await;
    let api = || app.api(auth(&admin));
    let period = "from=2026-10-01&to=2026-10-31&tz=UTC";

    // Overview: sums, the rate of sums, and the change from September.
    let overview = api().analytics("overview", period).await;
    assert_eq!(overview.status, StatusCode::OK, "{}", overview.body);
    let total = &overview.body["total"];
    assert_eq!(total["current"]["posts"], 5);
    assert_eq!(total["current"]["impressions"], 8000);
    // Engagements: likes + one comment each.
    assert_eq!(total["current"]["engagements"], 40 + 150 + 300 + 9 + 19 + 5);
    assert_eq!(total["current"]["engagement_rate"], 6.54);
    assert_eq!(total["previous"]["posts"], 1);
    assert_eq!(total["change"]["posts"], 400.0);
    assert_eq!(total["current"]["followers"], 1100 + 550);
    assert_eq!(
        total["current"]["followers_gained"],
        json!(100),
        "gained by the accounts that had a count when the period began (X)"
    );
    // The previous period has the same length: 31 days before October 1.
    assert_eq!(overview.body["previous_period"]["from"], "2026-08-31");
    let instagram = overview.body["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["platform"] == "instagram")
        .unwrap();
    assert_eq!(instagram["current"]["impressions"], 5000);
    assert_eq!(instagram["current"]["likes"], 328);

    // Posts: sorted by engagements, filtered, paged by cursor.
    let page = api()
        .analytics("posts", &format!("{period}&sort=engagements&limit=2"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let items = page.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["likes"], 300);
    assert_eq!(items[0]["engagement_rate"], 7.53);
    assert_eq!(items[1]["likes"], 150);
    let cursor = page.body["next_cursor"].as_str().unwrap();
    let rest = api()
        .analytics(
            "posts",
            &format!("{period}&sort=engagements&limit=10&cursor={cursor}"),
        )
        .await;
    let likes: Vec<i64> = rest.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["likes"].as_i64().unwrap())
        .collect();
    assert_eq!(likes, vec![40, 19, 9]);
    assert_eq!(rest.body["next_cursor"], Value::Null);
    let tagged = api()
        .analytics("posts", &format!("{period}&tag=%23launch"))
        .await;
    assert_eq!(tagged.body["items"].as_array().unwrap().len(), 2);
    let images = api()
        .analytics(
            "posts",
            &format!("{period}&content_type=image&platform=instagram"),
        )
        .await;
    assert_eq!(images.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(images.body["items"][0]["origin"], "imported");

    // Engagement by day in Paris: the two late posts fall on the same local day.
    let paris = api()
        .analytics(
            "engagement",
            "from=2026-10-24&to=2026-10-26&tz=Europe/Paris&interval=day",
        )
        .await;
    assert_eq!(paris.status, StatusCode::OK, "{}", paris.body);
    assert_eq!(
        pairs(&paris.body["buckets"], "start", "posts"),
        vec![
            ("2026-10-24".into(), 0),
            ("2026-10-25".into(), 2),
            ("2026-10-26".into(), 0)
        ]
    );
    let utc = api()
        .analytics(
            "engagement",
            "from=2026-10-24&to=2026-10-26&tz=UTC&interval=day",
        )
        .await;
    let posts: Vec<i64> = utc.body["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["posts"].as_i64().unwrap())
        .collect();
    assert_eq!(posts, vec![1, 1, 0]);
    let weekly = api()
        .analytics("engagement", &format!("{period}&interval=week"))
        .await;
    let weeks = weekly.body["buckets"].as_array().unwrap();
    assert_eq!(weeks[0]["start"], "2026-09-28", "weeks start on Monday");
    assert_eq!(
        weeks
            .iter()
            .map(|w| w["posts"].as_i64().unwrap())
            .sum::<i64>(),
        5
    );

    // Growth: the last count of each day, per account and together.
    let growth = api().analytics("growth", period).await;
    assert_eq!(growth.status, StatusCode::OK, "{}", growth.body);
    assert_eq!(
        pairs(&growth.body["total"], "date", "followers"),
        vec![
            ("2026-10-15".into(), 500),
            ("2026-10-30".into(), 550),
            ("2026-10-31".into(), 1650)
        ]
    );

    // Audience: the hour of the week in the caller's zone.
    let audience = api()
        .analytics("audience", &format!("{period}&accounts={x}"))
        .await;
    assert_eq!(audience.status, StatusCode::OK, "{}", audience.body);
    let hours: Vec<(i64, i64)> = audience.body["active_hours"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["weekday"].as_i64().unwrap(), h["hour"].as_i64().unwrap()))
        .collect();
    assert_eq!(hours, vec![(1, 10), (1, 18)]);
}

#[tokio::test]
async fn given_bad_parameters_or_another_organization_then_answers_are_4xx_and_nothing_leaks() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Ours").await;
    let accounts = connect_all(&app, &admin, &["x"]).await;
    known_post(
        &app,
        &admin.organization_id,
        &accounts[0].0,
        "2026-10-05T10:00:00Z",
        "text",
        "Ours",
        100,
        5,
    )
    .await;
    let stranger = app.register_admin("Theirs").await;

    for (view, query) in [
        ("overview", "from=2026-13-01"),
        ("overview", "from=2026-10-31&to=2026-10-01"),
        ("overview", "tz=Mars/Olympus"),
        ("posts", "cursor=nonsense"),
        ("posts", "content_type=hologram"),
        ("engagement", "from=2020-01-01&to=2022-01-01&interval=day"),
        ("growth", "accounts=not-a-uuid"),
    ] {
        let answer = app.api(auth(&admin)).analytics(view, query).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{view}?{query}: {}",
            answer.body
        );
        assert_eq!(answer.error_code(), "validation_failed");
    }

    // Another organization sees none of it, and cannot name our accounts.
    let theirs = app
        .api(auth(&stranger))
        .analytics("overview", "from=2026-10-01&to=2026-10-31")
        .await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert_eq!(theirs.body["total"]["current"]["posts"], 0);
    let named = app
        .api(auth(&stranger))
        .analytics(
            "posts",
            &format!("from=2026-10-01&to=2026-10-31&accounts={}", accounts[0].0),
        )
        .await;
    assert_eq!(named.status, StatusCode::NOT_FOUND);
    let ours = app
        .api(auth(&admin))
        .analytics("posts", "from=2026-10-01&to=2026-10-31")
        .await;
    assert_eq!(ours.body["items"].as_array().unwrap().len(), 1);
    // A viewer may read analytics.
    let viewer = app.add_member(&admin, "viewer").await;
    let read = app
        .api(auth(&viewer))
        .analytics("overview", "from=2026-10-01&to=2026-10-31")
        .await;
    assert_eq!(read.status, StatusCode::OK);
}

/// The text of a PDF, read back by pypdf (installed in the project venv by xtask).
fn pdf_text(bytes: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("report-{}.pdf", Uuid::new_v4()));
    std::fs::write(&path, bytes).unwrap();
    let python = integration_tests::env("PYTHON_BIN");
    let output = std::process::Command::new(python)
        .args([
            "-c",
            "import sys, pypdf; print('\\n'.join(p.extract_text() for p in pypdf.PdfReader(sys.argv[1]).pages))",
        ])
        .arg(&path)
        .output()
        .expect("python runs");
    let _ = std::fs::remove_file(&path);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn csv_records(text: &str) -> Vec<Vec<String>> {
    // RFC 4180, as the export writes it.
    let mut records = Vec::new();
    let (mut record, mut field, mut quoted, mut chars) =
        (Vec::new(), String::new(), false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => record.push(std::mem::take(&mut field)),
            ('\r', false) => {}
            ('\n', false) => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            _ => field.push(c),
        }
    }
    records
}

#[tokio::test]
async fn given_a_report_request_when_the_builder_runs_then_the_pdf_and_csv_hold_the_numbers() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Reporting Co").await;
    let accounts = connect_all(&app, &admin, &["x", "instagram"]).await;
    let org = admin.organization_id.as_str();
    known_post(
        &app,
        org,
        &accounts[0].0,
        "2026-10-05T10:00:00Z",
        "text",
        "Autumn, \"launch\" day",
        1000,
        40,
    )
    .await;
    known_post(
        &app,
        org,
        &accounts[1].0,
        "2026-10-20T09:00:00Z",
        "video",
        "=SUM(A1) reel",
        4000,
        300,
    )
    .await;

    let requested = app
        .api(auth(&admin))
        .generate_report(json!({ "title": "October for Client A", "from": "2026-10-01", "to": "2026-10-31", "timezone": "Europe/Paris" }))
        .await;
    assert_eq!(requested.status, StatusCode::ACCEPTED, "{}", requested.body);
    assert_eq!(requested.body["status"], "queued");
    assert_eq!(requested.body["pdf_url"], Value::Null);
    let id = requested.body["id"].as_str().unwrap().to_owned();

    // When the builder consumes the queue (the report-builder function's handler)…
    assert_eq!(analytics::reports::drain(&app.state).await.unwrap(), 1);

    // …the report is ready, the requester is told, and both files read back.
    let report = app.api(auth(&admin)).report(&id).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    assert_eq!(report.body["status"], "ready");
    assert_eq!(report.body["progress"], 100);
    let pdf = http_get(report.body["pdf_url"].as_str().unwrap()).await;
    // To look at it: KEEP_REPORT_PDF=/tmp/report.pdf cargo xtask test -- given_a_report
    if let Ok(path) = std::env::var("KEEP_REPORT_PDF") {
        std::fs::write(path, &pdf).unwrap();
    }
    let text = pdf_text(&pdf);
    for expected in [
        "October for Client A",
        "Reporting Co",
        "2026-10-01 to 2026-10-31 (Europe/Paris)",
        "Overview",
        "5,000",
        "Top posts by engagements",
        "=SUM(A1) reel",
        "Engagement by day",
    ] {
        assert!(
            text.contains(expected),
            "the PDF lacks {expected:?}:\n{text}"
        );
    }
    let csv = String::from_utf8(http_get(report.body["csv_url"].as_str().unwrap()).await).unwrap();
    let records = csv_records(&csv);
    assert_eq!(records.len(), 3, "a header and two posts:\n{csv}");
    let header = &records[0];
    let text_at = header.iter().position(|h| h == "text").unwrap();
    assert_eq!(records[1][text_at], "Autumn, \"launch\" day");
    assert_eq!(
        records[2][text_at], "'=SUM(A1) reel",
        "formulas are defused"
    );
    let notifications = app.api(auth(&admin)).notifications("").await;
    assert_eq!(
        notifications.body["notifications"][0]["kind"],
        "report_ready"
    );
    let listed = app.api(auth(&admin)).reports("").await;
    assert_eq!(listed.body["items"][0]["id"], id.as_str());

    // Another organization cannot see it; a second delivery of the message does nothing.
    let stranger = app.register_admin("Elsewhere").await;
    assert_eq!(
        app.api(auth(&stranger)).report(&id).await.status,
        StatusCode::NOT_FOUND
    );
    analytics::reports::build(&app.state, id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM analytics_reports WHERE status = 'ready'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn given_many_posts_when_everything_is_exported_then_the_csv_holds_every_post() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Exporter").await;
    let accounts = connect_all(&app, &admin, &["x"]).await;
    // More rows than one page of the export's reads, more posts than one timeline page.
    let planted = plant_history(&app, "x", &accounts[0].1, 120, 12).await;
    let synced = analytics::sync::run(&app.state, Utc::now(), far())
        .await
        .unwrap();
    assert_eq!(synced.imported as u64, planted);

    let export = app.api(auth(&admin)).analytics("export", "").await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.body);
    assert_eq!(export.body["rows"].as_u64().unwrap(), planted);
    let csv =
        String::from_utf8(http_get(export.body["download_url"].as_str().unwrap()).await).unwrap();
    assert_eq!(csv.len() as u64, export.body["bytes"].as_u64().unwrap());
    let records = csv_records(&csv);
    assert_eq!(records.len() as u64, planted + 1);
    assert!(
        records.iter().all(|r| r.len() == records[0].len()),
        "every row has every column"
    );
    let ids: std::collections::HashSet<&String> = records[1..].iter().map(|r| &r[1]).collect();
    assert_eq!(ids.len() as u64, planted, "each post once");
}

#[tokio::test]
async fn given_a_retention_of_thirty_days_when_maintenance_runs_then_older_history_goes() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Forgetful").await;
    let accounts = connect_all(&app, &admin, &["x"]).await;
    let org = admin.organization_id.as_str();
    let old = (Utc::now() - chrono::Duration::days(40)).to_rfc3339();
    let recent = (Utc::now() - chrono::Duration::days(10)).to_rfc3339();
    followers_on(&app, org, &accounts[0].0, &old, 10).await;
    followers_on(&app, org, &accounts[0].0, &recent, 20).await;
    known_post(&app, org, &accounts[0].0, &old, "text", "Old post", 100, 5).await;
    let db = connect(&app.env.database).await;
    db.execute(
        "UPDATE organizations SET data_retention_days = 30 WHERE id = $1::text::uuid",
        &[&admin.organization_id],
    )
    .await
    .unwrap();
    let other = app.register_admin("Keeper").await;
    for org in [&admin.organization_id, &other.organization_id] {
        db.execute(
            "INSERT INTO audit_logs (organization_id, action, resource_type, created_at)
             VALUES ($1::text::uuid, 'read', 'analytics', now() - interval '40 days')",
            &[org],
        )
        .await
        .unwrap();
    }

    let expired = upkeep::apply_retention(&app.state, Utc::now())
        .await
        .unwrap();

    assert_eq!(expired.analytics, 1, "the 40-day-old follower count");
    assert!(expired.audit_logs >= 1);
    let left: Vec<i32> = db
        .query(
            "SELECT followers_count FROM analytics WHERE post_id IS NULL",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(left, vec![20]);
    // The post and its latest numbers stay; so does the other organization's audit trail.
    assert_eq!(count(&app, "SELECT count(*) FROM post_metrics").await, 1);
    let kept: i64 = db
        .query_one(
            "SELECT count(*) FROM audit_logs WHERE organization_id = $1::text::uuid",
            &[&other.organization_id],
        )
        .await
        .unwrap()
        .get(0);
    assert!(kept > 0);
}

#[tokio::test]
async fn given_seed_demo_when_a_newcomer_signs_in_then_months_of_history_are_there() {
    let app = TestApp::spawn().await;

    let seeded = dev_server::demo::seed(&app.state, &app.env.sandbox, 60)
        .await
        .unwrap();
    assert!(!seeded.already_there);
    assert_eq!(seeded.posts_planted, 5 * 60);
    println!(
        "seeded 60 days in {:.1} s ({} snapshots)",
        seeded.elapsed.as_secs_f64(),
        seeded.snapshots
    );

    let login = app
        .api(None)
        .login(json!({ "email": dev_server::demo::DEMO_EMAIL, "password": dev_server::demo::DEMO_PASSWORD }))
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    let token = login.body["access_token"].as_str().unwrap().to_owned();
    let api = || app.api(Some(&token));
    let today = Utc::now().date_naive();
    let period = format!(
        "from={}&to={today}&tz=UTC",
        today - chrono::Duration::days(29)
    );
    let overview = api().analytics("overview", &period).await;
    assert_eq!(overview.status, StatusCode::OK, "{}", overview.body);
    assert_eq!(overview.body["accounts"].as_array().unwrap().len(), 5);
    assert!(overview.body["total"]["current"]["posts"].as_i64().unwrap() >= 5 * 29);
    assert!(
        overview.body["total"]["current"]["engagement_rate"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    let growth = api().analytics("growth", &period).await;
    let points = growth.body["total"].as_array().unwrap();
    assert!(
        points.len() >= 29,
        "a follower count a day: {}",
        points.len()
    );
    let first = points.first().unwrap()["followers"].as_i64().unwrap();
    let last = points.last().unwrap()["followers"].as_i64().unwrap();
    assert!(last > first, "followers grow: {first} → {last}");
    // The planted evening peak shows: posts that went out Tuesday or Thursday 17–20 UTC engage
    // far better than the rest.
    let audience = api().analytics("audience", &period).await;
    let (mut peak, mut rest) = ((0, 0), (0, 0));
    for slot in audience.body["active_hours"].as_array().unwrap() {
        let (day, hour) = (
            slot["weekday"].as_i64().unwrap(),
            slot["hour"].as_i64().unwrap(),
        );
        let sums = if [2, 4].contains(&day) && (17..20).contains(&hour) {
            &mut peak
        } else {
            &mut rest
        };
        sums.0 += slot["engagements"].as_i64().unwrap();
        sums.1 += slot["impressions"].as_i64().unwrap();
    }
    let rate = |(e, i): (i64, i64)| e as f64 / i as f64;
    assert!(peak.1 > 0, "some posts went out at the peak");
    assert!(
        rate(peak) > 1.3 * rate(rest),
        "peak {:.4} vs rest {:.4}",
        rate(peak),
        rate(rest)
    );
    // A report of the demo's last 60 days builds.
    let requested = api()
        .generate_report(json!({ "title": "Demo: two months", "from": (today - chrono::Duration::days(59)).to_string(), "to": today.to_string() }))
        .await;
    assert_eq!(requested.status, StatusCode::ACCEPTED, "{}", requested.body);
    analytics::reports::drain(&app.state).await.unwrap();
    let report = api().report(requested.body["id"].as_str().unwrap()).await;
    assert_eq!(report.body["status"], "ready", "{}", report.body);
    let pdf = http_get(report.body["pdf_url"].as_str().unwrap()).await;
    if let Ok(path) = std::env::var("KEEP_DEMO_REPORT_PDF") {
        std::fs::write(path, &pdf).unwrap();
    }
    assert!(pdf_text(&pdf).contains("Demo: two months"));

    // The insight agents find what the demo planted: a keyword taking off, complaints piling up.
    let _agents = app.run_agents();
    let trends = api().ai_task("trends/analyze", json!({}), Some(25)).await;
    assert_eq!(
        trends.body["output"]["emerging"],
        json!(["cold brew"]),
        "{}",
        trends.body
    );
    let crisis = api().ai_task("crisis/scan", json!({}), Some(25)).await;
    assert_eq!(crisis.body["output"]["level"], "crisis", "{}", crisis.body);

    // Seeding twice leaves the first seeding alone.
    assert!(
        dev_server::demo::seed(&app.state, &app.env.sandbox, 60)
            .await
            .unwrap()
            .already_there
    );
}

#[tokio::test]
async fn given_a_watchlist_when_competitors_are_added_and_synced_then_their_figures_are_kept_within_the_plan()
 {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Watcher").await;
    app.connect_account(&admin, "x").await;
    app.connect_account(&admin, "instagram").await;
    let api = || app.api(auth(&admin));
    let add = |platform: &'static str, handle: &'static str| {
        app.call_as(
            auth(&admin),
            http::Method::POST,
            "/api/analytics/competitors",
            Some(json!({ "platform": platform, "handle": handle })),
        )
    };

    // Only X and Instagram show public accounts; a name the platform does not know is a 404.
    assert_eq!(
        add("tiktok", "rival").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        add("x", "not a handle").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        add("instagram", "missing_shop").await.status,
        StatusCode::NOT_FOUND
    );

    let rival = add("x", "@Rival_Roasters").await;
    assert_eq!(rival.status, StatusCode::CREATED, "{}", rival.body);
    assert_eq!(rival.body["handle"], "rival_roasters");
    assert_eq!(rival.body["platform_user_id"], "cmp-rival_roasters");
    assert_eq!(
        add("x", "rival_roasters").await.status,
        StatusCode::CONFLICT
    );
    let bar = add("instagram", "bean.bar").await;
    assert_eq!(bar.status, StatusCode::CREATED, "{}", bar.body);
    // The free plan watches two.
    let third = add("x", "another_one").await;
    assert_eq!(third.status, StatusCode::PAYMENT_REQUIRED, "{}", third.body);
    assert_eq!(third.error_code(), "plan_limit_reached");

    let now = Utc::now();
    let watched = api().analytics("competitors", "").await;
    assert_eq!(watched.status, StatusCode::OK, "{}", watched.body);
    assert_eq!(watched.body["limit"], 2);
    let list = watched.body["competitors"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let x = list.iter().find(|c| c["platform"] == "x").unwrap();
    let followers = x["latest"]["followers_count"].as_i64().unwrap();
    let expected =
        platform_sandbox::model::followers("cmp-rival_roasters", now.timestamp() as u64) as i64;
    assert!(
        (followers - expected).abs() <= 1,
        "{followers} vs {expected}"
    );
    // 30 days backfilled: one post a day in the sandbox's made-up history.
    for competitor in list {
        let recent = competitor["latest"]["recent_posts"].as_i64().unwrap();
        assert!((29..=30).contains(&recent), "{competitor}");
        assert!(competitor["engagements_per_post"].as_f64().unwrap() > 0.0);
    }
    let own: Vec<&str> = watched.body["own"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["platform"].as_str().unwrap())
        .collect();
    assert_eq!(own, vec!["x", "instagram"]);

    // The sync refreshes each once a day.
    let tomorrow = now + chrono::Duration::hours(21);
    set_sandbox_clock(&app, tomorrow).await;
    let report = analytics::sync::run(&app.state, tomorrow, far())
        .await
        .unwrap();
    assert_eq!(report.competitors, 2, "{report:?}");
    assert_eq!(
        count(&app, "SELECT count(*) FROM competitor_snapshots").await,
        4
    );
    let again = analytics::sync::run(&app.state, tomorrow + chrono::Duration::hours(1), far())
        .await
        .unwrap();
    assert_eq!(again.competitors, 0, "not twice a day");

    // Another organization sees none of it and cannot remove it; we can.
    let stranger = app.register_admin("Stranger").await;
    let id = rival.body["id"].as_str().unwrap();
    let path = format!("/api/analytics/competitors/{id}");
    assert_eq!(
        app.call_as(auth(&stranger), http::Method::DELETE, &path, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let theirs = app.api(auth(&stranger)).analytics("competitors", "").await;
    assert_eq!(theirs.body["competitors"], json!([]));
    let without_x = app
        .call_as(
            auth(&stranger),
            http::Method::POST,
            "/api/analytics/competitors",
            Some(json!({ "platform": "x", "handle": "rival_roasters" })),
        )
        .await;
    assert_eq!(without_x.status, StatusCode::CONFLICT, "{}", without_x.body);
    assert_eq!(
        app.call_as(auth(&admin), http::Method::DELETE, &path, None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM competitor_snapshots").await,
        2
    );
}

#[tokio::test]
async fn given_hashtags_over_two_periods_when_trends_are_read_then_rising_and_new_ones_show() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Trendy").await;
    let accounts = connect_all(&app, &admin, &["x"]).await;
    let (org, x) = (admin.organization_id.as_str(), accounts[0].0.as_str());
    // September (the period before): #launch engaged 2.1 %.
    known_post(
        &app,
        org,
        x,
        "2026-09-10T10:00:00Z",
        "text",
        "Teaser #launch",
        1000,
        20,
    )
    .await;
    // October: #launch twice at 6.84 %, #tips twice at 2.1 %, #once once.
    known_post(
        &app,
        org,
        x,
        "2026-10-05T10:00:00Z",
        "text",
        "Day one #launch #tips",
        1000,
        40,
    )
    .await;
    known_post(
        &app,
        org,
        x,
        "2026-10-20T10:00:00Z",
        "video",
        "The reel #launch",
        4000,
        300,
    )
    .await;
    known_post(
        &app,
        org,
        x,
        "2026-10-21T10:00:00Z",
        "image",
        "More #tips #once",
        1000,
        0,
    )
    .await;

    let trends = app
        .api(auth(&admin))
        .analytics("trends", "from=2026-10-01&to=2026-10-31&tz=UTC")
        .await;
    assert_eq!(trends.status, StatusCode::OK, "{}", trends.body);
    let tags = trends.body["hashtags"].as_array().unwrap();
    let names: Vec<&str> = tags.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        vec!["launch", "tips"],
        "two posts at least, best rate first"
    );
    assert_eq!(tags[0]["engagement_rate"], 6.84);
    assert_eq!(tags[0]["previous_engagement_rate"], 2.1);
    assert_eq!(tags[0]["change_points"], 4.74);
    assert_eq!(tags[0]["direction"], "rising");
    assert_eq!(tags[1]["direction"], "new");
    let types: Vec<(&str, &str)> = trends.body["content_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap(),
                t["direction"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        types,
        vec![("video", "new"), ("text", "rising"), ("image", "new")]
    );
}

#[tokio::test]
async fn given_x_says_a_call_used_up_its_window_when_the_sync_runs_then_x_waits_without_a_429() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Windowed").await;
    let accounts = connect_all(&app, &admin, &["x"]).await;
    // 150 posts: two metrics calls, the first of which uses up X's window.
    plant_history(&app, "x", &accounts[0].1, 15, 10).await;
    app.sandbox_fault(&platform_sandbox::Fault {
        platform: Some(domain::Platform::X),
        user: None,
        path_contains: Some("/2/tweets?".into()),
        kind: FaultKind::WindowUsedUp {
            reset_after_secs: 900,
        },
        times: 1,
    })
    .await;

    let now = Utc::now();
    let report = analytics::sync::run(&app.state, now, far()).await.unwrap();

    // The first call's snapshots are kept; the second waits for the window's reset.
    assert_eq!(report.snapshots, 100, "{report:?}");
    assert_eq!(report.paused, 1);
    let paused: Option<DateTime<Utc>> = connect(&app.env.database)
        .await
        .query_one("SELECT paused_until FROM metrics_sync_state", &[])
        .await
        .unwrap()
        .get(0);
    assert!(paused.expect("paused") > now + chrono::Duration::minutes(14));
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM post_metrics WHERE synced_at IS NULL"
        )
        .await,
        50
    );
}
