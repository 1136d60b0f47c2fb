use chrono::{Duration, Utc};
use domain::{NotificationKind, Platform};
use platforms::{AppCredentials, Failure};
use runtime::AppState;
use serde::Serialize;
use store::social_accounts::{self, SocialAccount};
use store::tokio_postgres::{self, GenericClient};

/// Why no usable token could be had.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Only a reconnection helps (the platform refused the refresh, or the stored token can no
    /// longer be read); the account is marked `needs_reconnect` with this reason.
    #[error("{0}")]
    NeedsReconnect(String),
    #[error(
        "{0} is not configured on this installation: add its app credentials to the application secret"
    )]
    NotConfigured(Platform),
    /// The platform did not answer the refresh usefully, for now: try again later.
    #[error("{platform}: {failure:?}")]
    Platform {
        platform: Platform,
        failure: Failure,
    },
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

impl From<tokio_postgres::Error> for TokenError {
    fn from(error: tokio_postgres::Error) -> Self {
        TokenError::Store(error.into())
    }
}

/// The platform app's credentials from the application secret.
pub fn app_credentials(state: &AppState, platform: Platform) -> Result<AppCredentials, TokenError> {
    let credentials = state
        .secrets
        .platforms
        .get(&platform)
        .ok_or(TokenError::NotConfigured(platform))?;
    Ok(AppCredentials {
        client_id: credentials.client_id.clone(),
        client_secret: credentials.client_secret.clone(),
    })
}

const UNREADABLE: &str = "the stored token can no longer be decrypted";

/// The encryption key changed (rotation, or a fresh local stack): only a reconnection helps.
/// True when the account was healthy until now.
async fn mark_unreadable(
    db: &impl GenericClient,
    account: &SocialAccount,
) -> Result<bool, TokenError> {
    Ok(
        social_accounts::mark_needs_reconnect(db, account.organization_id, account.id, UNREADABLE)
            .await?,
    )
}

fn unreadable() -> TokenError {
    TokenError::NeedsReconnect(
        "the stored token can no longer be read; reconnect the account".to_owned(),
    )
}

/// Tells whoever connected the account, and the team, that it needs reconnecting: publishing
/// to it stops until then. Called after the change committed, once per healthy → refused.
pub(crate) async fn announce_needs_reconnect(
    state: &AppState,
    db: &tokio_postgres::Client,
    account: &SocialAccount,
    reason: &str,
) {
    let name = account
        .account_name
        .as_deref()
        .or(account.account_handle.as_deref())
        .unwrap_or(&account.account_id);
    let platform = account.platform.display_name();
    notifications::notify(
        state,
        db,
        account.organization_id,
        notifications::Recipients::TeamAnd(account.connected_by),
        notifications::Draft {
            kind: NotificationKind::AccountNeedsReconnect,
            title: format!("Reconnect {name} on {platform}"),
            body: format!(
                "{platform} no longer accepts our access to {name} ({reason}). Scheduled posts \
                 to it will fail until someone reconnects it."
            ),
            link: Some("/social-accounts".to_owned()),
            post_id: None,
            social_account_id: Some(account.id),
        },
    )
    .await;
}

