//! The trend analyzer: bursts in the volume of the organization's keywords on X (recent
//! counts, hour by hour over seven days), in its own hashtags and in its mentions, judged by
//! `insights::bursts`; then a language model summarises the evidence and proposes content
//! ideas. The report is stored for `/api/analytics/trends`.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use insights::bursts::{self, TermStatus};
use llm::OutputSchema;
use runtime::AppState;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use store::OrgId;
use store::agents::tasks::Task;

use crate::catalog::AgentSettings;
use crate::session::{Conversation, data_block, not_blank};
use crate::worker::input_of;
use crate::{AgentsError, ModelSession};

pub const MAX_KEYWORDS: usize = 10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrendsRequest {
    /// Terms to analyze (1–10, 2–50 characters); none: the organization's tracked keywords.
    #[schemars(length(max = 10))]
    pub keywords: Option<Vec<String>>,
}

/// The problems of a keyword list, for the request and the tracked list alike.
pub fn keyword_problems(keywords: &[String]) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    if keywords.len() > MAX_KEYWORDS {
        problems.push(("keywords", format!("at most {MAX_KEYWORDS} keywords")));
    }
    if keywords
        .iter()
        .any(|k| !(2..=50).contains(&k.trim().chars().count()))
    {
        problems.push(("keywords", "each keyword is 2 to 50 characters".to_owned()));
    }
    problems
}

/// Keywords as stored: trimmed, lower case, each once.
pub fn normalized(keywords: &[String]) -> Vec<String> {
    let mut out: Vec<String> = keywords
        .iter()
        .map(|k| k.trim().to_lowercase())
        .filter(|k| !k.is_empty())
        .collect();
    out.dedup();
    out
}

impl crate::catalog::TaskInput for TrendsRequest {
    const KIND: crate::TaskKind = crate::TaskKind::TrendsAnalyze;

