//! Social accounts through the API: the OAuth round trip for each platform against the sandbox,
//! encrypted tokens, plan limits, settings, sync into analytics, insights, refresh, disconnect.

use http::{Method, StatusCode};
use integration_tests::{Member, TestApp, connect};
use serde_json::json;

use integration_tests::auth;

async fn connect_platform(app: &TestApp, member: &Member, platform: &str) -> StatusCode {
    app.connect_flow(member, platform).await.status
}

#[tokio::test]
async fn every_platform_connects_through_oauth_with_encrypted_tokens() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Social").await;
    app.grant_plan(&admin, "pro").await;

    for platform in ["x", "linkedin", "tiktok", "facebook", "instagram"] {
        let connected = app.connect_flow(&admin, platform).await;
        assert_eq!(
            connected.status,
            StatusCode::OK,
            "{platform}: {}",
            connected.body
        );
        assert_eq!(connected.body["accounts"][0]["platform"], platform);
    }
    let list = app.api(auth(&admin)).social_accounts().await;
    let accounts = list.body["accounts"].as_array().unwrap();
    let platforms: Vec<&str> = accounts
        .iter()
        .map(|a| a["platform"].as_str().unwrap())
        .collect();
    assert_eq!(
        platforms,
        ["facebook", "instagram", "linkedin", "tiktok", "x"]
    );
    assert!(accounts.iter().all(|a| a["status"] == "active"
        && a["needs_reconnect"] == false
        && a.get("access_token").is_none()));

    let db = connect(&app.env.database).await;
    let stored: Vec<String> = db
        .query("SELECT access_token FROM social_accounts", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(
        stored
            .iter()
            .all(|t| t.starts_with("v1:") && !t.contains("sbx-")),
        "tokens are encrypted at rest"
    );
}

