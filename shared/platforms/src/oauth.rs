use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::Platform;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A PKCE pair: the verifier stays server-side (with the `state`, for 10 minutes), the S256
/// challenge goes into the authorization URL.
#[derive(Clone, PartialEq, Eq)]
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl std::fmt::Debug for Pkce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkce")
            .field("challenge", &self.challenge)
            .finish_non_exhaustive()
    }
}

impl Pkce {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self::from_verifier(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// RFC 7636: challenge = BASE64URL(SHA256(verifier)).
    pub fn from_verifier(verifier: String) -> Self {
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Pkce {
            verifier,
            challenge,
        }
    }
}

/// A platform app's public side of OAuth.
#[derive(Debug, Clone)]
pub struct OAuthApp {
    pub client_id: String,
    /// Where the platform's consent page lives (configurable: the sandbox locally).
    pub authorize_url: String,
}

#[derive(Debug, Clone)]
pub struct AuthorizationRequest<'a> {
    pub app: &'a OAuthApp,
    pub redirect_uri: &'a str,
    pub state: &'a str,
    pub pkce: &'a Pkce,
}

/// The scopes each platform needs to publish and read metrics.
pub const fn scopes(platform: Platform) -> &'static str {
    match platform {
        Platform::X => "tweet.read tweet.write users.read offline.access media.write",
        Platform::Facebook => {
            "pages_show_list,pages_manage_posts,pages_read_engagement,read_insights"
        }
        Platform::Instagram => {
            "instagram_basic,instagram_content_publish,instagram_manage_insights,pages_show_list"
        }
        Platform::LinkedIn => {
            "openid profile w_member_social w_organization_social r_organization_social"
        }
        Platform::TikTok => "user.info.basic,video.publish,video.list",
    }
}

/// The URL the user is sent to. TikTok names its client id `client_key`.
pub fn authorization_url(
    platform: Platform,
    request: &AuthorizationRequest<'_>,
) -> Result<String, url::ParseError> {
    let mut url = url::Url::parse(&request.app.authorize_url)?;
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("response_type", "code");
        let client_param = if platform == Platform::TikTok {
            "client_key"
        } else {
            "client_id"
        };
        query.append_pair(client_param, &request.app.client_id);
        query.append_pair("redirect_uri", request.redirect_uri);
        query.append_pair("scope", scopes(platform));
        query.append_pair("state", request.state);
        query.append_pair("code_challenge", &request.pkce.challenge);
        query.append_pair("code_challenge_method", "S256");
    }
    Ok(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_the_rfc_7636_s256_of_the_verifier() {
        // The example of RFC 7636, appendix B.
        let pkce = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".to_owned());
        assert_eq!(
            pkce.challenge,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let fresh = Pkce::generate();
        assert_eq!(fresh.verifier.len(), 43);
        assert!(!format!("{fresh:?}").contains(&fresh.verifier));
    }

    #[test]
    fn the_authorization_url_carries_state_and_challenge() {
        let app = OAuthApp {
            client_id: "cid".into(),
            authorize_url: "http://127.0.0.1:4010/tiktok/v2/auth/authorize/".into(),
        };
        let pkce = Pkce::from_verifier("v".repeat(43));
        let url = authorization_url(
            Platform::TikTok,
            &AuthorizationRequest {
                app: &app,
                redirect_uri: "https://api.example.com/api/social-accounts/callback",
                state: "s-123",
                pkce: &pkce,
            },
        )
        .unwrap();
        let parsed = url::Url::parse(&url).unwrap();
        let query: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
        assert_eq!(query["client_key"], "cid");
        assert_eq!(query["state"], "s-123");
        assert_eq!(query["code_challenge"], pkce.challenge);
        assert_eq!(query["code_challenge_method"], "S256");
        assert!(query["scope"].contains("video.publish"));
    }
}
