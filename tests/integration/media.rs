//! The media library end to end against the local S3: presigned uploads (single and multipart),
//! confirmation that checks what really arrived, variants per platform, library, quotas.

use http::{Method, StatusCode};
use integration_tests::{Member, TestApp, connect, http_get, http_put, jpeg, mp4, png};
use serde_json::{Value, json};

use integration_tests::auth;

/// Asks for an upload, PUTs the bytes (or the parts), and returns the confirmation's answer.
async fn upload(
    app: &TestApp,
    member: &Member,
    name: &str,
    declared: &str,
    bytes: Vec<u8>,
) -> integration_tests::TestResponse {
    let ticket = app
        .api(auth(member))
        .upload(json!({ "file_name": name, "content_type": declared, "size_bytes": bytes.len() }))
        .await;
    assert_eq!(ticket.status, StatusCode::CREATED, "{}", ticket.body);
    let id = ticket.body["id"].as_str().unwrap().to_owned();
    let upload = &ticket.body["upload"];
    let confirm_body = match upload["method"].as_str().unwrap() {
        "PUT" => {
            let (status, _) =
                http_put(upload["url"].as_str().unwrap(), Some(declared), bytes).await;
            assert_eq!(status, 200);
            json!({})
        }
        "MULTIPART" => {
            let part_size = upload["part_size"].as_u64().unwrap() as usize;
            let mut parts = Vec::new();
            for (part, chunk) in upload["parts"]
                .as_array()
                .unwrap()
                .iter()
                .zip(bytes.chunks(part_size))
            {
                let (status, etag) =
                    http_put(part["url"].as_str().unwrap(), None, chunk.to_vec()).await;
                assert_eq!(status, 200);
                parts.push(json!({ "part_number": part["part_number"], "etag": etag.expect("S3 answers an ETag") }));
            }
            json!({ "parts": parts })
        }
        other => panic!("unknown upload method {other}"),
    };
    app.api(auth(member)).confirm(&id, confirm_body).await
}

#[tokio::test]
async fn real_files_go_through_the_presigned_flow_with_their_real_properties() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Media").await;

    let photo = jpeg(640, 480);
    let confirmed = upload(&app, &admin, "launch.jpg", "image/jpeg", photo.clone()).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    assert_eq!(confirmed.body["status"], "ready");
    assert_eq!(confirmed.body["kind"], "image");
    assert_eq!(
        (
            confirmed.body["width"].as_i64(),
            confirmed.body["height"].as_i64()
        ),
        (Some(640), Some(480))
    );
    assert_eq!(confirmed.body["bytes"], photo.len());
    assert_eq!(
        http_get(confirmed.body["url"].as_str().unwrap()).await,
        photo,
        "the presigned GET serves the original"
    );

    let logo = upload(&app, &admin, "logo.png", "image/png", png(120, 60)).await;
    assert_eq!(
        (logo.body["width"].as_i64(), logo.body["height"].as_i64()),
        (Some(120), Some(60))
    );

    let clip = upload(
        &app,
        &admin,
        "teaser.mp4",
        "video/mp4",
        mp4(12_500, 300_000),
    )
    .await;
    assert_eq!(clip.status, StatusCode::OK, "{}", clip.body);
    assert_eq!(clip.body["kind"], "video");
    assert_eq!(clip.body["duration_ms"], 12_500);
}

#[tokio::test]
async fn a_file_above_16_mb_is_uploaded_in_parts() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Parts").await;
    let big = mp4(60_000, 20 * 1024 * 1024);
    let confirmed = upload(&app, &admin, "keynote.mp4", "video/mp4", big.clone()).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    assert_eq!(confirmed.body["bytes"], big.len());
    assert_eq!(confirmed.body["duration_ms"], 60_000);
}

