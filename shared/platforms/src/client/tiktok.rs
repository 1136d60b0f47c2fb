//! TikTok (Login Kit, Content Posting API, Display API): the creator, direct posts of a video
//! or photos pulled from our storage with status polling, video metrics.

use domain::Platform;
use serde::Deserialize;
use serde_json::json;

use super::{Acting, ConnectableAccount, Content, PlatformClient, Published, Text, lenient_count};
use crate::Failure;

/// TikTok wraps every answer in `data`.
#[derive(Deserialize, Default)]
struct Data<T> {
    data: T,
}

#[derive(Deserialize)]
struct UserData {
    user: User,
}

#[derive(Deserialize)]
struct User {
    open_id: Text,
    display_name: Text,
    username: Option<String>,
    #[serde(default, deserialize_with = "lenient_count")]
    follower_count: Option<i64>,
}

#[derive(Deserialize, Default)]
struct CreatorInfo {
    #[serde(default)]
    privacy_level_options: Vec<String>,
}

#[derive(Deserialize)]
struct Started {
    publish_id: Text,
}

#[derive(Deserialize, Default)]
struct PublishStatus {
    status: Option<String>,
    // Sic: TikTok's spelling. Ids of any shape: an odd one must not hide the status.
    #[serde(default)]
    publicaly_available_post_id: Vec<serde_json::Value>,
    fail_reason: Option<String>,
}

impl PlatformClient {
    pub(super) async fn accounts_tiktok(
        &self,
        access_token: &str,
    ) -> Result<Vec<ConnectableAccount>, Failure> {
        let api = &self.endpoints.tiktok.api;
        let answer = self
            .send(
                Platform::TikTok,
                false,
                self.http
                    .get(format!("{api}/v2/user/info/"))
                    .query(&[("fields", "open_id,display_name,username,follower_count")])
                    .bearer_auth(access_token),
            )
            .await?;
        let user = answer
            .read::<Data<UserData>>("the user's open_id and display_name")?
            .data
            .user;
        Ok(vec![ConnectableAccount {
            platform: Platform::TikTok,
            account_id: user.open_id.0,
            name: user.display_name.0,
            handle: user.username.map(|u| format!("@{u}")),
            followers: user.follower_count,
            access_token: None,
            owner_id: None,
        }])
    }

    pub(super) async fn publish_tiktok(
        &self,
        acting: &Acting<'_>,
        content: &Content,
    ) -> Result<Published, Failure> {
        let api = &self.endpoints.tiktok.api;
        let creator: Data<CreatorInfo> = self
            .send(
                Platform::TikTok,
                false,
                self.http
                    .post(format!("{api}/v2/post/publish/creator_info/query/"))
                    .bearer_auth(acting.access_token)
                    .json(&json!({})),
            )
            .await?
            .lenient();
        let options = creator.data.privacy_level_options;
        // Unaudited apps may only post privately; use public when the creator offers it.
        let privacy = if options.iter().any(|o| o == "PUBLIC_TO_EVERYONE") {
            "PUBLIC_TO_EVERYONE"
        } else {
            options.first().map_or("SELF_ONLY", String::as_str)
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
        let publish_id = answer
            .created::<Data<Started>>("the publish_id")?
            .data
            .publish_id
            .0;
        // From here TikTok has the post: a failed poll (even an auth error, which would make the
        // caller refresh and publish again) leaves the outcome unknown.
        for _ in 0..self.poll_attempts {
            let answer = Self::after_accepted(
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
            let status = answer.lenient::<Data<PublishStatus>>().data;
            match status.status.as_deref() {
                Some("PUBLISH_COMPLETE") | Some("SEND_TO_USER_INBOX") => {
                    let id = status.publicaly_available_post_id.first().and_then(|v| {
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
                        .fail_reason
                        .unwrap_or_else(|| "TikTok could not publish".to_owned());
                    return Err(Failure::RejectedContent { reason });
                }
                _ => tokio::time::sleep(self.poll_interval).await,
            }
        }
        Err(Failure::UnknownOutcome {
            reason: format!("TikTok was still processing publish {publish_id}"),
        })
    }
}
