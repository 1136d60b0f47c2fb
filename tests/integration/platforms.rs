//! The platform clients against the platform sandbox: the full OAuth round trip with PKCE for
//! each platform, every supported content type, metrics, token refresh, and the classification
//! of each fault.

use std::time::Duration;

use domain::Platform;
use platform_sandbox::{Fault, FaultKind};
use platforms::{
    Acting, AppCredentials, AuthorizationRequest, Content, Endpoints, Failure, MediaItem, OAuthApp,
    Pkce, PlatformClient, TokenSet, authorization_url,
};
use serde_json::Value;

const REDIRECT: &str = "https://app.example.test/api/social-accounts/callback";

struct Harness {
    base: String,
    client: PlatformClient,
    app: AppCredentials,
}

async fn harness() -> Harness {
    let (base, _sandbox) = platform_sandbox::spawn(0)
        .await
        .expect("the sandbox starts");
    Harness {
        client: PlatformClient::new(
            Endpoints::sandbox(&base),
            Duration::from_millis(800),
            Duration::from_millis(5),
        ),
        base,
        app: AppCredentials {
            client_id: "sandbox-app".into(),
            client_secret: "sandbox-secret".into(),
        },
    }
}

impl Harness {
    /// Follows the authorization URL like a browser would, up to the redirect back to us.
    async fn connect(&self, platform: Platform) -> TokenSet {
        let pkce = Pkce::generate();
        let urls = self.client.endpoints().of(platform);
        let app = OAuthApp {
            client_id: self.app.client_id.clone(),
            authorize_url: urls.authorize.clone(),
        };
        let url = authorization_url(
            platform,
            &AuthorizationRequest {
                app: &app,
                redirect_uri: REDIRECT,
                state: "state-1",
                pkce: &pkce,
            },
        )
        .unwrap();
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let consent = browser.get(&url).send().await.unwrap();
        assert_eq!(
            consent.status(),
            303,
            "{platform}: the consent page redirects back"
        );
        let location = url::Url::parse(consent.headers()["location"].to_str().unwrap()).unwrap();
        assert!(location.as_str().starts_with(REDIRECT));
        let query: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
        assert_eq!(query["state"], "state-1");
        // A wrong verifier is refused: PKCE is enforced.
        let wrong = self
            .client
            .exchange_code(
                platform,
                &self.app,
                &query["code"],
                REDIRECT,
                "not-the-verifier-at-all-0123456789abcdef",
            )
            .await;
        assert!(
            wrong.is_err(),
            "{platform}: a wrong verifier must not get tokens"
        );
        // The refused attempt used the code up; authorize again, properly.
        let consent = browser.get(&url).send().await.unwrap();
        let location = url::Url::parse(consent.headers()["location"].to_str().unwrap()).unwrap();
        let code = location
            .query_pairs()
            .find(|(k, _)| k == "code")
            .unwrap()
            .1
            .into_owned();
        self.client
            .exchange_code(platform, &self.app, &code, REDIRECT, &pkce.verifier)
            .await
            .expect("tokens")
    }

    async fn fault(&self, platform: Platform, kind: FaultKind) {
        let fault = Fault {
            platform: Some(platform),
            user: None,
            path_contains: None,
            kind,
            times: 1,
        };
        let response = reqwest::Client::new()
            .post(format!("{}/_sandbox/faults", self.base))
            .json(&fault)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
    }

    async fn posts(&self, platform: Platform) -> Vec<Value> {
        integration_tests::sandbox_posts_at(&self.base, Some(platform.as_str())).await
    }
}

fn image(name: &str) -> MediaItem {
    MediaItem {
        url: format!("https://media.example.test/{name}.jpg"),
        bytes: vec![0xFF, 0xD8, 0xFF, 1, 2, 3],
        mime_type: "image/jpeg".into(),
        is_video: false,
        size_bytes: 6,
    }
}

fn video() -> MediaItem {
    MediaItem {
        url: "https://media.example.test/clip.mp4".into(),
        bytes: Vec::new(),
        mime_type: "video/mp4".into(),
        is_video: true,
        size_bytes: 1024,
    }
}

