//! The engagement predictor: one model per organization, trained on its own posts, that
//! predicts a draft's engagements with an interval, and is used only where it beats the two
//! baselines a person would use (the account's mean, the same slot's mean) on held-out posts.
//!
//! The model is ridge regression (smartcore) on log engagements. Effects in this domain
//! multiply (an evening slot, a video, a bigger audience), so they are linear on the log scale;
//! ridge keeps a few hundred posts from overfitting 20 correlated features; and it trains in
//! milliseconds inside a Lambda with no BLAS. smartcore rather than linfa: one pure-Rust crate
//! with no ndarray/BLAS stack to build on our two cores, and ridge, trees and cross-validation
//! in the same place should we need more.
//!
//! Features: the slot's effect (target-encoded by the slot model fitted on the training posts
//! only), content type, hashtag band, log length, media count, log followers at the time, the
//! account's recent level (mean log engagements of its previous ten posts) and the account.
//! Evaluation: the latest 20 % of posts are held out; error is the median absolute percentage
//! error. The interval is split-conformal: the 10th and 90th percentiles of the chosen
//! method's held-out residuals around its prediction (80 % coverage).

use std::collections::HashMap;

use chrono::{DateTime, Duration, DurationRound, Utc};
use domain::ContentType;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::ridge_regression::{
    RidgeRegression, RidgeRegressionParameters, RidgeRegressionSolverName,
};
use uuid::Uuid;

use crate::slots::{SlotModel, slot_of};
use crate::{PostSample, content_type_index, hashtag_band, robust};

/// Below this many mature posts the organization gets "not enough history", not a guess.
pub const MINIMUM_POSTS: usize = 30;
/// The share of the latest posts held out for evaluation.
pub const HOLDOUT_SHARE: f64 = 0.2;
/// The interval's intended coverage.
pub const COVERAGE: f64 = 0.8;
/// Posts of the account that make its recent level.
const RECENT_POSTS: usize = 10;
const RIDGE_ALPHA: f64 = 1.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    RidgeRegression,
    AccountMean,
    SlotMean,
}

/// Held-out median absolute percentage errors (0.12 = 12 %).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct Errors {
    pub model: f64,
    pub account_mean: f64,
    pub slot_mean: f64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct Evaluation {
    /// The method predictions come from: the model only where it beat both baselines.
    pub kind: ModelKind,
    pub trained_on: usize,
    pub held_out: usize,
    pub error: Errors,
    pub beats_baselines: bool,
}

#[derive(
    Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Prediction {
    pub engagements: f64,
    pub low: f64,
    pub high: f64,
    pub coverage: f64,
}

pub enum Training {
    NotEnoughHistory { available: usize },
    Trained(Box<Predictor>),
}

/// The baselines: each account's mean log engagements, and each (account, slot)'s.
struct Baselines {
    account: HashMap<Uuid, f64>,
    slot: HashMap<(Uuid, usize), f64>,
    overall: f64,
}

impl Baselines {
    fn fit(samples: &[PostSample]) -> Baselines {
        let mut account: HashMap<Uuid, (f64, f64)> = HashMap::new();
        let mut slot: HashMap<(Uuid, usize), (f64, f64)> = HashMap::new();
        for s in samples {
            let y = s.log_engagements();
            let a = account.entry(s.account_id).or_default();
            a.0 += y;
            a.1 += 1.0;
            let k = slot
                .entry((s.account_id, slot_of(s.published_at, chrono_tz::UTC)))
                .or_default();
            k.0 += y;
            k.1 += 1.0;
        }
        let overall = samples.iter().map(PostSample::log_engagements).sum::<f64>()
            / samples.len().max(1) as f64;
        Baselines {
            account: account.into_iter().map(|(k, (s, n))| (k, s / n)).collect(),
            slot: slot.into_iter().map(|(k, (s, n))| (k, s / n)).collect(),
            overall,
        }
    }

    fn account_mean(&self, s: &PostSample) -> f64 {
        self.account
            .get(&s.account_id)
            .copied()
            .unwrap_or(self.overall)
    }

    fn slot_mean(&self, s: &PostSample) -> f64 {
        self.slot
            .get(&(s.account_id, slot_of(s.published_at, chrono_tz::UTC)))
            .copied()
            .unwrap_or_else(|| self.account_mean(s))
    }
}

