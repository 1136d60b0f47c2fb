//! Every rate limit of the API, in one place: fixed windows counted in DynamoDB with one atomic
//! increment, answered with 429 and `Retry-After`. A counter is consumed *before* the work it
//! guards (a slow password hash, an email, a platform call), so parallel requests cannot all
//! slip through a check made before any of them was counted.
//!
//! [`ENDPOINT_LIMITS`] is the declarative list: the route builder applies each entry to its
//! route, and a test checks that every entry names a route that exists. Login has its own
//! policy ([`LoginGuard`]) because it must stop guessing without locking the owner out.

use axum::extract::{FromRequestParts, Request};
use axum::http::Method;
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use kv::{Item, ItemKey, Kv};
use runtime::AppState;

use crate::error::ApiError;
use crate::identity::ClientInfo;

/// One limit: at most `max` events per `window` for a subject.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub scope: &'static str,
    pub max: i64,
    pub window: Duration,
}

/// Whom an endpoint limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Per {
    /// The caller's network address (public endpoints).
    Address,
    /// The signed-in user (their address when the token is missing or invalid).
    User,
}

/// An endpoint's limit.
#[derive(Debug, Clone, Copy)]
pub struct EndpointLimit {
    pub method: &'static str,
    pub path: &'static str,
    pub per: Per,
    pub limit: Limit,
}

const fn endpoint(
    method: &'static str,
    path: &'static str,
    per: Per,
    max: i64,
    window: Duration,
) -> EndpointLimit {
    EndpointLimit {
        method,
        path,
        per,
        limit: Limit {
            scope: path,
            max,
            window,
        },
    }
}

/// The limits of every endpoint that sends email, does expensive work or calls a platform.
/// AI endpoints join this list as they are built.
pub const ENDPOINT_LIMITS: &[EndpointLimit] = &[
    endpoint(
        "POST",
        "/api/auth/register",
        Per::Address,
        10,
        Duration::hours(1),
    ),
    endpoint(
        "POST",
        "/api/auth/refresh",
        Per::Address,
        120,
        Duration::minutes(15),
    ),
    endpoint(
        "POST",
        "/api/auth/forgot-password",
        Per::Address,
        10,
        Duration::hours(1),
    ),
    endpoint(
        "POST",
        "/api/auth/reset-password",
        Per::Address,
        20,
        Duration::hours(1),
    ),
    endpoint(
        "POST",
        "/api/auth/verify-email",
        Per::Address,
        30,
        Duration::hours(1),
    ),
    endpoint(
        "POST",
        "/api/auth/resend-verification",
        Per::Address,
        10,
        Duration::hours(1),
    ),
    endpoint(
        "POST",
        "/api/organizations/members/invite",
        Per::User,
        50,
        Duration::hours(1),
    ),
    endpoint(
        "POST",
        "/api/social-accounts/{id}/sync",
        Per::User,
        30,
        Duration::hours(1),
    ),
    endpoint(
        "POST",
        "/api/users/export-data",
        Per::User,
        5,
        Duration::days(1),
    ),
    endpoint(
        "POST",
        "/api/media/{id}/optimize",
        Per::User,
        120,
        Duration::hours(1),
    ),
];

/// The limit declared for a route, if any.
pub fn for_route(method: &Method, path: &str) -> Option<&'static EndpointLimit> {
    ENDPOINT_LIMITS
        .iter()
        .find(|l| l.method == method.as_str() && l.path == path)
}

/// Emails (reset links, verification) per address, so the product cannot be used to spam.
pub const EMAILS_PER_ADDRESS: Limit = Limit {
    scope: "email-sent",
    max: 3,
    window: Duration::hours(1),
};

impl Limit {
    fn window_of(&self, now: DateTime<Utc>) -> (i64, DateTime<Utc>) {
        let length = self.window.num_seconds().max(1);
        let start = now.timestamp() - now.timestamp().rem_euclid(length);
        (
            start,
            DateTime::from_timestamp(start + length, 0).unwrap_or(now),
        )
    }

    fn key(&self, subject: &str, now: DateTime<Utc>) -> (ItemKey, DateTime<Utc>) {
        let (start, end) = self.window_of(now);
        (ItemKey::rate_limit(self.scope, subject, start), end)
    }

    fn refusal(&self, end: DateTime<Utc>, now: DateTime<Utc>) -> ApiError {
        ApiError::rate_limited((end - now).num_seconds().max(1) as u64)
    }

    /// Counts one event and refuses with 429 if it goes over the limit.
    pub async fn consume(&self, kv: &Kv, subject: &str) -> Result<(), ApiError> {
        let now = Utc::now();
        let (key, end) = self.key(subject, now);
        let used = kv.increment(&key, 1, end).await?;
        if used > self.max {
            return Err(self.refusal(end, now));
        }
        Ok(())
    }

    /// Refuses with 429 when the subject has used up this window, without counting.
    pub async fn check(&self, kv: &Kv, subject: &str) -> Result<(), ApiError> {
        let now = Utc::now();
        let (key, end) = self.key(subject, now);
        let used = kv
            .get(&key)
            .await?
            .and_then(|item| item.number("count"))
            .unwrap_or(0);
        if used >= self.max {
            return Err(self.refusal(end, now));
        }
        Ok(())
    }

