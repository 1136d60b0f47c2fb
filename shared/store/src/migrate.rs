//! Embedded, versioned migrations. Each runs in its own transaction under an advisory lock, so
//! concurrent runners (two deploys, or the dev server and a test) apply each version once.

use sha2::{Digest, Sha256};
use tokio_postgres::Client;

use crate::StoreError;

/// One schema change, embedded in the binary.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i32,
    pub name: &'static str,
    pub sql: &'static str,
}

impl Migration {
    fn checksum(&self) -> String {
        hex::encode(Sha256::digest(self.sql.as_bytes()))
    }
}

/// Every migration, oldest first. Never edit one that has shipped: add a new version.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial_schema",
        sql: include_str!("../migrations/V0001__initial_schema.sql"),
    },
    Migration {
        version: 2,
        name: "accounts",
        sql: include_str!("../migrations/V0002__accounts.sql"),
    },
    Migration {
        version: 3,
        name: "media_assets",
        sql: include_str!("../migrations/V0003__media_assets.sql"),
    },
    Migration {
        version: 4,
        name: "social_account_health",
        sql: include_str!("../migrations/V0004__social_account_health.sql"),
    },
    Migration {
        version: 5,
        name: "publishing",
        sql: include_str!("../migrations/V0005__publishing.sql"),
    },
    Migration {
        version: 6,
        name: "hardening",
        sql: include_str!("../migrations/V0006__hardening.sql"),
    },
    Migration {
        version: 7,
        name: "notifications",
        sql: include_str!("../migrations/V0007__notifications.sql"),
    },
    Migration {
        version: 8,
        name: "analytics",
        sql: include_str!("../migrations/V0008__analytics.sql"),
    },
    Migration {
        version: 9,
        name: "competitors",
        sql: include_str!("../migrations/V0009__competitors.sql"),
    },
    Migration {
        version: 10,
        name: "ai_agents",
        sql: include_str!("../migrations/V0010__ai_agents.sql"),
    },
    Migration {
        version: 11,
        name: "insights",
        sql: include_str!("../migrations/V0011__insights.sql"),
    },
    Migration {
        version: 12,
        name: "crisis_statement_model",
        sql: include_str!("../migrations/V0012__crisis_statement_model.sql"),
    },
    Migration {
        version: 13,
        name: "billing_webhooks_admin",
        sql: include_str!("../migrations/V0013__billing_webhooks_admin.sql"),
    },
    Migration {
        version: 14,
        name: "integrations",
        sql: include_str!("../migrations/V0014__integrations.sql"),
    },
];

/// The outcome for one migration of a run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AppliedMigration {
    pub version: i32,
    pub name: String,
    /// False when an earlier run had already applied it.
    pub newly_applied: bool,
}

/// Takes a connection from the pool and applies pending migrations: what `db-migrate` runs.
pub async fn run_migrations(db: &crate::Db) -> Result<Vec<AppliedMigration>, StoreError> {
    let mut client = db.client().await?;
    migrate(&mut client).await
}

/// Arbitrary but fixed: the advisory lock that serialises migration runners.
const MIGRATION_LOCK: i64 = 0x50C1_A1DB;

/// Applies every migration not yet recorded in `schema_migrations`, in order.
pub async fn migrate(client: &mut Client) -> Result<Vec<AppliedMigration>, StoreError> {
    migrate_with(client, MIGRATIONS).await
}

/// Applies the given list; `migrate` passes the embedded one. Tools and tests pass their own.
pub async fn migrate_with(
    client: &mut Client,
    migrations: &[Migration],
) -> Result<Vec<AppliedMigration>, StoreError> {
    let mut outcome = Vec::with_capacity(migrations.len());
    for migration in migrations {
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                checksum TEXT NOT NULL,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
            )",
        )
        .await?;
        let recorded = tx
            .query_opt(
                "SELECT checksum FROM schema_migrations WHERE version = $1",
                &[&migration.version],
            )
            .await?;
        let checksum = migration.checksum();
        match recorded {
            Some(row) => {
                let recorded: String = row.get(0);
                if recorded != checksum {
                    return Err(StoreError::Migration(format!(
                        "migration V{} ({}) was changed after it was applied",
                        migration.version, migration.name
                    )));
                }
                tx.rollback().await?;
                outcome.push(AppliedMigration {
                    version: migration.version,
                    name: migration.name.to_owned(),
                    newly_applied: false,
                });
            }
            None => {
                tx.batch_execute(migration.sql).await.map_err(|e| {
                    StoreError::Migration(format!(
                        "V{} ({}): {}",
                        migration.version,
                        migration.name,
                        e.as_db_error()
                            .map_or_else(|| e.to_string(), |db| db.to_string())
                    ))
                })?;
                tx.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    &[&migration.version, &migration.name, &checksum],
                )
                .await?;
                tx.commit().await?;
                tracing::info!(
                    version = migration.version,
                    name = migration.name,
                    "migration applied"
                );
                outcome.push(AppliedMigration {
                    version: migration.version,
                    name: migration.name.to_owned(),
                    newly_applied: true,
                });
            }
        }
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_strictly_increasing_and_named() {
        let mut previous = 0;
        for migration in MIGRATIONS {
            assert!(
                migration.version > previous,
                "V{} out of order",
                migration.version
            );
            assert!(!migration.name.is_empty());
            previous = migration.version;
        }
    }
}
