//! Is this webhook really from Stripe, Meta, X or LinkedIn? Each sender signs the raw body
//! with a secret we share: an HMAC-SHA256, compared here in constant time (through `hmac`'s
//! `verify_slice`), never with `==`. Stripe also signs a timestamp, so an old delivery replayed
//! later is refused. The platforms' subscription challenges (X's CRC, LinkedIn's challenge
//! code) are answered with the same HMAC. The checks read no network or clock: the caller
//! passes the header, the raw body, the secret and, for Stripe, the time now. The [`ledger`]
//! stores each verified event once and processes it at most once.

pub mod ledger;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use domain::Platform;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Stripe's own libraries accept a signed timestamp up to five minutes old.
pub const STRIPE_TOLERANCE_SECS: i64 = 300;

/// Why a delivery is refused. Each is a 400 to the sender (never which secret or value was
/// expected).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    #[error("the signature header is missing")]
    Missing,
    #[error("the signature header is malformed")]
    Malformed,
    #[error("the signature does not match")]
    Mismatch,
    #[error("the signed timestamp is {age_secs} s away from now")]
    Stale { age_secs: i64 },
}

fn mac(secret: &str) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length")
}

/// Checks `expected` (the raw MAC bytes a header claims) against the HMAC of `parts`.
fn matches(secret: &str, parts: &[&[u8]], expected: &[u8]) -> bool {
    let mut mac = mac(secret);
    for part in parts {
        mac.update(part);
    }
    mac.verify_slice(expected).is_ok()
}

fn sign(secret: &str, message: &[u8]) -> Vec<u8> {
    let mut mac = mac(secret);
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// A `Stripe-Signature` header (`t=<unix>,v1=<hex>[,v1=<hex>…]`) for `payload`: valid when any
/// `v1` is the hex HMAC of `"{t}.{payload}"` and `t` is within the tolerance of `now_unix`.
/// Returns the signed timestamp.
pub fn verify_stripe(
    header: Option<&str>,
    payload: &[u8],
    secret: &str,
    now_unix: i64,
) -> Result<i64, Rejected> {
    let header = header.ok_or(Rejected::Missing)?;
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for item in header.split(',') {
        match item.trim().split_once('=') {
            Some(("t", value)) => {
                timestamp = Some(value.parse::<i64>().map_err(|_| Rejected::Malformed)?)
            }
            // Several v1 values while a secret is being rolled; an unreadable one is skipped.
            Some(("v1", value)) => candidates.extend(hex::decode(value).ok()),
            // Other schemes (v0 in test mode) are not ours to trust.
            Some(_) => {}
            None => return Err(Rejected::Malformed),
        }
    }
    let timestamp = timestamp.ok_or(Rejected::Malformed)?;
    if candidates.is_empty() {
        return Err(Rejected::Malformed);
    }
    let prefix = format!("{timestamp}.");
    if !candidates
        .iter()
        .any(|c| matches(secret, &[prefix.as_bytes(), payload], c))
    {
        return Err(Rejected::Mismatch);
    }
    let age_secs = now_unix - timestamp;
    if age_secs.abs() > STRIPE_TOLERANCE_SECS {
        return Err(Rejected::Stale { age_secs });
    }
    Ok(timestamp)
}

/// The signature our outgoing webhooks carry, in Stripe's scheme (so customers can verify it
/// with any Stripe-style checker): `t=<unix>,v1=<hex HMAC-SHA256 of "{t}.{body}">`.
pub fn sign_timestamped(secret: &str, body: &[u8], t: i64) -> String {
    let mut message = format!("{t}.").into_bytes();
    message.extend_from_slice(body);
    format!("t={t},v1={}", hex::encode(sign(secret, &message)))
}

/// A delivery's identity when its sender gives none (the platforms): the hex SHA-256 of its
/// raw body, so an identical redelivery is recognised.
pub fn body_digest(body: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(Sha256::digest(body))
}

/// The header each platform signs its deliveries in.
pub const fn signature_header(platform: Platform) -> &'static str {
    match platform {
        Platform::X => "x-twitter-webhooks-signature",
        Platform::Facebook | Platform::Instagram => "x-hub-signature-256",
        Platform::LinkedIn => "x-li-signature",
        Platform::TikTok => "tiktok-signature",
    }
}

