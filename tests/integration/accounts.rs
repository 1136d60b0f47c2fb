//! Accounts end to end: sign-up, verification by email, sessions and their rotation, password
//! reset, invitations, roles, plan limits, GDPR export and erasure, and the audit trail.

use http::{Method, StatusCode};
use integration_tests::{PASSWORD, TestApp, connect, emails_to, http_get, token_in, unique};
use serde_json::{Value, json};

use integration_tests::auth;

#[tokio::test]
async fn the_whole_account_lifecycle() {
    let app = TestApp::spawn().await;
    let email = format!("{}@example.test", unique("founder"));

    // Given a new founder registers their organization
    let registered = app
        .api(None)
        .register(json!({
            "email": email.to_uppercase(), "password": PASSWORD, "organization_name": "Acme Social",
            "first_name": "Grace", "last_name": "Hopper", "gdpr_consent": true,
        }))
        .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.body
    );
    assert_eq!(
        registered.body["user"]["email"], email,
        "emails are stored lower-case"
    );
    assert_eq!(registered.body["user"]["role"], "admin");
    assert_eq!(registered.body["user"]["email_verified"], false);
    assert_eq!(registered.body["organization"]["slug"], "acme-social");
    // The founder's consent is recorded for them and, dated, for the organization.
    assert_eq!(registered.body["user"]["gdpr_consent"], true);
    assert_eq!(registered.body["organization"]["gdpr_consent"], true);
    assert!(registered.body["organization"]["gdpr_consent_date"].is_string());
    assert!(registered.body["user"].get("password_hash").is_none());

    // When they open the verification email and verify
    let (subject, body) = emails_to(&email).await.pop().expect("a verification email");
    assert_eq!(subject, "Confirm your email address");
    assert!(body.contains("https://app.example.test/verify-email?token="));
    let verified = app
        .api(None)
        .verify_email(json!({ "token": token_in(&body) }))
        .await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.body);
    let again = app
        .api(None)
        .verify_email(json!({ "token": token_in(&body) }))
        .await;
    assert_eq!(
        again.status,
        StatusCode::BAD_REQUEST,
        "a verification link works once"
    );
    assert_eq!(again.error_code(), "invalid_token");

    // Then they can sign in, and their profile says verified
    let login = app
        .api(None)
        .login(json!({ "email": email, "password": PASSWORD }))
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    assert_eq!(login.body["expires_in"], 900);
    let access = login.body["access_token"].as_str().unwrap().to_owned();
    let first_refresh = login.body["refresh_token"].as_str().unwrap().to_owned();
    let profile = app.api(Some(&access)).profile().await;
    assert_eq!(profile.body["email_verified"], true);

    // Refresh rotates the refresh token
    let refreshed = app
        .api(None)
        .refresh(json!({ "refresh_token": first_refresh }))
        .await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
    let second_refresh = refreshed.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_refresh, first_refresh);
    let rotated_access = refreshed.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.api(Some(&rotated_access)).profile().await.status,
        StatusCode::OK
    );

    // Re-using the old refresh token is refused and revokes the whole family
    let reused = app
        .api(None)
        .refresh(json!({ "refresh_token": first_refresh }))
        .await;
    assert_eq!(reused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reused.error_code(), "refresh_token_reused");
    let after_reuse = app
        .api(None)
        .refresh(json!({ "refresh_token": second_refresh }))
        .await;
    assert_eq!(
        after_reuse.status,
        StatusCode::UNAUTHORIZED,
        "the newest token of the family is revoked too"
    );
    let revoked_access = app.api(Some(&rotated_access)).profile().await;
    assert_eq!(
        revoked_access.status,
        StatusCode::UNAUTHORIZED,
        "access tokens of a revoked session stop working"
    );

    // Sign in again and invite a member
    let login = app
        .api(None)
        .login(json!({ "email": email, "password": PASSWORD }))
        .await;
    let admin_token = login.body["access_token"].as_str().unwrap().to_owned();
    let invitee = format!("{}@example.test", unique("invitee"));
    let invited = app
        .api(Some(&admin_token))
        .invite(json!({ "email": invitee, "role": "user" }))
        .await;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.body);
    let (subject, invitation) = emails_to(&invitee)
        .await
        .pop()
        .expect("an invitation email");
    assert_eq!(
        subject,
        "You are invited to join \u{201c}Acme Social\u{201d}"
    );

    // The member accepts with the emailed token
    let joined = app
        .api(None).register(json!({
            "email": invitee, "password": "another strong passphrase", "invite_token": token_in(&invitation),
            "gdpr_consent": true,
        }))
        .await;
    assert_eq!(joined.status, StatusCode::CREATED, "{}", joined.body);
    assert_eq!(
        joined.body["organization"]["id"],
        registered.body["organization"]["id"]
    );
    assert_eq!(joined.body["user"]["role"], "user");
    assert_eq!(
        joined.body["user"]["email_verified"], true,
        "the invitation proved the address"
    );
    let member_id = joined.body["user"]["id"].as_str().unwrap().to_owned();
    let member_token = joined.body["access_token"].as_str().unwrap().to_owned();

    // The admin promotes them; the change applies to their current token at once
    let promoted = app
        .api(Some(&admin_token))
        .change_role(&member_id, json!({ "role": "manager" }))
        .await;
    assert_eq!(promoted.status, StatusCode::OK, "{}", promoted.body);
    assert_eq!(promoted.body["role"], "manager");
    let members = app.api(Some(&member_token)).members().await;
    let roles: Vec<&str> = members.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["admin", "manager"]);

    // The member exports their data and downloads the archive
    let export = app.api(Some(&member_token)).export_data().await;
    assert_eq!(export.status, StatusCode::CREATED, "{}", export.body);
    let export_id = export.body["id"].as_str().unwrap();
    let status = app.api(Some(&member_token)).export(&export_id).await;
    assert_eq!(status.body["status"], "completed");
    let archive: Value =
        serde_json::from_slice(&http_get(status.body["download_url"].as_str().unwrap()).await)
            .unwrap();
    assert_eq!(archive["user"]["email"], invitee);
    assert!(archive["user"].get("password_hash").is_none());
    assert!(
        archive["activity"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "export")
    );

    // The member deletes their account: erased, and unable to sign in
    let deleted = app
        .api(Some(&member_token))
        .delete_account(json!({ "password": "another strong passphrase" }))
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    let gone = app
        .api(None)
        .login(json!({ "email": invitee, "password": "another strong passphrase" }))
        .await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED);
    let db = connect(&app.env.database).await;
    let traces: i64 = db
        .query_one(
            "SELECT count(*) FROM audit_logs WHERE user_id::text = $1 OR resource_id::text = $1",
            &[&member_id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(traces, 0, "audit rows no longer point at the erased user");
}

#[tokio::test]
async fn login_failures_are_limited_and_do_not_reveal_whether_an_account_exists() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Limits").await;

    let unknown = app
        .api(None)
        .login(json!({ "email": "nobody@example.test", "password": PASSWORD }))
        .await;
    let wrong = app
        .api(None)
        .login(json!({ "email": admin.email, "password": "wrong password!" }))
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        unknown.body, wrong.body,
        "same answer for an unknown email and a wrong password"
    );

    for _ in 0..4 {
        app.api(None)
            .login(json!({ "email": admin.email, "password": "wrong password!" }))
            .await;
    }
    let limited = app
        .api(None)
        .login(json!({ "email": admin.email, "password": PASSWORD }))
        .await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.body
    );
    assert_eq!(limited.error_code(), "rate_limited");
    let retry: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry));
}

