//! Notifications and the live feed: every kind produced by its real cause, the inbox (read,
//! unread, delete, mark all, cursor), settings honoured (kinds, channels, quiet hours, digests,
//! unsubscribe), and the WebSocket feed's rules (who connects, who receives what, revoked
//! sessions, gone connections).

use std::time::Duration;

use chrono::{Timelike, Utc};
use http::StatusCode;
use integration_tests::{Ended, LiveClient, Member, TestApp, auth, emails_to};
use platform_sandbox::FaultKind;
use serde_json::{Value, json};

async fn fault_next_publish(app: &TestApp, platform: &str, kind: FaultKind) {
    app.sandbox_fault(&platform_sandbox::Fault {
        platform: Some(platform.parse().unwrap()),
        user: None,
        path_contains: None,
        kind,
        times: 1,
    })
    .await;
}

async fn reject_next_publish(app: &TestApp, platform: &str, reason: &str) {
    let kind = FaultKind::Rejected {
        reason: reason.into(),
    };
    fault_next_publish(app, platform, kind).await;
}

/// Publishes a new post on one account now; returns the post id.
async fn publish(app: &TestApp, member: &Member, account: &str, text: &str) -> String {
    let post = app.draft_post(member, text, &[account]).await;
    let id = post["id"].as_str().unwrap().to_owned();
    app.publish_now(member, &id).await;
    id
}

async fn inbox(app: &TestApp, member: &Member, query: &str) -> Value {
    let listed = app.api(auth(member)).notifications(query).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    listed.body
}

