//! IAM database authentication for RDS Proxy: the password is a SigV4-presigned `connect` URL
//! valid for 15 minutes. Signing directly with aws-sigv4 avoids compiling the whole RDS SDK.

use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;

use crate::StoreError;

/// Tokens are valid for 15 minutes; we mint a new one well before that so a connection opened
/// at the end of a token's life still authenticates.
const TOKEN_LIFETIME: Duration = Duration::from_secs(900);
const REFRESH_AFTER: Duration = Duration::from_secs(600);

/// A signed RDS auth token (the text used as the Postgres password).
#[derive(Clone)]
pub struct RdsAuthToken(String);

impl RdsAuthToken {
    /// Signs `https://host:port/?Action=connect&DBUser=user` for the `rds-db` service.
    pub fn sign(
        credentials: &Credentials,
        region: &str,
        host: &str,
        port: u16,
        user: &str,
        at: SystemTime,
    ) -> Result<Self, StoreError> {
        let identity: Identity = credentials.clone().into();
        let mut settings = SigningSettings::default();
        settings.expires_in = Some(TOKEN_LIFETIME);
        settings.signature_location = SignatureLocation::QueryParams;
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(region)
            .name("rds-db")
            .time(at)
            .settings(settings)
            .build()
            .map_err(|e| StoreError::Unavailable(format!("rds auth token: {e}")))?
            .into();
        let mut url = url::Url::parse(&format!("https://{host}:{port}/"))
            .map_err(|e| StoreError::Unavailable(format!("rds auth token host: {e}")))?;
        url.query_pairs_mut()
            .append_pair("Action", "connect")
            .append_pair("DBUser", user);
        let request = SignableRequest::new(
            "GET",
            url.as_str(),
            std::iter::empty(),
            SignableBody::Bytes(&[]),
        )
        .map_err(|e| StoreError::Unavailable(format!("rds auth token request: {e}")))?;
        let (instructions, _signature) = sign(request, &params)
            .map_err(|e| StoreError::Unavailable(format!("rds auth token signing: {e}")))?
            .into_parts();
        for (name, value) in instructions.params() {
            url.query_pairs_mut().append_pair(name, value);
        }
        let text = url.as_str().trim_start_matches("https://").to_owned();
        Ok(RdsAuthToken(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for RdsAuthToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RdsAuthToken(<redacted>)")
    }
}

/// Keeps a current token for one proxy endpoint; `refresh_if_stale` runs before a connection is
/// taken from the pool so that opening a connection never has to await credentials.
#[derive(Clone)]
pub struct RdsIamAuth {
    credentials: SharedCredentialsProvider,
    region: String,
    host: String,
    port: u16,
    user: String,
    current: Arc<RwLock<Option<(RdsAuthToken, SystemTime)>>>,
}

impl RdsIamAuth {
    pub fn new(
        credentials: SharedCredentialsProvider,
        region: impl Into<String>,
        host: impl Into<String>,
        port: u16,
        user: impl Into<String>,
    ) -> Self {
        RdsIamAuth {
            credentials,
            region: region.into(),
            host: host.into(),
            port,
            user: user.into(),
            current: Arc::new(RwLock::new(None)),
        }
    }

    pub async fn refresh_if_stale(&self) -> Result<(), StoreError> {
        let fresh = self
            .current
            .read()
            .map(|slot| {
                slot.as_ref().is_some_and(|(_, minted)| {
                    minted.elapsed().is_ok_and(|age| age < REFRESH_AFTER)
                })
            })
            .unwrap_or(false);
        if fresh {
            return Ok(());
        }
        let credentials = self
            .credentials
            .provide_credentials()
            .await
            .map_err(|e| StoreError::Unavailable(format!("aws credentials: {e}")))?;
        let now = SystemTime::now();
        let token = RdsAuthToken::sign(
            &credentials,
            &self.region,
            &self.host,
            self.port,
            &self.user,
            now,
        )?;
        if let Ok(mut slot) = self.current.write() {
            *slot = Some((token, now));
        }
        Ok(())
    }

    pub(crate) fn current(&self) -> Option<RdsAuthToken> {
        self.current
            .read()
            .ok()
            .and_then(|slot| slot.as_ref().map(|(token, _)| token.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_a_presigned_connect_url_without_scheme() {
        let credentials = Credentials::new("AKIDEXAMPLE", "secret", None, None, "test");
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_000_000);
        let token = RdsAuthToken::sign(&credentials, "eu-west-1", "proxy.example", 5432, "app", at)
            .unwrap();
        let text = token.as_str();
        assert!(
            text.starts_with("proxy.example:5432/?Action=connect&DBUser=app&"),
            "{text}"
        );
        assert!(text.contains("X-Amz-Algorithm=AWS4-HMAC-SHA256"));
        assert!(text.contains(
            "X-Amz-Credential=AKIDEXAMPLE%2F20251124%2Feu-west-1%2Frds-db%2Faws4_request"
        ));
        assert!(text.contains("X-Amz-Expires=900"));
        assert!(text.contains("X-Amz-Signature="));
        // Deterministic for the same inputs, different for another user.
        let again = RdsAuthToken::sign(&credentials, "eu-west-1", "proxy.example", 5432, "app", at)
            .unwrap();
        assert_eq!(again.as_str(), text);
        let other = RdsAuthToken::sign(&credentials, "eu-west-1", "proxy.example", 5432, "ops", at)
            .unwrap();
        assert_ne!(other.as_str(), text);
    }

    #[test]
    fn debug_output_never_shows_the_token() {
        let credentials = Credentials::new("AKIDEXAMPLE", "secret", None, None, "test");
        let token =
            RdsAuthToken::sign(&credentials, "us-east-1", "h", 5432, "u", SystemTime::now())
                .unwrap();
        assert_eq!(format!("{token:?}"), "RdsAuthToken(<redacted>)");
    }
}