/// A platform delivery's signature header for `body`, signed with the app's secret:
/// - X: `sha256=<base64 HMAC>`; Meta: `sha256=<hex HMAC>`; LinkedIn: `<hex HMAC>` (an
///   `hmacsha256=` prefix is accepted too);
/// - TikTok: `t=<unix>,s=<hex HMAC of "{t}.{body}">`.
pub fn verify_platform(
    platform: Platform,
    header: Option<&str>,
    body: &[u8],
    secret: &str,
) -> Result<(), Rejected> {
    let header = header.ok_or(Rejected::Missing)?.trim();
    let (parts, claimed): (Vec<Vec<u8>>, Vec<u8>) = match platform {
        Platform::X => {
            let value = header.strip_prefix("sha256=").ok_or(Rejected::Malformed)?;
            (
                vec![body.to_vec()],
                STANDARD.decode(value).map_err(|_| Rejected::Malformed)?,
            )
        }
        Platform::Facebook | Platform::Instagram => {
            let value = header.strip_prefix("sha256=").ok_or(Rejected::Malformed)?;
            (
                vec![body.to_vec()],
                hex::decode(value).map_err(|_| Rejected::Malformed)?,
            )
        }
        Platform::LinkedIn => {
            let value = header.strip_prefix("hmacsha256=").unwrap_or(header);
            (
                vec![body.to_vec()],
                hex::decode(value).map_err(|_| Rejected::Malformed)?,
            )
        }
        Platform::TikTok => {
            let (mut t, mut s) = (None, None);
            for item in header.split(',') {
                match item.trim().split_once('=') {
                    Some(("t", value)) => t = Some(value.to_owned()),
                    Some(("s", value)) => s = Some(value.to_owned()),
                    _ => {}
                }
            }
            let (t, s) = t.zip(s).ok_or(Rejected::Malformed)?;
            let mut message = format!("{t}.").into_bytes();
            message.extend_from_slice(body);
            (
                vec![message],
                hex::decode(s).map_err(|_| Rejected::Malformed)?,
            )
        }
    };
    let parts: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    if matches(secret, &parts, &claimed) {
        Ok(())
    } else {
        Err(Rejected::Mismatch)
    }
}

/// X's challenge-response check (CRC): `response_token` for a `crc_token`.
pub fn x_crc_response(crc_token: &str, consumer_secret: &str) -> String {
    format!(
        "sha256={}",
        STANDARD.encode(sign(consumer_secret, crc_token.as_bytes()))
    )
}

/// LinkedIn's validation: `challengeResponse` for a `challengeCode`.
pub fn linkedin_challenge_response(challenge_code: &str, client_secret: &str) -> String {
    hex::encode(sign(client_secret, challenge_code.as_bytes()))
}

/// Meta's subscription check: the challenge to echo when the verify token is ours.
pub fn meta_challenge<'a>(
    mode: &str,
    verify_token: &str,
    challenge: &'a str,
    ours: &str,
) -> Option<&'a str> {
    // The verify token is a shared secret too: compare it without leaking where it differs.
    let same = verify_token.len() == ours.len()
        && verify_token
            .bytes()
            .zip(ours.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    (mode == "subscribe" && same).then_some(challenge)
}

/// Meta's `signed_request` (deauthorization and data deletion callbacks):
/// `base64url(HMAC-SHA256(payload part, app secret)) "." base64url(JSON payload)`. Returns the
/// payload's bytes when the signature is the app's.
pub fn verify_meta_signed_request(
    signed_request: &str,
    app_secret: &str,
) -> Result<Vec<u8>, Rejected> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (signature, payload) = signed_request
        .trim()
        .split_once('.')
        .ok_or(Rejected::Malformed)?;
    // Meta pads inconsistently; strip any padding before decoding.
    let decode = |text: &str| URL_SAFE_NO_PAD.decode(text.trim_end_matches('='));
    let claimed = decode(signature).map_err(|_| Rejected::Malformed)?;
    if !matches(app_secret, &[payload.as_bytes()], &claimed) {
        return Err(Rejected::Mismatch);
    }
    decode(payload).map_err(|_| Rejected::Malformed)
}

