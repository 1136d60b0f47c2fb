//! Credentials: password hashing, opaque tokens (refresh, reset, verification, invitation) that
//! are stored only as hashes, the short-lived access token, and unsubscribe links.

mod access;
mod opaque;
mod password;
mod unsubscribe;

pub use access::{ACCESS_TOKEN_TTL, AccessClaims, AccessTokenError, AccessTokens};
pub use opaque::OpaqueToken;
pub use password::{PasswordHasher, verify_against_nothing};
pub use unsubscribe::{unsubscribe_token, unsubscribe_token_matches};
