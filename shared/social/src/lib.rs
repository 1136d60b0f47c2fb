//! Connected social accounts, as the publisher, the maintenance schedule and the API use them:
//! the platform app's credentials, a usable access token, and the scheduled renewal of tokens.
//! No HTTP types here: callers map [`TokenError`] to their own answers.

pub mod inbound;
mod tokens;

pub use tokens::{
    RefreshReport, TokenError, app_credentials, fresh_access_token, refresh_expiring_tokens,
};
