//! Plans bought through Stripe (the platform sandbox's stand-in): Checkout and the Customer
//! Portal, the subscription lifecycle applied only from signed events, stored once, in order,
//! and a failed payment's grace period.

use chrono::{Duration, Utc};
use http::StatusCode;
use integration_tests::{Member, TestApp, TestEnv, auth, connect, sdk};
use platform_sandbox::stripe::stripe_signature;
use runtime::AppState;
use serde_json::{Value, json};

const SECRET: &str = billing::stripe::SANDBOX_WEBHOOK_SECRET;

/// An app that sells its plans through the Stripe stand-in, listening so the stand-in's
/// events reach its `webhook-stripe` route.
async fn stripe_app() -> (TestApp, String) {
    let env = TestEnv::new().await;
    let config = env.config_with(|vars| {
        vars.insert("BILLING".into(), "stripe".into());
    });
    let state = AppState::build(config, &sdk()).await.unwrap();
    let app = TestApp::with_state(env, state);
    let base = format!("http://{}", app.listen().await);
    app.env
        .sandbox
        .set_stripe_webhook(&format!("{base}/webhooks/stripe"), SECRET);
    (app, base)
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Asks for `plan`, pays on the hosted page as a customer would, and returns where Stripe sent
/// the browser back to.
async fn buy(app: &TestApp, admin: &Member, plan: &str) -> String {
    let started = app
        .api(auth(admin))
        .change_plan(json!({ "plan": plan }))
        .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    assert_eq!(started.body["outcome"], "checkout");
    let checkout = started.body["url"].as_str().unwrap().to_owned();
    let page = browser().get(&checkout).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Subscribe to"));
    let paid = browser()
        .post(format!("{checkout}/pay"))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 303);
    paid.headers()["location"].to_str().unwrap().to_owned()
}

