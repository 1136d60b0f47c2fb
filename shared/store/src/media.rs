//! The media library: assets and their per-platform variants, scoped to an organization.

use chrono::{DateTime, Utc};
use domain::{MediaStatus, Platform, PostStatus};
use serde::{Deserialize, Serialize};
use tokio_postgres::{GenericClient, Row};
use uuid::Uuid;

use crate::OrgId;
use crate::StoreError;

/// A stored per-platform rendition of an image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct VariantRecord {
    pub platform: Platform,
    #[serde(rename = "key")]
    #[schemars(skip)]
    pub s3_key: String,
    pub mime_type: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MediaAsset {
    pub id: Uuid,
    #[serde(skip)]
    pub organization_id: OrgId,
    pub uploaded_by: Option<Uuid>,
    #[serde(skip)]
    pub s3_key: String,
    pub original_name: String,
    pub mime_type: String,
    pub bytes: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub duration_ms: Option<i64>,
    pub alt_text: Option<String>,
    pub tags: Vec<String>,
    #[serde(skip)]
    pub variants: Vec<VariantRecord>,
    pub status: MediaStatus,
    #[serde(skip)]
    pub multipart_upload_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, organization_id, uploaded_by, s3_key, original_name, mime_type, bytes, width,
    height, duration_ms, alt_text, tags, variants, status, multipart_upload_id, created_at, confirmed_at";

fn from_row(row: &Row) -> MediaAsset {
    MediaAsset {
        id: row.get("id"),
        organization_id: row.get("organization_id"),
        uploaded_by: row.get("uploaded_by"),
        s3_key: row.get("s3_key"),
        original_name: row.get("original_name"),
        mime_type: row.get("mime_type"),
        bytes: row.get("bytes"),
        width: row.get("width"),
        height: row.get("height"),
        duration_ms: row.get("duration_ms"),
        alt_text: row.get("alt_text"),
        tags: row.get("tags"),
        variants: serde_json::from_value(row.get("variants")).unwrap_or_default(),
        status: row
            .get::<_, String>("status")
            .parse()
            .expect("checked media status"),
        multipart_upload_id: row.get("multipart_upload_id"),
        created_at: row.get("created_at"),
        confirmed_at: row.get("confirmed_at"),
    }
}

/// Pending uploads older than this no longer reserve quota (their URLs expired long ago).
const PENDING_RESERVATION: &str = "interval '24 hours'";

/// Bytes counted against the quota: ready assets with their variants, and recent reservations.
pub async fn storage_in_use(
    db: &impl GenericClient,
    organization_id: OrgId,
) -> Result<i64, StoreError> {
    let row = db
        .query_one(
            &format!(
                "SELECT COALESCE(sum(bytes + variants_bytes), 0)::BIGINT FROM media_assets
                 WHERE organization_id = $1
                   AND (status = 'ready' OR created_at > now() - {PENDING_RESERVATION})"
            ),
            &[&organization_id],
        )
        .await?;
    Ok(row.get(0))
}

pub struct NewAsset<'a> {
    pub id: Uuid,
    pub organization_id: OrgId,
    pub uploaded_by: Uuid,
    pub s3_key: &'a str,
    pub original_name: &'a str,
    pub mime_type: &'a str,
    pub bytes: i64,
}

pub async fn create_pending(
    db: &impl GenericClient,
    asset: &NewAsset<'_>,
) -> Result<MediaAsset, StoreError> {
    let row = db
        .query_one(
            &format!(
                "INSERT INTO media_assets (id, organization_id, uploaded_by, s3_key, original_name, mime_type, bytes)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
            ),
            &[
                &asset.id,
                &asset.organization_id,
                &asset.uploaded_by,
                &asset.s3_key,
                &asset.original_name,
                &asset.mime_type,
                &asset.bytes,
            ],
        )
        .await?;
    Ok(from_row(&row))
}

