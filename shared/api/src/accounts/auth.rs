//! `/api/auth/*`: register, login, logout, refresh, password reset, email verification.

use auth::OpaqueToken;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json as JsonResponse, Router};
use chrono::{Duration, Utc};
use domain::{AuditAction, EmailAddress, NewPassword, Role, Slug, bounded_text};
use runtime::AppState;
use serde::{Deserialize, Serialize};
use store::accounts::audit::{self, Actor, AuditEntry};
use store::accounts::organizations::{self, Organization};
use store::accounts::sessions::{self, RefreshLookup};
use store::accounts::tokens::{self, NewToken, Purpose};
use store::accounts::users::{self, NewUser, User};
use store::tokio_postgres;
use uuid::Uuid;

use super::emails;
use super::session_tokens::{self, SessionTokens};
use crate::error::{ApiError, ErrorCode, FieldChecks};
use crate::extract::Json;
use crate::identity::{ClientInfo, CurrentUser};
use crate::rate_limit::{EMAILS_PER_ADDRESS, LoginGuard};
use crate::routes::{Routes, op};

pub fn routes() -> Routes {
    Routes::new("auth")
        .route(
            op(
                Method::POST,
                "/api/auth/register",
                "Create an account and organization, or join one with an invitation",
            )
            .public()
            .body::<RegisterRequest>()
            .returns::<RegisterResponse>(201)
            .errors(&[409]),
            post(register),
        )
        .route(
            op(
                Method::POST,
                "/api/auth/login",
                "Sign in; failures are rate-limited per email and address",
            )
            .public()
            .body::<LoginRequest>()
            .returns::<LoginResponse>(200)
            .errors(&[401]),
            post(login),
        )
        .route(
            op(Method::POST, "/api/auth/logout", "End the current session").returns_nothing(204),
            post(logout),
        )
        .route(
            op(
                Method::POST,
                "/api/auth/refresh",
                "Exchange a refresh token for new tokens (rotation; reuse revokes the session)",
            )
            .public()
            .body::<RefreshRequest>()
            .returns::<SessionTokens>(200)
            .errors(&[401]),
            post(refresh),
        )
        .route(
            op(
                Method::POST,
                "/api/auth/forgot-password",
                "Email a single-use reset link (same answer for unknown addresses)",
            )
            .public()
            .body::<EmailRequest>()
            .returns::<Accepted>(202),
            post(forgot_password),
        )
        .route(
            op(
                Method::POST,
                "/api/auth/reset-password",
                "Set a new password with a reset token; signs out every session",
            )
            .public()
            .body::<ResetPasswordRequest>()
            .returns_nothing(204),
            post(reset_password),
        )
        .route(
            op(
                Method::POST,
                "/api/auth/verify-email",
                "Confirm an email address with the emailed token",
            )
            .public()
            .body::<VerifyEmailRequest>()
            .returns::<VerifiedResponse>(200),
            post(verify_email),
        )
        .route(
            op(
                Method::POST,
                "/api/auth/resend-verification",
                "Email a new verification link",
            )
            .public()
            .body::<EmailRequest>()
            .returns::<Accepted>(202),
            post(resend_verification),
        )
}

pub fn router(state: AppState) -> Router {
    routes().into_router(state)
}

const VERIFY_EMAIL_TTL: Duration = Duration::hours(24);
const RESET_PASSWORD_TTL: Duration = Duration::hours(1);

