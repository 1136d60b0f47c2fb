//! Accounts' rules, without HTTP: sign-up (a new organization, or joining one by invitation),
//! sessions (access tokens, rotating refresh-token families, reuse detection), password reset
//! and email verification with single-use tokens, and the transactional emails. Handlers map
//! [`AccountsError`] to their answers; rate limits and cookies stay on the HTTP side.

pub mod emails;
mod error;
mod live_sessions;
pub mod organization;
pub mod profile;
pub mod sessions;
pub mod signup;
pub mod tokens;

pub use error::AccountsError;
pub use store::accounts::audit::RequestOrigin;