#[tokio::test]
async fn mislabelled_or_resized_uploads_are_rejected_and_deleted() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Rejects").await;

    // A PNG that claims to be a JPEG.
    let liar = upload(&app, &admin, "photo.jpg", "image/jpeg", png(10, 10)).await;
    assert_eq!(
        liar.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        liar.body
    );
    assert_eq!(liar.error_code(), "upload_rejected");
    assert!(
        liar.body["error"]["details"][0]["issue"]
            .as_str()
            .unwrap()
            .contains("is image/png")
    );

    // A file larger than declared.
    let ticket = app
        .api(auth(&admin))
        .upload(json!({ "file_name": "a.jpg", "content_type": "image/jpeg", "size_bytes": 1000 }))
        .await;
    let id = ticket.body["id"].as_str().unwrap();
    http_put(
        ticket.body["upload"]["url"].as_str().unwrap(),
        Some("image/jpeg"),
        jpeg(200, 200),
    )
    .await;
    let resized = app.api(auth(&admin)).confirm(&id, json!({})).await;
    assert_eq!(resized.error_code(), "upload_rejected");

    // Both are gone: rows, objects and their reservations.
    let again = app.api(auth(&admin)).confirm(&id, json!({})).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let db = connect(&app.env.database).await;
    let rows: i64 = db
        .query_one("SELECT count(*) FROM media_assets", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 0);
    let aws = cloud::AwsClients::new(&integration_tests::sdk());
    let objects = aws
        .s3
        .list_objects_v2()
        .bucket(&app.env.bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(objects.key_count(), Some(0), "rejected objects are deleted");

    // Confirming before uploading is a conflict, not a rejection.
    let early = app
        .api(auth(&admin))
        .upload(json!({ "file_name": "later.jpg", "content_type": "image/jpeg", "size_bytes": 10 }))
        .await;
    let early_id = early.body["id"].as_str().unwrap();
    let premature = app.api(auth(&admin)).confirm(&early_id, json!({})).await;
    assert_eq!(premature.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn sizes_types_and_the_storage_quota_are_enforced_before_anything_is_uploaded() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Quota").await;
    let ask = |name: &str, content_type: &str, size: i64| {
        let body = json!({ "file_name": name, "content_type": content_type, "size_bytes": size });
        app.api(auth(&admin)).upload(body)
    };

    let too_big = ask("huge.mp4", "video/mp4", 100 * 1024 * 1024 + 1).await;
    assert_eq!(too_big.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(too_big.body["error"]["details"][0]["field"], "size_bytes");
    let bmp = ask("old.bmp", "image/bmp", 10).await;
    assert_eq!(bmp.body["error"]["details"][0]["field"], "content_type");

    // The free plan stores 1 GiB; declared sizes are reserved until confirmed.
    for _ in 0..10 {
        assert_eq!(
            ask("clip.mp4", "video/mp4", 100 * 1024 * 1024).await.status,
            StatusCode::CREATED
        );
    }
    let over = ask("one-more.mp4", "video/mp4", 100 * 1024 * 1024).await;
    assert_eq!(over.status, StatusCode::PAYMENT_REQUIRED, "{}", over.body);
    assert_eq!(over.error_code(), "plan_limit_reached");

    let usage = app.api(auth(&admin)).storage_usage().await;
    assert_eq!(usage.body["quota_bytes"], 1024_i64 * 1024 * 1024);
    assert_eq!(usage.body["reserved_bytes"], 1000_i64 * 1024 * 1024);
    assert_eq!(usage.body["percent_used"], 97.66);
}

#[tokio::test]
async fn optimize_renders_a_variant_that_fits_each_platform() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Variants").await;
    let banner = upload(&app, &admin, "banner.jpg", "image/jpeg", jpeg(3000, 1000)).await;
    let id = banner.body["id"].as_str().unwrap();

    let optimized = app.api(auth(&admin)).optimize(&id).await;
    assert_eq!(optimized.status, StatusCode::OK, "{}", optimized.body);
    let variants = optimized.body["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 5);
    for variant in variants {
        let platform = variant["platform"].as_str().unwrap();
        let (width, height) = (
            variant["width"].as_u64().unwrap() as u32,
            variant["height"].as_u64().unwrap() as u32,
        );
        let bytes = http_get(variant["url"].as_str().unwrap()).await;
        assert_eq!(bytes.len() as u64, variant["bytes"].as_u64().unwrap());
        let decoded =
            image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).expect("a JPEG");
        assert_eq!(
            (decoded.width(), decoded.height()),
            (width, height),
            "{platform}"
        );
        let ratio = f64::from(width) / f64::from(height);
        match platform {
            "instagram" => {
                assert!(
                    ratio <= 1.91 + 0.01 && width.max(height) <= 1440,
                    "{width}x{height}"
                );
                assert!(bytes.len() <= 8 * 1024 * 1024);
            }
            "x" => assert!(bytes.len() <= 5 * 1024 * 1024 && width.max(height) <= 4096),
            "facebook" => assert!(width.max(height) <= 2048),
            "linkedin" => assert!(ratio <= 3.0 + 0.01),
            "tiktok" => assert!(ratio <= 2.0 + 0.01 && width.max(height) <= 1920),
            other => panic!("unexpected platform {other}"),
        }
    }
    // X and LinkedIn take the 3:1 original as it is: no copy is stored for them.
    let original_bytes = banner.body["bytes"].as_u64().unwrap();
    let reused: Vec<&str> = variants
        .iter()
        .filter(|v| v["bytes"].as_u64() == Some(original_bytes))
        .map(|v| v["platform"].as_str().unwrap())
        .collect();
    assert_eq!(reused, ["x", "linkedin"]);
    let rendered: u64 = variants
        .iter()
        .filter(|v| v["bytes"].as_u64() != Some(original_bytes))
        .map(|v| v["bytes"].as_u64().unwrap())
        .sum();
    let usage = app.api(auth(&admin)).storage_usage().await;
    let images = &usage.body["by_type"][0];
    assert_eq!(images["kind"], "image");
    assert!(rendered > 0);
    assert!(
        images["variant_bytes"].as_u64().unwrap() <= rendered,
        "only distinct renderings count against the quota"
    );
    // Optimizing again changes nothing and stores nothing more.
    let again = app.api(auth(&admin)).optimize(&id).await;
    let keys = |body: &serde_json::Value| -> Vec<(String, u64)> {
        body["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["platform"].as_str().unwrap().to_owned(),
                    v["bytes"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(keys(&again.body), keys(&optimized.body));
    let usage_again = app.api(auth(&admin)).storage_usage().await;
    assert_eq!(usage_again.body["used_bytes"], usage.body["used_bytes"]);
    // A photo that already fits everywhere costs no storage at all.
    let fits = upload(&app, &admin, "fits.jpg", "image/jpeg", jpeg(1200, 1000)).await;
    let fitted = app
        .call_as(
            auth(&admin),
            Method::POST,
            &format!("/api/media/{}/optimize", fits.body["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(fitted.status, StatusCode::OK);
    let after = app.api(auth(&admin)).storage_usage().await;
    assert_eq!(
        after.body["by_type"][0]["variant_bytes"],
        usage.body["by_type"][0]["variant_bytes"]
    );

    let clip = upload(&app, &admin, "teaser.mp4", "video/mp4", mp4(1000, 2000)).await;
    let video = app
        .call_as(
            auth(&admin),
            Method::POST,
            &format!("/api/media/{}/optimize", clip.body["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(video.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_library_filters_and_paginates() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Library").await;
    let mut ids = Vec::new();
    for name in ["spring-sale.jpg", "team.jpg", "office.png"] {
        let kind = if name.ends_with("png") {
            "image/png"
        } else {
            "image/jpeg"
        };
        let bytes = if name.ends_with("png") {
            png(20, 20)
        } else {
            jpeg(40, 30)
        };
        ids.push(
            upload(&app, &admin, name, kind, bytes).await.body["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    upload(&app, &admin, "promo.mp4", "video/mp4", mp4(5000, 4096)).await;

    let tagged = app
        .call_as(
            auth(&admin),
            Method::PUT,
            &format!("/api/media/{}", ids[0]),
            Some(json!({ "tags": ["Sale", "spring", "sale"], "alt_text": "Flowers on a counter" })),
        )
        .await;
    assert_eq!(tagged.status, StatusCode::OK, "{}", tagged.body);
    assert_eq!(tagged.body["tags"], json!(["sale", "spring"]));

    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["original_name"].as_str().unwrap().to_owned())
            .collect()
    };
    let videos = app.api(auth(&admin)).media("type=video").await;
    assert_eq!(names(&videos.body), ["promo.mp4"]);
    let sale = app.api(auth(&admin)).media("tag=sale").await;
    assert_eq!(names(&sale.body), ["spring-sale.jpg"]);
    let search = app.api(auth(&admin)).media("search=flowers").await;
    assert_eq!(
        names(&search.body),
        ["spring-sale.jpg"],
        "alt text is searched"
    );

    let first = app.api(auth(&admin)).media("limit=3").await;
    assert_eq!(
        names(&first.body),
        ["promo.mp4", "office.png", "team.jpg"],
        "newest first"
    );
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app
        .call_as(
            auth(&admin),
            Method::GET,
            &format!("/api/media?limit=3&cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(names(&second.body), ["spring-sale.jpg"]);
    assert!(second.body["next_cursor"].is_null());

    let bad = app
        .api(auth(&admin))
        .media("cursor=garbage&limit=500")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["error"]["details"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn media_used_by_a_scheduled_post_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("InUse").await;
    let asset = upload(&app, &admin, "hero.jpg", "image/jpeg", jpeg(100, 100)).await;
    let id = asset.body["id"].as_str().unwrap();
    let db = connect(&app.env.database).await;
    let post: uuid::Uuid = db
        .query_one(
            "INSERT INTO posts (organization_id, user_id, title, content, status, scheduled_at, media_urls)
             VALUES ($1::text::uuid, $2::text::uuid, 'Launch', 'We are live', 'scheduled', now() + interval '1 day',
                     jsonb_build_array($3::text)) RETURNING id",
            &[&admin.organization_id, &admin.user_id, &id],
        )
        .await
        .unwrap()
        .get(0);

    let refused = app.api(auth(&admin)).delete_media(&id).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.error_code(), "asset_in_use");
    let issue = refused.body["error"]["details"][0]["issue"]
        .as_str()
        .unwrap();
    assert!(
        issue.contains(&post.to_string()) && issue.contains("Launch"),
        "{issue}"
    );

    db.execute("UPDATE posts SET status = 'draft' WHERE id = $1", &[&post])
        .await
        .unwrap();
    let deleted = app.api(auth(&admin)).delete_media(&id).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let aws = cloud::AwsClients::new(&integration_tests::sdk());
    let objects = aws
        .s3
        .list_objects_v2()
        .bucket(&app.env.bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(objects.key_count(), Some(0));
}

#[tokio::test]
async fn roles_and_organizations_bound_what_each_caller_may_do() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Roles").await;
    let manager = app.add_member(&admin, "manager").await;
    let user = app.add_member(&admin, "user").await;
    let viewer = app.add_member(&admin, "viewer").await;
    let stranger = app.register_admin("Elsewhere").await;
    let mine = upload(&app, &user, "mine.jpg", "image/jpeg", jpeg(50, 50)).await;
    let id = mine.body["id"].as_str().unwrap().to_owned();
    let theirs = upload(&app, &manager, "theirs.jpg", "image/jpeg", jpeg(50, 50)).await;
    let their_id = theirs.body["id"].as_str().unwrap().to_owned();

    let viewer_upload = app
        .api(auth(&viewer))
        .upload(json!({ "file_name": "v.jpg", "content_type": "image/jpeg", "size_bytes": 10 }))
        .await;
    assert_eq!(viewer_upload.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.api(auth(&viewer)).delete_media(&id).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.api(auth(&viewer)).media("").await.status,
        StatusCode::OK
    );

    let other_users = app
        .api(auth(&user))
        .update_media(&their_id, json!({ "tags": ["x"] }))
        .await;
    assert_eq!(
        other_users.status,
        StatusCode::FORBIDDEN,
        "a user edits only their own uploads"
    );
    let managers = app
        .api(auth(&manager))
        .update_media(&id, json!({ "tags": ["ok"] }))
        .await;
    assert_eq!(managers.status, StatusCode::OK);

    for (method, path, body) in [
        (
            Method::PUT,
            format!("/api/media/{id}"),
            Some(json!({ "tags": ["x"] })),
        ),
        (Method::DELETE, format!("/api/media/{id}"), None),
        (Method::POST, format!("/api/media/{id}/optimize"), None),
        (
            Method::POST,
            format!("/api/media/{id}/confirm"),
            Some(json!({})),
        ),
    ] {
        let response = app
            .call_as(auth(&stranger), method.clone(), &path, body)
            .await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{method} {path}");
    }
    let listing = app.api(auth(&stranger)).media("").await;
    assert_eq!(listing.body["items"], json!([]));
}

#[tokio::test]
async fn editing_and_optimizing_one_asset_at_once_never_deadlock() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Locks").await;
    for round in 0..4 {
        // Given an image in the library (a new one each round: optimizing is idempotent)
        let uploaded = upload(&app, &admin, "locks.jpg", "image/jpeg", jpeg(3000, 1000)).await;
        assert_eq!(uploaded.status, StatusCode::OK, "{}", uploaded.body);
        let id = uploaded.body["id"].as_str().unwrap().to_owned();
        let (asset_path, optimize_path) = (
            format!("/api/media/{id}"),
            format!("/api/media/{id}/optimize"),
        );
        // When its alt text is edited while it is optimized
        let edit = app.call_as(
            auth(&admin),
            Method::PUT,
            &asset_path,
            Some(json!({ "alt_text": format!("round {round}") })),
        );
        let optimize = app.call_as(auth(&admin), Method::POST, &optimize_path, None);
        let (edited, optimized) = tokio::join!(edit, optimize);
        // Then both succeed: the locks are taken in one order
        assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
        assert_eq!(optimized.status, StatusCode::OK, "{}", optimized.body);
    }
}

#[tokio::test]
async fn a_sole_members_erasure_deletes_the_organizations_media_files() {
    // Given the only member of an organization, with an image in its library
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Alone").await;
    let uploaded = upload(&app, &admin, "mine.jpg", "image/jpeg", jpeg(640, 480)).await;
    let url = uploaded.body["url"].as_str().unwrap().to_owned();
    assert!(integration_tests::try_http_get(&url).await.is_some());
    // When they erase their account (and with it the organization)
    let erased = app
        .api(auth(&admin))
        .delete_account(json!({ "password": integration_tests::PASSWORD }))
        .await;
    assert_eq!(erased.status, StatusCode::NO_CONTENT, "{}", erased.body);
    // Then the file is gone from storage too
    assert!(integration_tests::try_http_get(&url).await.is_none());
}

#[tokio::test]
async fn an_upload_url_cannot_replace_a_confirmed_file() {
    // Given a confirmed image, and the upload URL it came through (valid for a while longer)
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Swap").await;
    let original = jpeg(640, 480);
    let ticket = app
        .api(auth(&admin)).upload(json!({ "file_name": "a.jpg", "content_type": "image/jpeg", "size_bytes": original.len() }))
        .await;
    let id = ticket.body["id"].as_str().unwrap().to_owned();
    let put_url = ticket.body["upload"]["url"].as_str().unwrap().to_owned();
    let (status, _) = http_put(&put_url, Some("image/jpeg"), original.clone()).await;
    assert_eq!(status, 200);
    let confirmed = app.api(auth(&admin)).confirm(&id, json!({})).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    // When the URL is used again with another file
    let (again, _) = http_put(&put_url, Some("image/jpeg"), jpeg(64, 48)).await;
    assert!(again == 200 || again == 403, "{again}");
    // Then the library still serves the checked file
    let library = app.api(auth(&admin)).media("").await;
    assert_eq!(library.body["items"][0]["id"], id.as_str());
    let served = http_get(library.body["items"][0]["url"].as_str().unwrap()).await;
    assert_eq!(served, original);
}

#[tokio::test]
async fn uploads_never_confirmed_are_deleted_by_maintenance() {
    // Given an upload that was authorised a day ago and never confirmed
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Abandoned").await;
    let ticket = app
        .api(auth(&admin))
        .upload(json!({ "file_name": "b.jpg", "content_type": "image/jpeg", "size_bytes": 1000 }))
        .await;
    let id = ticket.body["id"].as_str().unwrap().to_owned();
    let db = connect(&app.env.database).await;
    db.execute(
        "UPDATE media_assets SET created_at = now() - interval '25 hours' WHERE id::text = $1",
        &[&id],
    )
    .await
    .unwrap();
    // When maintenance runs
    let report = upkeep::run(&app.state).await.unwrap();
    // Then its row is gone, and its reservation with it
    assert_eq!(report.abandoned_uploads_deleted, 1);
    let left: i64 = db
        .query_one(
            "SELECT count(*) FROM media_assets WHERE id::text = $1",
            &[&id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0);
}
