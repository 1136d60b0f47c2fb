//! A Stripe stand-in, so a plan can be bought end to end offline: Checkout Sessions in
//! subscription mode with a hosted page to pay on, Customer Portal sessions with a page to
//! switch plans or cancel, subscription objects, and every lifecycle change delivered as a
//! signed event (`Stripe-Signature: t=…,v1=…`) to the webhook endpoint registered with
//! `PUT /_sandbox/stripe/webhook`, in the order Stripe sends them.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::state::{Sandbox, now_unix};

/// The Prices the stand-in sells, with their monthly amounts in cents.
pub const PRICES: &[(&str, &str, i64)] = &[
    ("price_pro", "Pro", 1_900),
    ("price_business", "Business", 4_900),
    ("price_enterprise", "Enterprise", 19_900),
];

#[derive(Debug, Clone, Default)]
pub struct StripeState {
    pub webhook: Option<(String, String)>,
    pub sessions: HashMap<String, CheckoutSession>,
    pub portals: HashMap<String, (String, String)>,
    pub subscriptions: HashMap<String, Value>,
    pub events: Vec<Value>,
    next: u64,
}

#[derive(Debug, Clone)]
pub struct CheckoutSession {
    pub price: String,
    pub customer: Option<String>,
    pub email: Option<String>,
    pub client_reference_id: Option<String>,
    pub organization_id: Option<String>,
    pub success_url: String,
    pub cancel_url: String,
    pub completed: bool,
}

impl StripeState {
    /// Stripe's ids are unique forever; so are these (a restarted sandbox must not hand out an
    /// event or customer id that a database already holds).
    fn id(&mut self, prefix: &str) -> String {
        self.next += 1;
        let unique = uuid::Uuid::new_v4().simple().to_string();
        format!("{prefix}_sbx{:04}{}", self.next, &unique[..12])
    }
}

/// The `Stripe-Signature` header for `body` signed at `t` with `secret`.
pub fn stripe_signature(secret: &str, body: &[u8], t: u64) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"type": "invalid_request_error", "message": message}})),
    )
        .into_response()
}

fn authorized(headers: &HeaderMap) -> bool {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer sk_"))
}

/// `POST /stripe/v1/checkout/sessions`
pub async fn create_checkout(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !authorized(&headers) {
        return error(StatusCode::UNAUTHORIZED, "Invalid API Key provided");
    }
    if form.get("mode").map(String::as_str) != Some("subscription") {
        return error(StatusCode::BAD_REQUEST, "mode must be subscription");
    }
    let Some(price) = form.get("line_items[0][price]") else {
        return error(
            StatusCode::BAD_REQUEST,
            "Missing required param: line_items",
        );
    };
    if !PRICES.iter().any(|(id, _, _)| id == price) {
        return error(
            StatusCode::BAD_REQUEST,
            &format!("No such price: '{price}'"),
        );
    }
    let (Some(success_url), Some(cancel_url)) = (form.get("success_url"), form.get("cancel_url"))
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "Missing required param: success_url",
        );
    };
    let base = sandbox
        .base_url
        .lock()
        .map(|b| b.clone())
        .unwrap_or_default();
    let mut state = sandbox.lock();
    let id = state.stripe.id("cs_test");
    state.stripe.sessions.insert(
        id.clone(),
        CheckoutSession {
            price: price.clone(),
            customer: form.get("customer").cloned(),
            email: form.get("customer_email").cloned(),
            client_reference_id: form.get("client_reference_id").cloned(),
            organization_id: form
                .get("subscription_data[metadata][organization_id]")
                .cloned(),
            success_url: success_url.clone(),
            cancel_url: cancel_url.clone(),
            completed: false,
        },
    );
    Json(
        json!({"id": id, "object": "checkout.session", "mode": "subscription",
                "url": format!("{base}/stripe/checkout/{id}")}),
    )
    .into_response()
}