    /// Counts one event; returns how many the window holds now.
    pub async fn record(&self, kv: &Kv, subject: &str) -> Result<i64, ApiError> {
        let (key, end) = self.key(subject, Utc::now());
        Ok(kv.increment(&key, 1, end).await?)
    }

    /// Gives back one counted event (the attempt turned out legitimate).
    pub async fn give_back(&self, kv: &Kv, subject: &str) -> Result<(), ApiError> {
        let (key, end) = self.key(subject, Utc::now());
        kv.increment(&key, -1, end).await?;
        Ok(())
    }

    /// Forgets the subject's window.
    pub async fn reset(&self, kv: &Kv, subject: &str) -> Result<(), ApiError> {
        let (key, _) = self.key(subject, Utc::now());
        kv.delete(&key).await?;
        Ok(())
    }
}

/// The middleware for a route of [`ENDPOINT_LIMITS`].
pub async fn enforce(limit: &'static EndpointLimit, request: Request, next: Next) -> Response {
    let Some(state) = request.extensions().get::<AppState>().cloned() else {
        return next.run(request).await;
    };
    let (mut parts, body) = request.into_parts();
    let user = match limit.per {
        Per::User => parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .and_then(|token| state.access_tokens().verify(token.trim()).ok())
            .map(|claims| format!("user:{}", claims.sub)),
        Per::Address => None,
    };
    let subject = match user {
        Some(user) => user,
        None => match ClientInfo::from_request_parts(&mut parts, &state).await {
            Ok(client) => format!(
                "ip:{}",
                client
                    .ip
                    .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
            ),
            Err(error) => return error.into_response(),
        },
    };
    if let Err(error) = limit.limit.consume(&state.kv, &subject).await {
        return error.into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

/// Login: stops password guessing without letting anyone lock the owner out.
///
/// - per (email, address): 5 attempts per 15 minutes, consumed before the hash; a success
///   clears the pair. Guessing from one place stops after 5 tries, in parallel or not.
/// - per address: 30 attempts per 15 minutes, consumed before the hash; a success gives its
///   attempt back. Stuffing many emails from one place stops.
/// - per email, across all addresses: failures are counted; past 10 in 15 minutes each further
///   failure is answered slower and slower (up to 8 s), and past 500 the email is refused from
///   addresses it never signed in from. The owner, from an address they signed in from before
///   (kept 90 days), is neither slowed (delays apply to failures only) nor refused.
pub struct LoginGuard<'a> {
    kv: &'a Kv,
    email: String,
    address: String,
    pair: String,
    known_address: bool,
}

const LOGIN_ATTEMPTS_PER_PAIR: Limit = Limit {
    scope: "login-pair",
    max: 5,
    window: Duration::minutes(15),
};
const LOGIN_ATTEMPTS_PER_ADDRESS: Limit = Limit {
    scope: "login-ip",
    max: 30,
    window: Duration::minutes(15),
};
const LOGIN_FAILURES_PER_EMAIL: Limit = Limit {
    scope: "login-email",
    max: 500,
    window: Duration::minutes(15),
};
const FAILURES_BEFORE_DELAY: i64 = 10;
const KNOWN_ADDRESS_FOR: Duration = Duration::days(90);

impl<'a> LoginGuard<'a> {
    /// Consumes this attempt, or refuses it with 429.
    pub async fn admit(kv: &'a Kv, email: &str, address: &str) -> Result<Self, ApiError> {
        let pair = format!("{email}|{address}");
        let known_address = kv
            .get(&ItemKey::cache(&format!("login-known#{pair}")))
            .await?
            .is_some();
        LOGIN_ATTEMPTS_PER_PAIR.consume(kv, &pair).await?;
        LOGIN_ATTEMPTS_PER_ADDRESS.consume(kv, address).await?;
        if !known_address {
            LOGIN_FAILURES_PER_EMAIL.check(kv, email).await?;
        }
        Ok(LoginGuard {
            kv,
            email: email.to_owned(),
            address: address.to_owned(),
            pair,
            known_address,
        })
    }

    /// A failed attempt: counted against the email, and answered late once it is under attack.
    pub async fn failed(self) -> Result<(), ApiError> {
        let failures = LOGIN_FAILURES_PER_EMAIL
            .record(self.kv, &self.email)
            .await?;
        if failures > FAILURES_BEFORE_DELAY && !self.known_address {
            let steps = (failures - FAILURES_BEFORE_DELAY).min(6) as u32;
            let delay = std::time::Duration::from_millis(125 << steps);
            tokio::time::sleep(delay).await;
        }
        Ok(())
    }

    /// A successful sign-in: the pair starts afresh and its address becomes known.
    pub async fn succeeded(self) -> Result<(), ApiError> {
        LOGIN_ATTEMPTS_PER_PAIR.reset(self.kv, &self.pair).await?;
        LOGIN_ATTEMPTS_PER_ADDRESS
            .give_back(self.kv, &self.address)
            .await?;
        self.kv
            .put(
                &ItemKey::cache(&format!("login-known#{}", self.pair)),
                Item::new(),
                Some(Utc::now() + KNOWN_ADDRESS_FOR),
            )
            .await?;
        Ok(())
    }
}
