//! The statistics behind the insight agents, free of I/O so each method is tested on its own
//! and benchmarked on synthetic history: the agents (`agents` crate) read the organization's
//! data, call these, and let a language model explain the result, never produce it.
//!
//! - [`slots`]: expected engagement per account and hour of the week, shrunk toward the
//!   platform's (then the organization's) pattern when history is thin, and slot assignment.
//! - [`predict`]: the per-organization engagement model (ridge regression on the log scale),
//!   held-out error against two baselines, and an interval from held-out residuals.
//! - [`robust`]: medians, MADs and robust z-scores for outliers against a seasonal baseline.
//! - [`bursts`]: emerging and declining terms from daily volumes.
//! - [`sentiment`]: a lexicon scorer for every mention, flagging the ambiguous ones.
//! - [`crisis`]: watch, warning and crisis levels from negative volume and ratio.

pub mod bursts;
pub mod crisis;
pub mod outliers;
pub mod predict;
pub mod robust;
pub mod sentiment;
pub mod slots;

use chrono::{DateTime, Utc};
use domain::{ContentType, Platform};
use uuid::Uuid;

/// One published post with the numbers it settled at: what every model here learns from.
#[derive(Debug, Clone, PartialEq)]
pub struct PostSample {
    pub account_id: Uuid,
    pub platform: Platform,
    pub published_at: DateTime<Utc>,
    pub content_type: ContentType,
    pub text_chars: u32,
    pub hashtags: u32,
    pub media_count: u32,
    /// The account's followers when it was published, when known.
    pub followers: Option<f64>,
    pub engagements: f64,
}

impl PostSample {
    /// Engagement on the log scale: effects multiply (an evening slot ×1.8, a video ×2), so
    /// they add here, and one viral post does not dominate a mean.
    pub fn log_engagements(&self) -> f64 {
        self.engagements.max(0.0).ln_1p()
    }
}

/// Which hashtag band a post is in: none, a few (1–3), several (4–5), many (6+).
pub fn hashtag_band(count: u32) -> usize {
    match count {
        0 => 0,
        1..=3 => 1,
        4 | 5 => 2,
        _ => 3,
    }
}

pub const HASHTAG_BANDS: [&str; 4] = ["none", "1-3", "4-5", "6+"];

pub fn content_type_index(content_type: ContentType) -> usize {
    match content_type {
        ContentType::Text => 0,
        ContentType::Image => 1,
        ContentType::Video => 2,
        ContentType::Carousel => 3,
    }
}
