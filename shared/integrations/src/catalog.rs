//! The kinds of integration and the events they can hear about.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IntegrationType {
    Slack,
    Webhook,
    GoogleAnalytics,
}

impl IntegrationType {
    pub const ALL: [IntegrationType; 3] = [
        IntegrationType::Slack,
        IntegrationType::Webhook,
        IntegrationType::GoogleAnalytics,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            IntegrationType::Slack => "slack",
            IntegrationType::Webhook => "webhook",
            IntegrationType::GoogleAnalytics => "google_analytics",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }

    pub const fn name(self) -> &'static str {
        match self {
            IntegrationType::Slack => "Slack",
            IntegrationType::Webhook => "Outgoing webhook",
            IntegrationType::GoogleAnalytics => "Google Analytics 4",
        }
    }

    pub const fn description(self) -> &'static str {
        match self {
            IntegrationType::Slack => {
                "Posts published or failed and reports ready, in a Slack channel (an incoming webhook URL)."
            }
            IntegrationType::Webhook => {
                "The same events POSTed as JSON to your URL, signed with a secret (X-Social-Signature: t=…,v1=…), retried with backoff."
            }
            IntegrationType::GoogleAnalytics => {
                "UTM parameters on the links you publish, and the sessions they bring imported from the GA4 Data API."
            }
        }
    }

    /// Whether it is sent events (Slack, webhooks) rather than read from (GA4).
    pub const fn receives_events(self) -> bool {
        matches!(self, IntegrationType::Slack | IntegrationType::Webhook)
    }
}

/// What an integration can be told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub enum EventType {
    #[serde(rename = "post.published")]
    PostPublished,
    #[serde(rename = "post.failed")]
    PostFailed,
    #[serde(rename = "report.ready")]
    ReportReady,
    /// Sent by "test" only.
    #[serde(rename = "integration.test")]
    IntegrationTest,
}

/// The events a customer may subscribe an integration to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub enum SubscribableEvent {
    #[serde(rename = "post.published")]
    PostPublished,
    #[serde(rename = "post.failed")]
    PostFailed,
    #[serde(rename = "report.ready")]
    ReportReady,
}

impl SubscribableEvent {
    pub const ALL: [SubscribableEvent; 3] = [
        SubscribableEvent::PostPublished,
        SubscribableEvent::PostFailed,
        SubscribableEvent::ReportReady,
    ];

    pub const fn event(self) -> EventType {
        match self {
            SubscribableEvent::PostPublished => EventType::PostPublished,
            SubscribableEvent::PostFailed => EventType::PostFailed,
            SubscribableEvent::ReportReady => EventType::ReportReady,
        }
    }
}

impl EventType {
    pub const ALL: [EventType; 4] = [
        EventType::PostPublished,
        EventType::PostFailed,
        EventType::ReportReady,
        EventType::IntegrationTest,
    ];

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == text)
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            EventType::PostPublished => "post.published",
            EventType::PostFailed => "post.failed",
            EventType::ReportReady => "report.ready",
            EventType::IntegrationTest => "integration.test",
        }
    }
}
