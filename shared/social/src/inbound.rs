//! What the platforms tell us through their webhooks (the `webhook-platforms` function):
//! comments and mentions become brand mentions (scored by the lexicon, for the crisis manager
//! and the inbox), a user removing our app marks their accounts `needs_reconnect`, and Meta's
//! data deletion requests delete the accounts they cover. Payloads are parsed here into
//! [`Inbound`] (pure, tested against the documented shapes), then applied once per delivery
//! through the webhook ledger.

use chrono::{DateTime, TimeZone, Utc};
use domain::Platform;
use runtime::AppState;
use serde_json::Value;
use store::social_accounts::{self, SocialAccount};
use store::tokio_postgres::Transaction;
use webhooks::ledger::{self, Applied, Receipt};

/// One comment or mention, as a platform reported it.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundMention {
    pub platform: Platform,
    /// Our connected account's platform id (the Page, the IG account, the X user, the
    /// LinkedIn organization).
    pub account: String,
    pub id: String,
    pub kind: &'static str,
    pub author: Option<String>,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

/// What one delivery says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inbound {
    pub mentions: Vec<InboundMention>,
    /// Platform identities (users or accounts) that removed our app.
    pub deauthorized: Vec<(Platform, String)>,
}

fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

fn id_text(value: &Value, pointer: &str) -> Option<String> {
    match value.pointer(pointer)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn unix(seconds: Option<i64>) -> Option<DateTime<Utc>> {
    seconds.and_then(|s| Utc.timestamp_opt(s, 0).single())
}

/// How a Meta deauthorization callback (a form, not JSON) is kept in `webhook_events`.
const META_DEAUTHORIZATION: &str = "meta_deauthorization";

/// Meta: `{"object":"page"|"instagram","entry":[{"id","time","changes":[{"field","value"}]}]}`.
/// Page `feed` changes with `item: comment` and Instagram `comments`/`mentions` with a text.
fn parse_meta(body: &Value, now: DateTime<Utc>) -> Inbound {
    if text(body, "/object") == Some(META_DEAUTHORIZATION) {
        return Inbound {
            mentions: Vec::new(),
            deauthorized: id_text(body, "/user_id")
                .map(|user| (Platform::Facebook, user))
                .into_iter()
                .collect(),
        };
    }
    let platform = match text(body, "/object") {
        Some("instagram") => Platform::Instagram,
        _ => Platform::Facebook,
    };
    let mut inbound = Inbound::default();
    for entry in body["entry"].as_array().into_iter().flatten() {
        let Some(account) = id_text(entry, "/id") else {
            continue;
        };
        let entry_time = unix(entry["time"].as_i64()).unwrap_or(now);
        for change in entry["changes"].as_array().into_iter().flatten() {
            let value = &change["value"];
            let field = text(change, "/field").unwrap_or_default();
            let mention = match (platform, field) {
                (Platform::Facebook, "feed")
                    if text(value, "/item") == Some("comment")
                        && text(value, "/verb").is_none_or(|v| v == "add") =>
                {
                    Some((
                        id_text(value, "/comment_id"),
                        "comment",
                        text(value, "/from/name"),
                        text(value, "/message"),
                        unix(value["created_time"].as_i64()),
                    ))
                }
                (Platform::Instagram, "comments" | "mentions") => Some((
                    id_text(value, "/id").or_else(|| id_text(value, "/comment_id")),
                    if field == "comments" {
                        "comment"
                    } else {
                        "mention"
                    },
                    text(value, "/from/username"),
                    text(value, "/text"),
                    None,
                )),
                _ => None,
            };
            if let Some((Some(id), kind, author, Some(words), at)) = mention {
                inbound.mentions.push(InboundMention {
                    platform,
                    account: account.clone(),
                    id,
                    kind,
                    author: author.map(str::to_owned),
                    text: words.to_owned(),
                    created_at: at.unwrap_or(entry_time),
                });
            }
        }
    }
    inbound
}

/// X Account Activity: `tweet_create_events` by others (mentions and replies), and
/// `user_event.revoke` when the user removed the app.
fn parse_x(body: &Value, now: DateTime<Utc>) -> Inbound {
    let mut inbound = Inbound::default();
    let Some(owner) = id_text(body, "/for_user_id") else {
        return inbound;
    };
    for tweet in body["tweet_create_events"].as_array().into_iter().flatten() {
        let author = id_text(tweet, "/user/id_str");
        let (Some(id), Some(words)) = (id_text(tweet, "/id_str"), text(tweet, "/text")) else {
            continue;
        };
        if author.as_deref() == Some(owner.as_str()) {
            continue; // Our own posts are not mentions.
        }
        let created_at = text(tweet, "/created_at")
            .and_then(|t| DateTime::parse_from_str(t, "%a %b %d %H:%M:%S %z %Y").ok())
            .map_or(now, |t| t.with_timezone(&Utc));
        let reply = id_text(tweet, "/in_reply_to_user_id_str").as_deref() == Some(owner.as_str());
        inbound.mentions.push(InboundMention {
            platform: Platform::X,
            account: owner.clone(),
            id,
            kind: if reply { "comment" } else { "mention" },
            author: text(tweet, "/user/screen_name").map(|s| format!("@{s}")),
            text: words.to_owned(),
            created_at,
        });
    }
    if let Some(user) = id_text(body, "/user_event/revoke/source/user_id") {
        inbound.deauthorized.push((Platform::X, user));
    }
    inbound
}

/// LinkedIn organization social action notifications: comments and mentions of the
/// organization.
fn parse_linkedin(body: &Value, now: DateTime<Utc>) -> Inbound {
    let mut inbound = Inbound::default();
    for note in body["notifications"].as_array().into_iter().flatten() {
        let kind = match text(note, "/action") {
            Some("COMMENT") => "comment",
            Some("SHARE_MENTION" | "COMMENT_MENTION") => "mention",
            _ => continue,
        };
        let (Some(account), Some(id)) = (
            text(note, "/organizationalEntity")
                .map(|urn| urn.rsplit(':').next().unwrap_or(urn).to_owned()),
            id_text(note, "/notificationId"),
        ) else {
            continue;
        };
        let Some(words) = text(note, "/decoratedGeneratedActivity/comment/text")
            .or_else(|| text(note, "/comment/text"))
            .or_else(|| text(note, "/text"))
        else {
            continue;
        };
        inbound.mentions.push(InboundMention {
            platform: Platform::LinkedIn,
            account,
            id,
            kind,
            author: text(note, "/actor").map(str::to_owned),
            text: words.to_owned(),
            created_at: note["lastModifiedAt"]
                .as_i64()
                .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
                .unwrap_or(now),
        });
    }
    inbound
}

/// TikTok: `authorization.removed` for a user's `user_openid`.
fn parse_tiktok(body: &Value) -> Inbound {
    let mut inbound = Inbound::default();
    if text(body, "/event") == Some("authorization.removed")
        && let Some(user) = id_text(body, "/user_openid")
    {
        inbound.deauthorized.push((Platform::TikTok, user));
    }
    inbound
}

/// What a delivery from `platform`'s webhook says.
pub fn parse(platform: Platform, body: &Value, now: DateTime<Utc>) -> Inbound {
    match platform {
        Platform::Facebook | Platform::Instagram => parse_meta(body, now),
        Platform::X => parse_x(body, now),
        Platform::LinkedIn => parse_linkedin(body, now),
        Platform::TikTok => parse_tiktok(body),
    }
}

/// The platforms one identity may be connected on (a Meta user manages Pages and Instagram
/// accounts alike).
fn family(platform: Platform) -> &'static [Platform] {
    match platform {
        Platform::Facebook | Platform::Instagram => &[Platform::Facebook, Platform::Instagram],
        Platform::X => &[Platform::X],
        Platform::LinkedIn => &[Platform::LinkedIn],
        Platform::TikTok => &[Platform::TikTok],
    }
}

