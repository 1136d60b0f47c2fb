//! `/api/auth/*`: register, login, logout, refresh, password reset, email verification.

use accounts::sessions::{self, SessionTokens};
use accounts::signup::{self, Joining, Registration};
use auth::OpaqueToken;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json as JsonResponse, Router};
use domain::{EmailAddress, NewPassword, bounded_text};
use runtime::AppState;
use serde::{Deserialize, Serialize};
use store::accounts::organizations::Organization;
use store::accounts::users::User;

use super::refresh_cookie;
use crate::service_errors;
use http_kit::error::{ApiError, ErrorCode, FieldChecks};
use http_kit::extract::Json;
use http_kit::identity::{ClientInfo, CurrentUser};
use http_kit::rate_limit::{EMAILS_PER_ADDRESS, LoginGuard};
use http_kit::routes::{Routes, op};

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
            register,
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
            login,
        )
        .route(
            op(Method::POST, "/api/auth/logout", "End the current session").returns_nothing(204),
            logout,
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
            refresh,
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
            forgot_password,
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
            reset_password,
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
            verify_email,
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
            resend_verification,
        )
}

pub fn router(state: AppState) -> Router {
    routes().into_router(state)
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
    let joining = match invite.flatten() {
        Some(token) => Joining::Invitation(token),
        None => Joining::NewOrganization(organization_name.expect("checked")),
    };
    let registration = Registration {
        email: email.expect("checked"),
        password: password.expect("checked"),
        first_name,
        last_name,
        joining,
        gdpr_consent: body.gdpr_consent,
    };

    let registered = signup::register(&state, registration, &client)
        .await
        .map_err(service_errors::accounts)?;
    let mut tokens = registered.tokens;
    let cookie = refresh_cookie::for_browser(&state, &headers, &mut tokens);
    let response = (
        StatusCode::CREATED,
        JsonResponse(RegisterResponse {
            user: registered.user,
            organization: registered.organization,
            tokens,
        }),
    )
        .into_response();
    Ok(refresh_cookie::with_cookie(response, cookie))
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
    let checked = sessions::check_credentials(&state, &email, &body.password)
        .await
        .map_err(service_errors::accounts)?;
    let Some(user) = checked else {
        runtime::metrics::record("LoginFailures", 1.0, runtime::metrics::Unit::Count, &[]);
        guard.failed().await?;
        return Err(ApiError::new(
            ErrorCode::InvalidCredentials,
            "the email or password is not correct",
        ));
    };
    guard.succeeded().await?;
    let mut tokens = sessions::sign_in(&state, &user, &client)
        .await
        .map_err(service_errors::accounts)?;
    let cookie = refresh_cookie::for_browser(&state, &headers, &mut tokens);
    let response = JsonResponse(LoginResponse { user, tokens }).into_response();
    Ok(refresh_cookie::with_cookie(response, cookie))
}

async fn logout(
    State(state): State<AppState>,
    current: CurrentUser,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    sessions::sign_out(&state, current.session_id, &current.actor())
        .await
        .map_err(service_errors::accounts)?;
    let cookie = refresh_cookie::is_browser(&headers).then(|| refresh_cookie::cleared(&state));
    Ok(refresh_cookie::with_cookie(
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
    let presented = body
        .refresh_token
        .or_else(|| refresh_cookie::refresh_cookie(&headers));
    let mut tokens = sessions::rotate(&state, presented.as_deref(), &client)
        .await
        .map_err(service_errors::accounts)?;
    let cookie = refresh_cookie::for_browser(&state, &headers, &mut tokens);
    Ok(refresh_cookie::with_cookie(
        JsonResponse(tokens).into_response(),
        cookie,
    ))
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

/// The address of a request that emails it, once its hourly email budget allows. Both such
/// endpoints answer alike whether or not the address has an account.
async fn emailable_address(
    state: &AppState,
    body: &EmailRequest,
) -> Result<EmailAddress, ApiError> {
    let mut checks = FieldChecks::new();
    let email = checks.check("email", EmailAddress::parse(&body.email));
    checks.finish()?;
    let email = email.expect("checked");
    EMAILS_PER_ADDRESS
        .consume(&state.kv, email.as_str())
        .await?;
    Ok(email)
}

fn accepted(message: &'static str) -> Response {
    (StatusCode::ACCEPTED, JsonResponse(Accepted { message })).into_response()
}

async fn forgot_password(
    State(state): State<AppState>,
    Json(body): Json<EmailRequest>,
) -> Result<Response, ApiError> {
    let email = emailable_address(&state, &body).await?;
    accounts::tokens::request_password_reset(&state, &email)
        .await
        .map_err(service_errors::accounts)?;
    Ok(accepted(
        "if an account uses this address, a reset link is on its way",
    ))
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
    accounts::tokens::reset_password(&state, &body.token, &password.expect("checked"), &client)
        .await
        .map_err(service_errors::accounts)?;
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
    let user = accounts::tokens::verify_email(&state, &body.token, &client)
        .await
        .map_err(service_errors::accounts)?;
    Ok(JsonResponse(VerifiedResponse {
        email: user.email,
        email_verified: true,
    })
    .into_response())
}

async fn resend_verification(
    State(state): State<AppState>,
    Json(body): Json<EmailRequest>,
) -> Result<Response, ApiError> {
    let email = emailable_address(&state, &body).await?;
    accounts::tokens::resend_verification(&state, &email)
        .await
        .map_err(service_errors::accounts)?;
    Ok(accepted(
        "if this address has an unverified account, a new link is on its way",
    ))
}
