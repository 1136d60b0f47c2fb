//! The monthly AI budget: what an organization's plan allows its tasks to cost in a calendar
//! month (UTC), against what they cost so far.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use store::OrgId;
use store::tokio_postgres::Client;

use crate::AgentsError;

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AiUsage {
    /// US dollars spent on AI tasks this month.
    pub spent_usd: f64,
    pub budget_usd: f64,
    pub month_started: NaiveDate,
    pub renews_on: NaiveDate,
}

impl AiUsage {
    pub fn exhausted(&self) -> bool {
        self.spent_usd >= self.budget_usd
    }
}

pub fn month_of(now: DateTime<Utc>) -> (DateTime<Utc>, NaiveDate) {
    let start = NaiveDate::from_ymd_opt(now.year(), now.month(), 1).expect("first of a month");
    let next = if now.month() == 12 {
        NaiveDate::from_ymd_opt(now.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(now.year(), now.month() + 1, 1)
    }
    .expect("first of a month");
    (
        Utc.from_utc_datetime(&start.and_hms_opt(0, 0, 0).expect("midnight")),
        next,
    )
}

pub async fn usage(db: &Client, organization_id: OrgId) -> Result<AiUsage, AgentsError> {
    let organization = store::accounts::organizations::get(db, organization_id, false)
        .await?
        .ok_or(AgentsError::NotFound("organization"))?;
    let (since, renews_on) = month_of(Utc::now());
    let spent = store::agents::tasks::spent_since(db, organization_id, since).await?;
    Ok(AiUsage {
        spent_usd: (spent * 10_000.0).round() / 10_000.0,
        budget_usd: organization.subscription_plan.limits().ai_budget_cents as f64 / 100.0,
        month_started: since.date_naive(),
        renews_on,
    })
}

/// Refuses a new task once the month's budget is spent (a task already running may finish
/// slightly over: it is never cut off half-way).
pub async fn check(db: &Client, organization_id: OrgId) -> Result<AiUsage, AgentsError> {
    let usage = usage(db, organization_id).await?;
    if usage.exhausted() {
        return Err(AgentsError::BudgetExhausted {
            spent: usage.spent_usd,
            budget: usage.budget_usd,
            renews_on: usage.renews_on,
        });
    }
    Ok(usage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_runs_from_the_first_to_the_next_first() {
        let (start, renews) = month_of(Utc.with_ymd_and_hms(2026, 12, 31, 23, 59, 0).unwrap());
        assert_eq!(start, Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap());
        assert_eq!(renews, NaiveDate::from_ymd_opt(2027, 1, 1).unwrap());
    }
}
