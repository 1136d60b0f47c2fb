use chrono::{DateTime, Duration, Utc};
use domain::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Access tokens live 15 minutes; refresh tokens renew them.
pub const ACCESS_TOKEN_TTL: Duration = Duration::minutes(15);
const ISSUER: &str = "social-platform";
const AUDIENCE: &str = "social-platform-api";

/// What an access token says about its bearer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user.
    pub sub: Uuid,
    pub org: Uuid,
    pub role: Role,
    /// The session (refresh-token family) it was issued under.
    pub sid: Uuid,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessTokenError {
    #[error("the access token has expired")]
    Expired,
    #[error("the access token is not valid")]
    Invalid,
}

/// Signs and verifies access tokens (HS256 with the key from Secrets Manager).
#[derive(Clone)]
pub struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl AccessTokens {
    pub fn new(signing_key: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        AccessTokens {
            encoding: EncodingKey::from_secret(signing_key),
            decoding: DecodingKey::from_secret(signing_key),
            validation,
        }
    }

    pub fn issue(
        &self,
        user: Uuid,
        org: Uuid,
        role: Role,
        session: Uuid,
        now: DateTime<Utc>,
    ) -> (String, DateTime<Utc>) {
        let expires = now + ACCESS_TOKEN_TTL;
        let claims = AccessClaims {
            sub: user,
            org,
            role,
            sid: session,
            iat: now.timestamp(),
            exp: expires.timestamp(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing of serialisable claims cannot fail");
        (token, expires)
    }

    pub fn verify(&self, token: &str) -> Result<AccessClaims, AccessTokenError> {
        jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|error| match error.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => AccessTokenError::Expired,
                _ => AccessTokenError::Invalid,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_token_verifies_with_the_same_key_only() {
        let tokens = AccessTokens::new(&[7; 32]);
        let (user, org, session) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let (token, expires) = tokens.issue(user, org, Role::Manager, session, Utc::now());
        let claims = tokens.verify(&token).unwrap();
        assert_eq!(
            (claims.sub, claims.org, claims.role, claims.sid),
            (user, org, Role::Manager, session)
        );
        assert_eq!(claims.exp, expires.timestamp());
        assert_eq!(
            AccessTokens::new(&[8; 32]).verify(&token),
            Err(AccessTokenError::Invalid)
        );
        assert_eq!(tokens.verify("not.a.jwt"), Err(AccessTokenError::Invalid));
    }

    #[test]
    fn an_old_token_is_expired() {
        let tokens = AccessTokens::new(&[7; 32]);
        let (token, _) = tokens.issue(
            Uuid::new_v4(),
            Uuid::new_v4(),
            Role::User,
            Uuid::new_v4(),
            Utc::now() - Duration::hours(1),
        );
        assert_eq!(tokens.verify(&token), Err(AccessTokenError::Expired));
    }

    #[test]
    fn a_token_signed_with_none_is_refused() {
        let tokens = AccessTokens::new(&[7; 32]);
        let (token, _) = tokens.issue(
            Uuid::new_v4(),
            Uuid::new_v4(),
            Role::Admin,
            Uuid::new_v4(),
            Utc::now(),
        );
        let payload = token.split('.').nth(1).unwrap();
        let forged = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
        assert_eq!(tokens.verify(&forged), Err(AccessTokenError::Invalid));
    }
}
