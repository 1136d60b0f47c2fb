//! Accounts: sign-up and sign-in, the user's own profile and data, and the organization.

pub mod auth;
mod emails;
pub mod organizations;
mod session_tokens;
pub mod users;
