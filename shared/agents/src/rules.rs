//! Fitting generated text to a platform's rules when the model could not: cut at a sentence
//! (or word) boundary, drop surplus hashtags, or split X text into a thread. Measuring is
//! `domain::check_text`, the same check the composer and the publisher use.

use domain::{HashtagCaps, Platform, check_text};
use unicode_segmentation::UnicodeSegmentation;

fn fits(platform: Platform, text: &str) -> bool {
    check_text(platform, text, &HashtagCaps::default()).fits()
}

/// Drops hashtags from the end until the platform's cap holds.
fn within_hashtag_cap(platform: Platform, text: &str) -> String {
    let Some(cap) = HashtagCaps::default().for_platform(platform) else {
        return text.to_owned();
    };
    let mut words: Vec<&str> = text.split(' ').collect();
    while domain::hashtags(&words.join(" ")).len() > cap {
        let Some(last) = words.iter().rposition(|w| w.starts_with('#')) else {
            break;
        };
        words.remove(last);
    }
    words.join(" ").trim().to_owned()
}

/// The longest prefix of `text` that fits, ending at a sentence end when one fits, else at a
/// word with an ellipsis.
pub fn cut_to_fit(platform: Platform, text: &str) -> String {
    let text = within_hashtag_cap(platform, text);
    if fits(platform, &text) {
        return text;
    }
    let sentences: Vec<&str> = text.split_sentence_bounds().collect();
    let mut best = String::new();
    let mut candidate = String::new();
    for sentence in &sentences {
        candidate.push_str(sentence);
        let trimmed = candidate.trim_end();
        if fits(platform, trimmed) {
            best = trimmed.to_owned();
        } else {
            break;
        }
    }
    if !best.is_empty() {
        return best;
    }
    let mut words = String::new();
    for word in text.split_word_bounds() {
        let next = format!("{words}{word}");
        if !fits(platform, &format!("{}…", next.trim_end())) {
            break;
        }
        words = next;
    }
    format!("{}…", words.trim_end())
}

/// X text as a thread: whole sentences packed into posts that each fit.
pub fn split_into_thread(text: &str) -> Vec<String> {
    let mut posts: Vec<String> = Vec::new();
    let mut current = String::new();
    for sentence in text.split_sentence_bounds() {
        let joined = format!("{current}{sentence}");
        if fits(Platform::X, joined.trim()) {
            current = joined;
            continue;
        }
        if !current.trim().is_empty() {
            posts.push(current.trim().to_owned());
        }
        current = if fits(Platform::X, sentence.trim()) {
            sentence.to_owned()
        } else {
            posts.push(cut_to_fit(Platform::X, sentence.trim()));
            String::new()
        };
    }
    if !current.trim().is_empty() {
        posts.push(current.trim().to_owned());
    }
    posts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overlong_post_is_cut_at_the_last_sentence_that_fits() {
        let text = format!(
            "{}. Second sentence here. B{}",
            "a".repeat(200),
            "b".repeat(99)
        );
        let cut = cut_to_fit(Platform::X, &text);
        assert_eq!(cut, format!("{}. Second sentence here.", "a".repeat(200)));
    }

    #[test]
    fn a_single_long_sentence_is_cut_at_a_word_with_an_ellipsis() {
        let text = "word ".repeat(100);
        let cut = cut_to_fit(Platform::X, &text);
        assert!(cut.ends_with('…') && fits(Platform::X, &cut) && cut.len() > 250);
    }

    #[test]
    fn surplus_hashtags_go_first_on_instagram() {
        let text = "Fresh roast today #a #b #c #d #e #f #g";
        assert_eq!(
            cut_to_fit(Platform::Instagram, text),
            "Fresh roast today #a #b #c #d #e"
        );
    }

    #[test]
    fn long_x_text_becomes_a_thread_of_whole_sentences() {
        // Sentences begin with a capital (Unicode's sentence boundaries).
        let sentence = format!("X{}. ", "x".repeat(119));
        let thread = split_into_thread(&sentence.repeat(5));
        assert_eq!(thread.len(), 3);
        assert!(thread.iter().all(|post| fits(Platform::X, post)));
    }
}