#[tokio::test]
async fn x_connects_publishes_text_images_and_threads_and_reads_metrics() {
    let h = harness().await;
    let tokens = h.connect(Platform::X).await;
    assert!(tokens.refresh_token.is_some() && tokens.expires_at.is_some());
    let account = h
        .client
        .accounts(Platform::X, &tokens.access_token)
        .await
        .unwrap()
        .remove(0);
    let expected = platform_sandbox::model::followers(
        &account.account_id,
        chrono::Utc::now().timestamp() as u64,
    ) as i64;
    assert!(
        account.followers.is_some_and(|f| (f - expected).abs() <= 1),
        "{:?} vs {expected}",
        account.followers
    );
    let acting = Acting {
        account_id: &account.account_id,
        access_token: &tokens.access_token,
    };

    let text = h
        .client
        .publish(
            Platform::X,
            &acting,
            &Content::Text("Hello from the sandbox".into()),
        )
        .await
        .unwrap();
    assert!(text.permalink.unwrap().ends_with(&text.platform_post_id));
    h.client
        .publish(
            Platform::X,
            &acting,
            &Content::Images {
                text: "Two pics".into(),
                images: vec![image("a"), image("b")],
            },
        )
        .await
        .unwrap();
    let thread = h
        .client
        .publish(
            Platform::X,
            &acting,
            &Content::Thread(vec!["1/3".into(), "2/3".into(), "3/3".into()]),
        )
        .await
        .unwrap();
    assert_eq!(thread.more_ids.len(), 2);
    let posts = h.posts(Platform::X).await;
    assert_eq!(posts.len(), 5);
    assert_eq!(
        posts[4]["reply_to"],
        thread.more_ids[0].as_str(),
        "each part replies to the previous one"
    );

    let metrics = h
        .client
        .metrics(Platform::X, &acting, &text.platform_post_id)
        .await
        .unwrap();
    assert!(metrics.likes > 0 && metrics.impressions > 0);

    let too_long = h
        .client
        .publish(Platform::X, &acting, &Content::Text("日".repeat(141)))
        .await
        .unwrap_err();
    assert!(
        matches!(too_long, Failure::RejectedContent { .. }),
        "{too_long:?}"
    );

    let refreshed = h
        .client
        .refresh(
            Platform::X,
            &h.app,
            tokens.refresh_token.as_deref().unwrap(),
        )
        .await
        .unwrap();
    assert_ne!(refreshed.access_token, tokens.access_token);
    let reused = h
        .client
        .refresh(
            Platform::X,
            &h.app,
            tokens.refresh_token.as_deref().unwrap(),
        )
        .await;
    assert!(reused.is_err(), "refresh tokens rotate");
}

#[tokio::test]
async fn meta_connects_pages_and_instagram_and_publishes_each_kind() {
    let h = harness().await;
    let tokens = h.connect(Platform::Facebook).await;
    let page = h
        .client
        .accounts(Platform::Facebook, &tokens.access_token)
        .await
        .unwrap()
        .remove(0);
    let instagram = h
        .client
        .accounts(Platform::Instagram, &tokens.access_token)
        .await
        .unwrap()
        .remove(0);
    assert!(
        page.access_token.is_some(),
        "pages act with their own token"
    );

    let page_token = page.access_token.clone().unwrap();
    let acting_page = Acting {
        account_id: &page.account_id,
        access_token: &page_token,
    };
    h.client
        .publish(
            Platform::Facebook,
            &acting_page,
            &Content::Text("Page update".into()),
        )
        .await
        .unwrap();
    let photo = h
        .client
        .publish(
            Platform::Facebook,
            &acting_page,
            &Content::Images {
                text: "A photo".into(),
                images: vec![image("p")],
            },
        )
        .await
        .unwrap();

    let ig_token = instagram.access_token.clone().unwrap();
    let acting_ig = Acting {
        account_id: &instagram.account_id,
        access_token: &ig_token,
    };
    h.client
        .publish(
            Platform::Instagram,
            &acting_ig,
            &Content::Images {
                text: "#launch".into(),
                images: vec![image("i")],
            },
        )
        .await
        .unwrap();
    h.client
        .publish(
            Platform::Instagram,
            &acting_ig,
            &Content::Carousel {
                text: "Swipe".into(),
                images: vec![image("c1"), image("c2"), image("c3")],
            },
        )
        .await
        .unwrap();
    let reel = h
        .client
        .publish(
            Platform::Instagram,
            &acting_ig,
            &Content::Video {
                text: "Reel".into(),
                video: video(),
            },
        )
        .await
        .unwrap();
    let instagram_posts = h.posts(Platform::Instagram).await;
    let kinds: Vec<&str> = instagram_posts
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["image", "carousel", "reel"]);
    assert_eq!(instagram_posts[1]["media"].as_array().unwrap().len(), 3);

    let metrics = h
        .client
        .metrics(Platform::Instagram, &acting_ig, &reel.platform_post_id)
        .await
        .unwrap();
    assert!(metrics.reach > 0);
    assert!(
        h.client
            .metrics(Platform::Facebook, &acting_page, &photo.platform_post_id)
            .await
            .unwrap()
            .likes
            > 0
    );

    h.fault(Platform::Facebook, FaultKind::ExpiredToken).await;
    let expired = h
        .client
        .publish(Platform::Facebook, &acting_page, &Content::Text("x".into()))
        .await
        .unwrap_err();
    assert!(
        matches!(expired, Failure::AuthExpired { .. }),
        "{expired:?}"
    );
    let renewed = h
        .client
        .refresh(Platform::Facebook, &h.app, &tokens.access_token)
        .await
        .unwrap();
    assert!(renewed.refresh_token.is_some());
}

