//! Reading what happened on each platform, for analytics: metrics of many posts at once (as
//! many as each platform takes in one call), the account's figures (followers), its audience
//! (Instagram follower demographics), and its own timeline, so posts published outside the
//! product are imported too.

use chrono::{DateTime, Utc};
use domain::Platform;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Acting, Answer, PlatformClient, PostMetrics, Text, lenient_count};
use crate::Failure;

/// Metrics of several posts, and when the platform asks us to pause (X says how many calls are
/// left in its window: at zero, the sync waits for the reset instead of earning a 429).
#[derive(Debug, Default)]
pub struct MetricsBatch {
    pub metrics: Vec<(String, PostMetrics)>,
    pub pause_until: Option<DateTime<Utc>>,
}

/// An account's public figures at the time of the call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountFigures {
    pub followers: Option<i64>,
}

/// Followers by (age group, gender) and by country, as counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Audience {
    pub by_age_gender: Vec<(String, String, i64)>,
    pub by_country: Vec<(String, i64)>,
}

/// A post as the platform lists it on the account's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformPost {
    pub id: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    /// text, image, video or carousel.
    pub content_type: &'static str,
}

/// One page of the timeline, newest first, and where the next (older) page starts.
#[derive(Debug, Clone, Default)]
pub struct PostsPage {
    pub posts: Vec<PlatformPost>,
    pub next_cursor: Option<String>,
}

/// How many post ids each platform takes in one metrics call.
pub fn metrics_batch_size(platform: Platform) -> usize {
    match platform {
        Platform::X => 100,
        Platform::TikTok => 20,
        Platform::Facebook | Platform::Instagram | Platform::LinkedIn => 1,
    }
}

#[derive(Deserialize, Default)]
struct XTweets {
    #[serde(default)]
    data: Vec<XTweet>,
    #[serde(default)]
    meta: XMeta,
}

#[derive(Deserialize)]
struct XTweet {
    id: Text,
    #[serde(default)]
    text: String,
    created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    public_metrics: XMetrics,
    attachments: Option<XAttachments>,
}

#[derive(Deserialize)]
struct XAttachments {
    #[serde(default)]
    media_keys: Vec<String>,
}

#[derive(Deserialize, Default)]
struct XMeta {
    next_token: Option<String>,
}

#[derive(Deserialize, Default)]
struct XMetrics {
    #[serde(default, deserialize_with = "lenient_count")]
    like_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient_count")]
    reply_count: Option<i64>,
    // The repost count is `retweet_count` in the docs and `repost_count` in the schema.
    #[serde(default, deserialize_with = "lenient_count")]
    retweet_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient_count")]
    repost_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient_count")]
    quote_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient_count")]
    bookmark_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient_count")]
    impression_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient_count")]
    followers_count: Option<i64>,
}

#[derive(Deserialize, Default)]
struct XUser {
    data: Option<XUserData>,
}

#[derive(Deserialize)]
struct XUserData {
    #[serde(default)]
    public_metrics: XMetrics,
}

#[derive(Deserialize, Default)]
struct TikTokAnswer {
    #[serde(default)]
    data: TikTokVideos,
}

#[derive(Deserialize, Default)]
struct TikTokVideos {
    #[serde(default)]
    videos: Vec<TikTokVideo>,
    #[serde(default, deserialize_with = "lenient_count")]
    cursor: Option<i64>,
    #[serde(default)]
    has_more: bool,
}

#[derive(Deserialize)]
struct TikTokVideo {
    id: Text,
    #[serde(default)]
    title: String,
    #[serde(default)]
    video_description: String,
    #[serde(default, deserialize_with = "lenient_count")]
    create_time: Option<i64>,
    #[serde(default, deserialize_with = "lenient_count")]
    like_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient_count")]
    comment_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient_count")]
    share_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient_count")]
    view_count: Option<i64>,
}

#[derive(Deserialize, Default)]
struct TikTokUser {
    #[serde(default)]
    data: TikTokUserData,
}

#[derive(Deserialize, Default)]
struct TikTokUserData {
    user: Option<TikTokFigures>,
}

#[derive(Deserialize)]
struct TikTokFigures {
    #[serde(default, deserialize_with = "lenient_count")]
    follower_count: Option<i64>,
}

