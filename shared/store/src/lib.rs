//! Postgres access for every function: one pool per execution environment (built once in
//! `main`), IAM auth tokens for RDS Proxy, TLS, and the embedded, versioned migrations.

pub mod accounts;
pub mod agents;
pub mod analytics;
pub mod billing;
mod error;
mod iam;
mod ids;
pub mod insights;
pub mod integrations;
pub mod media;
mod migrate;
pub mod notifications;
pub mod platform;
mod pool;
pub mod posts;
pub mod social_accounts;
pub mod webhook_events;

pub use error::StoreError;
pub use iam::{RdsAuthToken, RdsIamAuth};
pub use ids::OrgId;
pub use migrate::{AppliedMigration, MIGRATIONS, Migration, migrate, migrate_with, run_migrations};
pub use pool::{Db, DbSettings, PooledClient, TlsMode};

/// Re-exported so repositories and tests name the same driver types.
pub use tokio_postgres;
