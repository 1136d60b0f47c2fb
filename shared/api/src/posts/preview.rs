//! What each platform will receive, measured against its rules: the preview, and the check
//! scheduling and publishing share.

use super::*;

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct TargetPreview {
    pub(super) target_id: Uuid,
    pub(super) social_account_id: Uuid,
    pub(super) platform: Platform,
    /// The text exactly as it will be sent (for LinkedIn, in its "little text" markup).
    pub(super) text: String,
    /// The text as readers will see it; `length` counts this.
    pub(super) display_text: String,
    pub(super) length: usize,
    pub(super) max_length: usize,
    pub(super) weighted: bool,
    pub(super) hashtags: usize,
    pub(super) max_hashtags: Option<usize>,
    pub(super) media_count: usize,
    pub(super) max_media: u32,
    pub(super) errors: Vec<String>,
    pub(super) warnings: Vec<String>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct Preview {
    pub(super) post_id: Uuid,
    pub(super) valid: bool,
    pub(super) targets: Vec<TargetPreview>,
}

/// Measures one target against its platform's rules: the one place both preview and
/// scheduling decide what a platform accepts.
pub(super) fn preview_target(
    post: &Post,
    target: &store::posts::Target,
    assets: &[MediaAsset],
) -> TargetPreview {
    let platform = target.platform;
    // The limit applies to what readers see, before LinkedIn's escaping.
    let text = posting::text_for(post, target.text_override.as_deref());
    let report = check_text(platform, &text, &HashtagCaps::default());
    let mut errors = report.errors.clone();
    let mut warnings = Vec::new();
    let rules = platform.image_rules();
    let videos = assets
        .iter()
        .filter(|a| MediaType::from_mime(&a.mime_type).is_some_and(MediaType::is_video))
        .count();
    let images = assets.len() - videos;
    if videos > 1 || (videos == 1 && images > 0) {
        errors.push("a post carries either one video or images".to_owned());
    }
    if images as u32 > rules.max_per_post {
        errors.push(format!(
            "{images} images, {platform} allows {}",
            rules.max_per_post
        ));
    }
    if assets.is_empty() && matches!(platform, Platform::Instagram | Platform::TikTok) {
        errors.push(format!("{platform} posts need an image or a video"));
    }
    if videos == 1 && platform == Platform::LinkedIn {
        errors.push("video posts to LinkedIn are not supported yet".to_owned());
    }
    for asset in assets
        .iter()
        .filter(|a| !MediaType::from_mime(&a.mime_type).is_some_and(MediaType::is_video))
    {
        if asset.variants.iter().any(|v| v.platform == platform) {
            continue;
        }
        let kind = MediaType::from_mime(&asset.mime_type);
        if !kind.is_some_and(|k| rules.accepted.contains(&k)) {
            errors.push(format!(
                "{} is {}; {platform} needs another format: optimize the media first",
                asset.original_name, asset.mime_type
            ));
        } else if asset.bytes as u64 > rules.max_bytes {
            errors.push(format!(
                "{} is over {platform}'s {} MB: optimize the media first",
                asset.original_name,
                rules.max_bytes / (1024 * 1024)
            ));
        }
        if let (Some((min, max)), Some(w), Some(h)) =
            (rules.aspect_ratio, asset.width, asset.height)
        {
            let ratio = f64::from(w) / f64::from(h);
            if ratio < min - 0.01 || ratio > max + 0.01 {
                warnings.push(format!(
                    "{} will be cropped to fit {platform}'s aspect ratios unless optimized first",
                    asset.original_name
                ));
                errors.push(format!(
                    "{} has an aspect ratio {platform} refuses: optimize the media first",
                    asset.original_name
                ));
            }
        }
    }
    let limits = platform.text_limits();
    TargetPreview {
        target_id: target.id,
        social_account_id: target.social_account_id,
        platform,
        text: domain::text_as_sent(platform, &text),
        display_text: text,
        length: report.length,
        max_length: report.max_length,
        weighted: limits.weighted,
        hashtags: report.hashtags,
        max_hashtags: report.max_hashtags,
        media_count: assets.len(),
        max_media: rules.max_per_post,
        errors,
        warnings,
    }
}

pub(super) async fn build_preview(
    db: &impl GenericClient,
    post: &Post,
) -> Result<Preview, ApiError> {
    let mut assets = Vec::new();
    for id in &post.media {
        if let Some(asset) = store::media::get(db, post.organization_id, *id, false).await? {
            assets.push(asset);
        }
    }
    let targets: Vec<TargetPreview> = post
        .targets
        .iter()
        .map(|t| preview_target(post, t, &assets))
        .collect();
    Ok(Preview {
        post_id: post.id,
        valid: targets.iter().all(|t| t.errors.is_empty()),
        targets,
    })
}

pub(super) async fn preview(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewOrganization)?;
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    let post = load(pg, &current, id, false).await?;
    Ok(JsonResponse(build_preview(pg, &post).await?).into_response())
}

pub(super) fn reject_invalid(preview: &Preview, field_prefix: &str) -> Result<(), ApiError> {
    let issues: Vec<FieldIssue> = preview
        .targets
        .iter()
        .flat_map(|t| {
            t.errors.iter().map(move |e| {
                FieldIssue::new(format!("{field_prefix}targets.{}", t.platform), e.clone())
            })
        })
        .collect();
    if issues.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(issues))
    }
}
