//! Posts and accounts doing unusually well or badly against a seasonal baseline.
//!
//! Each post's expected log engagement comes from the baseline posts (those before the period):
//! its account's level, its content type, hashtag band and hour-of-week slot
//! ([`crate::slots`]'s additive model). The residual is divided by the robust spread (MAD) of
//! the baseline posts' own residuals: |z| ≥ 3 is unusual. An account's period is judged by the
//! mean residual of its posts, against spread / √n: |z| ≥ 2 is a shift.

use std::collections::HashMap;

use uuid::Uuid;

use crate::PostSample;
use crate::robust::mad;
use crate::slots::{Adjustment, SlotModel, slot_of};

pub const POST_Z: f64 = 3.0;
pub const ACCOUNT_Z: f64 = 2.0;
/// Baseline posts an account needs before its posts are judged.
pub const MIN_BASELINE: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Above,
    Below,
    Steady,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judgement {
    /// Index in the period's posts.
    pub index: usize,
    pub expected: f64,
    pub ratio: f64,
    pub z: f64,
    pub direction: Direction,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccountJudgement {
    pub account_id: Uuid,
    pub posts: usize,
    pub engagements: f64,
    pub expected: f64,
    pub ratio: f64,
    pub z: f64,
    pub direction: Direction,
}

fn direction(z: f64, limit: f64) -> Direction {
    if z >= limit {
        Direction::Above
    } else if z <= -limit {
        Direction::Below
    } else {
        Direction::Steady
    }
}

/// Judges every post of `period` (and each account's period) against `baseline`.
pub fn judge(
    baseline: &[PostSample],
    period: &[PostSample],
) -> (Vec<Judgement>, Vec<AccountJudgement>) {
    let adjustment = Adjustment::fit(baseline);
    let mut accounts: Vec<(Uuid, domain::Platform)> =
        period.iter().map(|s| (s.account_id, s.platform)).collect();
    accounts.sort();
    accounts.dedup();
    let slots = SlotModel::fit(&accounts, baseline, chrono_tz::UTC);
    let expected_log = |s: &PostSample| {
        adjustment
            .account_levels
            .get(&s.account_id)
            .copied()
            .unwrap_or(0.0)
            + adjustment.content_type_effects[crate::content_type_index(s.content_type)]
            + adjustment.hashtag_effects[crate::hashtag_band(s.hashtags)]
            + slots.account(s.account_id).map_or(0.0, |a| {
                a.slots[slot_of(s.published_at, chrono_tz::UTC)].effect
            })
    };
    let mut spreads: HashMap<Uuid, f64> = HashMap::new();
    for (account, _) in &accounts {
        let residuals: Vec<f64> = baseline
            .iter()
            .filter(|s| s.account_id == *account)
            .map(|s| s.log_engagements() - expected_log(s))
            .collect();
        if residuals.len() >= MIN_BASELINE
            && let Some(spread) = mad(&residuals)
        {
            spreads.insert(*account, spread.max(0.05));
        }
    }
    let mut posts = Vec::new();
    let mut sums: HashMap<Uuid, (usize, f64, f64, f64)> = HashMap::new();
    for (index, s) in period.iter().enumerate() {
        let Some(spread) = spreads.get(&s.account_id) else {
            continue;
        };
        let expected = expected_log(s);
        let residual = s.log_engagements() - expected;
        let z = residual / spread;
        let expected_count = expected.exp_m1().max(0.0);
        posts.push(Judgement {
            index,
            expected: (expected_count * 10.0).round() / 10.0,
            ratio: ((s.engagements + 1.0) / (expected_count + 1.0) * 100.0).round() / 100.0,
            z: (z * 10.0).round() / 10.0,
            direction: direction(z, POST_Z),
        });
        let entry = sums.entry(s.account_id).or_default();
        entry.0 += 1;
        entry.1 += s.engagements;
        entry.2 += expected_count;
        entry.3 += residual;
    }
    let mut judged: Vec<AccountJudgement> = sums
        .into_iter()
        .map(|(account_id, (n, engagements, expected, residuals))| {
            let z = residuals / n as f64 / (spreads[&account_id] / (n as f64).sqrt());
            AccountJudgement {
                account_id,
                posts: n,
                engagements,
                expected: (expected * 10.0).round() / 10.0,
                ratio: ((engagements + 1.0) / (expected + 1.0) * 100.0).round() / 100.0,
                z: (z * 10.0).round() / 10.0,
                direction: direction(z, ACCOUNT_Z),
            }
        })
        .collect();
    judged.sort_by_key(|a| a.account_id);
    (posts, judged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};
    use domain::{ContentType, Platform};

    fn post(day: i64, engagements: f64) -> PostSample {
        PostSample {
            account_id: Uuid::from_u128(1),
            platform: Platform::X,
            published_at: Utc.with_ymd_and_hms(2026, 9, 1, 10, 0, 0).unwrap()
                + Duration::hours(day * 25),
            content_type: ContentType::Text,
            text_chars: 100,
            hashtags: 0,
            media_count: 0,
            followers: None,
            engagements,
        }
    }

    #[test]
    fn a_viral_post_and_a_flop_stand_out_and_ordinary_posts_do_not() {
        let baseline: Vec<PostSample> = (0..60)
            .map(|d| post(d, 50.0 + (d % 7) as f64 * 3.0))
            .collect();
        let period = vec![post(61, 55.0), post(62, 900.0), post(63, 4.0)];
        let (posts, accounts) = judge(&baseline, &period);
        let directions: Vec<Direction> = posts.iter().map(|p| p.direction).collect();
        assert_eq!(
            directions,
            [Direction::Steady, Direction::Above, Direction::Below]
        );
        assert!(posts[1].ratio > 10.0, "{:?}", posts[1]);
        assert_eq!(accounts.len(), 1);
        assert_eq!(accounts[0].posts, 3);
    }

    #[test]
    fn without_enough_baseline_nothing_is_judged() {
        let baseline: Vec<PostSample> = (0..5).map(|d| post(d, 50.0)).collect();
        let (posts, accounts) = judge(&baseline, &[post(10, 500.0)]);
        assert!(posts.is_empty() && accounts.is_empty());
    }
}