    fn problems(&self) -> Vec<(&'static str, String)> {
        match &self.keywords {
            Some(k) if k.is_empty() => vec![(
                "keywords",
                "name at least one keyword, or leave it out".to_owned(),
            )],
            Some(k) => keyword_problems(k),
            None => Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DayCount {
    pub day: NaiveDate,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TermTrend {
    pub term: String,
    /// `x_recent_counts`, `own_posts` or `own_mentions`.
    pub source: String,
    /// Volume of the last 24 hours.
    pub recent: f64,
    /// Median daily volume of the six days before.
    pub baseline_per_day: f64,
    pub ratio: f64,
    pub z: f64,
    pub status: TermStatus,
    /// The seven days, oldest first (the last is the last 24 hours).
    pub series: Vec<DayCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ContentIdea {
    pub title: String,
    pub angle: String,
    pub terms: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TrendReport {
    pub analyzed_at: DateTime<Utc>,
    pub window_hours: u32,
    pub baseline_days: u32,
    pub method: String,
    pub terms: Vec<TermTrend>,
    pub emerging: Vec<String>,
    pub declining: Vec<String>,
    /// Sources that could not be read, and why.
    pub gaps: Vec<String>,
    pub summary: String,
    pub ideas: Vec<ContentIdea>,
}

const METHOD: &str = "Last 24 hours against the median of the six days before; emerging at ≥1.5× and ≥3 robust SDs above (spread: the larger of MAD and Poisson noise), declining at ≤0.67× and ≥3 below.";

/// Seven 24-hour windows ending at `now`, oldest first, from hourly counts.
fn daily_windows(hours: &[(DateTime<Utc>, u64)], now: DateTime<Utc>) -> Vec<DayCount> {
    let mut days = [0_u64; 7];
    for (start, count) in hours {
        // By the end of each hour, so the current, unfinished hour counts in the last day.
        let age = (now - (*start + Duration::hours(1))).num_hours().max(0);
        if (0..168).contains(&age) {
            days[6 - (age / 24) as usize] += count;
        }
    }
    days.iter()
        .enumerate()
        .map(|(i, count)| DayCount {
            day: (now - Duration::days(6 - i as i64)).date_naive(),
            count: *count,
        })
        .collect()
}

fn trend_of(term: String, source: &str, series: Vec<DayCount>) -> Option<TermTrend> {
    let counts: Vec<f64> = series.iter().map(|d| d.count as f64).collect();
    let burst = bursts::judge(&counts)?;
    Some(TermTrend {
        term,
        source: source.to_owned(),
        recent: burst.recent,
        baseline_per_day: burst.baseline_per_day,
        ratio: burst.ratio,
        z: burst.z,
        status: burst.status,
        series,
    })
}

async fn own_trends(
    state: &AppState,
    organization_id: OrgId,
    now: DateTime<Utc>,
) -> Result<Vec<TermTrend>, AgentsError> {
    let first = (now - Duration::days(6)).date_naive();
    let client = state.db.client().await?;
    let uses = store::insights::hashtags_per_day(&**client, organization_id, first).await?;
    let mentions =
        store::insights::mentions_per_day(&**client, organization_id, first, now.date_naive())
            .await?;
    let days: Vec<NaiveDate> = (0..7).map(|i| first + Duration::days(i)).collect();
    let mut tags: Vec<String> = uses.iter().map(|u| u.0.clone()).collect();
    tags.dedup();
    let mut trends: Vec<TermTrend> = tags
        .into_iter()
        .filter_map(|tag| {
            let series: Vec<DayCount> = days
                .iter()
                .map(|d| DayCount {
                    day: *d,
                    count: uses
                        .iter()
                        .filter(|u| u.0 == tag && u.1 == *d)
                        .map(|u| u.2 as u64)
                        .sum(),
                })
                .collect();
            if series.iter().map(|d| d.count).sum::<u64>() < 3 {
                return None;
            }
            trend_of(tag, "own_posts", series).filter(|t| t.status != TermStatus::Steady)
        })
        .collect();
    let series: Vec<DayCount> = mentions
        .iter()
        .map(|(d, n)| DayCount {
            day: *d,
            count: *n as u64,
        })
        .collect();
    if series.iter().any(|d| d.count > 0) {
        trends.extend(trend_of(
            "mentions of you".to_owned(),
            "own_mentions",
            series,
        ));
    }
    Ok(trends)
}

#[derive(Deserialize)]
struct SummaryDocument {
    summary: String,
    ideas: Vec<ContentIdea>,
}

/// `trends/analyze`.
pub async fn analyze(
    state: &AppState,
    task: &Task,
    settings: &AgentSettings,
    session: &mut ModelSession,
) -> Result<Value, AgentsError> {
    let request: TrendsRequest = input_of(task)?;
    let organization_id = task.organization_id;
    let keywords = match request.keywords {
        Some(k) => normalized(&k),
        None => {
            let client = state.db.client().await?;
            store::insights::trend_keywords(&**client, organization_id).await?
        }
    };
    let now = Utc::now();
    let mut terms = Vec::new();
    let mut gaps = Vec::new();
    for keyword in &keywords {
        match analytics::listening::recent_counts(state, organization_id, keyword).await {
            Ok(hours) => terms.extend(trend_of(
                keyword.clone(),
                "x_recent_counts",
                daily_windows(&hours, now),
            )),
            Err(analytics::AnalyticsError::Store(e)) => return Err(AgentsError::Store(e)),
            Err(error) => {
                gaps.push(format!("{keyword}: {error}"));
                if matches!(error, analytics::AnalyticsError::NeedsAccount(_)) {
                    break;
                }
            }
        }
    }
    terms.extend(own_trends(state, organization_id, now).await?);
    if terms.is_empty() {
        return Err(AgentsError::Invalid(if keywords.is_empty() {
            "there is nothing to analyze yet: add keywords to track, or post with hashtags"
                .to_owned()
        } else {
            format!("no volumes could be read: {}", gaps.join("; "))
        }));
    }
    terms.sort_by(|a, b| b.z.total_cmp(&a.z));
    let by_status = |status| {
        terms
            .iter()
            .filter(|t| t.status == status)
            .map(|t| t.term.clone())
            .collect::<Vec<_>>()
    };
    let (emerging, declining) = (
        by_status(TermStatus::Emerging),
        by_status(TermStatus::Declining),
    );
    session.note(
        "bursts",
        json!({ "terms": terms.len(), "emerging": emerging.len(), "declining": declining.len() }),
    );
    let language = settings.language.as_deref().unwrap_or("en");
    let schema = OutputSchema {
        name: "trend_summary".into(),
        description: "What the volumes say, and content ideas that ride them.".into(),
        schema: json!({
            "type": "object",
            "properties": {
                "summary": { "type": "string", "description": "Two or three sentences citing the ratios, at most 500 characters." },
                "ideas": { "type": "array", "minItems": 1, "maxItems": 5, "items": {
                    "type": "object",
                    "properties": {
                        "title": { "type": "string", "description": "A post idea, at most 100 characters." },
                        "angle": { "type": "string", "description": "Why it fits now, at most 200 characters." },
                        "terms": { "type": "array", "maxItems": 3, "items": { "type": "string" } }
                    },
                    "required": ["title", "angle", "terms"]
                } }
            },
            "required": ["summary", "ideas"]
        }),
    };
    let figures: Vec<Value> = terms
        .iter()
        .map(|t| json!({ "term": t.term, "source": t.source, "last_24h": t.recent, "baseline_per_day": t.baseline_per_day, "ratio": t.ratio, "status": t.status }))
        .collect();
    let mut conversation = Conversation::new(
        &format!(
            "You are a social media strategist. Explain volume changes using only the figures given, and write in {language}."
        ),
        format!(
            "Summarise which terms are emerging or declining and propose post ideas that use the emerging ones.\n{}",
            data_block(&json!({ "terms": figures }))
        ),
    );
    let document: SummaryDocument = session
        .structured(
            "summarise",
            &mut conversation,
            &schema,
            1500,
            |d: &SummaryDocument| not_blank(&d.summary, "summary"),
        )
        .await?;
    let report = TrendReport {
        analyzed_at: now,
        window_hours: 24,
        baseline_days: 6,
        method: METHOD.to_owned(),
        terms,
        emerging,
        declining,
        gaps,
        summary: document.summary,
        ideas: document.ideas,
    };
    let report = serde_json::to_value(report).expect("report serializes");
    let client = state.db.client().await?;
    store::insights::save_trend_report(&**client, organization_id, task.id, &report).await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn hourly_counts_fold_into_seven_windows_ending_now() {
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 12, 30, 0).unwrap();
        let hours: Vec<(DateTime<Utc>, u64)> = (0..168)
            .map(|h| (now - Duration::hours(h + 1), if h < 24 { 10 } else { 1 }))
            .collect();
        let days = daily_windows(&hours, now);
        assert_eq!(days.len(), 7);
        assert_eq!(days[6].count, 240);
        assert!(days[..6].iter().all(|d| d.count == 24));
    }
}
