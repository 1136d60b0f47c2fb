//! Listening: what people say to an account (X's mentions timeline) and how much a query is
//! talked about (X's recent tweet counts, hour by hour for seven days). Only X offers either
//! to our apps; Meta's comments arrive by webhook.

use chrono::{DateTime, Utc};
use domain::Platform;
use serde::Deserialize;

use super::{Acting, PlatformClient, Text};
use crate::Failure;

/// A post that mentions the account.
#[derive(Debug, Clone, PartialEq)]
pub struct Mention {
    pub id: String,
    pub author: Option<String>,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Deserialize, Default)]
struct XMentions {
    #[serde(default)]
    data: Vec<XMention>,
    #[serde(default)]
    meta: XPageMeta,
}

#[derive(Deserialize)]
struct XMention {
    id: Text,
    #[serde(default)]
    text: String,
    author_id: Option<String>,
    created_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize, Default)]
struct XPageMeta {
    next_token: Option<String>,
}

#[derive(Deserialize, Default)]
struct XCounts {
    #[serde(default)]
    data: Vec<XCount>,
}

#[derive(Deserialize)]
struct XCount {
    start: DateTime<Utc>,
    #[serde(default)]
    tweet_count: u64,
}

/// Pages read per call at most: a wave of mentions is read over several runs, not one.
const MAX_PAGES: usize = 10;

impl PlatformClient {
    /// Mentions of the acting X account since `since`, newest first (up to 1,000 per call).
    pub async fn mentions(
        &self,
        acting: &Acting<'_>,
        since: DateTime<Utc>,
    ) -> Result<Vec<Mention>, Failure> {
        let api = &self.endpoints.x.api;
        let mut mentions = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query = vec![
                ("max_results", "100".to_owned()),
                ("tweet.fields", "created_at,author_id".to_owned()),
                (
                    "start_time",
                    since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                ),
            ];
            if let Some(cursor) = &cursor {
                query.push(("pagination_token", cursor.clone()));
            }
            let page: XMentions = self
                .send(
                    Platform::X,
                    false,
                    self.http
                        .get(format!("{api}/2/users/{}/mentions", acting.account_id))
                        .query(&query)
                        .bearer_auth(acting.access_token),
                )
                .await?
                .lenient();
            mentions.extend(page.data.into_iter().filter_map(|m| {
                Some(Mention {
                    id: m.id.0,
                    author: m.author_id,
                    text: m.text,
                    created_at: m.created_at?,
                })
            }));
            match page.meta.next_token {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        Ok(mentions)
    }

    /// Hourly counts of posts matching `query` over the last seven days, oldest first.
    pub async fn recent_counts(
        &self,
        acting: &Acting<'_>,
        query: &str,
    ) -> Result<Vec<(DateTime<Utc>, u64)>, Failure> {
        let api = &self.endpoints.x.api;
        let counts: XCounts = self
            .send(
                Platform::X,
                false,
                self.http
                    .get(format!("{api}/2/tweets/counts/recent"))
                    .query(&[("query", query), ("granularity", "hour")])
                    .bearer_auth(acting.access_token),
            )
            .await?
            .lenient();
        let mut hours: Vec<(DateTime<Utc>, u64)> = counts
            .data
            .into_iter()
            .map(|c| (c.start, c.tweet_count))
            .collect();
        hours.sort_by_key(|h| h.0);
        Ok(hours)
    }
}
