//! Start-up for every function: read configuration, read secrets once per cold start, set up
//! telemetry, and build the `AppState` that handlers share; and the worker functions' event
//! loop.

mod config;
mod events;
mod maintenance;
pub mod metrics;
mod probe;
mod scheduled_runs;
mod secrets;
mod state;
mod telemetry;

pub use config::{
    AiConfig, AiProvider, Billing, Config, ConfigError, DatabaseConfig, Environment,
    SANDBOX_STRIPE_PRICES, StripeConfig,
};
pub use events::{deadline_of, serve_events, serve_queue};
pub use maintenance::{
    MAINTENANCE_CACHE, MAINTENANCE_KEY, MAINTENANCE_RETRY_AFTER_SECS, MaintenanceMode, StoredSwitch,
};
pub use probe::probe;
pub use secrets::{AppSecrets, PlatformCredentials, SecretBytes};
pub use state::{AppState, StartupError};
pub use telemetry::init_tracing;
