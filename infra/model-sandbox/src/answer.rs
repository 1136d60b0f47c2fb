//! Deterministic answers: the same prompt always gets the same answer, built from the words of
//! the user's data so that tests (and people trying the product locally) can see their input
//! reflected, and never mistake it for a real model's writing.

use serde_json::{Map, Value, json};

const DIMENSIONS: usize = 256;

const STOPWORDS: &[&str] = &[
    "the", "and", "for", "with", "that", "this", "from", "your", "you", "our", "are", "was",
    "were", "will", "have", "has", "had", "not", "but", "all", "any", "can", "into", "about",
    "over", "than", "then", "them", "they", "their", "there", "what", "when", "which", "who",
    "why", "how", "its", "it's", "out", "more", "most", "some", "such", "only", "own", "same",
    "too", "very", "just", "also", "each", "per", "via", "use", "using", "http", "https", "www",
    "com",
];

fn fnv(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// About four characters a token, as the providers' tokenizers average on English.
pub fn estimate_tokens(text: &str) -> u32 {
    (text.chars().count() as u32).div_ceil(4).max(1)
}

fn words_of(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\'').to_lowercase())
        .filter(|w| w.chars().count() >= 3 && !STOPWORDS.contains(&w.as_str()))
}

/// A unit vector of hashed words (a trailing plural `s` dropped): texts that share words point
/// the same way.
pub fn embedding(text: &str) -> Vec<f32> {
    let mut vector = vec![0f32; DIMENSIONS];
    for word in words_of(text) {
        let stem = if word.len() > 3 {
            word.trim_end_matches('s')
        } else {
            &word
        };
        let hash = fnv(stem);
        let sign = if (hash >> 32) & 1 == 0 { 1.0 } else { -1.0 };
        vector[(hash % DIMENSIONS as u64) as usize] += sign;
    }
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        vector.iter_mut().for_each(|x| *x /= norm);
    }
    vector
}

/// String leaves of a JSON document, in order.
fn leaves(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|i| leaves(i, out)),
        Value::Object(map) => map.values().for_each(|v| leaves(v, out)),
        _ => {}
    }
}

/// The user's data: the JSON inside `<data>…</data>` blocks when there are any.
fn data_of(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("<data>") {
        let after = &rest[start + "<data>".len()..];
        let Some(end) = after.find("</data>") else {
            break;
        };
        let block = &after[..end];
        match serde_json::from_str::<Value>(block) {
            Ok(value) => leaves(&value, &mut found),
            Err(_) => found.push(block.to_owned()),
        }
        rest = &after[end..];
    }
    found
}

pub(crate) struct Prompt {
    seed: u64,
    topic: String,
    words: Vec<String>,
    too_long: bool,
}

impl Prompt {
    pub(crate) fn new(
        model: &str,
        system: &str,
        messages: &[(String, String)],
        too_long: bool,
    ) -> Self {
        let mut all = String::from(model);
        all.push_str(system);
        let mut data = Vec::new();
        for (role, text) in messages {
            all.push_str(text);
            if role == "user" {
                let blocks = data_of(text);
                if blocks.is_empty() && data.is_empty() {
                    data.push(text.clone());
                } else {
                    data.extend(blocks);
                }
            }
        }
        let mut words: Vec<String> = Vec::new();
        for leaf in &data {
            for word in words_of(leaf) {
                if !words.contains(&word) && !word.chars().all(|c| c.is_ascii_digit()) {
                    words.push(word);
                }
            }
        }
        if words.is_empty() {
            words = vec!["social".into(), "media".into(), "update".into()];
        }
        let topic = data
            .iter()
            .find(|leaf| leaf.chars().any(char::is_alphabetic))
            .map(|leaf| leaf.chars().take(60).collect::<String>())
            .unwrap_or_else(|| words.join(" "));
        Prompt {
            seed: fnv(&all),
            topic: topic.trim().to_owned(),
            words,
            too_long,
        }
    }

    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    fn word(&self, i: u64) -> &str {
        &self.words[((self.seed.rotate_left(i as u32 * 7) ^ i) % self.words.len() as u64) as usize]
    }

    fn sentence(&self, i: u64) -> String {
        let (a, b) = (self.word(i), self.word(i + 1));
        match (self.seed.wrapping_add(i)) % 6 {
            0 => format!("{}: where {a} meets {b}.", capitalised(&self.topic)),
            1 => format!("Why {a} matters for {b} right now."),
            2 => format!("Here is what we learned about {a} and {b}."),
            3 => format!("Small steps in {a} add up to big {b} results."),
            4 => format!("Ask us anything about {a}."),
            _ => format!("Our take on {a}, {b} and what comes next."),
        }
    }

