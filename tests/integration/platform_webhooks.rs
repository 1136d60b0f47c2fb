//! The platforms' webhooks on their Function URL: subscription checks, signed deliveries
//! turned into brand mentions once, removed apps into accounts to reconnect, and Meta's data
//! deletion requests honoured. Deliveries come from the platform sandbox, signed as each
//! platform signs them.

use domain::Platform;
use http::StatusCode;
use integration_tests::{Member, TestApp, auth, connect};
use serde_json::{Value, json};

async fn listening() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    let base = format!("http://{}", app.listen().await);
    (app, base)
}

fn secret(app: &TestApp, platform: Platform) -> String {
    app.state.secrets.platforms[&platform]
        .webhook_signing_secret()
        .to_owned()
}

/// Has the sandbox deliver `payload` to `platform`'s webhook, signed with `secret` as
/// `platform` signs.
async fn delivered(
    app: &TestApp,
    base: &str,
    platform: &str,
    secret: &str,
    payload: &Value,
) -> u16 {
    let path = format!("/webhooks/{platform}");
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/_sandbox/webhooks", app.env.sandbox_url))
        .json(&json!({ "platform": platform, "url": format!("{base}{path}"), "secret": secret, "payload": payload }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["delivered"], true, "{answer}");
    answer["status"].as_u64().unwrap() as u16
}

/// The connected account's platform id and the user who granted it.
async fn identity(app: &TestApp, account_id: &str) -> (String, Option<String>) {
    let db = connect(&app.env.database).await;
    let row = db
        .query_one(
            "SELECT account_id, account_data->>'owner_id' FROM social_accounts WHERE id::text = $1",
            &[&account_id],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

async fn mentions(app: &TestApp, member: &Member) -> Vec<(String, String, String)> {
    let db = connect(&app.env.database).await;
    db.query(
        "SELECT platform_mention_id, kind, label FROM brand_mentions
         WHERE organization_id::text = $1 ORDER BY kind, platform_mention_id",
        &[&member.organization_id],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect()
}

async fn account_status(app: &TestApp, account_id: &str) -> String {
    let db = connect(&app.env.database).await;
    db.query_one(
        "SELECT status FROM social_accounts WHERE id::text = $1",
        &[&account_id],
    )
    .await
    .unwrap()
    .get(0)
}

#[tokio::test]
async fn each_platforms_subscription_check_is_answered_only_with_our_secret() {
    let (app, base) = listening().await;
    let http = reqwest::Client::new();
    // Meta echoes the challenge for our verify token, 403 otherwise.
    let token = dev_server::local_stack::LOCAL_META_VERIFY_TOKEN;
    let ok = http
        .get(format!("{base}/webhooks/facebook?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    let wrong = http
        .get(format!(
            "{base}/webhooks/facebook?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    // X's CRC: base64 HMAC of the token with the consumer secret.
    let crc: Value = http
        .get(format!("{base}/webhooks/twitter?crc_token=challenge-123"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        crc["response_token"],
        webhooks::x_crc_response("challenge-123", &secret(&app, Platform::X))
    );
    // LinkedIn's challengeCode: hex HMAC with the client secret.
    let linkedin: Value = http
        .get(format!("{base}/webhooks/linkedin?challengeCode=abc-1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(linkedin["challengeCode"], "abc-1");
    assert_eq!(
        linkedin["challengeResponse"],
        webhooks::linkedin_challenge_response("abc-1", &secret(&app, Platform::LinkedIn))
    );
    let unknown = http
        .get(format!("{base}/webhooks/myspace"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn comments_and_mentions_become_brand_mentions_once_each() {
    let (app, base) = listening().await;
    let member = app.register_admin("Listening").await;
    let page = app.connect_account(&member, "facebook").await;
    let (page_id, _) = identity(&app, &page).await;
    let x_account = app.connect_account(&member, "x").await;
    let (x_user, _) = identity(&app, &x_account).await;

    // Given a signed Page comment, when Meta delivers it, it is a scored comment.
    let comment = json!({"object": "page", "entry": [{"id": page_id, "time": 1_795_608_000, "changes": [
        {"field": "feed", "value": {"item": "comment", "verb": "add", "comment_id": format!("{page_id}_1"),
         "message": "Terrible service, still waiting for a refund", "from": {"id": "9", "name": "Ann"},
         "created_time": 1_795_607_990}}]}]});
    let meta = secret(&app, Platform::Facebook);
    assert_eq!(
        delivered(&app, &base, "facebook", &meta, &comment).await,
        200
    );
    // A redelivery of the same body adds nothing.
    assert_eq!(
        delivered(&app, &base, "facebook", &meta, &comment).await,
        200
    );
    // An X mention by someone else counts; the account's own tweet does not.
    let activity = json!({"for_user_id": x_user, "tweet_create_events": [
        {"id_str": "777", "text": "@brand love the new release", "created_at": "Wed Nov 25 10:00:00 +0000 2026",
         "user": {"id_str": "55", "screen_name": "fan"}},
        {"id_str": "778", "text": "our own announcement", "user": {"id_str": x_user, "screen_name": "brand"}}]});
    assert_eq!(
        delivered(&app, &base, "x", &secret(&app, Platform::X), &activity).await,
        200
    );

    // A comment on the LinkedIn page, signed with X-LI-Signature.
    let linkedin = app.connect_account(&member, "linkedin").await;
    let (organization_urn_id, _) = identity(&app, &linkedin).await;
    let social_action = json!({"type": "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS", "notifications": [
        {"action": "COMMENT", "organizationalEntity": format!("urn:li:organization:{organization_urn_id}"),
         "notificationId": 4242, "actor": "urn:li:person:abc", "lastModifiedAt": 1_795_608_000_000_i64,
         "decoratedGeneratedActivity": {"comment": {"text": "Useful update, thanks"}}}]});
    let linkedin_secret = secret(&app, Platform::LinkedIn);
    let status = delivered(&app, &base, "linkedin", &linkedin_secret, &social_action).await;
    assert_eq!(status, 200);

    let found = mentions(&app, &member).await;
    assert_eq!(
        found,
        vec![
            (
                "4242".to_owned(),
                "comment".to_owned(),
                "positive".to_owned()
            ),
            (
                format!("{page_id}_1"),
                "comment".to_owned(),
                "negative".to_owned()
            ),
            (
                "777".to_owned(),
                "mention".to_owned(),
                "positive".to_owned()
            ),
        ]
    );
    // The inbox lists them newest first, filtered by sentiment.
    let negative = app
        .api(auth(&member))
        .analytics("mentions", "label=negative")
        .await;
    assert_eq!(negative.status, StatusCode::OK, "{}", negative.body);
    let inbox = negative.body["mentions"].as_array().unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(
        inbox[0]["text"],
        "Terrible service, still waiting for a refund"
    );
    assert_eq!(inbox[0]["author"], "Ann");
    let all = app
        .api(auth(&member))
        .analytics("mentions", "limit=1")
        .await;
    assert!(all.body["next_before"].is_string(), "{}", all.body);
    let bad = app
        .api(auth(&member))
        .analytics("mentions", "limit=0")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let db = connect(&app.env.database).await;
    let stored: i64 = db
        .query_one("SELECT count(*) FROM webhook_events WHERE processed", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, 3, "one stored event per distinct delivery");
}

#[tokio::test]
async fn a_delivery_signed_with_another_secret_is_refused_and_leaves_nothing() {
    let (app, base) = listening().await;
    let member = app.register_admin("Forgeries").await;
    let page = app.connect_account(&member, "facebook").await;
    let (page_id, _) = identity(&app, &page).await;
    let forged = json!({"object": "page", "entry": [{"id": page_id, "changes": [
        {"field": "feed", "value": {"item": "comment", "comment_id": "f1", "message": "forged"}}]}]});
    for platform in ["facebook", "x", "linkedin", "tiktok"] {
        let status = delivered(&app, &base, platform, "not-the-app-secret", &forged).await;
        assert_eq!(status, 400, "{platform}");
    }
    // Unsigned, too.
    let unsigned = reqwest::Client::new()
        .post(format!("{base}/webhooks/facebook"))
        .json(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 400);
    assert!(mentions(&app, &member).await.is_empty());
}

#[tokio::test]
async fn a_removed_app_marks_the_accounts_for_reconnection_and_tells_the_team() {
    let (app, base) = listening().await;
    let member = app.register_admin("Revoked").await;
    let x_account = app.connect_account(&member, "x").await;
    let (x_user, _) = identity(&app, &x_account).await;
    let tiktok = app.connect_account(&member, "tiktok").await;
    let (open_id, _) = identity(&app, &tiktok).await;

    let revoke = json!({"for_user_id": x_user, "user_event": {"revoke": {"date_time": "2026-11-26T09:00:00+00:00",
        "target": {"app_id": "1"}, "source": {"user_id": x_user}}}});
    assert_eq!(
        delivered(&app, &base, "x", &secret(&app, Platform::X), &revoke).await,
        200
    );
    assert_eq!(account_status(&app, &x_account).await, "needs_reconnect");
    let removed = json!({"client_key": "sandbox-tiktok", "event": "authorization.removed",
        "create_time": 1_795_608_000, "user_openid": open_id, "content": "{\"reason\": 1}"});
    assert_eq!(
        delivered(
            &app,
            &base,
            "tiktok",
            &secret(&app, Platform::TikTok),
            &removed
        )
        .await,
        200
    );
    assert_eq!(account_status(&app, &tiktok).await, "needs_reconnect");

    let inbox = app.api(auth(&member)).notifications("").await;
    let reconnects = inbox.body["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "account_needs_reconnect")
        .count();
    assert_eq!(reconnects, 2, "{}", inbox.body);
}

#[tokio::test]
async fn metas_deauthorization_and_data_deletion_callbacks_are_honoured() {
    let (app, base) = listening().await;
    let member = app.register_admin("Meta callbacks").await;
    let page = app.connect_account(&member, "facebook").await;
    let (_, owner) = identity(&app, &page).await;
    let owner = owner.expect("a Page remembers the user who connected it");
    let meta = app.state.secrets.platforms[&Platform::Facebook]
        .client_secret
        .clone();
    let signed = |user: &str, secret: &str| {
        webhooks::meta_signed_request(
            json!({"algorithm": "HMAC-SHA256", "issued_at": 1_795_608_000, "user_id": user})
                .to_string()
                .as_bytes(),
            secret,
        )
    };
    let http = reqwest::Client::new();

    // A forged request changes nothing.
    let forged = http
        .post(format!("{base}/webhooks/facebook/deauthorize"))
        .form(&[("signed_request", signed(&owner, "not-ours"))])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    assert_eq!(account_status(&app, &page).await, "active");

    let deauthorized: Value = http
        .post(format!("{base}/webhooks/facebook/deauthorize"))
        .form(&[("signed_request", signed(&owner, &meta))])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        deauthorized["accounts_marked"].as_u64().unwrap() >= 1,
        "{deauthorized}"
    );
    assert_eq!(account_status(&app, &page).await, "needs_reconnect");

    let deletion: Value = http
        .post(format!("{base}/webhooks/facebook/data-deletion"))
        .form(&[("signed_request", signed(&owner, &meta))])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = deletion["confirmation_code"].as_str().unwrap();
    assert!(
        deletion["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/webhooks/facebook/data-deletion/{code}"))
    );
    let remaining = app.api(auth(&member)).social_accounts().await;
    assert!(
        remaining.body["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["platform"] != "facebook"),
        "{}",
        remaining.body
    );
    let status: Value = http
        .get(format!("{base}/webhooks/facebook/data-deletion/{code}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["status"], "completed");
    assert!(status["accounts_removed"].as_i64().unwrap() >= 1);
    assert_eq!(
        http.get(format!("{base}/webhooks/facebook/data-deletion/unknown"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND.as_u16()
    );
}
