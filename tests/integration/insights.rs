//! The insight agents on the platform sandbox's planted patterns (its `model.rs` and
//! `listening.rs` document them): the smart scheduler finds the Tuesday/Thursday evening peak,
//! the predictor beats its baselines or refuses, the trend analyzer finds a planted burst, the
//! crisis manager a planted wave of complaints — and pauses the real publisher, which holds a
//! due post until one click resumes it. Roles and tenant isolation throughout.

use chrono::{Datelike, Utc};
use http::StatusCode;
use integration_tests::{Member, TestApp, auth, connect};
use serde_json::{Value, json};

use crate::analytics::{connect_all, far, plant_history, sandbox_user};

/// A finished task's output, asked for with `Prefer: wait=25`.
async fn answer(app: &TestApp, member: &Member, what: &str, body: Value) -> Value {
    let response = app.api(auth(member)).ai_task(what, body, Some(25)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.body["status"], "completed", "{}", response.body);
    response.body["output"].clone()
}

/// An organization with one X account and 16 weeks of planted history, synced.
async fn with_history(app: &TestApp, name: &str) -> (Member, String, String) {
    let admin = app.register_admin(name).await;
    let accounts = connect_all(app, &admin, &["x"]).await;
    let (id, platform_id) = accounts[0].clone();
    let planted = plant_history(app, "x", &platform_id, 112, 6).await;
    let synced = analytics::sync::run(&app.state, Utc::now(), far())
        .await
        .unwrap();
    assert_eq!(synced.imported as u64, planted);
    (admin, id, platform_id)
}

/// Tuesday or Thursday, 17:00–19:59 UTC: the sandbox's planted evening peak.
fn in_evening_peak(weekday: u64, hour: u64) -> bool {
    (weekday == 1 || weekday == 3) && (17..20).contains(&hour)
}