fn kinds(page: &Value) -> Vec<String> {
    page["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn notification_emails(member: &Member) -> Vec<(String, String)> {
    emails_to(&member.email)
        .await
        .into_iter()
        .filter(|(_, body)| body.contains("/unsubscribe?user="))
        .collect()
}

#[tokio::test]
async fn a_failed_publish_reaches_its_author_live_in_the_inbox_and_by_email() {
    // Given an author with the app open
    let app = TestApp::spawn().await;
    let address = app.listen().await;
    let admin = app.register_admin("Live failure").await;
    let x = app.connect_account(&admin, "x").await;
    let mut tab = LiveClient::connect(address, &admin.access_token)
        .await
        .unwrap();

    // When the platform refuses the post
    reject_next_publish(&app, "x", "duplicate content").await;
    let post_id = publish(&app, &admin, &x, "refused").await;

    // Then the tab sees the post settle and the notification arrive, without asking
    let status = tab.expect("post.status").await;
    assert_eq!(status["data"]["post_id"], post_id.as_str());
    let created = tab.expect("notification.created").await;
    let notification = &created["data"]["notification"];
    assert_eq!(notification["kind"], "post_failed");
    assert_eq!(notification["link"], format!("/posts/{post_id}"));
    assert!(
        notification["body"]
            .as_str()
            .unwrap()
            .contains("duplicate content")
    );
    assert_eq!(created["data"]["unread"], 1);
    // the inbox has it, unread
    let page = inbox(&app, &admin, "").await;
    assert_eq!(kinds(&page), ["post_failed"]);
    assert_eq!(page["unread"], 1);
    // and, failures being emailed by default, so does the mailbox, with an unsubscribe link
    let emails = notification_emails(&admin).await;
    assert_eq!(emails.len(), 1, "{emails:?}");
    assert!(emails[0].0.contains("could not be published on X"));
    assert!(emails[0].1.contains(&format!("/posts/{post_id}")));
    // and nothing it carries is a token
    assert!(!notification.to_string().contains(&admin.access_token));
}

#[tokio::test]
async fn publishing_tells_the_author_what_was_published_and_what_to_check() {
    // Given an author with one account
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Outcomes").await;
    let x = app.connect_account(&admin, "x").await;

    // When one post goes out and another's answer is lost
    publish(&app, &admin, &x, "all good").await;
    fault_next_publish(&app, "x", FaultKind::LostResponse { millis: 3000 }).await;
    publish(&app, &admin, &x, "lost answer").await;

    // Then the inbox says so, newest first, and the unconfirmed one says what to check
    let page = inbox(&app, &admin, "").await;
    assert_eq!(kinds(&page), ["post_unconfirmed", "post_published"]);
    let unconfirmed = page["notifications"][0]["body"].as_str().unwrap();
    assert!(
        unconfirmed.contains("publish again only if the post is not there"),
        "{unconfirmed}"
    );
    // and only the one needing action was emailed
    let emails = notification_emails(&admin).await;
    assert_eq!(emails.len(), 1, "{emails:?}");
    assert!(emails[0].0.starts_with("Check X"));
}

#[tokio::test]
async fn the_inbox_pages_newest_first_and_reads_deletes_and_marks_all() {
    // Given five failed publishes
    let app = TestApp::spawn().await;
    let address = app.listen().await;
    let admin = app.register_admin("Inbox").await;
    let x = app.connect_account(&admin, "x").await;
    for n in 0..5 {
        reject_next_publish(&app, "x", &format!("refusal {n}")).await;
        publish(&app, &admin, &x, &format!("post {n}")).await;
    }

    // When the user pages through two at a time
    let first = inbox(&app, &admin, "limit=2").await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = inbox(&app, &admin, &format!("limit=2&cursor={cursor}")).await;
    let cursor = second["next_cursor"].as_str().unwrap();
    let third = inbox(&app, &admin, &format!("limit=2&cursor={cursor}")).await;

    // Then they see all five once, newest first
    let bodies: Vec<String> = [&first, &second, &third]
        .iter()
        .flat_map(|page| page["notifications"].as_array().unwrap().clone())
        .map(|n| n["body"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = (0..5).rev().map(|n| format!("refusal {n}")).collect();
    for (body, refusal) in bodies.iter().zip(&expected) {
        assert!(body.contains(refusal.as_str()), "{body} is not {refusal}");
    }
    assert_eq!(bodies.len(), 5);
    assert_eq!(third["next_cursor"], Value::Null);
    assert_eq!(first["unread"], 5);

    // When one is read in one tab, another tab hears the new count
    let mut other_tab = LiveClient::connect(address, &admin.access_token)
        .await
        .unwrap();
    let newest = first["notifications"][0]["id"].as_str().unwrap();
    let read = app.api(auth(&admin)).read_notification(newest).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert_eq!(read.body["notification"]["read"], true);
    assert_eq!(read.body["unread"], 4);
    assert_eq!(
        other_tab.expect("notifications.unread").await["data"]["unread"],
        4
    );
    assert_eq!(
        inbox(&app, &admin, "unread_only=true").await["notifications"]
            .as_array()
            .unwrap()
            .len(),
        4
    );

    // When one is deleted, it is gone; deleting it again is a 404
    let oldest = third["notifications"][0]["id"].as_str().unwrap();
    let deleted = app.api(auth(&admin)).delete_notification(oldest).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let again = app.api(auth(&admin)).delete_notification(oldest).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(again.error_code(), "not_found");

    // When all are marked read
    let marked = app.api(auth(&admin)).mark_all_read().await;
    assert_eq!(marked.status, StatusCode::OK, "{}", marked.body);
    assert_eq!(marked.body["marked"], 3);
    assert_eq!(marked.body["unread"], 0);
    let after = inbox(&app, &admin, "").await;
    assert_eq!(after["unread"], 0);
    assert_eq!(after["notifications"].as_array().unwrap().len(), 4);

    // And another member can neither read nor delete them
    let viewer = app.add_member(&admin, "viewer").await;
    let stranger = app.api(auth(&viewer)).read_notification(newest).await;
    assert_eq!(stranger.status, StatusCode::NOT_FOUND);
    assert_eq!(inbox(&app, &viewer, "").await["notifications"], json!([]));

    // And nonsense is a 422 in our words
    let bad = app
        .api(auth(&admin))
        .notifications("limit=0&cursor=nope")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = bad.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["limit", "cursor"]);
}

#[tokio::test]
async fn a_disabled_kind_is_not_sent_and_quiet_hours_hold_emails_until_they_end() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Settings").await;
    let x = app.connect_account(&admin, "x").await;
    let defaults = app.api(auth(&admin)).notification_settings().await;
    assert_eq!(defaults.status, StatusCode::OK);
    assert_eq!(defaults.body["timezone"], "UTC");
    assert_eq!(
        defaults.body["kinds"].as_array().unwrap().len(),
        domain::NotificationKind::ALL.len()
    );

    // Given failures turned off everywhere
    let off = app
        .api(auth(&admin))
        .update_notification_settings(json!({
            "kinds": [{ "kind": "post_failed", "in_app": false, "email": false }],
            "email_delivery": "immediate",
            "quiet_hours": null
        }))
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    // When a publish fails, then nothing is sent anywhere
    reject_next_publish(&app, "x", "first refusal").await;
    publish(&app, &admin, &x, "unheard").await;
    assert_eq!(inbox(&app, &admin, "").await["notifications"], json!([]));
    assert!(notification_emails(&admin).await.is_empty());

    // Given failures back on, and quiet hours around now (in the user's time zone, UTC)
    let now = Utc::now();
    let clock = |t: chrono::DateTime<Utc>| format!("{:02}:{:02}", t.hour(), t.minute());
    let quiet = app
        .api(auth(&admin))
        .update_notification_settings(json!({
            "kinds": [{ "kind": "post_failed", "in_app": true, "email": true }],
            "email_delivery": "immediate",
            "quiet_hours": { "start": clock(now - chrono::Duration::hours(1)), "end": clock(now + chrono::Duration::hours(1)) }
        }))
        .await;
    assert_eq!(quiet.status, StatusCode::OK, "{}", quiet.body);
    // When a publish fails, then it is in the app at once, but the email waits
    reject_next_publish(&app, "x", "second refusal").await;
    publish(&app, &admin, &x, "quietly").await;
    assert_eq!(kinds(&inbox(&app, &admin, "").await), ["post_failed"]);
    assert!(notification_emails(&admin).await.is_empty());
    let during = notifications::email::send_held(&app.state, Utc::now())
        .await
        .unwrap();
    assert_eq!((during.sent, during.waiting), (0, 1));
    assert!(notification_emails(&admin).await.is_empty());
    // and goes out once the quiet hours are over
    let after = notifications::email::send_held(&app.state, now + chrono::Duration::hours(2))
        .await
        .unwrap();
    assert_eq!((after.sent, after.notifications), (1, 1));
    let emails = notification_emails(&admin).await;
    assert_eq!(emails.len(), 1);
    assert!(emails[0].1.contains("second refusal"));

    // And bad settings are refused field by field, changing nothing
    let bad = app
        .api(auth(&admin))
        .update_notification_settings(json!({
            "kinds": [
                { "kind": "post_failed", "in_app": true, "email": true },
                { "kind": "post_failed", "in_app": true, "email": false }
            ],
            "email_delivery": "immediate",
            "quiet_hours": { "start": "25:00", "end": "07:00" }
        }))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let fields: Vec<&str> = bad.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["kinds[1].kind", "quiet_hours.start"]);
    let unchanged = app.api(auth(&admin)).notification_settings().await;
    assert!(unchanged.body["quiet_hours"].is_object());
}

