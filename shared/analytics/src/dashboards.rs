//! The dashboards' numbers: periods in the caller's time zone, totals compared with the
//! period before, series bucketed by day, week or month, follower growth, the audience.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use domain::Platform;
use runtime::AppState;
use serde::Serialize;
use store::OrgId;
use store::analytics::dashboards::{
    self as q, ActiveHour, AudienceSlice, EngagementBucket, PostCursor, PostPerformance, PostSort,
    Scope, Totals,
};
use store::analytics::sync::engagement_rate;
use store::social_accounts;
use uuid::Uuid;

use crate::AnalyticsError;

/// Whole days from `from` to `to` (both included) in a time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub zone: Tz,
}

/// The longest period one request may cover.
pub const MAX_PERIOD_DAYS: i64 = 3 * 366;

impl Period {
    /// The instant the local day starts (the earliest, when DST makes midnight ambiguous).
    fn start_of(&self, day: NaiveDate) -> DateTime<Utc> {
        let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
        match self.zone.from_local_datetime(&midnight) {
            chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
                t.with_timezone(&Utc)
            }
            // Midnight skipped by a DST change: the day starts an hour later.
            chrono::LocalResult::None => self
                .zone
                .from_local_datetime(&(midnight + Duration::hours(1)))
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|| Utc.from_utc_datetime(&midnight)),
        }
    }

    /// `[start of from, start of the day after to)` in UTC.
    pub fn instants(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            self.start_of(self.from),
            self.start_of(self.to + Duration::days(1)),
        )
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The period of the same length just before this one.
    pub fn previous(&self) -> Period {
        Period {
            from: self.from - Duration::days(self.days()),
            to: self.from - Duration::days(1),
            zone: self.zone,
        }
    }

    fn view(&self) -> PeriodView {
        PeriodView {
            from: self.from,
            to: self.to,
            timezone: self.zone.name().to_owned(),
        }
    }
}

pub(crate) fn view_of(period: &Period) -> PeriodView {
    period.view()
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PeriodView {
    pub from: NaiveDate,
    /// Included.
    pub to: NaiveDate,
    pub timezone: String,
}

/// Which posts count, beyond the period.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub accounts: Vec<Uuid>,
    pub platform: Option<Platform>,
    pub content_type: Option<String>,
    pub tag: Option<String>,
}

fn scope(period: &Period, filters: &Filters) -> Scope {
    let (from, to) = period.instants();
    Scope {
        from,
        to,
        accounts: filters.accounts.clone(),
        platform: filters.platform,
        content_type: filters.content_type.clone(),
        tag: filters.tag.clone(),
    }
}

/// A period's numbers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Figures {
    #[serde(flatten)]
    pub totals: Totals,
    /// Engagements ÷ impressions × 100 over the period's posts; none without impressions.
    pub engagement_rate: Option<f64>,
    /// Followers at the end of the period (the last snapshot before it ended).
    pub followers: Option<i64>,
    /// Followers gained during the period.
    pub followers_gained: Option<i64>,
}

impl Figures {
    /// `followers`: the count at the end, and the change over the period where the start is
    /// known.
    fn new(totals: Totals, followers: Option<i64>, gained: Option<i64>) -> Figures {
        Figures {
            engagement_rate: engagement_rate(totals.engagements, totals.impressions),
            totals,
            followers,
            followers_gained: gained,
        }
    }
}

/// Change from the previous period: percent for counts, percentage points for the rate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Change {
    pub posts: Option<f64>,
    pub impressions: Option<f64>,
    pub reach: Option<f64>,
    pub engagements: Option<f64>,
    pub engagement_rate_points: Option<f64>,
    pub followers: Option<f64>,
}

fn percent(now: i64, before: i64) -> Option<f64> {
    (before != 0).then(|| ((now - before) as f64 * 10_000.0 / before as f64).round() / 100.0)
}

