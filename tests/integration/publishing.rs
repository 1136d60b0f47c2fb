//! Posts from creation to the platform: preview, scheduling in a time zone, the one-time
//! schedule, the publisher (at most once, whatever the triggers do), every failure class, the
//! sweeper, bulk scheduling, the calendar, roles and tenants.

use http::{Method, StatusCode};
use integration_tests::{Member, TestApp, connect};
use platform_sandbox::FaultKind;
use serde_json::{Value, json};

use integration_tests::auth;

async fn sandbox_posts(app: &TestApp, platform: &str) -> Vec<Value> {
    app.sandbox_posts(Some(platform)).await
}

async fn fault(app: &TestApp, platform: &str, kind: FaultKind) {
    app.sandbox_fault(&platform_sandbox::Fault {
        platform: Some(platform.parse().unwrap()),
        user: None,
        path_contains: None,
        kind,
        times: 1,
    })
    .await;
}

async fn draft(app: &TestApp, member: &Member, content: &str, accounts: &[&str]) -> Value {
    app.draft_post(member, content, accounts).await
}

/// Makes a post's targets due now, as if its minute had come.
async fn make_due(app: &TestApp, post_id: &str) {
    let db = connect(&app.env.database).await;
    db.execute("UPDATE post_platforms SET scheduled_at = now() - interval '1 second' WHERE post_id::text = $1", &[&post_id]).await.unwrap();
}