/// A usable access token: refreshed first when it expires within five minutes (or when
/// `force`d after the platform refused it). Refreshes of one account are serialised by its row
/// lock, and a refresh is skipped when the tokens changed since `account` was read: another
/// caller (maintenance, a publish, a sync) already rotated them, and sending the old refresh
/// token again would be refused. Only a refresh the platform refuses marks the account
/// `needs_reconnect`; a transient failure leaves it healthy.
pub async fn fresh_access_token(
    state: &AppState,
    db: &mut tokio_postgres::Client,
    account: &SocialAccount,
    force: bool,
) -> Result<String, TokenError> {
    let bound = account.id.as_bytes().to_vec();
    let decrypt = |sealed: &str| state.token_cipher().decrypt(sealed, &bound).ok();
    let no_token =
        || TokenError::NeedsReconnect("the account has no token; reconnect it".to_owned());
    let sealed_access = account.access_token.as_deref().ok_or_else(no_token)?;
    let expiring = account
        .token_expires_at
        .is_some_and(|at| at < Utc::now() + Duration::minutes(5));
    if (!force && !expiring) || account.refresh_token.is_none() {
        return match decrypt(sealed_access) {
            Some(access) => Ok(access),
            None => {
                if mark_unreadable(&*db, account).await? {
                    announce_needs_reconnect(state, db, account, UNREADABLE).await;
                }
                Err(unreadable())
            }
        };
    }
    let tx = db.transaction().await?;
    let current = social_accounts::get(&tx, account.organization_id, account.id, true)
        .await?
        .ok_or_else(|| TokenError::NeedsReconnect("the account was disconnected".to_owned()))?;
    let current_access = current.access_token.as_deref().ok_or_else(no_token)?;
    if current_access != sealed_access {
        // Rotated by someone else while we waited for the lock: theirs is fresh.
        let access = decrypt(current_access);
        let newly = access.is_none() && mark_unreadable(&tx, &current).await?;
        tx.commit().await?;
        if newly {
            announce_needs_reconnect(state, db, &current, UNREADABLE).await;
        }
        return access.ok_or_else(unreadable);
    }
    let Some(refresh_plain) = current.refresh_token.as_deref().and_then(decrypt) else {
        let newly = mark_unreadable(&tx, &current).await?;
        tx.commit().await?;
        if newly {
            announce_needs_reconnect(state, db, &current, UNREADABLE).await;
        }
        return Err(unreadable());
    };
    let app = app_credentials(state, account.platform)?;
    let refreshed = state
        .platforms()
        .refresh_account(account.platform, &app, &refresh_plain, &account.account_id)
        .await;
    match refreshed {
        Ok(tokens) => {
            let sealed_access = state.token_cipher().encrypt(&tokens.access_token, &bound);
            let sealed_refresh = tokens
                .refresh_token
                .as_deref()
                .map(|r| state.token_cipher().encrypt(r, &bound));
            social_accounts::set_tokens(
                &tx,
                account.organization_id,
                account.id,
                &sealed_access,
                sealed_refresh.as_deref(),
                tokens.expires_at,
            )
            .await?;
            tx.commit().await?;
            Ok(tokens.access_token)
        }
        Err(Failure::AuthExpired { reason }) | Err(Failure::RejectedContent { reason }) => {
            let newly = social_accounts::mark_needs_reconnect(
                &tx,
                account.organization_id,
                account.id,
                &format!("token refresh refused: {reason}"),
            )
            .await?;
            tx.commit().await?;
            if newly {
                let reason = format!("the token refresh was refused: {reason}");
                announce_needs_reconnect(state, db, account, &reason).await;
            }
            Err(TokenError::NeedsReconnect(format!(
                "{} no longer accepts our access ({reason}); reconnect the account",
                account.platform
            )))
        }
        Err(failure) => Err(TokenError::Platform {
            platform: account.platform,
            failure,
        }),
    }
}

/// What a renewal run did.
#[derive(Debug, Default, Serialize)]
pub struct RefreshReport {
    pub refreshed: usize,
    pub needs_reconnect: usize,
    pub failed_transiently: usize,
}

/// Renews every token expiring within `within`, before any user or publish needs it. Run on a
/// schedule (the `maintenance` function; the dev server emulates the schedule).
pub async fn refresh_expiring_tokens(
    state: &AppState,
    within: Duration,
) -> Result<RefreshReport, TokenError> {
    let mut client = state.db.client().await?;
    let accounts = social_accounts::expiring(&**client, Utc::now() + within, 500).await?;
    let mut report = RefreshReport::default();
    for account in accounts {
        match fresh_access_token(state, &mut client, &account, true).await {
            Ok(_) => report.refreshed += 1,
            Err(TokenError::NeedsReconnect(_)) => report.needs_reconnect += 1,
            Err(TokenError::Store(error)) => return Err(TokenError::Store(error)),
            Err(error) => {
                tracing::warn!(platform = %account.platform, %error, "token refresh will be retried on the next run");
                report.failed_transiently += 1;
            }
        }
    }
    tracing::info!(?report, "maintenance: tokens refreshed");
    Ok(report)
}
