//! UTM parameters on the links of published posts, so Google Analytics attributes the
//! sessions they bring to social, per platform. Settings come from the organization's Google
//! Analytics integration; a link that already has `utm_source` is left as the author wrote it,
//! and a tagged text that would no longer fit the platform is published untagged.

use chrono::NaiveDate;
use domain::Platform;
use serde::{Deserialize, Serialize};
use store::OrgId;
use url::Url;

use crate::IntegrationsError;
use crate::catalog::IntegrationType;

/// Templates with `{platform}`, `{post_id}` and `{date}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UtmSettings {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "default_source")]
    pub source: String,
    #[serde(default = "default_medium")]
    pub medium: String,
    #[serde(default = "default_campaign")]
    pub campaign: String,
    #[serde(default = "default_content")]
    pub content: String,
}

fn yes() -> bool {
    true
}
fn default_source() -> String {
    "{platform}".into()
}
fn default_medium() -> String {
    "social".into()
}
fn default_campaign() -> String {
    "social_post".into()
}
fn default_content() -> String {
    "{post_id}".into()
}

impl Default for UtmSettings {
    fn default() -> Self {
        UtmSettings {
            enabled: true,
            source: default_source(),
            medium: default_medium(),
            campaign: default_campaign(),
            content: default_content(),
        }
    }
}

const TOKENS: [&str; 3] = ["{platform}", "{post_id}", "{date}"];

