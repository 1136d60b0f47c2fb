use chrono::{DateTime, Utc};
use domain::DataExportStatus;
use serde::Serialize;
use tokio_postgres::{GenericClient, Row};
use uuid::Uuid;

use crate::StoreError;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DataExport {
    pub id: Uuid,
    pub status: DataExportStatus,
    /// The S3 key of the archive (never shown: clients get a presigned URL).
    #[serde(skip)]
    pub object_key: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

fn from_row(row: &Row) -> DataExport {
    DataExport {
        id: row.get("id"),
        status: row
            .get::<_, String>("status")
            .parse()
            .expect("checked status"),
        object_key: row.get("export_url"),
        expires_at: row.get("expires_at"),
        created_at: row.get("created_at"),
        completed_at: row.get("completed_at"),
    }
}

const COLUMNS: &str = "id, status, export_url, expires_at, created_at, completed_at";

pub async fn create(db: &impl GenericClient, user_id: Uuid) -> Result<DataExport, StoreError> {
    let row = db
        .query_one(
            &format!("INSERT INTO data_export_requests (user_id, status) VALUES ($1, 'processing') RETURNING {COLUMNS}"),
            &[&user_id],
        )
        .await?;
    Ok(from_row(&row))
}

pub async fn complete(
    db: &impl GenericClient,
    id: Uuid,
    object_key: &str,
    expires_at: DateTime<Utc>,
) -> Result<DataExport, StoreError> {
    let row = db
        .query_one(
            &format!(
                "UPDATE data_export_requests SET status = 'completed', export_url = $2, expires_at = $3,
                        completed_at = now()
                 WHERE id = $1 RETURNING {COLUMNS}"
            ),
            &[&id, &object_key, &expires_at],
        )
        .await?;
    Ok(from_row(&row))
}

pub async fn fail(db: &impl GenericClient, id: Uuid) -> Result<(), StoreError> {
    db.execute(
        "UPDATE data_export_requests SET status = 'failed', completed_at = now() WHERE id = $1",
        &[&id],
    )
    .await?;
    Ok(())
}

/// One of the user's own exports; another user's id reads as absent.
pub async fn get_own(
    db: &impl GenericClient,
    user_id: Uuid,
    id: Uuid,
) -> Result<Option<DataExport>, StoreError> {
    let row = db
        .query_opt(
            &format!("SELECT {COLUMNS} FROM data_export_requests WHERE id = $1 AND user_id = $2"),
            &[&id, &user_id],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// Keys of every archive of a user, to delete the objects when the user is erased.
pub async fn object_keys_of(
    db: &impl GenericClient,
    user_id: Uuid,
) -> Result<Vec<String>, StoreError> {
    let rows = db
        .query(
            "SELECT export_url FROM data_export_requests WHERE user_id = $1 AND export_url IS NOT NULL",
            &[&user_id],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}