impl Change {
    fn between(current: &Figures, previous: &Figures) -> Change {
        Change {
            posts: percent(current.totals.posts, previous.totals.posts),
            impressions: percent(current.totals.impressions, previous.totals.impressions),
            reach: percent(current.totals.reach, previous.totals.reach),
            engagements: percent(current.totals.engagements, previous.totals.engagements),
            engagement_rate_points: current
                .engagement_rate
                .zip(previous.engagement_rate)
                .map(|(a, b)| ((a - b) * 100.0).round() / 100.0),
            followers: current
                .followers
                .zip(previous.followers)
                .and_then(|(a, b)| percent(a, b)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Compared {
    pub current: Figures,
    pub previous: Figures,
    pub change: Change,
}

impl Compared {
    fn new(current: Figures, previous: Figures) -> Compared {
        Compared {
            change: Change::between(&current, &previous),
            current,
            previous,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PlatformOverview {
    pub platform: Platform,
    #[serde(flatten)]
    pub figures: Compared,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AccountOverview {
    pub social_account_id: Uuid,
    pub platform: Platform,
    pub account_name: Option<String>,
    #[serde(flatten)]
    pub figures: Compared,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Overview {
    pub period: PeriodView,
    pub previous_period: PeriodView,
    pub total: Compared,
    pub platforms: Vec<PlatformOverview>,
    pub accounts: Vec<AccountOverview>,
    /// Sessions on the organization's site from social in the period, per source, imported
    /// from Google Analytics 4 (empty until it is connected).
    pub web_traffic: Vec<WebTrafficSource>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct WebTrafficSource {
    /// GA4's session source (`linkedin`, `x`, `facebook`… as the UTM tags name them).
    pub source: String,
    pub sessions: i64,
    pub engaged_sessions: i64,
}

/// The organization's accounts a dashboard covers: the filter's, or all.
pub(crate) async fn accounts_in(
    db: &store::tokio_postgres::Client,
    organization_id: OrgId,
    filters: &Filters,
) -> Result<Vec<(Uuid, Platform, Option<String>)>, AnalyticsError> {
    let all = social_accounts::list(db, organization_id).await?;
    for wanted in &filters.accounts {
        if !all.iter().any(|a| a.id == *wanted) {
            return Err(AnalyticsError::NotFound("social account"));
        }
    }
    Ok(all
        .into_iter()
        .filter(|a| filters.accounts.is_empty() || filters.accounts.contains(&a.id))
        .filter(|a| filters.platform.is_none_or(|p| p == a.platform))
        .map(|a| (a.id, a.platform, a.account_name))
        .collect())
}

/// Per account: (totals, followers at the end, followers at the start).
type AccountFigures = BTreeMap<Uuid, (Totals, Option<(i64, Option<i64>)>)>;

/// Each account's totals over the scope, with its followers at the scope's end and start
/// (the counts at the three instants of a period and the one before are read once).
fn figures_by_account(
    accounts: &[Uuid],
    totals: Vec<(Uuid, Platform, Totals)>,
    end: &[(Uuid, i64)],
    start: &[(Uuid, i64)],
) -> AccountFigures {
    let mut figures: AccountFigures = accounts
        .iter()
        .map(|id| (*id, (Totals::default(), None)))
        .collect();
    for (account, _, totals) in totals {
        if let Some(entry) = figures.get_mut(&account) {
            entry.0 = totals;
        }
    }
    for (account, followers) in end {
        if let Some(entry) = figures.get_mut(account) {
            let before = start.iter().find(|(a, _)| a == account).map(|s| s.1);
            entry.1 = Some((*followers, before));
        }
    }
    figures
}

/// Sums accounts' figures; followers gained count only the accounts that had a count when
/// the period began.
fn sum_figures<'a>(
    items: impl Iterator<Item = &'a (Totals, Option<(i64, Option<i64>)>)>,
) -> Figures {
    let mut totals = Totals::default();
    let (mut followers, mut gained): (Option<i64>, Option<i64>) = (None, None);
    for (t, f) in items {
        totals.add(t);
        if let Some((end, start)) = f {
            *followers.get_or_insert(0) += end;
            if let Some(start) = start {
                *gained.get_or_insert(0) += end - start;
            }
        }
    }
    Figures::new(totals, followers, gained)
}

pub async fn overview(
    state: &AppState,
    organization_id: OrgId,
    period: &Period,
    filters: &Filters,
) -> Result<Overview, AnalyticsError> {
    let client = state.db.client().await?;
    let db: &store::tokio_postgres::Client = &client;
    let accounts = accounts_in(db, organization_id, filters).await?;
    let ids: Vec<Uuid> = accounts.iter().map(|a| a.0).collect();
    let previous = period.previous();
    let (now_scope, before_scope) = (scope(period, filters), scope(&previous, filters));
    // The previous period ends where this one starts.
    let followers_end = q::followers_at(db, organization_id, &ids, now_scope.to).await?;
    let followers_start = q::followers_at(db, organization_id, &ids, now_scope.from).await?;
    let followers_before = q::followers_at(db, organization_id, &ids, before_scope.from).await?;
    let now = figures_by_account(
        &ids,
        q::totals_by_account(db, organization_id, &now_scope).await?,
        &followers_end,
        &followers_start,
    );
    let before = figures_by_account(
        &ids,
        q::totals_by_account(db, organization_id, &before_scope).await?,
        &followers_start,
        &followers_before,
    );
    let compared = |pick: &dyn Fn(&Uuid) -> bool| {
        Compared::new(
            sum_figures(now.iter().filter(|(id, _)| pick(id)).map(|(_, v)| v)),
            sum_figures(before.iter().filter(|(id, _)| pick(id)).map(|(_, v)| v)),
        )
    };
    let platform_of = |id: &Uuid| accounts.iter().find(|a| a.0 == *id).map(|a| a.1);
    let mut platforms: Vec<Platform> = accounts.iter().map(|a| a.1).collect();
    platforms.sort_by_key(|p| p.to_string());
    platforms.dedup();
    let web_traffic =
        store::integrations::traffic_by_source(db, organization_id, period.from, period.to)
            .await?
            .into_iter()
            .map(|(source, sessions, engaged_sessions)| WebTrafficSource {
                source,
                sessions,
                engaged_sessions,
            })
            .collect();
    Ok(Overview {
        web_traffic,
        period: period.view(),
        previous_period: previous.view(),
        total: compared(&|_| true),
        platforms: platforms
            .into_iter()
            .map(|platform| PlatformOverview {
                platform,
                figures: compared(&|id| platform_of(id) == Some(platform)),
            })
            .collect(),
        accounts: accounts
            .iter()
            .map(|(id, platform, name)| AccountOverview {
                social_account_id: *id,
                platform: *platform,
                account_name: name.clone(),
                figures: compared(&|other| other == id),
            })
            .collect(),
    })
}

/// How engagement is bucketed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Interval {
    Day,
    Week,
    Month,
}

impl Interval {
    fn sql(self) -> &'static str {
        match self {
            Interval::Day => "day",
            Interval::Week => "week",
            Interval::Month => "month",
        }
    }

    /// The first day of the bucket holding `day` (weeks start on Monday, as ISO and Postgres).
    fn start(self, day: NaiveDate) -> NaiveDate {
        match self {
            Interval::Day => day,
            Interval::Week => day - Duration::days(i64::from(day.weekday().num_days_from_monday())),
            Interval::Month => day.with_day(1).expect("the first exists"),
        }
    }

    fn next(self, start: NaiveDate) -> NaiveDate {
        match self {
            Interval::Day => start + Duration::days(1),
            Interval::Week => start + Duration::days(7),
            Interval::Month => start
                .checked_add_months(chrono::Months::new(1))
                .expect("in range"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct EngagementSeries {
    pub period: PeriodView,
    pub interval: Interval,
    /// Every bucket of the period, empty ones included.
    pub buckets: Vec<EngagementBucket>,
    /// Engagement over the whole period.
    pub engagement_rate: Option<f64>,
}

pub async fn engagement(
    state: &AppState,
    organization_id: OrgId,
    period: &Period,
    interval: Interval,
    filters: &Filters,
) -> Result<EngagementSeries, AnalyticsError> {
    let client = state.db.client().await?;
    accounts_in(&client, organization_id, filters).await?;
    let found = q::engagement_series(
        &**client,
        organization_id,
        &scope(period, filters),
        period.zone.name(),
        interval.sql(),
    )
    .await?;
    let mut buckets = Vec::new();
    let mut start = interval.start(period.from);
    while start <= period.to {
        buckets.push(found.iter().find(|b| b.start == start).cloned().unwrap_or(
            EngagementBucket {
                start,
                posts: 0,
                impressions: 0,
                engagements: 0,
                engagement_rate: None,
            },
        ));
        start = interval.next(start);
    }
    let (engagements, impressions) = buckets
        .iter()
        .fold((0, 0), |(e, i), b| (e + b.engagements, i + b.impressions));
    Ok(EngagementSeries {
        period: period.view(),
        interval,
        buckets,
        engagement_rate: engagement_rate(engagements, impressions),
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FollowersOn {
    pub date: NaiveDate,
    pub followers: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AccountGrowth {
    pub social_account_id: Uuid,
    pub platform: Platform,
    pub account_name: Option<String>,
    /// The last count of each day that has a snapshot.
    pub points: Vec<FollowersOn>,
    pub gained: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Growth {
    pub period: PeriodView,
    pub accounts: Vec<AccountGrowth>,
    /// All accounts together, each day: every account's latest count so far.
    pub total: Vec<FollowersOn>,
}

pub async fn growth(
    state: &AppState,
    organization_id: OrgId,
    period: &Period,
    filters: &Filters,
) -> Result<Growth, AnalyticsError> {
    let client = state.db.client().await?;
    let accounts = accounts_in(&client, organization_id, filters).await?;
    let ids: Vec<Uuid> = accounts.iter().map(|a| a.0).collect();
    let (from, to) = period.instants();
    let rows = if ids.is_empty() {
        Vec::new()
    } else {
        q::followers_by_day(
            &**client,
            organization_id,
            &ids,
            from,
            to,
            period.zone.name(),
        )
        .await?
    };
    let mut by_day: BTreeMap<NaiveDate, BTreeMap<Uuid, i64>> = BTreeMap::new();
    for (account, day, followers) in &rows {
        by_day.entry(*day).or_default().insert(*account, *followers);
    }
    let mut latest: BTreeMap<Uuid, i64> = BTreeMap::new();
    let total = by_day
        .iter()
        .map(|(day, counts)| {
            latest.extend(counts);
            FollowersOn {
                date: *day,
                followers: latest.values().sum(),
            }
        })
        .collect();
    Ok(Growth {
        period: period.view(),
        accounts: accounts
            .into_iter()
            .map(|(id, platform, name)| {
                let points: Vec<FollowersOn> = rows
                    .iter()
                    .filter(|r| r.0 == id)
                    .map(|r| FollowersOn {
                        date: r.1,
                        followers: r.2,
                    })
                    .collect();
                let gained = points
                    .first()
                    .zip(points.last())
                    .map(|(a, b)| b.followers - a.followers);
                AccountGrowth {
                    social_account_id: id,
                    platform,
                    account_name: name,
                    points,
                    gained,
                }
            })
            .collect(),
        total,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AudienceView {
    /// The day the demographics were read (Instagram gives them; other platforms do not).
    pub demographics_as_of: Option<NaiveDate>,
    pub age_gender: Vec<AudienceSlice>,
    pub countries: Vec<AudienceSlice>,
    /// Engagement by the hour of the week posts went out in the period, in the caller's zone.
    pub active_hours: Vec<ActiveHour>,
    /// The five hours with the best engagement rate among those with at least three posts.
    pub best_hours: Vec<ActiveHour>,
}

pub async fn audience(
    state: &AppState,
    organization_id: OrgId,
    period: &Period,
    filters: &Filters,
) -> Result<AudienceView, AnalyticsError> {
    let client = state.db.client().await?;
    let accounts = accounts_in(&client, organization_id, filters).await?;
    let ids: Vec<Uuid> = accounts.iter().map(|a| a.0).collect();
    let (as_of, slices) = if ids.is_empty() {
        (None, Vec::new())
    } else {
        q::latest_demographics(&**client, organization_id, &ids).await?
    };
    let active_hours = q::engagement_by_hour_of_week(
        &**client,
        organization_id,
        &scope(period, filters),
        period.zone.name(),
    )
    .await?;
    let mut best_hours: Vec<ActiveHour> = active_hours
        .iter()
        .filter(|h| h.posts >= 3 && h.engagement_rate.is_some())
        .cloned()
        .collect();
    best_hours.sort_by(|a, b| {
        b.engagement_rate
            .partial_cmp(&a.engagement_rate)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    best_hours.truncate(5);
    let (countries, age_gender) = slices.into_iter().partition(|s| s.country.is_some());
    Ok(AudienceView {
        demographics_as_of: as_of,
        age_gender,
        countries,
        active_hours,
        best_hours,
    })
}

/// One row of the post table, with a short-lived link to its first image.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PostRow {
    #[serde(flatten)]
    pub post: PostPerformance,
    pub thumbnail_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PostPage {
    pub items: Vec<PostRow>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// The cursor as the API hands it out: the last row's sort key and id.
pub fn encode_cursor(cursor: PostCursor) -> String {
    format!("{}~{}", cursor.key, cursor.id)
}

pub fn decode_cursor(text: &str) -> Option<PostCursor> {
    let (key, id) = text.split_once('~')?;
    Some(PostCursor {
        key: key.parse().ok()?,
        id: id.parse().ok()?,
    })
}

/// How long thumbnail links stay valid.
const THUMBNAIL_TTL: std::time::Duration = std::time::Duration::from_secs(15 * 60);

#[allow(clippy::too_many_arguments)]
pub async fn posts(
    state: &AppState,
    organization_id: OrgId,
    period: &Period,
    filters: &Filters,
    sort: PostSort,
    descending: bool,
    after: Option<PostCursor>,
    limit: i64,
) -> Result<PostPage, AnalyticsError> {
    let client = state.db.client().await?;
    accounts_in(&client, organization_id, filters).await?;
    let mut rows = q::post_performance(
        &**client,
        organization_id,
        &scope(period, filters),
        sort,
        descending,
        after,
        limit + 1,
    )
    .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|(_, c)| encode_cursor(*c))
    } else {
        None
    };
    let mut items = Vec::with_capacity(rows.len());
    for (post, _) in rows {
        let thumbnail_url = match &post.thumbnail_key {
            Some(key) => Some(
                cloud::presigned_get(state.s3(), &state.config.media_bucket, key, THUMBNAIL_TTL)
                    .await
                    .map_err(|e| AnalyticsError::Storage(e.to_string()))?,
            ),
            None => None,
        };
        items.push(PostRow {
            post,
            thumbnail_url,
        });
    }
    Ok(PostPage { items, next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(from: &str, to: &str, zone: &str) -> Period {
        Period {
            from: from.parse().expect("date"),
            to: to.parse().expect("date"),
            zone: zone.parse().expect("zone"),
        }
    }

    #[test]
    fn a_day_across_the_spring_dst_change_is_23_hours() {
        let p = period("2026-03-29", "2026-03-29", "Europe/Paris");
        let (from, to) = p.instants();
        assert_eq!(to - from, Duration::hours(23));
        assert_eq!(from.to_rfc3339(), "2026-03-28T23:00:00+00:00");
    }

    #[test]
    fn the_previous_period_has_the_same_length_and_ends_the_day_before() {
        let p = period("2026-11-01", "2026-11-30", "UTC");
        let before = p.previous();
        assert_eq!(before.from.to_string(), "2026-10-02");
        assert_eq!(before.to.to_string(), "2026-10-31");
    }

    #[test]
    fn change_is_percent_for_counts_and_points_for_the_rate() {
        let now = Figures::new(
            Totals {
                posts: 3,
                impressions: 1000,
                engagements: 50,
                ..Totals::default()
            },
            Some(110),
            Some(10),
        );
        let before = Figures::new(
            Totals {
                posts: 2,
                impressions: 1000,
                engagements: 40,
                ..Totals::default()
            },
            Some(100),
            Some(5),
        );
        let change = Change::between(&now, &before);
        assert_eq!(change.posts, Some(50.0));
        assert_eq!(change.engagement_rate_points, Some(1.0));
        assert_eq!(change.followers, Some(10.0));
        assert_eq!(now.followers_gained, Some(10));
        assert_eq!(percent(5, 0), None);
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        let thursday: NaiveDate = "2026-11-26".parse().expect("date");
        assert_eq!(Interval::Week.start(thursday).to_string(), "2026-11-23");
        assert_eq!(Interval::Month.start(thursday).to_string(), "2026-11-01");
        assert_eq!(
            Interval::Month
                .next("2026-12-01".parse().expect("d"))
                .to_string(),
            "2027-01-01"
        );
    }

    #[test]
    fn a_cursor_round_trips() {
        let cursor = PostCursor {
            key: -1,
            id: Uuid::nil(),
        };
        assert_eq!(decode_cursor(&encode_cursor(cursor)), Some(cursor));
        assert_eq!(decode_cursor("nonsense"), None);
    }
}

/// Whether something engages more or less than in the period before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Rising,
    Falling,
    Steady,
    /// Not used in the period before.
    New,
}

/// One hashtag or content type, this period against the one before.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TrendItem {
    pub name: String,
    pub posts: i64,
    pub engagements: i64,
    pub impressions: i64,
    pub engagement_rate: Option<f64>,
    pub previous_posts: i64,
    pub previous_engagement_rate: Option<f64>,
    /// The rate's change, in percentage points.
    pub change_points: Option<f64>,
    pub direction: Direction,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Trends {
    pub period: PeriodView,
    pub previous_period: PeriodView,
    /// Hashtags used on at least two posts of the period, best engagement rate first.
    pub hashtags: Vec<TrendItem>,
    pub content_types: Vec<TrendItem>,
    /// The trend analyzer's latest report (bursts in keyword, hashtag and mention volumes),
    /// none before its first run.
    pub market: Option<serde_json::Value>,
}

/// A change of at most this many points counts as steady.
const STEADY_POINTS: f64 = 0.5;

fn trend_items(now: Vec<q::GroupSums>, before: &[q::GroupSums], min_posts: i64) -> Vec<TrendItem> {
    let mut items: Vec<TrendItem> = now
        .into_iter()
        .filter(|g| g.posts >= min_posts)
        .map(|g| {
            let previous = before.iter().find(|b| b.name == g.name);
            let rate = engagement_rate(g.engagements, g.impressions);
            let previous_rate =
                previous.and_then(|p| engagement_rate(p.engagements, p.impressions));
            let change_points = rate
                .zip(previous_rate)
                .map(|(a, b)| ((a - b) * 100.0).round() / 100.0);
            let direction = match (previous, change_points) {
                (None, _) => Direction::New,
                (_, Some(c)) if c > STEADY_POINTS => Direction::Rising,
                (_, Some(c)) if c < -STEADY_POINTS => Direction::Falling,
                _ => Direction::Steady,
            };
            TrendItem {
                name: g.name,
                posts: g.posts,
                engagements: g.engagements,
                impressions: g.impressions,
                engagement_rate: rate,
                previous_posts: previous.map_or(0, |p| p.posts),
                previous_engagement_rate: previous_rate,
                change_points,
                direction,
            }
        })
        .collect();
    items.sort_by(|a, b| {
        b.engagement_rate
            .partial_cmp(&a.engagement_rate)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(b.posts.cmp(&a.posts))
            .then(a.name.cmp(&b.name))
    });
    items
}

/// What engages more than before, from our own history: hashtags and content types.
pub async fn trends(
    state: &AppState,
    organization_id: OrgId,
    period: &Period,
    filters: &Filters,
) -> Result<Trends, AnalyticsError> {
    let client = state.db.client().await?;
    accounts_in(&client, organization_id, filters).await?;
    let previous = period.previous();
    let (now_scope, before_scope) = (scope(period, filters), scope(&previous, filters));
    let mut sums = Vec::new();
    for grouping in [q::Grouping::Hashtag, q::Grouping::ContentType] {
        for scope in [&now_scope, &before_scope] {
            sums.push(q::grouped_sums(&**client, organization_id, scope, grouping).await?);
        }
    }
    let mut sums = sums.into_iter();
    let mut next = || sums.next().unwrap_or_default();
    let (tags_now, tags_before, types_now, types_before) = (next(), next(), next(), next());
    Ok(Trends {
        period: period.view(),
        previous_period: previous.view(),
        hashtags: trend_items(tags_now, &tags_before, 2),
        content_types: trend_items(types_now, &types_before, 1),
        market: store::insights::latest_trend_report(&**client, organization_id).await?,
    })
}
