//! The agents an organization has, what each does, the tasks each runs, and the settings a
//! manager may change.

use domain::{AgentType, Invalid};
use serde::{Deserialize, Serialize};

/// What a task asks an agent to do. Stored as `task_type`; each kind belongs to one agent,
/// whose queue carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    ContentGenerate,
    ContentImprove,
    HashtagSuggest,
    CompetitorAnalyze,
    /// Campaign step: posts for every platform.
    CampaignContent,
    /// Campaign step: a free slot for each post.
    CampaignSlots,
    /// Campaign step: the drafts on the calendar.
    CampaignDrafts,
    /// Weekly review step: the week's figures against the week before.
    ReviewPerformance,
    /// Weekly review step: the PDF/CSV report of the week.
    ReviewReport,
    /// Weekly review step: recommendations from the figures.
    ReviewRecommendations,
    /// Best times per account and the drafts placed on them.
    ScheduleOptimize,
    /// A draft's predicted engagement, and what would raise it.
    EngagementPredict,
    /// Bursts in keyword, hashtag and mention volumes.
    TrendsAnalyze,
    /// Posts and accounts unusually above or below their baseline.
    PerformanceReview,
    /// Mentions scored for sentiment; the crisis level.
    CrisisScan,
}

impl TaskKind {
    pub const ALL: [TaskKind; 15] = [
        TaskKind::ContentGenerate,
        TaskKind::ContentImprove,
        TaskKind::HashtagSuggest,
        TaskKind::CompetitorAnalyze,
        TaskKind::CampaignContent,
        TaskKind::CampaignSlots,
        TaskKind::CampaignDrafts,
        TaskKind::ReviewPerformance,
        TaskKind::ReviewReport,
        TaskKind::ReviewRecommendations,
        TaskKind::ScheduleOptimize,
        TaskKind::EngagementPredict,
        TaskKind::TrendsAnalyze,
        TaskKind::PerformanceReview,
        TaskKind::CrisisScan,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            TaskKind::ContentGenerate => "content_generate",
            TaskKind::ContentImprove => "content_improve",
            TaskKind::HashtagSuggest => "hashtag_suggest",
            TaskKind::CompetitorAnalyze => "competitor_analyze",
            TaskKind::CampaignContent => "campaign_content",
            TaskKind::CampaignSlots => "campaign_slots",
            TaskKind::CampaignDrafts => "campaign_drafts",
            TaskKind::ReviewPerformance => "review_performance",
            TaskKind::ReviewReport => "review_report",
            TaskKind::ReviewRecommendations => "review_recommendations",
            TaskKind::ScheduleOptimize => "schedule_optimize",
            TaskKind::EngagementPredict => "engagement_predict",
            TaskKind::TrendsAnalyze => "trends_analyze",
            TaskKind::PerformanceReview => "performance_review",
            TaskKind::CrisisScan => "crisis_scan",
        }
    }

    pub fn parse(text: &str) -> Option<TaskKind> {
        TaskKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The agent that runs it.
    pub const fn agent(self) -> AgentType {
        match self {
            TaskKind::ContentGenerate | TaskKind::ContentImprove | TaskKind::CampaignContent => {
                AgentType::ContentCreator
            }
            TaskKind::HashtagSuggest | TaskKind::EngagementPredict => {
                AgentType::EngagementOptimizer
            }
            TaskKind::ScheduleOptimize => AgentType::SmartScheduler,
            TaskKind::TrendsAnalyze => AgentType::TrendAnalyzer,
            TaskKind::PerformanceReview => AgentType::PerformanceTracker,
            TaskKind::CrisisScan => AgentType::CrisisManager,
            TaskKind::CompetitorAnalyze => AgentType::CompetitorMonitor,
            TaskKind::CampaignSlots
            | TaskKind::CampaignDrafts
            | TaskKind::ReviewPerformance
            | TaskKind::ReviewReport
            | TaskKind::ReviewRecommendations => AgentType::Orchestrator,
        }
    }
}

