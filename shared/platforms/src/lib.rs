//! What every platform client shares: platform tokens encrypted at rest, the OAuth 2.0
//! authorization-code flow with PKCE, and one classification of failures that the publisher
//! acts on (retry, back off, refresh, reject, or never retry blindly).

mod client;
mod endpoints;
mod failure;
mod oauth;
mod token_cipher;

pub use client::{
    AccountFigures, Acting, AppCredentials, Audience, ConnectableAccount, Content, MediaItem,
    Mention, MetricsBatch, PlatformClient, PlatformPost, PostMetrics, PostsPage, PublicAccount,
    PublicPost, Published, TokenSet, metrics_batch_size,
};
pub use endpoints::{Endpoints, PlatformUrls};
pub use failure::{Failure, classify_http};
pub use oauth::{AuthorizationRequest, OAuthApp, Pkce, authorization_url, scopes};
pub use token_cipher::{CipherError, TokenCipher};
