//! The media library's rules, with I/O: uploads reserved within the plan's storage, confirmation
//! that checks what actually arrived, metadata edits, deletion, per-platform variants, usage.
//! No HTTP here: handlers map [`MediaError`] to their answers.
//!
//! File bytes never pass through the API (Lambda's payload limit is 6 MB): clients upload
//! straight to S3 with presigned URLs, then confirm.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use domain::{AuditAction, MediaStatus, MediaType, Permission, Platform};
use runtime::AppState;
use serde::Serialize;
use sha2::Digest;
use store::OrgId;
use store::accounts::audit::{self, AuditEntry, Caller};
use store::accounts::organizations::{self, Organization};
use store::media::{
    self, AssetChanges, KindUsage, MediaAsset, MediaFilter, NewAsset, Probed, VariantRecord,
};
use store::tokio_postgres::{self, GenericClient};
use uuid::Uuid;

use crate::{PlannedVariant, Variant};

const MULTIPART_THRESHOLD: i64 = 16 * 1024 * 1024;
const PART_SIZE: i64 = 16 * 1024 * 1024;
const UPLOAD_URL_TTL: StdDuration = StdDuration::from_secs(60 * 60);
const VIEW_URL_TTL: StdDuration = StdDuration::from_secs(15 * 60);
/// Videos are sniffed and probed from their first bytes (a streaming MP4 has `moov` up front).
const VIDEO_PROBE_BYTES: u64 = 1024 * 1024;

/// Why a media operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("the {0} does not exist")]
    NotFound(&'static str),
    #[error("only its uploader or a manager may change this media")]
    NotYours,
    #[error(
        "this would exceed your plan's media storage of {} MB; delete media or upgrade",
        quota_bytes / (1024 * 1024)
    )]
    QuotaExceeded { quota_bytes: i64 },
    #[error("list every uploaded part with its ETag")]
    PartsMissing,
    #[error("the parts could not be assembled: upload every part, then confirm with their ETags")]
    PartsNotAssembled,
    #[error("nothing has been uploaded yet: PUT the file to the upload URL first")]
    NothingUploaded,
    /// The upload was checked, refused and deleted; the reason concerns the file.
    #[error("the uploaded file was rejected and deleted: {0}")]
    Rejected(String),
    #[error("scheduled posts use this media: unschedule them or change their media first")]
    InUse(Vec<String>),
    #[error("only images have per-platform variants; videos are published as uploaded")]
    NotAnImage,
    #[error("the image's dimensions are unknown")]
    DimensionsUnknown,
    #[error("{0}")]
    Unrenderable(String),
    /// The renderer stopped without an answer (it panicked).
    #[error("rendering failed: {0}")]
    RenderingFailed(String),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Storage(#[from] cloud::ObjectError),
}

impl From<tokio_postgres::Error> for MediaError {
    fn from(error: tokio_postgres::Error) -> Self {
        MediaError::Store(error.into())
    }
}

/// What a client needs to upload a file: where to PUT it (one URL, or one per part).
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct UploadTicket {
    pub id: Uuid,
    pub upload: UploadInstructions,
    pub expires_at: DateTime<Utc>,
    pub confirm_path: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(tag = "method")]