/// A task's input as an endpoint receives it: which kind of task it asks for, and what is wrong
/// with it (by field), checked at the edge before anything is queued.
pub trait TaskInput: serde::Serialize {
    const KIND: TaskKind;
    fn problems(&self) -> Vec<(&'static str, String)>;
}

/// One agent as the product presents it.
pub struct AgentInfo {
    pub agent_type: AgentType,
    pub name: &'static str,
    pub description: &'static str,
    /// Whether it runs tasks yet (the insight agents arrive in a later release).
    pub available: bool,
}

pub const CATALOG: [AgentInfo; 8] = [
    AgentInfo {
        agent_type: AgentType::ContentCreator,
        name: "Content creator",
        description: "Writes a post for each platform from a brief, within each platform's rules, and rewrites drafts for a goal.",
        available: true,
    },
    AgentInfo {
        agent_type: AgentType::TrendAnalyzer,
        name: "Trend analyzer",
        description: "Finds bursts in your keywords' volume on X, your hashtags and your mentions, and proposes posts that ride them.",
        available: true,
    },
    AgentInfo {
        agent_type: AgentType::EngagementOptimizer,
        name: "Engagement optimizer",
        description: "Predicts a draft's engagement with an interval from your own history, and what to change (time, format, hashtags, length) to raise it; suggests hashtags with the evidence.",
        available: true,
    },
    AgentInfo {
        agent_type: AgentType::SmartScheduler,
        name: "Smart scheduler",
        description: "Scores every hour of the week per account from your last 16 weeks and places drafts on the best free slots.",
        available: true,
    },
    AgentInfo {
        agent_type: AgentType::PerformanceTracker,
        name: "Performance tracker",
        description: "Flags posts and accounts unusually above or below their seasonal baseline, daily, with a weekly digest.",
        available: true,
    },
    AgentInfo {
        agent_type: AgentType::CompetitorMonitor,
        name: "Competitor monitor",
        description: "Compares your watchlist's cadence and engagement with yours and recommends what to try.",
        available: true,
    },
    AgentInfo {
        agent_type: AgentType::CrisisManager,
        name: "Crisis manager",
        description: "Scores your mentions' sentiment, raises watch, warning and crisis levels with the evidence, drafts a holding statement and can pause publishing.",
        available: true,
    },
    AgentInfo {
        agent_type: AgentType::Orchestrator,
        name: "Orchestrator",
        description: "Runs multi-step workflows (a campaign, the weekly review) one step at a time.",
        available: true,
    },
];

pub fn info(agent_type: AgentType) -> &'static AgentInfo {
    CATALOG
        .iter()
        .find(|a| a.agent_type == agent_type)
        .expect("every agent type is in the catalog")
}

/// What a manager may set per agent (`ai_agents.configuration`). Unset fields use the
/// deployment's defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentSettings {
    /// The provider's model id; default the deployment's chat model.
    #[schemars(length(max = 100))]
    pub model: Option<String>,
    /// e.g. "warm", "playful", "authoritative".
    #[schemars(length(max = 60))]
    pub tone: Option<String>,
    /// How the brand speaks, in a few sentences; given to the agent with every task.
    #[schemars(length(max = 1000))]
    pub brand_voice: Option<String>,
    /// Language of the output (BCP 47, e.g. `en`, `fr`, `pt-BR`); default English.
    #[schemars(length(max = 10))]
    pub language: Option<String>,
}

impl AgentSettings {
    /// Every problem with the settings, by field.
    pub fn problems(&self) -> Vec<(&'static str, Invalid)> {
        let mut problems = Vec::new();
        if let Some(model) = &self.model
            && (model.is_empty()
                || model.len() > 100
                || !model
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._:/-@".contains(c)))
        {
            problems.push((
                "model",
                Invalid("must be a model id: letters, digits and . _ : / - @ (at most 100)".into()),
            ));
        }
        if let Some(tone) = &self.tone
            && (tone.trim().is_empty() || tone.chars().count() > 60)
        {
            problems.push(("tone", Invalid(TONE_PROBLEM.into())));
        }
        if let Some(voice) = &self.brand_voice
            && voice.chars().count() > 1000
        {
            problems.push((
                "brand_voice",
                Invalid("must be at most 1000 characters".into()),
            ));
        }
        if let Some(language) = &self.language
            && !is_language_tag(language)
        {
            problems.push(("language", Invalid(LANGUAGE_PROBLEM.into())));
        }
        problems
    }
}

/// The one wording of a bad language tag and a bad tone, wherever a request carries them.
pub(crate) const LANGUAGE_PROBLEM: &str = "must be a language tag such as en, fr or pt-BR";
pub(crate) const TONE_PROBLEM: &str = "must be 1 to 60 characters";

/// What is wrong with an optional language field, if anything.
pub(crate) fn language_problem(language: Option<&String>) -> Option<(&'static str, String)> {
    language
        .is_some_and(|l| !is_language_tag(l))
        .then(|| ("language", LANGUAGE_PROBLEM.to_owned()))
}

/// What is wrong with an optional tone field, if anything.
pub(crate) fn tone_problem(tone: Option<&String>) -> Option<(&'static str, String)> {
    tone.is_some_and(|t| t.trim().is_empty() || t.chars().count() > 60)
        .then(|| ("tone", TONE_PROBLEM.to_owned()))
}

/// A BCP 47 tag as far as we use one: a 2–3 letter language and an optional region or script.
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let language = parts.next().unwrap_or_default();
    (2..=3).contains(&language.len())
        && language.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (2..=4).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
        && tag.len() <= 10
}

/// The configuration a new organization's agent starts with.
pub fn default_settings() -> serde_json::Value {
    serde_json::to_value(AgentSettings::default()).expect("settings serialize")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_task_kind_round_trips_and_belongs_to_an_available_agent() {
        for kind in TaskKind::ALL {
            assert_eq!(TaskKind::parse(kind.as_str()), Some(kind));
            assert!(info(kind.agent()).available, "{kind:?}");
        }
    }

    #[test]
    fn settings_are_checked_field_by_field() {
        let bad = AgentSettings {
            model: Some("rm -rf".into()),
            tone: Some(" ".into()),
            brand_voice: Some("x".repeat(1001)),
            language: Some("english".into()),
        };
        let fields: Vec<_> = bad.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["model", "tone", "brand_voice", "language"]);
        let good = AgentSettings {
            model: Some("anthropic.claude-3-5-haiku-20241022-v1:0".into()),
            tone: Some("warm".into()),
            brand_voice: None,
            language: Some("pt-BR".into()),
        };
        assert!(good.problems().is_empty());
    }
}