fn actor_of(client: &ClientInfo, user: Option<&User>) -> Actor {
    Actor {
        organization_id: user.and_then(|u| u.organization_id),
        user_id: user.map(|u| u.id),
        ip: client.ip,
        user_agent: client.user_agent.clone(),
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RegisterRequest {
    #[schemars(email, length(max = 254), example = &"ada@example.com")]
    email: String,
    /// At least 12 characters.
    #[schemars(length(min = 12, max = 256), example = &"correct horse battery staple")]
    password: String,
    #[schemars(length(min = 1, max = 100), example = &"Ada")]
    first_name: Option<String>,
    #[schemars(length(min = 1, max = 100))]
    last_name: Option<String>,
    /// Creates a new organization with the user as its admin.
    #[schemars(length(min = 1, max = 255), example = &"Acme Social")]
    organization_name: Option<String>,
    /// Joins the inviting organization instead (the token from the invitation email).
    #[schemars(length(min = 16, max = 256))]
    invite_token: Option<String>,
    /// Consent to the processing of your personal data under the privacy policy; required. For
    /// a new organization it also records the organization's acceptance (with its date).
    #[serde(default)]
    gdpr_consent: bool,
}

#[derive(Serialize, schemars::JsonSchema)]
struct RegisterResponse {
    user: User,
    organization: Organization,
    #[serde(flatten)]
    tokens: SessionTokens,
}

async fn register(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    Json(body): Json<RegisterRequest>,
) -> Result<Response, ApiError> {
    let mut checks = FieldChecks::new();
    let email = checks.check("email", EmailAddress::parse(&body.email));
    let password = checks.check("password", NewPassword::parse(&body.password));
    let first_name = checks.check_opt("first_name", body.first_name.as_deref(), |v| {
        bounded_text(v, 100)
    });
    let last_name = checks.check_opt("last_name", body.last_name.as_deref(), |v| {
        bounded_text(v, 100)
    });
    let organization_name = checks.check_opt(
        "organization_name",
        body.organization_name.as_deref(),
        |v| bounded_text(v, 255),
    );
    let invite = body.invite_token.as_deref().map(OpaqueToken::presented);
    match (&invite, &organization_name) {
        (Some(None), _) => checks.push("invite_token", "is not a valid invitation token"),
        (None, None) if body.organization_name.is_none() => checks.push(
            "organization_name",
            "is required unless you join with an invite_token",
        ),
        (Some(Some(_)), Some(_)) => {
            checks.push("organization_name", "cannot be given with an invite_token")
        }
        _ => {}
    }
    if !body.gdpr_consent {
        checks.push(
            "gdpr_consent",
            "must be true: accept the privacy policy to create an account",
        );
    }
    checks.finish()?;
    let (email, password) = (email.expect("checked"), password.expect("checked"));

    // Hash before the transaction: it is the slow part and needs no lock.
    let password_hash = state.passwords.hash(&password);
    let mut client_db = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client_db;
    let tx = pg.transaction().await?;

    if users::find_by_email(&tx, email.as_str()).await?.is_some() {
        return Err(ApiError::new(
            ErrorCode::EmailTaken,
            "an account with this email already exists",
        ));
    }

    let (organization, role, verified) = match invite.flatten() {
        Some(token) => {
            let invitation = tokens::consume(&tx, Purpose::Invite, &token.hash())
                .await?
                .ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::InvalidToken,
                        "the invitation is invalid, used or expired",
                    )
                })?;
            if invitation.email != email.as_str() {
                return Err(ApiError::validation(vec![crate::FieldIssue::new(
                    "email",
                    "must be the address the invitation was sent to",
                )]));
            }
            let organization_id = invitation
                .organization_id
                .expect("invitations name an organization");
            let organization = organizations::get(&tx, organization_id, true)
                .await?
                .ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::InvalidToken,
                        "the inviting organization no longer exists",
                    )
                })?;
            // Receiving the invitation proved the address.
            (organization, invitation.role.unwrap_or(Role::User), true)
        }
        None => {
            let name = organization_name.expect("checked");
            let slug = unique_slug(&tx, &Slug::from_name(&name)).await?;
            (
                // The founder's consent is the organization's acceptance, dated now.
                organizations::create(&tx, &name, &slug, true).await?,
                Role::Admin,
                false,
            )
        }
    };

    let user = users::create(
        &tx,
        &NewUser {
            organization_id: organization.id,
            email: email.as_str(),
            password_hash: &password_hash,
            first_name: first_name.as_deref(),
            last_name: last_name.as_deref(),
            role,
            email_verified: verified,
            gdpr_consent: body.gdpr_consent,
        },
    )
    .await?;
    let verification = if verified {
        None
    } else {
        Some(replace_user_token(&tx, Purpose::VerifyEmail, &user, VERIFY_EMAIL_TTL).await?)
    };
    let actor = actor_of(&client, Some(&user));
    audit::record(&tx, &actor, AuditEntry {
        action: AuditAction::Create,
        resource_type: "user",
        resource_id: Some(user.id),
        old_values: None,
        new_values: Some(serde_json::json!({ "email": user.email, "role": user.role, "via_invitation": verified })),
    })
    .await?;
    let mut tokens = session_tokens::issue(&tx, &state, &user, &client, None).await?;
    tx.commit().await?;

    if let Some(token) = verification {
        emails::verification(&state, email.as_str(), token.expose()).await;
    }
    let cookie = session_tokens::for_browser(&state, &headers, &mut tokens);
    let response = (
        StatusCode::CREATED,
        JsonResponse(RegisterResponse {
            user,
            organization,
            tokens,
        }),
    )
        .into_response();
    Ok(session_tokens::with_cookie(response, cookie))
}

