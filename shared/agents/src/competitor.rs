//! The competitor monitor: the model's comparison and recommendations over the figures the
//! analytics watchlist keeps (followers, cadence, engagement per post, top tags), with those
//! figures returned beside the prose so every claim can be checked.

use chrono::{Duration, Utc};
use llm::OutputSchema;
use runtime::AppState;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use store::agents::tasks::Task;

use crate::catalog::AgentSettings;
use crate::session::{Conversation, data_block, not_blank};
use crate::worker::input_of;
use crate::{AgentsError, ModelSession};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompetitorRequest {
    /// What to look at in particular (e.g. "video cadence").
    #[schemars(length(max = 300))]
    pub focus: Option<String>,
    #[schemars(length(max = 10))]
    pub language: Option<String>,
}

impl crate::catalog::TaskInput for CompetitorRequest {
    const KIND: crate::TaskKind = crate::TaskKind::CompetitorAnalyze;

    fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        if self.focus.as_ref().is_some_and(|f| f.chars().count() > 300) {
            problems.push(("focus", "must be at most 300 characters".to_owned()));
        }
        problems.extend(crate::catalog::language_problem(self.language.as_ref()));
        problems
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Finding {
    /// `@handle` of the competitor, or "you".
    pub about: String,
    pub finding: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Recommendation {
    pub action: String,
    pub rationale: String,
}

/// The schema of 1 to 5 recommendations, each citing the figures behind it.
pub(crate) fn recommendations_schema() -> Value {
    json!({ "type": "array", "minItems": 1, "maxItems": 5, "items": {
        "type": "object",
        "properties": {
            "action": { "type": "string", "description": "What to do, at most 120 characters." },
            "rationale": { "type": "string", "description": "Which figures support it, at most 200 characters." }
        },
        "required": ["action", "rationale"]
    } })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CompetitorAnalysis {
    pub summary: String,
    pub findings: Vec<Finding>,
    pub recommendations: Vec<Recommendation>,
    /// The figures the model was given (from the analytics watchlist, last 30 days).
    pub figures: Value,
}

#[derive(Deserialize)]
struct AnalysisDocument {
    summary: String,
    findings: Vec<Finding>,
    recommendations: Vec<Recommendation>,
}

/// `competitor/analyze`.
pub async fn analyze(
    state: &AppState,
    task: &Task,
    settings: &AgentSettings,
    session: &mut ModelSession,
) -> Result<Value, AgentsError> {
    let request: CompetitorRequest = input_of(task)?;
    let today = Utc::now().date_naive();
    let period = analytics::dashboards::Period {
        from: today - Duration::days(29),
        to: today,
        zone: chrono_tz::UTC,
    };
    let view = analytics::competitors::view(state, task.organization_id, &period).await?;
    if view.competitors.is_empty() {
        return Err(AgentsError::Invalid(
            "the watchlist is empty: add competitors in Analytics first".into(),
        ));
    }
    let figures = json!({
        "competitors": view.competitors.iter().map(|c| json!({
            "handle": format!("@{}", c.competitor.handle),
            "platform": c.competitor.platform,
            "followers": c.latest.as_ref().and_then(|l| l.followers_count),
            "posts_per_week": c.posts_per_week,
            "engagements_per_post": c.engagements_per_post,
            "top_hashtags": c.latest.as_ref().map(|l| l.top_hashtags.clone()).unwrap_or_default(),
        })).collect::<Vec<_>>(),
        "you": view.own.iter().map(|o| json!({
            "platform": o.platform,
            "followers": o.followers,
            "posts_per_week": o.posts_per_week,
            "engagements_per_post": o.engagements_per_post,
        })).collect::<Vec<_>>(),
    });
    session.note("figures", json!({ "competitors": view.competitors.len() }));
    let language = request
        .language
        .as_deref()
        .or(settings.language.as_deref())
        .unwrap_or("en");
    let schema = OutputSchema {
        name: "competitor_analysis".into(),
        description: "A comparison with the competitors and what to try.".into(),
        schema: json!({
            "type": "object",
            "properties": {
                "summary": { "type": "string", "description": "The picture in two or three sentences, at most 500 characters." },
                "findings": { "type": "array", "minItems": 1, "maxItems": 8, "items": {
                    "type": "object",
                    "properties": {
                        "about": { "type": "string", "description": "The competitor's @handle, or you." },
                        "finding": { "type": "string", "description": "One observation citing a figure, at most 200 characters." }
                    },
                    "required": ["about", "finding"]
                } },
                "recommendations": recommendations_schema()
            },
            "required": ["summary", "findings", "recommendations"]
        }),
    };
    let mut conversation = Conversation::new(
        &format!(
            "You are a social media analyst. Compare an organization with its competitors using only the figures given, cite them, and write in {language}."
        ),
        format!(
            "Compare us with our competitors and recommend what to try{}.\n{}",
            request
                .focus
                .as_ref()
                .map(|_| ", with the focus given")
                .unwrap_or_default(),
            data_block(&json!({ "figures": figures, "focus": request.focus }))
        ),
    );
    let document: AnalysisDocument = session
        .structured(
            "compare",
            &mut conversation,
            &schema,
            2000,
            |d: &AnalysisDocument| not_blank(&d.summary, "summary"),
        )
        .await?;
    let analysis = CompetitorAnalysis {
        summary: document.summary,
        findings: document.findings,
        recommendations: document.recommendations,
        figures,
    };
    Ok(serde_json::to_value(analysis).expect("output serializes"))
}
