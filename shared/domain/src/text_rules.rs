//! Platform text rules: limits, X's weighted length, hashtag caps, LinkedIn's escaping. The one
//! place post preview, validation and the publishing clients read.

use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

use crate::Platform;

/// Every URL counts as this many weighted characters on X, whatever its length.
pub const X_URL_WEIGHT: usize = 23;

/// How a platform measures and limits post text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextLimits {
    pub max_length: usize,
    /// X weighs characters (most non-Latin count 2) and URLs (23 each).
    pub weighted: bool,
}

impl Platform {
    pub const fn text_limits(self) -> TextLimits {
        match self {
            Platform::X => TextLimits {
                max_length: 280,
                weighted: true,
            },
            Platform::LinkedIn => TextLimits {
                max_length: 3000,
                weighted: false,
            },
            Platform::Instagram => TextLimits {
                max_length: 2200,
                weighted: false,
            },
            Platform::Facebook => TextLimits {
                max_length: 63_206,
                weighted: false,
            },
            // The TikTok video title (photo posts: title 90, description 4,000).
            Platform::TikTok => TextLimits {
                max_length: 2200,
                weighted: false,
            },
        }
    }
}

/// Hashtag caps that change more often than code: Instagram's API documents 30, and since
/// December 2025 the app enforces 5. Configuration decides; the default is the stricter one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashtagCaps {
    pub instagram: usize,
}

impl Default for HashtagCaps {
    fn default() -> Self {
        HashtagCaps { instagram: 5 }
    }
}

impl HashtagCaps {
    pub fn for_platform(&self, platform: Platform) -> Option<usize> {
        match platform {
            Platform::Instagram => Some(self.instagram),
            _ => None,
        }
    }
}

/// The text of one post measured against one platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextReport {
    pub length: usize,
    pub max_length: usize,
    pub hashtags: usize,
    pub max_hashtags: Option<usize>,
    /// Reasons the platform would refuse the text; empty when it fits.
    pub errors: Vec<String>,
}

impl TextReport {
    pub fn fits(&self) -> bool {
        self.errors.is_empty()
    }
}

pub fn check_text(platform: Platform, text: &str, caps: &HashtagCaps) -> TextReport {
    let limits = platform.text_limits();
    let length = if limits.weighted {
        x_weighted_length(text)
    } else {
        text.nfc().count()
    };
    let hashtags = hashtags(text).len();
    let max_hashtags = caps.for_platform(platform);
    let mut errors = Vec::new();
    if length > limits.max_length {
        errors.push(format!(
            "{} characters over {platform}'s limit of {}",
            length - limits.max_length,
            limits.max_length
        ));
    }
    if let Some(cap) = max_hashtags.filter(|cap| hashtags > *cap) {
        errors.push(format!("{hashtags} hashtags, {platform} allows {cap}"));
    }
    TextReport {
        length,
        max_length: limits.max_length,
        hashtags,
        max_hashtags,
        errors,
    }
}

/// Whether a code point weighs 1 on X (Latin and common punctuation ranges), else 2.
fn x_light(c: char) -> bool {
    matches!(c as u32, 0x0000..=0x10FF | 0x2000..=0x200D | 0x2010..=0x201F | 0x2032..=0x2037)
}

fn looks_like_url(token: &str) -> bool {
    let lower = token.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return lower.len() > "https://".len();
    }
    let host = lower.strip_prefix("www.").unwrap_or(&lower);
    let host = host.split(['/', '?', '#']).next().unwrap_or_default();
    const TLDS: &[&str] = &[
        "com", "org", "net", "io", "co", "dev", "app", "ai", "me", "info", "biz", "edu", "gov",
        "uk", "de", "fr", "es", "it", "nl", "eu", "us", "ca", "au", "jp", "in", "br", "ly", "gl",
        "tv",
    ];
    let mut labels = host.split('.');
    let first = labels.next().unwrap_or_default();
    let rest: Vec<&str> = labels.collect();
    !first.is_empty()
        && !rest.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && rest.iter().all(|label| !label.is_empty())
        && rest.last().is_some_and(|tld| TLDS.contains(tld))
}

/// X's weighted length: NFC-normalised; each URL 23; code points in the light ranges 1, others
/// 2; an emoji sequence (one grapheme) 2 once.
pub fn x_weighted_length(text: &str) -> usize {
    let text: String = text.nfc().collect();
    let mut total = 0;
    for token in text.split_word_bounds_preserving_urls() {
        let trimmed =
            token.trim_end_matches(['.', ',', '!', '?', ';', ':', ')', ']', '}', '\'', '"']);
        if looks_like_url(trimmed) {
            total += X_URL_WEIGHT + weigh_graphemes(&token[trimmed.len()..]);
        } else {
            total += weigh_graphemes(token);
        }
    }
    total
}

fn weigh_graphemes(text: &str) -> usize {
    text.graphemes(true)
        .map(|grapheme| {
            let mut chars = grapheme.chars();
            let first = chars.next().unwrap_or(' ');
            let is_emoji_sequence = grapheme
                .chars()
                .any(|c| c == '\u{200D}' || c == '\u{FE0F}' || (c as u32) >= 0x1F000);
            if is_emoji_sequence {
                2
            } else {
                // Combining marks after NFC are rare; each code point still weighs.
                std::iter::once(first)
                    .chain(chars)
                    .map(|c| if x_light(c) { 1 } else { 2 })
                    .sum()
            }
        })
        .sum()
}

