//! Listening through the organization's own X accounts: the mentions of each, and the hourly
//! volume of a query. The insight agents (trends, crisis) read the platforms through here.

use chrono::{DateTime, Utc};
use domain::{AccountStatus, Platform};
use platforms::Mention;
use runtime::AppState;
use store::OrgId;
use store::social_accounts::{self, SocialAccount};

use crate::AnalyticsError;
use crate::session::Session;

/// The organization's healthy accounts on `platform`.
pub async fn healthy_accounts(
    state: &AppState,
    organization_id: OrgId,
    platform: Platform,
) -> Result<Vec<SocialAccount>, AnalyticsError> {
    let client = state.db.client().await?;
    Ok(social_accounts::list(&**client, organization_id)
        .await?
        .into_iter()
        .filter(|a| a.platform == platform && a.is_active && a.status == AccountStatus::Active)
        .collect())
}

/// The account public data is read through on `platform`: the organization's first healthy
/// one, or `NeedsAccount`.
pub async fn acting_account(
    state: &AppState,
    organization_id: OrgId,
    platform: Platform,
) -> Result<SocialAccount, AnalyticsError> {
    healthy_accounts(state, organization_id, platform)
        .await?
        .into_iter()
        .next()
        .ok_or(AnalyticsError::NeedsAccount(platform))
}

/// Mentions of `account` (an X account) since `since`.
pub async fn mentions(
    state: &AppState,
    account: SocialAccount,
    since: DateTime<Utc>,
) -> Result<Vec<Mention>, AnalyticsError> {
    let mut session = Session::of(state, account).await?;
    crate::with_token!(state, session, |acting| state
        .platforms()
        .mentions(&acting, since))
    .map_err(|failure| AnalyticsError::Platform(Platform::X, failure))
}

/// Hourly volumes of `query` over seven days, read through the organization's first healthy X
/// account; `NeedsAccount` when it has none.
pub async fn recent_counts(
    state: &AppState,
    organization_id: OrgId,
    query: &str,
) -> Result<Vec<(DateTime<Utc>, u64)>, AnalyticsError> {
    let account = acting_account(state, organization_id, Platform::X).await?;
    let mut session = Session::of(state, account).await?;
    crate::with_token!(state, session, |acting| state
        .platforms()
        .recent_counts(&acting, query))
    .map_err(|failure| AnalyticsError::Platform(Platform::X, failure))
}
