//! Who is calling: the authenticated user (one extractor verifies the access token and checks
//! the session is still live), and where the request came from (for audit rows and rate limits).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::{AUTHORIZATION, USER_AGENT};
use axum::http::request::Parts;
use domain::{Permission, Role};
use lambda_http::RequestExt;
use lambda_http::request::RequestContext;
use runtime::{AppState, Environment};
use store::accounts::audit::{Actor, Caller, RequestOrigin};
use uuid::Uuid;

use crate::error::{ApiError, ErrorCode};

/// The caller's address and user agent, as services record them (`RequestOrigin`), taken from
/// the request.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo(pub RequestOrigin);

impl std::ops::Deref for ClientInfo {
    type Target = RequestOrigin;

    fn deref(&self) -> &RequestOrigin {
        &self.0
    }
}

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // API Gateway's view of the TCP peer, then the socket of the dev server. A forwarded-for
        // header is client-controlled, so it counts only locally (where tests set it).
        let from_gateway = match parts.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(context)) => context
                .http
                .source_ip
                .as_deref()
                .and_then(|ip| ip.parse().ok()),
            _ => None,
        };
        let from_socket = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let from_header = (state.config.environment == Environment::Local)
            .then(|| {
                parts
                    .headers
                    .get("x-forwarded-for")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.split(',').next())
                    .and_then(|ip| ip.trim().parse().ok())
            })
            .flatten();
        let user_agent = parts
            .headers
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect());
        Ok(ClientInfo(RequestOrigin {
            ip: from_gateway.or(from_header).or(from_socket),
            user_agent,
        }))
    }
}

/// An authenticated caller whose session is live, with their current role.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user_id: Uuid,
    pub organization_id: store::OrgId,
    pub role: Role,
    pub session_id: Uuid,
    pub is_super_admin: bool,
    pub email: String,
    pub email_verified: bool,
    pub client: ClientInfo,
}

impl CurrentUser {
    /// The one authorization check: refuses with 403 unless the role grants the permission.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.role.can(permission) {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorCode::Forbidden,
                "your role does not allow this",
            ))
        }
    }

    /// Actions that reach outside the organization (emailing an address, connecting a social
    /// account) need a verified email address, so an unconfirmed sign-up cannot use the
    /// platform to send mail or act elsewhere.
    pub fn require_verified_email(&self) -> Result<(), ApiError> {
        if self.email_verified {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorCode::EmailNotVerified,
                "confirm your email address first (see the message we sent, or ask for it again)",
            ))
        }
    }

    /// The caller as services know them.
    pub fn caller(&self) -> Caller {
        Caller {
            organization_id: self.organization_id,
            user_id: self.user_id,
            role: self.role,
            origin: self.client.0.clone(),
        }
    }

    /// Platform administration (not an organization's admin role). Everyone else is told the
    /// route does not exist, so the console's surface is not advertised.
    pub fn require_platform_admin(&self) -> Result<(), ApiError> {
        if self.is_super_admin {
            Ok(())
        } else {
            Err(ApiError::new(ErrorCode::RouteNotFound, "no such route"))
        }
    }

    /// The actor recorded in audit rows.
    pub fn actor(&self) -> Actor {
        self.caller().actor()
    }
}

fn unauthenticated(message: &str) -> ApiError {
    ApiError::new(ErrorCode::Unauthenticated, message)
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .ok_or_else(|| {
                unauthenticated("sign in: send `Authorization: Bearer <access token>`")
            })?;
        let claims = state
            .access_tokens()
            .verify(token.trim())
            .map_err(|error| match error {
                auth::AccessTokenError::Expired => {
                    unauthenticated("the access token has expired; refresh it")
                }
                auth::AccessTokenError::Invalid => unauthenticated("the access token is not valid"),
            })?;
        let client = state.db.client().await?;
        let pg: &store::tokio_postgres::Client = &client;
        let identity = store::accounts::sessions::live_identity(pg, claims.sub, claims.sid)
            .await?
            .ok_or_else(|| unauthenticated("this session has ended; sign in again"))?;
        let client_info = ClientInfo::from_request_parts(parts, state).await?;
        Ok(CurrentUser {
            user_id: identity.user_id,
            organization_id: identity.organization_id,
            role: identity.role,
            session_id: claims.sid,
            is_super_admin: identity.is_super_admin,
            email: identity.email,
            email_verified: identity.email_verified,
            client: client_info,
        })
    }
}
