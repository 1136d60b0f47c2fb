//! The metrics sync: for every healthy account, its followers (and demographics where the
//! platform gives them), the posts published on the platform directly, and snapshots of every
//! published post: hourly while it is new, daily for a month, weekly after that.
//!
//! A run leases accounts so overlapping runs never sync one twice, honours each platform's
//! rate limits (X's remaining-calls header and every 429's reset time pause that account, not
//! the run), and stops before its deadline. Where an account stopped is in Postgres: its due
//! targets stay due, its import walk keeps its cursor, so the next run continues.

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use platforms::{Failure, PostMetrics, metrics_batch_size};
use runtime::AppState;
use store::analytics::sync::{
    self as db_sync, AccountOutcome, AudienceSlice, Counts, DueTarget, ImportProgress,
    LeasedAccount, TimelinePost,
};
use uuid::Uuid;

use crate::AnalyticsError;
use crate::session::Session;
use crate::with_token;

/// How many accounts one run works on at once: platform calls overlap, database writes are
/// short (the pool stays at the deployed size).
const ACCOUNTS_AT_ONCE: usize = 8;
/// Accounts leased per round.
const LEASE_BATCH: i64 = 32;
/// How often an account's own figures are read.
pub const FIGURES_EVERY: Duration = Duration::hours(6);
/// How far back the first import walk reaches.
pub const IMPORT_BACKFILL: Duration = Duration::days(365);
/// Timeline pages one account may read per run (the rest waits for the next run).
const IMPORT_PAGES_PER_RUN: usize = 50;
/// Due targets read per account per round.
const DUE_PER_ROUND: i64 = 500;
pub use crate::deadline::DEADLINE_MARGIN;
use crate::deadline::out_of_time;

/// When a target is looked at next: hourly for its first 48 hours, daily until it is 30 days
/// old, weekly after that (a post earns almost everything in its first days; weekly snapshots
/// keep the long tail without spending the platforms' rate limits). Each interval is a little shorter than its schedule so that a
/// run starting a minute early still finds the target due.
pub fn next_sync_at(published_at: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    let age = now - published_at;
    let wait = if age < Duration::hours(48) {
        Duration::minutes(55)
    } else if age < Duration::days(30) {
        Duration::hours(23) + Duration::minutes(50)
    } else {
        Duration::days(7) - Duration::minutes(10)
    };
    now + wait
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    pub accounts: usize,
    pub snapshots: usize,
    pub imported: usize,
    pub figures: usize,
    /// Accounts a platform asked us to leave alone for a while.
    pub paused: usize,
    pub failed: usize,
    /// Competitors refreshed (once a day each).
    pub competitors: usize,
    /// The run stopped at its deadline with work left (the next run continues).
    pub stopped_at_deadline: bool,
}

impl SyncReport {
    fn add(&mut self, other: &SyncReport) {
        self.accounts += other.accounts;
        self.snapshots += other.snapshots;
        self.imported += other.imported;
        self.figures += other.figures;
        self.paused += other.paused;
        self.failed += other.failed;
        self.competitors += other.competitors;
        self.stopped_at_deadline |= other.stopped_at_deadline;
    }
}

/// The driver's client behind a pooled one (its transactions are the driver's).
fn pg(client: &mut store::PooledClient) -> &mut store::tokio_postgres::Client {
    client
}

/// One scheduled run over every account, at `now` (the real time, or a demo's simulated one).
pub async fn run(
    state: &AppState,
    now: DateTime<Utc>,
    deadline: Instant,
) -> Result<SyncReport, AnalyticsError> {
    let work = async {
        let outcome = run_over(state, now, deadline, None).await;
        // Sessions from social, imported from each organization's Google Analytics property,
        // when the accounts left time for it (the next run imports the days again).
        if Instant::now() < deadline
            && let Err(error) = integrations::ga4::import_all(state).await
        {
            tracing::warn!(%error, "Google Analytics imports failed");
        }
        outcome
    };
    state
        .scheduled_run(METRICS_SYNC, work, |report| {
            format!(
                "{} accounts, {} snapshots, {} failed",
                report.accounts, report.snapshots, report.failed
            )
        })
        .await
        .unwrap_or(Ok(SyncReport::default()))
}

/// The hourly sync's name in the runs the admin health page shows.
const METRICS_SYNC: &str = "metrics-sync";

/// Syncs one account now (the "sync" button), within `deadline`.
pub async fn sync_account(
    state: &AppState,
    account: Uuid,
    now: DateTime<Utc>,
    deadline: Instant,
) -> Result<SyncReport, AnalyticsError> {
    run_over(state, now, deadline, Some(account)).await
}

