//! Best posting times: the expected engagement of each hour of the week (168 slots, in the
//! caller's time zone) for each account, and the assignment of posts to the best free slots.
//!
//! The model is additive on the log scale. Each post's log engagement is explained by its
//! account's level, its content type and hashtag band (organization-wide effects, fitted by
//! backfitting), and what is left is the slot's effect. An account's effect for a slot is its
//! own posts' mean residual there, shrunk toward a prior by `SHRINKAGE` pseudo-posts (empirical
//! Bayes): the other accounts of the same platform, themselves shrunk toward all the
//! organization's other accounts, and those toward no effect. A slot with three posts of its
//! own is 3/(3+K) its own evidence; one with none is the prior's.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use domain::Platform;
use uuid::Uuid;

use crate::{PostSample, content_type_index, hashtag_band, robust};

/// Hours in a week.
pub const SLOTS: usize = 168;
/// Pseudo-posts of the prior in each slot's estimate.
pub const SHRINKAGE: f64 = 4.0;
/// How much history counts: 16 weeks, as Sprout's optimal send times use.
pub const HISTORY_WEEKS: i64 = 16;

/// The slot (0 = Monday 00:00 … 167 = Sunday 23:00) of an instant in `zone`.
pub fn slot_of(at: DateTime<Utc>, zone: Tz) -> usize {
    let local = at.with_timezone(&zone);
    local.weekday().num_days_from_monday() as usize * 24 + local.hour() as usize
}

/// Where an account's prior came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PriorSource {
    /// Other accounts of the organization on the same platform.
    Platform,
    /// The organization's accounts on other platforms.
    Organization,
    /// No other history: thin slots stay near the account's average.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlotEstimate {
    /// The slot's effect on log engagement (0 = the account's average).
    pub effect: f64,
    /// The account's own posts in the slot.
    pub posts: u32,
    /// Share of the estimate that is the account's own evidence: posts / (posts + K).
    pub confidence: f64,
}

impl SlotEstimate {
    /// Expected engagement relative to the account's average (1.0 = average).
    pub fn lift(&self) -> f64 {
        self.effect.exp()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AccountSlots {
    pub account_id: Uuid,
    pub platform: Platform,
    pub posts: usize,
    pub weeks_of_history: f64,
    /// The account's median engagements per post: the "average" a lift multiplies.
    pub typical_engagements: f64,
    pub prior: PriorSource,
    pub slots: Vec<SlotEstimate>,
}

impl AccountSlots {
    /// The `n` best slots, best first (more evidence breaks ties).
    pub fn best(&self, n: usize) -> Vec<(usize, SlotEstimate)> {
        let mut ranked: Vec<(usize, SlotEstimate)> =
            self.slots.iter().copied().enumerate().collect();
        ranked.sort_by(|a, b| {
            b.1.effect
                .total_cmp(&a.1.effect)
                .then(b.1.posts.cmp(&a.1.posts))
                .then(a.0.cmp(&b.0))
        });
        ranked.truncate(n);
        ranked
    }

    pub fn expected_engagements(&self, slot: usize) -> f64 {
        self.typical_engagements * self.slots[slot].lift()
    }
}

/// The fitted slots of every account asked about, in one time zone.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotModel {
    pub zone: Tz,
    pub accounts: Vec<AccountSlots>,
    /// The organization-wide effects the slots were adjusted for, on the log scale.
    pub content_type_effects: [f64; 4],
    pub hashtag_effects: [f64; 4],
}

/// Slot sums of residuals: (sum, count) for each of the 168 slots.
#[derive(Clone)]
struct SlotSums(Vec<(f64, f64)>);

impl SlotSums {
    fn new() -> Self {
        SlotSums(vec![(0.0, 0.0); SLOTS])
    }
    fn add(&mut self, slot: usize, value: f64) {
        self.0[slot].0 += value;
        self.0[slot].1 += 1.0;
    }
    fn minus(&self, other: &SlotSums) -> SlotSums {
        SlotSums(
            self.0
                .iter()
                .zip(&other.0)
                .map(|(a, b)| (a.0 - b.0, a.1 - b.1))
                .collect(),
        )
    }
    fn posts(&self) -> f64 {
        self.0.iter().map(|s| s.1).sum()
    }
    /// Each slot's mean shrunk toward `prior`.
    fn shrunk(&self, prior: &[f64]) -> Vec<f64> {
        self.0
            .iter()
            .zip(prior)
            .map(|((sum, n), p)| (sum + SHRINKAGE * p) / (n + SHRINKAGE))
            .collect()
    }
}

/// Account level, content-type and hashtag effects by backfitting: the residual of each
/// sample after them is what the slot explains.
pub struct Adjustment {
    pub account_levels: HashMap<Uuid, f64>,
    pub content_type_effects: [f64; 4],
    pub hashtag_effects: [f64; 4],
}

impl Adjustment {
    pub fn fit(samples: &[PostSample]) -> Adjustment {
        let mut adjustment = Adjustment {
            account_levels: HashMap::new(),
            content_type_effects: [0.0; 4],
            hashtag_effects: [0.0; 4],
        };
        for _ in 0..4 {
            adjustment.account_levels = group_means(
                samples,
                |s| s.account_id,
                |s| {
                    s.log_engagements()
                        - adjustment.content_type_effects[content_type_index(s.content_type)]
                        - adjustment.hashtag_effects[hashtag_band(s.hashtags)]
                },
            );
            adjustment.content_type_effects = centered_effects(
                samples,
                |s| content_type_index(s.content_type),
                |s| {
                    s.log_engagements()
                        - adjustment.account_levels[&s.account_id]
                        - adjustment.hashtag_effects[hashtag_band(s.hashtags)]
                },
            );
            adjustment.hashtag_effects = centered_effects(
                samples,
                |s| hashtag_band(s.hashtags),
                |s| {
                    s.log_engagements()
                        - adjustment.account_levels[&s.account_id]
                        - adjustment.content_type_effects[content_type_index(s.content_type)]
                },
            );
        }
        adjustment
    }