#[tokio::test]
async fn a_password_reset_is_single_use_and_signs_out_every_session() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Resets").await;

    let asked = app
        .api(None)
        .forgot_password(json!({ "email": admin.email }))
        .await;
    assert_eq!(asked.status, StatusCode::ACCEPTED);
    let unknown = app
        .api(None)
        .forgot_password(json!({ "email": "nobody@example.test" }))
        .await;
    assert_eq!(unknown.status, StatusCode::ACCEPTED);
    assert_eq!(
        unknown.body, asked.body,
        "the answer does not reveal whether the account exists"
    );

    let (_, body) = emails_to(&admin.email)
        .await
        .into_iter()
        .find(|(s, _)| s == "Reset your password")
        .unwrap();
    let token = token_in(&body);
    let short = app
        .api(None)
        .reset_password(json!({ "token": token, "password": "short" }))
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(short.body["error"]["details"][0]["field"], "password");

    let reset = app
        .api(None)
        .reset_password(json!({ "token": token, "password": "a brand new passphrase" }))
        .await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{}", reset.body);
    assert_eq!(
        app.api(auth(&admin)).profile().await.status,
        StatusCode::UNAUTHORIZED
    );
    let refresh = app
        .api(None)
        .refresh(json!({ "refresh_token": admin.refresh_token }))
        .await;
    assert_eq!(refresh.status, StatusCode::UNAUTHORIZED);

    let replay = app
        .api(None)
        .reset_password(json!({ "token": token, "password": "yet another passphrase" }))
        .await;
    assert_eq!(replay.error_code(), "invalid_token");
    let old = app
        .api(None)
        .login(json!({ "email": admin.email, "password": PASSWORD }))
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let new = app
        .api(None)
        .login(json!({ "email": admin.email, "password": "a brand new passphrase" }))
        .await;
    assert_eq!(new.status, StatusCode::OK);
}