#[tokio::test]
async fn linkedin_and_tiktok_publish_with_their_own_protocols() {
    let h = harness().await;
    let linkedin = h.connect(Platform::LinkedIn).await;
    let member = h
        .client
        .accounts(Platform::LinkedIn, &linkedin.access_token)
        .await
        .unwrap()
        .remove(0);
    let acting = Acting {
        account_id: &member.account_id,
        access_token: &linkedin.access_token,
    };
    let post = h
        .client
        .publish(
            Platform::LinkedIn,
            &acting,
            &Content::Text("Hiring (remote) #rust @team".into()),
        )
        .await
        .unwrap();
    assert!(post.platform_post_id.starts_with("urn:li:share:"));
    let with_image = h
        .client
        .publish(
            Platform::LinkedIn,
            &acting,
            &Content::Images {
                text: "Look".into(),
                images: vec![image("l")],
            },
        )
        .await
        .unwrap();
    let stored = h.posts(Platform::LinkedIn).await;
    assert_eq!(
        stored[0]["text"], r"Hiring \(remote\) {hashtag|\#|rust} \@team",
        "commentary is escaped, and hashtags stay hashtags"
    );
    assert_eq!(stored[1]["kind"], "image");
    assert!(
        h.client
            .metrics(Platform::LinkedIn, &acting, &with_image.platform_post_id)
            .await
            .unwrap()
            .likes
            > 0
    );

    let tiktok = h.connect(Platform::TikTok).await;
    assert!(
        tiktok.subject.is_some(),
        "TikTok names the user in the token answer"
    );
    let creator = h
        .client
        .accounts(Platform::TikTok, &tiktok.access_token)
        .await
        .unwrap()
        .remove(0);
    let acting = Acting {
        account_id: &creator.account_id,
        access_token: &tiktok.access_token,
    };
    let clip = h
        .client
        .publish(
            Platform::TikTok,
            &acting,
            &Content::Video {
                text: "Our launch".into(),
                video: video(),
            },
        )
        .await
        .unwrap();
    h.client
        .publish(
            Platform::TikTok,
            &acting,
            &Content::Images {
                text: "Photo mode".into(),
                images: vec![image("t1"), image("t2")],
            },
        )
        .await
        .unwrap();
    assert_eq!(h.posts(Platform::TikTok).await.len(), 2);
    assert!(
        h.client
            .metrics(Platform::TikTok, &acting, &clip.platform_post_id)
            .await
            .unwrap()
            .impressions
            > 0
    );

    h.fault(
        Platform::TikTok,
        FaultKind::Rejected {
            reason: "spam risk".into(),
        },
    )
    .await;
    let refused = h
        .client
        .publish(
            Platform::TikTok,
            &acting,
            &Content::Video {
                text: "again".into(),
                video: video(),
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(refused, Failure::RejectedContent { .. }),
        "a failure inside an HTTP 200 is still a failure: {refused:?}"
    );
}

#[tokio::test]
async fn each_fault_is_classified_for_the_publisher() {
    let h = harness().await;
    let tokens = h.connect(Platform::X).await;
    let account = h
        .client
        .accounts(Platform::X, &tokens.access_token)
        .await
        .unwrap()
        .remove(0);
    let acting = Acting {
        account_id: &account.account_id,
        access_token: &tokens.access_token,
    };
    let publish = || async {
        let content = Content::Text(format!("post {}", uuid::Uuid::new_v4()));
        h.client.publish(Platform::X, &acting, &content).await
    };

    h.fault(
        Platform::X,
        FaultKind::RateLimited {
            reset_after_secs: 900,
        },
    )
    .await;
    match publish().await.unwrap_err() {
        Failure::RateLimited {
            reset_at: Some(reset),
            ..
        } => {
            let wait = (reset - chrono::Utc::now()).num_seconds();
            assert!((890..=901).contains(&wait), "{wait}");
        }
        other => panic!("expected a rate limit with its reset, got {other:?}"),
    }
    h.fault(Platform::X, FaultKind::Unavailable).await;
    assert!(matches!(
        publish().await.unwrap_err(),
        Failure::Retryable { .. }
    ));
    // A 500 on the publish call may come after the tweet was written.
    h.fault(Platform::X, FaultKind::ServerError).await;
    assert!(matches!(
        publish().await.unwrap_err(),
        Failure::UnknownOutcome { .. }
    ));
    h.fault(Platform::X, FaultKind::ExpiredToken).await;
    assert!(matches!(
        publish().await.unwrap_err(),
        Failure::AuthExpired { .. }
    ));
    h.fault(
        Platform::X,
        FaultKind::Rejected {
            reason: "duplicate content".into(),
        },
    )
    .await;
    assert!(
        matches!(publish().await.unwrap_err(), Failure::RejectedContent { reason } if reason == "duplicate content")
    );

    // Slow past the client's timeout: the post was not created, but we cannot know that.
    h.fault(Platform::X, FaultKind::Slow { millis: 1500 }).await;
    assert!(matches!(
        publish().await.unwrap_err(),
        Failure::UnknownOutcome { .. }
    ));
    // A lost response: the post exists at the platform, and the client must not claim otherwise.
    let before = h.posts(Platform::X).await.len();
    h.fault(Platform::X, FaultKind::LostResponse { millis: 1500 })
        .await;
    assert!(matches!(
        publish().await.unwrap_err(),
        Failure::UnknownOutcome { .. }
    ));
    assert_eq!(
        h.posts(Platform::X).await.len(),
        before + 1,
        "the sandbox applied the request"
    );

    // Reads are safe to retry: a lost metrics answer is merely retryable.
    let post = publish().await.unwrap();
    h.fault(Platform::X, FaultKind::Slow { millis: 1500 }).await;
    assert!(matches!(
        h.client
            .metrics(Platform::X, &acting, &post.platform_post_id)
            .await
            .unwrap_err(),
        Failure::Retryable { .. }
    ));
}

#[tokio::test]
async fn videos_go_to_x_in_chunks_and_to_facebook_pages_by_url() {
    let h = harness().await;
    let tokens = h.connect(Platform::X).await;
    let account = h
        .client
        .accounts(Platform::X, &tokens.access_token)
        .await
        .unwrap()
        .remove(0);
    let acting = Acting {
        account_id: &account.account_id,
        access_token: &tokens.access_token,
    };
    // A 9 MB video goes up in three 4 MB segments read from storage by range (never whole in
    // memory), is finalised, processes, then is tweeted.
    let aws = cloud::AwsClients::new(&integration_tests::sdk());
    let bucket = integration_tests::unique("itest");
    integration_tests::local_stack::create_bucket(&aws, &bucket)
        .await
        .unwrap();
    let size = 9 * 1024 * 1024;
    cloud::put_object(&aws.s3, &bucket, "clip.mp4", "video/mp4", vec![7u8; size])
        .await
        .unwrap();
    let clip = MediaItem {
        url: cloud::presigned_get(&aws.s3, &bucket, "clip.mp4", Duration::from_secs(600))
            .await
            .unwrap(),
        size_bytes: size as u64,
        ..video()
    };
    h.client
        .publish(
            Platform::X,
            &acting,
            &Content::Video {
                text: "Watch".into(),
                video: clip,
            },
        )
        .await
        .unwrap();
    let posts = h.posts(Platform::X).await;
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["kind"], "media");

    let meta = h.connect(Platform::Facebook).await;
    let page = h
        .client
        .accounts(Platform::Facebook, &meta.access_token)
        .await
        .unwrap()
        .remove(0);
    let page_token = page.access_token.clone().unwrap();
    let acting_page = Acting {
        account_id: &page.account_id,
        access_token: &page_token,
    };
    h.client
        .publish(
            Platform::Facebook,
            &acting_page,
            &Content::Video {
                text: "A video".into(),
                video: video(),
            },
        )
        .await
        .unwrap();
    let kinds: Vec<String> = h
        .posts(Platform::Facebook)
        .await
        .iter()
        .map(|p| p["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["video"]);
}

#[tokio::test]
async fn the_sandbox_delivers_webhooks_signed_like_the_platform() {
    let h = harness().await;
    // A receiver that records what arrives.
    let received = std::sync::Arc::new(tokio::sync::Mutex::new(Vec::<(
        axum::http::HeaderMap,
        String,
    )>::new()));
    let sink = received.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let sink = sink.clone();
            async move {
                sink.lock().await.push((headers, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let delivery = serde_json::json!({ "platform": "instagram", "url": url, "secret": "app-secret", "payload": { "object": "instagram", "entry": [] } });
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/_sandbox/webhooks", h.base))
        .json(&delivery)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["status"], 200);

    let received = received.lock().await;
    let (headers, body) = &received[0];
    let expected =
        platform_sandbox::signature_headers(Platform::Instagram, "app-secret", body.as_bytes(), 0);
    assert_eq!(
        headers["x-hub-signature-256"],
        expected[0].1.as_str(),
        "the signature covers the exact body"
    );
}
