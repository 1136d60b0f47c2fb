//! The one place where a service's error becomes an answer in the error format. (The error type
//! lives in `http_kit` and the service errors in their crates, so these are functions rather
//! than `From` impls, which Rust's orphan rule forbids here.)

use domain::Platform;
use http_kit::{ApiError, ErrorCode, FieldIssue};
use platforms::Failure;

/// A platform failure during a user's request.
pub(crate) fn platform_failure(platform: Platform, failure: &Failure) -> ApiError {
    tracing::warn!(%platform, ?failure, "platform call failed");
    match failure {
        Failure::RateLimited { .. } => ApiError::rate_limited(60),
        Failure::AuthExpired { reason } => ApiError::new(
            ErrorCode::NeedsReconnect,
            format!("{platform} refused our access ({reason}); reconnect the account"),
        ),
        Failure::RejectedContent { reason } => {
            ApiError::new(ErrorCode::Conflict, format!("{platform} refused: {reason}"))
        }
        Failure::Retryable { .. } | Failure::UnknownOutcome { .. } => ApiError {
            retry_after: Some(30),
            ..ApiError::new(
                ErrorCode::ServiceUnavailable,
                format!("{platform} is not answering; try again shortly"),
            )
        },
    }
}

/// Token errors: a refused refresh asks for a reconnection, a platform that does not answer is
/// a 503 to retry.
pub(crate) fn token(error: social::TokenError) -> ApiError {
    match error {
        social::TokenError::NeedsReconnect(message) => {
            ApiError::new(ErrorCode::NeedsReconnect, message)
        }
        social::TokenError::NotConfigured(_) => {
            ApiError::new(ErrorCode::PlatformNotConfigured, error.to_string())
        }
        social::TokenError::Platform { platform, failure } => platform_failure(platform, &failure),
        social::TokenError::Store(error) => error.into(),
    }
}

/// Media library errors.
pub(crate) fn media(error: media::library::MediaError) -> ApiError {
    use media::library::MediaError;
    let message = error.to_string();
    match error {
        MediaError::NotFound(what) => ApiError::not_found(what),
        MediaError::NotYours => ApiError::new(ErrorCode::Forbidden, message),
        MediaError::QuotaExceeded { .. } => ApiError::new(ErrorCode::PlanLimitReached, message),
        MediaError::PartsMissing => ApiError::validation(vec![FieldIssue::new("parts", message)]),
        MediaError::PartsNotAssembled | MediaError::NothingUploaded => {
            ApiError::new(ErrorCode::Conflict, message)
        }
        MediaError::Rejected(issue) => ApiError {
            details: vec![FieldIssue::new("file", issue)],
            ..ApiError::new(
                ErrorCode::UploadRejected,
                "the uploaded file was rejected and deleted",
            )
        },
        MediaError::InUse(posts) => ApiError {
            details: posts
                .into_iter()
                .enumerate()
                .map(|(i, post)| FieldIssue::new(format!("posts[{i}]"), post))
                .collect(),
            ..ApiError::new(ErrorCode::AssetInUse, message)
        },
        MediaError::NotAnImage | MediaError::DimensionsUnknown => {
            ApiError::validation(vec![FieldIssue::new("id", message)])
        }
        MediaError::Unrenderable(reason) => {
            ApiError::validation(vec![FieldIssue::new("file", reason)])
        }
        MediaError::Store(error) => error.into(),
        error @ (MediaError::Storage(_) | MediaError::RenderingFailed(_)) => {
            ApiError::internal(&error)
        }
    }
}

/// Accounts errors.
pub(crate) fn accounts(error: accounts::AccountsError) -> ApiError {
    use accounts::AccountsError;
    let message = error.to_string();
    match error {
        AccountsError::EmailTaken | AccountsError::AddressHasAccount => {
            ApiError::new(ErrorCode::EmailTaken, message)
        }
        AccountsError::InvalidInvitation(_) | AccountsError::InvalidToken(_) => {
            ApiError::new(ErrorCode::InvalidToken, message)
        }
        AccountsError::NotTheInvitedAddress => {
            ApiError::validation(vec![FieldIssue::new("email", message)])
        }
        AccountsError::NoFreeSlug | AccountsError::SlugTaken | AccountsError::InvitationPending => {
            ApiError::new(ErrorCode::Conflict, message)
        }
        AccountsError::NotAMember
        | AccountsError::InvalidRefreshToken
        | AccountsError::AccountGone => ApiError::new(ErrorCode::Unauthenticated, message),
        AccountsError::RefreshTokenReused => ApiError::new(ErrorCode::RefreshTokenReused, message),
        AccountsError::NotFound(what) => ApiError::not_found(what),
        AccountsError::PlanLimit { .. } => ApiError::new(ErrorCode::PlanLimitReached, message),
        AccountsError::LastAdmin | AccountsError::LastAdminLeaving => {
            ApiError::new(ErrorCode::LastAdmin, message)
        }
        AccountsError::UpgradeNotSelfService => ApiError::new(ErrorCode::Forbidden, message),
        AccountsError::WrongPassword => ApiError::new(ErrorCode::InvalidCredentials, message),
        AccountsError::Store(error) => error.into(),
        error @ AccountsError::Storage(_) => ApiError::internal(&error),
    }
}

