use std::collections::BTreeMap;
use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use domain::Platform;
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;

use crate::ConfigError;

/// Key material that never appears in logs or `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes(<{} bytes redacted>)", self.0.len())
    }
}

/// A platform app's OAuth credentials.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformCredentials {
    pub client_id: String,
    pub client_secret: String,
    /// Secret used to sign webhook deliveries, when it differs from the client secret.
    #[serde(default)]
    pub webhook_secret: Option<String>,
    /// Meta: the verify token entered with the webhook's callback URL in the app dashboard.
    #[serde(default)]
    pub webhook_verify_token: Option<String>,
}

impl PlatformCredentials {
    /// What the platform signs its webhook deliveries with.
    pub fn webhook_signing_secret(&self) -> &str {
        self.webhook_secret
            .as_deref()
            .unwrap_or(&self.client_secret)
    }
}

impl fmt::Debug for PlatformCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlatformCredentials")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// The application secret (one Secrets Manager JSON document), read once per cold start.
#[derive(Clone)]
pub struct AppSecrets {
    /// HMAC key for access tokens (at least 32 bytes).
    pub jwt_signing_key: SecretBytes,
    /// AES-256-GCM key for platform tokens at rest (exactly 32 bytes).
    pub token_encryption_key: SecretBytes,
    /// Apps configured per platform; a platform absent here is "not configured".
    pub platforms: BTreeMap<Platform, PlatformCredentials>,
    pub stripe_webhook_secret: Option<String>,
    /// Stripe's secret API key (`sk_live_…`), with `BILLING=stripe`.
    pub stripe_secret_key: Option<String>,
    /// The API key of an OpenAI-compatible model server (`AI_PROVIDER=openai`), when it wants one.
    pub ai_api_key: Option<String>,
}

