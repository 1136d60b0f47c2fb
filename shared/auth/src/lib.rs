//! Credentials: password hashing, opaque tokens (refresh, reset, verification, invitation) that
//! are stored only as hashes, and the short-lived access token.

mod access;
mod opaque;
mod password;

pub use access::{ACCESS_TOKEN_TTL, AccessClaims, AccessTokenError, AccessTokens};
pub use opaque::OpaqueToken;
pub use password::{PasswordHasher, verify_against_nothing};
