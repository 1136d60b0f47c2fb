//! The competitor watchlist: public X and Instagram accounts an organization follows, read
//! through one of its own connected accounts of that platform (X user lookup and timeline,
//! Instagram Business Discovery), with 30 days of their posts backfilled when added and a
//! snapshot a day after; and how our own accounts compare.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use domain::Platform;
use platforms::PublicAccount;
use runtime::AppState;
use serde::Serialize;
use store::OrgId;
use store::analytics::competitors::{self as db, Competitor, CompetitorSnapshot, NewCompetitor};
use store::social_accounts;
use uuid::Uuid;

use crate::AnalyticsError;
use crate::dashboards::{FollowersOn, Period, PeriodView};
use crate::session::Session;
use crate::with_token;

/// The platforms whose public accounts can be watched.
pub const WATCHABLE: [Platform; 2] = [Platform::X, Platform::Instagram];

/// How often a competitor is refreshed.
const REFRESH_EVERY: Duration = Duration::hours(20);

fn snapshot_of(account: &PublicAccount, at: DateTime<Utc>) -> CompetitorSnapshot {
    let mut tags: BTreeMap<String, i64> = BTreeMap::new();
    for post in &account.recent {
        for tag in domain::hashtags(&post.text) {
            *tags.entry(tag.to_lowercase()).or_default() += 1;
        }
    }
    let mut ranked: Vec<(String, i64)> = tags.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    CompetitorSnapshot {
        recorded_at: at,
        followers_count: account.followers,
        posts_count: account.posts,
        recent_posts: account.recent.len() as i32,
        recent_likes: account.recent.iter().map(|p| p.likes.max(0)).sum(),
        recent_comments: account.recent.iter().map(|p| p.comments.max(0)).sum(),
        top_hashtags: ranked.into_iter().take(5).map(|(t, _)| t).collect(),
    }
}

/// Looks `handle` up through one of the organization's healthy accounts of `platform`.
async fn look_up(
    state: &AppState,
    organization_id: OrgId,
    platform: Platform,
    handle: &str,
) -> Result<Option<PublicAccount>, AnalyticsError> {
    let account = crate::listening::acting_account(state, organization_id, platform).await?;
    let mut session = Session::of(state, account).await?;
    with_token!(state, session, |acting| state
        .platforms()
        .public_account(platform, &acting, handle))
    .map_err(|failure| AnalyticsError::Platform(platform, failure))
}

/// Adds a competitor, backfilling its last 30 days, within the plan's limit.
pub async fn add(
    state: &AppState,
    organization_id: OrgId,
    user_id: Uuid,
    platform: Platform,
    handle: &str,
) -> Result<Competitor, AnalyticsError> {
    let found = look_up(state, organization_id, platform, handle)
        .await?
        .ok_or(AnalyticsError::NotFound("account with that handle"))?;
    let mut client = state.db.client().await?;
    let pg: &mut store::tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let plan = store::accounts::organizations::get(&tx, organization_id, false)
        .await?
        .ok_or(AnalyticsError::NotFound("organization"))?
        .subscription_plan;
    let limit = plan.limits().max_competitors;
    if db::count_locked(&tx, organization_id).await? >= i64::from(limit) {
        return Err(AnalyticsError::PlanLimit(format!(
            "your plan watches at most {limit} competitors: remove one or upgrade"
        )));
    }
    let competitor = match db::insert(
        &tx,
        &NewCompetitor {
            organization_id,
            platform,
            handle,
            platform_user_id: &found.platform_user_id,
            display_name: found.name.as_deref(),
            added_by: user_id,
        },
    )
    .await
    {
        Err(store::StoreError::UniqueViolation { .. }) => {
            return Err(AnalyticsError::Conflict(format!(
                "@{handle} on {} is already on the watchlist",
                platform.display_name()
            )));
        }
        other => other?,
    };
    let now = Utc::now();
    db::record_snapshot(
        &tx,
        organization_id,
        competitor.id,
        &snapshot_of(&found, now),
    )
    .await?;
    tx.commit().await?;
    Ok(Competitor {
        last_synced_at: Some(now),
        ..competitor
    })
}

pub async fn remove(
    state: &AppState,
    organization_id: OrgId,
    id: Uuid,
) -> Result<(), AnalyticsError> {
    let client = state.db.client().await?;
    if db::delete(&**client, organization_id, id).await? {
        Ok(())
    } else {
        Err(AnalyticsError::NotFound("competitor"))
    }
}