/// Says which secrets are set, never what they are.
impl fmt::Debug for AppSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppSecrets")
            .field("jwt_signing_key", &self.jwt_signing_key)
            .field("token_encryption_key", &self.token_encryption_key)
            .field("platforms", &self.platforms)
            .field(
                "stripe_webhook_secret",
                &self.stripe_webhook_secret.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "stripe_secret_key",
                &self.stripe_secret_key.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "ai_api_key",
                &self.ai_api_key.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretDocument {
    #[serde(default)]
    jwt_signing_key: Option<String>,
    #[serde(default)]
    token_encryption_key: Option<String>,
    /// Random text that CloudFormation generates at deploy time; keys not given explicitly are
    /// derived from it, so a fresh stack works without a manual secret-writing step.
    #[serde(default)]
    key_seed: Option<String>,
    #[serde(default)]
    platforms: BTreeMap<String, PlatformCredentials>,
    #[serde(default)]
    stripe_webhook_secret: Option<String>,
    #[serde(default)]
    stripe_secret_key: Option<String>,
    #[serde(default)]
    ai_api_key: Option<String>,
}

impl AppSecrets {
    /// Parses and checks the secret document; keys are base64.
    pub fn parse(json: &str) -> Result<Self, ConfigError> {
        let problem = |text: String| ConfigError {
            problems: vec![text],
        };
        let document: SecretDocument = serde_json::from_str(json)
            .map_err(|e| problem(format!("application secret is not valid: {e}")))?;
        let mut problems = Vec::new();
        let mut problems_missing = Vec::new();
        let mut decode = |name: &str, text: &str| match STANDARD.decode(text) {
            Ok(bytes) => bytes,
            Err(_) => {
                problems.push(format!("{name} must be base64"));
                Vec::new()
            }
        };
        let seed = document.key_seed.as_deref().filter(|s| s.len() >= 32);
        let mut key = |name: &str, given: Option<&str>| match (given, seed) {
            (Some(text), _) => decode(name, text),
            (None, Some(seed)) => derive_key(seed, name),
            (None, None) => {
                problems_missing.push(format!(
                    "{name} is missing (give it, or a key_seed of 32+ characters)"
                ));
                Vec::new()
            }
        };
        let jwt = key("jwt_signing_key", document.jwt_signing_key.as_deref());
        let encryption = key(
            "token_encryption_key",
            document.token_encryption_key.as_deref(),
        );
        problems.append(&mut problems_missing);
        if !jwt.is_empty() && jwt.len() < 32 {
            problems.push("jwt_signing_key must be at least 32 bytes".to_owned());
        }
        if !encryption.is_empty() && encryption.len() != 32 {
            problems.push("token_encryption_key must be exactly 32 bytes (AES-256)".to_owned());
        }
        let mut platforms = BTreeMap::new();
        for (name, credentials) in document.platforms {
            match name.parse::<Platform>() {
                Ok(platform) => {
                    platforms.insert(platform, credentials);
                }
                Err(e) => problems.push(format!("platforms: {e}")),
            }
        }
        if !problems.is_empty() {
            return Err(ConfigError { problems });
        }
        Ok(AppSecrets {
            jwt_signing_key: SecretBytes(jwt),
            token_encryption_key: SecretBytes(encryption),
            platforms,
            stripe_webhook_secret: document.stripe_webhook_secret,
            stripe_secret_key: document.stripe_secret_key,
            ai_api_key: document.ai_api_key,
        })
    }
}

/// A 32-byte key for one purpose, derived from the seed (HMAC-SHA256 with the purpose as label).
fn derive_key(seed: &str, purpose: &str) -> Vec<u8> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(seed.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(b"social-platform/");
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(bytes: &[u8]) -> String {
        STANDARD.encode(bytes)
    }

    #[test]
    fn a_complete_document_parses_and_hides_its_keys() {
        let json = format!(
            r#"{{"jwt_signing_key":"{}","token_encryption_key":"{}",
                "platforms":{{"twitter":{{"client_id":"cid","client_secret":"shh"}}}}}}"#,
            b64(&[7; 48]),
            b64(&[9; 32])
        );
        let secrets = AppSecrets::parse(&json).unwrap();
        assert_eq!(secrets.token_encryption_key.expose(), &[9; 32]);
        assert_eq!(secrets.platforms[&Platform::X].client_id, "cid");
        let debug = format!("{secrets:?}");
        assert!(
            !debug.contains("shh") && debug.contains("redacted"),
            "{debug}"
        );
    }

    #[test]
    fn short_keys_and_unknown_platforms_are_rejected_together() {
        let json = format!(
            r#"{{"jwt_signing_key":"{}","token_encryption_key":"{}",
                "platforms":{{"myspace":{{"client_id":"a","client_secret":"b"}}}}}}"#,
            b64(&[1; 8]),
            b64(&[1; 16])
        );
        let error = AppSecrets::parse(&json).unwrap_err();
        assert_eq!(error.problems.len(), 3, "{error}");
    }

    #[test]
    fn unknown_fields_are_refused_so_typos_do_not_pass_silently() {
        let json = format!(
            r#"{{"jwt_signing_key":"{}","token_encryption_key":"{}","jwt_key":"x"}}"#,
            b64(&[1; 32]),
            b64(&[1; 32])
        );
        assert!(AppSecrets::parse(&json).is_err());
    }

    #[test]
    fn a_seed_alone_yields_distinct_keys_of_the_right_size() {
        let secrets = AppSecrets::parse(
            r#"{"key_seed":"0123456789abcdefghijklmnopqrstuvwxyz!#","platforms":{}}"#,
        )
        .unwrap();
        assert_eq!(secrets.token_encryption_key.expose().len(), 32);
        assert_eq!(secrets.jwt_signing_key.expose().len(), 32);
        assert_ne!(secrets.token_encryption_key, secrets.jwt_signing_key);
        let again =
            AppSecrets::parse(r#"{"key_seed":"0123456789abcdefghijklmnopqrstuvwxyz!#"}"#).unwrap();
        assert_eq!(
            again.jwt_signing_key, secrets.jwt_signing_key,
            "derivation is stable across cold starts"
        );
    }

    #[test]
    fn no_keys_and_no_seed_is_refused() {
        let error = AppSecrets::parse(r#"{"key_seed":"short"}"#).unwrap_err();
        assert_eq!(error.problems.len(), 2, "{error}");
    }
}