impl UtmSettings {
    /// Each template: 1 to 100 characters, only known `{tokens}`.
    pub fn check(&self) -> Result<(), IntegrationsError> {
        for (field, value) in [
            ("utm.source", &self.source),
            ("utm.medium", &self.medium),
            ("utm.campaign", &self.campaign),
            ("utm.content", &self.content),
        ] {
            let length = value.chars().count();
            if length == 0 || length > 100 {
                return Err(IntegrationsError::invalid(field, "1 to 100 characters"));
            }
            let mut rest = value.as_str();
            while let Some(open) = rest.find('{') {
                let close = rest[open..].find('}').map(|c| open + c + 1);
                match close.map(|c| &rest[open..c]) {
                    Some(token) if TOKENS.contains(&token) => rest = &rest[close.unwrap_or(0)..],
                    _ => {
                        return Err(IntegrationsError::invalid(
                            field,
                            "may only use {platform}, {post_id} and {date}",
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// What the templates are filled with.
pub struct Context<'a> {
    pub platform: Platform,
    pub post_id: &'a str,
    pub date: NaiveDate,
}

fn fill(template: &str, context: &Context<'_>) -> String {
    template
        .replace("{platform}", context.platform.as_str())
        .replace("{post_id}", context.post_id)
        .replace("{date}", &context.date.to_string())
}

/// Characters that end a sentence rather than a URL.
const TRAILING: &[char] = &[
    '.', ',', ';', ':', '!', '?', ')', ']', '}', '\'', '"', '»', '”',
];

/// `text` with UTM parameters on each http(s) link.
pub fn tag_links(text: &str, settings: &UtmSettings, context: &Context<'_>) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for (index, word) in text.split(' ').enumerate() {
        if index > 0 {
            out.push(' ');
        }
        out.push_str(&tag_word(word, settings, context));
    }
    out
}

fn tag_word(word: &str, settings: &UtmSettings, context: &Context<'_>) -> String {
    let Some(start) = word.find("https://").or_else(|| word.find("http://")) else {
        return word.to_owned();
    };
    let (before, candidate) = word.split_at(start);
    // A link may end in a newline and more text; tag the link part only.
    let end = candidate
        .find(char::is_whitespace)
        .unwrap_or(candidate.len());
    let (link, after_space) = candidate.split_at(end);
    let trimmed = link.trim_end_matches(TRAILING);
    let trailing = &link[trimmed.len()..];
    let Ok(mut url) = Url::parse(trimmed) else {
        return word.to_owned();
    };
    if url.query_pairs().any(|(k, _)| k == "utm_source") {
        return word.to_owned();
    }
    url.query_pairs_mut()
        .append_pair("utm_source", &fill(&settings.source, context))
        .append_pair("utm_medium", &fill(&settings.medium, context))
        .append_pair("utm_campaign", &fill(&settings.campaign, context))
        .append_pair("utm_content", &fill(&settings.content, context));
    format!("{before}{url}{trailing}{after_space}")
}

/// Whether `text` fits the platform's length limit.
fn fits(platform: Platform, text: &str) -> bool {
    let limits = platform.text_limits();
    let length = if limits.weighted {
        domain::x_weighted_length(text)
    } else {
        text.chars().count()
    };
    length <= limits.max_length
}

/// The text to publish: tagged when the organization's Google Analytics integration asks for
/// it and the tagged text still fits. `db` is the publisher's one connection.
pub async fn for_publishing(
    db: &impl store::tokio_postgres::GenericClient,
    organization_id: OrgId,
    platform: Platform,
    post_id: uuid::Uuid,
    text: String,
) -> Result<String, store::StoreError> {
    if !text.contains("http") {
        return Ok(text);
    }
    let analytics = store::integrations::active_of_types(
        db,
        organization_id,
        &[IntegrationType::GoogleAnalytics.as_str()],
    )
    .await?;
    let Some(settings) = analytics
        .first()
        .and_then(|i| serde_json::from_value::<UtmSettings>(i.configuration["utm"].clone()).ok())
        .filter(|s| s.enabled)
    else {
        return Ok(text);
    };
    let post_id = post_id.to_string();
    let tagged = tag_links(
        &text,
        &settings,
        &Context {
            platform,
            post_id: &post_id,
            date: chrono::Utc::now().date_naive(),
        },
    );
    Ok(if fits(platform, &tagged) {
        tagged
    } else {
        text
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> Context<'static> {
        Context {
            platform: Platform::LinkedIn,
            post_id: "p-1",
            date: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
        }
    }

    #[test]
    fn links_get_utm_parameters_and_sentence_punctuation_stays_outside() {
        let tagged = tag_links(
            "Read it: https://example.com/blog?id=3. And https://example.com/x)",
            &UtmSettings::default(),
            &context(),
        );
        assert_eq!(
            tagged,
            "Read it: https://example.com/blog?id=3&utm_source=linkedin&utm_medium=social&utm_campaign=social_post&utm_content=p-1. \
             And https://example.com/x?utm_source=linkedin&utm_medium=social&utm_campaign=social_post&utm_content=p-1)"
        );
    }

    #[test]
    fn a_link_already_tagged_and_text_without_links_are_left_alone() {
        let text = "See https://example.com/?utm_source=newsletter and no other link";
        assert_eq!(tag_links(text, &UtmSettings::default(), &context()), text);
        assert_eq!(
            tag_links("plain words", &UtmSettings::default(), &context()),
            "plain words"
        );
    }

    #[test]
    fn templates_are_filled_and_unknown_tokens_refused() {
        let settings = UtmSettings {
            campaign: "launch_{date}".into(),
            ..UtmSettings::default()
        };
        assert!(settings.check().is_ok());
        let tagged = tag_links("https://a.example/", &settings, &context());
        assert!(
            tagged.contains("utm_campaign=launch_2026-11-26"),
            "{tagged}"
        );
        let bad = UtmSettings {
            source: "{user}".into(),
            ..UtmSettings::default()
        };
        assert!(bad.check().is_err());
    }

    #[test]
    fn a_tagged_text_that_no_longer_fits_is_detected() {
        let long = format!("{} https://example.com/", "a".repeat(2_950));
        let tagged = tag_links(&long, &UtmSettings::default(), &context());
        assert!(fits(Platform::LinkedIn, &long));
        assert!(!fits(Platform::LinkedIn, &tagged));
        // On X every link counts 23, tagged or not.
        assert!(fits(
            Platform::X,
            &tag_links("https://example.com/", &UtmSettings::default(), &context())
        ));
    }
}
