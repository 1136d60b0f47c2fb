//! Accounts' rules, without HTTP: sign-up (a new organization, or joining one by invitation),
//! sessions (access tokens, rotating refresh-token families, reuse detection), password reset
//! and email verification with single-use tokens, and the transactional emails. Handlers map
//! [`AccountsError`] to their answers; rate limits and cookies stay on the HTTP side.

pub mod emails;
mod error;
pub mod organization;
pub mod profile;
pub mod sessions;
pub mod signup;
pub mod tokens;

use std::net::IpAddr;

use store::accounts::audit::Actor;
use store::accounts::users::User;

pub use error::AccountsError;

/// Where a request came from, for sessions and the audit trail.
#[derive(Debug, Clone, Default)]
pub struct RequestOrigin {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl RequestOrigin {
    /// The actor of an audit row: the user (when known) acting from here.
    pub fn actor(&self, user: Option<&User>) -> Actor {
        Actor {
            organization_id: user.and_then(|u| u.organization_id),
            user_id: user.map(|u| u.id),
            ip: self.ip,
            user_agent: self.user_agent.clone(),
        }
    }
}