    pub fn residual(&self, sample: &PostSample) -> f64 {
        sample.log_engagements()
            - self
                .account_levels
                .get(&sample.account_id)
                .copied()
                .unwrap_or(0.0)
            - self.content_type_effects[content_type_index(sample.content_type)]
            - self.hashtag_effects[hashtag_band(sample.hashtags)]
    }
}

fn group_means<K: std::hash::Hash + Eq>(
    samples: &[PostSample],
    key: impl Fn(&PostSample) -> K,
    value: impl Fn(&PostSample) -> f64,
) -> HashMap<K, f64> {
    let mut sums: HashMap<K, (f64, f64)> = HashMap::new();
    for s in samples {
        let entry = sums.entry(key(s)).or_default();
        entry.0 += value(s);
        entry.1 += 1.0;
    }
    sums.into_iter().map(|(k, (sum, n))| (k, sum / n)).collect()
}

/// Mean value per group (of four), shrunk toward zero by `SHRINKAGE` and centred so the
/// samples' weighted effect is zero (the account level keeps the overall mean).
fn centered_effects(
    samples: &[PostSample],
    group: impl Fn(&PostSample) -> usize,
    value: impl Fn(&PostSample) -> f64,
) -> [f64; 4] {
    let mut sums = [(0.0_f64, 0.0_f64); 4];
    for s in samples {
        let g = group(s);
        sums[g].0 += value(s);
        sums[g].1 += 1.0;
    }
    let total: f64 = sums.iter().map(|s| s.1).sum();
    let overall = if total > 0.0 {
        sums.iter().map(|s| s.0).sum::<f64>() / total
    } else {
        0.0
    };
    let raw = sums.map(|(sum, n)| (sum - n * overall) / (n + SHRINKAGE));
    let weighted: f64 = if total > 0.0 {
        raw.iter().zip(&sums).map(|(e, s)| e * s.1).sum::<f64>() / total
    } else {
        0.0
    };
    raw.map(|e| e - weighted)
}

impl SlotModel {
    /// Fits slots for `accounts` (id and platform) from the organization's `samples` (all its
    /// accounts, so the priors can borrow from the others), in `zone`.
    pub fn fit(accounts: &[(Uuid, Platform)], samples: &[PostSample], zone: Tz) -> SlotModel {
        let adjustment = Adjustment::fit(samples);
        let mut per_account: HashMap<Uuid, SlotSums> = HashMap::new();
        let mut per_platform: HashMap<Platform, SlotSums> = HashMap::new();
        let mut organization = SlotSums::new();
        for s in samples {
            let slot = slot_of(s.published_at, zone);
            let residual = adjustment.residual(s);
            per_account
                .entry(s.account_id)
                .or_insert_with(SlotSums::new)
                .add(slot, residual);
            per_platform
                .entry(s.platform)
                .or_insert_with(SlotSums::new)
                .add(slot, residual);
            organization.add(slot, residual);
        }
        let none = vec![0.0; SLOTS];
        let empty = SlotSums::new();
        let accounts = accounts
            .iter()
            .map(|&(account_id, platform)| {
                let own = per_account.get(&account_id).unwrap_or(&empty);
                let other_platform = per_platform.get(&platform).unwrap_or(&empty).minus(own);
                let other_accounts = organization.minus(own);
                let organization_prior = other_accounts.minus(&other_platform).shrunk(&none);
                let prior_source = if other_platform.posts() > 0.0 {
                    PriorSource::Platform
                } else if other_accounts.posts() > 0.0 {
                    PriorSource::Organization
                } else {
                    PriorSource::None
                };
                let prior = other_platform.shrunk(&organization_prior);
                let effects = own.shrunk(&prior);
                let slots = effects
                    .into_iter()
                    .zip(&own.0)
                    .map(|(effect, (_, n))| SlotEstimate {
                        effect,
                        posts: *n as u32,
                        confidence: n / (n + SHRINKAGE),
                    })
                    .collect();
                let own_samples: Vec<&PostSample> = samples
                    .iter()
                    .filter(|s| s.account_id == account_id)
                    .collect();
                let engagements: Vec<f64> = own_samples.iter().map(|s| s.engagements).collect();
                let weeks_of_history = match (
                    own_samples.iter().map(|s| s.published_at).min(),
                    own_samples.iter().map(|s| s.published_at).max(),
                ) {
                    (Some(first), Some(last)) => (last - first).num_hours() as f64 / (24.0 * 7.0),
                    _ => 0.0,
                };
                AccountSlots {
                    account_id,
                    platform,
                    posts: own_samples.len(),
                    weeks_of_history: (weeks_of_history * 10.0).round() / 10.0,
                    typical_engagements: robust::median(&engagements).unwrap_or(0.0),
                    prior: prior_source,
                    slots,
                }
            })
            .collect();
        SlotModel {
            zone,
            accounts,
            content_type_effects: adjustment.content_type_effects,
            hashtag_effects: adjustment.hashtag_effects,
        }
    }

