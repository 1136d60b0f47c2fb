//! The HTTP clients of the five platforms. Every answer goes through [`classify_http`], every
//! transport error through [`Failure::answer_lost`], so callers act on one `Failure` type.

use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::Platform;
use reqwest::{Client, RequestBuilder};
use serde_json::{Value, json};

use crate::endpoints::Endpoints;
use crate::{Failure, classify_http};

/// A platform app's credentials (from Secrets Manager).
#[derive(Clone)]
pub struct AppCredentials {
    pub client_id: String,
    pub client_secret: String,
}

/// Tokens as a platform returned them.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSet {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The platform's user id, when the token answer carries it (TikTok's `open_id`).
    pub subject: Option<String>,
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// An account the user may connect after consenting: the user's own profile, or for Meta each
/// Page and the Instagram business account linked to it.
#[derive(Clone)]
pub struct ConnectableAccount {
    pub platform: Platform,
    pub account_id: String,
    pub name: String,
    pub handle: Option<String>,
    pub followers: Option<i64>,
    /// A token scoped to this account (Meta Page tokens); otherwise the user token applies.
    pub access_token: Option<String>,
}

/// One media item to publish: a URL the platform can fetch (a presigned S3 GET), and the bytes
/// for platforms that take uploads (X, LinkedIn).
#[derive(Clone)]
pub struct MediaItem {
    /// A URL the platform (or this client) can fetch the file from.
    pub url: String,
    /// The file, for platforms that take uploads of images. Videos are streamed from `url` in
    /// segments instead, so a large video is never held in memory whole.
    pub bytes: Vec<u8>,
    pub mime_type: String,
    pub is_video: bool,
    pub size_bytes: u64,
}