/// What applying a delivery did.
#[derive(Debug, Default)]
pub struct InboundEffect {
    pub mentions_added: u64,
    /// Accounts that were healthy and now need reconnecting (their teams are told).
    pub newly_disconnected: Vec<SocialAccount>,
}

async fn apply(
    tx: &Transaction<'_>,
    inbound: &Inbound,
) -> Result<Applied<InboundEffect>, store::StoreError> {
    let mut effect = InboundEffect::default();
    // One lookup and one insert per account the delivery names, however many mentions it has.
    let mut by_account: Vec<((Platform, &str), Vec<&InboundMention>)> = Vec::new();
    for mention in &inbound.mentions {
        let key = (mention.platform, mention.account.as_str());
        match by_account.iter_mut().find(|(k, _)| *k == key) {
            Some((_, mentions)) => mentions.push(mention),
            None => by_account.push((key, vec![mention])),
        }
    }
    for ((platform, identity), mentions) in by_account {
        let scores: Vec<_> = mentions
            .iter()
            .map(|m| insights::sentiment::score(&m.text))
            .collect();
        for account in social_accounts::by_identity(tx, &[platform], identity).await? {
            if account.account_id != identity {
                continue; // Only the account itself receives comments, not its owner's others.
            }
            let rows: Vec<store::insights::NewMention<'_>> = mentions
                .iter()
                .zip(&scores)
                .map(|(m, score)| store::insights::NewMention {
                    social_account_id: account.id,
                    platform,
                    platform_mention_id: &m.id,
                    kind: m.kind,
                    author: m.author.as_deref(),
                    text: &m.text,
                    created_at: m.created_at,
                    sentiment: score.compound as f32,
                    label: score.label.as_str(),
                    scored_by: "lexicon",
                })
                .collect();
            effect.mentions_added +=
                store::insights::insert_mentions(tx, account.organization_id, &rows).await?;
        }
    }
    for (platform, identity) in &inbound.deauthorized {
        for account in social_accounts::by_identity(tx, family(*platform), identity).await? {
            let reason = format!(
                "the {} user removed this app's access",
                platform.display_name()
            );
            if social_accounts::mark_needs_reconnect(
                tx,
                account.organization_id,
                account.id,
                &reason,
            )
            .await?
            {
                effect.newly_disconnected.push(account);
            }
        }
    }
    Ok(Applied {
        organization_id: None,
        outcome: effect,
    })
}