#[derive(Deserialize, Default)]
struct MetaObject {
    #[serde(default, deserialize_with = "lenient_count")]
    followers_count: Option<i64>,
}

#[derive(Deserialize, Default)]
struct MetaList {
    #[serde(default)]
    data: Vec<MetaItem>,
    #[serde(default)]
    paging: MetaPaging,
}

#[derive(Deserialize)]
struct MetaItem {
    id: Text,
    message: Option<String>,
    caption: Option<String>,
    created_time: Option<String>,
    timestamp: Option<String>,
    media_type: Option<String>,
}

#[derive(Deserialize, Default)]
struct MetaPaging {
    cursors: Option<MetaCursors>,
    next: Option<String>,
}

#[derive(Deserialize)]
struct MetaCursors {
    after: Option<String>,
}

#[derive(Deserialize, Default)]
struct LinkedInPosts {
    #[serde(default)]
    elements: Vec<LinkedInPost>,
    #[serde(default)]
    paging: LinkedInPaging,
}

#[derive(Deserialize)]
struct LinkedInPost {
    id: Text,
    #[serde(default)]
    commentary: String,
    #[serde(rename = "publishedAt", default, deserialize_with = "lenient_count")]
    published_at: Option<i64>,
    content: Option<Value>,
}

#[derive(Deserialize, Default)]
struct LinkedInPaging {
    #[serde(default, deserialize_with = "lenient_count")]
    start: Option<i64>,
    #[serde(default, deserialize_with = "lenient_count")]
    count: Option<i64>,
    #[serde(default, deserialize_with = "lenient_count")]
    total: Option<i64>,
}

#[derive(Deserialize, Default)]
struct LinkedInFollowers {
    #[serde(default)]
    elements: Vec<LinkedInFollowerCount>,
}

#[derive(Deserialize)]
struct LinkedInFollowerCount {
    #[serde(
        rename = "memberFollowersCount",
        default,
        deserialize_with = "lenient_count"
    )]
    count: Option<i64>,
}