/// What to publish.
#[derive(Clone)]
pub enum Content {
    Text(String),
    /// Text with images (X up to 4; Facebook, LinkedIn one; TikTok photo posts).
    Images {
        text: String,
        images: Vec<MediaItem>,
    },
    /// A video (TikTok) or an Instagram reel.
    Video {
        text: String,
        video: MediaItem,
    },
    /// An X thread: each text replies to the previous one.
    Thread(Vec<String>),
    /// An Instagram carousel (2 to 10 images).
    Carousel {
        text: String,
        images: Vec<MediaItem>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub platform_post_id: String,
    pub permalink: Option<String>,
    /// Further ids (the rest of an X thread).
    pub more_ids: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PostMetrics {
    pub likes: i64,
    pub comments: i64,
    pub shares: i64,
    pub impressions: i64,
    pub reach: i64,
}

/// The account to act as.
pub struct Acting<'a> {
    pub account_id: &'a str,
    pub access_token: &'a str,
}

#[derive(Clone)]
pub struct PlatformClient {
    http: Client,
    endpoints: Endpoints,
    poll_interval: Duration,
    poll_attempts: u32,
}

/// The LinkedIn API version the posts API is called with.
const LINKEDIN_VERSION: &str = "202511";

struct Answer {
    headers: Vec<(String, String)>,
    body: Value,
}

impl PlatformClient {
    /// `timeout` bounds every request; past it a publish is an unknown outcome.
    pub fn new(endpoints: Endpoints, timeout: Duration, poll_interval: Duration) -> Self {
        let http = Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(5))
            .user_agent("social-platform/0.1")
            .build()
            .expect("the HTTP client configuration is valid");
        PlatformClient {
            http,
            endpoints,
            poll_interval,
            poll_attempts: 30,
        }
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    async fn send(
        &self,
        platform: Platform,
        is_publish: bool,
        request: RequestBuilder,
    ) -> Result<Answer, Failure> {
        let response = request.send().await.map_err(|error| {
            if error.is_connect() {
                // Never the URL: query strings may carry credentials, and reasons are logged
                // and shown to users.
                Failure::Retryable {
                    reason: format!("could not connect to {platform}: {}", error.without_url()),
                }
            } else {
                Failure::answer_lost(
                    is_publish,
                    if error.is_timeout() {
                        "timed out"
                    } else {
                        "connection lost"
                    },
                )
            }
        })?;
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let text = response
            .text()
            .await
            .map_err(|_| Failure::answer_lost(is_publish, "the answer was cut off"))?;
        if let Some(failure) = classify_http(platform, is_publish, status, &headers, &text) {
            return Err(failure);
        }
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::Null)
        };
        Ok(Answer { headers, body })
    }

    fn text(body: &Value, pointer: &str) -> Result<String, Failure> {
        body.pointer(pointer)
            .and_then(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .or_else(|| v.as_i64().map(|n| n.to_string()))
            })
            .ok_or_else(|| Failure::Retryable {
                reason: format!("the answer lacks {pointer}"),
            })
    }

    /// The id of what a publish call created. The platform accepted the request, so an answer
    /// without the id leaves the outcome unknown: never retried.
    fn created_id(body: &Value, pointer: &str) -> Result<String, Failure> {
        Self::text(body, pointer).map_err(|_| Failure::UnknownOutcome {
            reason: format!("the platform accepted the post but its answer lacks {pointer}"),
        })
    }

    /// Any failure after a platform accepted a publish request (a later step, a status poll)
    /// leaves the outcome unknown: retrying could post twice.
    fn after_accepted<T>(result: Result<T, Failure>, accepted: &str) -> Result<T, Failure> {
        result.map_err(|failure| Failure::UnknownOutcome {
            reason: format!("{accepted} was accepted, then: {}", failure.reason()),
        })
    }

    fn tokens(body: &Value) -> Result<TokenSet, Failure> {
        let expires_at = body
            .get("expires_in")
            .and_then(Value::as_i64)
            .map(|secs| Utc::now() + chrono::Duration::seconds(secs));
        Ok(TokenSet {
            access_token: Self::text(body, "/access_token")?,
            refresh_token: body
                .get("refresh_token")
                .and_then(Value::as_str)
                .map(str::to_owned),
            expires_at,
            subject: body
                .get("open_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    }

    /// Calls the platform's token endpoint with `fields`, authenticating the app the way the
    /// platform wants it: HTTP Basic (X), form fields (LinkedIn, TikTok's `client_key`), or
    /// query parameters (Meta).
    async fn token_call(
        &self,
        platform: Platform,
        app: &AppCredentials,
        fields: &[(&str, &str)],
    ) -> Result<Answer, Failure> {
        let url = &self.endpoints.of(platform).token;
        let mut fields = fields.to_vec();
        let request = match platform {
            Platform::X => self
                .http
                .post(url)
                .basic_auth(&app.client_id, Some(&app.client_secret))
                .form(&fields),
            // Meta documents GET, and the Graph API takes the same parameters as a POST form:
            // secrets and tokens then travel in the body, never in a URL that proxies, access
            // logs or error messages could record.
            Platform::Facebook | Platform::Instagram => {
                fields.extend([
                    ("client_id", app.client_id.as_str()),
                    ("client_secret", app.client_secret.as_str()),
                ]);
                self.http.post(url).form(&fields)
            }
            Platform::TikTok => {
                fields.extend([
                    ("client_key", app.client_id.as_str()),
                    ("client_secret", app.client_secret.as_str()),
                ]);
                self.http.post(url).form(&fields)
            }
            Platform::LinkedIn => {
                fields.extend([
                    ("client_id", app.client_id.as_str()),
                    ("client_secret", app.client_secret.as_str()),
                ]);
                self.http.post(url).form(&fields)
            }
        };
        self.send(platform, false, request).await
    }

    /// Exchanges an authorization code (with its PKCE verifier) for tokens.
    pub async fn exchange_code(
        &self,
        platform: Platform,
        app: &AppCredentials,
        code: &str,
        redirect_uri: &str,
        verifier: &str,
    ) -> Result<TokenSet, Failure> {
        let fields = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
        ];
        let answer = self.token_call(platform, app, &fields).await?;
        if matches!(platform, Platform::Facebook | Platform::Instagram) {
            // Meta's code gives a short-lived token: exchange it for a long-lived one at once.
            let short_token = Self::text(&answer.body, "/access_token")?;
            return self.refresh(platform, app, &short_token).await;
        }
        Self::tokens(&answer.body)
    }

    /// Renews tokens. Meta has no refresh token: a valid token is exchanged for a long-lived one.
    pub async fn refresh(
        &self,
        platform: Platform,
        app: &AppCredentials,
        refresh_token: &str,
    ) -> Result<TokenSet, Failure> {
        let fields: [(&str, &str); 2] = match platform {
            Platform::Facebook | Platform::Instagram => [
                ("grant_type", "fb_exchange_token"),
                ("fb_exchange_token", refresh_token),
            ],
            _ => [
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ],
        };
        let answer = self.token_call(platform, app, &fields).await?;
        let mut tokens = Self::tokens(&answer.body)?;
        if matches!(platform, Platform::Facebook | Platform::Instagram)
            && tokens.refresh_token.is_none()
        {
            // The long-lived token is also what renews itself.
            tokens.refresh_token = Some(tokens.access_token.clone());
        }
        Ok(tokens)
    }

    /// Renews the tokens of one connected account. A Facebook Page acts with a Page token,
    /// which Meta derives from a user token and never refreshes by itself: the stored user
    /// token is exchanged for a fresh long-lived one, which then fetches the Page's token again
    /// (`GET /{page-id}?fields=access_token`). The Page token stays the access token, the user
    /// token what renews it, and no expiry is recorded (Page tokens from long-lived user
    /// tokens do not expire).
    pub async fn refresh_account(
        &self,
        platform: Platform,
        app: &AppCredentials,
        refresh_token: &str,
        account_id: &str,
    ) -> Result<TokenSet, Failure> {
        let renewed = self.refresh(platform, app, refresh_token).await?;
        if platform != Platform::Facebook {
            return Ok(renewed);
        }
        let api = &self.endpoints.meta.api;
        let page = self
            .send(
                platform,
                false,
                self.http
                    .get(format!("{api}/{account_id}"))
                    .query(&[("fields", "access_token")])
                    .bearer_auth(&renewed.access_token),
            )
            .await?;
        let page_token = page
            .body
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| Failure::AuthExpired {
                reason: "the login no longer manages this Page".into(),
            })?;
        Ok(TokenSet {
            access_token: page_token.to_owned(),
            refresh_token: Some(renewed.access_token),
            expires_at: None,
            subject: renewed.subject,
        })
    }

    /// Revokes a token at the platform where the platform supports it.
    pub async fn revoke(
        &self,
        platform: Platform,
        app: &AppCredentials,
        token: &str,
    ) -> Result<(), Failure> {
        match platform {
            Platform::Facebook | Platform::Instagram => {
                let url = format!("{}/me/permissions", self.endpoints.meta.api);
                self.send(platform, false, self.http.delete(url).bearer_auth(token))
                    .await?;
            }
            Platform::LinkedIn => {}
            Platform::X | Platform::TikTok => {
                if let Some(url) = &self.endpoints.of(platform).revoke {
                    let form = [
                        ("token", token),
                        ("client_id", &app.client_id),
                        ("client_key", &app.client_id),
                        ("client_secret", &app.client_secret),
                    ];
                    self.send(
                        platform,
                        false,
                        self.http
                            .post(url)
                            .basic_auth(&app.client_id, Some(&app.client_secret))
                            .form(&form),
                    )
                    .await?;
                }
            }
        }
        Ok(())
    }

    /// The accounts a token gives access to.
    pub async fn accounts(
        &self,
        platform: Platform,
        access_token: &str,
    ) -> Result<Vec<ConnectableAccount>, Failure> {
        let api = &self.endpoints.of(platform).api;
        match platform {
            Platform::X => {
                let answer = self
                    .send(
                        platform,
                        false,
                        self.http
                            .get(format!("{api}/2/users/me"))
                            .query(&[("user.fields", "public_metrics")])
                            .bearer_auth(access_token),
                    )
                    .await?;
                Ok(vec![ConnectableAccount {
                    platform,
                    account_id: Self::text(&answer.body, "/data/id")?,
                    name: Self::text(&answer.body, "/data/name")?,
                    handle: answer
                        .body
                        .pointer("/data/username")
                        .and_then(Value::as_str)
                        .map(|u| format!("@{u}")),
                    followers: answer
                        .body
                        .pointer("/data/public_metrics/followers_count")
                        .and_then(Value::as_i64),
                    access_token: None,
                }])
            }
            Platform::Facebook | Platform::Instagram => {
                let answer = self
                    .send(platform, false, self.http.get(format!("{api}/me/accounts"))
                        .query(&[("fields", "id,name,access_token,followers_count,instagram_business_account{id,username}")])
                        .bearer_auth(access_token))
                    .await?;
                let mut accounts = Vec::new();
                for page in answer
                    .body
                    .get("data")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let page_token = page
                        .get("access_token")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                    accounts.push(ConnectableAccount {
                        platform: Platform::Facebook,
                        account_id: Self::text(page, "/id")?,
                        name: Self::text(page, "/name")?,
                        handle: None,
                        followers: page.get("followers_count").and_then(Value::as_i64),
                        access_token: page_token.clone(),
                    });
                    if let Some(instagram) = page.get("instagram_business_account") {
                        accounts.push(ConnectableAccount {
                            platform: Platform::Instagram,
                            account_id: Self::text(instagram, "/id")?,
                            name: instagram
                                .get("username")
                                .and_then(Value::as_str)
                                .unwrap_or("Instagram")
                                .to_owned(),
                            handle: instagram
                                .get("username")
                                .and_then(Value::as_str)
                                .map(|u| format!("@{u}")),
                            followers: None,
                            access_token: page_token,
                        });
                    }
                }
                Ok(accounts
                    .into_iter()
                    .filter(|a| a.platform == platform)
                    .collect())
            }
            Platform::LinkedIn => {
                let answer = self
                    .send(
                        platform,
                        false,
                        self.http
                            .get(format!("{api}/v2/userinfo"))
                            .bearer_auth(access_token),
                    )
                    .await?;
                Ok(vec![ConnectableAccount {
                    platform,
                    account_id: Self::text(&answer.body, "/sub")?,
                    name: Self::text(&answer.body, "/name")?,
                    handle: None,
                    followers: None,
                    access_token: None,
                }])
            }
            Platform::TikTok => {
                let answer = self
                    .send(
                        platform,
                        false,
                        self.http
                            .get(format!("{api}/v2/user/info/"))
                            .query(&[("fields", "open_id,display_name,username,follower_count")])
                            .bearer_auth(access_token),
                    )
                    .await?;
                Ok(vec![ConnectableAccount {
                    platform,
                    account_id: Self::text(&answer.body, "/data/user/open_id")?,
                    name: Self::text(&answer.body, "/data/user/display_name")?,
                    handle: answer
                        .body
                        .pointer("/data/user/username")
                        .and_then(Value::as_str)
                        .map(|u| format!("@{u}")),
                    followers: answer
                        .body
                        .pointer("/data/user/follower_count")
                        .and_then(Value::as_i64),
                    access_token: None,
                }])
            }
        }
    }

    /// Publishes one post. A failure after the platform may have applied it is `UnknownOutcome`.
    pub async fn publish(
        &self,
        platform: Platform,
        acting: &Acting<'_>,
        content: &Content,
    ) -> Result<Published, Failure> {
        match platform {
            Platform::X => self.publish_x(acting, content).await,
            Platform::Facebook => self.publish_facebook(acting, content).await,
            Platform::Instagram => self.publish_instagram(acting, content).await,
            Platform::LinkedIn => self.publish_linkedin(acting, content).await,
            Platform::TikTok => self.publish_tiktok(acting, content).await,
        }
    }

    fn unsupported(platform: Platform, what: &str) -> Failure {
        Failure::RejectedContent {
            reason: format!("{platform} does not support {what}"),
        }
    }

    async fn publish_x(
        &self,
        acting: &Acting<'_>,
        content: &Content,
    ) -> Result<Published, Failure> {
        let api = &self.endpoints.x.api;
        let tweet = |body: Value| {
            self.http
                .post(format!("{api}/2/tweets"))
                .bearer_auth(acting.access_token)
                .json(&body)
        };
        match content {
            Content::Text(text) => {
                let answer = self
                    .send(Platform::X, true, tweet(json!({ "text": text })))
                    .await?;
                Ok(Published {
                    platform_post_id: Self::created_id(&answer.body, "/data/id")?,
                    permalink: None,
                    more_ids: Vec::new(),
                })
            }
            Content::Images { text, images } => {
                let mut media_ids = Vec::new();
                for image in images {
                    let form = reqwest::multipart::Form::new()
                        .text("media_category", "tweet_image")
                        .part(
                            "media",
                            reqwest::multipart::Part::bytes(image.bytes.clone())
                                .mime_str(&image.mime_type)
                                .map_err(|e| Failure::RejectedContent {
                                    reason: e.to_string(),
                                })?,
                        );
                    let upload = self
                        .http
                        .post(format!("{api}/2/media/upload"))
                        .bearer_auth(acting.access_token)
                        .multipart(form);
                    let answer = self.send(Platform::X, false, upload).await?;
                    media_ids.push(Self::text(&answer.body, "/data/id")?);
                }
                let answer = self
                    .send(
                        Platform::X,
                        true,
                        tweet(json!({ "text": text, "media": { "media_ids": media_ids } })),
                    )
                    .await?;
                Ok(Published {
                    platform_post_id: Self::created_id(&answer.body, "/data/id")?,
                    permalink: None,
                    more_ids: Vec::new(),
                })
            }
            Content::Thread(texts) => {
                let mut ids: Vec<String> = Vec::new();
                for text in texts {
                    let body = match ids.last() {
                        Some(previous) => {
                            json!({ "text": text, "reply": { "in_reply_to_tweet_id": previous } })
                        }
                        None => json!({ "text": text }),
                    };
                    let posted = async {
                        let answer = self.send(Platform::X, true, tweet(body)).await?;
                        Self::created_id(&answer.body, "/data/id")
                    }
                    .await;
                    // Once the first tweet is out, retrying would post the thread twice.
                    let id = match ids.first() {
                        None => posted?,
                        Some(first) => Self::after_accepted(
                            posted,
                            &format!("the thread starting at {first}"),
                        )?,
                    };
                    ids.push(id);
                }
                let first = ids
                    .first()
                    .cloned()
                    .ok_or_else(|| Self::unsupported(Platform::X, "an empty thread"))?;
                Ok(Published {
                    platform_post_id: first,
                    permalink: None,
                    more_ids: ids.into_iter().skip(1).collect(),
                })
            }
            Content::Video { text, video } => {
                let media_id = self.upload_x_video(acting, video).await?;
                let answer = self
                    .send(
                        Platform::X,
                        true,
                        tweet(json!({ "text": text, "media": { "media_ids": [media_id] } })),
                    )
                    .await?;
                Ok(Published {
                    platform_post_id: Self::created_id(&answer.body, "/data/id")?,
                    permalink: None,
                    more_ids: Vec::new(),
                })
            }
            Content::Carousel { .. } => Err(Self::unsupported(Platform::X, "carousels")),
        }
        .map(|mut published| {
            published.permalink = Some(format!(
                "https://x.com/i/web/status/{}",
                published.platform_post_id
            ));
            published
        })
    }

    /// Bytes `start..=end` of a stored file (a presigned storage URL).
    async fn read_range(&self, url: &str, start: u64, end: u64) -> Result<Vec<u8>, Failure> {
        let unreadable = |what: &str| Failure::Retryable {
            reason: format!("the video could not be read from storage ({what})"),
        };
        let response = self
            .http
            .get(url)
            .header(reqwest::header::RANGE, format!("bytes={start}-{end}"))
            .send()
            .await
            .map_err(|e| unreadable(&e.without_url().to_string()))?;
        if !response.status().is_success() {
            return Err(unreadable(response.status().as_str()));
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| unreadable(&e.without_url().to_string()))?;
        if bytes.len() as u64 != end - start + 1 {
            return Err(unreadable("short read"));
        }
        Ok(bytes.to_vec())
    }

    /// X's chunked upload: initialize, append 4 MB segments, finalize, wait for processing.
    async fn upload_x_video(
        &self,
        acting: &Acting<'_>,
        video: &MediaItem,
    ) -> Result<String, Failure> {
        const SEGMENT: u64 = 4 * 1024 * 1024;
        let api = &self.endpoints.x.api;
        let init = self.http.post(format!("{api}/2/media/upload/initialize")).bearer_auth(acting.access_token).json(&json!({
            "media_type": video.mime_type, "total_bytes": video.size_bytes, "media_category": "tweet_video",
        }));
        let media_id = Self::text(&self.send(Platform::X, false, init).await?.body, "/data/id")?;
        // One segment in memory at a time, read from storage by range. Nothing is posted before
        // the tweet itself, so a failure while uploading media is safe to retry.
        let mut start = 0;
        let mut index = 0;
        while start < video.size_bytes {
            let end = (start + SEGMENT).min(video.size_bytes) - 1;
            let segment = self.read_range(&video.url, start, end).await?;
            let form = reqwest::multipart::Form::new()
                .text("segment_index", index.to_string())
                .part("media", reqwest::multipart::Part::bytes(segment));
            let append = self
                .http
                .post(format!("{api}/2/media/upload/{media_id}/append"))
                .bearer_auth(acting.access_token)
                .multipart(form);
            self.send(Platform::X, false, append).await?;
            start = end + 1;
            index += 1;
        }
        let finalize = self
            .http
            .post(format!("{api}/2/media/upload/{media_id}/finalize"))
            .bearer_auth(acting.access_token);
        let mut info = self.send(Platform::X, false, finalize).await?.body;
        for _ in 0..self.poll_attempts {
            match info
                .pointer("/data/processing_info/state")
                .and_then(Value::as_str)
            {
                None | Some("succeeded") => return Ok(media_id),
                Some("failed") => {
                    let reason = info
                        .pointer("/data/processing_info/error/message")
                        .and_then(Value::as_str)
                        .unwrap_or("X could not process the video");
                    return Err(Failure::RejectedContent {
                        reason: reason.to_owned(),
                    });
                }
                _ => {
                    // Wait as X asks, but never longer than our own polling interval allows in tests.
                    let asked = info
                        .pointer("/data/processing_info/check_after_secs")
                        .and_then(Value::as_u64)
                        .unwrap_or(1);
                    tokio::time::sleep(self.poll_interval.min(Duration::from_secs(asked))).await;
                    let status = self
                        .http
                        .get(format!("{api}/2/media/upload"))
                        .query(&[("command", "STATUS"), ("media_id", media_id.as_str())])
                        .bearer_auth(acting.access_token);
                    info = self.send(Platform::X, false, status).await?.body;
                }
            }
        }
        Err(Failure::Retryable {
            reason: "X was still processing the video".into(),
        })
    }

    async fn publish_facebook(
        &self,
        acting: &Acting<'_>,
        content: &Content,
    ) -> Result<Published, Failure> {
        let api = &self.endpoints.meta.api;
        let page = acting.account_id;
        let answer = match content {
            Content::Text(text) => {
                self.send(
                    Platform::Facebook,
                    true,
                    self.http
                        .post(format!("{api}/{page}/feed"))
                        .query(&[("message", text.as_str())])
                        .bearer_auth(acting.access_token),
                )
                .await?
            }
            Content::Images { text, images } if images.len() == 1 => {
                let query = [("url", images[0].url.as_str()), ("caption", text.as_str())];
                self.send(
                    Platform::Facebook,
                    true,
                    self.http
                        .post(format!("{api}/{page}/photos"))
                        .query(&query)
                        .bearer_auth(acting.access_token),
                )
                .await?
            }
            Content::Video { text, video } => {
                let query = [
                    ("file_url", video.url.as_str()),
                    ("description", text.as_str()),
                ];
                let request = self
                    .http
                    .post(format!("{api}/{page}/videos"))
                    .query(&query)
                    .bearer_auth(acting.access_token);
                self.send(Platform::Facebook, true, request).await?
            }
            _ => {
                return Err(Self::unsupported(
                    Platform::Facebook,
                    "this content from the API (text, one photo, or a video)",
                ));
            }
        };
        let id = answer
            .body
            .get("post_id")
            .or_else(|| answer.body.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let id = id.ok_or_else(|| Failure::UnknownOutcome {
            reason: "the answer carried no post id".into(),
        })?;
        Ok(Published {
            permalink: Some(format!("https://www.facebook.com/{id}")),
            platform_post_id: id,
            more_ids: Vec::new(),
        })
    }

    /// Creates a container, waits until Instagram has fetched and processed the media, publishes.
    async fn publish_instagram(
        &self,
        acting: &Acting<'_>,
        content: &Content,
    ) -> Result<Published, Failure> {
        let api = &self.endpoints.meta.api;
        let account = acting.account_id;
        let container = |query: Vec<(&'static str, String)>| {
            self.http
                .post(format!("{api}/{account}/media"))
                .query(&query)
                .bearer_auth(acting.access_token)
        };
        let creation_id = match content {
            Content::Images { text, images } if images.len() == 1 => {
                let answer = self
                    .send(
                        Platform::Instagram,
                        false,
                        container(vec![
                            ("image_url", images[0].url.clone()),
                            ("caption", text.clone()),
                        ]),
                    )
                    .await?;
                Self::text(&answer.body, "/id")?
            }
            Content::Video { text, video } => {
                let query = vec![
                    ("media_type", "REELS".to_owned()),
                    ("video_url", video.url.clone()),
                    ("caption", text.clone()),
                    ("share_to_feed", "true".to_owned()),
                ];
                let answer = self
                    .send(Platform::Instagram, false, container(query))
                    .await?;
                Self::text(&answer.body, "/id")?
            }
            Content::Carousel { text, images } if (2..=10).contains(&images.len()) => {
                let mut children = Vec::new();
                for image in images {
                    let query = vec![
                        ("image_url", image.url.clone()),
                        ("is_carousel_item", "true".to_owned()),
                    ];
                    let answer = self
                        .send(Platform::Instagram, false, container(query))
                        .await?;
                    children.push(Self::text(&answer.body, "/id")?);
                }
                let query = vec![
                    ("media_type", "CAROUSEL".to_owned()),
                    ("children", children.join(",")),
                    ("caption", text.clone()),
                ];
                let answer = self
                    .send(Platform::Instagram, false, container(query))
                    .await?;
                Self::text(&answer.body, "/id")?
            }
            _ => {
                return Err(Self::unsupported(
                    Platform::Instagram,
                    "this content (one image, a reel, or a carousel of 2 to 10)",
                ));
            }
        };
        // A container is not a post: until media_publish is sent, a failure is safe to retry.
        let mut finished = false;
        for _ in 0..self.poll_attempts {
            let status = self
                .send(
                    Platform::Instagram,
                    false,
                    self.http
                        .get(format!("{api}/{creation_id}"))
                        .query(&[("fields", "status_code")])
                        .bearer_auth(acting.access_token),
                )
                .await?;
            match status.body.get("status_code").and_then(Value::as_str) {
                Some("FINISHED") => {
                    finished = true;
                    break;
                }
                Some("ERROR") | Some("EXPIRED") => {
                    return Err(Failure::RejectedContent {
                        reason: "Instagram could not process the media".into(),
                    });
                }
                _ => tokio::time::sleep(self.poll_interval).await,
            }
        }
        if !finished {
            return Err(Failure::Retryable {
                reason: "Instagram was still processing the media".into(),
            });
        }
        let publish = self
            .http
            .post(format!("{api}/{account}/media_publish"))
            .query(&[("creation_id", creation_id.as_str())])
            .bearer_auth(acting.access_token);
        let answer = self.send(Platform::Instagram, true, publish).await?;
        Ok(Published {
            platform_post_id: Self::created_id(&answer.body, "/id")?,
            permalink: None,
            more_ids: Vec::new(),
        })
    }

    async fn publish_linkedin(
        &self,
        acting: &Acting<'_>,
        content: &Content,
    ) -> Result<Published, Failure> {
        let api = &self.endpoints.linkedin.api;
        let author = format!("urn:li:person:{}", acting.account_id);
        let versioned = |request: RequestBuilder| {
            request
                .bearer_auth(acting.access_token)
                .header("LinkedIn-Version", LINKEDIN_VERSION)
                .header("X-Restli-Protocol-Version", "2.0.0")
        };
        let (text, media) = match content {
            Content::Text(text) => (text, None),
            Content::Images { text, images } if images.len() == 1 => {
                let init = versioned(
                    self.http
                        .post(format!("{api}/rest/images"))
                        .query(&[("action", "initializeUpload")]),
                )
                .json(&json!({ "initializeUploadRequest": { "owner": author } }));
                let answer = self.send(Platform::LinkedIn, false, init).await?;
                let upload_url = Self::text(&answer.body, "/value/uploadUrl")?;
                let image = Self::text(&answer.body, "/value/image")?;
                let put = self
                    .http
                    .put(upload_url)
                    .bearer_auth(acting.access_token)
                    .body(images[0].bytes.clone());
                self.send(Platform::LinkedIn, false, put).await?;
                (text, Some(image))
            }
            _ => {
                return Err(Self::unsupported(
                    Platform::LinkedIn,
                    "this content from this client (text, or one image)",
                ));
            }
        };
        let mut body = json!({
            "author": author,
            "commentary": domain::text_as_sent(Platform::LinkedIn, text),
            "visibility": "PUBLIC",
            "distribution": { "feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": [] },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": false,
        });
        if let Some(image) = media {
            body["content"] = json!({ "media": { "id": image } });
        }
        let answer = self
            .send(
                Platform::LinkedIn,
                true,
                versioned(self.http.post(format!("{api}/rest/posts"))).json(&body),
            )
            .await?;
        let urn = answer
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("x-restli-id"))
            .map(|(_, v)| v.clone())
            .ok_or_else(|| Failure::UnknownOutcome {
                reason: "LinkedIn answered without the post URN".into(),
            })?;
        Ok(Published {
            permalink: Some(format!("https://www.linkedin.com/feed/update/{urn}")),
            platform_post_id: urn,
            more_ids: Vec::new(),
        })
    }

    async fn publish_tiktok(
        &self,
        acting: &Acting<'_>,
        content: &Content,
    ) -> Result<Published, Failure> {
        let api = &self.endpoints.tiktok.api;
        let creator = self
            .send(
                Platform::TikTok,
                false,
                self.http
                    .post(format!("{api}/v2/post/publish/creator_info/query/"))
                    .bearer_auth(acting.access_token)
                    .json(&json!({})),
            )
            .await?;
        let options: Vec<&str> = creator
            .body
            .pointer("/data/privacy_level_options")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        // Unaudited apps may only post privately; use public when the creator offers it.
        let privacy = if options.contains(&"PUBLIC_TO_EVERYONE") {
            "PUBLIC_TO_EVERYONE"
        } else {
            options.first().copied().unwrap_or("SELF_ONLY")
        };
        let (path, body) = match content {
            Content::Video { text, video } => (
                "video/init/",
                json!({
                    "post_info": { "title": text, "privacy_level": privacy, "disable_comment": false, "disable_duet": false, "disable_stitch": false },
                    "source_info": { "source": "PULL_FROM_URL", "video_url": video.url },
                }),
            ),
            Content::Images { text, images } if !images.is_empty() && images.len() <= 35 => (
                "content/init/",
                json!({
                    "media_type": "PHOTO", "post_mode": "DIRECT_POST",
                    "post_info": { "title": text.chars().take(90).collect::<String>(), "description": text, "privacy_level": privacy },
                    "source_info": { "source": "PULL_FROM_URL", "photo_images": images.iter().map(|i| i.url.clone()).collect::<Vec<_>>(), "photo_cover_index": 0 },
                }),
            ),
            _ => {
                return Err(Self::unsupported(
                    Platform::TikTok,
                    "this content (a video, or 1 to 35 photos)",
                ));
            }
        };
        let init = self
            .http
            .post(format!("{api}/v2/post/publish/{path}"))
            .bearer_auth(acting.access_token)
            .json(&body);
        let answer = self.send(Platform::TikTok, true, init).await?;
        let publish_id = Self::created_id(&answer.body, "/data/publish_id")?;
        // From here TikTok has the post: a failed poll (even an auth error, which would make the
        // caller refresh and publish again) leaves the outcome unknown.
        for _ in 0..self.poll_attempts {
            let status = Self::after_accepted(
                self.send(
                    Platform::TikTok,
                    false,
                    self.http
                        .post(format!("{api}/v2/post/publish/status/fetch/"))
                        .bearer_auth(acting.access_token)
                        .json(&json!({ "publish_id": publish_id })),
                )
                .await,
                &format!("TikTok publish {publish_id}"),
            )?;
            match status.body.pointer("/data/status").and_then(Value::as_str) {
                Some("PUBLISH_COMPLETE") | Some("SEND_TO_USER_INBOX") => {
                    let id = status
                        .body
                        .pointer("/data/publicaly_available_post_id/0")
                        .and_then(|v| {
                            v.as_str()
                                .map(str::to_owned)
                                .or_else(|| v.as_i64().map(|n| n.to_string()))
                        });
                    return Ok(Published {
                        platform_post_id: id.unwrap_or_else(|| publish_id.clone()),
                        permalink: None,
                        more_ids: Vec::new(),
                    });
                }
                Some("FAILED") => {
                    let reason = status
                        .body
                        .pointer("/data/fail_reason")
                        .and_then(Value::as_str)
                        .unwrap_or("TikTok could not publish")
                        .to_owned();
                    return Err(Failure::RejectedContent { reason });
                }
                _ => tokio::time::sleep(self.poll_interval).await,
            }
        }
        Err(Failure::UnknownOutcome {
            reason: format!("TikTok was still processing publish {publish_id}"),
        })
    }

    /// Engagement of one published post.
    pub async fn metrics(
        &self,
        platform: Platform,
        acting: &Acting<'_>,
        post_id: &str,
    ) -> Result<PostMetrics, Failure> {
        let api = &self.endpoints.of(platform).api;
        let n = |body: &Value, pointer: &str| {
            body.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
        };
        match platform {
            Platform::X => {
                let answer = self
                    .send(
                        platform,
                        false,
                        self.http
                            .get(format!("{api}/2/tweets"))
                            .query(&[("ids", post_id), ("tweet.fields", "public_metrics")])
                            .bearer_auth(acting.access_token),
                    )
                    .await?;
                let m = answer
                    .body
                    .pointer("/data/0/public_metrics")
                    .cloned()
                    .unwrap_or(Value::Null);
                // The repost count is `retweet_count` in the docs and `repost_count` in the schema.
                let reposts = m
                    .get("retweet_count")
                    .or_else(|| m.get("repost_count"))
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                Ok(PostMetrics {
                    likes: n(&m, "/like_count"),
                    comments: n(&m, "/reply_count"),
                    shares: reposts + n(&m, "/quote_count"),
                    impressions: n(&m, "/impression_count"),
                    reach: 0,
                })
            }
            Platform::Facebook | Platform::Instagram => {
                let answer = self
                    .send(
                        platform,
                        false,
                        self.http
                            .get(format!("{api}/{post_id}/insights"))
                            .query(&[(
                                "metric",
                                "views,reach,likes,comments,shares,total_interactions",
                            )])
                            .bearer_auth(acting.access_token),
                    )
                    .await?;
                let value = |name: &str| {
                    answer
                        .body
                        .get("data")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .find(|m| m.get("name").and_then(Value::as_str) == Some(name))
                        .and_then(|m| m.pointer("/values/0/value").and_then(Value::as_i64))
                        .unwrap_or(0)
                };
                Ok(PostMetrics {
                    likes: value("likes"),
                    comments: value("comments"),
                    shares: value("shares"),
                    impressions: value("views"),
                    reach: value("reach"),
                })
            }
            Platform::LinkedIn => {
                let encoded: String =
                    url::form_urlencoded::byte_serialize(post_id.as_bytes()).collect();
                let answer = self
                    .send(
                        platform,
                        false,
                        self.http
                            .get(format!("{api}/rest/socialActions/{encoded}"))
                            .bearer_auth(acting.access_token)
                            .header("LinkedIn-Version", LINKEDIN_VERSION),
                    )
                    .await?;
                Ok(PostMetrics {
                    likes: n(&answer.body, "/likesSummary/totalLikes"),
                    comments: n(&answer.body, "/commentsSummary/aggregatedTotalComments"),
                    ..PostMetrics::default()
                })
            }
            Platform::TikTok => {
                let answer = self
                    .send(
                        platform,
                        false,
                        self.http
                            .post(format!("{api}/v2/video/query/"))
                            .query(&[(
                                "fields",
                                "id,like_count,comment_count,share_count,view_count",
                            )])
                            .bearer_auth(acting.access_token)
                            .json(&json!({ "filters": { "video_ids": [post_id] } })),
                    )
                    .await?;
                let video = answer
                    .body
                    .pointer("/data/videos/0")
                    .cloned()
                    .unwrap_or(Value::Null);
                Ok(PostMetrics {
                    likes: n(&video, "/like_count"),
                    comments: n(&video, "/comment_count"),
                    shares: n(&video, "/share_count"),
                    impressions: n(&video, "/view_count"),
                    reach: 0,
                })
            }
        }
    }
}
