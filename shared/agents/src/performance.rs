//! The performance tracker: the period's posts and accounts doing unusually well or badly
//! against their seasonal baseline (`insights::outliers`), every day on its own, with a
//! notification to the team when something stands out and a digest on Mondays.

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use domain::{NotificationKind, Platform};
use insights::outliers::{self, Direction};
use runtime::AppState;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::agents::tasks::Task;
use uuid::Uuid;

use crate::worker::input_of;
use crate::{AgentsError, ModelSession, history};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerformanceRequest {
    /// The period reviewed, in days up to two days ago (7–90, default 14).
    #[schemars(range(min = 7, max = 90))]
    pub days: Option<u32>,
}

impl crate::catalog::TaskInput for PerformanceRequest {
    const KIND: crate::TaskKind = crate::TaskKind::PerformanceReview;

    fn problems(&self) -> Vec<(&'static str, String)> {
        match self.days {
            Some(d) if !(7..=90).contains(&d) => vec![("days", "must be 7 to 90".to_owned())],
            _ => Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PostOutlier {
    pub post_id: Uuid,
    pub account_id: Uuid,
    pub platform: Platform,
    pub published_at: DateTime<Utc>,
    pub excerpt: String,
    pub engagements: f64,
    pub expected: f64,
    pub ratio: f64,
    pub z: f64,
    pub direction: Direction,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AccountPerformance {
    pub account_id: Uuid,
    pub platform: Platform,
    pub username: Option<String>,
    pub posts: usize,
    pub engagements: f64,
    pub expected: f64,
    pub ratio: f64,
    pub z: f64,
    pub direction: Direction,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PerformanceReview {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub method: String,
    pub posts_reviewed: usize,
    pub baseline_posts: usize,
    /// Only the unusual posts, most unusual first.
    pub posts: Vec<PostOutlier>,
    pub accounts: Vec<AccountPerformance>,
}

const METHOD: &str = "Each post against its account's level, content type, hashtag band and hour-of-week effect fitted on the 16 weeks before the period; z = residual / MAD of the baseline's residuals (unusual at |z| ≥ 3; an account's period shifts at |z| ≥ 2 on its mean residual).";

/// `performance/review` (on demand, and daily for each organization).
pub async fn review(
    state: &AppState,
    task: &Task,
    session: &mut ModelSession,
) -> Result<Value, AgentsError> {
    let request: PerformanceRequest = input_of(task)?;
    let days = i64::from(request.days.unwrap_or(14));
    let to = Utc::now() - history::SETTLED_AFTER;
    let from = to - Duration::days(days);
    let rows =
        history::settled_samples(state, task.organization_id, from - Duration::weeks(16)).await?;
    let (before, during): (Vec<_>, Vec<_>) =
        rows.into_iter().partition(|(r, _)| r.published_at < from);
    let baseline: Vec<_> = before.iter().map(|(_, s)| s.clone()).collect();
    let period: Vec<_> = during.iter().map(|(_, s)| s.clone()).collect();
    let (judged_posts, judged_accounts) = outliers::judge(&baseline, &period);
    session.note(
        "baseline",
        serde_json::json!({ "baseline_posts": baseline.len(), "period_posts": period.len() }),
    );
    let owned = {
        let client = state.db.client().await?;
        store::social_accounts::list(&**client, task.organization_id).await?
    };
    let mut posts: Vec<PostOutlier> = judged_posts
        .iter()
        .filter(|j| j.direction != Direction::Steady)
        .map(|j| {
            let (row, sample) = &during[j.index];
            PostOutlier {
                post_id: row.post_id,
                account_id: row.account_id,
                platform: row.platform,
                published_at: row.published_at,
                excerpt: row.text.chars().take(120).collect(),
                engagements: sample.engagements,
                expected: j.expected,
                ratio: j.ratio,
                z: j.z,
                direction: j.direction,
            }
        })
        .collect();
    posts.sort_by(|a, b| b.z.abs().total_cmp(&a.z.abs()));
    let accounts: Vec<AccountPerformance> = judged_accounts
        .iter()
        .map(|a| {
            let account = owned.iter().find(|o| o.id == a.account_id);
            AccountPerformance {
                account_id: a.account_id,
                platform: account.map_or(Platform::X, |o| o.platform),
                username: account.and_then(|o| o.account_handle.clone().or(o.account_name.clone())),
                posts: a.posts,
                engagements: a.engagements,
                expected: a.expected,
                ratio: a.ratio,
                z: a.z,
                direction: a.direction,
            }
        })
        .collect();
    let review = PerformanceReview {
        from,
        to,
        method: METHOD.to_owned(),
        posts_reviewed: period.len(),
        baseline_posts: baseline.len(),
        posts,
        accounts,
    };
    // The scheduled run tells the team; someone who asked sees the answer already.
    if task.requested_by.is_none() {
        tell_the_team(state, task, &review).await?;
    }
    Ok(serde_json::to_value(review).expect("review serializes"))
}

async fn tell_the_team(
    state: &AppState,
    task: &Task,
    review: &PerformanceReview,
) -> Result<(), AgentsError> {
    let client = state.db.client().await?;
    let mut drafts = Vec::new();
    if let Some(top) = review.posts.first() {
        let above = review
            .posts
            .iter()
            .filter(|p| p.direction == Direction::Above)
            .count();
        let below = review.posts.len() - above;
        drafts.push((
            format!("{above} posts above and {below} below expectations"),
            format!(
                "Most unusual: \"{}\" on {} with {:.0} engagements, {:.1}× what was expected.",
                top.excerpt, top.platform, top.engagements, top.ratio
            ),
        ));
    }
    if Utc::now().weekday() == Weekday::Mon {
        let engagements: f64 = review.accounts.iter().map(|a| a.engagements).sum();
        let expected: f64 = review.accounts.iter().map(|a| a.expected).sum();
        drafts.push((
            "Your weekly performance digest".to_owned(),
            format!(
                "{} posts reviewed: {:.0} engagements against {:.0} expected; {} accounts above, {} below their usual.",
                review.posts_reviewed,
                engagements,
                expected,
                review.accounts.iter().filter(|a| a.direction == Direction::Above).count(),
                review.accounts.iter().filter(|a| a.direction == Direction::Below).count(),
            ),
        ));
    }
    for (title, body) in drafts {
        notifications::notify(
            state,
            &client,
            task.organization_id,
            notifications::Recipients::Team { except: None },
            notifications::Draft {
                kind: NotificationKind::PerformanceAlert,
                title,
                body,
                link: Some(format!("/ai/tasks/{}", task.id)),
                post_id: None,
                social_account_id: None,
            },
        )
        .await;
    }
    Ok(())
}