pub enum UploadInstructions {
    /// PUT the whole file to `url` with the given `content-type`.
    #[serde(rename = "PUT")]
    Single { url: String, content_type: String },
    /// PUT each `part_size` slice to its part URL, keep each answer's ETag, send them to confirm.
    #[serde(rename = "MULTIPART")]
    Multipart {
        part_size: i64,
        parts: Vec<PresignedPart>,
    },
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PresignedPart {
    pub part_number: i32,
    pub url: String,
}

/// A file the caller wants to upload, already validated.
pub struct NewUpload {
    pub file_name: String,
    pub media_type: MediaType,
    pub size_bytes: i64,
}

/// A stored file's view: the asset, a short-lived URL, and its variants' URLs.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct AssetView {
    #[serde(flatten)]
    pub asset: MediaAsset,
    pub kind: String,
    /// Presigned GET, valid 15 minutes (how the app shows media and platforms fetch it).
    pub url: Option<String>,
    pub variants: Vec<VariantView>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct VariantView {
    pub platform: Platform,
    pub mime_type: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub url: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct StorageUsage {
    pub quota_bytes: i64,
    /// Ready media, originals and variants.
    pub used_bytes: i64,
    /// Declared sizes of uploads not yet confirmed (held for 24 hours).
    pub reserved_bytes: i64,
    pub percent_used: f64,
    pub by_type: Vec<KindUsage>,
}

/// A page of the library.
pub struct AssetPage {
    pub items: Vec<AssetView>,
    /// The last item, when there are more after it.
    pub more_after: Option<(DateTime<Utc>, Uuid)>,
}

fn bucket(state: &AppState) -> &str {
    &state.config.media_bucket
}

/// Uploads land under `uploads/`; confirmation moves the file to its final key, which no
/// upload URL reaches, so a URL still valid after confirmation cannot replace a checked file
/// (nor grow it past the quota). Unconfirmed objects expire there (bucket lifecycle).
fn upload_key(organization: OrgId, id: Uuid, media_type: MediaType) -> String {
    format!("uploads/{organization}/{id}.{}", media_type.extension())
}

fn final_key(organization: OrgId, id: Uuid, media_type: MediaType) -> String {
    format!(
        "media/{organization}/{id}/original.{}",
        media_type.extension()
    )
}

/// Locks the caller's organization: its row lock serialises storage reservations, so parallel
/// uploads and renderings cannot overshoot the quota together.
async fn lock_organization(
    tx: &tokio_postgres::Transaction<'_>,
    caller: &Caller,
) -> Result<Organization, MediaError> {
    organizations::get(tx, caller.organization_id, true)
        .await?
        .ok_or(MediaError::NotFound("organization"))
}

/// Refuses `growth` more bytes if they would take the organization past its plan's storage.
async fn ensure_storage_for(
    tx: &tokio_postgres::Transaction<'_>,
    organization: &Organization,
    growth: i64,
) -> Result<(), MediaError> {
    let quota = organization.subscription_plan.limits().storage_bytes;
    if media::storage_in_use(tx, organization.id).await? + growth > quota {
        return Err(MediaError::QuotaExceeded { quota_bytes: quota });
    }
    Ok(())
}

/// Reserves the file's size within the plan's storage and hands out upload URLs.
pub async fn authorise_upload(
    state: &AppState,
    caller: &Caller,
    upload: NewUpload,
) -> Result<UploadTicket, MediaError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let organization = lock_organization(&tx, caller).await?;
    ensure_storage_for(&tx, &organization, upload.size_bytes).await?;
    let id = Uuid::now_v7();
    let key = upload_key(organization.id, id, upload.media_type);
    let mime = upload.media_type.mime();
    media::create_pending(
        &tx,
        &NewAsset {
            id,
            organization_id: organization.id,
            uploaded_by: caller.user_id,
            s3_key: &key,
            original_name: &upload.file_name,
            mime_type: mime,
            bytes: upload.size_bytes,
        },
    )
    .await?;
    let s3 = state.s3();
    let instructions = if upload.size_bytes > MULTIPART_THRESHOLD {
        let upload_id = cloud::start_multipart(s3, bucket(state), &key, mime).await?;
        media::set_multipart_upload(&tx, organization.id, id, &upload_id).await?;
        let count = (upload.size_bytes + PART_SIZE - 1) / PART_SIZE;
        let mut parts = Vec::with_capacity(count as usize);
        for part_number in 1..=count as i32 {
            let url = cloud::presigned_part(
                s3,
                bucket(state),
                &key,
                &upload_id,
                part_number,
                UPLOAD_URL_TTL,
            )
            .await?;
            parts.push(PresignedPart { part_number, url });
        }
        UploadInstructions::Multipart {
            part_size: PART_SIZE,
            parts,
        }
    } else {
        let url = cloud::presigned_put(
            s3,
            bucket(state),
            &key,
            mime,
            upload.size_bytes,
            UPLOAD_URL_TTL,
        )
        .await?;
        UploadInstructions::Single {
            url,
            content_type: mime.to_owned(),
        }
    };
    tx.commit().await?;
    Ok(UploadTicket {
        id,
        upload: instructions,
        expires_at: Utc::now() + Duration::seconds(UPLOAD_URL_TTL.as_secs() as i64),
        confirm_path: format!("/api/media/{id}/confirm"),
    })
}

/// Signs the URLs of an asset and its variants.
pub async fn view(state: &AppState, asset: MediaAsset) -> Result<AssetView, MediaError> {
    let sign = |key: String| async move {
        cloud::presigned_get(state.s3(), bucket(state), &key, VIEW_URL_TTL).await
    };
    let url = if asset.status == MediaStatus::Ready {
        Some(sign(asset.s3_key.clone()).await?)
    } else {
        None
    };
    let mut variants = Vec::with_capacity(asset.variants.len());
    for variant in &asset.variants {
        variants.push(VariantView {
            platform: variant.platform,
            mime_type: variant.mime_type.clone(),
            width: variant.width,
            height: variant.height,
            bytes: variant.bytes,
            url: sign(variant.s3_key.clone()).await?,
        });
    }
    let kind = MediaType::from_mime(&asset.mime_type)
        .map_or("image", MediaType::kind)
        .to_owned();
    Ok(AssetView {
        asset,
        kind,
        url,
        variants,
    })
}

/// Refuses a checked upload for good: its row goes in the confirming transaction, its object
/// after.
async fn reject(
    state: &AppState,
    tx: tokio_postgres::Transaction<'_>,
    asset: &MediaAsset,
    key: &str,
    issue: String,
) -> Result<MediaError, MediaError> {
    media::delete(&tx, asset.organization_id, asset.id).await?;
    tx.commit().await?;
    if let Err(error) = cloud::delete_object(state.s3(), bucket(state), key).await {
        tracing::error!(%error, "rejected upload's object not deleted");
    }
    Ok(MediaError::Rejected(issue))
}

/// Confirms an upload: assembles multipart uploads, moves the file out of the upload URL's
/// reach, then checks its size, its real type and its dimensions before the asset is ready.
/// `parts` are (part number, ETag) pairs for a multipart upload.
pub async fn confirm_upload(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    parts: Vec<(i32, String)>,
) -> Result<AssetView, MediaError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    // The row lock serialises confirmations of one upload.
    let asset = media::get(&tx, caller.organization_id, id, true)
        .await?
        .ok_or(MediaError::NotFound("upload"))?;
    if asset.status == MediaStatus::Ready {
        tx.commit().await?;
        return view(state, asset).await;
    }
    let Some(declared) = MediaType::from_mime(&asset.mime_type) else {
        return Err(MediaError::NotFound("upload"));
    };
    let s3 = state.s3();
    let uploaded = asset.s3_key.clone();
    if let Some(upload_id) = &asset.multipart_upload_id {
        if parts.is_empty() {
            return Err(MediaError::PartsMissing);
        }
        if let Err(error) =
            cloud::complete_multipart(s3, bucket(state), &uploaded, upload_id, &parts).await
        {
            tracing::warn!(%error, "multipart completion refused");
            return Err(MediaError::PartsNotAssembled);
        }
    }
    if cloud::object_size(s3, bucket(state), &uploaded)
        .await?
        .is_none()
    {
        return Err(MediaError::NothingUploaded);
    }
    // Move the file out of the upload URL's reach first, then check what was moved: whatever
    // is PUT to the upload URL afterwards is never read.
    let key = final_key(asset.organization_id, asset.id, declared);
    cloud::copy_object(s3, bucket(state), &uploaded, &key).await?;
    if let Err(error) = cloud::delete_object(s3, bucket(state), &uploaded).await {
        tracing::warn!(%error, "confirmed upload's staging object left for the lifecycle rule");
    }
    let size = cloud::object_size(s3, bucket(state), &key)
        .await?
        .unwrap_or(0);
    if size != asset.bytes {
        let issue = format!("is {size} bytes, but {} were declared", asset.bytes);
        return Err(reject(state, tx, &asset, &key, issue).await?);
    }
    let limit = declared.is_video().then_some(VIDEO_PROBE_BYTES);
    let bytes = cloud::read_object(s3, bucket(state), &key, limit).await?;
    let actual = crate::sniff(&bytes);
    if actual != Some(declared) {
        let found = actual.map_or("an unsupported type", MediaType::mime);
        let issue = format!("was declared {} but is {found}", declared.mime());
        return Err(reject(state, tx, &asset, &key, issue).await?);
    }
    let probed = match crate::probe(declared, &bytes) {
        Ok(probed) => probed,
        Err(error) => return Err(reject(state, tx, &asset, &key, error.to_string()).await?),
    };
    let ready = media::mark_ready(
        &tx,
        asset.organization_id,
        asset.id,
        &key,
        &Probed {
            bytes: size,
            width: probed.width.map(|w| w as i32),
            height: probed.height.map(|h| h as i32),
            duration_ms: probed.duration_ms.map(|d| d as i64),
        },
    )
    .await?;
    audit::record(&tx, &caller.actor(), AuditEntry {
        action: AuditAction::Create,
        resource_type: "media_asset",
        resource_id: Some(ready.id),
        old_values: None,
        new_values: Some(serde_json::json!({ "name": ready.original_name, "mime_type": ready.mime_type, "bytes": ready.bytes })),
    })
    .await?;
    tx.commit().await?;
    view(state, ready).await
}

