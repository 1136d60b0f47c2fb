//! Analytics: the metrics sync that keeps every post's and account's history, the dashboards'
//! numbers (periods and buckets in the caller's time zone), reports built in the background as
//! CSV and PDF, and the CSV export. The HTTP edge is in `api::analytics`.

pub mod competitors;
mod csv;
pub mod dashboards;
mod deadline;
pub mod export;
pub mod listening;
pub mod pdf;
pub mod reports;
mod session;
pub mod sync;

use domain::Platform;
use platforms::Failure;
use store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Token(#[from] social::TokenError),
    #[error("{0}: {1:?}")]
    Platform(Platform, Failure),
    #[error("storage: {0}")]
    Storage(String),
    #[error("queue: {0}")]
    Queue(String),
    /// Watching a competitor on this platform needs a connected account of it.
    #[error("connect a {} account first: competitors are read through it", .0.display_name())]
    NeedsAccount(Platform),
    #[error("{0}")]
    PlanLimit(String),
    #[error("{0}")]
    Conflict(String),
}

impl From<store::tokio_postgres::Error> for AnalyticsError {
    fn from(error: store::tokio_postgres::Error) -> Self {
        AnalyticsError::Store(StoreError::from(error))
    }
}
