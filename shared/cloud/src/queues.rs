use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, SendMessageBatchRequestEntry};
use domain::{AgentType, Platform};

/// One SQS work queue and its dead-letter queue. template.yaml declares the same list; the local
/// stack creates it from here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueSpec {
    /// Logical name; deployed names carry a stack prefix.
    pub name: &'static str,
    /// Environment variable through which a function receives the queue URL.
    pub url_env: &'static str,
    /// Environment variable through which a producer that needs the ARN (Scheduler) receives it.
    pub arn_env: Option<&'static str>,
    /// Deliveries before a message moves to the dead-letter queue.
    pub max_receive_count: u32,
    /// Longer than the consumer's timeout, so a message is not redelivered while in flight.
    pub visibility_timeout_secs: u32,
}

impl QueueSpec {
    pub fn dead_letter_name(&self) -> String {
        format!("{}-dlq", self.name)
    }

    /// The queue that carries tasks for one agent.
    pub fn for_agent(agent: AgentType) -> &'static QueueSpec {
        let name = agent_queue_name(agent);
        QUEUES
            .iter()
            .find(|q| q.name == name)
            .expect("every agent type has a queue in QUEUES")
    }
}

const fn agent_queue_name(agent: AgentType) -> &'static str {
    match agent {
        AgentType::ContentCreator => "agent-content-creator",
        AgentType::TrendAnalyzer => "agent-trend-analyzer",
        AgentType::EngagementOptimizer => "agent-engagement-optimizer",
        AgentType::SmartScheduler => "agent-smart-scheduler",
        AgentType::PerformanceTracker => "agent-performance-tracker",
        AgentType::CompetitorMonitor => "agent-competitor-monitor",
        AgentType::CrisisManager => "agent-crisis-manager",
        AgentType::Orchestrator => "agent-orchestrator",
    }
}

const fn agent_queue(name: &'static str, url_env: &'static str) -> QueueSpec {
    QueueSpec {
        name,
        url_env,
        arn_env: None,
        max_receive_count: 3,
        // Agent functions time out at 120 s; six times that, as AWS recommends for SQS sources.
        visibility_timeout_secs: 720,
    }
}

/// Every work queue of the platform.
pub const QUEUES: &[QueueSpec] = &[
    agent_queue("agent-content-creator", "QUEUE_URL_AGENT_CONTENT_CREATOR"),
    agent_queue("agent-trend-analyzer", "QUEUE_URL_AGENT_TREND_ANALYZER"),
    agent_queue(
        "agent-engagement-optimizer",
        "QUEUE_URL_AGENT_ENGAGEMENT_OPTIMIZER",
    ),
    agent_queue("agent-smart-scheduler", "QUEUE_URL_AGENT_SMART_SCHEDULER"),
    agent_queue(
        "agent-performance-tracker",
        "QUEUE_URL_AGENT_PERFORMANCE_TRACKER",
    ),
    agent_queue(
        "agent-competitor-monitor",
        "QUEUE_URL_AGENT_COMPETITOR_MONITOR",
    ),
    agent_queue("agent-crisis-manager", "QUEUE_URL_AGENT_CRISIS_MANAGER"),
    agent_queue("agent-orchestrator", "QUEUE_URL_AGENT_ORCHESTRATOR"),
    QueueSpec {
        name: "analytics-reports",
        url_env: "QUEUE_URL_ANALYTICS_REPORTS",
        arn_env: None,
        max_receive_count: 3,
        // The report builder times out at 120 s; six times that, as AWS recommends.
        visibility_timeout_secs: 720,
    },
    publish_queue("publish-x", "QUEUE_URL_PUBLISH_X", "QUEUE_ARN_PUBLISH_X"),
    publish_queue(
        "publish-meta",
        "QUEUE_URL_PUBLISH_META",
        "QUEUE_ARN_PUBLISH_META",
    ),
    publish_queue(
        "publish-linkedin",
        "QUEUE_URL_PUBLISH_LINKEDIN",
        "QUEUE_ARN_PUBLISH_LINKEDIN",
    ),
    publish_queue(
        "publish-tiktok",
        "QUEUE_URL_PUBLISH_TIKTOK",
        "QUEUE_ARN_PUBLISH_TIKTOK",
    ),
];