#[tokio::test]
async fn bad_input_gets_a_clear_client_error() {
    let app = TestApp::spawn().await;

    let invalid = app
        .api(None)
        .register(json!({ "email": "not-an-email", "password": "short", "organization_name": "" }))
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = invalid.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["email", "password", "organization_name", "gdpr_consent"]
    );

    let unknown_field = app
        .api(None)
        .login(json!({ "email": "a@b.io", "password": "x", "remember": true }))
        .await;
    assert_eq!(unknown_field.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        unknown_field.body["error"]["details"][0]["field"],
        "remember"
    );

    let wrong_type = app
        .api(None)
        .login(json!({ "email": 42, "password": "x" }))
        .await;
    assert_eq!(wrong_type.status, StatusCode::UNPROCESSABLE_ENTITY);

    let malformed = app
        .send(
            http::Request::post("/api/auth/login")
                .header("content-type", "application/json")
                .body("{\"email\":".into())
                .unwrap(),
        )
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.error_code(), "malformed_request");

    let not_json = app
        .send(
            http::Request::post("/api/auth/login")
                .body("email=a".into())
                .unwrap(),
        )
        .await;
    assert_eq!(not_json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let huge = format!(
        "{{\"email\":\"{}\",\"password\":\"x\"}}",
        "a".repeat(2 * 1024 * 1024)
    );
    let too_large = app
        .send(
            http::Request::post("/api/auth/login")
                .header("content-type", "application/json")
                .body(huge.into())
                .unwrap(),
        )
        .await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);

    let no_token = app.api(None).profile().await;
    assert_eq!(no_token.status, StatusCode::UNAUTHORIZED);
    assert_eq!(no_token.error_code(), "unauthenticated");
    let forged = app.api(Some("eyJhbGciOiJub25lIn0.e30.")).profile().await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);

    let bad_profile = app.register_admin("Inputs").await;
    let profile = app
        .api(auth(&bad_profile))
        .update_profile(json!({ "timezone": "Mars/Olympus", "avatar_url": "javascript:alert(1)" }))
        .await;
    assert_eq!(profile.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = profile.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["avatar_url", "timezone"]);
    let good = app
        .api(auth(&bad_profile))
        .update_profile(json!({ "timezone": "Europe/Paris", "language": "fr", "avatar_url": null }))
        .await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.body);
    assert_eq!(good.body["timezone"], "Europe/Paris");
}