fn target_id(post: &Value) -> String {
    post["targets"][0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_scheduled_post_reaches_the_platform_once_through_its_schedule() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Publishing").await;
    let x = app.connect_account(&admin, "x").await;
    let post = draft(&app, &admin, "We ship today", &[&x]).await;
    let id = post["id"].as_str().unwrap();
    assert_eq!(post["status"], "draft");

    let preview = app.api(auth(&admin)).preview(&id).await;
    assert_eq!(preview.body["valid"], true, "{}", preview.body);
    assert_eq!(
        preview.body["targets"][0]["text"],
        "We ship today\n\n#launch"
    );
    assert_eq!(preview.body["targets"][0]["length"], 22);

    let local =
        (chrono::Utc::now() + chrono::Duration::hours(2)).with_timezone(&chrono_tz::Europe::Paris);
    let scheduled = app
        .api(auth(&admin)).schedule(&id, json!({ "local_time": local.format("%Y-%m-%dT%H:%M").to_string(), "timezone": "Europe/Paris" }))
        .await;
    assert_eq!(scheduled.status, StatusCode::OK, "{}", scheduled.body);
    assert_eq!(scheduled.body["status"], "scheduled");
    assert_eq!(scheduled.body["schedule_timezone"], "Europe/Paris");

    // One one-time schedule per target, carrying the target id for the publisher.
    let target = target_id(&scheduled.body);
    let held = cloud::held_schedules(app.state.scheduler(), "default")
        .await
        .unwrap();
    let schedule = held
        .iter()
        .find(|s| s.name == format!("pp-{target}"))
        .expect("a schedule for the target");
    assert_eq!(
        schedule.due_at.format("%H:%M").to_string(),
        local
            .with_timezone(&chrono::Utc)
            .format("%H:%M")
            .to_string()
    );
    // It fires into X's publishing lane, carrying the target id for the publisher.
    assert_eq!(schedule.target_arn, app.env.queues.arns["publish-x"]);
    let request: posting::PublishRequest = serde_json::from_str(&schedule.input).unwrap();
    assert_eq!(request.post_platform_id.to_string(), target);

    // Before its time, a trigger does nothing.
    let early = posting::publish_target(&app.state, request.post_platform_id)
        .await
        .unwrap();
    assert_eq!(early, posting::Outcome::Skipped);

    // At its time, triggers delivered several times at once publish once.
    make_due(&app, id).await;
    let triggers: Vec<_> = (0..5)
        .map(|_| posting::publish_target(&app.state, request.post_platform_id))
        .collect();
    let outcomes = futures::future::join_all(triggers).await;
    let published = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(posting::Outcome::Published { .. })))
        .count();
    assert_eq!(published, 1, "{outcomes:?}");
    assert_eq!(
        sandbox_posts(&app, "x").await.len(),
        1,
        "exactly one post at the platform"
    );

    let after = app.api(auth(&admin)).post(&id).await;
    assert_eq!(after.body["status"], "published");
    assert_eq!(after.body["targets"][0]["status"], "published");
    assert!(
        after.body["targets"][0]["permalink"]
            .as_str()
            .unwrap()
            .contains("x.com")
    );
    // Published posts no longer change.
    let edit = app
        .api(auth(&admin))
        .update_post(&id, json!({ "content": "changed" }))
        .await;
    assert_eq!(edit.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn each_failure_class_leads_to_its_own_state() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Failures").await;
    let x = app.connect_account(&admin, "x").await;
    let db = connect(&app.env.database).await;

    let run = |kind: Option<FaultKind>| {
        let app = &app;
        let admin = admin.clone();
        let x = x.clone();
        async move {
            let post = draft(
                app,
                &admin,
                &format!("post {}", uuid::Uuid::new_v4()),
                &[&x],
            )
            .await;
            let id = post["id"].as_str().unwrap().to_owned();
            if let Some(kind) = kind {
                fault(app, "x", kind).await;
            }
            // Publishing now hands the targets to the publisher and answers at once.
            app.publish_now(&admin, &id).await
        }
    };

    let limited = run(Some(FaultKind::RateLimited {
        reset_after_secs: 600,
    }))
    .await;
    assert_eq!(limited["targets"][0]["status"], "pending");
    assert_eq!(limited["targets"][0]["failure_class"], "rate_limited");
    let wait = chrono::DateTime::parse_from_rfc3339(
        limited["targets"][0]["next_attempt_at"].as_str().unwrap(),
    )
    .unwrap()
    .with_timezone(&chrono::Utc)
        - chrono::Utc::now();
    assert!(
        (590..=601).contains(&wait.num_seconds()),
        "the platform's reset time is honoured: {wait}"
    );

    // 503: the platform did not take the request, so it is tried again.
    let flaky = run(Some(FaultKind::Unavailable)).await;
    assert_eq!(flaky["targets"][0]["failure_class"], "retryable");
    assert_eq!(flaky["targets"][0]["status"], "pending");

    // 500 on the publish call: the post may exist, so it is never retried blindly.
    let before = sandbox_posts(&app, "x").await.len();
    let broken = run(Some(FaultKind::ServerError)).await;
    assert_eq!(broken["targets"][0]["status"], "unconfirmed");
    assert_eq!(broken["targets"][0]["failure_class"], "unknown_outcome");

    let rejected = run(Some(FaultKind::Rejected {
        reason: "duplicate content".into(),
    }))
    .await;
    assert_eq!(rejected["status"], "failed");
    assert!(
        rejected["targets"][0]["error_message"]
            .as_str()
            .unwrap()
            .contains("duplicate content")
    );

    let lost = run(Some(FaultKind::LostResponse { millis: 3000 })).await;
    assert_eq!(lost["targets"][0]["status"], "unconfirmed");
    assert_eq!(
        sandbox_posts(&app, "x").await.len(),
        before + 1,
        "the platform did publish it: never retried blindly"
    );

    let expired = run(Some(FaultKind::ExpiredToken)).await;
    assert_eq!(
        expired["status"], "published",
        "one refresh, then success: {expired}"
    );

    // Failures notify the author and leave an audit row.
    let (pk, prefix) = kv::ItemKey::notification_prefix(&admin.user_id);
    let notifications: Vec<contracts::Notification> = app
        .state
        .kv
        .query_prefix(&pk, prefix, 20, true)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, item)| item.to_fields().unwrap())
        .filter(|n: &contracts::Notification| n.kind != domain::NotificationKind::PostPublished)
        .collect();
    assert_eq!(
        notifications.len(),
        3,
        "the rejection and the two unconfirmed posts"
    );
    let audited: i64 = db
        .query_one(
            "SELECT count(*) FROM audit_logs WHERE action = 'publish' AND new_values ? 'reason'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(audited, 3);
}