    pub fn account(&self, account_id: Uuid) -> Option<&AccountSlots> {
        self.accounts.iter().find(|a| a.account_id == account_id)
    }

    /// The mean effect of an instant's slot over `accounts` (accounts without slots count as 0).
    pub fn effect_at(&self, accounts: &[Uuid], at: DateTime<Utc>) -> (f64, f64) {
        let slot = slot_of(at, self.zone);
        let estimates: Vec<SlotEstimate> = accounts
            .iter()
            .filter_map(|id| self.account(*id).map(|a| a.slots[slot]))
            .collect();
        if estimates.is_empty() {
            return (0.0, 0.0);
        }
        let n = estimates.len() as f64;
        (
            estimates.iter().map(|e| e.effect).sum::<f64>() / n,
            estimates.iter().map(|e| e.confidence).sum::<f64>() / n,
        )
    }
}

/// The start of every local hour from `from` to `to` (inclusive days) in `zone`, no earlier
/// than `not_before`. A local hour skipped by a DST change does not exist and is left out; a
/// repeated one is taken once, at its first occurrence.
pub fn hours_between(
    from: NaiveDate,
    to: NaiveDate,
    zone: Tz,
    not_before: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let mut hours = Vec::new();
    let mut day = from;
    while day <= to {
        for hour in 0..24 {
            let time = NaiveTime::from_hms_opt(hour, 0, 0).expect("valid hour");
            if let Some(at) = zone.from_local_datetime(&day.and_time(time)).earliest() {
                let at = at.with_timezone(&Utc);
                if at >= not_before {
                    hours.push(at);
                }
            }
        }
        let Some(next) = day.succ_opt() else { break };
        day = next;
    }
    hours
}

/// A post to place, on the accounts it targets.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    pub post_id: Uuid,
    pub accounts: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assigned {
    pub post_id: Uuid,
    pub accounts: Vec<Uuid>,
    pub at: DateTime<Utc>,
    pub effect: f64,
    pub confidence: f64,
}

/// What is already on each account's calendar, and the spacing between two of its posts.
pub struct Calendar {
    pub taken: HashMap<Uuid, Vec<DateTime<Utc>>>,
    pub spacing: Duration,
}

impl Calendar {
    fn is_free(&self, accounts: &[Uuid], at: DateTime<Utc>) -> bool {
        accounts.iter().all(|account| {
            self.taken
                .get(account)
                .is_none_or(|times| times.iter().all(|t| (*t - at).abs() >= self.spacing))
        })
    }