/// Why a delivery was refused (nothing stored).
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("{0} webhooks are not configured")]
    NotConfigured(Platform),
    #[error("signature: {0}")]
    Signature(#[from] webhooks::Rejected),
    #[error("the body is not JSON: {0}")]
    Malformed(String),
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

/// The app's credentials for `platform`'s webhooks.
pub fn credentials(
    state: &AppState,
    platform: Platform,
) -> Result<&runtime::PlatformCredentials, Refused> {
    state
        .secrets
        .platforms
        .get(&platform)
        .ok_or(Refused::NotConfigured(platform))
}

/// Verifies, stores once (by the body's digest: the platforms send no event id) and applies
/// one delivery; the team hears about disconnected accounts after commit.
pub async fn receive(
    state: &AppState,
    platform: Platform,
    signature: Option<&str>,
    body: &[u8],
) -> Result<Receipt<InboundEffect>, Refused> {
    let secret = credentials(state, platform)?.webhook_signing_secret();
    webhooks::verify_platform(platform, signature, body, secret)?;
    let data: Value =
        serde_json::from_slice(body).map_err(|e| Refused::Malformed(e.to_string()))?;
    let digest = webhooks::body_digest(body);
    let inbound = parse(platform, &data, Utc::now());
    let kind = if inbound.deauthorized.is_empty() {
        "activity"
    } else {
        "deauthorization"
    };
    let receipt = ledger::receive(
        state,
        platform.as_str(),
        &digest,
        kind,
        &data,
        async |tx, _| apply(tx, &inbound).await,
    )
    .await?;
    Ok(announced(state, receipt).await)
}

/// A stored delivery tried again (the maintenance function).
pub async fn retry(
    state: &AppState,
    stored: &store::webhook_events::WebhookEvent,
) -> Result<Receipt<InboundEffect>, store::StoreError> {
    let platform: Platform = match stored.source.parse() {
        Ok(platform) => platform,
        Err(_) => return Ok(Receipt::Duplicate),
    };
    let inbound = parse(platform, &stored.event_data, stored.created_at);
    let receipt = ledger::process(state, stored, async |tx, _| apply(tx, &inbound).await).await?;
    Ok(announced(state, receipt).await)
}

/// After commit: the team hears about the accounts that now need reconnecting.
async fn announced(state: &AppState, receipt: Receipt<InboundEffect>) -> Receipt<InboundEffect> {
    let Receipt::Processed(effect) = &receipt else {
        return receipt;
    };
    if effect.newly_disconnected.is_empty() {
        return receipt;
    }
    let Ok(client) = state.db.client().await else {
        return receipt;
    };
    for account in &effect.newly_disconnected {
        crate::tokens::announce_needs_reconnect(
            state,
            &client,
            account,
            "its user removed the app's access on the platform",
        )
        .await;
    }
    receipt
}

/// Meta's deauthorization callback (`signed_request` naming the user): their accounts need
/// reconnecting. Returns how many were marked.
pub async fn meta_deauthorized(state: &AppState, signed_request: &str) -> Result<usize, Refused> {
    let user = meta_user(state, signed_request)?;
    // Stored in a shape `parse` reads back, so a retry applies it as the first attempt would.
    let data = serde_json::json!({ "object": META_DEAUTHORIZATION, "user_id": user });
    let inbound = parse(Platform::Facebook, &data, Utc::now());
    let receipt = ledger::receive(
        state,
        Platform::Facebook.as_str(),
        &webhooks::body_digest(signed_request.as_bytes()),
        "deauthorization",
        &data,
        async |tx, _| apply(tx, &inbound).await,
    )
    .await?;
    match announced(state, receipt).await {
        Receipt::Processed(effect) => Ok(effect.newly_disconnected.len()),
        _ => Ok(0),
    }
}

fn meta_user(state: &AppState, signed_request: &str) -> Result<String, Refused> {
    let secret = credentials(state, Platform::Facebook)?
        .client_secret
        .clone();
    let payload = webhooks::verify_meta_signed_request(signed_request, &secret)?;
    let payload: Value =
        serde_json::from_slice(&payload).map_err(|e| Refused::Malformed(e.to_string()))?;
    id_text(&payload, "/user_id").ok_or_else(|| Refused::Malformed("no user_id".into()))
}

/// Meta's data deletion callback: deletes the user's accounts everywhere and returns the
/// confirmation code (derived from the request, so a repeated callback gets the same one).
pub async fn meta_data_deletion(state: &AppState, signed_request: &str) -> Result<String, Refused> {
    let user = meta_user(state, signed_request)?;
    let code = webhooks::body_digest(format!("deletion:{user}").as_bytes())[..20].to_owned();
    let mut client = state.db.client().await?;
    let pg: &mut store::tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await.map_err(store::StoreError::from)?;
    let removed = social_accounts::delete_identity(&tx, family(Platform::Facebook), &user).await?;
    social_accounts::record_deletion(&tx, &code, Platform::Facebook, &user, removed as i32).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    tracing::info!(
        accounts_removed = removed,
        "Meta data deletion request honoured"
    );
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        Utc.timestamp_opt(1_795_608_000, 0).unwrap()
    }

    #[test]
    fn a_page_comment_becomes_a_comment_on_that_page() {
        let body = json!({"object": "page", "entry": [{"id": "1001", "time": 1_795_608_000, "changes": [
            {"field": "feed", "value": {"item": "comment", "verb": "add", "comment_id": "1001_77",
             "message": "Love the new flavour", "from": {"id": "9", "name": "Ann"}, "created_time": 1_795_607_990}},
            {"field": "feed", "value": {"item": "reaction", "verb": "add"}}]}]});
        let inbound = parse(Platform::Facebook, &body, now());
        assert_eq!(inbound.mentions.len(), 1);
        let m = &inbound.mentions[0];
        assert_eq!(
            (m.platform, m.account.as_str(), m.id.as_str(), m.kind),
            (Platform::Facebook, "1001", "1001_77", "comment")
        );
        assert_eq!(m.author.as_deref(), Some("Ann"));
        assert_eq!(m.created_at.timestamp(), 1_795_607_990);
    }

    #[test]
    fn instagram_comments_and_mentions_carry_their_text() {
        let body = json!({"object": "instagram", "entry": [{"id": "17841", "time": 1_795_608_000, "changes": [
            {"field": "comments", "value": {"id": "c1", "text": "so slow", "from": {"username": "bo"}}},
            {"field": "mentions", "value": {"comment_id": "c2", "text": "@brand help"}},
            {"field": "mentions", "value": {"media_id": "m3"}}]}]});
        let inbound = parse(Platform::Instagram, &body, now());
        let kinds: Vec<_> = inbound
            .mentions
            .iter()
            .map(|m| (m.platform, m.kind, m.id.as_str()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (Platform::Instagram, "comment", "c1"),
                (Platform::Instagram, "mention", "c2")
            ]
        );
    }

    #[test]
    fn x_activity_keeps_others_tweets_and_reports_a_revoke() {
        let body = json!({"for_user_id": "42", "tweet_create_events": [
            {"id_str": "t1", "text": "@brand broken again", "created_at": "Wed Nov 25 10:00:00 +0000 2026",
             "user": {"id_str": "7", "screen_name": "cat"}, "in_reply_to_user_id_str": "42"},
            {"id_str": "t2", "text": "our own post", "user": {"id_str": "42", "screen_name": "brand"}}],
            "user_event": {"revoke": {"source": {"user_id": "42"}}}});
        let inbound = parse(Platform::X, &body, now());
        assert_eq!(inbound.mentions.len(), 1);
        assert_eq!(inbound.mentions[0].kind, "comment");
        assert_eq!(inbound.mentions[0].author.as_deref(), Some("@cat"));
        assert_eq!(
            inbound.mentions[0].created_at.to_rfc3339(),
            "2026-11-25T10:00:00+00:00"
        );
        assert_eq!(inbound.deauthorized, vec![(Platform::X, "42".to_owned())]);
    }

    #[test]
    fn linkedin_comments_name_the_organization_and_tiktok_reports_a_removal() {
        let body = json!({"type": "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS", "notifications": [
            {"action": "COMMENT", "organizationalEntity": "urn:li:organization:555", "notificationId": 91,
             "actor": "urn:li:person:abc", "lastModifiedAt": 1_795_608_000_000_i64,
             "decoratedGeneratedActivity": {"comment": {"text": "Great update"}}},
            {"action": "LIKE", "organizationalEntity": "urn:li:organization:555", "notificationId": 92}]});
        let inbound = parse(Platform::LinkedIn, &body, now());
        assert_eq!(inbound.mentions.len(), 1);
        assert_eq!(
            (
                inbound.mentions[0].account.as_str(),
                inbound.mentions[0].id.as_str()
            ),
            ("555", "91")
        );
        let removed = parse(
            Platform::TikTok,
            &json!({"event": "authorization.removed", "user_openid": "act.1"}),
            now(),
        );
        assert_eq!(
            removed.deauthorized,
            vec![(Platform::TikTok, "act.1".to_owned())]
        );
    }
}