/// The slug itself if free, else the slug with a short random suffix.
async fn unique_slug(
    db: &impl tokio_postgres::GenericClient,
    base: &Slug,
) -> Result<String, ApiError> {
    if !organizations::slug_taken(db, base.as_str()).await? {
        return Ok(base.as_str().to_owned());
    }
    for _ in 0..5 {
        let suffix = &Uuid::new_v4().simple().to_string()[..6];
        let candidate = format!("{}-{suffix}", base.as_str());
        if !organizations::slug_taken(db, &candidate).await? {
            return Ok(candidate);
        }
    }
    Err(ApiError::new(
        ErrorCode::Conflict,
        "could not find a free organization slug, try another name",
    ))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    #[schemars(length(max = 254), example = &"ada@example.com")]
    email: String,
    #[schemars(length(max = 256))]
    password: String,
}

#[derive(Serialize, schemars::JsonSchema)]
struct LoginResponse {
    user: User,
    #[serde(flatten)]
    tokens: SessionTokens,
}

fn invalid_credentials() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidCredentials,
        "the email or password is not correct",
    )
}

async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    Json(body): Json<LoginRequest>,
) -> Result<Response, ApiError> {
    // Malformed emails are treated like unknown ones: the answer must not tell them apart.
    let email = EmailAddress::parse(&body.email)
        .map(|e| e.as_str().to_owned())
        .unwrap_or_else(|_| body.email.trim().to_lowercase());
    let ip = client
        .ip
        .map(|ip| ip.to_string())
        .unwrap_or_else(|| "unknown".to_owned());
    // Counted before the (deliberately slow) hash, so parallel guesses cannot all pass.
    let guard = LoginGuard::admit(&state.kv, &email, &ip).await?;

    let mut client_db = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client_db;
    let user = users::find_by_email(&*pg, &email).await?;
    let password_ok = match &user {
        Some(user) => state.passwords.verify(&body.password, &user.password_hash),
        None => {
            auth::verify_against_nothing(&state.passwords, &body.password);
            false
        }
    };
    let user = match user {
        Some(user) if password_ok && user.is_active && user.organization_id.is_some() => user,
        _ => {
            guard.failed().await?;
            return Err(invalid_credentials());
        }
    };
    guard.succeeded().await?;

    let tx = pg.transaction().await?;
    users::record_login(&tx, user.id).await?;
    let mut tokens = session_tokens::issue(&tx, &state, &user, &client, None).await?;
    audit::record(
        &tx,
        &actor_of(&client, Some(&user)),
        AuditEntry {
            action: AuditAction::Login,
            resource_type: "session",
            resource_id: Some(tokens.session_id),
            old_values: None,
            new_values: None,
        },
    )
    .await?;
    tx.commit().await?;
    let cookie = session_tokens::for_browser(&state, &headers, &mut tokens);
    let response = JsonResponse(LoginResponse { user, tokens }).into_response();
    Ok(session_tokens::with_cookie(response, cookie))
}

