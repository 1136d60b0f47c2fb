//! What people say about a brand and how much a topic is talked about: X's mentions timeline
//! and recent tweet counts, with bursts and mention waves that tests and the demo plant.
//!
//! Planted on top of a deterministic background:
//! - **Volumes.** A query's hourly count is steady (a base from a hash of the query, 2–19 per
//!   hour, with a daily rhythm); `POST /_sandbox/trends {term, factor, hours}` multiplies the
//!   last `hours` hours of every query containing `term` by `factor`.
//! - **Mentions.** Every account gets three mentions a day for the last 14 days, mostly
//!   friendly, about one in eight a complaint; `POST /_sandbox/mentions {user, tone, count,
//!   within_minutes}` adds `count` mentions of one tone (negative, positive, neutral, mixed)
//!   spread over the last `within_minutes`.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::Platform;
use serde::Deserialize;
use serde_json::json;

use crate::guard::admit;
use crate::model::hash;
use crate::state::{Sandbox, page};
use crate::x::rfc3339;

#[derive(Debug, Clone)]
pub struct PlantedMention {
    pub user: String,
    pub id: String,
    pub author: String,
    pub text: String,
    pub created_unix: u64,
}

#[derive(Debug, Clone)]
pub struct PlantedBurst {
    pub term: String,
    pub factor: f64,
    pub hours: u64,
    pub planted_unix: u64,
}

const FRIENDLY: [&str; 7] = [
    "Loved my order from you today, thanks!",
    "Great coffee and friendly staff as always",
    "Anyone tried the new seasonal blend?",
    "What time do you open on Sunday?",
    "Best flat white in town, highly recommend",
    "Just picked up a bag of beans for the weekend",
    "Thanks for the quick delivery",
];
const NEGATIVE: [&str; 8] = [
    "Worst order ever, cold and stale. Really disappointed",
    "My package arrived broken and support ignored me. Unacceptable",
    "Found mold in the beans I bought. Disgusting, avoid",
    "Still waiting for my refund, terrible service",
    "Rude staff and overpriced drinks, never again",
    "I got sick after drinking this, not okay at all",
    "Your app charged me twice, this is a scam",
    "So angry right now, the recall notice came too late",
];
const MIXED: [&str; 3] = [
    "Love the taste, hate the price",
    "Great beans but the delivery was terrible",
    "Nice shop, rude barista though",
];

/// The background mentions of `user` over the 14 days before `now`.
fn background(user: &str, now: u64) -> Vec<PlantedMention> {
    let today = now / 86_400;
    (today.saturating_sub(14)..=today)
        .flat_map(|day| {
            (0..3).filter_map(move |k| {
                let key = format!("{user}/{day}/{k}");
                let h = hash(&key);
                let created = day * 86_400 + h % 86_400;
                let text = if h.is_multiple_of(8) {
                    NEGATIVE[(h / 8 % 8) as usize]
                } else {
                    FRIENDLY[(h / 8 % 7) as usize]
                };
                (created <= now).then(|| PlantedMention {
                    user: user.to_owned(),
                    id: format!("mb-{user}-{day}-{k}"),
                    author: format!("fan{}", h % 997),
                    text: text.to_owned(),
                    created_unix: created,
                })
            })
        })
        .collect()
}

#[derive(Deserialize)]
pub struct MentionWave {
    pub user: String,
    pub tone: String,
    pub count: u32,
    #[serde(default = "two_hours")]
    pub within_minutes: u64,
}

fn two_hours() -> u64 {
    120
}

pub async fn plant_mentions(
    State(sandbox): State<Sandbox>,
    Json(wave): Json<MentionWave>,
) -> Response {
    match sandbox.plant_mentions(&wave) {
        Some(count) => (StatusCode::CREATED, Json(json!({ "planted": count }))).into_response(),
        None => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "tone: negative, positive, neutral or mixed",
        )
            .into_response(),
    }
}

impl Sandbox {
    /// Adds a wave of mentions of one tone (none for an unknown tone); returns how many.
    pub fn plant_mentions(&self, wave: &MentionWave) -> Option<u32> {
        let texts: &[&str] = match wave.tone.as_str() {
            "negative" => &NEGATIVE,
            "positive" => &FRIENDLY[..3],
            "neutral" => &FRIENDLY[3..4],
            "mixed" => &MIXED,
            _ => return None,
        };
        let now = self.now();
        let span = wave.within_minutes.max(1) * 60;
        let count = wave.count.min(1_000);
        let mut state = self.lock();
        for i in 0..count {
            state.next += 1;
            let id = format!("mw-{}", state.next + 1_000_000);
            let created = now - span * u64::from(i) / u64::from(count.max(1));
            state.mentions.push(PlantedMention {
                user: wave.user.clone(),
                id,
                author: format!("user{}", i % 211),
                text: texts[i as usize % texts.len()].to_owned(),
                created_unix: created,
            });
        }
        Some(count)
    }