#[tokio::test]
async fn a_replayed_or_forged_callback_connects_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Replay").await;
    let forged = app
        .complete_connection(
            &admin,
            &[
                ("code".to_owned(), "abc".to_owned()),
                ("state".to_owned(), "forged-state-value-123456".to_owned()),
            ]
            .into(),
        )
        .await;
    assert_eq!(forged.error_code(), "invalid_token");
    // A real completion, replayed, finds nothing the second time.
    let started = app
        .api(auth(&admin))
        .connect(json!({ "platform": "x" }))
        .await;
    let forwarded = app
        .consent(started.body["authorization_url"].as_str().unwrap())
        .await;
    let first = app.complete_connection(&admin, &forwarded).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let replayed = app.complete_connection(&admin, &forwarded).await;
    assert_eq!(replayed.error_code(), "invalid_token");
    let list = app.api(auth(&admin)).social_accounts().await;
    assert_eq!(list.body["accounts"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_consent_link_sent_to_someone_else_connects_nothing_to_the_sender() {
    // Given an attacker who starts a connection and sends the consent link to a victim
    let app = TestApp::spawn().await;
    let attacker = app.register_admin("Attacker").await;
    let victim = app.register_admin("Victim").await;
    let started = app
        .api(auth(&attacker))
        .connect(json!({ "platform": "linkedin" }))
        .await;
    // When the victim consents, and their web app completes the connection
    let forwarded = app
        .consent(started.body["authorization_url"].as_str().unwrap())
        .await;
    let completed = app.complete_connection(&victim, &forwarded).await;
    // Then it is refused, and neither organization gained the victim's account
    assert_eq!(
        completed.status,
        StatusCode::FORBIDDEN,
        "{}",
        completed.body
    );
    for member in [&attacker, &victim] {
        let list = app.api(auth(member)).social_accounts().await;
        assert_eq!(list.body["accounts"], json!([]));
    }
    // And the attempt cannot be finished by the attacker afterwards either
    let retried = app.complete_connection(&attacker, &forwarded).await;
    assert_eq!(retried.error_code(), "invalid_token");
}

#[tokio::test]
async fn the_plan_limits_connected_accounts_and_roles_limit_who_connects() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Limits").await;
    for platform in ["x", "linkedin", "tiktok"] {
        assert_eq!(
            connect_platform(&app, &admin, platform).await,
            StatusCode::OK
        );
    }
    let fourth = app
        .api(auth(&admin))
        .connect(json!({ "platform": "facebook" }))
        .await;
    assert_eq!(fourth.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(fourth.error_code(), "plan_limit_reached");

    let user = app.add_member(&admin, "user").await;
    let refused = app
        .api(auth(&user))
        .connect(json!({ "platform": "x" }))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.api(auth(&user)).social_accounts().await.status,
        StatusCode::OK
    );

    let unknown = app
        .api(auth(&admin))
        .connect(json!({ "platform": "myspace" }))
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn settings_sync_insights_and_disconnect() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Lifecycle").await;
    connect_platform(&app, &admin, "x").await;
    let list = app.api(auth(&admin)).social_accounts().await;
    let account = list.body["accounts"][0].clone();
    let id = account["id"].as_str().unwrap();

    let bad = app
        .api(auth(&admin)).update_social_account(&id, json!({ "posting_slots": [{ "weekday": 9, "time": "25:00" }], "default_hashtags": ["ok", "not ok"] }))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["error"]["details"].as_array().unwrap().len(), 2);
    let updated = app
        .api(auth(&admin)).update_social_account(&id, json!({ "display_name": "Brand X", "default_hashtags": ["#launch", "rust"], "posting_slots": [{ "weekday": 1, "time": "09:30" }] }))
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(updated.body["account_name"], "Brand X");
    assert_eq!(
        updated.body["settings"]["default_hashtags"],
        json!(["launch", "rust"])
    );

    // A post published to this account earlier, then a sync pulls its metrics.
    let db = connect(&app.env.database).await;
    let state = &app.state;
    let account_row = store::social_accounts::get(
        &**state.db.client().await.unwrap(),
        admin.organization_id.parse().unwrap(),
        id.parse().unwrap(),
        false,
    )
    .await
    .unwrap()
    .unwrap();
    let access = social::fresh_access_token(
        state,
        &mut state.db.client().await.unwrap(),
        &account_row,
        false,
    )
    .await
    .unwrap();
    let published = state
        .platforms()
        .publish(
            domain::Platform::X,
            &platforms::Acting {
                account_id: &account_row.account_id,
                access_token: &access,
            },
            &platforms::Content::Text("measured".into()),
        )
        .await
        .unwrap();
    db.execute(
        "WITH p AS (INSERT INTO posts (organization_id, user_id, content, status, published_at)
                    VALUES ($1::text::uuid, $2::text::uuid, 'measured', 'published', now()) RETURNING id)
         INSERT INTO post_platforms (post_id, social_account_id, platform_post_id, status, published_at)
         SELECT p.id, $3::text::uuid, $4, 'published', now() FROM p",
        &[&admin.organization_id, &admin.user_id, &id, &published.platform_post_id],
    )
    .await
    .unwrap();

    let synced = app.api(auth(&admin)).sync(&id).await;
    assert_eq!(synced.status, StatusCode::OK, "{}", synced.body);
    assert_eq!(synced.body["posts_synced"], 1);
    let followers = synced.body["account"]["followers_count"].as_i64().unwrap();
    let expected = platform_sandbox::model::followers(
        &account_row.account_id,
        chrono::Utc::now().timestamp() as u64,
    ) as i64;
    assert!(
        (followers - expected).abs() <= 1,
        "{followers} followers, the sandbox has {expected}"
    );
    assert_eq!(
        synced.body["account"]["account_name"], "Brand X",
        "a chosen display name survives syncs"
    );
    let analytics: i64 = db
        .query_one(
            "SELECT count(*) FROM analytics WHERE post_id IS NOT NULL",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(analytics, 1);

    let insights = app.api(auth(&admin)).insights(&id).await;
    assert_eq!(insights.status, StatusCode::OK);
    assert_eq!(insights.body["active_hours"].as_array().unwrap().len(), 1);

    let gone = app.api(auth(&admin)).disconnect(&id).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    let list = app.api(auth(&admin)).social_accounts().await;
    assert_eq!(list.body["accounts"], json!([]));
    let audit: i64 = db
        .query_one(
            "SELECT count(*) FROM audit_logs WHERE action IN ('connect', 'disconnect')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(audit, 2);
}

#[tokio::test]
async fn a_refused_refresh_marks_the_account_for_reconnection() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Expiry").await;
    connect_platform(&app, &admin, "linkedin").await;
    let db = connect(&app.env.database).await;
    let id: uuid::Uuid = db
        .query_one("SELECT id FROM social_accounts", &[])
        .await
        .unwrap()
        .get(0);
    // Given a token about to expire, and a refresh token the platform no longer knows
    app.make_refresh_refused(id).await;

    // When anything needs the token
    let synced = app.api(auth(&admin)).sync(&id).await;

    // Then the user is told to reconnect, and the account says why
    assert_eq!(synced.status, StatusCode::CONFLICT, "{}", synced.body);
    assert_eq!(synced.error_code(), "needs_reconnect");
    let list = app.api(auth(&admin)).social_accounts().await;
    let account = &list.body["accounts"][0];
    assert_eq!(account["needs_reconnect"], true);
    assert!(
        account["status_reason"]
            .as_str()
            .unwrap()
            .contains("refresh refused")
    );

    // Reconnecting restores it.
    connect_platform(&app, &admin, "linkedin").await;
    let list = app.api(auth(&admin)).social_accounts().await;
    assert_eq!(list.body["accounts"].as_array().unwrap().len(), 1);
    assert_eq!(list.body["accounts"][0]["status"], "active");
}

