//! Start-up for every function: read configuration, read secrets once per cold start, set up
//! telemetry, and build the `AppState` that handlers share; and the worker functions' event
//! loop.

mod config;
mod events;
mod secrets;
mod state;
mod telemetry;

pub use config::{AiConfig, AiProvider, Config, ConfigError, DatabaseConfig, Environment};
pub use events::{deadline_of, serve_events, serve_queue};
pub use secrets::{AppSecrets, PlatformCredentials, SecretBytes};
pub use state::{AppState, StartupError};
pub use telemetry::init_tracing;
