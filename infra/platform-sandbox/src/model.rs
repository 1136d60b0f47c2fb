//! The sandbox's audience: deterministic followers, demographics and engagement, with a few
//! planted patterns that analytics and the agents are expected to find.
//!
//! Every number is a pure function of the account, the post and the sandbox clock, so a test
//! can predict it and a demo looks the same on every machine. The planted patterns:
//!
//! 1. **Evening peak.** Posts published Tuesday or Thursday between 17:00 and 19:59 UTC earn
//!    1.8× the engagement; weekend posts earn 0.6×; posts published 00:00–05:59 UTC 0.5×.
//! 2. **Content type.** Video earns 2×, carousels 1.5×, images 1.3× the engagement of text.
//! 3. **Hashtags.** One to three hashtags earn 1.2×; six or more 0.7×.
//! 4. **Account size.** Impressions scale with followers; the engagement *rate* falls as an
//!    account grows (6 % at zero followers, halved at 20,000).
//! 5. **Growth.** Followers grow 0.1 % a day from each account's base; they depend only on the
//!    account and the date, so growth charts are predictable.
//! 6. **Age.** A post collects its numbers over its first days: 1 − e^(−(age + ½ h)/10 h).
//!
//! Noise: ±15 % per post, from a hash of its id.

use crate::state::SandboxPost;

/// Seconds since the Unix epoch at which follower growth starts (2025-01-01T00:00:00Z).
const GROWTH_EPOCH: u64 = 1_735_689_600;

/// FNV-1a: a stable hash, so the same ids give the same numbers on every machine.
pub(crate) fn hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A number in [0, 1) derived from `text`.
fn unit(text: &str) -> f64 {
    (hash(text) % 10_000) as f64 / 10_000.0
}

/// The account's followers at `at` (unix seconds).
pub fn followers(account: &str, at: u64) -> u64 {
    let base = 800 + hash(account) % 40_000;
    let days = at.saturating_sub(GROWTH_EPOCH) as f64 / 86_400.0;
    (base as f64 * 1.001_f64.powf(days)).round() as u64
}

/// The content type of a post as the sandbox recorded its kind and media.
pub fn content_type(post: &SandboxPost) -> &'static str {
    match post.kind.as_str() {
        "video" | "reel" => "video",
        "carousel" => "carousel",
        "photo" if post.media.len() > 1 => "carousel",
        "image" | "photo" | "media" => "image",
        _ if !post.media.is_empty() => "image",
        _ => "text",
    }
}

pub fn hashtag_count(text: &str) -> usize {
    text.split_whitespace()
        .filter(|word| word.len() > 1 && word.starts_with('#'))
        .count()
}

/// The engagement multiplier of the hour of the week a post went out (planted pattern 1).
pub fn hour_factor(published: u64) -> f64 {
    // 1970-01-01 was a Thursday: day 0 = Thursday.
    let weekday = (published / 86_400 + 3) % 7; // 0 = Monday
    let hour = (published % 86_400) / 3_600;
    if (weekday == 1 || weekday == 3) && (17..20).contains(&hour) {
        1.8
    } else if weekday >= 5 {
        0.6
    } else if hour < 6 {
        0.5
    } else {
        1.0
    }
}

pub fn type_factor(content_type: &str) -> f64 {
    match content_type {
        "video" => 2.0,
        "carousel" => 1.5,
        "image" => 1.3,
        _ => 1.0,
    }
}

pub fn hashtag_factor(count: usize) -> f64 {
    match count {
        1..=3 => 1.2,
        0 | 4 | 5 => 1.0,
        _ => 0.7,
    }
}

/// What a post has earned by `now`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Engagement {
    pub impressions: u64,
    pub reach: u64,
    pub likes: u64,
    pub comments: u64,
    pub shares: u64,
    pub saves: u64,
    pub clicks: u64,
    pub video_views: u64,
}

pub fn engagement(post: &SandboxPost, account: &str, now: u64) -> Engagement {
    let published = post.created_unix;
    if now < published {
        return Engagement::default();
    }
    let audience = followers(account, published) as f64;
    let kind = content_type(post);
    let boost =
        hour_factor(published) * type_factor(kind) * hashtag_factor(hashtag_count(&post.text));
    let noise = 0.85 + 0.3 * unit(&post.id);
    let age_hours = (now - published) as f64 / 3_600.0;
    // The first viewers arrive at once (half an hour's worth), the rest over the first days.
    let grown = 1.0 - (-(age_hours + 0.5) / 10.0).exp();
    let impressions = audience * 0.3 * boost.sqrt() * noise * grown;
    let rate = 0.06 / (1.0 + audience / 20_000.0) * boost * noise;
    let engaged = impressions * rate;
    let count = |share: f64| (engaged * share).round() as u64;
    Engagement {
        impressions: impressions.round() as u64,
        reach: (impressions * 0.8).round() as u64,
        likes: count(0.70),
        comments: count(0.10),
        shares: count(0.08),
        saves: count(0.07),
        clicks: count(0.05),
        video_views: if kind == "video" {
            (impressions * 0.6).round() as u64
        } else {
            0
        },
    }
}

