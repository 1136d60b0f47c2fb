//! The publishing promise under concurrency, with the pool size template.yaml deploys: real
//! concurrent calls against the real Postgres, never reasoned away.

use http::{Method, StatusCode};
use integration_tests::{Member, TestApp, connect};
use platform_sandbox::{Fault, FaultKind};
use serde_json::{Value, json};
use uuid::Uuid;

use integration_tests::auth;

async fn sandbox_texts(app: &TestApp) -> Vec<String> {
    app.sandbox_posts(None)
        .await
        .iter()
        .map(|p| p["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn fault(app: &TestApp, fault: Fault) {
    app.sandbox_fault(&fault).await;
}

fn on(platform: &str, kind: FaultKind, times: u32) -> Fault {
    Fault {
        platform: Some(platform.parse().unwrap()),
        user: None,
        path_contains: None,
        kind,
        times,
    }
}

/// A post targeting `accounts`, scheduled and then made due now. Returns (post id, target ids).
async fn due_post(
    app: &TestApp,
    member: &Member,
    content: &str,
    accounts: &[&str],
) -> (String, Vec<Uuid>) {
    let created = app.draft_post(member, content, accounts).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let later = (chrono::Utc::now() + chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let scheduled = app
        .api(auth(member))
        .schedule(&id, json!({ "local_time": later, "timezone": "UTC" }))
        .await;
    assert_eq!(scheduled.status, StatusCode::OK, "{}", scheduled.body);
    let db = connect(&app.env.database).await;
    db.execute(
        "UPDATE post_platforms SET scheduled_at = now() - interval '1 second' WHERE post_id::text = $1",
        &[&id],
    )
    .await
    .unwrap();
    let targets = scheduled.body["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().parse().unwrap())
        .collect();
    (id, targets)
}

async fn post(app: &TestApp, member: &Member, id: &str) -> Value {
    app.api(auth(member)).post(&id).await.body
}

#[tokio::test]
async fn failing_publishes_never_exhaust_the_deployed_pool() {
    // Given the deployed pool size and four targets the platform refuses, published at once
    let app = TestApp::spawn().await;
    assert_eq!(app.state.config.db_max_connections, 2);
    let admin = app.register_admin("Pool").await;
    let x = app.connect_account(&admin, "x").await;
    let mut posts = Vec::new();
    for n in 0..4 {
        posts.push(due_post(&app, &admin, &format!("refused {n}"), &[&x]).await);
    }
    fault(
        &app,
        on(
            "x",
            FaultKind::Rejected {
                reason: "duplicate content".into(),
            },
            4,
        ),
    )
    .await;
    // When they all fail together
    let publishes = posts
        .iter()
        .map(|(_, targets)| posting::publish_target(&app.state, targets[0]));
    let outcomes = futures::future::join_all(publishes).await;
    // Then each one is settled as failed, none left publishing or unconfirmed
    for outcome in &outcomes {
        assert!(
            matches!(outcome, Ok(posting::Outcome::Failed { .. })),
            "{outcomes:?}"
        );
    }
    for (id, _) in &posts {
        assert_eq!(post(&app, &admin, id).await["status"], "failed");
    }
}

#[tokio::test]
async fn an_edit_or_a_deletion_racing_a_publish_never_duplicates_nor_leaks_a_post() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Races").await;
    let x = app.connect_account(&admin, "x").await;
    for round in 0..6 {
        let marker = format!("race-{round}-{}", Uuid::new_v4().simple());
        let (id, targets) = due_post(&app, &admin, &marker, &[&x]).await;
        let path = format!("/api/posts/{id}");
        // When a publish and an edit (or a deletion) of the same due post happen at once
        let deleting = round % 2 == 1;
        let change = async {
            if deleting {
                app.call_as(auth(&admin), Method::DELETE, &path, None).await
            } else {
                let edited = json!({ "content": format!("{marker} edited") });
                app.call_as(auth(&admin), Method::PUT, &path, Some(edited))
                    .await
            }
        };
        let (outcome, changed) =
            tokio::join!(posting::publish_target(&app.state, targets[0]), change);
        let published = matches!(outcome, Ok(posting::Outcome::Published { .. }));
        // Then either the change won first, or the publish won: an edit is then refused, and
        // a deletion is refused while the publish is in flight or archives the published post
        match (published, deleting) {
            (false, _) => assert!(changed.status.is_success(), "{}", changed.body),
            (true, false) => assert_eq!(changed.status, StatusCode::CONFLICT, "{}", changed.body),
            (true, true) => assert!(
                changed.status == StatusCode::CONFLICT || changed.body["outcome"] == "archived",
                "{}",
                changed.body
            ),
        }
        // And whatever is still due afterwards publishes once, never twice
        if !deleting {
            let current = post(&app, &admin, &id).await;
            for target in current["targets"].as_array().unwrap() {
                let target: Uuid = target["id"].as_str().unwrap().parse().unwrap();
                let db = connect(&app.env.database).await;
                db.execute(
                    "UPDATE post_platforms SET scheduled_at = now() - interval '1 second' WHERE id = $1",
                    &[&target],
                )
                .await
                .unwrap();
                posting::publish_target(&app.state, target).await.unwrap();
            }
        }
        let copies = sandbox_texts(&app)
            .await
            .iter()
            .filter(|t| t.contains(&marker))
            .count();
        let expected = if deleting && !published { 0 } else { 1 };
        assert_eq!(copies, expected, "round {round}: {outcome:?}");
    }
}

#[tokio::test]
async fn concurrent_token_refreshes_keep_the_account_healthy() {
    // Given an account whose token is about to expire
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Refresh").await;
    let linkedin = app.connect_account(&admin, "linkedin").await;
    let db = connect(&app.env.database).await;
    db.execute(
        "UPDATE social_accounts SET token_expires_at = now() + interval '1 minute' WHERE id::text = $1",
        &[&linkedin],
    )
    .await
    .unwrap();
    let account = store::social_accounts::get(
        &**app.state.db.client().await.unwrap(),
        admin.organization_id.parse().unwrap(),
        linkedin.parse().unwrap(),
        false,
    )
    .await
    .unwrap()
    .unwrap();
    // When maintenance, a publisher and a sync refresh it at the same moment (the platform
    // rotates refresh tokens, so a second use of the old one is refused)
    let refreshes = (0..4).map(|_| {
        let state = &app.state;
        let account = &account;
        async move {
            let mut client = state.db.client().await.unwrap();
            social::fresh_access_token(state, &mut client, account, true).await
        }
    });
    let tokens = futures::future::join_all(refreshes).await;
    // Then every caller gets a usable token and the account stays healthy
    for token in &tokens {
        assert!(token.is_ok(), "{tokens:?}");
    }
    let accounts = app.api(auth(&admin)).social_accounts().await;
    assert_eq!(accounts.body["accounts"][0]["status"], "active");
    assert_eq!(accounts.body["accounts"][0]["needs_reconnect"], false);
}

#[tokio::test]
async fn a_transient_failure_before_the_platform_call_retries_and_a_refused_refresh_fails() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("BeforeCall").await;
    let linkedin = app.connect_account(&admin, "linkedin").await;
    let db = connect(&app.env.database).await;
    let expiring = || async {
        db.execute(
            "UPDATE social_accounts SET token_expires_at = now() WHERE id::text = $1",
            &[&linkedin],
        )
        .await
        .unwrap();
    };
    let token_fault = |kind| Fault {
        path_contains: Some("token".into()),
        ..on("linkedin", kind, 1)
    };

    // Given an expiring token and a token endpoint that is briefly unavailable
    expiring().await;
    fault(&app, token_fault(FaultKind::Unavailable)).await;
    let (id, targets) = due_post(&app, &admin, "transient", &[&linkedin]).await;
    // When the target is published
    let outcome = posting::publish_target(&app.state, targets[0])
        .await
        .unwrap();
    // Then it waits for another attempt, and the account stays healthy
    assert!(
        matches!(outcome, posting::Outcome::RetryAt { .. }),
        "{outcome:?}"
    );
    let current = post(&app, &admin, &id).await;
    assert_eq!(current["targets"][0]["status"], "pending");
    assert_eq!(current["status"], "publishing");
    let accounts = app.api(auth(&admin)).social_accounts().await;
    assert_eq!(accounts.body["accounts"][0]["needs_reconnect"], false);

    // Given a token endpoint that refuses the refresh
    expiring().await;
    fault(&app, token_fault(FaultKind::ExpiredToken)).await;
    let (id, targets) = due_post(&app, &admin, "refused", &[&linkedin]).await;
    let outcome = posting::publish_target(&app.state, targets[0])
        .await
        .unwrap();
    // Then the target fails as auth_expired and the account asks for a reconnection
    assert!(
        matches!(outcome, posting::Outcome::Failed { .. }),
        "{outcome:?}"
    );
    let current = post(&app, &admin, &id).await;
    assert_eq!(current["targets"][0]["failure_class"], "auth_expired");
    let accounts = app.api(auth(&admin)).social_accounts().await;
    assert_eq!(accounts.body["accounts"][0]["needs_reconnect"], true);
}

#[tokio::test]
async fn sibling_targets_finishing_together_leave_the_post_published() {
    // Given posts with two targets each
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Siblings").await;
    let x = app.connect_account(&admin, "x").await;
    let linkedin = app.connect_account(&admin, "linkedin").await;
    let mut posts = Vec::new();
    for n in 0..8 {
        posts.push(due_post(&app, &admin, &format!("siblings {n}"), &[&x, &linkedin]).await);
    }
    // When every target is published at once
    let publishes = posts
        .iter()
        .flat_map(|(_, targets)| targets.iter())
        .map(|target| posting::publish_target(&app.state, *target));
    for outcome in futures::future::join_all(publishes).await {
        assert!(
            matches!(outcome, Ok(posting::Outcome::Published { .. })),
            "{outcome:?}"
        );
    }
    // Then no post is left `publishing`
    for (id, _) in &posts {
        assert_eq!(post(&app, &admin, id).await["status"], "published");
    }
}