async fn run_over(
    state: &AppState,
    now: DateTime<Utc>,
    deadline: Instant,
    only: Option<Uuid>,
) -> Result<SyncReport, AnalyticsError> {
    let mut report = SyncReport::default();
    loop {
        if out_of_time(deadline) {
            report.stopped_at_deadline = true;
            return Ok(report);
        }
        // The lease outlives the run by a margin, so a crashed run's accounts come back soon.
        let lease = Duration::from_std(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_default()
            + Duration::minutes(2);
        let leased = {
            let client = state.db.client().await?;
            db_sync::lease_accounts(&**client, now, lease, LEASE_BATCH, only).await?
        };
        if leased.is_empty() {
            if only.is_none() {
                report.competitors = crate::competitors::refresh_due(state, now, deadline).await?;
            }
            return Ok(report);
        }
        let round: Vec<SyncReport> = futures::stream::iter(leased)
            .map(|account| sync_leased(state, account, now, deadline))
            .buffer_unordered(ACCOUNTS_AT_ONCE)
            .collect()
            .await;
        for one in &round {
            report.add(one);
        }
        if only.is_some() {
            return Ok(report);
        }
    }
}

/// One account's turn; its outcome is always recorded and its lease released.
async fn sync_leased(
    state: &AppState,
    leased: LeasedAccount,
    now: DateTime<Utc>,
    deadline: Instant,
) -> SyncReport {
    let mut report = SyncReport {
        accounts: 1,
        ..SyncReport::default()
    };
    let mut outcome = AccountOutcome::default();
    if let Err(error) = sync_one(state, &leased, now, deadline, &mut report, &mut outcome).await {
        tracing::warn!(account = %leased.id, %error, "metrics sync of an account failed");
        report.failed += 1;
        outcome.error = Some(error.to_string());
    }
    if outcome.paused_until.is_some() {
        report.paused += 1;
    }
    match state.db.client().await {
        Ok(client) => {
            if let Err(error) = db_sync::finish_account(&**client, leased.id, now, &outcome).await {
                tracing::warn!(account = %leased.id, %error, "sync outcome not recorded; the lease expires");
            }
        }
        Err(error) => {
            tracing::warn!(account = %leased.id, %error, "sync outcome not recorded; the lease expires")
        }
    }
    report
}

/// The platform said to wait: until its reset time, or a quarter of an hour.
fn pause_of(failure: &Failure, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match failure {
        Failure::RateLimited { reset_at, .. } => Some(
            reset_at
                .unwrap_or(now + Duration::minutes(15))
                .max(now + Duration::minutes(1)),
        ),
        _ => None,
    }
}

async fn sync_one(
    state: &AppState,
    leased: &LeasedAccount,
    now: DateTime<Utc>,
    deadline: Instant,
    report: &mut SyncReport,
    outcome: &mut AccountOutcome,
) -> Result<(), AnalyticsError> {
    let mut session = Session::open(state, leased.organization_id, leased.id).await?;
    let platform = leased.platform;
    let stop = |failure: Failure, outcome: &mut AccountOutcome| -> Result<(), AnalyticsError> {
        outcome.paused_until = pause_of(&failure, now);
        if outcome.paused_until.is_some() {
            Ok(())
        } else {
            Err(AnalyticsError::Platform(platform, failure))
        }
    };

    // 1. The account's own figures, every few hours.
    if leased.figures_due_at.is_none_or(|due| due <= now) {
        let figures = with_token!(state, session, |acting| state
            .platforms()
            .account_figures(platform, &acting));
        let figures = match figures {
            Ok(figures) => figures,
            Err(failure) => return stop(failure, outcome),
        };
        let audience = with_token!(state, session, |acting| state
            .platforms()
            .audience(platform, &acting));
        let audience = match audience {
            Ok(audience) => audience,
            Err(failure) => return stop(failure, outcome),
        };
        let mut client = state.db.client().await?;
        let tx = pg(&mut client).transaction().await?;
        if let Some(followers) = figures.followers {
            db_sync::record_account_snapshot(
                &tx,
                leased.organization_id,
                leased.id,
                followers,
                now,
            )
            .await?;
        }
        if let Some(audience) = audience {
            let slices: Vec<(AudienceSlice, i64)> = audience
                .by_age_gender
                .into_iter()
                .map(|(age, gender, n)| (AudienceSlice::AgeGender { age, gender }, n))
                .chain(
                    audience
                        .by_country
                        .into_iter()
                        .map(|(c, n)| (AudienceSlice::Country(c), n)),
                )
                .collect();
            db_sync::record_audience(
                &tx,
                leased.organization_id,
                leased.id,
                now.date_naive(),
                &slices,
            )
            .await?;
        }
        tx.commit().await?;
        report.figures += 1;
        outcome.figures_due_at = Some(now + FIGURES_EVERY);
    }

    // 2. Posts published on the platform directly: walk the timeline from the newest post back
    //    to the newest one an earlier walk saw.
    let floor = leased.import_watermark.unwrap_or(now - IMPORT_BACKFILL);
    let mut walk = ImportProgress {
        watermark: leased.import_watermark,
        cursor: leased.import_cursor.clone(),
        walk_newest: leased.import_walk_newest,
    };
    let mut pages = 0;
    loop {
        if out_of_time(deadline) || pages == IMPORT_PAGES_PER_RUN {
            report.stopped_at_deadline |= out_of_time(deadline);
            break;
        }
        pages += 1;
        let cursor = walk.cursor.clone();
        let page = with_token!(state, session, |acting| state.platforms().recent_posts(
            platform,
            &acting,
            cursor.as_deref()
        ));
        let page = match page {
            Ok(page) => page,
            Err(failure) => {
                outcome.import = Some(walk);
                return stop(failure, outcome);
            }
        };
        let mut reached_floor = false;
        let mut client = state.db.client().await?;
        for post in &page.posts {
            walk.walk_newest = walk.walk_newest.max(Some(post.created_at));
            if post.created_at <= floor || post.created_at > now {
                reached_floor |= post.created_at <= floor;
                continue;
            }
            let tx = pg(&mut client).transaction().await?;
            let new = db_sync::import_post(
                &tx,
                leased.organization_id,
                leased.id,
                &TimelinePost {
                    platform_post_id: &post.id,
                    text: &post.text,
                    content_type: post.content_type,
                    published_at: post.created_at,
                },
                now,
            )
            .await?;
            tx.commit().await?;
            report.imported += usize::from(new);
        }
        match page.next_cursor {
            Some(next) if !reached_floor && !page.posts.is_empty() => walk.cursor = Some(next),
            _ => {
                // The walk is complete: next time, stop at the newest post it saw.
                walk = ImportProgress {
                    watermark: walk.walk_newest.max(walk.watermark),
                    cursor: None,
                    walk_newest: None,
                };
                break;
            }
        }
    }
    outcome.import = Some(walk);

    // 3. Snapshots of every due target, as many per call as the platform takes.
    {
        let client = state.db.client().await?;
        db_sync::track_new_targets(&**client, leased.id, now).await?;
    }
    loop {
        if out_of_time(deadline) {
            report.stopped_at_deadline = true;
            return Ok(());
        }
        let due = {
            let client = state.db.client().await?;
            db_sync::due_targets(&**client, leased.id, now, DUE_PER_ROUND).await?
        };
        if due.is_empty() {
            return Ok(());
        }
        for chunk in due.chunks(metrics_batch_size(platform)) {
            if out_of_time(deadline) {
                report.stopped_at_deadline = true;
                return Ok(());
            }
            let ids: Vec<String> = chunk.iter().map(|t| t.platform_post_id.clone()).collect();
            let batch = with_token!(state, session, |acting| state
                .platforms()
                .metrics_batch(platform, &acting, &ids));
            let batch = match batch {
                Ok(batch) => batch,
                Err(failure) => return stop(failure, outcome),
            };
            report.snapshots += record_batch(state, leased, chunk, &batch.metrics, now).await?;
            if let Some(until) = batch.pause_until {
                outcome.paused_until = Some(until);
                return Ok(());
            }
        }
    }
}

/// Writes one call's snapshots in one transaction; targets the platform no longer knows wait
/// a week.
async fn record_batch(
    state: &AppState,
    leased: &LeasedAccount,
    targets: &[DueTarget],
    metrics: &[(String, PostMetrics)],
    now: DateTime<Utc>,
) -> Result<usize, AnalyticsError> {
    let mut client = state.db.client().await?;
    let tx = pg(&mut client).transaction().await?;
    let mut written = 0;
    for target in targets {
        match metrics
            .iter()
            .find(|(id, _)| *id == target.platform_post_id)
        {
            Some((_, m)) => {
                let counts = Counts {
                    likes: m.likes,
                    comments: m.comments,
                    shares: m.shares,
                    saves: m.saves,
                    clicks: m.clicks,
                    impressions: m.impressions,
                    reach: m.reach,
                    video_views: m.video_views,
                };
                db_sync::record_post_snapshot(
                    &tx,
                    leased.organization_id,
                    leased.id,
                    target,
                    &counts,
                    now,
                    next_sync_at(target.published_at, now),
                )
                .await?;
                written += 1;
            }
            None => {
                db_sync::postpone_target(&tx, target.post_platform_id, now + Duration::days(7))
                    .await?
            }
        }
    }
    tx.commit().await?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_764_000_000 + hours * 3_600, 0).expect("valid")
    }

    #[test]
    fn a_new_post_is_synced_hourly_then_daily_then_weekly() {
        let published = at(0);
        assert_eq!(
            next_sync_at(published, at(1)) - at(1),
            Duration::minutes(55)
        );
        assert_eq!(
            next_sync_at(published, at(49)) - at(49),
            Duration::hours(23) + Duration::minutes(50)
        );
        assert_eq!(
            next_sync_at(published, at(24 * 31)) - at(24 * 31),
            Duration::days(7) - Duration::minutes(10)
        );
    }

    #[test]
    fn a_rate_limit_pauses_until_the_platforms_reset() {
        let now = at(0);
        let reset = now + Duration::minutes(7);
        let limited = Failure::RateLimited {
            reset_at: Some(reset),
            reason: "slow down".into(),
        };
        assert_eq!(pause_of(&limited, now), Some(reset));
        let unknown = Failure::RateLimited {
            reset_at: None,
            reason: "slow down".into(),
        };
        assert_eq!(pause_of(&unknown, now), Some(now + Duration::minutes(15)));
        let other = Failure::Retryable { reason: "x".into() };
        assert_eq!(pause_of(&other, now), None);
    }
}