/// Refreshes the competitors of every organization not refreshed for a day, until the
/// deadline; returns how many were refreshed.
pub async fn refresh_due(
    state: &AppState,
    now: DateTime<Utc>,
    deadline: Instant,
) -> Result<usize, AnalyticsError> {
    let due = {
        let client = state.db.client().await?;
        db::due(&**client, now - REFRESH_EVERY, 200).await?
    };
    let mut refreshed = 0;
    for competitor in due {
        if crate::deadline::out_of_time(deadline) {
            break;
        }
        let org = competitor.organization_id;
        let outcome = look_up(state, org, competitor.platform, &competitor.handle).await;
        let client = state.db.client().await?;
        match outcome {
            Ok(Some(found)) => {
                db::record_snapshot(&**client, org, competitor.id, &snapshot_of(&found, now))
                    .await?;
                refreshed += 1;
            }
            Ok(None) => {
                db::record_failure(
                    &**client,
                    org,
                    competitor.id,
                    now,
                    "the account no longer exists",
                )
                .await?
            }
            Err(error) => {
                tracing::warn!(competitor = %competitor.id, %error, "competitor not refreshed");
                db::record_failure(&**client, org, competitor.id, now, &error.to_string()).await?
            }
        }
    }
    Ok(refreshed)
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CompetitorView {
    #[serde(flatten)]
    pub competitor: Competitor,
    pub latest: Option<CompetitorSnapshot>,
    /// Their posts a week over the 30 days before the latest snapshot.
    pub posts_per_week: Option<f64>,
    /// Likes and comments per post over those 30 days.
    pub engagements_per_post: Option<f64>,
    /// Followers at the end of each day of the period that has a snapshot.
    pub followers: Vec<FollowersOn>,
}

/// Our own accounts of one platform, measured as competitors are (last 30 days).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct OwnBenchmark {
    pub platform: Platform,
    pub followers: Option<i64>,
    pub posts_per_week: f64,
    /// Likes and comments per post, as competitors' public counts allow.
    pub engagements_per_post: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CompetitorsView {
    pub period: PeriodView,
    /// How many competitors the plan allows.
    pub limit: i32,
    pub competitors: Vec<CompetitorView>,
    pub own: Vec<OwnBenchmark>,
    /// Each competitor's and your share of the posts and engagement (likes and comments) of
    /// the last 30 days, on the watched platforms.
    pub share_of_voice: Vec<VoiceShare>,
    /// Competitors' unusual days in the last 30 days (follower or engagement spikes).
    pub alerts: Vec<store::insights::CompetitorAlert>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct VoiceShare {
    /// `@handle`, or `you`.
    pub name: String,
    pub is_you: bool,
    pub posts: i64,
    pub engagements: i64,
    pub share_of_posts: f64,
    pub share_of_engagement: f64,
}

/// Shares of voice from (name, is_you, posts, engagements).
fn shares(entries: Vec<(String, bool, i64, i64)>) -> Vec<VoiceShare> {
    let posts: i64 = entries.iter().map(|e| e.2).sum();
    let engagements: i64 = entries.iter().map(|e| e.3).sum();
    let share = |part: i64, whole: i64| {
        if whole > 0 {
            (part as f64 / whole as f64 * 1000.0).round() / 1000.0
        } else {
            0.0
        }
    };
    let mut out: Vec<VoiceShare> = entries
        .into_iter()
        .map(|(name, is_you, p, e)| VoiceShare {
            name,
            is_you,
            posts: p,
            engagements: e,
            share_of_posts: share(p, posts),
            share_of_engagement: share(e, engagements),
        })
        .collect();
    out.sort_by(|a, b| b.share_of_engagement.total_cmp(&a.share_of_engagement));
    out
}

fn per_week(posts: i64) -> f64 {
    (posts as f64 * 7.0 / 30.0 * 100.0).round() / 100.0
}

fn per_post(engagements: i64, posts: i64) -> Option<f64> {
    (posts > 0).then(|| (engagements as f64 / posts as f64 * 100.0).round() / 100.0)
}

pub async fn view(
    state: &AppState,
    organization_id: OrgId,
    period: &Period,
) -> Result<CompetitorsView, AnalyticsError> {
    let client = state.db.client().await?;
    let organization = store::accounts::organizations::get(&**client, organization_id, false)
        .await?
        .ok_or(AnalyticsError::NotFound("organization"))?;
    let competitors = db::list(&**client, organization_id).await?;
    let latest = db::latest(&**client, organization_id).await?;
    let (from, to) = period.instants();
    let series =
        db::followers_by_day(&**client, organization_id, from, to, period.zone.name()).await?;
    let own_accounts = social_accounts::list(&**client, organization_id).await?;
    let month = store::analytics::dashboards::Scope {
        from: Utc::now() - Duration::days(30),
        to: Utc::now(),
        accounts: Vec::new(),
        platform: None,
        content_type: None,
        tag: None,
    };
    let sums =
        store::analytics::dashboards::totals_by_account(&**client, organization_id, &month).await?;
    let own = WATCHABLE
        .iter()
        .filter(|p| own_accounts.iter().any(|a| a.platform == **p))
        .map(|&platform| {
            let (mut posts, mut engaged) = (0, 0);
            for (_, p, totals) in sums.iter().filter(|(_, p, _)| *p == platform) {
                debug_assert_eq!(*p, platform);
                posts += totals.posts;
                engaged += totals.likes + totals.comments;
            }
            let followers = own_accounts
                .iter()
                .filter(|a| a.platform == platform)
                .filter_map(|a| a.followers_count)
                .reduce(|a, b| a + b);
            OwnBenchmark {
                platform,
                followers,
                posts_per_week: per_week(posts),
                engagements_per_post: per_post(engaged, posts),
            }
        })
        .collect();
    let (own_posts, own_engaged) = sums
        .iter()
        .filter(|(_, p, _)| WATCHABLE.contains(p))
        .fold((0, 0), |(p, e), (_, _, t)| {
            (p + t.posts, e + t.likes + t.comments)
        });
    let mut voices = vec![("you".to_owned(), true, own_posts, own_engaged)];
    voices.extend(competitors.iter().filter_map(|c| {
        let (_, s) = latest.iter().find(|(id, _)| *id == c.id)?;
        Some((
            format!("@{}", c.handle),
            false,
            i64::from(s.recent_posts),
            s.recent_likes + s.recent_comments,
        ))
    }));
    let alerts = store::insights::competitor_alerts(
        &**client,
        organization_id,
        Utc::now() - Duration::days(30),
    )
    .await?;
    Ok(CompetitorsView {
        share_of_voice: shares(voices),
        alerts,
        period: crate::dashboards::view_of(period),
        limit: organization.subscription_plan.limits().max_competitors,
        competitors: competitors
            .into_iter()
            .map(|competitor| {
                let latest = latest
                    .iter()
                    .find(|(id, _)| *id == competitor.id)
                    .map(|(_, s)| s.clone());
                let followers = series
                    .iter()
                    .filter(|(id, _, _)| *id == competitor.id)
                    .map(|(_, date, followers)| FollowersOn {
                        date: *date,
                        followers: *followers,
                    })
                    .collect();
                CompetitorView {
                    posts_per_week: latest.as_ref().map(|s| per_week(i64::from(s.recent_posts))),
                    engagements_per_post: latest.as_ref().and_then(|s| {
                        per_post(
                            s.recent_likes + s.recent_comments,
                            i64::from(s.recent_posts),
                        )
                    }),
                    latest,
                    followers,
                    competitor,
                }
            })
            .collect(),
        own,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use platforms::PublicPost;

    #[test]
    fn a_snapshot_counts_the_last_month_and_ranks_hashtags() {
        let at = Utc::now();
        let post = |text: &str, likes| PublicPost {
            created_at: at,
            text: text.into(),
            likes,
            comments: 2,
        };
        let account = PublicAccount {
            platform_user_id: "1".into(),
            name: None,
            followers: Some(900),
            posts: Some(40),
            recent: vec![
                post("#Coffee #beans", 10),
                post("#coffee morning", 20),
                post("plain", 0),
            ],
        };
        let snapshot = snapshot_of(&account, at);
        assert_eq!(snapshot.recent_posts, 3);
        assert_eq!(snapshot.recent_likes, 30);
        assert_eq!(snapshot.recent_comments, 6);
        assert_eq!(snapshot.top_hashtags, vec!["coffee", "beans"]);
        assert_eq!(per_week(30), 7.0);
        assert_eq!(per_post(36, 3), Some(12.0));
        assert_eq!(per_post(1, 0), None);
    }
}
