use tokio_postgres::error::SqlState;

/// What can go wrong talking to Postgres, classified so the API layer can map each class to one
/// HTTP status without looking at driver internals.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No connection could be had (pool exhausted, server down, auth failure).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("unique constraint {constraint} violated")]
    UniqueViolation { constraint: String },
    #[error("foreign key constraint {constraint} violated")]
    ForeignKeyViolation { constraint: String },
    #[error("check constraint {constraint} violated")]
    CheckViolation { constraint: String },
    #[error("column {column} must not be null")]
    NotNullViolation { column: String },
    /// Another transaction won a race (serialization failure or deadlock); safe to retry.
    #[error("transaction conflict, retry")]
    Conflict,
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("database query failed: {0}")]
    Query(#[source] tokio_postgres::Error),
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(error: tokio_postgres::Error) -> Self {
        let Some(db) = error.as_db_error() else {
            if error.is_closed() {
                return StoreError::Unavailable(error.to_string());
            }
            return StoreError::Query(error);
        };
        let constraint = || db.constraint().unwrap_or("unknown").to_owned();
        match *db.code() {
            SqlState::UNIQUE_VIOLATION => StoreError::UniqueViolation {
                constraint: constraint(),
            },
            SqlState::FOREIGN_KEY_VIOLATION => StoreError::ForeignKeyViolation {
                constraint: constraint(),
            },
            SqlState::CHECK_VIOLATION => StoreError::CheckViolation {
                constraint: constraint(),
            },
            SqlState::NOT_NULL_VIOLATION => StoreError::NotNullViolation {
                column: db.column().unwrap_or("unknown").to_owned(),
            },
            SqlState::T_R_SERIALIZATION_FAILURE | SqlState::T_R_DEADLOCK_DETECTED => {
                StoreError::Conflict
            }
            _ => StoreError::Query(error),
        }
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        match error {
            deadpool_postgres::PoolError::Backend(error) => match StoreError::from(error) {
                StoreError::Query(error) => StoreError::Unavailable(error.to_string()),
                other => other,
            },
            other => StoreError::Unavailable(other.to_string()),
        }
    }
}
