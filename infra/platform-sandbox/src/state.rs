use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use domain::Platform;

use crate::model;
use serde::{Deserialize, Serialize};

/// A fault to inject, as tests and the dev UI ask for it through `POST /_sandbox/faults`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// 429 with the platform's reset information.
    RateLimited { reset_after_secs: u64 },
    /// The call succeeds but was the window's last: X's `x-rate-limit-remaining: 0`.
    WindowUsedUp { reset_after_secs: u64 },
    /// 500 (on a publish call the outcome is unknown: the post may exist).
    ServerError,
    /// 503: the platform did not take the request (safe to retry).
    Unavailable,
    /// Answers after `millis`, past a client's timeout.
    Slow { millis: u64 },
    /// The token is refused as expired.
    ExpiredToken,
    /// The platform refuses the content with `reason`.
    Rejected { reason: String },
    /// The post IS created, but the answer comes only after `millis` (a lost response).
    LostResponse { millis: u64 },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fault {
    pub platform: Option<Platform>,
    /// Only requests of this platform user (the id the profile endpoint reports).
    pub user: Option<String>,
    /// Only requests whose path contains this text.
    pub path_contains: Option<String>,
    #[serde(flatten)]
    pub kind: FaultKind,
    /// How many matching requests it applies to.
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone)]
pub struct PendingCode {
    pub platform: Platform,
    pub client_id: String,
    pub redirect_uri: String,
    pub challenge: Option<String>,
    pub user: String,
}

#[derive(Debug, Clone)]
pub struct Grant {
    pub platform: Platform,
    pub user: String,
    pub expires_at: u64,
    /// A Facebook Page token: the Page it acts for. User tokens have none.
    pub page: Option<String>,
}

/// A post as the platform stored it: the sandbox's record of what was published, so tests can
/// count duplicates.
#[derive(Debug, Clone, Serialize)]
pub struct SandboxPost {
    pub platform: Platform,
    pub user: String,
    pub id: String,
    pub kind: String,
    pub text: String,
    pub media: Vec<String>,
    pub reply_to: Option<String>,
    pub created_unix: u64,
}

/// An Instagram container, or a TikTok publish, that becomes ready after a few polls.
#[derive(Debug, Clone)]
pub struct Pending {
    pub user: String,
    pub kind: String,
    pub text: String,
    pub media: Vec<String>,
    pub children: Vec<String>,
    pub polls: u32,
    pub published_id: Option<String>,
}

/// An X chunked media upload in progress.
#[derive(Debug, Clone)]
pub struct Chunked {
    pub total: usize,
    pub received: usize,
    pub segments: usize,
    pub finalized: bool,
    pub polls: u32,
}

#[derive(Default)]
pub struct State {
    pub next: u64,
    pub codes: HashMap<String, PendingCode>,
    pub access: HashMap<String, Grant>,
    pub refresh: HashMap<String, (Platform, String)>,
    pub posts: Vec<SandboxPost>,
    pub pending: HashMap<String, Pending>,
    pub uploads: HashMap<String, usize>,
    pub chunked: HashMap<String, Chunked>,
    pub faults: Vec<Fault>,
    pub revoked: Vec<String>,
    pub mentions: Vec<crate::listening::PlantedMention>,
    pub bursts: Vec<crate::listening::PlantedBurst>,
    pub stripe: crate::stripe::StripeState,
    pub google_tokens: Vec<String>,
    pub receivers: HashMap<String, crate::receivers::Receiver>,
}

/// How long sandbox access tokens live; short, so refresh paths get exercised.
pub const ACCESS_TTL_SECS: u64 = 3600;

#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Mutex<State>>,
    pub started: Instant,
    /// Where the sandbox is reachable (for upload URLs it hands out).
    pub base_url: Arc<Mutex<String>>,
    /// Seconds the sandbox's clock runs ahead of (or, negative, behind) the real one: what
    /// posts exist and what they have earned is judged at that time (`PUT /_sandbox/clock`).
    clock_offset: Arc<AtomicI64>,
}

pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("clock_offset", &self.clock_offset)
            .finish_non_exhaustive()
    }
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox {
            inner: Arc::new(Mutex::new(State::default())),
            started: Instant::now(),
            base_url: Arc::new(Mutex::new(String::new())),
            clock_offset: Arc::new(AtomicI64::new(0)),
        }
    }
}

impl Sandbox {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A fresh identifier with a prefix, e.g. `tweet-17`.
    pub fn id(&self, prefix: &str) -> String {
        let mut state = self.lock();
        state.next += 1;
        format!("{prefix}{}", state.next + 1_000_000)
    }

    pub fn issue_tokens(&self, platform: Platform, user: &str) -> (String, String) {
        let access = format!("sbx-{}-{}", platform, uuid::Uuid::new_v4().simple());
        let refresh = format!("sbr-{}-{}", platform, uuid::Uuid::new_v4().simple());
        let mut state = self.lock();
        state.access.insert(
            access.clone(),
            Grant {
                platform,
                user: user.to_owned(),
                expires_at: now_unix() + ACCESS_TTL_SECS,
                page: None,
            },
        );
        state
            .refresh
            .insert(refresh.clone(), (platform, user.to_owned()));
        (access, refresh)
    }

    /// The user a bearer token belongs to, if it is live for this platform.
    pub fn user_of(&self, platform: Platform, bearer: Option<&str>) -> Option<String> {
        let token = bearer?;
        let state = self.lock();
        let grant = state.access.get(token)?;
        (grant.platform == platform && grant.expires_at > now_unix()).then(|| grant.user.clone())
    }

    /// A Page token, as Meta issues one from a long-lived user token: it acts for that Page
    /// only, has no refresh token and does not expire.
    pub fn issue_page_token(&self, user: &str, page: &str) -> String {
        let token = format!("sbx-facebook-page-{}", uuid::Uuid::new_v4().simple());
        self.lock().access.insert(
            token.clone(),
            Grant {
                platform: Platform::Facebook,
                user: user.to_owned(),
                expires_at: now_unix() + 10 * 365 * 24 * 3600,
                page: Some(page.to_owned()),
            },
        );
        token
    }

    /// The Page a live token acts for (`Some(None)` for a user token).
    pub fn page_of_token(&self, token: Option<&str>) -> Option<Option<String>> {
        let state = self.lock();
        let grant = state.access.get(token?)?;
        (grant.expires_at > now_unix()).then(|| grant.page.clone())
    }

    /// Takes the first matching fault, counting it down.
    pub fn take_fault(
        &self,
        platform: Platform,
        user: Option<&str>,
        path: &str,
    ) -> Option<FaultKind> {
        self.take_first(|f| {
            f.platform.is_none_or(|p| p == platform)
                && f.user.as_deref().is_none_or(|u| Some(u) == user)
                && f.path_contains.as_deref().is_none_or(|p| path.contains(p))
        })
    }

    /// A fault aimed at an unauthenticated endpoint (the token endpoint): only faults that name
    /// a part of its path apply, so platform-wide faults keep hitting the API calls.
    pub fn take_endpoint_fault(&self, platform: Platform, path: &str) -> Option<FaultKind> {
        self.take_first(|f| {
            f.platform.is_none_or(|p| p == platform)
                && f.user.is_none()
                && f.path_contains.as_deref().is_some_and(|p| path.contains(p))
        })
    }

    /// Takes the first fault that still applies and matches, counting it down.
    fn take_first(&self, matches: impl Fn(&Fault) -> bool) -> Option<FaultKind> {
        let mut state = self.lock();
        let index = state
            .faults
            .iter()
            .position(|f| f.times > 0 && matches(f))?;
        let fault = &mut state.faults[index];
        fault.times -= 1;
        let kind = fault.kind.clone();
        if fault.times == 0 {
            state.faults.remove(index);
        }
        Some(kind)
    }

    pub fn record_post(&self, post: SandboxPost) {
        self.lock().posts.push(post);
    }

    /// The sandbox's time: real time moved by the offset tests and the demo seeding set.
    pub fn now(&self) -> u64 {
        now_unix().saturating_add_signed(self.clock_offset.load(Ordering::Relaxed))
    }