    fn take(&mut self, accounts: &[Uuid], at: DateTime<Utc>) {
        for account in accounts {
            self.taken.entry(*account).or_default().push(at);
        }
    }
}

/// Places each post, in order, at the free candidate with the best mean effect over its
/// accounts (the earliest among equals): no two posts of an account closer than the spacing.
/// Posts with no free candidate are returned as `Err(post_id)`.
pub fn assign(
    model: &SlotModel,
    posts: &[Placement],
    candidates: &[DateTime<Utc>],
    calendar: &mut Calendar,
) -> Vec<Result<Assigned, Uuid>> {
    posts
        .iter()
        .map(|post| {
            let best = candidates
                .iter()
                .filter(|at| calendar.is_free(&post.accounts, **at))
                .map(|at| (*at, model.effect_at(&post.accounts, *at)))
                .max_by(|a, b| a.1.0.total_cmp(&b.1.0).then(b.0.cmp(&a.0)));
            match best {
                Some((at, (effect, confidence))) => {
                    calendar.take(&post.accounts, at);
                    Ok(Assigned {
                        post_id: post.post_id,
                        accounts: post.accounts.clone(),
                        at,
                        effect,
                        confidence,
                    })
                }
                None => Err(post.post_id),
            }
        })
        .collect()
}

/// A user's own weekly slot (0 = Monday), in their time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnSlot {
    pub weekday: u32,
    pub time: NaiveTime,
}

/// The next occurrences of the user's own slots over the coming `days`, earliest first.
pub fn own_slot_times(
    slots: &[OwnSlot],
    zone: Tz,
    now: DateTime<Utc>,
    days: i64,
) -> Vec<DateTime<Utc>> {
    let today = now.with_timezone(&zone).date_naive();
    let mut times: Vec<DateTime<Utc>> = (0..days)
        .filter_map(|d| today.checked_add_signed(Duration::days(d)))
        .flat_map(|day| {
            slots
                .iter()
                .filter(move |s| day.weekday().num_days_from_monday() == s.weekday)
                .filter_map(move |s| zone.from_local_datetime(&day.and_time(s.time)).earliest())
        })
        .map(|at| at.with_timezone(&Utc))
        .filter(|at| *at > now)
        .collect();
    times.sort();
    times.dedup();
    times
}

