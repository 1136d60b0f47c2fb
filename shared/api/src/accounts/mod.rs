//! Accounts: sign-up and sign-in, the user's own profile and data, and the organization.

pub mod auth;
pub mod organizations;
mod refresh_cookie;
pub mod users;
