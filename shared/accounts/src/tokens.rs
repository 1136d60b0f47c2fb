//! Single-use emailed tokens: password reset (1 hour) and email verification (24 hours). Only
//! their hashes are stored; asking again voids the previous one; requests for unknown
//! addresses do nothing, and callers answer them the same way.

use auth::OpaqueToken;
use chrono::{Duration, Utc};
use domain::{AuditAction, EmailAddress, NewPassword};
use runtime::AppState;
use store::accounts::audit::{self, AuditEntry};
use store::accounts::sessions;
use store::accounts::tokens::{self as stored_tokens, NewToken, Purpose};
use store::accounts::users::{self, User};
use store::tokio_postgres::{self, GenericClient};

use crate::live_sessions;
use crate::{AccountsError, RequestOrigin, emails};

pub(crate) const VERIFY_EMAIL_TTL: Duration = Duration::hours(24);
const RESET_PASSWORD_TTL: Duration = Duration::hours(1);

/// The refusal of an unknown, used or expired token of `purpose`.
fn invalid(purpose: Purpose) -> AccountsError {
    AccountsError::InvalidToken(match purpose {
        Purpose::ResetPassword => "the reset link is invalid, used or expired",
        _ => "the verification link is invalid, used or expired",
    })
}

/// A token as a link presented it; anything that cannot be one is refused like a spent one.
fn presented(text: &str, purpose: Purpose) -> Result<OpaqueToken, AccountsError> {
    OpaqueToken::presented(text).ok_or_else(|| invalid(purpose))
}

/// Spends a single-use token of `purpose` and returns its user and the address it was sent to.
async fn spend(
    tx: &tokio_postgres::Transaction<'_>,
    purpose: Purpose,
    token: &OpaqueToken,
) -> Result<(User, String), AccountsError> {
    let consumed = stored_tokens::consume(tx, purpose, &token.hash())
        .await?
        .ok_or_else(|| invalid(purpose))?;
    let user_id = consumed.user_id.ok_or_else(|| invalid(purpose))?;
    let user = users::get(tx, user_id)
        .await?
        .ok_or_else(|| invalid(purpose))?;
    Ok((user, consumed.email))
}

/// Replaces any unused token of this purpose with a new one for the user.
pub(crate) async fn replace_user_token(
    db: &impl GenericClient,
    purpose: Purpose,
    user: &User,
    ttl: Duration,
) -> Result<OpaqueToken, AccountsError> {
    stored_tokens::void_for_user(db, user.id, purpose).await?;
    let token = OpaqueToken::generate();
    stored_tokens::insert(
        db,
        &NewToken {
            purpose,
            token_hash: &token.hash(),
            user_id: Some(user.id),
            organization_id: user.organization_id,
            email: &user.email,
            role: None,
            created_by: None,
            expires_at: Utc::now() + ttl,
        },
    )
    .await?;
    Ok(token)
}

/// The two tokens a stranger may ask to be emailed; asking for an address without an account
/// (or one that needs no such token) sends nothing, and callers answer alike.
#[derive(Clone, Copy)]
enum EmailedToken {
    PasswordReset,
    Verification,
}

impl EmailedToken {
    fn purpose(self) -> Purpose {
        match self {
            EmailedToken::PasswordReset => Purpose::ResetPassword,
            EmailedToken::Verification => Purpose::VerifyEmail,
        }
    }

    fn ttl(self) -> Duration {
        match self {
            EmailedToken::PasswordReset => RESET_PASSWORD_TTL,
            EmailedToken::Verification => VERIFY_EMAIL_TTL,
        }
    }

    /// Whether this user should get one.
    fn wanted(self, user: &User) -> bool {
        match self {
            EmailedToken::PasswordReset => user.is_active,
            EmailedToken::Verification => user.is_active && !user.email_verified,
        }
    }
}

/// Replaces the address's token of this kind and emails it, committed before it is mailed.
async fn email_token(
    state: &AppState,
    email: &EmailAddress,
    kind: EmailedToken,
) -> Result<(), AccountsError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let token = match users::find_by_email(&tx, email.as_str()).await? {
        Some(user) if kind.wanted(&user) => {
            Some(replace_user_token(&tx, kind.purpose(), &user, kind.ttl()).await?)
        }
        _ => None,
    };
    tx.commit().await?;
    if let Some(token) = token {
        match kind {
            EmailedToken::PasswordReset => {
                emails::password_reset(state, email.as_str(), token.expose()).await
            }
            EmailedToken::Verification => {
                emails::verification(state, email.as_str(), token.expose()).await
            }
        }
    }
    Ok(())
}

/// Emails a reset link if an active account uses the address.
pub async fn request_password_reset(
    state: &AppState,
    email: &EmailAddress,
) -> Result<(), AccountsError> {
    email_token(state, email, EmailedToken::PasswordReset).await
}

/// Emails a new verification link if the address has an active, unverified account.
pub async fn resend_verification(
    state: &AppState,
    email: &EmailAddress,
) -> Result<(), AccountsError> {
    email_token(state, email, EmailedToken::Verification).await
}

/// Sets a new password with a reset token, and signs out every session of the user.
pub async fn reset_password(
    state: &AppState,
    token: &str,
    password: &NewPassword,
    origin: &RequestOrigin,
) -> Result<(), AccountsError> {
    let token = presented(token, Purpose::ResetPassword)?;
    let password_hash = state.passwords().hash(password);
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let (user, _) = spend(&tx, Purpose::ResetPassword, &token).await?;
    let user_id = user.id;
    users::set_password(&tx, user_id, &password_hash).await?;
    let revoked = sessions::revoke_all_for_user(&tx, user_id, "password_reset").await?;
    audit::record(
        &tx,
        &origin.actor(Some(&user)),
        AuditEntry {
            action: AuditAction::Update,
            resource_type: "user",
            resource_id: Some(user_id),
            old_values: None,
            new_values: Some(
                serde_json::json!({ "password": "reset", "revoked_sessions": revoked }),
            ),
        },
    )
    .await?;
    tx.commit().await?;
    live_sessions::close(state, user.organization_id, user_id, None).await;
    Ok(())
}

/// Confirms the address a verification token was sent to; returns the user as they were.
pub async fn verify_email(
    state: &AppState,
    token: &str,
    origin: &RequestOrigin,
) -> Result<User, AccountsError> {
    let token = presented(token, Purpose::VerifyEmail)?;
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let (user, sent_to) = spend(&tx, Purpose::VerifyEmail, &token).await?;
    // A token for an address the user has since changed proves nothing about the new one.
    if user.email != sent_to {
        return Err(invalid(Purpose::VerifyEmail));
    }
    users::mark_email_verified(&tx, user.id).await?;
    audit::record(
        &tx,
        &origin.actor(Some(&user)),
        AuditEntry {
            action: AuditAction::Update,
            resource_type: "user",
            resource_id: Some(user.id),
            old_values: Some(serde_json::json!({ "email_verified": user.email_verified })),
            new_values: Some(serde_json::json!({ "email_verified": true })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}