#[tokio::test]
async fn tenants_cannot_touch_each_others_accounts() {
    let app = TestApp::spawn().await;
    let ours = app.register_admin("Ours").await;
    let theirs = app.register_admin("Theirs").await;
    connect_platform(&app, &theirs, "x").await;
    let their_id = app.api(auth(&theirs)).social_accounts().await.body["accounts"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (method, path, body) in [
        (
            Method::PUT,
            format!("/api/social-accounts/{their_id}"),
            Some(json!({ "display_name": "mine" })),
        ),
        (
            Method::DELETE,
            format!("/api/social-accounts/{their_id}"),
            None,
        ),
        (
            Method::POST,
            format!("/api/social-accounts/{their_id}/sync"),
            None,
        ),
        (
            Method::GET,
            format!("/api/social-accounts/{their_id}/insights"),
            None,
        ),
    ] {
        assert_eq!(
            app.call_as(auth(&ours), method.clone(), &path, body)
                .await
                .status,
            StatusCode::NOT_FOUND,
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn an_agency_picks_which_facebook_pages_to_connect() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Agency").await;
    let started = app
        .api(auth(&admin))
        .connect(json!({ "platform": "facebook" }))
        .await;
    // The agency's login manages two Pages.
    let authorize = format!(
        "{}&login_hint=agency-7",
        started.body["authorization_url"].as_str().unwrap()
    );
    let forwarded = app.consent(&authorize).await;
    let offered = app.complete_connection(&admin, &forwarded).await;
    assert_eq!(offered.status, StatusCode::OK, "{}", offered.body);
    let candidates: Vec<(&str, &str)> = offered.body["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["account_id"].as_str().unwrap(),
                c["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        candidates.contains(&("page-agency-7-b", "Second Page of agency-7")),
        "{}",
        offered.body
    );
    let selection = offered.body["selection"].as_str().unwrap().to_owned();

    let picked = app
        .api(auth(&admin))
        .connect(json!({ "selection": selection, "account_ids": ["page-agency-7-b"] }))
        .await;
    assert_eq!(picked.status, StatusCode::OK, "{}", picked.body);
    assert_eq!(picked.body["accounts"].as_array().unwrap().len(), 1);
    assert_eq!(picked.body["accounts"][0]["account_id"], "page-agency-7-b");
    let again = app
        .api(auth(&admin))
        .connect(json!({ "selection": selection, "account_ids": ["page-agency-7"] }))
        .await;
    assert_eq!(
        again.error_code(),
        "invalid_token",
        "a selection is single use"
    );
}

#[tokio::test]
async fn the_scheduled_maintenance_renews_tokens_before_they_expire() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Maintenance").await;
    connect_platform(&app, &admin, "x").await;
    connect_platform(&app, &admin, "tiktok").await;
    let db = connect(&app.env.database).await;
    // Both tokens expire in ten minutes; TikTok's refresh token has been revoked meanwhile.
    db.execute(
        "UPDATE social_accounts SET token_expires_at = now() + interval '10 minutes'",
        &[],
    )
    .await
    .unwrap();
    let tiktok: uuid::Uuid = db
        .query_one(
            "SELECT id FROM social_accounts WHERE platform = 'tiktok'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let dead = app
        .state
        .token_cipher()
        .encrypt("sbr-tiktok-revoked", tiktok.as_bytes());
    db.execute(
        "UPDATE social_accounts SET refresh_token = $2 WHERE id = $1",
        &[&tiktok, &dead],
    )
    .await
    .unwrap();

    let report = social::refresh_expiring_tokens(&app.state, chrono::Duration::hours(24))
        .await
        .unwrap();

    assert_eq!(
        (
            report.refreshed,
            report.needs_reconnect,
            report.failed_transiently
        ),
        (1, 1, 0)
    );
    let rows = db
        .query("SELECT platform, status, token_expires_at > now() + interval '50 minutes' FROM social_accounts ORDER BY platform", &[])
        .await
        .unwrap();
    let states: Vec<(String, String, bool)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        states,
        [
            ("tiktok".into(), "needs_reconnect".into(), false),
            ("x".into(), "active".into(), true)
        ]
    );
    // Nothing is left to renew right after a run.
    let again = social::refresh_expiring_tokens(&app.state, chrono::Duration::minutes(30))
        .await
        .unwrap();
    assert_eq!(again.refreshed + again.needs_reconnect, 0);
}

#[tokio::test]
async fn a_platform_without_app_credentials_is_reported_as_not_configured() {
    let env = integration_tests::TestEnv::new().await;
    let aws = cloud::AwsClients::new(&integration_tests::sdk());
    let secret_id = integration_tests::unique("itest/no-platforms");
    aws.secrets
        .create_secret()
        .name(&secret_id)
        .secret_string(
            json!({ "key_seed": "0123456789abcdefghijklmnopqrstuvwxyz-seed", "platforms": {} })
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    let config = env.config_with(|vars| {
        vars.insert("APP_SECRET_ID".into(), secret_id.clone());
    });
    let state = runtime::AppState::build(config, &integration_tests::sdk())
        .await
        .expect("start-up does not need platform apps");
    let app = TestApp::with_state(env, state);
    let admin = app.register_admin("Unconfigured").await;

    let refused = app
        .api(auth(&admin))
        .connect(json!({ "platform": "tiktok" }))
        .await;

    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.error_code(), "platform_not_configured");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("tiktok is not configured")
    );
}

#[tokio::test]
async fn a_renewed_facebook_page_connection_still_publishes_as_the_page() {
    // Given a connected Facebook Page
    let app = TestApp::spawn().await;
    let admin = app.register_admin("PageTokens").await;
    let page = app.connect_account(&admin, "facebook").await;
    let account = store::social_accounts::get(
        &**app.state.db.client().await.unwrap(),
        admin.organization_id.parse().unwrap(),
        page.parse().unwrap(),
        false,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(account.token_expires_at, None, "Page tokens do not expire");
    // When its tokens are renewed (as after a 401, or by maintenance)
    let mut client = app.state.db.client().await.unwrap();
    let renewed = social::fresh_access_token(&app.state, &mut client, &account, true)
        .await
        .unwrap();
    // Then the access token is still the Page's, and the Page can publish with it
    assert!(renewed.starts_with("sbx-facebook-page-"), "a Page token");
    let created = app.draft_post(&admin, "From the Page", &[&page]).await;
    let post = app
        .publish_now(&admin, created["id"].as_str().unwrap())
        .await;
    assert_eq!(post["status"], "published", "{post}");
}