#[tokio::test]
async fn a_daily_digest_gathers_the_days_emails_into_one() {
    // Given a user who wants one email a day
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Digest").await;
    let x = app.connect_account(&admin, "x").await;
    app.api(auth(&admin))
        .update_notification_settings(json!({
            "kinds": [], "email_delivery": "daily_digest", "quiet_hours": null
        }))
        .await;
    // When two publishes fail
    for n in 0..2 {
        reject_next_publish(&app, "x", &format!("digest refusal {n}")).await;
        publish(&app, &admin, &x, &format!("digest {n}")).await;
    }
    assert!(notification_emails(&admin).await.is_empty());
    // Then the digest run after the digest hour sends both in one email, once
    let tomorrow_morning = (Utc::now() + chrono::Duration::days(1))
        .date_naive()
        .and_hms_opt(9, 0, 0)
        .unwrap()
        .and_utc();
    let sent = notifications::email::send_held(&app.state, tomorrow_morning)
        .await
        .unwrap();
    assert_eq!((sent.sent, sent.notifications), (1, 2));
    let emails = notification_emails(&admin).await;
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0].0, "2 notifications");
    assert!(emails[0].1.contains("digest refusal 0") && emails[0].1.contains("digest refusal 1"));
}

#[tokio::test]
async fn the_unsubscribe_link_turns_emails_off_and_a_forged_one_is_refused() {
    // Given a notification email with its link
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Unsubscribe").await;
    let x = app.connect_account(&admin, "x").await;
    reject_next_publish(&app, "x", "nope").await;
    publish(&app, &admin, &x, "emailed").await;
    let (_, body) = notification_emails(&admin).await.pop().unwrap();
    let link = body
        .lines()
        .find_map(|line| line.split("Stop these emails: ").nth(1))
        .unwrap();
    let query = url::Url::parse(link).unwrap();
    let param = |name: &str| {
        query
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    let (user, token) = (param("user"), param("token"));
    assert_eq!(user, admin.user_id);

    // When someone forges a token, or uses it for another user, it is refused
    let forged = app
        .api(None)
        .unsubscribe(json!({ "user": user, "token": "bm90IHRoZSB0b2tlbg" }))
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let viewer = app.add_member(&admin, "viewer").await;
    let misused = app
        .api(None)
        .unsubscribe(json!({ "user": viewer.user_id, "token": token }))
        .await;
    assert_eq!(misused.status, StatusCode::FORBIDDEN);

    // When the owner follows it (no sign-in), every email is off, the app still notifies
    let done = app
        .api(None)
        .unsubscribe(json!({ "user": user, "token": token }))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(
        done.body["email_off"].as_array().unwrap().len(),
        domain::NotificationKind::ALL.len()
    );
    reject_next_publish(&app, "x", "nope again").await;
    publish(&app, &admin, &x, "not emailed").await;
    assert_eq!(notification_emails(&admin).await.len(), 1);
    assert_eq!(
        kinds(&inbox(&app, &admin, "").await),
        ["post_failed", "member_joined", "post_failed"]
    );
}

#[tokio::test]
async fn members_exports_and_token_health_notify_from_their_causes() {
    // Given an admin and a manager, both with the app open
    let app = TestApp::spawn().await;
    let address = app.listen().await;
    let admin = app.register_admin("Causes").await;
    let manager = app.add_member(&admin, "manager").await;
    let user = app.add_member(&admin, "user").await;
    let mut manager_tab = LiveClient::connect(address, &manager.access_token)
        .await
        .unwrap();
    let mut user_tab = LiveClient::connect(address, &user.access_token)
        .await
        .unwrap();

    // When the admin invites someone, and they join
    let invitee = app.add_member(&admin, "viewer").await;

    // Then the manager hears of both (the admin only of the joining: they sent the invitation);
    // a plain user follows no team events
    let invited = manager_tab.expect("notification.created").await;
    assert_eq!(invited["data"]["notification"]["kind"], "member_invited");
    assert!(
        invited["data"]["notification"]["title"]
            .as_str()
            .unwrap()
            .contains(&invitee.email)
    );
    let joined = manager_tab.expect("notification.created").await;
    assert_eq!(joined["data"]["notification"]["kind"], "member_joined");
    assert!(kinds(&inbox(&app, &admin, "").await).contains(&"member_joined".to_owned()));
    assert!(!kinds(&inbox(&app, &admin, "").await).contains(&"member_invited".to_owned()));
    let heard: Vec<Value> = user_tab.drain(Duration::from_millis(300)).await;
    assert!(
        heard.iter().all(|m| m["type"] != "notification.created"),
        "{heard:?}"
    );

    // When the user exports their data, their tab follows the progress, then is told it is ready
    let export = app.api(auth(&user)).export_data().await;
    assert_eq!(export.status, StatusCode::CREATED, "{}", export.body);
    let mut stages = Vec::new();
    while stages.last().map(String::as_str) != Some("ready") {
        let progress = user_tab.expect("export.progress").await;
        assert_eq!(progress["data"]["export_id"], export.body["id"]);
        stages.push(progress["data"]["stage"].as_str().unwrap().to_owned());
    }
    assert_eq!(stages, ["collecting", "uploading", "ready"]);
    let ready = user_tab.expect("notification.created").await;
    assert_eq!(ready["data"]["notification"]["kind"], "export_ready");
    assert_eq!(ready["data"]["notification"]["link"], "/profile");

    // When LinkedIn refuses an account's refresh token
    let linkedin = app.connect_account(&manager, "linkedin").await;
    app.make_refresh_refused(linkedin.parse().unwrap()).await;
    let synced = app.api(auth(&manager)).sync(&linkedin).await;
    assert_eq!(synced.error_code(), "needs_reconnect");
    let again = app.api(auth(&manager)).sync(&linkedin).await;
    assert_eq!(again.error_code(), "needs_reconnect");

    // Then whoever connected it and the admins are told once, with where to fix it
    for member in [&admin, &manager] {
        let page = inbox(&app, member, "").await;
        let reconnects: Vec<&Value> = page["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "account_needs_reconnect")
            .collect();
        assert_eq!(reconnects.len(), 1, "{page}");
        assert_eq!(reconnects[0]["link"], "/social-accounts");
        assert_eq!(reconnects[0]["social_account_id"], linkedin.as_str());
    }
}

#[tokio::test]
async fn the_live_feed_admits_only_live_sessions_and_never_crosses_users() {
    let app = TestApp::spawn().await;
    let address = app.listen().await;
    let alice = app.register_admin("Alice's").await;
    let bob = app.register_admin("Bob's").await;
    let alice_x = app.connect_account(&alice, "x").await;

    // A bad token, no token, or a signed-out session's token is refused at the handshake
    assert_eq!(
        LiveClient::connect(address, "not-a-token").await.err(),
        Some(401)
    );
    assert_eq!(LiveClient::connect(address, "").await.err(), Some(401));
    let other_device = app
        .api(None)
        .login(json!({ "email": alice.email, "password": integration_tests::PASSWORD }))
        .await;
    let token = other_device.body["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let ended = app.api(Some(&token)).logout().await;
    assert!(ended.status.is_success(), "{}", ended.body);
    assert_eq!(LiveClient::connect(address, &token).await.err(), Some(401));

    // Given both connected
    let mut alice_tab = LiveClient::connect(address, &alice.access_token)
        .await
        .unwrap();
    let mut bob_tab = LiveClient::connect(address, &bob.access_token)
        .await
        .unwrap();
    alice_tab.send(json!({ "action": "sync" })).await;
    assert_eq!(
        alice_tab.expect("notifications.unread").await["data"]["unread"],
        0
    );
    bob_tab.send(json!({ "action": "ping" })).await;
    bob_tab.expect("pong").await;
    bob_tab.send(json!({ "action": "shout" })).await;
    assert_eq!(
        bob_tab.expect("error").await["data"]["code"],
        "unknown_action"
    );

    // When Alice's post fails, Alice hears of it and Bob hears nothing
    reject_next_publish(&app, "x", "alice only").await;
    publish(&app, &alice, &alice_x, "private").await;
    alice_tab.expect("notification.created").await;
    let bob_heard = bob_tab.drain(Duration::from_millis(500)).await;
    assert!(bob_heard.is_empty(), "Bob received {bob_heard:?}");

    // When Alice signs that device out, its connection is closed and forgotten
    let out = app.api(auth(&alice)).logout().await;
    assert!(out.status.is_success());
    assert_eq!(
        alice_tab.ended(Duration::from_secs(5)).await,
        Ended::Closed(Some(4401))
    );
    let organization: store::OrgId = alice.organization_id.parse().unwrap();
    let left = live::connections_of(
        &app.state,
        live::Audience::Organization {
            organization_id: organization,
            permission: domain::Permission::ViewOrganization,
        },
    )
    .await
    .unwrap();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(
        bob_tab.ended(Duration::from_millis(200)).await,
        Ended::StillOpen
    );
}

#[tokio::test]
async fn a_connection_found_gone_is_forgotten() {
    // Given a connection recorded but whose socket is gone (API Gateway's 410)
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Gone").await;
    let organization: store::OrgId = admin.organization_id.parse().unwrap();
    let user_id: uuid::Uuid = admin.user_id.parse().unwrap();
    let stale = live::Connection {
        connection_id: "stale-connection".to_owned(),
        user_id,
        organization_id: organization,
        session_id: uuid::Uuid::new_v4(),
        role: domain::Role::Admin,
        connected_at: Utc::now(),
    };
    live::register(&app.state, &stale).await.unwrap();
    let audience = live::Audience::User {
        organization_id: organization,
        user_id,
    };

    // When an event is sent to its user
    let report = live::send(
        &app.state,
        audience,
        contracts::LiveEvent::UnreadCount { unread: 0 },
    )
    .await;

    // Then the push finds it gone and both of its records are removed
    assert_eq!(report.gone, 1);
    assert!(
        live::connections_of(&app.state, audience)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        live::find(&app.state, "stale-connection")
            .await
            .unwrap()
            .is_none()
    );
}

#[test]
fn the_template_declares_the_websocket_api_with_least_privilege() {
    let template =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml")).unwrap();
    assert!(template.contains("ProtocolType: WEBSOCKET"));
    for route in ["$connect", "$disconnect", "$default"] {
        assert!(
            template.contains(&format!("RouteKey: {route}")),
            "no {route} route"
        );
    }
    for function in [
        "WsConnectFunction",
        "WsDisconnectFunction",
        "WsDefaultFunction",
        "ApiNotificationsFunction",
    ] {
        assert!(
            template.contains(&format!("  {function}:")),
            "no {function}"
        );
    }
    // Pushing is allowed on this API's connections only, never on every API.
    let grants: Vec<&str> = template
        .lines()
        .filter(|line| line.contains("execute-api:ManageConnections"))
        .collect();
    assert!(!grants.is_empty());
    let resources: Vec<&str> = template
        .lines()
        .filter(|line| line.contains(":execute-api:") && line.contains("@connections"))
        .collect();
    assert!(
        !resources.is_empty(),
        "ManageConnections must name its resource"
    );
    for resource in resources {
        assert!(
            resource.contains("${LiveApi}"),
            "not scoped to the live API: {resource}"
        );
        assert!(!resource.contains(":*/"), "{resource}");
    }
}