#[tokio::test]
async fn the_sweeper_recovers_lost_triggers_and_stuck_claims() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Sweeper").await;
    let linkedin = app.connect_account(&admin, "linkedin").await;
    let db = connect(&app.env.database).await;

    // A post whose schedule never fired.
    let lost = draft(&app, &admin, "lost trigger", &[&linkedin]).await;
    let lost_id = lost["id"].as_str().unwrap();
    let soon = (chrono::Utc::now() + chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    app.api(auth(&admin))
        .schedule(&lost_id, json!({ "local_time": soon, "timezone": "UTC" }))
        .await;
    // Its minute passed long enough ago that its trigger is known to be lost.
    db.execute(
        "UPDATE post_platforms SET scheduled_at = now() - interval '5 minutes' WHERE post_id::text = $1",
        &[&lost_id],
    )
    .await
    .unwrap();
    // A target stuck in `publishing` by a publisher that died after calling the platform.
    let stuck = draft(&app, &admin, "stuck", &[&linkedin]).await;
    db.execute(
        "UPDATE post_platforms SET status = 'publishing', attempts = 1, claimed_at = now() - interval '10 minutes',
                dispatched_at = now() - interval '10 minutes' WHERE post_id::text = $1",
        &[&stuck["id"].as_str().unwrap()],
    )
    .await
    .unwrap();
    // And one whose publisher died before reaching the platform.
    let early = draft(&app, &admin, "died early", &[&linkedin]).await;
    db.execute(
        "UPDATE post_platforms SET status = 'publishing', attempts = 1, claimed_at = now() - interval '10 minutes',
                scheduled_at = now() - interval '11 minutes' WHERE post_id::text = $1",
        &[&early["id"].as_str().unwrap()],
    )
    .await
    .unwrap();

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let report = posting::sweep(&app.state, deadline).await.unwrap();

    assert_eq!(
        (
            report.queued,
            report.stale_claims_unconfirmed,
            report.stale_claims_released
        ),
        (2, 1, 1),
        "{report:?}"
    );
    assert_eq!(posting::drain_lanes(&app.state).await.unwrap(), 2);
    assert_eq!(sandbox_posts(&app, "linkedin").await.len(), 2);
    // The stuck one's author is told to check the platform.
    let inbox = app.api(auth(&admin)).notifications("").await;
    let unconfirmed: Vec<&Value> = inbox.body["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "post_unconfirmed")
        .collect();
    assert_eq!(unconfirmed.len(), 1, "{}", inbox.body);
    assert_eq!(unconfirmed[0]["post_id"], stuck["id"]);
    let status_of = |post: &Value| {
        let path = format!("/api/posts/{}", post["id"].as_str().unwrap());
        let app = &app;
        let admin = &admin;
        async move {
            app.call_as(auth(admin), Method::GET, &path, None)
                .await
                .body
        }
    };
    let stuck_after = status_of(&stuck).await;
    assert_eq!(stuck_after["targets"][0]["status"], "unconfirmed");
    assert_eq!(stuck_after["status"], "failed");
    assert_eq!(status_of(&early).await["status"], "published");
    assert_eq!(status_of(&lost).await["status"], "published");
    // A second sweep finds nothing.
    let again = posting::sweep(&app.state, deadline).await.unwrap();
    assert_eq!(
        again.queued + again.stale_claims_unconfirmed + again.stale_claims_released,
        0
    );
}

#[tokio::test]
async fn local_times_are_resolved_across_daylight_saving_changes() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Dst").await;
    let x = app.connect_account(&admin, "x").await;
    let post = draft(&app, &admin, "dst", &[&x]).await;
    let id = post["id"].as_str().unwrap();
    let path = format!("/api/posts/{id}/schedule");
    let schedule = |body: Value| app.call_as(auth(&admin), Method::POST, &path, Some(body));

    // Paris skips 02:00–03:00 on 2027-03-28.
    let skipped =
        schedule(json!({ "local_time": "2027-03-28T02:30", "timezone": "Europe/Paris" })).await;
    assert_eq!(skipped.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        skipped.body["error"]["details"][0]["issue"]
            .as_str()
            .unwrap()
            .contains("does not exist")
    );
    // …and lives 02:00–03:00 twice on 2027-10-31.
    let twice =
        schedule(json!({ "local_time": "2027-10-31T02:30", "timezone": "Europe/Paris" })).await;
    assert_eq!(twice.body["error"]["details"][0]["field"], "utc_offset");
    let chosen = schedule(json!({ "local_time": "2027-10-31T02:30", "timezone": "Europe/Paris", "utc_offset": "+01:00" })).await;
    assert_eq!(chosen.status, StatusCode::OK, "{}", chosen.body);
    assert_eq!(chosen.body["scheduled_at"], "2027-10-31T01:30:00Z");
    let past =
        schedule(json!({ "local_time": "2020-01-01T09:00", "timezone": "Europe/Paris" })).await;
    assert!(
        past.body["error"]["details"][0]["issue"]
            .as_str()
            .unwrap()
            .contains("past")
    );
    let zone =
        schedule(json!({ "local_time": "2027-01-01T09:00", "timezone": "Mars/Olympus" })).await;
    assert_eq!(zone.body["error"]["details"][0]["field"], "timezone");
}

