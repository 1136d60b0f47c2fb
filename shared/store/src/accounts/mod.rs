//! Repositories of the accounts aggregate: organizations, users, sessions, single-use account
//! tokens, data exports, and the audit log every mutation writes in the same transaction.

pub mod audit;
pub mod exports;
pub mod organizations;
pub mod sessions;
pub mod tokens;
pub mod users;