/// One page of the library, newest first; `filter.limit` is the page size.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    mut filter: MediaFilter,
) -> Result<AssetPage, MediaError> {
    let limit = filter.limit;
    // One more than asked tells whether there is a next page.
    filter.limit = limit + 1;
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    let mut assets = media::list(pg, caller.organization_id, &filter).await?;
    let more_after = if assets.len() as i64 > limit {
        assets.truncate(limit as usize);
        assets.last().map(|a| (a.created_at, a.id))
    } else {
        None
    };
    let mut items = Vec::with_capacity(assets.len());
    for asset in assets {
        items.push(view(state, asset).await?);
    }
    Ok(AssetPage { items, more_after })
}

/// Loads an asset of the caller's organization that the caller may change: its uploader, or a
/// manager of all content. `lock` takes its row lock for the rest of the transaction.
async fn asset_the_caller_may_change(
    db: &impl GenericClient,
    caller: &Caller,
    id: Uuid,
    lock: bool,
) -> Result<MediaAsset, MediaError> {
    let asset = media::get(db, caller.organization_id, id, lock)
        .await?
        .ok_or(MediaError::NotFound("media"))?;
    if asset.uploaded_by != Some(caller.user_id) && !caller.role.can(Permission::ManageAllContent) {
        return Err(MediaError::NotYours);
    }
    Ok(asset)
}

