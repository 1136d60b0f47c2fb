//! X (API v2): the signed-in user, tweets and threads, image and chunked video uploads, public
//! metrics.

use std::time::Duration;

use domain::Platform;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    Acting, Answer, ConnectableAccount, Content, MediaItem, PlatformClient, Published, Text,
    lenient_count,
};
use crate::Failure;

/// X wraps every answer in `data`.
#[derive(Deserialize)]
struct Data<T> {
    data: T,
}

#[derive(Deserialize)]
struct Created {
    id: Text,
}

#[derive(Deserialize)]
struct User {
    id: Text,
    name: Text,
    username: Option<String>,
    #[serde(default)]
    public_metrics: UserMetrics,
}

#[derive(Deserialize, Default)]
struct UserMetrics {
    #[serde(default, deserialize_with = "lenient_count")]
    followers_count: Option<i64>,
}

/// The state of an uploaded video, from finalize and from the status command.
#[derive(Deserialize, Default)]
struct MediaStatus {
    #[serde(default)]
    data: MediaData,
}

#[derive(Deserialize, Default)]
struct MediaData {
    processing_info: Option<ProcessingInfo>,
}

#[derive(Deserialize)]
struct ProcessingInfo {
    state: Option<String>,
    check_after_secs: Option<u64>,
    error: Option<ProcessingError>,
}

#[derive(Deserialize)]
struct ProcessingError {
    message: Option<String>,
}

impl PlatformClient {
    pub(super) async fn accounts_x(
        &self,
        access_token: &str,
    ) -> Result<Vec<ConnectableAccount>, Failure> {
        let api = &self.endpoints.x.api;
        let answer = self
            .send(
                Platform::X,
                false,
                self.http
                    .get(format!("{api}/2/users/me"))
                    .query(&[("user.fields", "public_metrics")])
                    .bearer_auth(access_token),
            )
            .await?;
        let user: Data<User> = answer.read("the user's id and name")?;
        Ok(vec![ConnectableAccount {
            platform: Platform::X,
            account_id: user.data.id.0,
            name: user.data.name.0,
            handle: user.data.username.map(|u| format!("@{u}")),
            followers: user.data.public_metrics.followers_count,
            access_token: None,
            owner_id: None,
        }])
    }

    fn created_tweet(answer: &Answer) -> Result<String, Failure> {
        Ok(answer.created::<Data<Created>>("the tweet's id")?.data.id.0)
    }

    pub(super) async fn publish_x(
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
        let single = |id: String| Published {
            platform_post_id: id,
            permalink: None,
            more_ids: Vec::new(),
        };
        match content {
            Content::Text(text) => {
                let answer = self
                    .send(Platform::X, true, tweet(json!({ "text": text })))
                    .await?;
                Ok(single(Self::created_tweet(&answer)?))
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
                    media_ids.push(answer.read::<Data<Created>>("the media id")?.data.id.0);
                }
                let answer = self
                    .send(
                        Platform::X,
                        true,
                        tweet(json!({ "text": text, "media": { "media_ids": media_ids } })),
                    )
                    .await?;
                Ok(single(Self::created_tweet(&answer)?))
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
                        Self::created_tweet(&answer)
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
                Ok(single(Self::created_tweet(&answer)?))
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
        let media_id = self
            .send(Platform::X, false, init)
            .await?
            .read::<Data<Created>>("the media id")?
            .data
            .id
            .0;
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
        let mut status: MediaStatus = self.send(Platform::X, false, finalize).await?.lenient();
        for _ in 0..self.poll_attempts {
            let Some(info) = status.data.processing_info else {
                return Ok(media_id);
            };
            match info.state.as_deref() {
                None | Some("succeeded") => return Ok(media_id),
                Some("failed") => {
                    let reason = info
                        .error
                        .and_then(|e| e.message)
                        .unwrap_or_else(|| "X could not process the video".to_owned());
                    return Err(Failure::RejectedContent { reason });
                }
                _ => {
                    // Wait as X asks, but never longer than our own polling interval allows in tests.
                    let asked = info.check_after_secs.unwrap_or(1);
                    tokio::time::sleep(self.poll_interval.min(Duration::from_secs(asked))).await;
                    let request = self
                        .http
                        .get(format!("{api}/2/media/upload"))
                        .query(&[("command", "STATUS"), ("media_id", media_id.as_str())])
                        .bearer_auth(acting.access_token);
                    status = self.send(Platform::X, false, request).await?.lenient();
                }
            }
        }
        Err(Failure::Retryable {
            reason: "X was still processing the video".into(),
        })
    }
}