#[tokio::test]
async fn invalid_targets_are_caught_before_anything_is_scheduled() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Preview").await;
    let x = app.connect_account(&admin, "x").await;
    let instagram = app.connect_account(&admin, "instagram").await;
    let post = draft(&app, &admin, &"日".repeat(150), &[&x, &instagram]).await;
    let id = post["id"].as_str().unwrap();

    let preview = app.api(auth(&admin)).preview(&id).await;
    assert_eq!(preview.body["valid"], false);
    let x_preview = preview.body["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["platform"] == "x")
        .unwrap();
    assert_eq!(
        x_preview["length"],
        150 * 2 + 2 + 7,
        "CJK weighs 2 on X: {x_preview}"
    );
    let instagram_preview = preview.body["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["platform"] == "instagram")
        .unwrap();
    assert!(
        instagram_preview["errors"][0]
            .as_str()
            .unwrap()
            .contains("need an image or a video")
    );

    let refused = app
        .api(auth(&admin))
        .schedule(
            &id,
            json!({ "local_time": "2030-01-01T09:00", "timezone": "UTC" }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.body["error"]["details"].as_array().unwrap().len(),
        2
    );
    let still = app.api(auth(&admin)).post(&id).await;
    assert_eq!(still.body["status"], "draft");
}

#[tokio::test]
async fn bulk_csv_reports_each_row_and_can_be_all_or_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Bulk").await;
    let x = app.connect_account(&admin, "x").await;
    let linkedin = app.connect_account(&admin, "linkedin").await;
    let csv = format!(
        "content,social_account_ids,local_time,timezone,title\n\
         \"Hello, world\",{x};{linkedin},2030-01-01T09:00,Europe/Paris,First\n\
         Bad account,{},2030-01-01T10:00,Europe/Paris,\n\
         Bad zone,{x},2030-01-01T11:00,Mars/Olympus,\n\
         \"Quoted \"\"word\"\"\",{linkedin},2030-01-02T09:00,America/New_York,Fourth\n",
        uuid::Uuid::new_v4()
    );
    let send = |all: bool| {
        let mut request = http::Request::post("/api/posts/bulk-schedule")
            .header("content-type", "text/csv")
            .header("authorization", format!("Bearer {}", admin.access_token));
        if all {
            request = request.header("x-all-or-nothing", "true");
        }
        app.send(request.body(axum::body::Body::from(csv.clone())).unwrap())
    };

    let all = send(true).await;
    assert_eq!(all.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The one error format, each rejected row's issues named by row.
    assert_eq!(all.error_code(), "validation_failed");
    let fields: Vec<&str> = all.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.iter().any(|f| f.starts_with("rows[2].")),
        "{fields:?}"
    );
    assert!(
        fields.iter().any(|f| f.starts_with("rows[3].")),
        "{fields:?}"
    );
    let listed = app.api(auth(&admin)).posts("").await;
    assert_eq!(listed.body["items"], json!([]), "nothing was created");

    let some = send(false).await;
    assert_eq!(some.status, StatusCode::OK, "{}", some.body);
    let statuses: Vec<(u64, &str)> = some.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_u64().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            (1, "scheduled"),
            (2, "rejected"),
            (3, "rejected"),
            (4, "scheduled")
        ]
    );
    assert!(
        some.body["rows"][1]["errors"][0]["issue"]
            .as_str()
            .unwrap()
            .contains("not a connected account")
    );
    let listed = app.api(auth(&admin)).posts("status=scheduled").await;
    let mut contents: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["content"].as_str().unwrap())
        .collect();
    contents.sort();
    assert_eq!(contents, ["Hello, world", "Quoted \"word\""]);

    let calendar = app
        .api(auth(&admin))
        .calendar("from=2030-01-01&to=2030-01-03&timezone=Europe/Paris")
        .await;
    assert_eq!(calendar.status, StatusCode::OK, "{}", calendar.body);
    assert_eq!(
        calendar.body["days"]["2030-01-01"][0]["local_time"],
        "09:00"
    );
    assert_eq!(
        calendar.body["days"]["2030-01-01"][0]["excerpt"],
        "Hello, world"
    );
    assert_eq!(
        calendar.body["days"]["2030-01-02"][0]["local_time"], "15:00",
        "New York 09:00 is 15:00 in Paris"
    );
}