/// Expected status of each (endpoint, role); `None` rows are allowed for every role.
#[tokio::test]
async fn every_role_gets_exactly_its_permissions() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Roles").await;
    app.grant_plan(&admin, "pro").await;
    let manager = app.add_member(&admin, "manager").await;
    let user = app.add_member(&admin, "user").await;
    let viewer = app.add_member(&admin, "viewer").await;

    for (member, role) in [
        (&admin, "admin"),
        (&manager, "manager"),
        (&user, "user"),
        (&viewer, "viewer"),
    ] {
        let is_admin = role == "admin";
        let expect =
            |allowed: bool, ok: StatusCode| if allowed { ok } else { StatusCode::FORBIDDEN };
        let cases: Vec<(Method, String, Option<Value>, StatusCode)> = vec![
            (
                Method::GET,
                "/api/organizations".into(),
                None,
                StatusCode::OK,
            ),
            (
                Method::GET,
                "/api/organizations/members".into(),
                None,
                StatusCode::OK,
            ),
            (
                Method::GET,
                "/api/organizations/subscription".into(),
                None,
                StatusCode::OK,
            ),
            (
                Method::GET,
                "/api/users/profile".into(),
                None,
                StatusCode::OK,
            ),
            (
                Method::GET,
                "/api/users/sessions".into(),
                None,
                StatusCode::OK,
            ),
            (
                Method::PUT,
                "/api/users/profile".into(),
                Some(json!({ "language": "de" })),
                StatusCode::OK,
            ),
            (
                Method::POST,
                "/api/users/export-data".into(),
                None,
                StatusCode::CREATED,
            ),
            (
                Method::DELETE,
                format!("/api/users/sessions/{}", uuid::Uuid::new_v4()),
                None,
                StatusCode::NOT_FOUND,
            ),
            (
                Method::PUT,
                "/api/organizations".into(),
                Some(json!({ "name": format!("Roles {role}") })),
                expect(is_admin, StatusCode::OK),
            ),
            (
                Method::POST,
                "/api/organizations/members/invite".into(),
                Some(json!({ "email": format!("{}@example.test", unique("x")), "role": "viewer" })),
                expect(is_admin, StatusCode::CREATED),
            ),
            (
                Method::PUT,
                format!("/api/organizations/members/{}", viewer.user_id),
                Some(json!({ "role": "viewer" })),
                expect(is_admin, StatusCode::OK),
            ),
            (
                Method::POST,
                "/api/organizations/subscription".into(),
                Some(json!({ "plan": "pro" })),
                expect(is_admin, StatusCode::OK),
            ),
            (
                Method::DELETE,
                format!("/api/organizations/members/{}", uuid::Uuid::new_v4()),
                None,
                expect(is_admin, StatusCode::NOT_FOUND),
            ),
        ];
        for (method, path, body, expected) in cases {
            let response = app.call_as(auth(member), method.clone(), &path, body).await;
            assert_eq!(
                response.status, expected,
                "{role} {method} {path}: {}",
                response.body
            );
        }
    }

    // Pending invitations are shown to those who manage members only.
    let as_viewer = app.api(auth(&viewer)).members().await;
    assert_eq!(as_viewer.body["invitations"], json!([]));
    let as_admin = app.api(auth(&admin)).members().await;
    assert!(!as_admin.body["invitations"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn another_organizations_ids_are_not_found() {
    let app = TestApp::spawn().await;
    let ours = app.register_admin("Ours").await;
    let theirs = app.register_admin("Theirs").await;
    let their_member = app.add_member(&theirs, "user").await;
    let their_export = app.api(auth(&theirs)).export_data().await;
    let their_export_id = their_export.body["id"].as_str().unwrap();
    let their_sessions = app.api(auth(&theirs)).sessions().await;
    let their_session = their_sessions.body["sessions"][0]["id"].as_str().unwrap();

    for (method, path, body) in [
        (
            Method::PUT,
            format!("/api/organizations/members/{}", their_member.user_id),
            Some(json!({ "role": "admin" })),
        ),
        (
            Method::DELETE,
            format!("/api/organizations/members/{}", their_member.user_id),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/organizations/members/{}", theirs.user_id),
            None,
        ),
        (
            Method::GET,
            format!("/api/users/export-data/{their_export_id}"),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/users/sessions/{their_session}"),
            None,
        ),
        (
            Method::DELETE,
            "/api/users/sessions/not-a-uuid".to_owned(),
            None,
        ),
    ] {
        let response = app.call_as(auth(&ours), method.clone(), &path, body).await;
        assert_eq!(
            response.status,
            StatusCode::NOT_FOUND,
            "{method} {path}: {}",
            response.body
        );
        assert_eq!(response.error_code(), "not_found");
    }
    // And nothing changed on their side.
    let members = app.api(auth(&theirs)).members().await;
    assert_eq!(members.body["members"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.api(auth(&theirs)).profile().await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_organization_always_keeps_an_admin() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Admins").await;
    let member = app.add_member(&admin, "user").await;

    let demote = app
        .call_as(
            auth(&admin),
            Method::PUT,
            &format!("/api/organizations/members/{}", admin.user_id),
            Some(json!({ "role": "manager" })),
        )
        .await;
    assert_eq!(demote.status, StatusCode::CONFLICT);
    assert_eq!(demote.error_code(), "last_admin");
    let leave = app
        .api(auth(&admin))
        .delete_account(json!({ "password": PASSWORD }))
        .await;
    assert_eq!(leave.error_code(), "last_admin");

    // With a second admin, the first may step down.
    app.call_as(
        auth(&admin),
        Method::PUT,
        &format!("/api/organizations/members/{}", member.user_id),
        Some(json!({ "role": "admin" })),
    )
    .await;
    let demote = app
        .call_as(
            auth(&admin),
            Method::PUT,
            &format!("/api/organizations/members/{}", admin.user_id),
            Some(json!({ "role": "manager" })),
        )
        .await;
    assert_eq!(demote.status, StatusCode::OK, "{}", demote.body);
}

#[tokio::test]
async fn plan_limits_are_enforced_on_invitations_and_downgrades() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Seats").await;
    let invite = |email: String| {
        let app = &app;
        let token = admin.access_token.clone();
        async move {
            app.api(Some(&token))
                .invite(json!({ "email": email, "role": "user" }))
                .await
        }
    };

    // Free plan: 5 seats, the admin's included, pending invitations counted.
    for _ in 0..4 {
        assert_eq!(
            invite(format!("{}@example.test", unique("seat")))
                .await
                .status,
            StatusCode::CREATED
        );
    }
    let over = invite(format!("{}@example.test", unique("seat"))).await;
    assert_eq!(over.status, StatusCode::PAYMENT_REQUIRED, "{}", over.body);
    assert_eq!(over.error_code(), "plan_limit_reached");

    let duplicate_email = app
        .api(auth(&admin))
        .invite(json!({ "email": admin.email, "role": "user" }))
        .await;
    assert_eq!(duplicate_email.error_code(), "email_taken");

    // An organization admin cannot give themselves a bigger plan without paying.
    let self_service = app
        .api(auth(&admin))
        .change_plan(json!({ "plan": "enterprise" }))
        .await;
    assert_eq!(self_service.status, StatusCode::FORBIDDEN);
    assert!(
        self_service.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("platform administrator")
    );
    app.grant_plan(&admin, "pro").await;
    let upgraded = app.api(auth(&admin)).subscription().await;
    assert_eq!(upgraded.body["max_users"], 10);
    assert!(upgraded.body["how_to_upgrade"].is_string());
    assert_eq!(
        invite(format!("{}@example.test", unique("seat")))
            .await
            .status,
        StatusCode::CREATED
    );

    let downgrade = app
        .api(auth(&admin))
        .change_plan(json!({ "plan": "free" }))
        .await;
    assert_eq!(
        downgrade.status,
        StatusCode::PAYMENT_REQUIRED,
        "6 seats in use do not fit the free plan"
    );
    let subscription = app.api(auth(&admin)).subscription().await;
    assert_eq!(subscription.body["plan"], "pro");
    assert_eq!(subscription.body["usage"]["pending_invitations"], 5);
}

#[tokio::test]
async fn mutations_are_audited_with_who_what_and_where() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Audit").await;
    let member = app.add_member(&admin, "user").await;
    app.call_as(
        auth(&admin),
        Method::PUT,
        &format!("/api/organizations/members/{}", member.user_id),
        Some(json!({ "role": "viewer" })),
    )
    .await;
    app.api(auth(&admin))
        .update_organization(json!({ "slug": "audit-trail" }))
        .await;

    let db = connect(&app.env.database).await;
    let rows = db
        .query(
            "SELECT action, resource_type, old_values, new_values, host(ip_address), user_agent
             FROM audit_logs WHERE organization_id::text = $1 ORDER BY created_at",
            &[&admin.organization_id],
        )
        .await
        .unwrap();
    let trail: Vec<(String, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    for expected in [
        ("create", "user"),
        ("invite", "invitation"),
        ("update", "member"),
        ("update", "organization"),
    ] {
        assert!(
            trail.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} missing from {trail:?}"
        );
    }
    let role_change = rows
        .iter()
        .find(|r| r.get::<_, String>(1) == "member")
        .unwrap();
    assert_eq!(role_change.get::<_, Value>(2), json!({ "role": "user" }));
    assert_eq!(role_change.get::<_, Value>(3), json!({ "role": "viewer" }));
    assert_eq!(
        role_change.get::<_, Option<String>>(4).as_deref(),
        Some("198.51.100.7")
    );
    assert_eq!(
        role_change.get::<_, Option<String>>(5).as_deref(),
        Some("integration-tests/1.0")
    );
    let everything = serde_json::to_string(
        &rows
            .iter()
            .map(|r| r.get::<_, Option<Value>>(3))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert!(
        !everything.contains("argon2"),
        "no password hash in audit values"
    );
}

#[tokio::test]
async fn a_user_sees_and_revokes_only_their_own_sessions() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Sessions").await;
    let laptop = app
        .api(None)
        .login(json!({ "email": admin.email, "password": PASSWORD }))
        .await;
    let laptop_token = laptop.body["access_token"].as_str().unwrap();
    let laptop_session = laptop.body["session_id"].as_str().unwrap();

    let listed = app.api(auth(&admin)).sessions().await;
    let sessions = listed.body["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    assert_eq!(sessions[0]["ip_address"], "198.51.100.7");

    let revoked = app.api(auth(&admin)).revoke_session(&laptop_session).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.api(Some(laptop_token)).profile().await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.api(auth(&admin)).profile().await.status, StatusCode::OK);

    let logout = app.api(auth(&admin)).logout().await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.api(auth(&admin)).profile().await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_unconfirmed_admin_can_neither_invite_nor_connect_accounts() {
    // Given an admin who has not confirmed their email address
    let app = TestApp::spawn().await;
    let admin = app.register_unverified_admin("Unconfirmed").await;
    // When they try to email a stranger or connect a social account
    let invite = app
        .api(auth(&admin))
        .invite(json!({ "email": "stranger@example.test", "role": "user" }))
        .await;
    let connect = app
        .api(auth(&admin))
        .connect(json!({ "platform": "x" }))
        .await;
    // Then both are refused until the address is confirmed, and no email went out
    for refused in [&invite, &connect] {
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        assert_eq!(refused.error_code(), "email_not_verified");
    }
    assert!(emails_to("stranger@example.test").await.is_empty());
}

fn login_from(address: &str, email: &str, password: &str) -> http::Request<axum::body::Body> {
    http::Request::post("/api/auth/login")
        .header("content-type", "application/json")
        .header("x-forwarded-for", address)
        .body(axum::body::Body::from(
            json!({ "email": email, "password": password }).to_string(),
        ))
        .unwrap()
}

#[tokio::test]
async fn parallel_guesses_are_counted_before_the_password_is_checked() {
    // Given one account, and twelve guesses sent at once from one address
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Guessing").await;
    let guesses = (0..12).map(|n| {
        app.send(login_from(
            "192.0.2.10",
            &admin.email,
            &format!("wrong guess {n}"),
        ))
    });
    let answers = futures::future::join_all(guesses).await;
    // Then only five are even checked; the others are refused outright
    let checked = answers
        .iter()
        .filter(|a| a.status == StatusCode::UNAUTHORIZED)
        .count();
    let refused = answers
        .iter()
        .filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, refused), (5, 7));
}

#[tokio::test]
async fn failures_from_elsewhere_never_lock_the_owner_out() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Lockout").await;
    // Given the owner signed in from their usual address before
    let usual = app
        .send(login_from("192.0.2.20", &admin.email, PASSWORD))
        .await;
    assert_eq!(usual.status, StatusCode::OK, "{}", usual.body);
    // When an attacker fails from one address until refused, then from many others
    for _ in 0..6 {
        app.send(login_from("198.51.100.1", &admin.email, "not the password"))
            .await;
    }
    let blocked = app
        .send(login_from("198.51.100.1", &admin.email, PASSWORD))
        .await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    for n in 2..14 {
        let address = format!("198.51.100.{n}");
        app.send(login_from(&address, &admin.email, "not the password"))
            .await;
    }
    // Then the owner still signs in, from their usual address and from a new one
    for address in ["192.0.2.20", "192.0.2.21"] {
        let owner = app.send(login_from(address, &admin.email, PASSWORD)).await;
        assert_eq!(owner.status, StatusCode::OK, "{address}: {}", owner.body);
    }
}

