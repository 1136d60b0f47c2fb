//! The engagement predictor and optimizer: a draft's predicted engagements with an 80 %
//! interval from the organization's own model (`insights::predict`), the model's held-out error
//! against the two baselines, and what to change (time, format, hashtags, length) with each
//! change's predicted effect.

use chrono::{DateTime, Duration, Utc};
use domain::ContentType;
use insights::PostSample;
use insights::predict::{self, Change, Evaluation, Prediction, Training};
use runtime::AppState;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use store::agents::tasks::Task;
use unicode_segmentation::UnicodeSegmentation;
use uuid::Uuid;

use crate::worker::input_of;
use crate::{AgentsError, ModelSession, history};

/// How much history the model learns from.
pub const HISTORY: Duration = Duration::days(730);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PredictRequest {
    pub account_id: Uuid,
    #[schemars(length(max = 5000))]
    pub text: String,
    pub content_type: ContentType,
    /// Images or videos attached (default: one for image and video, three for a carousel).
    #[schemars(range(max = 10))]
    pub media_count: Option<u32>,
    /// When it would go out (default: in an hour).
    pub scheduled_at: Option<DateTime<Utc>>,
    /// The time zone suggested times are described in (default UTC).
    pub timezone: Option<String>,
}

impl crate::catalog::TaskInput for PredictRequest {
    const KIND: crate::TaskKind = crate::TaskKind::EngagementPredict;

    fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        if self.text.chars().count() > 5000 {
            problems.push(("text", "must be at most 5000 characters".to_owned()));
        }
        if self.media_count.is_some_and(|m| m > 10) {
            problems.push(("media_count", "must be at most 10".to_owned()));
        }
        if let Some(zone) = &self.timezone
            && let Err(invalid) = domain::TimeZone::parse(zone)
        {
            problems.push(("timezone", invalid.0));
        }
        problems
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SuggestionView {
    /// `scheduled_at`, `content_type`, `hashtags` or `length`.
    pub field: String,
    pub change: String,
    pub value: Value,
    pub predicted_engagements: f64,
    pub effect_pct: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct EngagementPrediction {
    /// `predicted` or `not_enough_history`.
    pub status: String,
    pub minimum_posts: usize,
    pub posts_available: usize,
    pub prediction: Option<Prediction>,
    pub model: Option<Evaluation>,
    pub suggestions: Vec<SuggestionView>,
}

fn default_media(content_type: ContentType) -> u32 {
    match content_type {
        ContentType::Text => 0,
        ContentType::Carousel => 3,
        _ => 1,
    }
}

fn describe(change: &Change, zone: chrono_tz::Tz) -> (String, String, Value) {
    match change {
        Change::PublishAt(at) => (
            "scheduled_at".into(),
            format!(
                "Post {} instead",
                at.with_timezone(&zone).format("%A %H:%M")
            ),
            json!(at),
        ),
        Change::ContentType {
            content_type,
            media_count,
        } => (
            "content_type".into(),
            format!(
                "Make it a{} {content_type} post",
                if *content_type == ContentType::Image {
                    "n"
                } else {
                    ""
                }
            ),
            json!({ "content_type": content_type.as_str(), "media_count": media_count }),
        ),
        Change::Hashtags(n) => (
            "hashtags".into(),
            format!("Use {n} hashtags (1–3 do best)"),
            json!(n),
        ),
        Change::Length(chars) => (
            "length".into(),
            format!("Aim for about {chars} characters"),
            json!(chars),
        ),
    }
}

/// `engagement/predict`.
pub async fn predict(
    state: &AppState,
    task: &Task,
    session: &mut ModelSession,
) -> Result<Value, AgentsError> {
    let request: PredictRequest = input_of(task)?;
    let account = {
        let client = state.db.client().await?;
        store::social_accounts::get(&**client, task.organization_id, request.account_id, false)
            .await?
            .ok_or(AgentsError::NotFound("social account"))?
    };
    let zone = request
        .timezone
        .as_deref()
        .and_then(|z| domain::TimeZone::parse(z).ok())
        .map_or(chrono_tz::UTC, |z| z.0);
    let samples: Vec<PostSample> =
        history::settled_posts(state, task.organization_id, Utc::now() - HISTORY).await?;
    let draft = PostSample {
        account_id: account.id,
        platform: account.platform,
        published_at: request
            .scheduled_at
            .unwrap_or_else(|| Utc::now() + Duration::hours(1)),
        content_type: request.content_type,
        text_chars: request.text.graphemes(true).count() as u32,
        hashtags: history::hashtags_in(&request.text),
        media_count: request
            .media_count
            .unwrap_or_else(|| default_media(request.content_type)),
        followers: account.followers_count.map(|f| f as f64),
        engagements: 0.0,
    };
    let started = std::time::Instant::now();
    let output = match predict::train(&samples) {
        Training::NotEnoughHistory { available } => EngagementPrediction {
            status: "not_enough_history".into(),
            minimum_posts: predict::MINIMUM_POSTS,
            posts_available: available,
            prediction: None,
            model: None,
            suggestions: Vec::new(),
        },
        Training::Trained(predictor) => {
            let suggestions = predictor
                .suggestions(&draft, Utc::now())
                .iter()
                .map(|s| {
                    let (field, change, value) = describe(&s.change, zone);
                    SuggestionView {
                        field,
                        change,
                        value,
                        predicted_engagements: s.predicted_engagements,
                        effect_pct: s.effect_pct,
                    }
                })
                .collect();
            EngagementPrediction {
                status: "predicted".into(),
                minimum_posts: predict::MINIMUM_POSTS,
                posts_available: samples.len(),
                prediction: Some(predictor.predict(&draft)),
                model: Some(predictor.evaluation.clone()),
                suggestions,
            }
        }
    };
    session.note(
        "model",
        json!({ "posts": samples.len(), "train_ms": started.elapsed().as_millis() as u64 }),
    );
    Ok(serde_json::to_value(output).expect("output serializes"))
}
