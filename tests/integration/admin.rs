//! The platform administrators' console: invisible to everyone else, cross-tenant reads,
//! plans set by an administrator, audit logs with filters, system health, and maintenance
//! mode honoured by every function.

use http::{Method, StatusCode};
use integration_tests::{TestApp, auth, connect};
use serde_json::{Value, json};

const CONSOLE_READS: &[&str] = &[
    "/api/admin/stats",
    "/api/admin/users",
    "/api/admin/organizations",
    "/api/admin/audit-logs",
    "/api/admin/system-health",
    "/api/admin/maintenance-mode",
];

#[tokio::test]
async fn the_console_does_not_exist_for_anyone_but_platform_administrators() {
    let app = TestApp::spawn().await;
    let org_admin = app.register_admin("Not the operator").await;
    for path in CONSOLE_READS {
        let refused = app.call_as(auth(&org_admin), Method::GET, path, None).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(refused.error_code(), "route_not_found", "{path}");
        let anonymous = app.call_as(None, Method::GET, path, None).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let writes = app
        .api(auth(&org_admin))
        .set_maintenance_mode(json!({ "enabled": true }))
        .await;
    assert_eq!(writes.status, StatusCode::NOT_FOUND);
    let plan = app
        .api(auth(&org_admin))
        .admin_set_plan(&org_admin.organization_id, json!({ "plan": "enterprise" }))
        .await;
    assert_eq!(plan.status, StatusCode::NOT_FOUND);

    // Granted (as `cargo xtask admin grant` does), the same user sees every page.
    let mut db = connect(&app.env.database).await;
    assert!(admin::grant(&mut db, &org_admin.email, true).await.unwrap());
    for path in CONSOLE_READS {
        let seen = app.call_as(auth(&org_admin), Method::GET, path, None).await;
        assert_eq!(seen.status, StatusCode::OK, "{path}: {}", seen.body);
    }
    // Granting someone who never signed up says so.
    assert!(
        !admin::grant(&mut db, "nobody@example.test", true)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn an_administrator_finds_users_and_organizations_and_sets_a_plan_on_the_record() {
    let app = TestApp::spawn().await;
    let customer = app.register_admin("Acme Widgets").await;
    let operator = app.platform_admin().await;
    let api = app.api(auth(&operator));

    let stats = api.admin_stats().await;
    assert!(
        stats.body["organizations"]["total"].as_i64().unwrap() >= 2,
        "{}",
        stats.body
    );
    assert_eq!(stats.body["posts"].as_array().unwrap().len(), 14);
    assert!(
        stats.body["organizations"]["by_plan"]["free"]
            .as_i64()
            .unwrap()
            >= 2
    );

    let local_part = customer.email.split('@').next().unwrap();
    let users = api.admin_users(&format!("q={local_part}")).await;
    assert_eq!(users.body["total"], 1, "{}", users.body);
    assert_eq!(
        users.body["users"][0]["organization"]["name"],
        "Acme Widgets"
    );
    // Pattern characters are searched for literally.
    assert_eq!(api.admin_users("q=%25").await.body["total"], 0);

    let organizations = api.admin_organizations("q=acme&plan=free").await;
    assert_eq!(organizations.body["total"], 1, "{}", organizations.body);
    assert_eq!(organizations.body["organizations"][0]["members"], 1);

    let set = api
        .admin_set_plan(&customer.organization_id, json!({ "plan": "business" }))
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert_eq!(set.body["plan"], "business");
    assert_eq!(
        app.api(auth(&customer)).subscription().await.body["max_users"],
        25
    );

    // The change is in the customer's trail, naming the administrator, and filterable.
    let trail = api
        .admin_audit_logs(&format!(
            "organization_id={}&resource_type=subscription&action=update",
            customer.organization_id
        ))
        .await;
    assert_eq!(trail.body["total"], 1, "{}", trail.body);
    let entry = &trail.body["entries"][0];
    assert_eq!(entry["user"]["email"], operator.email.as_str());
    assert_eq!(entry["old_values"]["plan"], "free");
    assert_eq!(entry["new_values"]["plan"], "business");

    // Bad input is a 422 naming the field; an unknown organization a 404.
    let bad_limit = api.admin_users("limit=0").await;
    assert_eq!(bad_limit.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_limit.body["error"]["details"][0]["field"], "limit");
    let backwards = api
        .admin_audit_logs("since=2026-11-02T00:00:00Z&until=2026-11-01T00:00:00Z")
        .await;
    assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad_plan = api
        .admin_set_plan(&customer.organization_id, json!({ "plan": "platinum" }))
        .await;
    assert_eq!(bad_plan.status, StatusCode::UNPROCESSABLE_ENTITY);
    let missing = api
        .admin_set_plan(uuid::Uuid::new_v4(), json!({ "plan": "pro" }))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn system_health_reports_dependencies_queues_and_scheduled_runs() {
    let app = TestApp::spawn().await;
    let operator = app.platform_admin().await;
    let before = app.api(auth(&operator)).admin_system_health().await;
    let names: Vec<&str> = before.body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "postgres",
            "dynamodb",
            "s3",
            "scheduler",
            "publishing lag",
            "webhook events"
        ]
    );
    for check in before.body["checks"].as_array().unwrap() {
        assert_eq!(check["status"], "ok", "{check}");
    }
    let queues = before.body["queues"].as_array().unwrap();
    assert!(
        queues
            .iter()
            .any(|q| q["name"] == "publish-x" && q["dead_letters"] == 0),
        "{queues:?}"
    );
    // Nothing has run yet in this fresh environment: that is a warning, not ok.
    assert_eq!(before.body["status"], "warning");

    // Once the sweeper has run, its run is there.
    posting::sweep(
        &app.state,
        std::time::Instant::now() + std::time::Duration::from_secs(30),
    )
    .await
    .unwrap();
    let after = app.api(auth(&operator)).admin_system_health().await;
    let sweeper = after.body["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "publish-sweeper")
        .unwrap()
        .clone();
    assert_eq!(sweeper["status"], "ok", "{sweeper}");
    assert_eq!(sweeper["detail"], "queued 0");
}

/// A value that passes no endpoint's validation is fine here: maintenance answers first.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                uuid::Uuid::nil().to_string()
            } else {
                segment.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn maintenance_mode_refuses_every_write_keeps_reads_and_pauses_publishing() {
    let app = TestApp::spawn().await;
    let operator = app.platform_admin().await;
    let member = app.register_admin("During maintenance").await;
    let account = app.connect_account(&member, "x").await;
    let post = app
        .draft_post(&member, "Queued before maintenance", &[&account])
        .await;
    let post_id = post["id"].as_str().unwrap();
    let target = post["targets"][0]["id"].as_str().unwrap().parse().unwrap();
    let queued = app
        .call_as(
            auth(&member),
            Method::POST,
            &format!("/api/posts/{post_id}/publish"),
            None,
        )
        .await;
    assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.body);

    // When an administrator turns maintenance on…
    let on = app
        .api(auth(&operator))
        .set_maintenance_mode(
            json!({ "enabled": true, "message": "Database upgrade until 22:00 UTC" }),
        )
        .await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.body);
    assert_eq!(on.body["enabled"], true);

    // …every write of every function answers 503 with Retry-After and the message…
    let document = api::openapi::document();
    let mut refused = 0;
    for (path, operations) in document["paths"].as_object().unwrap() {
        for method in ["post", "put", "patch", "delete"] {
            if operations.get(method).is_none() {
                continue;
            }
            let method: Method = method.to_uppercase().parse().unwrap();
            let answer = app
                .call_as(
                    auth(&member),
                    method.clone(),
                    &concrete(path),
                    Some(json!({})),
                )
                .await;
            if http_kit::maintenance::refused_during_maintenance(&method, path) {
                assert_eq!(
                    answer.status,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "{method} {path}"
                );
                assert_eq!(answer.error_code(), "maintenance_mode", "{method} {path}");
                assert_eq!(answer.headers["retry-after"], "60");
                assert_eq!(
                    answer.body["error"]["message"],
                    "Database upgrade until 22:00 UTC"
                );
                refused += 1;
            } else {
                assert_ne!(
                    answer.status,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "{method} {path}"
                );
            }
        }
    }
    assert!(refused > 50, "only {refused} writes were checked");
    // …the webhook Function URLs too (their senders retry later)…
    let webhook = app
        .call_as(None, Method::POST, "/webhooks/stripe", Some(json!({})))
        .await;
    assert_eq!(webhook.status, StatusCode::SERVICE_UNAVAILABLE);
    // …while reads keep working, and so does signing in (the loop above signed the member out
    // through the open sign-out route).
    let signed_in = app
        .api(None)
        .login(json!({ "email": member.email, "password": integration_tests::PASSWORD }))
        .await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    let token = signed_in.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.api(Some(&token)).subscription().await.status,
        StatusCode::OK
    );

    // Publishing pauses: the queued target is left pending, and the sweeper does nothing.
    posting::drain_lanes(&app.state).await.unwrap();
    let outcome = posting::publish_target(&app.state, target).await.unwrap();
    assert!(matches!(outcome, posting::Outcome::Skipped), "{outcome:?}");
    let waiting = app
        .call_as(
            Some(&token),
            Method::GET,
            &format!("/api/posts/{post_id}"),
            None,
        )
        .await;
    assert_eq!(
        waiting.body["targets"][0]["status"], "pending",
        "{}",
        waiting.body
    );
    let sweep = posting::sweep(
        &app.state,
        std::time::Instant::now() + std::time::Duration::from_secs(30),
    )
    .await
    .unwrap();
    assert!(sweep.paused_for_maintenance);
    assert!(
        upkeep::run(&app.state)
            .await
            .unwrap()
            .paused_for_maintenance
    );

    // When it is turned off, publishing resumes on its own (the sweeper's next run queues the
    // target; here the publisher is called as that delivery would call it).
    let off = app
        .api(auth(&operator))
        .set_maintenance_mode(json!({ "enabled": false }))
        .await;
    assert_eq!(off.body["enabled"], false);
    let published = posting::publish_target(&app.state, target).await.unwrap();
    assert!(
        matches!(published, posting::Outcome::Published { .. }),
        "{published:?}"
    );
    assert_eq!(
        app.api(Some(&token))
            .change_plan(json!({ "plan": "free" }))
            .await
            .status,
        StatusCode::OK
    );

    // Both changes are audited, with the administrator's name.
    let trail = app
        .api(auth(&operator))
        .admin_audit_logs("resource_type=maintenance_mode")
        .await;
    assert_eq!(trail.body["total"], 2, "{}", trail.body);
    let states: Vec<&Value> = trail.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["new_values"]["enabled"])
        .collect();
    assert_eq!(states, [&json!(false), &json!(true)]);
}