#[tokio::test]
async fn roles_and_tenants_bound_who_changes_posts() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Editors").await;
    let x = app.connect_account(&admin, "x").await;
    let user = app.add_member(&admin, "user").await;
    let other_user = app.add_member(&admin, "user").await;
    let manager = app.add_member(&admin, "manager").await;
    let viewer = app.add_member(&admin, "viewer").await;
    let stranger = app.register_admin("Stranger").await;

    let refused = app
        .api(auth(&viewer))
        .create_post(json!({ "content": "hi", "targets": [{ "social_account_id": x }] }))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let mine = draft(&app, &user, "mine", &[&x]).await;
    let id = mine["id"].as_str().unwrap();
    let path = format!("/api/posts/{id}");
    let edit = |token: String| {
        let path = path.clone();
        let app = &app;
        async move {
            app.call_as(
                Some(&token),
                Method::PUT,
                &path,
                Some(json!({ "content": "edited" })),
            )
            .await
        }
    };
    assert_eq!(
        edit(other_user.access_token.clone()).await.status,
        StatusCode::FORBIDDEN,
        "users edit only their own posts"
    );
    assert_eq!(edit(user.access_token.clone()).await.status, StatusCode::OK);
    assert_eq!(
        edit(manager.access_token.clone()).await.status,
        StatusCode::OK,
        "managers edit every post"
    );
    assert_eq!(
        app.api(auth(&viewer)).post(&id).await.status,
        StatusCode::OK
    );
    for (method, path) in [
        (Method::GET, format!("/api/posts/{id}")),
        (Method::DELETE, format!("/api/posts/{id}")),
        (Method::POST, format!("/api/posts/{id}/publish")),
    ] {
        assert_eq!(
            app.call_as(auth(&stranger), method.clone(), &path, None)
                .await
                .status,
            StatusCode::NOT_FOUND,
            "{method} {path}"
        );
    }
    let foreign_account = app
        .api(auth(&stranger))
        .create_post(json!({ "content": "hi", "targets": [{ "social_account_id": x }] }))
        .await;
    assert_eq!(
        foreign_account.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another organization's account cannot be a target"
    );

    // Deleting a scheduled post cancels its schedule.
    app.api(auth(&user))
        .schedule(
            &id,
            json!({ "local_time": "2030-05-01T10:00", "timezone": "UTC" }),
        )
        .await;
    let target = target_id(&app.api(auth(&user)).post(&id).await.body);
    assert!(
        cloud::held_schedules(app.state.scheduler(), "default")
            .await
            .unwrap()
            .iter()
            .any(|s| s.name == format!("pp-{target}"))
    );
    let duplicate = app.api(auth(&user)).duplicate(&id).await;
    assert_eq!(duplicate.body["status"], "draft");
    assert_eq!(
        app.api(auth(&user)).delete_post(&id).await.status,
        StatusCode::NO_CONTENT
    );
    assert!(
        !cloud::held_schedules(app.state.scheduler(), "default")
            .await
            .unwrap()
            .iter()
            .any(|s| s.name == format!("pp-{target}"))
    );
}