/// Splits into whitespace and non-whitespace runs, so URLs stay whole.
trait SplitRuns {
    fn split_word_bounds_preserving_urls(&self) -> Vec<&str>;
}

impl SplitRuns for str {
    fn split_word_bounds_preserving_urls(&self) -> Vec<&str> {
        let mut runs = Vec::new();
        let mut start = 0;
        let mut in_space = None;
        for (index, c) in self.char_indices() {
            let space = c.is_whitespace();
            if in_space.is_some_and(|s| s != space) {
                runs.push(&self[start..index]);
                start = index;
            }
            in_space = Some(space);
        }
        if start < self.len() {
            runs.push(&self[start..]);
        }
        runs
    }
}

/// Hashtags in order of appearance (`#` then letters, digits or `_`, not all digits).
pub fn hashtags(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts = (chars[i] == '#' || chars[i] == '＃')
            && (i == 0
                || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_' || chars[i - 1] == '&'));
        if starts {
            let tag: String = chars[i + 1..]
                .iter()
                .take_while(|c| c.is_alphanumeric() || **c == '_')
                .collect();
            if !tag.is_empty() && !tag.chars().all(|c| c.is_ascii_digit()) {
                i += tag.chars().count();
                found.push(tag);
            }
        }
        i += 1;
    }
    found
}

/// The text exactly as it goes over the wire to `platform`: what the preview shows and what the
/// client sends are the same bytes.
pub fn text_as_sent(platform: Platform, text: &str) -> String {
    match platform {
        Platform::LinkedIn => linkedin_commentary(text),
        _ => text.to_owned(),
    }
}

/// LinkedIn's "little text" format treats these as markup; unescaped, a post may be truncated.
/// Hashtags become LinkedIn's hashtag template (`{hashtag|\#|launch}`), so they stay hashtags.
pub fn linkedin_commentary(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut escaped = String::with_capacity(text.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '#' {
            let starts_word = i == 0 || !is_tag_char(chars[i - 1]);
            let tag: String = chars[i + 1..]
                .iter()
                .take_while(|c| is_tag_char(**c))
                .collect();
            if starts_word && tag.chars().any(|c| !c.is_ascii_digit()) {
                escaped.push_str("{hashtag|\\#|");
                escaped.push_str(&tag);
                escaped.push('}');
                i += 1 + tag.chars().count();
                continue;
            }
        }
        if matches!(
            c,
            '\\' | '|'
                | '{'
                | '}'
                | '@'
                | '['
                | ']'
                | '('
                | ')'
                | '<'
                | '>'
                | '#'
                | '*'
                | '_'
                | '~'
        ) {
            escaped.push('\\');
        }
        escaped.push(c);
        i += 1;
    }
    escaped
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_text_weighs_one_per_character() {
        assert_eq!(x_weighted_length("Hello, world!"), 13);
        assert_eq!(x_weighted_length("café — “quoted”"), 15);
    }

    #[test]
    fn cjk_weighs_two_and_emoji_sequences_count_once() {
        assert_eq!(x_weighted_length("日本語"), 6);
        assert_eq!(x_weighted_length("👍"), 2);
        // Family: man, ZWJ, woman, ZWJ, girl: one sequence.
        assert_eq!(x_weighted_length("👨\u{200D}👩\u{200D}👧"), 2);
        assert_eq!(x_weighted_length("ok 👍🏽"), 5);
    }

    #[test]
    fn every_url_counts_23_whatever_its_length() {
        let long = format!("see https://example.com/{}", "a".repeat(200));
        assert_eq!(x_weighted_length(&long), 4 + 23);
        assert_eq!(x_weighted_length("visit example.com."), 6 + 23 + 1);
        assert_eq!(x_weighted_length("not.a-url"), 9);
    }

    #[test]
    fn nfc_normalisation_happens_first() {
        // "e" + combining acute is one code point after NFC.
        assert_eq!(x_weighted_length("e\u{301}"), 1);
    }

    #[test]
    fn the_x_limit_is_weighted() {
        let report = check_text(Platform::X, &"日".repeat(141), &HashtagCaps::default());
        assert_eq!(report.length, 282);
        assert!(!report.fits());
        assert!(
            check_text(
                Platform::LinkedIn,
                &"日".repeat(141),
                &HashtagCaps::default()
            )
            .fits()
        );
    }

    #[test]
    fn hashtags_are_found_and_capped_on_instagram() {
        assert_eq!(
            hashtags("#launch day! #2026 #rust_lang a#b &#35;"),
            ["launch", "rust_lang"]
        );
        let text = "#a #b #c #d #e #f";
        let strict = check_text(Platform::Instagram, text, &HashtagCaps::default());
        assert_eq!(
            (strict.hashtags, strict.max_hashtags, strict.fits()),
            (6, Some(5), false)
        );
        assert!(check_text(Platform::Instagram, text, &HashtagCaps { instagram: 30 }).fits());
        assert!(check_text(Platform::X, text, &HashtagCaps::default()).fits());
    }

    #[test]
    fn linkedin_markup_characters_are_escaped_and_hashtags_stay_hashtags() {
        assert_eq!(
            linkedin_commentary("Hi @team (v2) #launch *bold*"),
            r"Hi \@team \(v2\) {hashtag|\#|launch} \*bold\*"
        );
        assert_eq!(
            linkedin_commentary("Ship it!\n\n#launch #day_2 #42 a#b"),
            "Ship it!\n\n{hashtag|\\#|launch} {hashtag|\\#|day_2} \\#42 a\\#b"
        );
        assert_eq!(linkedin_commentary(r"a\b"), r"a\\b");
    }
}