pub async fn set_multipart_upload(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
    upload_id: &str,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE media_assets SET multipart_upload_id = $2 WHERE id = $1 AND organization_id = $3",
        &[&id, &upload_id, &organization_id],
    )
    .await?;
    Ok(())
}

/// An asset of the organization, whatever its status; another organization's reads as absent.
pub async fn get(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
    for_update: bool,
) -> Result<Option<MediaAsset>, StoreError> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let row = db
        .query_opt(
            &format!(
                "SELECT {COLUMNS} FROM media_assets WHERE id = $1 AND organization_id = $2{lock}"
            ),
            &[&id, &organization_id],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

pub struct Probed {
    pub bytes: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub duration_ms: Option<i64>,
}

/// A checked upload becomes part of the library, stored under `final_key`.
pub async fn mark_ready(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
    final_key: &str,
    probed: &Probed,
) -> Result<MediaAsset, StoreError> {
    let row = db
        .query_one(
            &format!(
                "UPDATE media_assets SET status = 'ready', confirmed_at = now(), bytes = $2, width = $3,
                        height = $4, duration_ms = $5, multipart_upload_id = NULL, s3_key = $6
                 WHERE id = $1 AND organization_id = $7 RETURNING {COLUMNS}"
            ),
            &[&id, &probed.bytes, &probed.width, &probed.height, &probed.duration_ms, &final_key, &organization_id],
        )
        .await?;
    Ok(from_row(&row))
}

/// Uploads never confirmed within `older_than`: their reservations lapsed, so their rows (and
/// objects) go. Returned so the caller can delete the objects and abort multipart uploads.
pub async fn take_abandoned_uploads(
    db: &impl GenericClient,
    older_than: chrono::Duration,
    limit: i64,
) -> Result<Vec<MediaAsset>, StoreError> {
    let rows = db
        .query(
            &format!(
                "DELETE FROM media_assets WHERE id IN (
                     SELECT id FROM media_assets
                     WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1)
                     ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
                 RETURNING {COLUMNS}"
            ),
            &[&(older_than.num_seconds() as f64), &limit],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect())
}

pub async fn delete(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
) -> Result<(), StoreError> {
    db.execute(
        "DELETE FROM media_assets WHERE id = $1 AND organization_id = $2",
        &[&id, &organization_id],
    )
    .await?;
    Ok(())
}

