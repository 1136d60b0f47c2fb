//! The messages that cross a process boundary, typed once for the producer and the consumer:
//! what a schedule (or the sweeper, or publish-now) puts on a publishing lane, and what the
//! publisher leaves for a user to read. Serde types only; each has a fixture under `events/`.

use chrono::{DateTime, Utc};
use domain::PostPlatformStatus;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// On a publishing lane (and a one-time schedule's input): publish this target, at most once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    pub post_platform_id: Uuid,
}

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// A target failed, or may or may not have been published.
    PublishOutcome,
}

/// A notification for one user, kept 90 days (DynamoDB, `NOTIF#{user}`); the notifications
/// API reads what the publisher writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Notification {
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
    pub post_id: Option<Uuid>,
    pub status: Option<PostPlatformStatus>,
    pub read: bool,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/../../events/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn the_publisher_fixture_carries_publish_requests() {
        let event: aws_lambda_events::sqs::SqsEvent =
            serde_json::from_str(&fixture("publisher.json")).unwrap();
        for record in event.records {
            let request: PublishRequest = serde_json::from_str(&record.body.unwrap()).unwrap();
            assert!(!request.post_platform_id.is_nil());
        }
    }

    #[test]
    fn a_publish_request_refuses_what_it_does_not_know() {
        assert!(serde_json::from_str::<PublishRequest>(r#"{"post_platform_id":"x"}"#).is_err());
        let extra = r#"{"post_platform_id":"0190f5b2-7c3e-7a51-9d2b-5a8e3c1f4d20","retry":1}"#;
        assert!(serde_json::from_str::<PublishRequest>(extra).is_err());
    }

    #[test]
    fn the_notification_fixture_is_a_notification() {
        let notification: Notification =
            serde_json::from_str(&fixture("contracts/notification.json")).unwrap();
        assert_eq!(notification.kind, NotificationKind::PublishOutcome);
        assert!(!notification.read);
    }
}
