//! Meta's Graph API: the Pages a login manages (and their Instagram business accounts), Page
//! tokens, Facebook posts, Instagram containers and publishing, insights.

use domain::Platform;
use serde::Deserialize;

use super::{
    Acting, ConnectableAccount, Content, PlatformClient, PostMetrics, Published, Text,
    lenient_count,
};
use crate::Failure;

#[derive(Deserialize)]
struct Pages {
    #[serde(default)]
    data: Vec<Page>,
}

#[derive(Deserialize)]
struct Page {
    id: Text,
    name: Text,
    access_token: Option<String>,
    #[serde(default, deserialize_with = "lenient_count")]
    followers_count: Option<i64>,
    instagram_business_account: Option<InstagramAccount>,
}

#[derive(Deserialize)]
struct InstagramAccount {
    id: Text,
    username: Option<String>,
}

#[derive(Deserialize, Default)]
struct PageToken {
    access_token: Option<String>,
}

/// What a publish call created: a feed post answers `id`, a photo `post_id` beside it.
#[derive(Deserialize, Default)]
struct CreatedPost {
    post_id: Option<String>,
    id: Option<String>,
}

#[derive(Deserialize)]
struct Created {
    id: Text,
}

#[derive(Deserialize, Default)]
struct ContainerStatus {
    status_code: Option<String>,
}

#[derive(Deserialize, Default)]
struct Insights {
    #[serde(default)]
    data: Vec<Insight>,
}

#[derive(Deserialize)]
struct Insight {
    name: String,
    #[serde(default)]
    values: Vec<InsightValue>,
}

#[derive(Deserialize)]
struct InsightValue {
    #[serde(default, deserialize_with = "lenient_count")]
    value: Option<i64>,
}

#[derive(Deserialize, Default)]
struct MetaUser {
    #[serde(default)]
    id: Option<String>,
}

impl PlatformClient {
    /// Every Page the login manages, each followed by its Instagram business account if any.
    pub(super) async fn accounts_meta(
        &self,
        platform: Platform,
        access_token: &str,
    ) -> Result<Vec<ConnectableAccount>, Failure> {
        let api = &self.endpoints.meta.api;
        let answer = self
            .send(platform, false, self.http.get(format!("{api}/me/accounts"))
                .query(&[("fields", "id,name,access_token,followers_count,instagram_business_account{id,username}")])
                .bearer_auth(access_token))
            .await?;
        let pages: Pages = answer.read("each Page's id and name")?;
        // The managing user, whom Meta's deauthorization and data deletion callbacks name.
        let owner = self
            .send(
                platform,
                false,
                self.http
                    .get(format!("{api}/me"))
                    .query(&[("fields", "id")])
                    .bearer_auth(access_token),
            )
            .await?
            .lenient::<MetaUser>()
            .id;
        let mut accounts = Vec::new();
        for page in pages.data {
            accounts.push(ConnectableAccount {
                platform: Platform::Facebook,
                account_id: page.id.0,
                name: page.name.0,
                handle: None,
                followers: page.followers_count,
                access_token: page.access_token.clone(),
                owner_id: owner.clone(),
            });
            if let Some(instagram) = page.instagram_business_account {
                accounts.push(ConnectableAccount {
                    platform: Platform::Instagram,
                    account_id: instagram.id.0,
                    name: instagram
                        .username
                        .clone()
                        .unwrap_or_else(|| "Instagram".to_owned()),
                    handle: instagram.username.map(|u| format!("@{u}")),
                    followers: None,
                    access_token: page.access_token,
                    owner_id: owner.clone(),
                });
            }
        }
        Ok(accounts)
    }

    /// A Page's own token, derived from a user token of someone who manages it.
    pub(super) async fn page_token(
        &self,
        page_id: &str,
        user_token: &str,
    ) -> Result<String, Failure> {
        let api = &self.endpoints.meta.api;
        let answer = self
            .send(
                Platform::Facebook,
                false,
                self.http
                    .get(format!("{api}/{page_id}"))
                    .query(&[("fields", "access_token")])
                    .bearer_auth(user_token),
            )
            .await?;
        answer
            .lenient::<PageToken>()
            .access_token
            .ok_or_else(|| Failure::AuthExpired {
                reason: "the login no longer manages this Page".into(),
            })
    }