/// Library filters; `after` is the last item of the previous page.
#[derive(Debug, Default)]
pub struct MediaFilter {
    /// `image` or `video`.
    pub kind: Option<&'static str>,
    pub tag: Option<String>,
    pub search: Option<String>,
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

/// Ready assets, newest first.
pub async fn list(
    db: &impl GenericClient,
    organization_id: OrgId,
    filter: &MediaFilter,
) -> Result<Vec<MediaAsset>, StoreError> {
    let kind_prefix = filter.kind.map(|k| format!("{k}/%"));
    let search = filter.search.as_ref().map(|s| {
        format!(
            "%{}%",
            s.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    });
    let (after_time, after_id) = filter.after.unzip();
    let rows = db
        .query(
            &format!(
                "SELECT {COLUMNS} FROM media_assets
                 WHERE organization_id = $1 AND status = 'ready'
                   AND ($2::text IS NULL OR mime_type LIKE $2)
                   AND ($3::text IS NULL OR $3 = ANY(tags))
                   AND ($4::text IS NULL OR original_name ILIKE $4 OR alt_text ILIKE $4)
                   AND ($5::timestamptz IS NULL OR (created_at, id) < ($5, $6))
                 ORDER BY created_at DESC, id DESC
                 LIMIT $7"
            ),
            &[
                &organization_id,
                &kind_prefix,
                &filter.tag,
                &search,
                &after_time,
                &after_id,
                &filter.limit,
            ],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect())
}

#[derive(Debug, Default)]
pub struct AssetChanges {
    pub original_name: Option<String>,
    /// `Some(None)` clears the alt text.
    pub alt_text: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
}

pub async fn update_metadata(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
    changes: &AssetChanges,
) -> Result<MediaAsset, StoreError> {
    let set_alt = changes.alt_text.is_some();
    let alt = changes.alt_text.clone().flatten();
    let row = db
        .query_one(
            &format!(
                "UPDATE media_assets SET
                    original_name = COALESCE($2, original_name),
                    alt_text = CASE WHEN $3 THEN $4 ELSE alt_text END,
                    tags = COALESCE($5, tags)
                 WHERE id = $1 AND organization_id = $6 RETURNING {COLUMNS}"
            ),
            &[
                &id,
                &changes.original_name,
                &set_alt,
                &alt,
                &changes.tags,
                &organization_id,
            ],
        )
        .await?;
    Ok(from_row(&row))
}

/// Bytes the variants add in storage: each distinct object once, and nothing for platforms
/// that use the original itself.
pub fn stored_variant_bytes(original_key: &str, variants: &[VariantRecord]) -> i64 {
    let mut seen: Vec<&str> = Vec::new();
    let mut total = 0;
    for variant in variants {
        if variant.s3_key != original_key && !seen.contains(&variant.s3_key.as_str()) {
            seen.push(&variant.s3_key);
            total += variant.bytes as i64;
        }
    }
    total
}

pub async fn set_variants(
    db: &impl GenericClient,
    organization_id: OrgId,
    id: Uuid,
    original_key: &str,
    variants: &[VariantRecord],
) -> Result<MediaAsset, StoreError> {
    let total = stored_variant_bytes(original_key, variants);
    let json = serde_json::to_value(variants).expect("variant records serialise");
    let row = db
        .query_one(
            &format!("UPDATE media_assets SET variants = $2, variants_bytes = $3 WHERE id = $1 AND organization_id = $4 RETURNING {COLUMNS}"),
            &[&id, &json, &total, &organization_id],
        )
        .await?;
    Ok(from_row(&row))
}

/// Count and bytes of ready assets per kind (`image`, `video`).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct KindUsage {
    pub kind: String,
    pub count: i64,
    pub bytes: i64,
    pub variant_bytes: i64,
}

pub async fn usage_by_kind(
    db: &impl GenericClient,
    organization_id: OrgId,
) -> Result<Vec<KindUsage>, StoreError> {
    let rows = db
        .query(
            "SELECT split_part(mime_type, '/', 1), count(*), COALESCE(sum(bytes), 0)::BIGINT,
                    COALESCE(sum(variants_bytes), 0)::BIGINT
             FROM media_assets WHERE organization_id = $1 AND status = 'ready'
             GROUP BY 1 ORDER BY 1",
            &[&organization_id],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| KindUsage {
            kind: r.get(0),
            count: r.get(1),
            bytes: r.get(2),
            variant_bytes: r.get(3),
        })
        .collect())
}

/// A post that still needs an asset (scheduled or being published).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PostUsingAsset {
    pub id: Uuid,
    pub title: Option<String>,
    pub status: PostStatus,
    pub scheduled_at: Option<DateTime<Utc>>,
}

pub async fn scheduled_posts_using(
    db: &impl GenericClient,
    organization_id: OrgId,
    asset_id: Uuid,
) -> Result<Vec<PostUsingAsset>, StoreError> {
    let rows = db
        .query(
            "SELECT id, title, status, scheduled_at FROM posts
             WHERE organization_id = $1 AND status IN ('scheduled', 'publishing')
               AND media_urls @> jsonb_build_array($2::text)
             ORDER BY scheduled_at",
            &[&organization_id, &asset_id.to_string()],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| PostUsingAsset {
            id: r.get(0),
            title: r.get(1),
            status: r.get::<_, String>(2).parse().expect("checked post status"),
            scheduled_at: r.get(3),
        })
        .collect())
}