const fn publish_queue(
    name: &'static str,
    url_env: &'static str,
    arn_env: &'static str,
) -> QueueSpec {
    QueueSpec {
        name,
        url_env,
        arn_env: Some(arn_env),
        // Infrastructure errors only: a platform's answer is settled in Postgres, never by
        // redelivery. The sweeper recovers anything that reaches the dead-letter queue.
        max_receive_count: 5,
        // The publisher times out at 120 s; six times that, as AWS recommends for SQS sources.
        visibility_timeout_secs: 720,
    }
}

/// A publishing lane: the queue between the schedules (and the sweeper) and the publisher for a
/// group of platforms. The publisher's event source on the lane has `MaximumConcurrency` set to
/// `max_concurrency`, so a platform with low limits is never flooded, without a lease per
/// publish. template.yaml declares the same numbers (a test keeps them in step).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishLane {
    pub queue: &'static str,
    pub platforms: &'static [Platform],
    pub max_concurrency: u32,
}

pub const PUBLISH_LANES: &[PublishLane] = &[
    PublishLane {
        queue: "publish-x",
        platforms: &[Platform::X],
        max_concurrency: 16,
    },
    PublishLane {
        queue: "publish-meta",
        platforms: &[Platform::Facebook, Platform::Instagram],
        max_concurrency: 8,
    },
    PublishLane {
        queue: "publish-linkedin",
        platforms: &[Platform::LinkedIn],
        max_concurrency: 4,
    },
    PublishLane {
        queue: "publish-tiktok",
        platforms: &[Platform::TikTok],
        max_concurrency: 4,
    },
];

impl PublishLane {
    pub fn of(platform: Platform) -> &'static PublishLane {
        PUBLISH_LANES
            .iter()
            .find(|lane| lane.platforms.contains(&platform))
            .expect("every platform has a publishing lane")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("queue: {0}")]
pub struct QueueError(pub String);

/// One message to send, delayed by up to 15 minutes.
#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    pub body: String,
    pub delay_secs: i32,
}

