//! The smart scheduler: each account's expected engagement per hour of the week, from its last
//! 16 weeks shrunk toward its platform's pattern (`insights::slots`), a heatmap of it, and the
//! drafts placed on the best free slots. It proposes; people schedule.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use domain::{Platform, PostStatus};
use insights::slots::{self, AccountSlots, Calendar, OwnSlot, Placement, PriorSource, SlotModel};
use runtime::AppState;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::OrgId;
use store::agents::tasks::Task;
use store::social_accounts::SocialAccount;
use uuid::Uuid;

use crate::worker::input_of;
use crate::{AgentsError, ModelSession, history};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRequest {
    /// The accounts whose best times to compute (1–20); the accounts of `post_ids` are added.
    #[schemars(length(max = 20))]
    #[serde(default)]
    pub account_ids: Vec<Uuid>,
    /// Drafts to place on the best free slots (up to 50).
    #[schemars(length(max = 50))]
    #[serde(default)]
    pub post_ids: Vec<Uuid>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// IANA time zone of the heatmap and the range, e.g. `Europe/Paris`.
    pub timezone: String,
    /// The least time between two posts of one account (15–1440 minutes, default 120).
    #[schemars(range(min = 15, max = 1440))]
    pub min_spacing_minutes: Option<u32>,
}

impl crate::catalog::TaskInput for ScheduleRequest {
    const KIND: crate::TaskKind = crate::TaskKind::ScheduleOptimize;

    fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        if self.account_ids.is_empty() && self.post_ids.is_empty() {
            problems.push((
                "account_ids",
                "name at least one account (or post)".to_owned(),
            ));
        }
        if self.account_ids.len() > 20 {
            problems.push(("account_ids", "at most 20 accounts".to_owned()));
        }
        if self.post_ids.len() > 50 {
            problems.push(("post_ids", "at most 50 posts".to_owned()));
        }
        if self.to < self.from {
            problems.push(("to", "must not be before from".to_owned()));
        } else if (self.to - self.from).num_days() > 62 {
            problems.push(("to", "the range is at most 63 days".to_owned()));
        }
        if let Err(invalid) = domain::TimeZone::parse(&self.timezone) {
            problems.push(("timezone", invalid.0));
        }
        if self
            .min_spacing_minutes
            .is_some_and(|m| !(15..=1440).contains(&m))
        {
            problems.push(("min_spacing_minutes", "must be 15 to 1440".to_owned()));
        }
        problems
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SlotView {
    /// 0 = Monday … 6 = Sunday, in the request's time zone.
    pub weekday: u8,
    pub hour: u8,
    /// Expected engagement against the account's average (1.0 = average).
    pub lift: f64,
    pub expected_engagements: f64,
    /// The account's own posts in this slot.
    pub posts: u32,
    /// Share of the estimate that is the account's own evidence (0–1).
    pub confidence: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AccountHeatmap {
    pub account_id: Uuid,
    pub platform: Platform,
    pub username: Option<String>,
    pub posts_analyzed: usize,
    pub weeks_of_history: f64,
    /// What thin slots borrow from: `platform`, `organization` or `none`.
    pub prior: String,
    /// All 168 slots, Monday 00:00 first.
    pub slots: Vec<SlotView>,
    /// The five best slots.
    pub best: Vec<SlotView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Assignment {
    pub post_id: Uuid,
    pub account_ids: Vec<Uuid>,
    pub scheduled_at: DateTime<Utc>,
    /// The same instant on the wall clock of the request's time zone (`YYYY-MM-DDTHH:MM`).
    pub local_time: String,
    pub lift: f64,
    pub confidence: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Unassigned {
    pub post_id: Uuid,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScheduleOptimization {
    pub timezone: String,
    pub method: String,
    pub accounts: Vec<AccountHeatmap>,
    pub assignments: Vec<Assignment>,
    pub unassigned: Vec<Unassigned>,
}

const METHOD: &str = "Log engagement per post, adjusted for content type and hashtags, averaged per hour of the week over the last 16 weeks; each slot shrunk toward the platform's pattern by 4 pseudo-posts.";

fn round(value: f64, places: i32) -> f64 {
    let factor = 10_f64.powi(places);
    (value * factor).round() / factor
}

fn view(account: &AccountSlots, slot: usize) -> SlotView {
    let estimate = account.slots[slot];
    SlotView {
        weekday: (slot / 24) as u8,
        hour: (slot % 24) as u8,
        lift: round(estimate.lift(), 3),
        expected_engagements: round(account.expected_engagements(slot), 1),
        posts: estimate.posts,
        confidence: round(estimate.confidence, 3),
    }
}

fn prior_name(prior: PriorSource) -> &'static str {
    match prior {
        PriorSource::Platform => "platform",
        PriorSource::Organization => "organization",
        PriorSource::None => "none",
    }
}

/// The slot model of `accounts` from the organization's last 16 weeks, in `zone`.
pub async fn slot_model(
    state: &AppState,
    organization_id: OrgId,
    accounts: &[(Uuid, Platform)],
    zone: Tz,
) -> Result<SlotModel, AgentsError> {
    let since = Utc::now() - Duration::weeks(slots::HISTORY_WEEKS);
    let samples: Vec<_> = history::settled_posts(state, organization_id, since).await?;
    Ok(SlotModel::fit(accounts, &samples, zone))
}

/// What is already on the accounts' calendars between `from` and `to`, but the times in
/// `freed` (a scheduled post being placed again frees its own time).
async fn calendar(
    state: &AppState,
    organization_id: OrgId,
    accounts: &[Uuid],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    spacing: Duration,
    freed: &[(Uuid, DateTime<Utc>)],
) -> Result<Calendar, AgentsError> {
    let client = state.db.client().await?;
    let mut taken: HashMap<Uuid, Vec<DateTime<Utc>>> = HashMap::new();
    for (account, at) in store::insights::scheduled_times(
        &**client,
        organization_id,
        accounts,
        from - spacing,
        to + spacing,
    )
    .await?
    {
        taken.entry(account).or_default().push(at);
    }
    for (account, at) in freed {
        if let Some(times) = taken.get_mut(account) {
            times.retain(|t| t != at);
        }
    }
    Ok(Calendar { taken, spacing })
}

/// `schedule/optimize`.
pub async fn optimize(
    state: &AppState,
    task: &Task,
    session: &mut ModelSession,
) -> Result<Value, AgentsError> {
    let request: ScheduleRequest = input_of(task)?;
    let zone = domain::TimeZone::parse(&request.timezone)
        .map_err(|e| AgentsError::Invalid(e.0))?
        .0;
    let organization_id = task.organization_id;
    let (owned, posts) = {
        let client = state.db.client().await?;
        let owned = store::social_accounts::list(&**client, organization_id).await?;
        let mut posts = Vec::new();
        for id in &request.post_ids {
            posts.push((
                *id,
                store::posts::get(&**client, organization_id, *id, false).await?,
            ));
        }
        (owned, posts)
    };
    let mut account_ids = request.account_ids.clone();
    let mut placements = Vec::new();
    let mut unassigned = Vec::new();
    let mut freed = Vec::new();
    for (post_id, post) in posts {
        let reason = match &post {
            None => Some("no such post in your organization"),
            Some(p) if !matches!(p.status, PostStatus::Draft | PostStatus::Scheduled) => {
                Some("only drafts and scheduled posts can be placed")
            }
            Some(p) if p.targets.is_empty() => Some("the draft has no accounts to post to"),
            _ => None,
        };
        match (reason, post) {
            (Some(reason), _) => unassigned.push(Unassigned {
                post_id,
                reason: reason.to_owned(),
            }),
            (None, None) => unassigned.push(Unassigned {
                post_id,
                reason: "no such post".to_owned(),
            }),
            (None, Some(post)) => {
                let accounts: Vec<Uuid> =
                    post.targets.iter().map(|t| t.social_account_id).collect();
                if let Some(at) = post.scheduled_at {
                    freed.extend(accounts.iter().map(|a| (*a, at)));
                }
                account_ids.extend(accounts.iter().copied());
                placements.push(Placement { post_id, accounts });
            }
        }
    }
    account_ids.sort();
    account_ids.dedup();
    let accounts: Vec<&SocialAccount> = account_ids
        .iter()
        .map(|id| {
            owned.iter().find(|a| a.id == *id).ok_or_else(|| {
                AgentsError::Invalid(format!("account {id} is not one of your organization's"))
            })
        })
        .collect::<Result<_, _>>()?;
    let pairs: Vec<(Uuid, Platform)> = accounts.iter().map(|a| (a.id, a.platform)).collect();
    let model = slot_model(state, organization_id, &pairs, zone).await?;
    session.note("slots", serde_json::json!({ "accounts": pairs.len(), "posts": model.accounts.iter().map(|a| a.posts).sum::<usize>() }));
    let spacing = Duration::minutes(i64::from(request.min_spacing_minutes.unwrap_or(120)));
    let candidates = slots::hours_between(
        request.from,
        request.to,
        zone,
        Utc::now() + Duration::minutes(10),
    );
    let range = (
        candidates.first().copied().unwrap_or_else(Utc::now),
        candidates.last().copied().unwrap_or_else(Utc::now),
    );
    let mut calendar =
        calendar(state, organization_id, &account_ids, range, spacing, &freed).await?;
    let mut assignments = Vec::new();
    for outcome in slots::assign(&model, &placements, &candidates, &mut calendar) {
        match outcome {
            Ok(a) => assignments.push(Assignment {
                post_id: a.post_id,
                account_ids: a.accounts,
                scheduled_at: a.at,
                local_time: a
                    .at
                    .with_timezone(&zone)
                    .format("%Y-%m-%dT%H:%M")
                    .to_string(),
                lift: round(a.effect.exp(), 3),
                confidence: round(a.confidence, 3),
            }),
            Err(post_id) => unassigned.push(Unassigned {
                post_id,
                reason: "no free slot in the range with this spacing".to_owned(),
            }),
        }
    }
    let heatmaps = model
        .accounts
        .iter()
        .map(|a| {
            let account = accounts.iter().find(|x| x.id == a.account_id);
            AccountHeatmap {
                account_id: a.account_id,
                platform: a.platform,
                username: account.and_then(|x| x.account_handle.clone().or(x.account_name.clone())),
                posts_analyzed: a.posts,
                weeks_of_history: a.weeks_of_history,
                prior: prior_name(a.prior).to_owned(),
                slots: (0..slots::SLOTS).map(|s| view(a, s)).collect(),
                best: a.best(5).into_iter().map(|(s, _)| view(a, s)).collect(),
            }
        })
        .collect();
    let output = ScheduleOptimization {
        timezone: zone.name().to_owned(),
        method: METHOD.to_owned(),
        accounts: heatmaps,
        assignments,
        unassigned,
    };
    Ok(serde_json::to_value(output).expect("output serializes"))
}

/// Where add-to-queue puts a post.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct QueueSlot {
    pub scheduled_at: DateTime<Utc>,
    /// `your_slots` (the accounts' posting slots) or `best_times` (the model's).
    pub source: String,
    pub lift: Option<f64>,
    pub confidence: Option<f64>,
}

/// The accounts' own posting slots (`settings.posting_slots`), all of them together.
fn own_slots(accounts: &[&SocialAccount]) -> Vec<OwnSlot> {
    let mut slots: Vec<OwnSlot> = accounts
        .iter()
        .flat_map(|a| {
            a.settings
                .get("posting_slots")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|s| {
            Some(OwnSlot {
                weekday: u32::try_from(s.get("weekday")?.as_u64()?).ok()?,
                time: NaiveTime::parse_from_str(s.get("time")?.as_str()?, "%H:%M").ok()?,
            })
        })
        .collect();
    slots.sort_by_key(|s| (s.weekday, s.time));
    slots.dedup();
    slots
}

/// The next slot for a post on `account_ids`: the accounts' own posting slots when they set
/// any, otherwise the best free hour of the next two weeks; an hour from any other post of
/// those accounts (the post's own current time, `scheduled_at`, is free).
pub async fn queue_slot(
    state: &AppState,
    organization_id: OrgId,
    account_ids: &[Uuid],
    scheduled_at: Option<DateTime<Utc>>,
    zone: Tz,
) -> Result<Option<QueueSlot>, AgentsError> {
    let owned = {
        let client = state.db.client().await?;
        store::social_accounts::list(&**client, organization_id).await?
    };
    let accounts: Vec<&SocialAccount> = owned
        .iter()
        .filter(|a| account_ids.contains(&a.id))
        .collect();
    let pairs: Vec<(Uuid, Platform)> = accounts.iter().map(|a| (a.id, a.platform)).collect();
    let model = slot_model(state, organization_id, &pairs, zone).await?;
    let now = Utc::now();
    let calendar = calendar(
        state,
        organization_id,
        account_ids,
        (now, now + Duration::days(28)),
        Duration::minutes(60),
        &scheduled_at
            .map(|at| account_ids.iter().map(|a| (*a, at)).collect::<Vec<_>>())
            .unwrap_or_default(),
    )
    .await?;
    let own = own_slots(&accounts);
    Ok(
        slots::next_queue_slot(&model, account_ids, &own, &calendar, now).map(|(at, own_slot)| {
            let (effect, confidence) = model.effect_at(account_ids, at);
            QueueSlot {
                scheduled_at: at,
                source: if own_slot { "your_slots" } else { "best_times" }.to_owned(),
                lift: (!own_slot).then(|| round(effect.exp(), 3)),
                confidence: (!own_slot).then(|| round(confidence, 3)),
            }
        }),
    )
}
