//! The organization's published posts as the insight models see them: one sample per
//! published target whose numbers have settled.

use chrono::{DateTime, Duration, Utc};
use insights::PostSample;
use runtime::AppState;
use store::OrgId;
use unicode_segmentation::UnicodeSegmentation;

use crate::AgentsError;

/// A post's numbers are taken as settled two days after publication (the platforms' counts
/// grow mostly in the first day).
pub const SETTLED_AFTER: Duration = Duration::days(2);

pub fn hashtags_in(text: &str) -> u32 {
    text.split_whitespace()
        .filter(|w| w.len() > 1 && w.starts_with('#'))
        .count() as u32
}

pub fn sample_of(row: &store::insights::SampleRow) -> PostSample {
    PostSample {
        account_id: row.account_id,
        platform: row.platform,
        published_at: row.published_at,
        content_type: row.content_type,
        text_chars: row.text.graphemes(true).count() as u32,
        hashtags: hashtags_in(&row.text),
        media_count: row.media_count.max(0) as u32,
        followers: row.followers.map(|f| f as f64),
        engagements: row.engagements.max(0) as f64,
    }
}

/// Settled samples published since `since`, oldest first.
pub async fn settled_samples(
    state: &AppState,
    organization_id: OrgId,
    since: DateTime<Utc>,
) -> Result<Vec<(store::insights::SampleRow, PostSample)>, AgentsError> {
    let client = state.db.client().await?;
    let rows = store::insights::samples(
        &**client,
        organization_id,
        since,
        Utc::now() - SETTLED_AFTER,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let s = sample_of(&r);
            (r, s)
        })
        .collect())
}

/// [`settled_samples`] without their rows: what the models learn from.
pub async fn settled_posts(
    state: &AppState,
    organization_id: OrgId,
    since: DateTime<Utc>,
) -> Result<Vec<PostSample>, AgentsError> {
    Ok(settled_samples(state, organization_id, since)
        .await?
        .into_iter()
        .map(|(_, sample)| sample)
        .collect())
}