async fn draft(app: &TestApp, member: &Member, text: &str, account: &str) -> String {
    let created = app
        .api(auth(member))
        .create_post(json!({ "content": text, "targets": [{ "social_account_id": account }] }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.body["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn given_planted_history_the_scheduler_finds_the_evening_peak_places_drafts_and_fills_the_queue()
 {
    let app = TestApp::spawn().await;
    let _agents = app.run_agents();
    let (admin, x, _) = with_history(&app, "Best times").await;
    let drafts = [
        draft(&app, &admin, "First idea", &x).await,
        draft(&app, &admin, "Second idea", &x).await,
    ];
    let tomorrow = (Utc::now() + chrono::Duration::days(1)).date_naive();

    let output = answer(
        &app,
        &admin,
        "schedule/optimize",
        json!({
            "account_ids": [x], "post_ids": drafts, "timezone": "UTC",
            "from": tomorrow.to_string(), "to": (tomorrow + chrono::Duration::days(7)).to_string(),
        }),
    )
    .await;

    // Then the heatmap has every hour of the week, with its evidence…
    let account = &output["accounts"][0];
    assert_eq!(account["slots"].as_array().unwrap().len(), 168);
    assert!(
        account["posts_analyzed"].as_u64().unwrap() > 500,
        "{}",
        account["posts_analyzed"]
    );
    assert_eq!(
        account["prior"], "none",
        "one account: nothing to borrow from"
    );
    // …and its best slots are the planted peak.
    let best: Vec<(u64, u64)> = account["best"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["weekday"].as_u64().unwrap(), s["hour"].as_u64().unwrap()))
        .collect();
    assert!(
        best[..3].iter().all(|(d, h)| in_evening_peak(*d, *h)),
        "best slots {best:?}"
    );
    assert!(
        account["best"][0]["lift"].as_f64().unwrap() > 1.3,
        "{}",
        account["best"][0]
    );
    // The drafts are placed in the peak, two hours apart at least, and not scheduled.
    let placed = output["assignments"].as_array().unwrap();
    assert_eq!(placed.len(), 2, "{output}");
    let times: Vec<chrono::DateTime<Utc>> = placed
        .iter()
        .map(|a| a["scheduled_at"].as_str().unwrap().parse().unwrap())
        .collect();
    for at in &times {
        assert!(
            in_evening_peak(
                at.weekday().num_days_from_monday() as u64,
                chrono::Timelike::hour(at) as u64
            ),
            "{at}"
        );
    }
    assert!((times[0] - times[1]).num_minutes().abs() >= 120);
    assert_eq!(
        app.api(auth(&admin)).post(&drafts[0]).await.body["status"],
        "draft"
    );

    // When a draft is added to the queue without posting slots, it goes to the best free hour…
    let queued = app
        .api(auth(&admin))
        .queue_post(&drafts[0], json!({ "timezone": "UTC" }))
        .await;
    assert_eq!(queued.status, StatusCode::OK, "{}", queued.body);
    assert_eq!(queued.body["slot"]["source"], "best_times");
    assert_eq!(queued.body["post"]["status"], "scheduled");
    let at: chrono::DateTime<Utc> = queued.body["slot"]["scheduled_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        in_evening_peak(
            at.weekday().num_days_from_monday() as u64,
            chrono::Timelike::hour(&at) as u64
        ),
        "{at}"
    );
    // …and with the account's own slots, to the next free one of those.
    let slots = app
        .api(auth(&admin))
        .update_social_account(
            &x,
            json!({ "posting_slots": [{ "weekday": 0, "time": "08:15" }] }),
        )
        .await;
    assert_eq!(slots.status, StatusCode::OK, "{}", slots.body);
    let queued = app
        .api(auth(&admin))
        .queue_post(&drafts[1], json!({ "timezone": "UTC" }))
        .await;
    assert_eq!(
        queued.body["slot"]["source"], "your_slots",
        "{}",
        queued.body
    );
    let at: chrono::DateTime<Utc> = queued.body["slot"]["scheduled_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        (
            at.weekday().num_days_from_monday(),
            at.format("%H:%M").to_string()
        ),
        (0, "08:15".to_owned())
    );

    // Another organization cannot place these accounts.
    let stranger = app.register_admin("Stranger").await;
    let foreign = app.api(auth(&stranger)).ai_task("schedule/optimize", json!({
        "account_ids": [x], "timezone": "UTC", "from": tomorrow.to_string(), "to": tomorrow.to_string(),
    }), None).await;
    assert_eq!(
        foreign.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        foreign.body
    );
}

#[tokio::test]
async fn the_predictor_beats_both_baselines_on_planted_history_and_refuses_without_history() {
    let app = TestApp::spawn().await;
    let _agents = app.run_agents();
    let (admin, x, _) = with_history(&app, "Predictable").await;
    // A plain text post on a Saturday noon.
    let saturday = {
        let mut day = Utc::now().date_naive() + chrono::Duration::days(1);
        while day.weekday() != chrono::Weekday::Sat {
            day += chrono::Duration::days(1);
        }
        format!("{day}T12:00:00Z")
    };

    let output = answer(&app, &admin, "engagement/predict", json!({
        "account_id": x, "text": "Our weekend opening hours", "content_type": "text", "scheduled_at": saturday,
    }))
    .await;

    assert_eq!(output["status"], "predicted", "{output}");
    let model = &output["model"];
    assert_eq!(model["kind"], "ridge_regression", "{model}");
    assert_eq!(model["beats_baselines"], true);
    let error = &model["error"];
    assert!(
        error["model"].as_f64().unwrap() < error["account_mean"].as_f64().unwrap(),
        "{error}"
    );
    assert!(
        error["model"].as_f64().unwrap() < error["slot_mean"].as_f64().unwrap(),
        "{error}"
    );
    let p = &output["prediction"];
    let (low, mid, high) = (
        p["low"].as_f64().unwrap(),
        p["engagements"].as_f64().unwrap(),
        p["high"].as_f64().unwrap(),
    );
    assert!(low <= mid && mid <= high && low < high, "{p}");
    // The optimizer: video and a weekday evening would do better, each with its effect.
    let suggestions = output["suggestions"].as_array().unwrap();
    let effect = |field: &str| {
        suggestions
            .iter()
            .find(|s| s["field"] == field)
            .and_then(|s| s["effect_pct"].as_f64())
    };
    assert!(
        effect("content_type").is_some_and(|e| e > 30.0),
        "{suggestions:?}"
    );
    assert!(
        effect("scheduled_at").is_some_and(|e| e > 30.0),
        "{suggestions:?}"
    );
    let task = app
        .api(auth(&admin))
        .ai_tasks("task_type=engagement_predict")
        .await;
    assert_eq!(
        task.body["tasks"][0]["model_used"],
        Value::Null,
        "statistics only: no model named"
    );

    // Without history there is no guess.
    let newcomer = app.register_admin("Newcomer").await;
    let fresh = app.connect_account(&newcomer, "x").await;
    let output = answer(
        &app,
        &newcomer,
        "engagement/predict",
        json!({ "account_id": fresh, "text": "Hello", "content_type": "text" }),
    )
    .await;
    assert_eq!(output["status"], "not_enough_history");
    assert_eq!(output["posts_available"], 0);
    assert_eq!(output["minimum_posts"], 30);
    assert_eq!(output["prediction"], Value::Null);
    // And nobody predicts for another organization's account.
    let foreign = app
        .api(auth(&newcomer))
        .ai_task(
            "engagement/predict",
            json!({ "account_id": x, "text": "x", "content_type": "text" }),
            None,
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.body);
}

#[tokio::test]
async fn a_planted_burst_is_emerging_with_its_evidence_and_lands_in_the_trends_dashboard() {
    let app = TestApp::spawn().await;
    let _agents = app.run_agents();
    let admin = app.register_admin("Trendy").await;
    connect_all(&app, &admin, &["x"]).await;
    let planted = reqwest::Client::new()
        .post(format!("{}/_sandbox/trends", app.env.sandbox_url))
        .json(&json!({ "term": "cold brew", "factor": 8, "hours": 24 }))
        .send()
        .await
        .unwrap();
    assert_eq!(planted.status(), StatusCode::CREATED);
    let member = app.add_member(&admin, "user").await;
    let refused = app
        .api(auth(&member))
        .set_trend_keywords(json!({ "keywords": ["espresso"] }))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let kept = app
        .api(auth(&admin))
        .set_trend_keywords(json!({ "keywords": ["Cold Brew", " espresso "] }))
        .await;
    assert_eq!(
        kept.body["keywords"],
        json!(["cold brew", "espresso"]),
        "{}",
        kept.body
    );

    let report = answer(&app, &admin, "trends/analyze", json!({})).await;

    assert_eq!(report["emerging"], json!(["cold brew"]), "{report}");
    let term = report["terms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["term"] == "cold brew")
        .unwrap();
    assert_eq!(term["source"], "x_recent_counts");
    assert!(
        term["ratio"].as_f64().unwrap() > 5.0 && term["z"].as_f64().unwrap() > 10.0,
        "{term}"
    );
    assert_eq!(term["series"].as_array().unwrap().len(), 7);
    let espresso = report["terms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["term"] == "espresso")
        .unwrap();
    assert_eq!(espresso["status"], "steady");
    assert!(!report["ideas"].as_array().unwrap().is_empty());
    let dashboard = app.api(auth(&member)).analytics("trends", "").await;
    assert_eq!(dashboard.status, StatusCode::OK, "{}", dashboard.body);
    assert_eq!(dashboard.body["market"]["emerging"], json!(["cold brew"]));
    let stranger = app.register_admin("Elsewhere").await;
    assert_eq!(
        app.api(auth(&stranger)).analytics("trends", "").await.body["market"],
        Value::Null
    );
}

#[tokio::test]
async fn a_wave_of_complaints_is_a_crisis_that_pauses_the_real_publisher_until_one_click_resumes_it()
 {
    let app = TestApp::spawn().await;
    let _agents = app.run_agents();
    let admin = app.register_admin("Roastery").await;
    let accounts = connect_all(&app, &admin, &["x"]).await;
    let (x, platform_id) = accounts[0].clone();
    let member = app.add_member(&admin, "user").await;
    let refused = app
        .api(auth(&member))
        .crisis_settings(json!({ "auto_pause": true }))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let settings = app
        .api(auth(&admin))
        .crisis_settings(json!({ "auto_pause": true }))
        .await;
    assert_eq!(settings.body["auto_pause"], true, "{}", settings.body);
    // A quiet fortnight first: the background mentions are the baseline.
    let calm = answer(&app, &admin, "crisis/scan", json!({})).await;
    assert_eq!(calm["level"], "normal", "{calm}");
    // A post waits on the calendar.
    let post = draft(&app, &admin, "Our autumn blend is here", &x).await;
    let later = (Utc::now() + chrono::Duration::hours(2))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let scheduled = app
        .api(auth(&admin))
        .schedule(&post, json!({ "local_time": later, "timezone": "UTC" }))
        .await;
    assert_eq!(scheduled.status, StatusCode::OK, "{}", scheduled.body);
    let target = scheduled.body["targets"][0]["id"]
        .as_str()
        .unwrap()
        .parse::<uuid::Uuid>()
        .unwrap();

    // When thirty complaints arrive within two hours…
    reqwest::Client::new()
        .post(format!("{}/_sandbox/mentions", app.env.sandbox_url))
        .json(&json!({ "user": sandbox_user(&platform_id), "tone": "negative", "count": 30, "within_minutes": 120 }))
        .send()
        .await
        .unwrap();
    let scan = answer(&app, &admin, "crisis/scan", json!({})).await;

    // …then it is a crisis, with the evidence, a drafted statement, and publishing paused.
    assert_eq!(scan["level"], "crisis", "{scan}");
    assert_eq!(scan["paused_publishing"], true);
    let status = app.api(auth(&member)).crisis().await;
    assert_eq!(status.body["level"], "crisis", "{}", status.body);
    let evidence = &status.body["alert"]["evidence"];
    assert!(evidence["negative"].as_u64().unwrap() >= 30, "{evidence}");
    assert!(evidence["negative_ratio"].as_f64().unwrap() > 0.8);
    assert!(evidence["baseline_negative_per_window"].as_f64().unwrap() < 2.0);
    assert_eq!(evidence["examples"].as_array().unwrap().len(), 3);
    assert!(
        !status.body["alert"]["holding_statement"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    assert_eq!(status.body["publishing"]["paused"], true);
    let db = connect(&app.env.database).await;
    let labelled: i64 = db
        .query_one(
            "SELECT count(*) FROM brand_mentions WHERE label = 'negative'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(labelled >= 30);

    // When the post comes due, the publisher holds it: still pending, with the reason.
    db.execute(
        "UPDATE post_platforms SET scheduled_at = now() - interval '1 second' WHERE id = $1",
        &[&target],
    )
    .await
    .unwrap();
    assert!(matches!(
        posting::publish_target(&app.state, target).await.unwrap(),
        posting::Outcome::Skipped
    ));
    let held = app.api(auth(&admin)).post(&post).await;
    assert_eq!(
        held.body["targets"][0]["status"], "pending",
        "{}",
        held.body
    );
    let reason = held.body["targets"][0]["error_message"]
        .as_str()
        .or(held.body["targets"][0]["error"].as_str())
        .unwrap_or_default()
        .to_owned();
    assert!(
        reason.starts_with("held: publishing is paused (crisis detected"),
        "{}",
        held.body
    );
    assert!(
        integration_tests::sandbox_posts_at(&app.env.sandbox_url, Some("x"))
            .await
            .is_empty()
    );
    // A member cannot resume; a manager can, in one click, and the held post goes out once.
    let refused = app.api(auth(&member)).resume_publishing().await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let resumed = app.api(auth(&admin)).resume_publishing().await;
    assert_eq!(resumed.status, StatusCode::OK, "{}", resumed.body);
    assert_eq!(
        (
            resumed.body["paused"].clone(),
            resumed.body["released"].clone()
        ),
        (json!(false), json!(1))
    );
    posting::drain_lanes(&app.state).await.unwrap();
    let published = app.api(auth(&admin)).post(&post).await;
    assert_eq!(
        published.body["targets"][0]["status"], "published",
        "{}",
        published.body
    );
    assert_eq!(
        integration_tests::sandbox_posts_at(&app.env.sandbox_url, Some("x"))
            .await
            .len(),
        1
    );
    // The managers heard about it; resolving closes the alert; other organizations saw nothing.
    let inbox = crate::ai_agents::inbox_with(&app, &admin, "crisis_alert").await;
    assert!(
        inbox["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "crisis_alert"),
        "{inbox}"
    );
    let resolved = app.api(auth(&admin)).resolve_crisis().await;
    assert_eq!(resolved.body["level"], "normal", "{}", resolved.body);
    let stranger = app.register_admin("Bystander").await;
    let theirs = app.api(auth(&stranger)).crisis().await;
    assert_eq!(
        (
            theirs.body["level"].clone(),
            theirs.body["publishing"]["paused"].clone()
        ),
        (json!("normal"), json!(false))
    );
}

#[tokio::test]
async fn a_post_far_above_its_baseline_is_flagged_and_the_scheduled_run_tells_the_team() {
    let app = TestApp::spawn().await;
    let _agents = app.run_agents();
    let (admin, _, _) = with_history(&app, "Tracked").await;
    // One recent post went viral: fifty times its numbers.
    let db = connect(&app.env.database).await;
    let viral: uuid::Uuid = db
        .query_one(
            "UPDATE post_metrics SET likes = likes * 50 + 500 WHERE post_platform_id = (
                 SELECT post_platform_id FROM post_metrics WHERE published_at < now() - interval '3 days'
                 ORDER BY published_at DESC LIMIT 1) RETURNING post_id",
            &[],
        )
        .await
        .unwrap()
        .get(0);

    let review = answer(&app, &admin, "performance/review", json!({ "days": 14 })).await;

    let flagged = review["posts"].as_array().unwrap();
    assert_eq!(flagged[0]["post_id"], viral.to_string(), "{review}");
    assert_eq!(flagged[0]["direction"], "above");
    assert!(
        flagged[0]["z"].as_f64().unwrap() >= 3.0 && flagged[0]["ratio"].as_f64().unwrap() > 10.0
    );
    assert!(flagged.len() <= 3, "planted noise is not news: {flagged:?}");
    assert!(review["baseline_posts"].as_u64().unwrap() > 400);

    // The maintenance run queues the daily review (no one asked): the team is told.
    let run = agents::scheduled::run(&app.state).await.unwrap();
    assert!(run.queued >= 2, "{run:?}");
    let inbox = crate::ai_agents::inbox_with(&app, &admin, "performance_alert").await;
    assert!(
        inbox["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "performance_alert"),
        "{inbox}"
    );
    // Queued once a day: a second run adds no review.
    let again = agents::scheduled::run(&app.state).await.unwrap();
    let reviews: i64 = db
        .query_one(
            "SELECT count(*) FROM ai_agent_tasks WHERE task_type = 'performance_review'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(reviews, 2, "{again:?}");
}
