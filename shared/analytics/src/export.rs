//! The export: every post's performance as CSV, written to S3 while it is read from Postgres,
//! a page of rows at a time and a 5 MiB part at a time, so memory stays flat whatever the size.
//! The caller gets a short-lived download link.

use chrono::{DateTime, Duration, Utc};
use runtime::AppState;
use serde::Serialize;
use store::OrgId;
use store::analytics::dashboards::{self as q, PostSort, Scope};
use uuid::Uuid;

use crate::AnalyticsError;
use crate::csv;

/// Rows read from Postgres per query.
const ROWS_PER_PAGE: i64 = 1_000;
/// S3's smallest multipart part (but the last).
const PART_BYTES: usize = 5 * 1024 * 1024;
/// Room for the page of rows that takes the buffer past a part's size.
const PAGE_HEADROOM: usize = 1024 * 1024;
/// How long the download link stays valid (the object itself expires after two days).
pub const DOWNLOAD_TTL: std::time::Duration = std::time::Duration::from_secs(15 * 60);

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ExportView {
    pub download_url: String,
    pub expires_at: DateTime<Utc>,
    pub rows: u64,
    pub bytes: u64,
}

/// What was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    pub rows: u64,
    pub bytes: u64,
}

/// Writes the CSV of the posts in `scope` (oldest first) to `key`; `progress` hears the rows
/// written so far after each page.
pub async fn write_posts_csv(
    state: &AppState,
    organization_id: OrgId,
    scope: &Scope,
    key: &str,
    mut progress: impl FnMut(u64),
) -> Result<Written, AnalyticsError> {
    let bucket = &state.config.media_bucket;
    let storage = |e: cloud::ObjectError| AnalyticsError::Storage(e.to_string());
    // Sized once for a whole part and the page that tips it over, so it never regrows.
    let mut buffer = String::with_capacity(PART_BYTES + PAGE_HEADROOM);
    buffer.push_str(&csv::header());
    let mut written = Written::default();
    let mut upload: Option<(String, Vec<(i32, String)>)> = None;
    let mut after = None;
    loop {
        let page = {
            let client = state.db.client().await?;
            q::post_performance(
                &**client,
                organization_id,
                scope,
                PostSort::PublishedAt,
                false,
                after,
                ROWS_PER_PAGE,
            )
            .await?
        };
        let last_page = (page.len() as i64) < ROWS_PER_PAGE;
        for (post, cursor) in &page {
            csv::row(&mut buffer, post);
            after = Some(*cursor);
        }
        written.rows += page.len() as u64;
        progress(written.rows);
        if buffer.len() >= PART_BYTES {
            let (id, parts) = match &mut upload {
                Some(started) => started,
                None => upload.insert((
                    cloud::start_multipart(state.s3(), bucket, key, "text/csv; charset=utf-8")
                        .await
                        .map_err(storage)?,
                    Vec::new(),
                )),
            };
            let number = parts.len() as i32 + 1;
            // The part leaves the buffer (no copy); the buffer is sized again once it is sent.
            let bytes = std::mem::take(&mut buffer).into_bytes();
            written.bytes += bytes.len() as u64;
            let etag = cloud::upload_part(state.s3(), bucket, key, id, number, bytes)
                .await
                .map_err(storage)?;
            parts.push((number, etag));
            buffer.reserve(PART_BYTES + PAGE_HEADROOM);
        }
        if last_page {
            break;
        }
    }
    let bytes = buffer.into_bytes();
    written.bytes += bytes.len() as u64;
    match upload {
        None => cloud::put_object(state.s3(), bucket, key, "text/csv; charset=utf-8", bytes)
            .await
            .map_err(storage)?,
        Some((id, mut parts)) => {
            let number = parts.len() as i32 + 1;
            let etag = cloud::upload_part(state.s3(), bucket, key, &id, number, bytes)
                .await
                .map_err(storage)?;
            parts.push((number, etag));
            cloud::complete_multipart(state.s3(), bucket, key, &id, &parts)
                .await
                .map_err(storage)?;
        }
    }
    Ok(written)
}

/// Exports the posts in `scope` and signs a link to the file.
pub async fn export(
    state: &AppState,
    organization_id: OrgId,
    scope: &Scope,
) -> Result<ExportView, AnalyticsError> {
    let key = format!(
        "analytics-exports/{}/{}.csv",
        organization_id.as_uuid(),
        Uuid::now_v7()
    );
    let written = write_posts_csv(state, organization_id, scope, &key, |_| {}).await?;
    let download_url =
        cloud::presigned_get(state.s3(), &state.config.media_bucket, &key, DOWNLOAD_TTL)
            .await
            .map_err(|e| AnalyticsError::Storage(e.to_string()))?;
    Ok(ExportView {
        download_url,
        expires_at: Utc::now() + Duration::seconds(DOWNLOAD_TTL.as_secs() as i64),
        rows: written.rows,
        bytes: written.bytes,
    })
}