/// How a sample becomes a feature row.
struct Features {
    accounts: Vec<Uuid>,
    slots: SlotModel,
    /// The account's recent level for drafts: its last ten posts' mean log engagements.
    latest_level: HashMap<Uuid, f64>,
    latest_followers: HashMap<Uuid, f64>,
    /// Columns kept (constant ones are dropped before fitting).
    kept: Vec<usize>,
}

impl Features {
    fn fit(samples: &[PostSample]) -> Features {
        let mut accounts: Vec<Uuid> = samples.iter().map(|s| s.account_id).collect();
        accounts.sort();
        accounts.dedup();
        let pairs: Vec<_> = accounts
            .iter()
            .filter_map(|id| {
                samples
                    .iter()
                    .find(|s| s.account_id == *id)
                    .map(|s| (*id, s.platform))
            })
            .collect();
        let slots = SlotModel::fit(&pairs, samples, chrono_tz::UTC);
        let mut latest_level = HashMap::new();
        let mut latest_followers = HashMap::new();
        for id in &accounts {
            let own: Vec<&PostSample> = samples.iter().filter(|s| s.account_id == *id).collect();
            let recent = &own[own.len().saturating_sub(RECENT_POSTS)..];
            latest_level.insert(*id, mean(recent.iter().map(|s| s.log_engagements())));
            if let Some(f) = own.iter().rev().find_map(|s| s.followers) {
                latest_followers.insert(*id, f);
            }
        }
        Features {
            accounts,
            slots,
            latest_level,
            latest_followers,
            kept: Vec::new(),
        }
    }

    fn row(&self, s: &PostSample, recent_level: f64) -> Vec<f64> {
        let slot_effect = self.slots.account(s.account_id).map_or(0.0, |a| {
            a.slots[slot_of(s.published_at, chrono_tz::UTC)].effect
        });
        let ct = content_type_index(s.content_type);
        let band = hashtag_band(s.hashtags);
        let followers = s
            .followers
            .or_else(|| self.latest_followers.get(&s.account_id).copied())
            .unwrap_or(0.0);
        let mut row = vec![
            slot_effect,
            f64::from(u8::from(ct == 1)),
            f64::from(u8::from(ct == 2)),
            f64::from(u8::from(ct == 3)),
            f64::from(u8::from(band == 1)),
            f64::from(u8::from(band == 2)),
            f64::from(u8::from(band == 3)),
            f64::from(s.text_chars).ln_1p(),
            f64::from(s.media_count.min(10)),
            followers.ln_1p(),
            recent_level,
        ];
        row.extend(
            self.accounts
                .iter()
                .skip(1)
                .map(|a| f64::from(u8::from(*a == s.account_id))),
        );
        row
    }

    fn kept_row(&self, row: &[f64]) -> Vec<f64> {
        self.kept.iter().map(|i| row[*i]).collect()
    }
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0.0), |(s, n), v| (s + v, n + 1.0));
    if n > 0.0 { sum / n } else { 0.0 }
}

/// Each sample's recent level: the mean log engagements of its account's previous ten posts
/// (samples are in time order); the first post of an account uses the account's own value.
fn recent_levels(samples: &[PostSample]) -> Vec<f64> {
    let mut history: HashMap<Uuid, Vec<f64>> = HashMap::new();
    samples
        .iter()
        .map(|s| {
            let past = history.entry(s.account_id).or_default();
            let level = if past.is_empty() {
                s.log_engagements()
            } else {
                mean(
                    past[past.len().saturating_sub(RECENT_POSTS)..]
                        .iter()
                        .copied(),
                )
            };
            past.push(s.log_engagements());
            level
        })
        .collect()
}

type Ridge = RidgeRegression<f64, f64, DenseMatrix<f64>, Vec<f64>>;