/// A `signed_request` as Meta makes one (for the sandbox and tests).
pub fn meta_signed_request(payload: &[u8], app_secret: &str) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let payload = URL_SAFE_NO_PAD.encode(payload);
    let signature = URL_SAFE_NO_PAD.encode(sign(app_secret, payload.as_bytes()));
    format!("{signature}.{payload}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_outgoing_signature_verifies_with_the_stripe_scheme() {
        let header = sign_timestamped("whsec_ours", BODY, 1_800_000_000);
        assert_eq!(
            verify_stripe(Some(&header), BODY, "whsec_ours", 1_800_000_100),
            Ok(1_800_000_000)
        );
        assert_eq!(
            verify_stripe(Some(&header), BODY, "whsec_other", 1_800_000_100),
            Err(Rejected::Mismatch)
        );
    }

    #[test]
    fn a_meta_signed_request_is_read_only_with_the_app_secret() {
        let payload = br#"{"algorithm":"HMAC-SHA256","user_id":"1234"}"#;
        let signed = meta_signed_request(payload, "app-secret");
        assert_eq!(
            verify_meta_signed_request(&signed, "app-secret").unwrap(),
            payload
        );
        assert_eq!(
            verify_meta_signed_request(&signed, "other"),
            Err(Rejected::Mismatch)
        );
        assert_eq!(
            verify_meta_signed_request("no-dot", "app-secret"),
            Err(Rejected::Malformed)
        );
    }

    const SECRET: &str = "whsec_test_secret";
    const BODY: &[u8] = br#"{"id":"evt_1","type":"invoice.paid"}"#;

    fn stripe_header(t: i64, secret: &str) -> String {
        let mut message = format!("{t}.").into_bytes();
        message.extend_from_slice(BODY);
        format!("t={t},v1={}", hex::encode(sign(secret, &message)))
    }

    #[test]
    fn a_stripe_delivery_signed_with_our_secret_now_is_accepted() {
        let now = 1_800_000_000;
        assert_eq!(
            verify_stripe(Some(&stripe_header(now - 10, SECRET)), BODY, SECRET, now),
            Ok(now - 10)
        );
    }

    #[test]
    fn a_wrong_secret_a_changed_body_or_an_old_timestamp_is_refused() {
        let now = 1_800_000_000;
        let header = stripe_header(now, "whsec_someone_else");
        assert_eq!(
            verify_stripe(Some(&header), BODY, SECRET, now),
            Err(Rejected::Mismatch)
        );
        let header = stripe_header(now, SECRET);
        assert_eq!(
            verify_stripe(Some(&header), b"{}", SECRET, now),
            Err(Rejected::Mismatch)
        );
        let old = stripe_header(now - 301, SECRET);
        assert_eq!(
            verify_stripe(Some(&old), BODY, SECRET, now),
            Err(Rejected::Stale { age_secs: 301 })
        );
    }

    #[test]
    fn any_of_several_v1_signatures_may_match_and_garbage_is_malformed() {
        let now = 1_800_000_000;
        let good = stripe_header(now, SECRET);
        let rolled = format!(
            "t={now},v1={},v1=zz,{}",
            "00".repeat(32),
            good.split_once(',').unwrap().1
        );
        assert_eq!(verify_stripe(Some(&rolled), BODY, SECRET, now), Ok(now));
        assert_eq!(
            verify_stripe(None, BODY, SECRET, now),
            Err(Rejected::Missing)
        );
        assert_eq!(
            verify_stripe(Some("v1=abcd"), BODY, SECRET, now),
            Err(Rejected::Malformed)
        );
        assert_eq!(
            verify_stripe(Some(&format!("t={now}")), BODY, SECRET, now),
            Err(Rejected::Malformed)
        );
        assert_eq!(
            verify_stripe(Some("t=soon,v1=ab"), BODY, SECRET, now),
            Err(Rejected::Malformed)
        );
    }

    #[test]
    fn what_the_platform_sandbox_signs_is_accepted_and_nothing_else() {
        for platform in Platform::ALL {
            let headers =
                platform_sandbox::signature_headers(*platform, "app-secret", BODY, 1_800_000_000);
            let (name, value) = &headers[0];
            assert_eq!(name, signature_header(*platform), "{platform}");
            assert_eq!(
                verify_platform(*platform, Some(value), BODY, "app-secret"),
                Ok(()),
                "{platform}"
            );
            assert_eq!(
                verify_platform(*platform, Some(value), BODY, "other"),
                Err(Rejected::Mismatch),
                "{platform}"
            );
            assert_eq!(
                verify_platform(*platform, Some(value), b"tampered", "app-secret"),
                Err(Rejected::Mismatch),
                "{platform}"
            );
            assert_eq!(
                verify_platform(*platform, None, BODY, "app-secret"),
                Err(Rejected::Missing)
            );
        }
        assert_eq!(
            verify_platform(Platform::Facebook, Some("sha1=abc"), BODY, "s"),
            Err(Rejected::Malformed)
        );
    }

    #[test]
    fn challenges_are_answered_with_the_documented_hmacs() {
        // X: base64 of HMAC-SHA256(consumer secret, crc_token), prefixed.
        let token = x_crc_response("crc-123", "consumer-secret");
        assert!(token.starts_with("sha256="));
        assert_eq!(
            STANDARD.decode(&token[7..]).unwrap(),
            sign("consumer-secret", b"crc-123")
        );
        // LinkedIn: hex of HMAC-SHA256(client secret, challengeCode).
        assert_eq!(
            linkedin_challenge_response("code", "client-secret"),
            hex::encode(sign("client-secret", b"code"))
        );
        // Meta: the challenge back only for our verify token.
        assert_eq!(
            meta_challenge("subscribe", "ours", "42", "ours"),
            Some("42")
        );
        assert_eq!(meta_challenge("subscribe", "theirs", "42", "ours"), None);
        assert_eq!(meta_challenge("unsubscribe", "ours", "42", "ours"), None);
    }
}
