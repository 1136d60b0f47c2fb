//! The messages that cross a process boundary, typed once for the producer and the consumer:
//! what a schedule (or the sweeper, or publish-now) puts on a publishing lane, the notification
//! a user reads, and the live feed's messages. Serde types only; each has a fixture
//! under `events/`.

use chrono::{DateTime, Utc};
use domain::{Platform, PostPlatformStatus, PostStatus};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// On a publishing lane (and a one-time schedule's input): publish this target, at most once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    pub post_platform_id: Uuid,
}

/// On an agent's queue: run this task, at most once (the task row is claimed before work).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentTaskMessage {
    pub task_id: Uuid,
    /// Set when the task is a step of a workflow: the chain is visible in every message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<Uuid>,
}

pub use domain::NotificationKind;

/// A notification for one user, kept 90 days in DynamoDB under the user's partition; producers
/// (publishing, token health, exports, members) write it, the notifications API serves it, and
/// the live feed carries it. It never holds a token or a secret: links are app paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Notification {
    /// Time-ordered (UUIDv7): newest first is descending id order.
    pub id: Uuid,
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
    /// Where the web app shows what it is about, e.g. `/posts/{id}`.
    pub link: Option<String>,
    pub post_id: Option<Uuid>,
    pub social_account_id: Option<Uuid>,
    pub read: bool,
    pub created_at: DateTime<Utc>,
}

/// The version of the live protocol; clients ignore messages of another version.
pub const LIVE_PROTOCOL_VERSION: u32 = 1;

/// One message of the live feed (WebSocket, server to client):
/// `{"v":1,"type":"post.status","data":{…},"sent_at":"…"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LiveMessage {
    pub v: u32,
    #[serde(flatten)]
    pub event: LiveEvent,
    pub sent_at: DateTime<Utc>,
}

impl LiveMessage {
    /// The event as sent now, in the current protocol version.
    pub fn now(event: LiveEvent) -> Self {
        LiveMessage {
            v: LIVE_PROTOCOL_VERSION,
            event,
            sent_at: Utc::now(),
        }
    }
}

/// What happened, typed per kind of event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type", content = "data")]
pub enum LiveEvent {
    /// A new notification, with the user's unread count after it.
    #[serde(rename = "notification.created")]
    NotificationCreated {
        notification: Notification,
        unread: u64,
    },
    /// The unread count changed (read, deleted, all marked) or was asked for (`sync`).
    #[serde(rename = "notifications.unread")]
    UnreadCount { unread: u64 },
    /// A post's status changed: claimed for publishing, or a target settled.
    #[serde(rename = "post.status")]
    PostStatus {
        post_id: Uuid,
        status: PostStatus,
        targets: Vec<TargetStatus>,
    },
    /// A data export advanced.
    #[serde(rename = "export.progress")]
    ExportProgress {
        export_id: Uuid,
        stage: ExportStage,
        percent: u8,
    },
    /// An analytics report advanced (building, ready, failed).
    #[serde(rename = "report.progress")]
    ReportProgress {
        report_id: Uuid,
        stage: ReportStage,
        percent: u8,
    },
    /// An AI task changed status (running, completed, failed).
    #[serde(rename = "ai_task.status")]
    AiTaskStatus {
        task_id: Uuid,
        agent_type: domain::AgentType,
        status: domain::AgentTaskStatus,
        workflow_id: Option<Uuid>,
    },
    /// The brand's crisis level or the publishing pause changed: fetch the crisis status.
    #[serde(rename = "crisis.changed")]
    CrisisChanged { level: String, paused: bool },
    /// Stripe changed the organization's plan or its status: fetch the subscription.
    #[serde(rename = "subscription.changed")]
    SubscriptionChanged {
        plan: domain::SubscriptionPlan,
        status: domain::SubscriptionStatus,
    },
    /// The answer to a `ping`.
    #[serde(rename = "pong")]
    Pong {},
    /// A client message the server did not understand.
    #[serde(rename = "error")]
    Error { code: String, message: String },
}

/// One target of a post in a `post.status` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TargetStatus {
    pub id: Uuid,
    pub platform: Platform,
    pub status: PostPlatformStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportStage {
    Collecting,
    Uploading,
    Ready,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportStage {
    Running,
    Ready,
    Failed,
}

/// A message of the live feed from client to server (the WebSocket API's `$default` route).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientAction {
    /// Keeps the connection open past API Gateway's 10-minute idle timeout; answered by `pong`.
    Ping,
    /// Asks for the current unread count (after connecting or reconnecting).
    Sync,
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
    fn the_agent_fixture_carries_agent_task_messages() {
        let event: aws_lambda_events::sqs::SqsEvent =
            serde_json::from_str(&fixture("agent-content-creator.json")).unwrap();
        for record in event.records {
            let message: AgentTaskMessage = serde_json::from_str(&record.body.unwrap()).unwrap();
            assert!(!message.task_id.is_nil());
        }
        assert!(
            serde_json::from_str::<AgentTaskMessage>(
                r#"{"task_id":"0190f5b2-7c3e-7a51-9d2b-5a8e3c1f4d20","x":1}"#
            )
            .is_err()
        );
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
        assert_eq!(notification.kind, NotificationKind::PostUnconfirmed);
        assert!(!notification.read);
    }

    #[test]
    fn a_live_message_carries_its_version_type_and_data() {
        let message = LiveMessage::now(LiveEvent::UnreadCount { unread: 3 });
        let json = serde_json::to_value(&message).unwrap();
        assert_eq!(json["v"], 1);
        assert_eq!(json["type"], "notifications.unread");
        assert_eq!(json["data"]["unread"], 3);
        let back: LiveMessage = serde_json::from_value(json).unwrap();
        assert_eq!(back, message);
        let pong = serde_json::to_value(LiveMessage::now(LiveEvent::Pong {})).unwrap();
        assert_eq!(pong["data"], serde_json::json!({}));
    }

    #[test]
    fn the_live_fixtures_are_live_messages_and_client_actions() {
        let messages: Vec<LiveMessage> =
            serde_json::from_str(&fixture("contracts/live-messages.json")).unwrap();
        assert!(messages.iter().all(|m| m.v == LIVE_PROTOCOL_VERSION));
        assert_eq!(
            serde_json::from_str::<ClientAction>(r#"{"action":"sync"}"#).unwrap(),
            ClientAction::Sync
        );
        assert!(serde_json::from_str::<ClientAction>(r#"{"action":"shout"}"#).is_err());
    }
}
