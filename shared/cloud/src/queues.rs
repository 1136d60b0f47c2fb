use domain::AgentType;

/// One SQS work queue and its dead-letter queue. template.yaml declares the same list; the local
/// stack creates it from here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueSpec {
    /// Logical name; deployed names carry a stack prefix.
    pub name: &'static str,
    /// Environment variable through which a function receives the queue URL.
    pub url_env: &'static str,
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
];

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
    fn queue_names_and_env_names_are_unique() {
        let names: std::collections::HashSet<_> = QUEUES.iter().map(|q| q.name).collect();
        let envs: std::collections::HashSet<_> = QUEUES.iter().map(|q| q.url_env).collect();
        assert_eq!(names.len(), QUEUES.len());
        assert_eq!(envs.len(), QUEUES.len());
    }
}
