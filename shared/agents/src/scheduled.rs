//! The insight agents' own schedule, run by the maintenance function every 30 minutes: for
//! each organization with connected accounts, a crisis scan every run, and once a day a
//! performance review, a trend analysis (when it tracks keywords) and, with the review, the
//! competitor spike check. A run only queues tasks; the agents' functions do the work.

use chrono::{Duration, Utc};
use domain::NotificationKind;
use runtime::AppState;
use serde_json::json;
use store::OrgId;
use uuid::Uuid;

use crate::{AgentsError, TaskKind, pipeline};

#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InsightRun {
    pub organizations: usize,
    pub queued: usize,
    pub competitor_alerts: usize,
    pub skipped: usize,
}

/// How often each scheduled task runs for one organization.
fn cadence(kind: TaskKind) -> Duration {
    match kind {
        TaskKind::CrisisScan => Duration::minutes(25),
        _ => Duration::hours(23),
    }
}

async fn due(
    state: &AppState,
    organization_id: OrgId,
    kind: TaskKind,
) -> Result<bool, AgentsError> {
    let client = state.db.client().await?;
    let last =
        store::insights::last_task_at(&**client, organization_id, kind.as_str(), true).await?;
    Ok(last.is_none_or(|at| Utc::now() - at >= cadence(kind)))
}

pub async fn run(state: &AppState) -> Result<InsightRun, AgentsError> {
    // Maintenance mode: no new agent work is queued (queued tasks still drain).
    if state.maintenance().await.enabled {
        return Ok(InsightRun::default());
    }
    let organizations = {
        let client = state.db.client().await?;
        store::insights::active_organizations(&**client).await?
    };
    let mut report = InsightRun {
        organizations: organizations.len(),
        ..InsightRun::default()
    };
    for organization_id in organizations {
        let keywords = {
            let client = state.db.client().await?;
            store::insights::trend_keywords(&**client, organization_id).await?
        };
        let mut plan = vec![
            (TaskKind::CrisisScan, json!({})),
            (TaskKind::PerformanceReview, json!({})),
        ];
        if !keywords.is_empty() {
            plan.push((TaskKind::TrendsAnalyze, json!({})));
        }
        // The competitors' snapshots change once a day: their check rides on the daily review.
        let daily = due(state, organization_id, TaskKind::PerformanceReview).await?;
        for (kind, input) in plan {
            let is_due = match kind {
                TaskKind::PerformanceReview => daily,
                _ => due(state, organization_id, kind).await?,
            };
            if !is_due {
                continue;
            }
            match pipeline::submit_for(state, organization_id, None, kind, &input).await {
                Ok(_) => report.queued += 1,
                // Switched off, or the month's budget spent: the organization's choice.
                Err(AgentsError::AgentDisabled(_) | AgentsError::BudgetExhausted { .. }) => {
                    report.skipped += 1
                }
                Err(error) => return Err(error),
            }
        }
        if daily {
            report.competitor_alerts += competitor_spikes(state, organization_id).await?;
        }
    }
    Ok(report)
}

/// Records and announces competitors whose daily follower growth or engagement per post jumped
/// (≥ 4 robust spreads above their previous two weeks). Returns how many alerts were new.
pub async fn competitor_spikes(
    state: &AppState,
    organization_id: OrgId,
) -> Result<usize, AgentsError> {
    let client = state.db.client().await?;
    let days = store::insights::competitor_days(
        &**client,
        organization_id,
        Utc::now() - Duration::days(21),
    )
    .await?;
    let watched = store::analytics::competitors::list(&**client, organization_id).await?;
    let mut new = 0;
    for competitor in &watched {
        let own: Vec<_> = days.iter().filter(|d| d.0 == competitor.id).collect();
        let followers: Vec<f64> = own.iter().filter_map(|d| d.2).map(|f| f as f64).collect();
        let growth: Vec<f64> = followers.windows(2).map(|w| w[1] - w[0]).collect();
        let floor = followers.last().map_or(1.0, |f| (f * 0.001).max(1.0));
        let per_post: Vec<f64> = own.iter().filter_map(|d| d.3).collect();
        let checks = [
            (
                "follower_spike",
                insights::robust::spike(&growth, floor, 4.0),
            ),
            (
                "engagement_spike",
                insights::robust::spike(&per_post, 1.0, 4.0),
            ),
        ];
        for (kind, found) in checks {
            let Some(found) = found else { continue };
            if !store::insights::record_competitor_alert(
                &**client,
                organization_id,
                competitor.id,
                kind,
                found,
            )
            .await?
            {
                continue;
            }
            new += 1;
            notify_spike(
                state,
                &client,
                organization_id,
                competitor.id,
                &competitor.handle,
                kind,
                found,
            )
            .await;
        }
    }
    Ok(new)
}

async fn notify_spike(
    state: &AppState,
    client: &store::tokio_postgres::Client,
    organization_id: OrgId,
    competitor_id: Uuid,
    handle: &str,
    kind: &str,
    (value, baseline, z): (f64, f64, f64),
) {
    let what = if kind == "follower_spike" {
        "gained followers"
    } else {
        "earned engagement per post"
    };
    notifications::notify(
        state,
        client,
        organization_id,
        notifications::Recipients::Team { except: None },
        notifications::Draft {
            kind: NotificationKind::CompetitorAlert,
            title: format!("@{handle} {what} unusually fast"),
            body: format!("{value:.0} against a usual {baseline:.0} (z = {z:.1})."),
            link: Some(format!("/insights/competitors#{competitor_id}")),
            post_id: None,
            social_account_id: None,
        },
    )
    .await;
}
