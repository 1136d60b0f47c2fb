//! LinkedIn (OpenID Connect userinfo, the versioned REST API): the member, posts with one
//! image, social actions.

use domain::Platform;
use reqwest::RequestBuilder;
use serde::Deserialize;
use serde_json::json;

use super::{Acting, ConnectableAccount, Content, PlatformClient, PostMetrics, Published, Text};
use crate::Failure;

/// The LinkedIn API version the posts API is called with.
const LINKEDIN_VERSION: &str = "202511";

#[derive(Deserialize)]
struct UserInfo {
    sub: Text,
    name: Text,
}

#[derive(Deserialize)]
struct ImageUpload {
    value: ImageUploadValue,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ImageUploadValue {
    upload_url: String,
    image: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct SocialActions {
    #[serde(default)]
    likes_summary: LikesSummary,
    #[serde(default)]
    comments_summary: CommentsSummary,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct LikesSummary {
    #[serde(default, deserialize_with = "super::lenient_count")]
    total_likes: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct CommentsSummary {
    #[serde(default, deserialize_with = "super::lenient_count")]
    aggregated_total_comments: Option<i64>,
}

impl PlatformClient {
    pub(super) async fn accounts_linkedin(
        &self,
        access_token: &str,
    ) -> Result<Vec<ConnectableAccount>, Failure> {
        let api = &self.endpoints.linkedin.api;
        let answer = self
            .send(
                Platform::LinkedIn,
                false,
                self.http
                    .get(format!("{api}/v2/userinfo"))
                    .bearer_auth(access_token),
            )
            .await?;
        let member: UserInfo = answer.read("the member's sub and name")?;
        Ok(vec![ConnectableAccount {
            platform: Platform::LinkedIn,
            account_id: member.sub.0,
            name: member.name.0,
            handle: None,
            followers: None,
            access_token: None,
            owner_id: None,
        }])
    }

    pub(super) async fn publish_linkedin(
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
                let upload: ImageUpload = self
                    .send(Platform::LinkedIn, false, init)
                    .await?
                    .read("the image's upload URL")?;
                let put = self
                    .http
                    .put(upload.value.upload_url)
                    .bearer_auth(acting.access_token)
                    .body(images[0].bytes.clone());
                self.send(Platform::LinkedIn, false, put).await?;
                (text, Some(upload.value.image))
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
        // LinkedIn names the new post in a header, not in the body.
        let urn = answer
            .header("x-restli-id")
            .map(str::to_owned)
            .ok_or_else(|| Failure::UnknownOutcome {
                reason: "LinkedIn answered without the post URN".into(),
            })?;
        Ok(Published {
            permalink: Some(format!("https://www.linkedin.com/feed/update/{urn}")),
            platform_post_id: urn,
            more_ids: Vec::new(),
        })
    }

    /// A GET of LinkedIn's versioned REST API as `acting`.
    pub(super) fn linkedin_get(&self, url: String, acting: &Acting<'_>) -> reqwest::RequestBuilder {
        self.http
            .get(url)
            .bearer_auth(acting.access_token)
            .header("LinkedIn-Version", LINKEDIN_VERSION)
            .header("X-Restli-Protocol-Version", "2.0.0")
    }

    pub(super) async fn metrics_linkedin(
        &self,
        acting: &Acting<'_>,
        post_id: &str,
    ) -> Result<PostMetrics, Failure> {
        let api = &self.endpoints.linkedin.api;
        let encoded: String = url::form_urlencoded::byte_serialize(post_id.as_bytes()).collect();
        let actions: SocialActions = self
            .send(
                Platform::LinkedIn,
                false,
                self.http
                    .get(format!("{api}/rest/socialActions/{encoded}"))
                    .bearer_auth(acting.access_token)
                    .header("LinkedIn-Version", LINKEDIN_VERSION),
            )
            .await?
            .lenient();
        Ok(PostMetrics {
            likes: actions.likes_summary.total_likes.unwrap_or(0),
            comments: actions
                .comments_summary
                .aggregated_total_comments
                .unwrap_or(0),
            ..PostMetrics::default()
        })
    }
}