/// Renames, describes or tags an asset.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    changes: &AssetChanges,
) -> Result<AssetView, MediaError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let before = asset_the_caller_may_change(&tx, caller, id, true).await?;
    let after = media::update_metadata(&tx, caller.organization_id, id, changes).await?;
    audit::record(&tx, &caller.actor(), AuditEntry {
        action: AuditAction::Update,
        resource_type: "media_asset",
        resource_id: Some(id),
        old_values: Some(serde_json::json!({ "name": before.original_name, "alt_text": before.alt_text, "tags": before.tags })),
        new_values: Some(serde_json::json!({ "name": after.original_name, "alt_text": after.alt_text, "tags": after.tags })),
    })
    .await?;
    tx.commit().await?;
    view(state, after).await
}

/// Deletes an asset that no scheduled post uses, then its files.
pub async fn delete(state: &AppState, caller: &Caller, id: Uuid) -> Result<(), MediaError> {
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let asset = asset_the_caller_may_change(&tx, caller, id, true).await?;
    let posts = media::scheduled_posts_using(&tx, caller.organization_id, id).await?;
    if !posts.is_empty() {
        return Err(MediaError::InUse(
            posts
                .iter()
                .map(|post| {
                    format!(
                        "post {} ({}) is {} for {}",
                        post.id,
                        post.title.as_deref().unwrap_or("untitled"),
                        post.status,
                        post.scheduled_at
                            .map_or_else(|| "now".to_owned(), |at| at.to_rfc3339())
                    )
                })
                .collect(),
        ));
    }
    media::delete(&tx, caller.organization_id, id).await?;
    audit::record(&tx, &caller.actor(), AuditEntry {
        action: AuditAction::Delete,
        resource_type: "media_asset",
        resource_id: Some(id),
        old_values: Some(serde_json::json!({ "name": asset.original_name, "mime_type": asset.mime_type, "bytes": asset.bytes })),
        new_values: None,
    })
    .await?;
    tx.commit().await?;
    // After the commit: a failed S3 delete leaves an orphan object, never a row without a file.
    let s3 = state.s3();
    if let Some(upload_id) = &asset.multipart_upload_id {
        let _ = cloud::abort_multipart(s3, bucket(state), &asset.s3_key, upload_id).await;
    }
    let mut keys: Vec<&String> = std::iter::once(&asset.s3_key)
        .chain(asset.variants.iter().map(|v| &v.s3_key))
        .collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        if let Err(error) = cloud::delete_object(s3, bucket(state), key).await {
            tracing::error!(%error, "deleted asset's object left behind");
        }
    }
    Ok(())
}