/// Shares of followers by (age group, gender), and by country.
pub type Demographics = (
    Vec<(&'static str, &'static str, f64)>,
    Vec<(&'static str, f64)>,
);

/// Followers by age group and gender, and by country, as shares that sum to 1.
pub fn demographics(account: &str) -> Demographics {
    const AGES: [&str; 5] = ["18-24", "25-34", "35-44", "45-54", "55-64"];
    const COUNTRIES: [&str; 5] = ["US", "GB", "DE", "FR", "BR"];
    let weights: Vec<(&str, &str, f64)> = AGES
        .iter()
        .flat_map(|age| {
            ["F", "M"].map(|gender| {
                let w = 1.0 + 3.0 * unit(&format!("{account}/{age}/{gender}"));
                (*age, gender, w)
            })
        })
        .collect();
    let total: f64 = weights.iter().map(|w| w.2).sum();
    let ages = weights
        .into_iter()
        .map(|(a, g, w)| (a, g, w / total))
        .collect();
    let weights: Vec<f64> = COUNTRIES
        .iter()
        .enumerate()
        .map(|(i, c)| (5 - i) as f64 * (1.0 + unit(&format!("{account}/{c}"))))
        .collect();
    let total: f64 = weights.iter().sum();
    let countries = COUNTRIES
        .iter()
        .zip(weights)
        .map(|(c, w)| (*c, w / total))
        .collect();
    (ages, countries)
}

/// A deterministic history of `days` days before `now` for planting: (created, kind, text, media).
pub fn history(
    account: &str,
    days: u32,
    per_day: u32,
    now: u64,
) -> Vec<(u64, &'static str, String, usize)> {
    const KINDS: [&str; 4] = ["text", "image", "video", "carousel"];
    const TOPICS: [&str; 6] = [
        "Behind the scenes of our spring collection",
        "Three tips for a calmer Monday",
        "Customer story: how Ana grew her shop",
        "New in: the weekend edit",
        "What we learned shipping 1,000 orders",
        "Quick poll: coffee or tea?",
    ];
    const TAGS: [&str; 8] = [
        "#launch",
        "#smallbusiness",
        "#tips",
        "#style",
        "#behindthescenes",
        "#community",
        "#new",
        "#sale",
    ];
    let mut posts = Vec::new();
    for day in (1..=days).rev() {
        for slot in 0..per_day {
            let key = format!("{account}/{day}/{slot}");
            let h = hash(&key);
            let midnight = (now - u64::from(day) * 86_400) / 86_400 * 86_400;
            let created = midnight + (h % 86_400);
            if created >= now {
                continue;
            }
            let kind = KINDS[(h / 7 % 4) as usize];
            let tags = (h / 31 % 8) as usize;
            let mut text = TOPICS[(h / 101 % 6) as usize].to_owned();
            for t in 0..tags {
                text.push(' ');
                text.push_str(TAGS[(t + (h / 13) as usize) % TAGS.len()]);
            }
            let media = match kind {
                "text" => 0,
                "carousel" => 3,
                _ => 1,
            };
            posts.push((created, kind, text, media));
        }
    }
    posts.sort_by_key(|p| p.0);
    posts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(id: &str, kind: &str, text: &str, created: u64) -> SandboxPost {
        SandboxPost {
            platform: domain::Platform::X,
            user: "u".into(),
            id: id.into(),
            kind: kind.into(),
            text: text.into(),
            media: if kind == "text" {
                vec![]
            } else {
                vec!["m".into()]
            },
            reply_to: None,
            created_unix: created,
        }
    }

    #[test]
    fn the_evening_peak_is_tuesday_and_thursday_from_17_to_20_utc() {
        // 2025-11-25 was a Tuesday.
        let tuesday_18 = 1_764_093_600;
        assert_eq!(hour_factor(tuesday_18), 1.8);
        assert_eq!(hour_factor(tuesday_18 + 2 * 3_600), 1.0);
        assert_eq!(hour_factor(tuesday_18 + 4 * 86_400), 0.6); // Saturday
    }

    #[test]
    fn video_beats_text_at_the_same_hour() {
        let at = 1_764_093_600;
        let later = at + 7 * 86_400;
        let video = engagement(&post("a", "video", "hi", at), "acct", later);
        let text = engagement(&post("a", "text", "hi", at), "acct", later);
        assert!(video.likes > text.likes * 3 / 2);
        assert!(video.video_views > 0 && text.video_views == 0);
    }

    #[test]
    fn numbers_grow_with_age_and_never_exist_before_publication() {
        let at = 1_764_093_600;
        let p = post("b", "image", "#a #b", at);
        assert_eq!(engagement(&p, "acct", at - 1), Engagement::default());
        let day = engagement(&p, "acct", at + 86_400);
        let week = engagement(&p, "acct", at + 7 * 86_400);
        assert!(week.impressions >= day.impressions && day.impressions > 0);
    }

    #[test]
    fn followers_grow_and_shares_sum_to_one() {
        assert!(followers("acct", GROWTH_EPOCH + 365 * 86_400) > followers("acct", GROWTH_EPOCH));
        let (ages, countries) = demographics("acct");
        assert!((ages.iter().map(|a| a.2).sum::<f64>() - 1.0).abs() < 1e-9);
        assert!((countries.iter().map(|c| c.1).sum::<f64>() - 1.0).abs() < 1e-9);
    }
}