async fn logout(
    State(state): State<AppState>,
    current: CurrentUser,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let mut client_db = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client_db;
    let tx = pg.transaction().await?;
    sessions::revoke_family(&tx, current.session_id, "logout").await?;
    audit::record(
        &tx,
        &current.actor(),
        AuditEntry {
            action: AuditAction::Logout,
            resource_type: "session",
            resource_id: Some(current.session_id),
            old_values: None,
            new_values: None,
        },
    )
    .await?;
    tx.commit().await?;
    let cookie = session_tokens::is_browser(&headers).then(|| session_tokens::cleared(&state));
    Ok(session_tokens::with_cookie(
        StatusCode::NO_CONTENT.into_response(),
        cookie,
    ))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RefreshRequest {
    /// API clients send it here; the web app (`X-Client: web`) sends `{}` and its cookie.
    #[serde(default)]
    #[schemars(length(min = 16, max = 256))]
    refresh_token: Option<String>,
}

async fn refresh(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    Json(body): Json<RefreshRequest>,
) -> Result<Response, ApiError> {
    let invalid = || {
        ApiError::new(
            ErrorCode::Unauthenticated,
            "the refresh token is not valid; sign in again",
        )
    };
    let presented_token = body
        .refresh_token
        .or_else(|| session_tokens::refresh_cookie(&headers))
        .ok_or_else(invalid)?;
    let presented = OpaqueToken::presented(&presented_token).ok_or_else(invalid)?;
    let mut client_db = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client_db;
    let tx = pg.transaction().await?;
    match sessions::lookup_for_refresh(&tx, &presented.hash()).await? {
        RefreshLookup::Unknown => Err(invalid()),
        RefreshLookup::Spent {
            expired_only: true, ..
        } => Err(invalid()),
        RefreshLookup::Spent {
            user_id, family_id, ..
        } => {
            // A spent token came back: whoever holds the family's tokens, it is not safe anymore.
            let revoked = sessions::revoke_family(&tx, family_id, "reuse_detected").await?;
            let user = users::get(&tx, user_id).await?;
            audit::record(&tx, &actor_of(&client, user.as_ref()), AuditEntry {
                action: AuditAction::Logout,
                resource_type: "session",
                resource_id: Some(family_id),
                old_values: None,
                new_values: Some(serde_json::json!({ "reason": "refresh_token_reused", "revoked_tokens": revoked })),
            })
            .await?;
            tx.commit().await?;
            tracing::warn!(%family_id, "refresh token reuse detected; session family revoked");
            Err(ApiError::new(
                ErrorCode::RefreshTokenReused,
                "this refresh token was already used; the session has been revoked, sign in again",
            ))
        }
        RefreshLookup::Live { user_id, family_id } => {
            let user = users::get(&tx, user_id)
                .await?
                .filter(|u| u.is_active)
                .ok_or_else(invalid)?;
            sessions::mark_rotated(&tx, &presented.hash()).await?;
            let mut tokens =
                session_tokens::issue(&tx, &state, &user, &client, Some(family_id)).await?;
            tx.commit().await?;
            let cookie = session_tokens::for_browser(&state, &headers, &mut tokens);
            Ok(session_tokens::with_cookie(
                JsonResponse(tokens).into_response(),
                cookie,
            ))
        }
    }
}

/// Replaces any unused token of this purpose with a new one for the user.
async fn replace_user_token(
    db: &impl tokio_postgres::GenericClient,
    purpose: Purpose,
    user: &User,
    ttl: Duration,
) -> Result<OpaqueToken, ApiError> {
    tokens::void_for_user(db, user.id, purpose).await?;
    let token = OpaqueToken::generate();
    tokens::insert(
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

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct EmailRequest {
    #[schemars(email, length(max = 254), example = &"ada@example.com")]
    email: String,
}

#[derive(Serialize, schemars::JsonSchema)]
struct Accepted {
    message: &'static str,
}

/// Answers the same whether or not the address has an account.
async fn forgot_password(
    State(state): State<AppState>,
    Json(body): Json<EmailRequest>,
) -> Result<Response, ApiError> {
    let mut checks = FieldChecks::new();
    let email = checks.check("email", EmailAddress::parse(&body.email));
    checks.finish()?;
    let email = email.expect("checked");
    EMAILS_PER_ADDRESS
        .consume(&state.kv, email.as_str())
        .await?;

    let mut client_db = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client_db;
    let tx = pg.transaction().await?;
    let token = match users::find_by_email(&tx, email.as_str()).await? {
        Some(user) if user.is_active => {
            Some(replace_user_token(&tx, Purpose::ResetPassword, &user, RESET_PASSWORD_TTL).await?)
        }
        _ => None,
    };
    tx.commit().await?;
    if let Some(token) = token {
        emails::password_reset(&state, email.as_str(), token.expose()).await;
    }
    Ok((
        StatusCode::ACCEPTED,
        JsonResponse(Accepted {
            message: "if an account uses this address, a reset link is on its way",
        }),
    )
        .into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ResetPasswordRequest {
    /// The token from the reset email.
    #[schemars(length(min = 16, max = 256))]
    token: String,
    #[schemars(length(min = 12, max = 256))]
    password: String,
}

async fn reset_password(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(body): Json<ResetPasswordRequest>,
) -> Result<StatusCode, ApiError> {
    let mut checks = FieldChecks::new();
    let password = checks.check("password", NewPassword::parse(&body.password));
    checks.finish()?;
    let invalid = || {
        ApiError::new(
            ErrorCode::InvalidToken,
            "the reset link is invalid, used or expired",
        )
    };
    let token = OpaqueToken::presented(&body.token).ok_or_else(invalid)?;
    let password_hash = state.passwords.hash(&password.expect("checked"));

    let mut client_db = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client_db;
    let tx = pg.transaction().await?;
    let consumed = tokens::consume(&tx, Purpose::ResetPassword, &token.hash())
        .await?
        .ok_or_else(invalid)?;
    let user_id = consumed.user_id.expect("reset tokens name a user");
    let user = users::get(&tx, user_id).await?.ok_or_else(invalid)?;
    users::set_password(&tx, user_id, &password_hash).await?;
    let revoked = sessions::revoke_all_for_user(&tx, user_id, "password_reset").await?;
    audit::record(
        &tx,
        &actor_of(&client, Some(&user)),
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
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct VerifyEmailRequest {
    /// The token from the verification email.
    #[schemars(length(min = 16, max = 256))]
    token: String,
}

#[derive(Serialize, schemars::JsonSchema)]
struct VerifiedResponse {
    email: String,
    email_verified: bool,
}

async fn verify_email(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(body): Json<VerifyEmailRequest>,
) -> Result<Response, ApiError> {
    let invalid = || {
        ApiError::new(
            ErrorCode::InvalidToken,
            "the verification link is invalid, used or expired",
        )
    };
    let token = OpaqueToken::presented(&body.token).ok_or_else(invalid)?;
    let mut client_db = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client_db;
    let tx = pg.transaction().await?;
    let consumed = tokens::consume(&tx, Purpose::VerifyEmail, &token.hash())
        .await?
        .ok_or_else(invalid)?;
    let user = users::get(
        &tx,
        consumed.user_id.expect("verification tokens name a user"),
    )
    .await?
    .filter(|u| u.email == consumed.email)
    .ok_or_else(invalid)?;
    users::mark_email_verified(&tx, user.id).await?;
    audit::record(
        &tx,
        &actor_of(&client, Some(&user)),
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
    Ok(JsonResponse(VerifiedResponse {
        email: user.email,
        email_verified: true,
    })
    .into_response())
}

/// Answers the same whether or not the address has an unverified account.
async fn resend_verification(
    State(state): State<AppState>,
    Json(body): Json<EmailRequest>,
) -> Result<Response, ApiError> {
    let mut checks = FieldChecks::new();
    let email = checks.check("email", EmailAddress::parse(&body.email));
    checks.finish()?;
    let email = email.expect("checked");
    EMAILS_PER_ADDRESS
        .consume(&state.kv, email.as_str())
        .await?;

    let mut client_db = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client_db;
    let tx = pg.transaction().await?;
    let token = match users::find_by_email(&tx, email.as_str()).await? {
        Some(user) if user.is_active && !user.email_verified => {
            Some(replace_user_token(&tx, Purpose::VerifyEmail, &user, VERIFY_EMAIL_TTL).await?)
        }
        _ => None,
    };
    tx.commit().await?;
    if let Some(token) = token {
        emails::verification(&state, email.as_str(), token.expose()).await;
    }
    Ok((
        StatusCode::ACCEPTED,
        JsonResponse(Accepted {
            message: "if this address has an unverified account, a new link is on its way",
        }),
    )
        .into_response())
}