/// Tags as stored: trimmed, lower-case, without repeats, at most 30 of at most 50 characters.
pub fn normalise_tags(tags: Vec<String>) -> Result<Vec<String>, domain::Invalid> {
    let mut clean: Vec<String> = Vec::new();
    for tag in tags {
        let tag = domain::bounded_text(&tag, 50)?.to_lowercase();
        if !clean.contains(&tag) {
            clean.push(tag);
        }
    }
    if clean.len() > 30 {
        return Err(domain::Invalid("at most 30 tags".into()));
    }
    Ok(clean)
}

fn has_every_variant(asset: &MediaAsset) -> bool {
    Platform::ALL
        .iter()
        .all(|p| asset.variants.iter().any(|v| v.platform == *p))
}

/// A short content digest: identical renderings share one stored object.
fn digest_of(variant: &Variant) -> String {
    hex::encode(&sha2::Sha256::digest(&variant.bytes)[..12])
}

/// Renders and stores each platform's variant of an image (once: variants of an unchanged
/// asset stay right), within the plan's storage.
pub async fn optimize(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<AssetView, MediaError> {
    let asset = {
        let client = state.db.client().await?;
        let pg: &tokio_postgres::Client = &client;
        let asset = asset_the_caller_may_change(pg, caller, id, false).await?;
        if asset.status != MediaStatus::Ready {
            return Err(MediaError::NotFound("media"));
        }
        asset
    };
    let media_type = MediaType::from_mime(&asset.mime_type).ok_or(MediaError::NotAnImage)?;
    if media_type.is_video() {
        return Err(MediaError::NotAnImage);
    }
    if has_every_variant(&asset) {
        return view(state, asset).await;
    }
    let (Some(width), Some(height)) = (asset.width, asset.height) else {
        return Err(MediaError::DimensionsUnknown);
    };
    let (width, height) = (width as u32, height as u32);
    let original = cloud::read_object(state.s3(), bucket(state), &asset.s3_key, None).await?;
    // Decoding and resizing are CPU-bound: off the async workers.
    let planned = tokio::task::spawn_blocking(move || {
        crate::plan_variants(&original, media_type, width, height)
    })
    .await
    .map_err(|e| MediaError::RenderingFailed(e.to_string()))?
    .map_err(|e| MediaError::Unrenderable(e.to_string()))?;
    let mut distinct: Vec<(String, &Variant)> = Vec::new();
    for variant in planned.iter().filter_map(|p| match p {
        PlannedVariant::Rendered(v) => Some(v),
        PlannedVariant::Original(_) => None,
    }) {
        let digest = digest_of(variant);
        if !distinct.iter().any(|(d, _)| *d == digest) {
            distinct.push((digest, variant));
        }
    }
    let new_bytes: i64 = distinct.iter().map(|(_, v)| v.bytes.len() as i64).sum();

    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    // The one lock order: organization, then asset, then the audit row.
    let organization = lock_organization(&tx, caller).await?;
    let asset = asset_the_caller_may_change(&tx, caller, id, true).await?;
    if has_every_variant(&asset) {
        // Another call finished first.
        tx.commit().await?;
        return view(state, asset).await;
    }
    let current_variants = media::stored_variant_bytes(&asset.s3_key, &asset.variants);
    ensure_storage_for(&tx, &organization, new_bytes - current_variants).await?;
    let key_of = |digest: &str, variant: &Variant| {
        format!(
            "media/{}/{}/variants/{digest}.{}",
            organization.id,
            asset.id,
            variant.media_type.extension()
        )
    };
    for (digest, variant) in &distinct {
        cloud::put_object(
            state.s3(),
            bucket(state),
            &key_of(digest, variant),
            variant.media_type.mime(),
            variant.bytes.clone(),
        )
        .await?;
    }
    let records: Vec<VariantRecord> = planned
        .iter()
        .map(|planned| match planned {
            PlannedVariant::Original(platform) => VariantRecord {
                platform: *platform,
                s3_key: asset.s3_key.clone(),
                mime_type: asset.mime_type.clone(),
                width,
                height,
                bytes: asset.bytes as u64,
            },
            PlannedVariant::Rendered(variant) => VariantRecord {
                platform: variant.platform,
                s3_key: key_of(&digest_of(variant), variant),
                mime_type: variant.media_type.mime().to_owned(),
                width: variant.width,
                height: variant.height,
                bytes: variant.bytes.len() as u64,
            },
        })
        .collect();
    let updated =
        media::set_variants(&tx, organization.id, asset.id, &asset.s3_key, &records).await?;
    audit::record(&tx, &caller.actor(), AuditEntry {
        action: AuditAction::Update,
        resource_type: "media_asset",
        resource_id: Some(asset.id),
        old_values: None,
        new_values: Some(serde_json::json!({ "variants": records.iter().map(|r| r.platform).collect::<Vec<_>>() })),
    })
    .await?;
    tx.commit().await?;
    view(state, updated).await
}

/// The organization's storage: quota, used, reserved by pending uploads, and by kind.
pub async fn storage_usage(state: &AppState, caller: &Caller) -> Result<StorageUsage, MediaError> {
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    let organization = organizations::get(pg, caller.organization_id, false)
        .await?
        .ok_or(MediaError::NotFound("organization"))?;
    let quota = organization.subscription_plan.limits().storage_bytes;
    let by_type = media::usage_by_kind(pg, organization.id).await?;
    let used: i64 = by_type.iter().map(|k| k.bytes + k.variant_bytes).sum();
    let in_use = media::storage_in_use(pg, organization.id).await?;
    let percent_used = ((in_use as f64 / quota as f64) * 10_000.0).round() / 100.0;
    Ok(StorageUsage {
        quota_bytes: quota,
        used_bytes: used,
        reserved_bytes: in_use - used,
        percent_used,
        by_type,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_trimmed_lowered_and_deduplicated() {
        let tags = vec![" Launch ".to_owned(), "launch".to_owned(), "Q4".to_owned()];
        assert_eq!(normalise_tags(tags).unwrap(), vec!["launch", "q4"]);
    }

    #[test]
    fn more_than_thirty_tags_or_an_empty_one_are_refused() {
        let many: Vec<String> = (0..31).map(|i| format!("tag{i}")).collect();
        assert!(normalise_tags(many).is_err());
        assert!(normalise_tags(vec!["  ".to_owned()]).is_err());
    }

    #[test]
    fn uploads_and_checked_files_live_under_different_prefixes() {
        let (org, id) = (OrgId::new(Uuid::now_v7()), Uuid::now_v7());
        assert_eq!(
            upload_key(org, id, MediaType::Png),
            format!("uploads/{org}/{id}.png")
        );
        assert_eq!(
            final_key(org, id, MediaType::Png),
            format!("media/{org}/{id}/original.png")
        );
    }
}