#[tokio::test]
async fn posts_keep_their_line_breaks_and_linkedin_gets_real_hashtags() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Lines").await;
    let linkedin = app.connect_account(&admin, "linkedin").await;
    // Given a post written over several lines, with Windows line ends
    let created = app
        .api(auth(&admin))
        .create_post(json!({
            "content": "We ship today.\r\n\r\nThanks to the team (all of you)!",
            "hashtags": ["launch"],
            "targets": [{ "social_account_id": linkedin, "text": "Shipped!\nDetails soon" }],
        }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(
        created.body["content"],
        "We ship today.\n\nThanks to the team (all of you)!"
    );
    let id = created.body["id"].as_str().unwrap();
    // The per-account text is what LinkedIn gets; the preview shows exactly those bytes
    app.api(auth(&admin))
        .update_post(
            &id,
            json!({ "targets": [{ "social_account_id": linkedin }] }),
        )
        .await;
    let preview = app.api(auth(&admin)).preview(&id).await;
    let sent = preview.body["targets"][0]["text"].as_str().unwrap();
    assert_eq!(
        sent,
        "We ship today.\n\nThanks to the team \\(all of you\\)!\n\n{hashtag|\\#|launch}"
    );
    assert_eq!(
        preview.body["targets"][0]["display_text"],
        "We ship today.\n\nThanks to the team (all of you)!\n\n#launch"
    );
    app.publish_now(&admin, id).await;
    let at_platform = sandbox_posts(&app, "linkedin").await;
    assert_eq!(
        at_platform[0]["text"], sent,
        "the preview is the bytes sent"
    );

    // Control characters other than line breaks are still refused, each field named
    let refused = app
        .api(auth(&admin))
        .create_post(json!({
            "content": "bell\u{7}",
            "mentions": ["two words"],
            "targets": [{ "social_account_id": linkedin, "text": "escape\u{1b}" }],
        }))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = refused.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["content", "mentions[0]", "targets[0].text"]);
}

#[tokio::test]
async fn a_retried_request_with_the_same_idempotency_key_acts_once() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Idempotent").await;
    let x = app.connect_account(&admin, "x").await;
    let create = |key: &str, content: &str| {
        let body = json!({ "content": content, "targets": [{ "social_account_id": x }] });
        app.send(
            http::Request::post("/api/posts")
                .header("authorization", format!("Bearer {}", admin.access_token))
                .header("content-type", "application/json")
                .header("idempotency-key", key)
                .body(axum::body::Body::from(body.to_string()))
                .unwrap(),
        )
    };
    // Given a create that the client retries with the same key
    let key = uuid::Uuid::new_v4().to_string();
    let first = create(&key, "once").await;
    let retry = create(&key, "once").await;
    // Then the retry gets the first answer, and only one post exists
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(retry.status, StatusCode::CREATED);
    assert_eq!(retry.body["id"], first.body["id"]);
    assert_eq!(retry.headers["idempotency-replayed"], "true");
    let listed = app.api(auth(&admin)).posts("").await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    // The same key for another request is refused; a new key creates a new post
    let reused = create(&key, "something else").await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reused.body["error"]["details"][0]["field"],
        "Idempotency-Key"
    );
    let fresh = create(&uuid::Uuid::new_v4().to_string(), "twice").await;
    assert_ne!(fresh.body["id"], first.body["id"]);

    // Publishing now, retried, hands the post to the publisher once
    let id = first.body["id"].as_str().unwrap();
    let publish = || {
        app.send(
            http::Request::post(format!("/api/posts/{id}/publish"))
                .header("authorization", format!("Bearer {}", admin.access_token))
                .header("idempotency-key", "publish-once")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
    };
    let (a, b) = (publish().await, publish().await);
    assert_eq!(
        (a.status, b.status),
        (StatusCode::ACCEPTED, StatusCode::ACCEPTED)
    );
    assert_eq!(b.headers["idempotency-replayed"], "true");
    posting::drain_lanes(&app.state).await.unwrap();
    assert_eq!(sandbox_posts(&app, "x").await.len(), 1);
}