/// Meta's dates carry `+0000` rather than `+00:00`.
fn meta_time(text: Option<&str>) -> Option<DateTime<Utc>> {
    let text = text?;
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z"))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

const PAGE_SIZE: usize = 100;

impl PlatformClient {
    /// Metrics of `ids` (at most [`metrics_batch_size`] of them for one call). Ids the platform
    /// no longer knows (deleted posts) are absent from the answer.
    pub async fn metrics_batch(
        &self,
        platform: Platform,
        acting: &Acting<'_>,
        ids: &[String],
    ) -> Result<MetricsBatch, Failure> {
        match platform {
            Platform::X => self.metrics_x(acting, ids).await,
            Platform::TikTok => self.metrics_tiktok(acting, ids).await,
            Platform::Facebook | Platform::Instagram | Platform::LinkedIn => {
                let mut batch = MetricsBatch::default();
                for id in ids {
                    let metrics = match platform {
                        Platform::LinkedIn => self.metrics_linkedin(acting, id).await?,
                        _ => self.metrics_meta(platform, acting, id).await?,
                    };
                    batch.metrics.push((id.clone(), metrics));
                }
                Ok(batch)
            }
        }
    }

    async fn metrics_x(
        &self,
        acting: &Acting<'_>,
        ids: &[String],
    ) -> Result<MetricsBatch, Failure> {
        let api = &self.endpoints.x.api;
        let answer = self
            .send(
                Platform::X,
                false,
                self.http
                    .get(format!("{api}/2/tweets"))
                    .query(&[
                        ("ids", ids.join(",").as_str()),
                        ("tweet.fields", "public_metrics"),
                    ])
                    .bearer_auth(acting.access_token),
            )
            .await?;
        let tweets: XTweets = answer.lenient();
        Ok(MetricsBatch {
            metrics: tweets
                .data
                .into_iter()
                .map(|t| {
                    let m = t.public_metrics;
                    let reposts = m.retweet_count.or(m.repost_count).unwrap_or(0);
                    let metrics = PostMetrics {
                        likes: m.like_count.unwrap_or(0),
                        comments: m.reply_count.unwrap_or(0),
                        shares: reposts + m.quote_count.unwrap_or(0),
                        saves: m.bookmark_count.unwrap_or(0),
                        impressions: m.impression_count.unwrap_or(0),
                        ..PostMetrics::default()
                    };
                    (t.id.0, metrics)
                })
                .collect(),
            pause_until: x_window_exhausted(&answer),
        })
    }

    async fn metrics_tiktok(
        &self,
        acting: &Acting<'_>,
        ids: &[String],
    ) -> Result<MetricsBatch, Failure> {
        let api = &self.endpoints.tiktok.api;
        let answer: TikTokAnswer = self
            .send(
                Platform::TikTok,
                false,
                self.http
                    .post(format!("{api}/v2/video/query/"))
                    .query(&[(
                        "fields",
                        "id,like_count,comment_count,share_count,view_count",
                    )])
                    .bearer_auth(acting.access_token)
                    .json(&json!({ "filters": { "video_ids": ids } })),
            )
            .await?
            .lenient();
        Ok(MetricsBatch {
            metrics: answer
                .data
                .videos
                .into_iter()
                .map(|v| {
                    let views = v.view_count.unwrap_or(0);
                    let metrics = PostMetrics {
                        likes: v.like_count.unwrap_or(0),
                        comments: v.comment_count.unwrap_or(0),
                        shares: v.share_count.unwrap_or(0),
                        impressions: views,
                        video_views: views,
                        ..PostMetrics::default()
                    };
                    (v.id.0, metrics)
                })
                .collect(),
            pause_until: None,
        })
    }

    /// The account's follower count now.
    pub async fn account_figures(
        &self,
        platform: Platform,
        acting: &Acting<'_>,
    ) -> Result<AccountFigures, Failure> {
        let followers = match platform {
            Platform::X => {
                let api = &self.endpoints.x.api;
                let user: XUser = self
                    .send(
                        platform,
                        false,
                        self.http
                            .get(format!("{api}/2/users/{}", acting.account_id))
                            .query(&[("user.fields", "public_metrics")])
                            .bearer_auth(acting.access_token),
                    )
                    .await?
                    .lenient();
                user.data.and_then(|u| u.public_metrics.followers_count)
            }
            Platform::Facebook | Platform::Instagram => {
                let api = &self.endpoints.meta.api;
                let object: MetaObject = self
                    .send(
                        platform,
                        false,
                        self.http
                            .get(format!("{api}/{}", acting.account_id))
                            .query(&[("fields", "followers_count")])
                            .bearer_auth(acting.access_token),
                    )
                    .await?
                    .lenient();
                object.followers_count
            }
            Platform::LinkedIn => {
                let api = &self.endpoints.linkedin.api;
                let answer: LinkedInFollowers = self
                    .send(
                        platform,
                        false,
                        self.linkedin_get(format!("{api}/rest/memberFollowersCount"), acting)
                            .query(&[("q", "me")]),
                    )
                    .await?
                    .lenient();
                answer.elements.first().and_then(|e| e.count)
            }
            Platform::TikTok => {
                let api = &self.endpoints.tiktok.api;
                let user: TikTokUser = self
                    .send(
                        platform,
                        false,
                        self.http
                            .get(format!("{api}/v2/user/info/"))
                            .query(&[("fields", "open_id,follower_count")])
                            .bearer_auth(acting.access_token),
                    )
                    .await?
                    .lenient();
                user.data.user.and_then(|u| u.follower_count)
            }
        };
        Ok(AccountFigures { followers })
    }

    /// Follower demographics, where the platform gives them (Instagram professional accounts);
    /// `None` elsewhere.
    pub async fn audience(
        &self,
        platform: Platform,
        acting: &Acting<'_>,
    ) -> Result<Option<Audience>, Failure> {
        if platform != Platform::Instagram {
            return Ok(None);
        }
        let api = &self.endpoints.meta.api;
        let mut audience = Audience::default();
        for breakdown in ["age,gender", "country"] {
            let answer: Value = self
                .send(
                    platform,
                    false,
                    self.http
                        .get(format!("{api}/{}/insights", acting.account_id))
                        .query(&[
                            ("metric", "follower_demographics"),
                            ("period", "lifetime"),
                            ("metric_type", "total_value"),
                            ("breakdown", breakdown),
                        ])
                        .bearer_auth(acting.access_token),
                )
                .await?
                .lenient();
            let results = answer
                .pointer("/data/0/total_value/breakdowns/0/results")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for result in results {
                let values: Vec<String> = result
                    .get("dimension_values")
                    .and_then(Value::as_array)
                    .map(|v| {
                        v.iter()
                            .filter_map(|d| d.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                let Some(count) = result.get("value").and_then(Value::as_i64) else {
                    continue;
                };
                match (breakdown, values.as_slice()) {
                    ("country", [country]) => audience.by_country.push((country.clone(), count)),
                    (_, [age, gender]) => {
                        audience
                            .by_age_gender
                            .push((age.clone(), gender.clone(), count))
                    }
                    _ => {}
                }
            }
        }
        Ok(Some(audience))
    }

    /// One page of the account's own timeline, newest first; `cursor` is a previous page's
    /// `next_cursor`.
    pub async fn recent_posts(
        &self,
        platform: Platform,
        acting: &Acting<'_>,
        cursor: Option<&str>,
    ) -> Result<PostsPage, Failure> {
        match platform {
            Platform::X => {
                let api = &self.endpoints.x.api;
                let mut query = vec![
                    ("max_results", PAGE_SIZE.to_string()),
                    ("tweet.fields", "created_at,attachments".to_owned()),
                ];
                if let Some(cursor) = cursor {
                    query.push(("pagination_token", cursor.to_owned()));
                }
                let answer: XTweets = self
                    .send(
                        platform,
                        false,
                        self.http
                            .get(format!("{api}/2/users/{}/tweets", acting.account_id))
                            .query(&query)
                            .bearer_auth(acting.access_token),
                    )
                    .await?
                    .lenient();
                Ok(PostsPage {
                    posts: answer
                        .data
                        .into_iter()
                        .filter_map(|t| {
                            let keys = t.attachments.map(|a| a.media_keys).unwrap_or_default();
                            Some(PlatformPost {
                                id: t.id.0,
                                text: t.text,
                                created_at: t.created_at?,
                                content_type: match keys.as_slice() {
                                    [] => "text",
                                    [one] if one.starts_with("video") => "video",
                                    [_] => "image",
                                    _ => "carousel",
                                },
                            })
                        })
                        .collect(),
                    next_cursor: answer.meta.next_token,
                })
            }
            Platform::Facebook | Platform::Instagram => {
                let api = &self.endpoints.meta.api;
                let (edge, fields) = if platform == Platform::Facebook {
                    ("posts", "id,message,created_time")
                } else {
                    ("media", "id,caption,media_type,timestamp")
                };
                let mut query = vec![
                    ("fields", fields.to_owned()),
                    ("limit", PAGE_SIZE.to_string()),
                ];
                if let Some(cursor) = cursor {
                    query.push(("after", cursor.to_owned()));
                }
                let answer: MetaList = self
                    .send(
                        platform,
                        false,
                        self.http
                            .get(format!("{api}/{}/{edge}", acting.account_id))
                            .query(&query)
                            .bearer_auth(acting.access_token),
                    )
                    .await?
                    .lenient();
                let next_cursor = answer
                    .paging
                    .next
                    .and(answer.paging.cursors.and_then(|c| c.after));
                Ok(PostsPage {
                    posts: answer
                        .data
                        .into_iter()
                        .filter_map(|item| {
                            Some(PlatformPost {
                                id: item.id.0,
                                text: item.message.or(item.caption).unwrap_or_default(),
                                created_at: meta_time(
                                    item.created_time.as_deref().or(item.timestamp.as_deref()),
                                )?,
                                content_type: match item.media_type.as_deref() {
                                    Some("VIDEO" | "REELS") => "video",
                                    Some("CAROUSEL_ALBUM") => "carousel",
                                    Some(_) => "image",
                                    None => "text",
                                },
                            })
                        })
                        .collect(),
                    next_cursor,
                })
            }
            Platform::LinkedIn => {
                let api = &self.endpoints.linkedin.api;
                let start: i64 = cursor.and_then(|c| c.parse().ok()).unwrap_or(0);
                let author = format!("urn:li:person:{}", acting.account_id);
                let answer: LinkedInPosts = self
                    .send(
                        platform,
                        false,
                        self.linkedin_get(format!("{api}/rest/posts"), acting)
                            .query(&[
                                ("q", "author"),
                                ("author", author.as_str()),
                                ("count", &PAGE_SIZE.to_string()),
                                ("start", &start.to_string()),
                            ]),
                    )
                    .await?
                    .lenient();
                let seen = answer.paging.start.unwrap_or(start) + answer.elements.len() as i64;
                let more = answer.paging.total.map_or(
                    answer.elements.len() as i64 >= answer.paging.count.unwrap_or(PAGE_SIZE as i64),
                    |total| seen < total,
                );
                Ok(PostsPage {
                    posts: answer
                        .elements
                        .into_iter()
                        .filter_map(|p| {
                            Some(PlatformPost {
                                id: p.id.0,
                                text: p.commentary,
                                created_at: DateTime::from_timestamp_millis(p.published_at?)?,
                                content_type: if p.content.is_some() { "image" } else { "text" },
                            })
                        })
                        .collect(),
                    next_cursor: (more && seen > start).then(|| seen.to_string()),
                })
            }
            Platform::TikTok => {
                let api = &self.endpoints.tiktok.api;
                let mut body = json!({ "max_count": 20 });
                if let Some(cursor) = cursor.and_then(|c| c.parse::<i64>().ok()) {
                    body["cursor"] = json!(cursor);
                }
                let answer: TikTokAnswer = self
                    .send(
                        platform,
                        false,
                        self.http
                            .post(format!("{api}/v2/video/list/"))
                            .query(&[("fields", "id,title,video_description,create_time")])
                            .bearer_auth(acting.access_token)
                            .json(&body),
                    )
                    .await?
                    .lenient();
                let next_cursor = answer
                    .data
                    .has_more
                    .then_some(answer.data.cursor)
                    .flatten()
                    .map(|c| c.to_string());
                Ok(PostsPage {
                    posts: answer
                        .data
                        .videos
                        .into_iter()
                        .filter_map(|v| {
                            let text = if v.video_description.is_empty() {
                                v.title
                            } else {
                                v.video_description
                            };
                            Some(PlatformPost {
                                id: v.id.0,
                                text,
                                created_at: DateTime::from_timestamp(v.create_time?, 0)?,
                                content_type: "video",
                            })
                        })
                        .collect(),
                    next_cursor,
                })
            }
        }
    }
}

/// When X's rate-limit window is used up (`x-rate-limit-remaining: 0`), the time it resets.
fn x_window_exhausted(answer: &Answer) -> Option<DateTime<Utc>> {
    let remaining: i64 = answer
        .header("x-rate-limit-remaining")?
        .trim()
        .parse()
        .ok()?;
    if remaining > 0 {
        return None;
    }
    let reset: i64 = answer.header("x-rate-limit-reset")?.trim().parse().ok()?;
    DateTime::from_timestamp(reset, 0)
}

/// A public account (a competitor's) as the platform shows it to anyone.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicAccount {
    pub platform_user_id: String,
    pub name: Option<String>,
    pub followers: Option<i64>,
    pub posts: Option<i64>,
    /// Their posts of the last 30 days (as many as one page holds), with public counts.
    pub recent: Vec<PublicPost>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicPost {
    pub created_at: DateTime<Utc>,
    pub text: String,
    pub likes: i64,
    pub comments: i64,
}

#[derive(Deserialize, Default)]
struct XNamedUser {
    data: Option<XNamedUserData>,
}

#[derive(Deserialize)]
struct XNamedUserData {
    id: Text,
    name: Option<String>,
    #[serde(default)]
    public_metrics: XPublicFigures,
}

#[derive(Deserialize, Default)]
struct XPublicFigures {
    #[serde(default, deserialize_with = "lenient_count")]
    followers_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient_count")]
    tweet_count: Option<i64>,
}

#[derive(Deserialize, Default)]
struct Discovery {
    business_discovery: Option<DiscoveredAccount>,
}

#[derive(Deserialize)]
struct DiscoveredAccount {
    id: Text,
    name: Option<String>,
    #[serde(default, deserialize_with = "lenient_count")]
    followers_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient_count")]
    media_count: Option<i64>,
    media: Option<DiscoveredMedia>,
}

#[derive(Deserialize)]
struct DiscoveredMedia {
    #[serde(default)]
    data: Vec<DiscoveredPost>,
}

#[derive(Deserialize)]
struct DiscoveredPost {
    timestamp: Option<String>,
    caption: Option<String>,
    #[serde(default, deserialize_with = "lenient_count")]
    like_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient_count")]
    comments_count: Option<i64>,
}

impl PlatformClient {
    /// A public account by its handle, read as `acting` (X user lookup and timeline; Instagram
    /// Business Discovery through the acting professional account). `None` when the platform
    /// knows no such account; other platforms offer no such lookup.
    pub async fn public_account(
        &self,
        platform: Platform,
        acting: &Acting<'_>,
        handle: &str,
    ) -> Result<Option<PublicAccount>, Failure> {
        let since = Utc::now() - chrono::Duration::days(30);
        match platform {
            Platform::X => {
                let api = &self.endpoints.x.api;
                let user = self
                    .send(
                        platform,
                        false,
                        self.http
                            .get(format!("{api}/2/users/by/username/{handle}"))
                            .query(&[("user.fields", "public_metrics")])
                            .bearer_auth(acting.access_token),
                    )
                    .await;
                let user: XNamedUser = match user {
                    Ok(answer) => answer.lenient(),
                    // X answers an unknown name with 200, `errors` and no `data`.
                    Err(Failure::RejectedContent { .. }) => return Ok(None),
                    Err(other) => return Err(other),
                };
                let Some(user) = user.data else {
                    return Ok(None);
                };
                let timeline: XTweets = self
                    .send(
                        platform,
                        false,
                        self.http
                            .get(format!("{api}/2/users/{}/tweets", user.id.0))
                            .query(&[
                                ("max_results", "100"),
                                ("tweet.fields", "created_at,public_metrics"),
                                (
                                    "start_time",
                                    &since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                                ),
                            ])
                            .bearer_auth(acting.access_token),
                    )
                    .await?
                    .lenient();
                Ok(Some(PublicAccount {
                    platform_user_id: user.id.0,
                    name: user.name,
                    followers: user.public_metrics.followers_count,
                    posts: user.public_metrics.tweet_count,
                    recent: timeline
                        .data
                        .into_iter()
                        .filter_map(|t| {
                            Some(PublicPost {
                                created_at: t.created_at?,
                                text: t.text,
                                likes: t.public_metrics.like_count.unwrap_or(0),
                                comments: t.public_metrics.reply_count.unwrap_or(0),
                            })
                        })
                        .collect(),
                }))
            }
            Platform::Instagram => {
                let api = &self.endpoints.meta.api;
                let fields = format!(
                    "business_discovery.username({handle}){{id,name,followers_count,media_count,media{{timestamp,caption,like_count,comments_count}}}}"
                );
                let answer = self
                    .send(
                        platform,
                        false,
                        self.http
                            .get(format!("{api}/{}", acting.account_id))
                            .query(&[("fields", fields.as_str())])
                            .bearer_auth(acting.access_token),
                    )
                    .await;
                let found: Discovery = match answer {
                    Ok(answer) => answer.lenient(),
                    // (#110) Invalid user id: no professional account of that name.
                    Err(Failure::RejectedContent { .. }) => return Ok(None),
                    Err(other) => return Err(other),
                };
                let Some(account) = found.business_discovery else {
                    return Ok(None);
                };
                Ok(Some(PublicAccount {
                    platform_user_id: account.id.0,
                    name: account.name,
                    followers: account.followers_count,
                    posts: account.media_count,
                    recent: account
                        .media
                        .map(|m| m.data)
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|p| {
                            let created_at = meta_time(p.timestamp.as_deref())?;
                            (created_at >= since).then(|| PublicPost {
                                created_at,
                                text: p.caption.unwrap_or_default(),
                                likes: p.like_count.unwrap_or(0),
                                comments: p.comments_count.unwrap_or(0),
                            })
                        })
                        .collect(),
                }))
            }
            Platform::Facebook | Platform::LinkedIn | Platform::TikTok => Ok(None),
        }
    }
}