    /// Sentences from the data, about `target` characters (never more unless `too_long`).
    pub(crate) fn prose(&self, target: usize) -> String {
        let target = if self.too_long {
            target * 2 + 40
        } else {
            target
        };
        let mut text = String::new();
        let mut i = 0;
        loop {
            let next = self.sentence(i);
            let separator = usize::from(!text.is_empty());
            if text.chars().count() + separator + next.chars().count() > target {
                if text.is_empty() {
                    text = next.chars().take(target).collect();
                }
                if !self.too_long || text.chars().count() > target / 2 {
                    return text;
                }
            }
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&next);
            i += 1;
            if i > 400 {
                return text;
            }
        }
    }

    /// A document valid for `schema`.
    pub(crate) fn document(&self, schema: &Value) -> Value {
        self.fill(schema, "", 0, 0)
    }

    fn fill(&self, schema: &Value, name: &str, index: u64, depth: u32) -> Value {
        if let Some(options) = schema["enum"].as_array().filter(|o| !o.is_empty()) {
            return options[((self.seed ^ index) % options.len() as u64) as usize].clone();
        }
        if let Some(constant) = schema.get("const") {
            return constant.clone();
        }
        let kind = match &schema["type"] {
            Value::String(t) => t.as_str(),
            Value::Array(types) => types
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or("null"),
            _ if schema["properties"].is_object() => "object",
            _ => "string",
        };
        match kind {
            "object" if depth < 6 => {
                let mut map = Map::new();
                if let Some(properties) = schema["properties"].as_object() {
                    for (i, (key, property)) in properties.iter().enumerate() {
                        map.insert(
                            key.clone(),
                            self.fill(property, key, index * 31 + i as u64, depth + 1),
                        );
                    }
                }
                Value::Object(map)
            }
            "array" if depth < 6 => {
                let min = schema["minItems"].as_u64().unwrap_or(1);
                let max = schema["maxItems"].as_u64().unwrap_or(3).max(min);
                let count = 3.clamp(min, max);
                let items = &schema["items"];
                let mut values: Vec<Value> = Vec::new();
                for i in 0..count {
                    let value = self.fill(items, name, index * 7 + i, depth + 1);
                    if schema["uniqueItems"].as_bool() == Some(true) && values.contains(&value) {
                        continue;
                    }
                    values.push(value);
                }
                Value::Array(values)
            }
            "integer" => {
                let min = schema["minimum"].as_i64().unwrap_or(0);
                let max = schema["maximum"].as_i64().unwrap_or(min + 100).max(min);
                json!(min + ((self.seed ^ index) % (max - min + 1) as u64) as i64)
            }
            "number" => {
                let min = schema["minimum"].as_f64().unwrap_or(0.0);
                let max = schema["maximum"].as_f64().unwrap_or(min + 100.0).max(min);
                let fraction =
                    ((self.seed ^ index.wrapping_mul(2_654_435_761)) % 1000) as f64 / 1000.0;
                json!(((min + fraction * (max - min)) * 100.0).round() / 100.0)
            }
            "boolean" => json!((self.seed ^ index) & 1 == 0),
            "null" => Value::Null,
            _ => json!(self.string(schema, name, index)),
        }
    }

    fn string(&self, schema: &Value, name: &str, index: u64) -> String {
        let pattern = schema["pattern"].as_str().unwrap_or_default();
        if pattern.starts_with("^#") || name.contains("hashtag") {
            let word: String = self
                .word(index)
                .chars()
                .filter(|c| c.is_alphanumeric())
                .collect();
            return format!("#{word}");
        }
        let limit = schema["maxLength"]
            .as_u64()
            .map(|n| n as usize)
            .or_else(|| limit_in(schema["description"].as_str().unwrap_or_default()));
        let target = match limit {
            Some(limit) if self.too_long => limit,
            Some(limit) => (limit * 3 / 5).clamp(20, 480),
            None => 160,
        };
        let rotated = Prompt {
            seed: self.seed.wrapping_add(index),
            topic: self.topic.clone(),
            words: self.words.clone(),
            too_long: self.too_long,
        };
        rotated.prose(target)
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// "at most N characters" in a field's description.
fn limit_in(description: &str) -> Option<usize> {
    let lower = description.to_lowercase();
    let at = lower.find("at most ")?;
    lower[at + "at most ".len()..]
        .split_whitespace()
        .next()?
        .trim_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompt(text: &str, too_long: bool) -> Prompt {
        Prompt::new("m", "sys", &[("user".into(), text.into())], too_long)
    }

    #[test]
    fn the_same_prompt_gets_the_same_document_and_it_fits_the_schema() {
        let schema = json!({ "type": "object", "properties": {
            "text": { "type": "string", "description": "The post, at most 280 characters." },
            "hashtags": { "type": "array", "items": { "type": "string", "pattern": "^#[A-Za-z0-9_]+$" }, "maxItems": 2 },
            "tone": { "enum": ["warm", "bold"] },
            "score": { "type": "number", "minimum": 0, "maximum": 1 },
        }});
        let p = prompt(
            "<data>{\"topic\": \"cold brew coffee launch\"}</data>",
            false,
        );
        let first = p.document(&schema);
        assert_eq!(
            first,
            prompt(
                "<data>{\"topic\": \"cold brew coffee launch\"}</data>",
                false
            )
            .document(&schema)
        );
        let text = first["text"].as_str().unwrap();
        assert!(text.chars().count() <= 280 && !text.is_empty(), "{text}");
        assert!(
            text.to_lowercase().contains("brew")
                || text.to_lowercase().contains("coffee")
                || text.contains("Cold")
        );
        assert_eq!(first["hashtags"].as_array().unwrap().len(), 2);
        assert!(first["hashtags"][0].as_str().unwrap().starts_with('#'));
        assert!(["warm", "bold"].contains(&first["tone"].as_str().unwrap()));
        assert!((0.0..=1.0).contains(&first["score"].as_f64().unwrap()));
    }

    #[test]
    fn too_long_overshoots_the_stated_limit() {
        let schema = json!({ "type": "string", "description": "at most 100 characters" });
        let text = prompt("<data>\"espresso tonic\"</data>", true).document(&schema);
        assert!(text.as_str().unwrap().chars().count() > 100);
    }

    #[test]
    fn texts_sharing_words_embed_closer_than_unrelated_ones() {
        let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
        let brand = embedding("Our brand voice is warm and playful about coffee");
        let close = embedding("warm playful coffee posts");
        let far = embedding("quarterly revenue spreadsheet");
        assert!(dot(&brand, &close) > dot(&brand, &far));
        assert!((dot(&brand, &brand) - 1.0).abs() < 1e-5);
    }
}