/// Fits ridge regression on `samples`, or none when the data cannot support it.
fn fit_ridge(samples: &[PostSample]) -> Option<(Features, Ridge)> {
    let mut features = Features::fit(samples);
    let levels = recent_levels(samples);
    let rows: Vec<Vec<f64>> = samples
        .iter()
        .zip(&levels)
        .map(|(s, l)| features.row(s, *l))
        .collect();
    let width = rows.first()?.len();
    features.kept = (0..width)
        .filter(|c| {
            let first = rows[0][*c];
            rows.iter().any(|r| (r[*c] - first).abs() > 1e-12)
        })
        .collect();
    if features.kept.is_empty() || rows.len() <= features.kept.len() + 1 {
        return None;
    }
    let x: Vec<Vec<f64>> = rows.iter().map(|r| features.kept_row(r)).collect();
    let x = DenseMatrix::from_2d_vec(&x).ok()?;
    let y: Vec<f64> = samples.iter().map(PostSample::log_engagements).collect();
    let parameters = RidgeRegressionParameters::default()
        .with_alpha(RIDGE_ALPHA)
        .with_solver(RidgeRegressionSolverName::Cholesky)
        .with_normalize(true);
    let ridge = RidgeRegression::fit(&x, &y, parameters).ok()?;
    Some((features, ridge))
}

fn ridge_predict(features: &Features, ridge: &Ridge, rows: &[Vec<f64>]) -> Option<Vec<f64>> {
    let x: Vec<Vec<f64>> = rows.iter().map(|r| features.kept_row(r)).collect();
    let x = DenseMatrix::from_2d_vec(&x).ok()?;
    ridge.predict(&x).ok()
}

fn percentage_errors(predicted_logs: &[f64], actual: &[PostSample]) -> f64 {
    let errors: Vec<f64> = predicted_logs
        .iter()
        .zip(actual)
        .map(|(p, s)| (p.exp_m1().max(0.0) - s.engagements).abs() / s.engagements.max(1.0))
        .collect();
    robust::median(&errors).unwrap_or(f64::INFINITY)
}

/// A trained predictor: the chosen method refitted on every post, and its interval.
pub struct Predictor {
    pub evaluation: Evaluation,
    baselines: Baselines,
    ridge: Option<(Features, Ridge)>,
    /// The held-out residuals' 10th and 90th percentiles, on the log scale.
    residual_band: (f64, f64),
}

/// Trains on `samples` (mature posts, in publication order).
pub fn train(samples: &[PostSample]) -> Training {
    if samples.len() < MINIMUM_POSTS {
        return Training::NotEnoughHistory {
            available: samples.len(),
        };
    }
    let held_out = ((samples.len() as f64 * HOLDOUT_SHARE).round() as usize).max(6);
    let (training, holdout) = samples.split_at(samples.len() - held_out);
    let baselines = Baselines::fit(training);
    let actual_logs: Vec<f64> = holdout.iter().map(PostSample::log_engagements).collect();
    let account_logs: Vec<f64> = holdout.iter().map(|s| baselines.account_mean(s)).collect();
    let slot_logs: Vec<f64> = holdout.iter().map(|s| baselines.slot_mean(s)).collect();
    let ridge_logs = fit_ridge(training).and_then(|(features, ridge)| {
        let levels = recent_levels(samples);
        let rows: Vec<Vec<f64>> = holdout
            .iter()
            .zip(&levels[training.len()..])
            .map(|(s, l)| features.row(s, *l))
            .collect();
        ridge_predict(&features, &ridge, &rows)
    });
    let error = Errors {
        model: ridge_logs
            .as_ref()
            .map_or(f64::INFINITY, |p| percentage_errors(p, holdout)),
        account_mean: percentage_errors(&account_logs, holdout),
        slot_mean: percentage_errors(&slot_logs, holdout),
    };
    let beats_baselines = error.model < error.account_mean && error.model < error.slot_mean;
    let (kind, chosen_logs) = if beats_baselines {
        (ModelKind::RidgeRegression, ridge_logs.unwrap_or_default())
    } else if error.slot_mean < error.account_mean {
        (ModelKind::SlotMean, slot_logs)
    } else {
        (ModelKind::AccountMean, account_logs)
    };
    let residuals: Vec<f64> = actual_logs
        .iter()
        .zip(&chosen_logs)
        .map(|(a, p)| a - p)
        .collect();
    let tail = (1.0 - COVERAGE) / 2.0;
    let residual_band = (
        robust::quantile(&residuals, tail).unwrap_or(0.0),
        robust::quantile(&residuals, 1.0 - tail).unwrap_or(0.0),
    );
    let round = |e: f64| {
        if e.is_finite() {
            (e * 1000.0).round() / 1000.0
        } else {
            e
        }
    };
    Training::Trained(Box::new(Predictor {
        evaluation: Evaluation {
            kind,
            trained_on: training.len(),
            held_out,
            error: Errors {
                model: round(error.model),
                account_mean: round(error.account_mean),
                slot_mean: round(error.slot_mean),
            },
            beats_baselines,
        },
        baselines: Baselines::fit(samples),
        ridge: if beats_baselines {
            fit_ridge(samples)
        } else {
            None
        },
        residual_band,
    }))
}