/// Notifications errors.
pub(crate) fn notifications(error: notifications::NotificationsError) -> ApiError {
    use notifications::NotificationsError;
    let message = error.to_string();
    match error {
        NotificationsError::NotFound(what) => ApiError::not_found(what),
        NotificationsError::BadUnsubscribeLink => ApiError::new(ErrorCode::Forbidden, message),
        NotificationsError::Store(error) => error.into(),
        NotificationsError::Kv(error) | NotificationsError::Live(live::LiveError::Kv(error)) => {
            error.into()
        }
        error @ (NotificationsError::Malformed(_)
        | NotificationsError::Email(_)
        | NotificationsError::Live(_)) => ApiError::internal(&error),
    }
}

/// Analytics errors.
pub(crate) fn analytics(error: analytics::AnalyticsError) -> ApiError {
    use analytics::AnalyticsError;
    let message = error.to_string();
    match error {
        AnalyticsError::NotFound(what) => ApiError::not_found(what),
        AnalyticsError::Invalid(_) => ApiError::new(ErrorCode::Conflict, message),
        AnalyticsError::Store(error) => error.into(),
        AnalyticsError::Token(error) => token(error),
        AnalyticsError::Platform(platform, failure) => platform_failure(platform, &failure),
        AnalyticsError::Queue(_) => ApiError {
            retry_after: Some(30),
            ..ApiError::new(
                ErrorCode::ServiceUnavailable,
                "reports cannot be queued right now; try again shortly",
            )
        },
        AnalyticsError::NeedsAccount(_) | AnalyticsError::Conflict(_) => {
            ApiError::new(ErrorCode::Conflict, message)
        }
        AnalyticsError::PlanLimit(_) => ApiError::new(ErrorCode::PlanLimitReached, message),
        error @ AnalyticsError::Storage(_) => ApiError::internal(&error),
    }
}

/// AI agent errors.
pub(crate) fn agents(error: agents::AgentsError) -> ApiError {
    use agents::AgentsError;
    let message = error.to_string();
    match error {
        AgentsError::NotFound(what) => ApiError::not_found(what),
        AgentsError::AgentDisabled(_) | AgentsError::NotRetryable => {
            ApiError::new(ErrorCode::Conflict, message)
        }
        AgentsError::BudgetExhausted {
            spent,
            budget,
            renews_on,
        } => ApiError {
            details: vec![
                FieldIssue::new("spent_usd", format!("{spent:.4}")),
                FieldIssue::new("budget_usd", format!("{budget:.2}")),
                FieldIssue::new("renews_on", renews_on.to_string()),
            ],
            ..ApiError::new(ErrorCode::PlanLimitReached, message)
        },
        AgentsError::Invalid(_) => ApiError::new(ErrorCode::Conflict, message),
        AgentsError::Queue(_) | AgentsError::Model(_) | AgentsError::MalformedOutput(_) => {
            ApiError {
                retry_after: Some(30),
                ..ApiError::new(
                    ErrorCode::ServiceUnavailable,
                    "the AI agents cannot take this right now; try again shortly",
                )
            }
        }
        AgentsError::Store(error) => error.into(),
        AgentsError::Analytics(error) => analytics(error),
    }
}

/// Billing errors: Stripe's refusals are the client's to fix (422), its outages a 503.
pub(crate) fn billing(error: billing::BillingError) -> ApiError {
    use billing::BillingError;
    let message = error.to_string();
    match error {
        BillingError::NotConfigured => ApiError::new(ErrorCode::Conflict, message),
        BillingError::Conflict(_) => ApiError::new(ErrorCode::Conflict, message),
        BillingError::NotFound => ApiError::not_found("organization"),
        BillingError::Refused(_) => ApiError::new(ErrorCode::ValidationFailed, message),
        BillingError::Unavailable(_) => ApiError {
            retry_after: Some(30),
            ..ApiError::new(
                ErrorCode::ServiceUnavailable,
                "Stripe is not answering; try again shortly",
            )
        },
        BillingError::Store(error) => error.into(),
        error @ (BillingError::Unapplicable(_) | BillingError::Postgres(_)) => {
            ApiError::internal(&error)
        }
    }
}
