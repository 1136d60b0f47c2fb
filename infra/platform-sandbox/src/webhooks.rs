//! Webhook deliveries signed the way each platform signs them, sent on demand to a URL
//! (`POST /_sandbox/webhooks`), so webhook handlers are tested against the real schemes.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use domain::Platform;
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;

use crate::state::now_unix;

fn hmac(secret: &str, message: &[u8]) -> Vec<u8> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// The signature headers a platform sends with `body`, signed with the app's `secret`.
pub fn signature_headers(
    platform: Platform,
    secret: &str,
    body: &[u8],
    at_unix: u64,
) -> Vec<(String, String)> {
    match platform {
        // X: base64 HMAC-SHA256 of the body with the consumer secret.
        Platform::X => vec![(
            "x-twitter-webhooks-signature".into(),
            format!("sha256={}", STANDARD.encode(hmac(secret, body))),
        )],
        // Meta: hex HMAC-SHA256 of the body with the app secret.
        Platform::Facebook | Platform::Instagram => {
            vec![(
                "x-hub-signature-256".into(),
                format!("sha256={}", hex::encode(hmac(secret, body))),
            )]
        }
        // TikTok: timestamped, hex HMAC-SHA256 of "{t}.{body}" with the client secret.
        Platform::TikTok => {
            let mut message = format!("{at_unix}.").into_bytes();
            message.extend_from_slice(body);
            vec![(
                "tiktok-signature".into(),
                format!("t={at_unix},s={}", hex::encode(hmac(secret, &message))),
            )]
        }
        // LinkedIn: hex HMAC-SHA256 of the body with the client secret.
        Platform::LinkedIn => vec![("x-li-signature".into(), hex::encode(hmac(secret, body)))],
    }
}

#[derive(Deserialize)]
pub struct Delivery {
    platform: Platform,
    url: String,
    secret: String,
    payload: serde_json::Value,
}

pub async fn deliver(Json(delivery): Json<Delivery>) -> Response {
    let body = delivery.payload.to_string().into_bytes();
    let mut request = reqwest::Client::new()
        .post(&delivery.url)
        .header("content-type", "application/json");
    for (name, value) in signature_headers(delivery.platform, &delivery.secret, &body, now_unix()) {
        request = request.header(name, value);
    }
    match request.body(body).send().await {
        Ok(answer) => (
            StatusCode::OK,
            Json(serde_json::json!({ "delivered": true, "status": answer.status().as_u16() })),
        )
            .into_response(),
        Err(error) => (
            StatusCode::BAD_GATEWAY,
            Json(serde_json::json!({ "delivered": false, "error": error.to_string() })),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_signs_the_body_in_hex() {
        let headers = signature_headers(
            Platform::Facebook,
            "app-secret",
            b"{\"object\":\"page\"}",
            0,
        );
        let expected = hex::encode(hmac("app-secret", b"{\"object\":\"page\"}"));
        assert_eq!(
            headers,
            [(
                "x-hub-signature-256".to_owned(),
                format!("sha256={expected}")
            )]
        );
    }

    #[test]
    fn tiktok_signs_the_timestamp_with_the_body() {
        let headers = signature_headers(Platform::TikTok, "s", b"{}", 1_795_608_000);
        assert_eq!(
            headers[0].1,
            format!(
                "t=1795608000,s={}",
                hex::encode(hmac("s", b"1795608000.{}"))
            )
        );
    }
}