impl Predictor {
    /// The predicted engagements of a draft (its `engagements` is ignored).
    pub fn predict(&self, draft: &PostSample) -> Prediction {
        let log = self.predict_log(draft);
        let (low, high) = self.residual_band;
        let round = |v: f64| (v.exp_m1().max(0.0) * 10.0).round() / 10.0;
        Prediction {
            engagements: round(log),
            low: round(log + low),
            high: round(log + high),
            coverage: COVERAGE,
        }
    }

    fn predict_log(&self, draft: &PostSample) -> f64 {
        match (&self.evaluation.kind, &self.ridge) {
            (ModelKind::RidgeRegression, Some((features, ridge))) => {
                let level = features
                    .latest_level
                    .get(&draft.account_id)
                    .copied()
                    .unwrap_or_else(|| self.baselines.account_mean(draft));
                ridge_predict(features, ridge, &[features.row(draft, level)])
                    .and_then(|p| p.first().copied())
                    .unwrap_or_else(|| self.baselines.account_mean(draft))
            }
            (ModelKind::SlotMean, _) => self.baselines.slot_mean(draft),
            _ => self.baselines.account_mean(draft),
        }
    }

    /// What to change in a draft to raise its prediction, each change with its predicted
    /// engagements, best first; only changes worth at least 2 %. Hours are tried over the next
    /// week from `now`.
    pub fn suggestions(&self, draft: &PostSample, now: DateTime<Utc>) -> Vec<Suggestion> {
        if self.evaluation.kind == ModelKind::AccountMean {
            return Vec::new();
        }
        let base = self.predict(draft).engagements.max(0.1);
        let mut variants: Vec<(Change, PostSample)> = Vec::new();
        // Whole hours from the next one on (the slot is what the model sees).
        let start = (now + Duration::hours(1))
            .duration_trunc(Duration::hours(1))
            .unwrap_or(now);
        if let Some((at, _)) = (0..168)
            .map(|h| start + Duration::hours(h))
            .map(|at| {
                (
                    at,
                    self.predict_log(&PostSample {
                        published_at: at,
                        ..draft.clone()
                    }),
                )
            })
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        {
            variants.push((
                Change::PublishAt(at),
                PostSample {
                    published_at: at,
                    ..draft.clone()
                },
            ));
        }
        if self.evaluation.kind == ModelKind::RidgeRegression {
            for (content_type, media) in [
                (ContentType::Image, 1),
                (ContentType::Video, 1),
                (ContentType::Carousel, 3),
            ] {
                if content_type != draft.content_type {
                    variants.push((
                        Change::ContentType {
                            content_type,
                            media_count: media,
                        },
                        PostSample {
                            content_type,
                            media_count: media,
                            ..draft.clone()
                        },
                    ));
                }
            }
            if hashtag_band(draft.hashtags) != 1 {
                variants.push((
                    Change::Hashtags(2),
                    PostSample {
                        hashtags: 2,
                        ..draft.clone()
                    },
                ));
            }
            for factor in [0.6, 1.5] {
                let chars = (f64::from(draft.text_chars) * factor).round() as u32;
                if chars >= 20 && chars != draft.text_chars {
                    variants.push((
                        Change::Length(chars),
                        PostSample {
                            text_chars: chars,
                            ..draft.clone()
                        },
                    ));
                }
            }
        }
        let mut suggestions: Vec<Suggestion> = variants
            .into_iter()
            .map(|(change, variant)| {
                let predicted = self.predict(&variant).engagements;
                Suggestion {
                    change,
                    predicted_engagements: predicted,
                    effect_pct: ((predicted / base - 1.0) * 1000.0).round() / 10.0,
                }
            })
            .filter(|s| s.effect_pct >= 2.0)
            .collect();
        suggestions.sort_by(|a, b| b.effect_pct.total_cmp(&a.effect_pct));
        suggestions
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    PublishAt(DateTime<Utc>),
    ContentType {
        content_type: ContentType,
        media_count: u32,
    },
    Hashtags(u32),
    Length(u32),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub change: Change,
    pub predicted_engagements: f64,
    pub effect_pct: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use domain::Platform;

    /// A synthetic organization whose engagement follows known multiplicative effects, with
    /// deterministic ±15 % noise.
    fn planted(posts: usize) -> Vec<PostSample> {
        let start = Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap();
        let accounts = [Uuid::from_u128(1), Uuid::from_u128(2)];
        (0..posts)
            .map(|i| {
                let h = (i as u64).wrapping_mul(2_654_435_761) % 1_000_003;
                let at = start + Duration::minutes((i as i64) * 367 + (h % 240) as i64);
                let content_type = [
                    ContentType::Text,
                    ContentType::Image,
                    ContentType::Video,
                    ContentType::Carousel,
                ][(h % 4) as usize];
                let hashtags = (h / 7 % 8) as u32;
                let slot = slot_of(at, chrono_tz::UTC);
                let (day, hour) = (slot / 24, slot % 24);
                let slot_factor = if (day == 1 || day == 3) && (17..20).contains(&hour) {
                    1.8
                } else if day >= 5 {
                    0.6
                } else {
                    1.0
                };
                let type_factor = [1.0, 1.3, 2.0, 1.5][content_type_index(content_type)];
                let tag_factor = match hashtags {
                    1..=3 => 1.2,
                    0 | 4 | 5 => 1.0,
                    _ => 0.7,
                };
                let noise = 0.85 + 0.3 * ((h % 1000) as f64 / 1000.0);
                let account = accounts[i % 2];
                let base = if i % 2 == 0 { 40.0 } else { 120.0 };
                PostSample {
                    account_id: account,
                    platform: Platform::X,
                    published_at: at,
                    content_type,
                    text_chars: 80 + (h % 120) as u32,
                    hashtags,
                    media_count: u32::from(content_type != ContentType::Text),
                    followers: Some(if i % 2 == 0 { 2_000.0 } else { 9_000.0 }),
                    engagements: (base * slot_factor * type_factor * tag_factor * noise).round(),
                }
            })
            .collect()
    }

    #[test]
    fn below_the_minimum_it_refuses_to_guess() {
        match train(&planted(MINIMUM_POSTS - 1)) {
            Training::NotEnoughHistory { available } => assert_eq!(available, MINIMUM_POSTS - 1),
            Training::Trained(_) => panic!("trained on too little history"),
        }
    }

    #[test]
    fn given_planted_effects_the_model_beats_both_baselines_and_its_interval_covers() {
        let samples = planted(600);
        let Training::Trained(predictor) = train(&samples) else {
            panic!("not trained")
        };
        let e = &predictor.evaluation;
        assert_eq!(e.kind, ModelKind::RidgeRegression, "{e:?}");
        assert!(e.beats_baselines && e.error.model < 0.2, "{e:?}");
        assert!(e.error.model < e.error.account_mean * 0.6, "{e:?}");
        let draft = samples[10].clone();
        let p = predictor.predict(&draft);
        assert!(p.low <= p.engagements && p.engagements <= p.high, "{p:?}");
        assert_eq!(p.coverage, 0.8);
    }

    #[test]
    fn the_optimizer_suggests_video_and_an_evening_slot_for_a_plain_text_post() {
        let samples = planted(600);
        let Training::Trained(predictor) = train(&samples) else {
            panic!("not trained")
        };
        let mut draft = samples[0].clone();
        draft.content_type = ContentType::Text;
        draft.media_count = 0;
        draft.hashtags = 0;
        // A Saturday.
        draft.published_at = Utc.with_ymd_and_hms(2026, 11, 7, 12, 0, 0).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 6, 12, 0, 0).unwrap();
        let suggestions = predictor.suggestions(&draft, now);
        let video = suggestions.iter().find(|s| {
            matches!(
                s.change,
                Change::ContentType {
                    content_type: ContentType::Video,
                    ..
                }
            )
        });
        assert!(
            video.is_some_and(|s| s.effect_pct > 40.0),
            "{suggestions:?}"
        );
        let slot = suggestions.iter().find_map(|s| match s.change {
            Change::PublishAt(at) => Some(at),
            _ => None,
        });
        let slot = slot_of(slot.expect("a better time"), chrono_tz::UTC);
        assert!(
            [1, 3].contains(&(slot / 24)) && (17..20).contains(&(slot % 24)),
            "slot {slot}"
        );
    }
}