    /// Multiplies the last `hours` hours of every query containing `term` by `factor`.
    pub fn plant_burst(&self, burst: &Burst) -> bool {
        if !(burst.factor > 0.0 && burst.factor <= 1_000.0) || burst.term.trim().is_empty() {
            return false;
        }
        let now = self.now();
        self.lock().bursts.push(PlantedBurst {
            term: burst.term.to_lowercase(),
            factor: burst.factor,
            hours: burst.hours.clamp(1, 168),
            planted_unix: now,
        });
        true
    }
}

/// `GET /2/users/{id}/mentions`: posts mentioning the user, newest first, from `start_time`.
pub async fn mentions(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(response) = admit(&sandbox, Platform::X, &headers, None, "/mentions").await {
        return response;
    }
    let now = sandbox.now();
    let since = query
        .get("start_time")
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map_or(0, |t| t.timestamp().max(0) as u64);
    let size = query
        .get("max_results")
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(10)
        .clamp(5, 100);
    let mut all = background(&id, now);
    all.extend(
        sandbox
            .lock()
            .mentions
            .iter()
            .filter(|m| m.user == id)
            .cloned(),
    );
    all.retain(|m| m.created_unix >= since && m.created_unix <= now);
    all.sort_by(|a, b| b.created_unix.cmp(&a.created_unix).then(b.id.cmp(&a.id)));
    let (window, next) = page(
        &all,
        query.get("pagination_token").map(String::as_str),
        size,
    );
    let data: Vec<_> = window
        .iter()
        .map(|m| json!({ "id": m.id, "text": m.text, "author_id": m.author, "created_at": rfc3339(m.created_unix) }))
        .collect();
    let mut meta = json!({ "result_count": data.len() });
    if let Some(next) = next {
        meta["next_token"] = json!(next);
    }
    Json(json!({ "data": data, "meta": meta })).into_response()
}

#[derive(Deserialize)]
pub struct Burst {
    pub term: String,
    pub factor: f64,
    #[serde(default = "one_day")]
    pub hours: u64,
}

fn one_day() -> u64 {
    24
}

pub async fn plant_burst(State(sandbox): State<Sandbox>, Json(burst): Json<Burst>) -> Response {
    if sandbox.plant_burst(&burst) {
        StatusCode::CREATED.into_response()
    } else {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "term and 0 < factor ≤ 1000",
        )
            .into_response()
    }
}

/// `GET /2/tweets/counts/recent?query=…&granularity=hour`: the last seven days, hour by hour.
pub async fn recent_counts(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(response) = admit(&sandbox, Platform::X, &headers, None, "/counts/recent").await {
        return response;
    }
    let Some(text) = query.get("query").filter(|q| !q.trim().is_empty()) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "title": "Invalid Request", "detail": "query is required" })),
        )
            .into_response();
    };
    let text = text.to_lowercase();
    let now = sandbox.now();
    let bursts: Vec<PlantedBurst> = sandbox
        .lock()
        .bursts
        .iter()
        .filter(|b| text.contains(&b.term))
        .cloned()
        .collect();
    let base = 2.0 + (hash(&text) % 18) as f64;
    let last_hour = now / 3_600;
    let mut total = 0_u64;
    let data: Vec<_> = (last_hour - 167..=last_hour)
        .map(|hour| {
            let rhythm = 1.0 + 0.4 * (((hour % 24) as f64 - 6.0) / 24.0 * std::f64::consts::TAU).sin();
            let wobble = 0.9 + 0.2 * (hash(&format!("{text}/{hour}")) % 100) as f64 / 100.0;
            let factor: f64 = bursts
                .iter()
                .filter(|b| hour * 3_600 + 3_600 > b.planted_unix.saturating_sub(b.hours * 3_600) && hour * 3_600 <= b.planted_unix)
                .map(|b| b.factor)
                .product();
            let count = (base * rhythm * wobble * factor).round() as u64;
            total += count;
            json!({ "start": rfc3339(hour * 3_600), "end": rfc3339(hour * 3_600 + 3_600), "tweet_count": count })
        })
        .collect();
    Json(json!({ "data": data, "meta": { "total_tweet_count": total } })).into_response()
}
