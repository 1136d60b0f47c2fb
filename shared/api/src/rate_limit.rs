//! Fixed-window limits kept in DynamoDB, answered with 429 and `Retry-After`.

use chrono::{DateTime, Duration, Utc};
use kv::{ItemKey, Kv};

use crate::error::ApiError;

/// One limit: at most `max` events per `window` for a subject.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub scope: &'static str,
    pub max: i64,
    pub window: Duration,
}

/// Failed logins per email address.
pub const LOGIN_FAILURES_PER_EMAIL: Limit = Limit {
    scope: "login-email",
    max: 5,
    window: Duration::minutes(15),
};
/// Failed logins per client address (credential stuffing across many emails).
pub const LOGIN_FAILURES_PER_IP: Limit = Limit {
    scope: "login-ip",
    max: 30,
    window: Duration::minutes(15),
};
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

    /// Refuses with 429 when the subject has used up this window.
    pub async fn check(&self, kv: &Kv, subject: &str) -> Result<(), ApiError> {
        let now = Utc::now();
        let (key, end) = self.key(subject, now);
        let used = kv
            .get(&key)
            .await?
            .and_then(|item| item.number("count"))
            .unwrap_or(0);
        if used >= self.max {
            return Err(ApiError::rate_limited(
                (end - now).num_seconds().max(1) as u64
            ));
        }
        Ok(())
    }

    /// Counts one event.
    pub async fn record(&self, kv: &Kv, subject: &str) -> Result<(), ApiError> {
        let (key, end) = self.key(subject, Utc::now());
        kv.increment(&key, 1, end).await?;
        Ok(())
    }

    /// Counts one event and refuses with 429 if it goes over the limit.
    pub async fn consume(&self, kv: &Kv, subject: &str) -> Result<(), ApiError> {
        let now = Utc::now();
        let (key, end) = self.key(subject, now);
        let used = kv.increment(&key, 1, end).await?;
        if used > self.max {
            return Err(ApiError::rate_limited(
                (end - now).num_seconds().max(1) as u64
            ));
        }
        Ok(())
    }
}