#[tokio::test]
async fn deleting_a_published_post_archives_it_and_keeps_its_history() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Archive").await;
    let x = app.connect_account(&admin, "x").await;
    let linkedin = app.connect_account(&admin, "linkedin").await;
    // Given a post that reached X, while LinkedIn still waits behind a rate limit
    let post = draft(&app, &admin, "out there", &[&x, &linkedin]).await;
    let id = post["id"].as_str().unwrap();
    fault(
        &app,
        "linkedin",
        FaultKind::RateLimited {
            reset_after_secs: 600,
        },
    )
    .await;
    app.publish_now(&admin, id).await;
    // When it is deleted
    let deleted = app.api(auth(&admin)).delete_post(&id).await;
    // Then it is archived, not erased: X's post and its history stay, LinkedIn's is cancelled
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert_eq!(deleted.body["outcome"], "archived");
    assert!(
        deleted.body["message"]
            .as_str()
            .unwrap()
            .contains("archived")
    );
    let mut statuses: Vec<(&str, &str)> = deleted.body["post"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["platform"].as_str().unwrap(),
                t["status"].as_str().unwrap(),
            )
        })
        .collect();
    statuses.sort();
    assert_eq!(statuses, [("linkedin", "cancelled"), ("x", "published")]);
    assert!(deleted.body["post"]["archived_at"].is_string());
    let live = app.api(auth(&admin)).posts("").await;
    assert_eq!(live.body["items"], json!([]));
    let archived = app.api(auth(&admin)).posts("archived=true").await;
    assert_eq!(archived.body["items"][0]["id"], id);
    // A post that never reached a platform is really deleted
    let unsent = draft(&app, &admin, "never sent", &[&x]).await;
    let gone = app
        .call_as(
            auth(&admin),
            Method::DELETE,
            &format!("/api/posts/{}", unsent["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn erasing_one_member_keeps_the_organizations_accounts_posts_and_history() {
    // Given a manager who connected an account and published through it
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Erasure").await;
    let manager = app.add_member(&admin, "manager").await;
    let x = app.connect_account(&manager, "x").await;
    let post = draft(&app, &manager, "written by the manager", &[&x]).await;
    let id = post["id"].as_str().unwrap();
    app.publish_now(&manager, id).await;
    // When the manager erases their account
    let erased = app
        .api(auth(&manager))
        .delete_account(json!({ "password": integration_tests::PASSWORD }))
        .await;
    assert_eq!(erased.status, StatusCode::NO_CONTENT, "{}", erased.body);
    // Then the organization keeps the account, the post and its publishing history
    let accounts = app.api(auth(&admin)).social_accounts().await;
    assert_eq!(accounts.body["accounts"][0]["id"], x.as_str());
    let kept = app.api(auth(&admin)).post(&id).await;
    assert_eq!(kept.status, StatusCode::OK);
    assert_eq!(kept.body["status"], "published");
    assert_eq!(kept.body["author_id"], Value::Null, "authorship is erased");
    assert!(kept.body["targets"][0]["permalink"].is_string());
}
