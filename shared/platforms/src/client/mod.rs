//! The HTTP clients of the five platforms: what they share here (the types, sending and
//! classifying, tokens), each platform's calls in its own module with typed answers. Every
//! answer goes through [`classify_http`], every transport error through
//! [`Failure::answer_lost`], so callers act on one `Failure` type.

mod history;

pub use history::{
    AccountFigures, Audience, MetricsBatch, PlatformPost, PostsPage, PublicAccount, PublicPost,
    metrics_batch_size,
};
pub use listening::Mention;
mod linkedin;
mod listening;
mod meta;
mod tiktok;
mod x;

use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::Platform;
use reqwest::{Client, RequestBuilder};
use serde::Deserialize;
use serde::de::DeserializeOwned;

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
    /// The platform user who granted access when that is not the account itself (the Meta
    /// user managing a Page): deauthorization and data deletion callbacks name them.
    pub owner_id: Option<String>,
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
    /// Shares, reposts and quotes.
    pub shares: i64,
    /// Saves and bookmarks.
    pub saves: i64,
    pub clicks: i64,
    /// Times shown: X impressions, Meta views, TikTok views (one figure, so one rate formula).
    pub impressions: i64,
    pub reach: i64,
    pub video_views: i64,
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

/// A platform's answer: its headers and its body, read into the type the call expects.
struct Answer {
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    /// The body as `T`; an answer without what `T` requires is a failure to retry.
    fn read<T: DeserializeOwned>(&self, what: &str) -> Result<T, Failure> {
        serde_json::from_str(self.json()).map_err(|_| Failure::Retryable {
            reason: format!("the answer lacks {what}"),
        })
    }

    /// The body of an accepted publish as `T`. The platform took the request, so an answer
    /// without what `T` requires (the new post's id) leaves the outcome unknown: never retried.
    fn created<T: DeserializeOwned>(&self, what: &str) -> Result<T, Failure> {
        serde_json::from_str(self.json()).map_err(|_| Failure::UnknownOutcome {
            reason: format!("the platform accepted the post but its answer lacks {what}"),
        })
    }

    /// The body as `T` where every field is optional: an empty or unexpected body reads as
    /// `T::default()` (no metrics, no processing state yet).
    fn lenient<T: DeserializeOwned + Default>(&self) -> T {
        serde_json::from_str(self.json()).unwrap_or_default()
    }

    fn json(&self) -> &str {
        if self.body.trim().is_empty() {
            "{}"
        } else {
            &self.body
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An id or token that platforms send as a string or as a number.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Text(String),
            Number(i64),
        }
        Ok(Text(match Either::deserialize(deserializer)? {
            Either::Text(text) => text,
            Either::Number(number) => number.to_string(),
        }))
    }
}

/// A count that may be absent or not a whole number (then it counts as absent), so one odd
/// metric never hides the others.
fn lenient_count<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    Ok(serde_json::Value::deserialize(deserializer)?.as_i64())
}

/// Tokens as the token endpoints answer them (OAuth 2.0, RFC 6749 §5.1; TikTok adds `open_id`).
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Text,
    refresh_token: Option<String>,
    #[serde(default, deserialize_with = "lenient_count")]
    expires_in: Option<i64>,
    open_id: Option<String>,
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
        Ok(Answer {
            headers,
            body: text,
        })
    }

    /// Any failure after a platform accepted a publish request (a later step, a status poll)
    /// leaves the outcome unknown: retrying could post twice.
    fn after_accepted<T>(result: Result<T, Failure>, accepted: &str) -> Result<T, Failure> {
        result.map_err(|failure| Failure::UnknownOutcome {
            reason: format!("{accepted} was accepted, then: {}", failure.reason()),
        })
    }

    fn tokens(answer: &Answer) -> Result<TokenSet, Failure> {
        let tokens: TokenAnswer = answer.read("an access_token")?;
        Ok(TokenSet {
            access_token: tokens.access_token.0,
            refresh_token: tokens.refresh_token,
            expires_at: tokens
                .expires_in
                .map(|secs| Utc::now() + chrono::Duration::seconds(secs)),
            subject: tokens.open_id,
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
            let short = Self::tokens(&answer)?;
            return self.refresh(platform, app, &short.access_token).await;
        }
        Self::tokens(&answer)
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
        let mut tokens = Self::tokens(&answer)?;
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
        let page_token = self.page_token(account_id, &renewed.access_token).await?;
        Ok(TokenSet {
            access_token: page_token,
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
        match platform {
            Platform::X => self.accounts_x(access_token).await,
            Platform::Facebook | Platform::Instagram => {
                let accounts = self.accounts_meta(platform, access_token).await?;
                Ok(accounts
                    .into_iter()
                    .filter(|a| a.platform == platform)
                    .collect())
            }
            Platform::LinkedIn => self.accounts_linkedin(access_token).await,
            Platform::TikTok => self.accounts_tiktok(access_token).await,
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

    /// Engagement of one published post.
    pub async fn metrics(
        &self,
        platform: Platform,
        acting: &Acting<'_>,
        post_id: &str,
    ) -> Result<PostMetrics, Failure> {
        let batch = self
            .metrics_batch(platform, acting, &[post_id.to_owned()])
            .await?;
        Ok(batch
            .metrics
            .into_iter()
            .find(|(id, _)| id == post_id)
            .map(|(_, m)| m)
            .unwrap_or_default())
    }
}