#[tokio::test]
async fn endpoints_that_send_email_or_work_hard_are_rate_limited() {
    let app = TestApp::spawn().await;
    let register = |n: usize| {
        app.send(
            http::Request::post("/api/auth/register")
                .header("content-type", "application/json")
                .header("x-forwarded-for", "203.0.113.7")
                .body(axum::body::Body::from(
                    json!({
                        "email": format!("{}@example.test", unique(&format!("burst{n}"))),
                        "password": PASSWORD, "organization_name": format!("Burst {n}"),
                        "gdpr_consent": true,
                    })
                    .to_string(),
                ))
                .unwrap(),
        )
    };
    for n in 0..10 {
        assert_eq!(register(n).await.status, StatusCode::CREATED);
    }
    let refused = register(10).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.error_code(), "rate_limited");
    assert!(refused.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn the_web_app_keeps_its_refresh_token_in_an_http_only_cookie() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Browser").await;
    let post = |path: &str, body: Value, cookie: Option<&str>, web: bool| {
        let mut request = http::Request::post(path).header("content-type", "application/json");
        if web {
            request = request.header("x-client", "web");
        }
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        app.send(
            request
                .body(axum::body::Body::from(body.to_string()))
                .unwrap(),
        )
    };
    let cookie_of = |response: &integration_tests::TestResponse| -> String {
        let set = response.headers["set-cookie"].to_str().unwrap().to_owned();
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict"),
            "{set}"
        );
        assert!(set.contains("Path=/api/auth"), "{set}");
        set.split(';').next().unwrap().to_owned()
    };
    // Given the web app signs in
    let login = post(
        "/api/auth/login",
        json!({ "email": admin.email, "password": PASSWORD }),
        None,
        true,
    )
    .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    // Then no script can read the refresh token: it is only in the cookie
    assert!(login.body.get("refresh_token").is_none(), "{}", login.body);
    let cookie = cookie_of(&login);
    // And refreshing sends the cookie with the app's header, and rotates it
    let refreshed = post("/api/auth/refresh", json!({}), Some(&cookie), true).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
    let rotated = cookie_of(&refreshed);
    assert_ne!(rotated, cookie);
    // Another site cannot use the cookie: without the app's header it is ignored
    let forged = post("/api/auth/refresh", json!({}), Some(&rotated), false).await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
    // Signing out clears it
    let access = refreshed.body["access_token"].as_str().unwrap();
    let out = app
        .send(
            http::Request::post("/api/auth/logout")
                .header("authorization", format!("Bearer {access}"))
                .header("x-client", "web")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(
        out.headers["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
}