    pub fn set_clock(&self, unix: u64) {
        let offset = unix as i64 - now_unix() as i64;
        self.clock_offset.store(offset, Ordering::Relaxed);
    }

    /// A published post and what it has earned by the sandbox's now, if it exists by then.
    pub fn engagement_of(&self, id: &str) -> Option<(SandboxPost, model::Engagement)> {
        let now = self.now();
        let state = self.lock();
        let post = state
            .posts
            .iter()
            .find(|p| p.id == id && p.created_unix <= now)?;
        let account = account_of(post.platform, &post.user);
        Some((post.clone(), model::engagement(post, &account, now)))
    }

    /// The account's posts that exist by the sandbox's now, newest first.
    pub fn posts_of(&self, platform: Platform, user: &str) -> Vec<SandboxPost> {
        let now = self.now();
        let state = self.lock();
        let mut posts: Vec<SandboxPost> = state
            .posts
            .iter()
            .filter(|p| p.platform == platform && p.user == user && p.created_unix <= now)
            .cloned()
            .collect();
        posts.sort_by(|a, b| b.created_unix.cmp(&a.created_unix).then(b.id.cmp(&a.id)));
        posts
    }

    /// Posts the user published on the platform directly over the `days` before the sandbox's
    /// now (`per_day` a day, deterministic); returns how many.
    pub fn plant_history(&self, platform: Platform, user: &str, days: u32, per_day: u32) -> usize {
        let account = account_of(platform, user);
        let planted = model::history(&account, days, per_day, self.now());
        let count = planted.len();
        for (created, kind, text, media) in planted {
            let id = self.id("");
            let id = match platform {
                Platform::LinkedIn => format!("urn:li:share:{id}"),
                Platform::Facebook => format!("{account}_{id}"),
                _ => id,
            };
            self.record_post(SandboxPost {
                platform,
                user: user.to_owned(),
                id,
                kind: kind.to_owned(),
                text,
                media: (0..media)
                    .map(|i| format!("https://media.example/{i}.jpg"))
                    .collect(),
                reply_to: None,
                created_unix: created,
            });
        }
        count
    }

    /// A public account we know only by name (a competitor): its last 30 days of posts, newest
    /// first, made up on the fly (deterministic) with what they have earned by now.
    pub fn public_posts(
        &self,
        platform: Platform,
        account: &str,
    ) -> Vec<(SandboxPost, model::Engagement)> {
        let now = self.now();
        let mut posts: Vec<(SandboxPost, model::Engagement)> = model::history(account, 30, 1, now)
            .into_iter()
            .enumerate()
            .map(|(i, (created, kind, text, media))| {
                let post = SandboxPost {
                    platform,
                    user: account.to_owned(),
                    id: format!("{account}-{i}"),
                    kind: kind.to_owned(),
                    text,
                    media: (0..media)
                        .map(|m| format!("https://media.example/{m}.jpg"))
                        .collect(),
                    reply_to: None,
                    created_unix: created,
                };
                let earned = model::engagement(&post, account, now);
                (post, earned)
            })
            .collect();
        posts.reverse();
        posts
    }

    /// Followers of the platform account at the sandbox's now.
    pub fn followers_of(&self, platform: Platform, user: &str) -> u64 {
        model::followers(&account_of(platform, user), self.now())
    }
}

/// The platform's id of a user's account: their Page and Instagram account for Meta.
pub fn account_of(platform: Platform, user: &str) -> String {
    match platform {
        Platform::Facebook => format!("page-{user}"),
        Platform::Instagram => format!("ig-{user}"),
        _ => user.to_owned(),
    }
}

/// A window of a newest-first list: items after `cursor` (an offset) and the next cursor.
pub fn page<T: Clone>(items: &[T], cursor: Option<&str>, size: usize) -> (Vec<T>, Option<String>) {
    let start = cursor.and_then(|c| c.parse::<usize>().ok()).unwrap_or(0);
    let end = (start + size).min(items.len());
    let window = items.get(start..end).unwrap_or_default().to_vec();
    let next = (end < items.len()).then(|| end.to_string());
    (window, next)
}