/// `POST /stripe/v1/billing_portal/sessions`
pub async fn create_portal(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !authorized(&headers) {
        return error(StatusCode::UNAUTHORIZED, "Invalid API Key provided");
    }
    let (Some(customer), Some(return_url)) = (form.get("customer"), form.get("return_url")) else {
        return error(StatusCode::BAD_REQUEST, "Missing required param: customer");
    };
    let base = sandbox
        .base_url
        .lock()
        .map(|b| b.clone())
        .unwrap_or_default();
    let mut state = sandbox.lock();
    let id = state.stripe.id("bps");
    state
        .stripe
        .portals
        .insert(id.clone(), (customer.clone(), return_url.clone()));
    Json(json!({"id": id, "object": "billing_portal.session",
                "url": format!("{base}/stripe/portal/{id}")}))
    .into_response()
}

/// `GET /stripe/v1/subscriptions/{id}`
pub async fn get_subscription(State(sandbox): State<Sandbox>, Path(id): Path<String>) -> Response {
    match sandbox.lock().stripe.subscriptions.get(&id) {
        Some(subscription) => Json(subscription.clone()).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            &format!("No such subscription: '{id}'"),
        ),
    }
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>body{{font-family:system-ui;max-width:34rem;margin:3rem auto;color:#1f2937}}\
         .card{{border:1px solid #d1d5db;border-radius:.75rem;padding:1.5rem}}\
         button{{background:#4f46e5;color:white;border:0;border-radius:.5rem;padding:.6rem 1rem;margin:.25rem 0;cursor:pointer}}\
         .muted{{color:#6b7280;font-size:.9rem}}</style></head><body>\
         <p class=\"muted\">Stripe stand-in (platform sandbox): no card is charged.</p>\
         <div class=\"card\">{body}</div></body></html>"
    ))
}

fn price_named(price: &str) -> (&'static str, i64) {
    PRICES
        .iter()
        .find(|(id, _, _)| *id == price)
        .map_or(("Unknown", 0), |(_, name, cents)| (*name, *cents))
}

/// `GET /stripe/checkout/{id}`: the hosted payment page.
pub async fn checkout_page(State(sandbox): State<Sandbox>, Path(id): Path<String>) -> Response {
    let Some(session) = sandbox.lock().stripe.sessions.get(&id).cloned() else {
        return (StatusCode::NOT_FOUND, "no such checkout session").into_response();
    };
    let (name, cents) = price_named(&session.price);
    page(
        "Checkout",
        &format!(
            "<h1>Subscribe to {name}</h1><p><strong>${}.{:02}</strong> per month</p>\
             <p class=\"muted\">{}</p>\
             <form method=\"post\" action=\"/stripe/checkout/{id}/pay\"><button id=\"pay\" type=\"submit\">Subscribe</button></form>\
             <p><a id=\"cancel\" href=\"{}\">Cancel and go back</a></p>",
            cents / 100,
            cents % 100,
            session.email.as_deref().unwrap_or("existing customer"),
            session.cancel_url
        ),
    )
    .into_response()
}

/// `POST /stripe/checkout/{id}/pay`: pays, creates the customer and subscription, delivers
/// the events, and returns to the success URL.
pub async fn pay(State(sandbox): State<Sandbox>, Path(id): Path<String>) -> Response {
    let events = {
        let mut state = sandbox.lock();
        let stripe = &mut state.stripe;
        let Some(session) = stripe.sessions.get(&id).cloned() else {
            return (StatusCode::NOT_FOUND, "no such checkout session").into_response();
        };
        if session.completed {
            return Redirect::to(&session.success_url).into_response();
        }
        let customer = session.customer.clone().unwrap_or_else(|| stripe.id("cus"));
        let subscription_id = stripe.id("sub");
        let now = now_unix() as i64;
        let subscription = json!({
            "id": subscription_id, "object": "subscription", "customer": customer,
            "status": "active", "cancel_at_period_end": false,
            "metadata": {"organization_id": session.organization_id},
            "items": {"data": [{"price": {"id": session.price},
                                "current_period_start": now,
                                "current_period_end": now + 30 * 86_400}]},
        });
        stripe
            .subscriptions
            .insert(subscription_id.clone(), subscription.clone());
        if let Some(s) = stripe.sessions.get_mut(&id) {
            s.completed = true;
        }
        let completed = json!({
            "id": id, "object": "checkout.session", "mode": "subscription", "status": "complete",
            "customer": customer, "subscription": subscription_id,
            "client_reference_id": session.client_reference_id,
            "metadata": {"organization_id": session.organization_id},
        });
        let invoice = invoice(stripe, &subscription, "paid");
        vec![
            event(stripe, "checkout.session.completed", completed),
            event(stripe, "customer.subscription.created", subscription),
            event(stripe, "invoice.paid", invoice),
        ]
    };
    deliver_all(&sandbox, &events).await;
    let success = sandbox
        .lock()
        .stripe
        .sessions
        .get(&id)
        .map(|s| s.success_url.clone())
        .unwrap_or_default();
    Redirect::to(&success).into_response()
}

fn invoice(stripe: &mut StripeState, subscription: &Value, status: &str) -> Value {
    json!({
        "id": stripe.id("in"), "object": "invoice", "status": status,
        "customer": subscription["customer"], "subscription": subscription["id"],
        "lines": {"data": [{"price": {"id": subscription["items"]["data"][0]["price"]["id"]}}]},
    })
}

fn event(stripe: &mut StripeState, kind: &str, object: Value) -> Value {
    let event = json!({
        "id": stripe.id("evt"), "object": "event", "type": kind,
        "created": now_unix(), "livemode": false, "data": {"object": object},
    });
    stripe.events.push(event.clone());
    event
}

/// Sends each event in turn to the registered endpoint, signed; returns the HTTP statuses.
async fn deliver_all(sandbox: &Sandbox, events: &[Value]) -> Vec<u16> {
    let Some((url, secret)) = sandbox.lock().stripe.webhook.clone() else {
        tracing::warn!("no Stripe webhook endpoint registered: events kept, not delivered");
        return Vec::new();
    };
    let mut statuses = Vec::new();
    for event in events {
        let body = event.to_string();
        let signature = stripe_signature(&secret, body.as_bytes(), now_unix());
        let sent = reqwest::Client::new()
            .post(&url)
            .header("content-type", "application/json")
            .header("stripe-signature", signature)
            .body(body)
            .send()
            .await;
        statuses.push(sent.map_or(0, |r| r.status().as_u16()));
    }
    statuses
}

/// `GET /stripe/portal/{id}`
pub async fn portal_page(State(sandbox): State<Sandbox>, Path(id): Path<String>) -> Response {
    let state = sandbox.lock();
    let Some((customer, return_url)) = state.stripe.portals.get(&id).cloned() else {
        return (StatusCode::NOT_FOUND, "no such portal session").into_response();
    };
    let current = state
        .stripe
        .subscriptions
        .values()
        .find(|s| s["customer"] == customer.as_str() && s["status"] != "canceled");
    let current_price = current
        .and_then(|s| s["items"]["data"][0]["price"]["id"].as_str())
        .unwrap_or("");
    let mut body = format!(
        "<h1>Your subscription</h1><p>Current plan: <strong id=\"current\">{}</strong></p>",
        price_named(current_price).0
    );
    for (price, name, cents) in PRICES {
        if *price != current_price {
            body.push_str(&format!(
                "<form method=\"post\" action=\"/stripe/portal/{id}/switch/{price}\">\
                 <button id=\"switch-{}\" type=\"submit\">Switch to {name} (${}/month)</button></form>",
                name.to_lowercase(),
                cents / 100
            ));
        }
    }
    body.push_str(&format!(
        "<form method=\"post\" action=\"/stripe/portal/{id}/cancel\"><button id=\"cancel-subscription\" type=\"submit\">Cancel subscription</button></form>\
         <p><a id=\"return\" href=\"{return_url}\">Return</a></p>"
    ));
    page("Billing portal", &body).into_response()
}

/// Applies `change` to the portal customer's live subscription and delivers the event.
async fn portal_change(
    sandbox: &Sandbox,
    id: &str,
    change: impl FnOnce(&mut StripeState, &mut Value) -> Vec<(String, Value)>,
) -> Response {
    let (return_url, events) = {
        let mut state = sandbox.lock();
        let stripe = &mut state.stripe;
        let Some((customer, return_url)) = stripe.portals.get(id).cloned() else {
            return (StatusCode::NOT_FOUND, "no such portal session").into_response();
        };
        let Some(subscription_id) = stripe
            .subscriptions
            .iter()
            .find(|(_, s)| s["customer"] == customer.as_str() && s["status"] != "canceled")
            .map(|(id, _)| id.clone())
        else {
            return (StatusCode::CONFLICT, "no live subscription").into_response();
        };
        let mut subscription = stripe.subscriptions[&subscription_id].clone();
        let planned = change(stripe, &mut subscription);
        stripe.subscriptions.insert(subscription_id, subscription);
        let events: Vec<Value> = planned
            .into_iter()
            .map(|(kind, object)| event(stripe, &kind, object))
            .collect();
        (return_url, events)
    };
    deliver_all(sandbox, &events).await;
    Redirect::to(&return_url).into_response()
}

/// `POST /stripe/portal/{id}/switch/{price}`
pub async fn portal_switch(
    State(sandbox): State<Sandbox>,
    Path((id, price)): Path<(String, String)>,
) -> Response {
    if !PRICES.iter().any(|(p, _, _)| *p == price) {
        return (StatusCode::BAD_REQUEST, "no such price").into_response();
    }
    portal_change(&sandbox, &id, |_, subscription| {
        subscription["items"]["data"][0]["price"]["id"] = json!(price);
        vec![("customer.subscription.updated".into(), subscription.clone())]
    })
    .await
}

/// `POST /stripe/portal/{id}/cancel`: ends the subscription now.
pub async fn portal_cancel(State(sandbox): State<Sandbox>, Path(id): Path<String>) -> Response {
    portal_change(&sandbox, &id, |_, subscription| {
        subscription["status"] = json!("canceled");
        vec![("customer.subscription.deleted".into(), subscription.clone())]
    })
    .await
}

#[derive(Deserialize)]
pub struct Endpoint {
    url: String,
    secret: String,
}

/// `PUT /_sandbox/stripe/webhook`: where events go, signed with which secret.
pub async fn register_webhook(
    State(sandbox): State<Sandbox>,
    Json(endpoint): Json<Endpoint>,
) -> StatusCode {
    sandbox.lock().stripe.webhook = Some((endpoint.url, endpoint.secret));
    StatusCode::NO_CONTENT
}

impl Sandbox {
    /// Registers the webhook endpoint from the process that runs the sandbox.
    pub fn set_stripe_webhook(&self, url: &str, secret: &str) {
        self.lock().stripe.webhook = Some((url.to_owned(), secret.to_owned()));
    }
}

/// `POST /_sandbox/stripe/subscriptions/{id}/payment-failed`: the renewal's charge fails.
pub async fn fail_payment(
    State(sandbox): State<Sandbox>,
    Path(subscription_id): Path<String>,
) -> Response {
    let events = {
        let mut state = sandbox.lock();
        let stripe = &mut state.stripe;
        let Some(mut subscription) = stripe.subscriptions.get(&subscription_id).cloned() else {
            return (StatusCode::NOT_FOUND, "no such subscription").into_response();
        };
        subscription["status"] = json!("past_due");
        stripe
            .subscriptions
            .insert(subscription_id, subscription.clone());
        let invoice = invoice(stripe, &subscription, "open");
        vec![
            event(stripe, "invoice.payment_failed", invoice),
            event(stripe, "customer.subscription.updated", subscription),
        ]
    };
    let statuses = deliver_all(&sandbox, &events).await;
    Json(json!({"events": events, "statuses": statuses})).into_response()
}

/// `GET /_sandbox/stripe/events`: every event made, oldest first (for replays in tests).
pub async fn list_events(State(sandbox): State<Sandbox>) -> Json<Value> {
    Json(json!({"events": sandbox.lock().stripe.events}))
}