async fn deliver(base: &str, event: &Value, signature: &str) -> (u16, Value) {
    let answer = reqwest::Client::new()
        .post(format!("{base}/webhooks/stripe"))
        .header("content-type", "application/json")
        .header("stripe-signature", signature)
        .body(event.to_string())
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

fn signed(event: &Value) -> String {
    stripe_signature(
        SECRET,
        event.to_string().as_bytes(),
        Utc::now().timestamp() as u64,
    )
}

async fn sent_events(app: &TestApp) -> Vec<Value> {
    let events: Value = reqwest::get(format!("{}/_sandbox/stripe/events", app.env.sandbox_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    events["events"].as_array().unwrap().clone()
}

fn subscription_event(
    id: &str,
    kind: &str,
    created: i64,
    organization_id: &str,
    status: &str,
    price: &str,
) -> Value {
    json!({"id": id, "object": "event", "type": kind, "created": created,
           "data": {"object": {"id": "sub_test", "object": "subscription", "customer": "cus_test",
                               "status": status, "metadata": {"organization_id": organization_id},
                               "items": {"data": [{"price": {"id": price}, "current_period_end": created + 2_592_000}]}}}})
}

#[tokio::test]
async fn a_plan_is_bought_through_checkout_and_changes_only_when_stripe_confirms() {
    let (app, _) = stripe_app().await;
    let admin = app.register_admin("Buyers").await;

    // Given an organization on the free plan, when its admin asks for Pro…
    let started = app
        .api(auth(&admin))
        .change_plan(json!({ "plan": "pro" }))
        .await;
    assert_eq!(started.body["outcome"], "checkout", "{}", started.body);
    // …nothing changes until Stripe says the payment went through.
    assert_eq!(started.body["subscription"]["plan"], "free");
    assert_eq!(started.body["subscription"]["billing"], "stripe");

    // When they pay on the hosted page, they come back to the app…
    let back = buy(&app, &admin, "pro").await;
    assert_eq!(
        back,
        "https://app.example.test/settings/billing?checkout=success"
    );
    // …and the events have moved the organization to Pro, with Pro's limits.
    let subscription = app.api(auth(&admin)).subscription().await;
    assert_eq!(subscription.body["plan"], "pro", "{}", subscription.body);
    assert_eq!(subscription.body["status"], "active");
    assert_eq!(subscription.body["max_users"], 10);
    assert_eq!(subscription.body["has_billing_account"], true);
    assert!(subscription.body["current_period_end"].is_string());

    // The change is in the organization's audit trail, naming the Stripe event, and the team
    // was told.
    let db = connect(&app.env.database).await;
    let audited = db
        .query_one(
            "SELECT count(*) FROM audit_logs WHERE organization_id::text = $1
               AND resource_type = 'subscription' AND new_values ? 'stripe_event'",
            &[&admin.organization_id],
        )
        .await
        .unwrap();
    assert!(audited.get::<_, i64>(0) >= 1);
    let inbox = app.api(auth(&admin)).notifications("").await;
    assert!(
        inbox.body["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "billing_alert" && n["title"] == "Plan changed to pro"),
        "{}",
        inbox.body
    );

    // Once subscribed, asking for another plan opens the Customer Portal, where the plan
    // changes and, later, the subscription is cancelled.
    let portal = app
        .api(auth(&admin))
        .change_plan(json!({ "plan": "business" }))
        .await;
    assert_eq!(portal.body["outcome"], "portal", "{}", portal.body);
    let portal_url = portal.body["url"].as_str().unwrap();
    let page = browser().get(portal_url).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("switch-business"));
    let switched = browser()
        .post(format!("{portal_url}/switch/price_business"))
        .send()
        .await
        .unwrap();
    assert_eq!(switched.status(), 303);
    let business = app.api(auth(&admin)).subscription().await;
    assert_eq!(business.body["plan"], "business");
    assert_eq!(business.body["max_users"], 25);

    let cancelled = browser()
        .post(format!("{portal_url}/cancel"))
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), 303);
    let free = app.api(auth(&admin)).subscription().await;
    assert_eq!(
        (free.body["plan"].as_str(), free.body["status"].as_str()),
        (Some("free"), Some("canceled"))
    );
}

#[tokio::test]
async fn members_who_are_not_admins_cannot_start_a_checkout() {
    let (app, _) = stripe_app().await;
    let admin = app.register_admin("Members").await;
    let manager = app.add_member(&admin, "manager").await;
    let refused = app
        .api(auth(&manager))
        .change_plan(json!({ "plan": "pro" }))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // Free is not for sale: there is nothing to check out.
    let nothing = app
        .api(auth(&admin))
        .change_plan(json!({ "plan": "free" }))
        .await;
    assert_eq!(nothing.status, StatusCode::CONFLICT, "{}", nothing.body);
}

#[tokio::test]
async fn a_redelivered_event_changes_nothing_and_a_stale_one_never_overrides_a_newer_state() {
    let (app, base) = stripe_app().await;
    let admin = app.register_admin("Out of order").await;
    buy(&app, &admin, "pro").await;
    let db = connect(&app.env.database).await;
    async fn stored(db: &store::tokio_postgres::Client) -> i64 {
        db.query_one(
            "SELECT count(*) FROM webhook_events WHERE source = 'stripe'",
            &[],
        )
        .await
        .unwrap()
        .get(0)
    }
    let before = stored(&db).await;

    // Given the purchase's events, when Stripe delivers one of them again, it is recognised.
    let created = sent_events(&app)
        .await
        .into_iter()
        .find(|e| e["type"] == "customer.subscription.created")
        .unwrap();
    let (status, answer) = deliver(&base, &created, &signed(&created)).await;
    assert_eq!(status, 200);
    assert_eq!(answer["duplicate"], true);
    assert_eq!(stored(&db).await, before);

    // A newer update moves the plan to Business…
    let now = Utc::now().timestamp();
    let org = admin.organization_id.as_str();
    let newer = subscription_event(
        "evt_newer",
        "customer.subscription.updated",
        now + 60,
        org,
        "active",
        "price_business",
    );
    let (status, answer) = deliver(&base, &newer, &signed(&newer)).await;
    assert_eq!((status, answer["processed"].as_bool()), (200, Some(true)));
    // …and an older update delivered after it (Stripe does not promise order) is stored but
    // does not take the plan back.
    let older = subscription_event(
        "evt_older",
        "customer.subscription.updated",
        now + 30,
        org,
        "active",
        "price_pro",
    );
    let (status, _) = deliver(&base, &older, &signed(&older)).await;
    assert_eq!(status, 200);
    let subscription = app.api(auth(&admin)).subscription().await;
    assert_eq!(subscription.body["plan"], "business");
    assert_eq!(stored(&db).await, before + 2);
}

#[tokio::test]
async fn concurrent_deliveries_of_one_event_apply_it_once() {
    let (app, base) = stripe_app().await;
    let admin = app.register_admin("Racing deliveries").await;
    buy(&app, &admin, "pro").await;
    let event = subscription_event(
        "evt_race",
        "customer.subscription.updated",
        Utc::now().timestamp() + 60,
        &admin.organization_id,
        "active",
        "price_enterprise",
    );
    let signature = signed(&event);
    let answers =
        futures::future::join_all((0..6).map(|_| deliver(&base, &event, &signature))).await;
    assert!(
        answers.iter().all(|(status, _)| *status == 200),
        "{answers:?}"
    );
    let applied = answers
        .iter()
        .filter(|(_, a)| a["processed"] == true && a["duplicate"] == false)
        .count();
    assert_eq!(applied, 1, "{answers:?}");
    let db = connect(&app.env.database).await;
    let audited = db
        .query_one(
            "SELECT count(*) FROM audit_logs WHERE new_values->>'stripe_event' = 'evt_race'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(audited.get::<_, i64>(0), 1);
}

#[tokio::test]
async fn deliveries_without_a_valid_recent_signature_are_refused_and_not_stored() {
    let (app, base) = stripe_app().await;
    let admin = app.register_admin("Signatures").await;
    let event = subscription_event(
        "evt_signed",
        "customer.subscription.updated",
        Utc::now().timestamp(),
        &admin.organization_id,
        "active",
        "price_pro",
    );
    let body = event.to_string();
    let now = Utc::now().timestamp() as u64;
    let wrong_secret = stripe_signature("whsec_someone_else", body.as_bytes(), now);
    let too_old = stripe_signature(SECRET, body.as_bytes(), now - 301);
    for (signature, why) in [
        (wrong_secret.as_str(), "wrong secret"),
        (too_old.as_str(), "older than five minutes"),
        ("t=abc,v1=00", "malformed"),
        ("", "missing"),
    ] {
        let (status, answer) = deliver(&base, &event, signature).await;
        assert_eq!(status, 400, "{why}: {answer}");
        assert_eq!(answer["error"]["code"], "malformed_request", "{why}");
    }
    let db = connect(&app.env.database).await;
    let stored = db
        .query_one("SELECT count(*) FROM webhook_events", &[])
        .await
        .unwrap();
    assert_eq!(stored.get::<_, i64>(0), 0);
    let free = app.api(auth(&admin)).subscription().await;
    assert_eq!(free.body["plan"], "free");

    // While Stripe rolls its secret, a header carries several v1 values: one valid suffices.
    let valid = stripe_signature(SECRET, body.as_bytes(), now);
    let rolled = format!("{},v1={}", wrong_secret, valid.split("v1=").nth(1).unwrap());
    let (status, answer) = deliver(&base, &event, &rolled).await;
    assert_eq!(
        (status, answer["processed"].as_bool()),
        (200, Some(true)),
        "{answer}"
    );
    assert_eq!(
        app.api(auth(&admin)).subscription().await.body["plan"],
        "pro"
    );
}

#[tokio::test]
async fn a_failed_payment_keeps_the_plan_for_a_grace_period_then_falls_to_free() {
    let (app, base) = stripe_app().await;
    let admin = app.register_admin("Late payers").await;
    buy(&app, &admin, "pro").await;
    let subscription_id: String = {
        let db = connect(&app.env.database).await;
        db.query_one(
            "SELECT stripe_subscription_id FROM organizations WHERE id::text = $1",
            &[&admin.organization_id],
        )
        .await
        .unwrap()
        .get(0)
    };

    // When the renewal's charge fails…
    let failed = reqwest::Client::new()
        .post(format!(
            "{}/_sandbox/stripe/subscriptions/{subscription_id}/payment-failed",
            app.env.sandbox_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(failed.status(), 200);
    // …the organization is past due but keeps Pro for the grace period…
    let past_due = app.api(auth(&admin)).subscription().await;
    assert_eq!(past_due.body["status"], "past_due", "{}", past_due.body);
    assert_eq!(past_due.body["plan"], "pro");
    let grace: chrono::DateTime<Utc> =
        serde_json::from_value(past_due.body["grace_until"].clone()).unwrap();
    let days = (grace - Utc::now()).num_hours();
    assert!((7 * 24 - 1..=7 * 24).contains(&days), "{grace}");
    // …and its admins are told by email.
    let emails = integration_tests::emails_to(&admin.email).await;
    assert!(
        emails
            .iter()
            .any(|(subject, _)| subject.contains("Payment failed")),
        "{emails:?}"
    );

    // When the grace period ends unpaid, the maintenance run moves it to free.
    assert_eq!(
        billing::grace::end_expired(&app.state, Utc::now())
            .await
            .unwrap(),
        0
    );
    let ended = billing::grace::end_expired(&app.state, grace + Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(ended, 1);
    let unpaid = app.api(auth(&admin)).subscription().await;
    assert_eq!(
        (unpaid.body["plan"].as_str(), unpaid.body["status"].as_str()),
        (Some("free"), Some("unpaid"))
    );

    // A payment that finally goes through restores the plan.
    let paid = json!({"id": "evt_paid_late", "object": "event", "type": "invoice.paid",
        "created": Utc::now().timestamp() + 120,
        "data": {"object": {"id": "in_late", "object": "invoice", "customer": "cus_x",
                            "subscription": subscription_id,
                            "metadata": {"organization_id": admin.organization_id},
                            "lines": {"data": [{"price": {"id": "price_pro"}}]}}}});
    let (status, answer) = deliver(&base, &paid, &signed(&paid)).await;
    assert_eq!(
        (status, answer["processed"].as_bool()),
        (200, Some(true)),
        "{answer}"
    );
    let restored = app.api(auth(&admin)).subscription().await;
    assert_eq!(
        (
            restored.body["plan"].as_str(),
            restored.body["status"].as_str()
        ),
        (Some("pro"), Some("active"))
    );
    assert!(restored.body["grace_until"].is_null());
}

#[tokio::test]
async fn without_stripe_the_webhook_has_no_endpoint_and_plans_are_set_by_a_platform_admin() {
    let app = TestApp::spawn().await;
    let base = format!("http://{}", app.listen().await);
    let event =
        json!({"id": "evt_x", "type": "invoice.paid", "created": 1, "data": {"object": {}}});
    let (status, _) = deliver(&base, &event, &signed(&event)).await;
    assert_eq!(status, 404);
    let admin = app.register_admin("Self-hosted").await;
    let subscription = app.api(auth(&admin)).subscription().await;
    assert_eq!(subscription.body["billing"], "manual");
    app.grant_plan(&admin, "business").await;
    assert_eq!(
        app.api(auth(&admin)).subscription().await.body["plan"],
        "business"
    );
}
