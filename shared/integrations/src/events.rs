//! What integrations are told: an envelope per event for webhooks, a line of text for Slack.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::catalog::EventType;

/// The JSON body an outgoing webhook receives.
pub fn envelope(
    delivery_id: Uuid,
    event: &str,
    organization_id: store::OrgId,
    created: DateTime<Utc>,
    data: &Value,
) -> Value {
    json!({
        "id": delivery_id,
        "type": event,
        "created": created.timestamp(),
        "organization_id": organization_id,
        "data": data,
    })
}

/// The Slack message for an event (Slack's `text`, with its link syntax).
pub fn slack_text(event: &str, data: &Value, app_base_url: &str) -> String {
    let platform = data["platform"].as_str().unwrap_or("a platform");
    let post = |id: &Value| format!("{app_base_url}/posts/{}", id.as_str().unwrap_or_default());
    let excerpt = data["excerpt"].as_str().unwrap_or_default();
    match event {
        e if e == EventType::PostPublished.as_str() => {
            let link = data["permalink"]
                .as_str()
                .map(|p| format!(" (<{p}|view>)"))
                .unwrap_or_default();
            format!(
                "✅ Published on {platform}{link}: “{excerpt}” — <{}|open>",
                post(&data["post_id"])
            )
        }
        e if e == EventType::PostFailed.as_str() => format!(
            "⚠️ Publishing on {platform} failed: {} — “{excerpt}” <{}|open>",
            data["reason"].as_str().unwrap_or("unknown reason"),
            post(&data["post_id"])
        ),
        e if e == EventType::ReportReady.as_str() => format!(
            "📊 Report “{}” is ready — <{app_base_url}/analytics/reports|download>",
            data["name"].as_str().unwrap_or("analytics")
        ),
        _ => format!(
            "👋 {}",
            data["message"]
                .as_str()
                .unwrap_or("A test message from your social media platform.")
        ),
    }
}

/// The first words of a post for a notice (at most 120 characters).
pub fn excerpt(text: &str) -> String {
    let mut out: String = text.chars().take(120).collect();
    if text.chars().count() > 120 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_messages_name_the_platform_and_link_to_the_post() {
        let text = slack_text(
            "post.failed",
            &json!({"platform": "x", "post_id": "p1", "reason": "token expired", "excerpt": "Launch day"}),
            "https://app.example",
        );
        assert!(text.contains("failed: token expired"), "{text}");
        assert!(
            text.contains("<https://app.example/posts/p1|open>"),
            "{text}"
        );
        assert_eq!(excerpt(&"a".repeat(130)).chars().count(), 121);
    }
}
