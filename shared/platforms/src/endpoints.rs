use domain::Platform;

/// Where one platform's API lives. Every URL is configurable: production defaults, or the
/// platform sandbox on loopback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformUrls {
    pub api: String,
    pub authorize: String,
    pub token: String,
    pub revoke: Option<String>,
}

/// The URLs of every platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub x: PlatformUrls,
    pub meta: PlatformUrls,
    pub linkedin: PlatformUrls,
    pub tiktok: PlatformUrls,
}

impl Endpoints {
    /// The real platforms.
    pub fn production() -> Self {
        Endpoints {
            x: PlatformUrls {
                api: "https://api.x.com".into(),
                authorize: "https://x.com/i/oauth2/authorize".into(),
                token: "https://api.x.com/2/oauth2/token".into(),
                revoke: Some("https://api.x.com/2/oauth2/revoke".into()),
            },
            meta: PlatformUrls {
                api: "https://graph.facebook.com/v25.0".into(),
                authorize: "https://www.facebook.com/v25.0/dialog/oauth".into(),
                token: "https://graph.facebook.com/v25.0/oauth/access_token".into(),
                revoke: None,
            },
            linkedin: PlatformUrls {
                api: "https://api.linkedin.com".into(),
                authorize: "https://www.linkedin.com/oauth/v2/authorization".into(),
                token: "https://www.linkedin.com/oauth/v2/accessToken".into(),
                // LinkedIn offers no token revocation to apps.
                revoke: None,
            },
            tiktok: PlatformUrls {
                api: "https://open.tiktokapis.com".into(),
                authorize: "https://www.tiktok.com/v2/auth/authorize/".into(),
                token: "https://open.tiktokapis.com/v2/oauth/token/".into(),
                revoke: Some("https://open.tiktokapis.com/v2/oauth/revoke/".into()),
            },
        }
    }

    /// The platform sandbox at `base` (e.g. `http://127.0.0.1:4010`).
    pub fn sandbox(base: &str) -> Self {
        let base = base.trim_end_matches('/');
        let urls = |prefix: &str, api: String| PlatformUrls {
            api,
            authorize: format!("{base}/{prefix}/authorize"),
            token: format!("{base}/{prefix}/token"),
            revoke: Some(format!("{base}/{prefix}/revoke")),
        };
        Endpoints {
            x: urls("x", format!("{base}/x")),
            meta: PlatformUrls {
                token: format!("{base}/meta/v25.0/oauth/access_token"),
                revoke: None,
                ..urls("meta", format!("{base}/meta/v25.0"))
            },
            linkedin: urls("linkedin", format!("{base}/linkedin")),
            tiktok: urls("tiktok", format!("{base}/tiktok")),
        }
    }

    pub fn of(&self, platform: Platform) -> &PlatformUrls {
        match platform {
            Platform::X => &self.x,
            Platform::Facebook | Platform::Instagram => &self.meta,
            Platform::LinkedIn => &self.linkedin,
            Platform::TikTok => &self.tiktok,
        }
    }
}
