//! Turning maintenance mode on and off. Every function reads the switch through
//! `AppState::maintenance` (cached a few seconds); this writes it, audited.

use runtime::{AppState, MAINTENANCE_KEY, MaintenanceMode, StoredSwitch};
use store::accounts::audit::{self, AuditEntry};

use crate::{AdminError, PlatformAdmin};

pub const MAX_MESSAGE_CHARS: usize = 500;

pub async fn set(
    state: &AppState,
    admin: &PlatformAdmin,
    enabled: bool,
    message: Option<String>,
) -> Result<MaintenanceMode, AdminError> {
    let message = message
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty());
    if message
        .as_ref()
        .is_some_and(|m| m.chars().count() > MAX_MESSAGE_CHARS)
    {
        return Err(AdminError::Invalid {
            field: "message",
            issue: format!("at most {MAX_MESSAGE_CHARS} characters"),
        });
    }
    {
        let mut client = state.db.client().await?;
        let pg: &mut store::tokio_postgres::Client = &mut client;
        let tx = pg.transaction().await?;
        let before = store::platform::setting(&tx, MAINTENANCE_KEY).await?;
        let value = serde_json::to_value(StoredSwitch {
            enabled,
            message: message.clone(),
        })
        .expect("a switch serializes");
        store::platform::put_setting(&tx, MAINTENANCE_KEY, &value, Some(admin.user_id)).await?;
        audit::record(
            &tx,
            &admin.actor,
            AuditEntry {
                action: domain::AuditAction::Update,
                resource_type: "maintenance_mode",
                resource_id: None,
                old_values: before.map(|s| s.value),
                new_values: Some(value),
            },
        )
        .await?;
        tx.commit().await?;
    }
    tracing::warn!(enabled, by = %admin.user_id, "maintenance mode changed");
    Ok(state.refresh_maintenance().await?)
}