    pub(super) async fn publish_facebook(
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
        let created: CreatedPost = answer.lenient();
        let id = created
            .post_id
            .or(created.id)
            .ok_or_else(|| Failure::UnknownOutcome {
                reason: "the answer carried no post id".into(),
            })?;
        Ok(Published {
            permalink: Some(format!("https://www.facebook.com/{id}")),
            platform_post_id: id,
            more_ids: Vec::new(),
        })
    }

    /// Creates a container, waits until Instagram has fetched and processed the media, publishes.
    pub(super) async fn publish_instagram(
        &self,
        acting: &Acting<'_>,
        content: &Content,
    ) -> Result<Published, Failure> {
        let api = &self.endpoints.meta.api;
        let account = acting.account_id;
        let container = |query: Vec<(&'static str, String)>| async move {
            let request = self
                .http
                .post(format!("{api}/{account}/media"))
                .query(&query)
                .bearer_auth(acting.access_token);
            let answer = self.send(Platform::Instagram, false, request).await?;
            Ok::<_, Failure>(answer.read::<Created>("the container id")?.id.0)
        };
        let creation_id = match content {
            Content::Images { text, images } if images.len() == 1 => {
                container(vec![
                    ("image_url", images[0].url.clone()),
                    ("caption", text.clone()),
                ])
                .await?
            }
            Content::Video { text, video } => {
                container(vec![
                    ("media_type", "REELS".to_owned()),
                    ("video_url", video.url.clone()),
                    ("caption", text.clone()),
                    ("share_to_feed", "true".to_owned()),
                ])
                .await?
            }
            Content::Carousel { text, images } if (2..=10).contains(&images.len()) => {
                let mut children = Vec::new();
                for image in images {
                    children.push(
                        container(vec![
                            ("image_url", image.url.clone()),
                            ("is_carousel_item", "true".to_owned()),
                        ])
                        .await?,
                    );
                }
                container(vec![
                    ("media_type", "CAROUSEL".to_owned()),
                    ("children", children.join(",")),
                    ("caption", text.clone()),
                ])
                .await?
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
            let status: ContainerStatus = self
                .send(
                    Platform::Instagram,
                    false,
                    self.http
                        .get(format!("{api}/{creation_id}"))
                        .query(&[("fields", "status_code")])
                        .bearer_auth(acting.access_token),
                )
                .await?
                .lenient();
            match status.status_code.as_deref() {
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
            platform_post_id: answer.created::<Created>("the media id")?.id.0,
            permalink: None,
            more_ids: Vec::new(),
        })
    }

    pub(super) async fn metrics_meta(
        &self,
        platform: Platform,
        acting: &Acting<'_>,
        post_id: &str,
    ) -> Result<PostMetrics, Failure> {
        let api = &self.endpoints.meta.api;
        let insights: Insights = self
            .send(
                platform,
                false,
                self.http
                    .get(format!("{api}/{post_id}/insights"))
                    .query(&[(
                        "metric",
                        if platform == Platform::Facebook {
                            "views,reach,likes,comments,shares,saved,total_interactions,post_clicks"
                        } else {
                            "views,reach,likes,comments,shares,saved,total_interactions"
                        },
                    )])
                    .bearer_auth(acting.access_token),
            )
            .await?
            .lenient();
        let value = |name: &str| {
            insights
                .data
                .iter()
                .find(|m| m.name == name)
                .and_then(|m| m.values.first())
                .and_then(|v| v.value)
                .unwrap_or(0)
        };
        Ok(PostMetrics {
            likes: value("likes"),
            comments: value("comments"),
            shares: value("shares"),
            saves: value("saved"),
            clicks: value("post_clicks"),
            impressions: value("views"),
            reach: value("reach"),
            video_views: 0,
        })
    }
}
