//! A social account with a token that works: opened once per account and call, refreshed once
//! when the platform refuses it. The metrics sync and the competitor lookups both call
//! platforms through it.

use platforms::Acting;
use runtime::AppState;
use store::OrgId;
use store::social_accounts::{self, SocialAccount};
use uuid::Uuid;

use crate::AnalyticsError;

pub(crate) struct Session {
    account: SocialAccount,
    token: String,
    refreshed: bool,
}

impl Session {
    pub(crate) async fn open(
        state: &AppState,
        organization_id: OrgId,
        account_id: Uuid,
    ) -> Result<Session, AnalyticsError> {
        let account = {
            let client = state.db.client().await?;
            social_accounts::get(&**client, organization_id, account_id, false)
                .await?
                .ok_or(AnalyticsError::NotFound("social account"))?
        };
        Session::of(state, account).await
    }

    pub(crate) async fn of(
        state: &AppState,
        account: SocialAccount,
    ) -> Result<Session, AnalyticsError> {
        let mut client = state.db.client().await?;
        let token = social::fresh_access_token(state, &mut client, &account, false).await?;
        Ok(Session {
            account,
            token,
            refreshed: false,
        })
    }

    pub(crate) fn acting(&self) -> Acting<'_> {
        Acting {
            account_id: &self.account.account_id,
            access_token: &self.token,
        }
    }

    /// After an `AuthExpired`: one forced refresh; `false` if that was already done.
    pub(crate) async fn refresh(&mut self, state: &AppState) -> Result<bool, AnalyticsError> {
        if self.refreshed {
            return Ok(false);
        }
        let mut client = state.db.client().await?;
        self.token = social::fresh_access_token(state, &mut client, &self.account, true).await?;
        self.refreshed = true;
        Ok(true)
    }
}

/// Calls the platform through `call` as the session's account, refreshing its token once on
/// `AuthExpired`. (A macro: the call borrows the session's `Acting` across an await.)
#[macro_export]
#[doc(hidden)]
macro_rules! with_token {
    ($state:expr, $session:expr, |$acting:ident| $call:expr) => {{
        let first = {
            let $acting = $session.acting();
            $call.await
        };
        match first {
            Err(platforms::Failure::AuthExpired { .. }) if $session.refresh($state).await? => {
                let $acting = $session.acting();
                $call.await
            }
            other => other,
        }
    }};
}