/// Sends messages in batches of ten (the SQS maximum); any entry SQS refuses is an error.
pub async fn send_messages(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    messages: &[OutgoingMessage],
) -> Result<(), QueueError> {
    for chunk in messages.chunks(10) {
        let entries = chunk
            .iter()
            .enumerate()
            .map(|(i, m)| {
                SendMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .message_body(&m.body)
                    .delay_seconds(m.delay_secs.clamp(0, 900))
                    .build()
                    .map_err(|e| QueueError(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let answer = sqs
            .send_message_batch()
            .queue_url(queue_url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| QueueError(DisplayErrorContext(&e).to_string()))?;
        if let Some(failed) = answer.failed.first() {
            return Err(QueueError(format!(
                "{} of {} messages refused: {}",
                answer.failed.len(),
                chunk.len(),
                failed.message.as_deref().unwrap_or(&failed.code)
            )));
        }
    }
    Ok(())
}

/// A message as received, with the handle that deletes it.
#[derive(Debug, Clone)]
pub struct ReceivedMessage {
    pub message_id: String,
    pub receipt_handle: String,
    pub body: String,
}

/// Up to ten messages, waiting at most `wait_secs` for the first (what Lambda's poller does for
/// an SQS event source; used by the local emulation).
pub async fn receive_messages(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    wait_secs: i32,
) -> Result<Vec<ReceivedMessage>, QueueError> {
    let answer = sqs
        .receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(10)
        .wait_time_seconds(wait_secs)
        .send()
        .await
        .map_err(|e| QueueError(DisplayErrorContext(&e).to_string()))?;
    Ok(answer
        .messages
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| {
            Some(ReceivedMessage {
                message_id: m.message_id?,
                receipt_handle: m.receipt_handle?,
                body: m.body.unwrap_or_default(),
            })
        })
        .collect())
}

pub async fn delete_messages(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    receipt_handles: &[String],
) -> Result<(), QueueError> {
    for chunk in receipt_handles.chunks(10) {
        let entries = chunk
            .iter()
            .enumerate()
            .map(|(i, handle)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(handle)
                    .build()
                    .map_err(|e| QueueError(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        sqs.delete_message_batch()
            .queue_url(queue_url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| QueueError(DisplayErrorContext(&e).to_string()))?;
    }
    Ok(())
}

/// When a message its handler failed is delivered again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redelivery {
    /// After the queue's visibility timeout, as in AWS.
    AfterVisibilityTimeout,
    /// At once (local runs, so a poison message reaches its dead-letter queue without waiting).
    AtOnce,
}

/// One delivery as Lambda's SQS event source makes it, for local runs: up to ten messages
/// received from `queue_url` and handed to `handle` as (message id, body); `handle` returns the
/// ids to deliver again, and the others are deleted. Returns how many were received.
pub async fn deliver_once<F, Fut>(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    redelivery: Redelivery,
    handle: F,
) -> Result<usize, QueueError>
where
    F: FnOnce(Vec<(String, String)>) -> Fut,
    Fut: Future<Output = Vec<String>>,
{
    let batch = receive_messages(sqs, queue_url, 0).await?;
    if batch.is_empty() {
        return Ok(0);
    }
    let failed = handle(
        batch
            .iter()
            .map(|m| (m.message_id.clone(), m.body.clone()))
            .collect(),
    )
    .await;
    let (again, done): (Vec<_>, Vec<_>) =
        batch.iter().partition(|m| failed.contains(&m.message_id));
    let handles = |messages: Vec<&ReceivedMessage>| -> Vec<String> {
        messages
            .into_iter()
            .map(|m| m.receipt_handle.clone())
            .collect()
    };
    delete_messages(sqs, queue_url, &handles(done)).await?;
    if redelivery == Redelivery::AtOnce {
        release_messages(sqs, queue_url, &handles(again)).await?;
    }
    Ok(batch.len())
}

/// Makes received messages visible again at once (what a Lambda partial batch failure leads to
/// after the visibility timeout; the local emulation does not wait that long).
async fn release_messages(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    receipt_handles: &[String],
) -> Result<(), QueueError> {
    for chunk in receipt_handles.chunks(10) {
        let entries = chunk
            .iter()
            .enumerate()
            .map(|(i, handle)| {
                aws_sdk_sqs::types::ChangeMessageVisibilityBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(handle)
                    .visibility_timeout(0)
                    .build()
                    .map_err(|e| QueueError(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        sqs.change_message_visibility_batch()
            .queue_url(queue_url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| QueueError(DisplayErrorContext(&e).to_string()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_agent_has_exactly_one_queue() {
        for agent in AgentType::ALL {
            let queue = QueueSpec::for_agent(*agent);
            assert_eq!(QUEUES.iter().filter(|q| q.name == queue.name).count(), 1);
        }
    }

    #[test]
    fn every_platform_has_one_publishing_lane_with_a_queue() {
        for platform in Platform::ALL {
            let lanes = PUBLISH_LANES
                .iter()
                .filter(|l| l.platforms.contains(platform))
                .count();
            assert_eq!(lanes, 1, "{platform}");
            let lane = PublishLane::of(*platform);
            assert!(
                QUEUES
                    .iter()
                    .any(|q| q.name == lane.queue && q.arn_env.is_some())
            );
        }
    }

    #[test]
    fn queue_names_and_env_names_are_unique() {
        let names: std::collections::HashSet<_> = QUEUES.iter().map(|q| q.name).collect();
        let envs: std::collections::HashSet<_> = QUEUES.iter().map(|q| q.url_env).collect();
        assert_eq!(names.len(), QUEUES.len());
        assert_eq!(envs.len(), QUEUES.len());
    }
}
