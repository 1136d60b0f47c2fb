//! Integrations with real deliveries: Slack and outgoing webhooks received by the sandbox's
//! receivers, signatures verified with the documented scheme, failures retried with backoff,
//! SSRF refused, and Google Analytics tagging links and importing sessions.

use chrono::Utc;
use http::StatusCode;
use integration_tests::{Member, TestApp, auth, connect};
use serde_json::{Value, json};

fn receiver(app: &TestApp, name: &str) -> String {
    format!("{}/_sandbox/receivers/{name}", app.env.sandbox_url)
}

async fn received(app: &TestApp, name: &str) -> Vec<Value> {
    let body: Value = reqwest::get(receiver(app, name))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["requests"].as_array().unwrap().clone()
}

async fn dispatch(app: &TestApp) -> integrations::deliveries::DispatchReport {
    integrations::deliveries::dispatch_due(
        &app.state,
        std::time::Instant::now() + std::time::Duration::from_secs(30),
    )
    .await
    .unwrap()
}

async fn connect_webhook(app: &TestApp, admin: &Member, name: &str) -> (String, String) {
    let connected = app
        .api(auth(admin))
        .connect_integration("webhook", json!({ "url": receiver(app, name) }))
        .await;
    assert_eq!(connected.status, StatusCode::CREATED, "{}", connected.body);
    (
        connected.body["integration"]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        connected.body["signing_secret"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

#[tokio::test]
async fn slack_and_webhooks_connect_test_for_real_and_disconnect_keeping_secrets_secret() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Connected").await;
    let api = app.api(auth(&admin));

    // Given a Slack channel's webhook, when it is connected and tested…
    let slack_url = receiver(&app, "slack-team");
    let slack = api
        .connect_integration(
            "slack",
            json!({ "webhook_url": slack_url, "events": ["post.failed"] }),
        )
        .await;
    assert_eq!(slack.status, StatusCode::CREATED, "{}", slack.body);
    let slack_id = slack.body["integration"]["id"].as_str().unwrap().to_owned();
    assert!(slack.body["signing_secret"].is_null());
    let tested = api.test_integration(&slack_id).await;
    assert_eq!(tested.status, StatusCode::OK, "{}", tested.body);
    assert_eq!(
        (
            tested.body["ok"].as_bool(),
            tested.body["status_code"].as_u64()
        ),
        (Some(true), Some(200))
    );
    // …Slack receives a message.
    let messages = received(&app, "slack-team").await;
    assert_eq!(messages.len(), 1);
    let message: Value = serde_json::from_str(messages[0]["body"].as_str().unwrap()).unwrap();
    assert!(
        message["text"].as_str().unwrap().contains("test message"),
        "{message}"
    );

    // An outgoing webhook's test is signed with its secret, shown once at connection, in the
    // documented scheme (t=…,v1=hex HMAC-SHA256 of "{t}.{body}").
    let (hook_id, secret) = connect_webhook(&app, &admin, "customer-hook").await;
    assert!(secret.starts_with("whsec_"));
    assert!(
        api.test_integration(&hook_id).await.body["ok"]
            .as_bool()
            .unwrap()
    );
    let delivered = &received(&app, "customer-hook").await[0];
    let body = delivered["body"].as_str().unwrap();
    let signature = delivered["headers"]["x-social-signature"].as_str().unwrap();
    webhooks::verify_stripe(
        Some(signature),
        body.as_bytes(),
        &secret,
        Utc::now().timestamp(),
    )
    .expect("the signature verifies with the integration's secret");
    assert!(
        webhooks::verify_stripe(
            Some(signature),
            body.as_bytes(),
            "whsec_wrong",
            Utc::now().timestamp()
        )
        .is_err()
    );
    let envelope: Value = serde_json::from_str(body).unwrap();
    assert_eq!(envelope["type"], "integration.test");
    assert_eq!(delivered["headers"]["x-social-event"], "integration.test");

    // Neither the Slack URL nor the signing secret is ever returned, or stored readable.
    let listed = api.integrations().await;
    let text = listed.body.to_string();
    assert!(
        !text.contains("slack-team") && !text.contains(&secret),
        "{text}"
    );
    assert_eq!(listed.body["integrations"].as_array().unwrap().len(), 2);
    assert_eq!(listed.body["available"].as_array().unwrap().len(), 3);
    let db = connect(&app.env.database).await;
    for row in db
        .query(
            "SELECT configuration::text, secret_sealed FROM integrations",
            &[],
        )
        .await
        .unwrap()
    {
        let (configuration, sealed): (String, String) = (row.get(0), row.get(1));
        assert!(!configuration.contains("slack-team") && !configuration.contains(&secret));
        assert!(!sealed.contains("slack-team") && !sealed.contains(&secret));
    }
    // The log shows the test deliveries; disconnecting removes the integration.
    let log = api.integration_deliveries(&hook_id).await;
    assert_eq!(
        log.body["deliveries"][0]["status"], "delivered",
        "{}",
        log.body
    );
    assert_eq!(
        api.disconnect_integration(&slack_id).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.test_integration(&slack_id).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.integrations().await.body["integrations"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn published_and_failed_posts_reach_the_subscribers_and_failed_deliveries_are_retried() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Subscribers").await;
    let (hook_id, secret) = connect_webhook(&app, &admin, "events").await;
    let slack = app
        .api(auth(&admin))
        .connect_integration(
            "slack",
            json!({ "webhook_url": receiver(&app, "launches"), "events": ["post.published"] }),
        )
        .await;
    assert_eq!(slack.status, StatusCode::CREATED);
    let account = app.connect_account(&admin, "x").await;

    // When a post is published, both hear about it once the dispatcher runs.
    let post = app
        .draft_post(&admin, "Launch day is here", &[&account])
        .await;
    let post_id = post["id"].as_str().unwrap();
    app.publish_now(&admin, post_id).await;
    let report = dispatch(&app).await;
    assert_eq!((report.attempted, report.delivered), (2, 2), "{report:?}");
    let hook = &received(&app, "events").await[0];
    let envelope: Value = serde_json::from_str(hook["body"].as_str().unwrap()).unwrap();
    assert_eq!(envelope["type"], "post.published");
    assert_eq!(envelope["data"]["post_id"], post_id);
    assert_eq!(envelope["data"]["platform"], "x");
    webhooks::verify_stripe(
        hook["headers"]["x-social-signature"].as_str(),
        hook["body"].as_str().unwrap().as_bytes(),
        &secret,
        Utc::now().timestamp(),
    )
    .unwrap();
    let slack_text = received(&app, "launches").await[0]["body"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(slack_text.contains("Published on x"), "{slack_text}");

    // When the customer's endpoint fails, the delivery waits a minute, then five…
    reqwest::Client::new()
        .put(format!("{}/failures", receiver(&app, "events")))
        .json(&json!({ "statuses": [500, 503] }))
        .send()
        .await
        .unwrap();
    let second = app.draft_post(&admin, "A second post", &[&account]).await;
    app.publish_now(&admin, second["id"].as_str().unwrap())
        .await;
    let first_try = dispatch(&app).await;
    assert_eq!(first_try.retrying, 1, "{first_try:?}");
    let log = app.api(auth(&admin)).integration_deliveries(&hook_id).await;
    let pending = &log.body["deliveries"][0];
    assert_eq!(
        (
            pending["status"].as_str(),
            pending["attempts"].as_i64(),
            pending["last_status_code"].as_i64()
        ),
        (Some("pending"), Some(1), Some(500))
    );
    let wait: chrono::DateTime<Utc> =
        serde_json::from_value(pending["next_attempt_at"].clone()).unwrap();
    assert!(
        (55..=65).contains(&(wait - Utc::now()).num_seconds()),
        "{wait}"
    );
    // (A dispatcher run before then sends nothing.)
    assert_eq!(dispatch(&app).await.attempted, 0);
    // …and once the wait is over (here: made due), it is tried again until it gets through.
    let db = connect(&app.env.database).await;
    for expected_attempts in [2, 3] {
        db.execute(
            "UPDATE integration_deliveries SET next_attempt_at = now() WHERE status = 'pending'",
            &[],
        )
        .await
        .unwrap();
        dispatch(&app).await;
        let log = app.api(auth(&admin)).integration_deliveries(&hook_id).await;
        assert_eq!(
            log.body["deliveries"][0]["attempts"], expected_attempts,
            "{}",
            log.body
        );
    }
    let log = app.api(auth(&admin)).integration_deliveries(&hook_id).await;
    assert_eq!(
        log.body["deliveries"][0]["status"], "delivered",
        "{}",
        log.body
    );
    let answers: Vec<u64> = received(&app, "events")
        .await
        .iter()
        .map(|r| r["answered"].as_u64().unwrap())
        .collect();
    assert_eq!(answers, [200, 500, 503, 200]);
}

#[tokio::test]
async fn customer_urls_that_point_inside_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("SSRF").await;
    let api = app.api(auth(&admin));
    for url in [
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:192.168.0.1]/",
        "http://172.16.5.4:8080/",
        "https://user:secret@example.com/hook",
        "ftp://example.com/hook",
        "not a url",
    ] {
        let refused = api
            .connect_integration("webhook", json!({ "url": url }))
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{url}: {}",
            refused.body
        );
        assert_eq!(refused.body["error"]["details"][0]["field"], "url", "{url}");
    }
    let slack = api
        .connect_integration(
            "slack",
            json!({ "webhook_url": "http://192.168.1.20/services/x" }),
        )
        .await;
    assert_eq!(slack.body["error"]["details"][0]["field"], "webhook_url");
    // Settings of another type, unknown types and missing fields are refused too.
    let mixed = api
        .connect_integration(
            "slack",
            json!({ "webhook_url": receiver(&app, "s"), "property_id": "1" }),
        )
        .await;
    assert_eq!(mixed.body["error"]["details"][0]["field"], "property_id");
    assert_eq!(
        api.connect_integration("myspace", json!({})).await.status,
        StatusCode::NOT_FOUND
    );
    let missing = api.connect_integration("webhook", json!({})).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    let no_events = api
        .connect_integration(
            "webhook",
            json!({ "url": receiver(&app, "s"), "events": [] }),
        )
        .await;
    assert_eq!(no_events.body["error"]["details"][0]["field"], "events");
    assert!(
        api.integrations().await.body["integrations"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn only_admins_and_managers_change_integrations() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Roles").await;
    let user = app.add_member(&admin, "user").await;
    let (hook_id, _) = connect_webhook(&app, &admin, "roles").await;
    let as_user = app.api(auth(&user));
    assert_eq!(as_user.integrations().await.status, StatusCode::OK);
    assert_eq!(
        as_user
            .connect_integration("webhook", json!({ "url": receiver(&app, "x") }))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        as_user.test_integration(&hook_id).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        as_user.disconnect_integration(&hook_id).await.status,
        StatusCode::FORBIDDEN
    );
    // Another organization's integration does not exist for this one.
    let other = app.register_admin("Other").await;
    assert_eq!(
        app.api(auth(&other))
            .test_integration(&hook_id)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.api(auth(&other))
            .integration_deliveries(&hook_id)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn google_analytics_tags_published_links_and_imports_sessions_from_social() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Measured").await;
    let api = app.api(auth(&admin));
    let key: Value = reqwest::get(format!(
        "{}/_sandbox/google/service-account",
        app.env.sandbox_url
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();

    // A key whose token endpoint is not Google's is refused.
    let mut elsewhere = key.clone();
    elsewhere["token_uri"] = json!("https://evil.example/token");
    let refused = api
        .connect_integration(
            "google_analytics",
            json!({ "property_id": "123456", "service_account_key": elsewhere }),
        )
        .await;
    assert_eq!(
        refused.body["error"]["details"][0]["field"], "service_account_key",
        "{}",
        refused.body
    );

    let connected = api
        .connect_integration(
            "google_analytics",
            json!({ "property_id": "properties/123456", "service_account_key": key,
                    "utm": { "campaign": "launch_{date}" } }),
        )
        .await;
    assert_eq!(connected.status, StatusCode::CREATED, "{}", connected.body);
    let settings = &connected.body["integration"]["settings"];
    assert_eq!(settings["property_id"], "123456");
    assert!(!connected.body.to_string().contains("PRIVATE KEY"));
    let again = api
        .connect_integration(
            "google_analytics",
            json!({ "property_id": "1", "service_account_key": key }),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // The test runs a real report: seven days of sessions from five social sources.
    let id = connected.body["integration"]["id"].as_str().unwrap();
    let tested = api.test_integration(id).await;
    assert_eq!(tested.body["ok"], true, "{}", tested.body);
    assert!(
        tested.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("35 rows"),
        "{}",
        tested.body
    );
    let today = Utc::now().date_naive();
    let overview = api
        .analytics(
            "overview",
            &format!(
                "from={}&to={today}&tz=UTC",
                today - chrono::Duration::days(6)
            ),
        )
        .await;
    let sources: Vec<&str> = overview.body["web_traffic"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources.len(), 5, "{}", overview.body);
    assert!(
        overview.body["web_traffic"][0]["sessions"]
            .as_i64()
            .unwrap()
            > 0
    );

    // A published link carries the organization's UTM parameters.
    let account = app.connect_account(&admin, "linkedin").await;
    let post = app
        .draft_post(
            &admin,
            "Our launch notes: https://example.com/launch.",
            &[&account],
        )
        .await;
    let post_id = post["id"].as_str().unwrap();
    app.publish_now(&admin, post_id).await;
    let published = app.sandbox_posts(Some("linkedin")).await;
    // (LinkedIn's "little text" escapes underscores; the link LinkedIn shows has none.)
    let text = published.last().unwrap()["text"]
        .as_str()
        .unwrap()
        .replace('\\', "");
    assert!(
        text.contains(&format!(
            "https://example.com/launch?utm_source=linkedin&utm_medium=social&utm_campaign=launch_{today}&utm_content={post_id}."
        )),
        "{text}"
    );
}