/// Add to queue: the user's own next free slot when they set slots (a queue keeps its order),
/// otherwise the best free hour of the coming two weeks by the model.
pub fn next_queue_slot(
    model: &SlotModel,
    accounts: &[Uuid],
    own_slots: &[OwnSlot],
    calendar: &Calendar,
    now: DateTime<Utc>,
) -> Option<(DateTime<Utc>, bool)> {
    if !own_slots.is_empty() {
        return own_slot_times(own_slots, model.zone, now, 28)
            .into_iter()
            .find(|at| calendar.is_free(accounts, *at))
            .map(|at| (at, true));
    }
    let start = now + Duration::minutes(15);
    let today = start.with_timezone(&model.zone).date_naive();
    let candidates = hours_between(today, today + Duration::days(14), model.zone, start);
    candidates
        .into_iter()
        .filter(|at| calendar.is_free(accounts, *at))
        .map(|at| (at, model.effect_at(accounts, at).0))
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(at, _)| (at, false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::ContentType;

    fn sample(
        account: Uuid,
        platform: Platform,
        at: DateTime<Utc>,
        engagements: f64,
    ) -> PostSample {
        PostSample {
            account_id: account,
            platform,
            published_at: at,
            content_type: ContentType::Text,
            text_chars: 100,
            hashtags: 0,
            media_count: 0,
            followers: None,
            engagements,
        }
    }

    /// Monday 2026-11-02 00:00 UTC plus `hours`.
    fn at(hours: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap() + Duration::hours(hours)
    }

    #[test]
    fn slots_count_from_monday_midnight_in_the_callers_zone() {
        assert_eq!(slot_of(at(0), chrono_tz::UTC), 0);
        assert_eq!(slot_of(at(24 + 18), chrono_tz::UTC), 42);
        // Monday 00:00 UTC is Sunday 19:00 in New York.
        assert_eq!(slot_of(at(0), chrono_tz::America::New_York), 6 * 24 + 19);
    }

    #[test]
    fn given_an_evening_peak_when_fitted_then_it_is_the_best_slot_with_its_evidence() {
        let account = Uuid::from_u128(1);
        let mut samples = Vec::new();
        for week in 0..8 {
            for hour in [9, 13, 18, 21] {
                let engagements = if hour == 18 { 90.0 } else { 50.0 };
                samples.push(sample(
                    account,
                    Platform::X,
                    at(week * 168 + 24 + hour),
                    engagements,
                ));
            }
        }
        let model = SlotModel::fit(&[(account, Platform::X)], &samples, chrono_tz::UTC);
        let slots = model.account(account).unwrap();
        let (best, estimate) = slots.best(1)[0];
        assert_eq!(best, 24 + 18);
        assert_eq!(estimate.posts, 8);
        assert!((estimate.confidence - 8.0 / 12.0).abs() < 1e-9);
        assert!(estimate.lift() > 1.3, "{estimate:?}");
        assert_eq!(slots.prior, PriorSource::None);
        assert_eq!(slots.posts, 32);
    }

    #[test]
    fn a_thin_account_borrows_the_pattern_of_its_platform() {
        let (rich, thin) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let mut samples = Vec::new();
        for week in 0..10 {
            samples.push(sample(rich, Platform::X, at(week * 168 + 48 + 18), 200.0));
            samples.push(sample(rich, Platform::X, at(week * 168 + 48 + 10), 50.0));
        }
        samples.push(sample(thin, Platform::X, at(10), 20.0));
        let model = SlotModel::fit(&[(thin, Platform::X)], &samples, chrono_tz::UTC);
        let slots = model.account(thin).unwrap();
        assert_eq!(slots.prior, PriorSource::Platform);
        assert_eq!(slots.best(1)[0].0, 48 + 18);
        assert_eq!(slots.slots[48 + 18].posts, 0);
    }

    #[test]
    fn assignment_respects_spacing_and_what_is_already_taken() {
        let account = Uuid::from_u128(1);
        let mut samples = Vec::new();
        for week in 0..6 {
            samples.push(sample(account, Platform::X, at(week * 168 + 18), 100.0));
            samples.push(sample(account, Platform::X, at(week * 168 + 19), 90.0));
            samples.push(sample(account, Platform::X, at(week * 168 + 9), 10.0));
        }
        let model = SlotModel::fit(&[(account, Platform::X)], &samples, chrono_tz::UTC);
        let candidates: Vec<_> = (0..24).map(|h| at(7 * 168 + h)).collect();
        let mut calendar = Calendar {
            taken: HashMap::from([(account, vec![at(7 * 168 + 18)])]),
            spacing: Duration::minutes(120),
        };
        let posts = [
            Placement {
                post_id: Uuid::from_u128(10),
                accounts: vec![account],
            },
            Placement {
                post_id: Uuid::from_u128(11),
                accounts: vec![account],
            },
        ];
        let placed = assign(&model, &posts, &candidates, &mut calendar);
        let times: Vec<DateTime<Utc>> = placed.iter().map(|p| p.as_ref().unwrap().at).collect();
        assert!(
            times
                .iter()
                .all(|t| (*t - at(7 * 168 + 18)).abs() >= Duration::minutes(120))
        );
        assert!((times[0] - times[1]).abs() >= Duration::minutes(120));
        let full = assign(
            &model,
            &posts[..1],
            &candidates[..1],
            &mut Calendar {
                taken: HashMap::from([(account, vec![candidates[0]])]),
                spacing: Duration::minutes(60),
            },
        );
        assert_eq!(full, vec![Err(Uuid::from_u128(10))]);
    }

    #[test]
    fn the_queue_takes_the_users_next_free_slot_before_the_model() {
        let account = Uuid::from_u128(1);
        let model = SlotModel::fit(&[(account, Platform::X)], &[], chrono_tz::UTC);
        let own = [OwnSlot {
            weekday: 1,
            time: NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
        }];
        let now = at(0);
        let calendar = Calendar {
            taken: HashMap::from([(account, vec![at(24 + 9) + Duration::minutes(30)])]),
            spacing: Duration::minutes(60),
        };
        let (slot, own_slot) = next_queue_slot(&model, &[account], &own, &calendar, now).unwrap();
        assert!(own_slot);
        assert_eq!(slot, at(168 + 24 + 9) + Duration::minutes(30));
    }

    #[test]
    fn a_dst_gap_hour_does_not_exist() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        let hours = hours_between(day, day, chrono_tz::Europe::Paris, at(-10_000));
        assert_eq!(hours.len(), 23);
    }
}
