//! Maintenance mode, as every function sees it: a platform-wide switch kept in Postgres and
//! cached per execution environment for a few seconds, so turning it on reaches every warm
//! function within [`MAINTENANCE_CACHE`] without a database read per request.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::AppState;

/// How long a function trusts the switch it read.
pub const MAINTENANCE_CACHE: Duration = Duration::from_secs(5);

/// The `platform_settings` key of the switch.
pub const MAINTENANCE_KEY: &str = "maintenance_mode";

/// What clients are told to wait before trying a write again.
pub const MAINTENANCE_RETRY_AFTER_SECS: u64 = 60;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MaintenanceMode {
    pub enabled: bool,
    /// Shown to users while it is on.
    pub message: Option<String>,
    pub changed_at: Option<DateTime<Utc>>,
    /// The platform administrator who changed it.
    pub changed_by: Option<Uuid>,
}

/// The stored value of the switch (its time and author are the row's own).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StoredSwitch {
    pub enabled: bool,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Default)]
pub(crate) struct MaintenanceCache(Mutex<Option<(Instant, MaintenanceMode)>>);

impl MaintenanceCache {
    fn fresh(&self) -> Option<MaintenanceMode> {
        let slot = self.0.lock().ok()?;
        slot.as_ref()
            .filter(|(read_at, _)| read_at.elapsed() < MAINTENANCE_CACHE)
            .map(|(_, mode)| mode.clone())
    }

    fn last_known(&self) -> Option<MaintenanceMode> {
        self.0.lock().ok()?.as_ref().map(|(_, mode)| mode.clone())
    }

    fn keep(&self, mode: &MaintenanceMode) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some((Instant::now(), mode.clone()));
        }
    }
}

impl AppState {
    /// The switch, read at most every [`MAINTENANCE_CACHE`]. When the database cannot be
    /// read, the last known value holds (off when none): an outage must not turn maintenance
    /// on, and the writes it would refuse fail on their own.
    pub async fn maintenance(&self) -> MaintenanceMode {
        if let Some(mode) = self.maintenance_cache().fresh() {
            return mode;
        }
        match self.read_maintenance().await {
            Ok(mode) => {
                self.maintenance_cache().keep(&mode);
                mode
            }
            Err(error) => {
                tracing::warn!(%error, "maintenance switch unreadable; keeping the last value");
                self.maintenance_cache().last_known().unwrap_or_default()
            }
        }
    }

    /// Reads the switch now (the admin service after changing it, so its own answer is
    /// current).
    pub async fn refresh_maintenance(&self) -> Result<MaintenanceMode, store::StoreError> {
        let mode = self.read_maintenance().await?;
        self.maintenance_cache().keep(&mode);
        Ok(mode)
    }

    async fn read_maintenance(&self) -> Result<MaintenanceMode, store::StoreError> {
        let client = self.db.client().await?;
        let setting = store::platform::setting(&**client, MAINTENANCE_KEY).await?;
        Ok(setting.map_or_else(MaintenanceMode::default, |s| {
            let switch: StoredSwitch = serde_json::from_value(s.value).unwrap_or_default();
            MaintenanceMode {
                enabled: switch.enabled,
                message: switch.message,
                changed_at: Some(s.updated_at),
                changed_by: s.updated_by,
            }
        }))
    }
}
