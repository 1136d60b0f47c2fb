//! Sentiment of a mention, by lexicon: every mention is scored here in microseconds; only the
//! ambiguous ones (positive and negative words that nearly cancel) go to the language model.
//!
//! The method follows VADER's outline: word valences from −3 to +3, a negation within the
//! three words before a sentiment word flips and damps it (×−0.75), an intensifier before it
//! multiplies it by 1.5, "but" makes what follows count double, each "!" adds emphasis, and the
//! sum is normalised to (−1, 1) by x / √(x² + 15).

/// Word valences (lower case). Deliberately small and about customer service, products and
/// brands; unknown words are neutral.
const LEXICON: &[(&str, f64)] = &[
    ("love", 3.0),
    ("loved", 3.0),
    ("amazing", 3.0),
    ("awesome", 3.0),
    ("excellent", 3.0),
    ("fantastic", 3.0),
    ("perfect", 3.0),
    ("best", 3.0),
    ("wonderful", 3.0),
    ("delicious", 3.0),
    ("great", 2.5),
    ("happy", 2.0),
    ("good", 2.0),
    ("nice", 2.0),
    ("thanks", 2.0),
    ("thank", 2.0),
    ("recommend", 2.0),
    ("fast", 1.5),
    ("friendly", 2.0),
    ("helpful", 2.0),
    ("beautiful", 2.5),
    ("enjoy", 2.0),
    ("enjoyed", 2.0),
    ("glad", 2.0),
    ("fresh", 1.5),
    ("like", 1.0),
    ("fine", 1.0),
    ("ok", 0.5),
    ("okay", 0.5),
    ("favorite", 2.5),
    ("favourite", 2.5),
    ("hate", -3.0),
    ("awful", -3.0),
    ("terrible", -3.0),
    ("horrible", -3.0),
    ("worst", -3.0),
    ("disgusting", -3.0),
    ("scam", -3.0),
    ("fraud", -3.0),
    ("boycott", -3.0),
    ("poisoned", -3.0),
    ("sick", -2.5),
    ("unsafe", -2.5),
    ("dangerous", -2.5),
    ("lawsuit", -2.5),
    ("recall", -2.0),
    ("angry", -2.5),
    ("furious", -3.0),
    ("outraged", -3.0),
    ("disappointed", -2.0),
    ("disappointing", -2.0),
    ("bad", -2.0),
    ("poor", -2.0),
    ("rude", -2.5),
    ("broken", -2.0),
    ("refund", -1.5),
    ("late", -1.0),
    ("slow", -1.5),
    ("cold", -1.0),
    ("never", -0.5),
    ("problem", -1.5),
    ("issue", -1.0),
    ("complaint", -2.0),
    ("wrong", -2.0),
    ("fail", -2.0),
    ("failed", -2.0),
    ("ignored", -2.0),
    ("waste", -2.0),
    ("expensive", -1.0),
    ("overpriced", -2.0),
    ("stale", -2.0),
    ("burnt", -1.5),
    ("shame", -2.5),
    ("ashamed", -2.5),
    ("lied", -3.0),
    ("liars", -3.0),
    ("unacceptable", -3.0),
    ("avoid", -2.0),
    ("ruined", -2.5),
    ("gross", -2.5),
    ("bug", -1.0),
    ("mold", -2.5),
    ("hair", -0.5),
    ("rip", -1.5),
    ("ripoff", -3.0),
];
const NEGATIONS: &[&str] = &[
    "not", "no", "never", "isn't", "wasn't", "don't", "doesn't", "didn't", "can't", "won't",
    "nothing", "hardly", "aint", "ain't",
];
const INTENSIFIERS: &[&str] = &[
    "very",
    "so",
    "really",
    "extremely",
    "totally",
    "absolutely",
    "super",
    "incredibly",
];
const EMOJI: &[(char, f64)] = &[
    ('😍', 3.0),
    ('❤', 2.5),
    ('👍', 2.0),
    ('🙂', 1.5),
    ('😊', 2.0),
    ('🎉', 2.0),
    ('😡', -3.0),
    ('😠', -2.5),
    ('👎', -2.0),
    ('🤮', -3.0),
    ('😞', -2.0),
    ('💩', -2.5),
];

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    Positive,
    Neutral,
    Negative,
}

impl Label {
    /// The label as stored with a mention.
    pub const fn as_str(self) -> &'static str {
        match self {
            Label::Positive => "positive",
            Label::Neutral => "neutral",
            Label::Negative => "negative",
        }
    }
}

/// Below this magnitude a score is neutral.
pub const NEUTRAL_BELOW: f64 = 0.3;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// From −1 (hostile) to +1 (delighted).
    pub compound: f64,
    pub label: Label,
    /// Positive and negative words nearly cancel: worth a model's reading.
    pub ambiguous: bool,
}

pub fn label_of(compound: f64) -> Label {
    if compound <= -NEUTRAL_BELOW {
        Label::Negative
    } else if compound >= NEUTRAL_BELOW {
        Label::Positive
    } else {
        Label::Neutral
    }
}

pub fn score(text: &str) -> Score {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    let but = words.iter().position(|w| *w == "but");
    let (mut sum, mut positive, mut negative) = (0.0_f64, 0.0_f64, 0.0_f64);
    for (i, word) in words.iter().enumerate() {
        let Some(&(_, valence)) = LEXICON.iter().find(|(w, _)| w == word) else {
            continue;
        };
        let before = &words[i.saturating_sub(3)..i];
        let mut value = valence;
        if before.last().is_some_and(|w| INTENSIFIERS.contains(w)) {
            value *= 1.5;
        }
        if before.iter().any(|w| NEGATIONS.contains(w)) {
            value *= -0.75;
        }
        if but.is_some_and(|b| i > b) {
            value *= 2.0;
        } else if but.is_some() {
            value *= 0.5;
        }
        if value > 0.0 {
            positive += value
        } else {
            negative -= value
        }
        sum += value;
    }
    for c in text.chars() {
        if let Some(&(_, valence)) = EMOJI.iter().find(|(e, _)| *e == c) {
            if valence > 0.0 {
                positive += valence
            } else {
                negative -= valence
            }
            sum += valence;
        }
    }
    let exclamations = text.matches('!').count().min(4) as f64;
    sum += sum.signum() * 0.3 * exclamations;
    let compound = sum / (sum * sum + 15.0).sqrt();
    let ambiguous = positive > 0.0 && negative > 0.0 && compound.abs() < 0.5;
    Score {
        compound: (compound * 1000.0).round() / 1000.0,
        label: label_of(compound),
        ambiguous,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_praise_and_plain_anger_are_what_they_seem() {
        assert_eq!(
            score("I love this coffee, amazing service!").label,
            Label::Positive
        );
        assert_eq!(
            score("Worst order ever. Cold, stale and the staff was rude 😡").label,
            Label::Negative
        );
        assert_eq!(score("Opening hours on Sunday?").label, Label::Neutral);
    }

    #[test]
    fn negation_flips_and_but_shifts_the_weight() {
        assert_eq!(score("not good at all").label, Label::Negative);
        assert_eq!(
            score("the beans are great but the delivery was terrible").label,
            Label::Negative
        );
        let mixed = score("love the taste, hate the price");
        assert!(mixed.ambiguous, "{mixed:?}");
    }
}
