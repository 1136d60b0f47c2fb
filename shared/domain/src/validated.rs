//! Values validated once at the edge; the core takes these types and never re-checks.

use std::fmt;

/// Why a value was refused, phrased for the API's `details[].issue`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

fn invalid<T>(text: impl Into<String>) -> Result<T, Invalid> {
    Err(Invalid(text.into()))
}

/// An email address, trimmed and lower-cased (addresses are matched case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let email = text.trim().to_lowercase();
        if email.len() > 254 {
            return invalid("is longer than 254 characters");
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return invalid("is not an email address");
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains(char::is_whitespace)
            && !local.contains(['<', '>', '(', ')', ',', ';', ':', '\\', '"', '[', ']', '@']);
        if !domain_ok || !local_ok {
            return invalid("is not an email address");
        }
        Ok(EmailAddress(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password that meets the policy. Never printed.
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 256;

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let chars = text.chars().count();
        if chars < Self::MIN_CHARS {
            return invalid(format!("must be at least {} characters", Self::MIN_CHARS));
        }
        if chars > Self::MAX_CHARS {
            return invalid(format!("must be at most {} characters", Self::MAX_CHARS));
        }
        if text.trim().is_empty() {
            return invalid("must not be only spaces");
        }
        Ok(NewPassword(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

/// An IANA time zone name, e.g. `Europe/Paris`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(pub chrono_tz::Tz);

impl TimeZone {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        match text.trim().parse::<chrono_tz::Tz>() {
            Ok(zone) => Ok(TimeZone(zone)),
            Err(_) => invalid("is not an IANA time zone name (like Europe/Paris)"),
        }
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }
}

/// A URL-safe organization slug: lower-case letters, digits and single hyphens, 3–100 long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let slug = text.trim();
        let shape_ok = slug.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if !(3..=100).contains(&slug.len()) || !shape_ok {
            return invalid("must be 3-100 lower-case letters, digits and single hyphens");
        }
        Ok(Slug(slug.to_owned()))
    }

    /// A slug derived from a display name ("Acme Corp!" → "acme-corp"), padded to 3 characters.
    pub fn from_name(name: &str) -> Slug {
        let mut slug = String::new();
        for c in name.to_lowercase().chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.ends_with('-') && !slug.is_empty() {
                slug.push('-');
            }
        }
        let mut slug = slug
            .trim_end_matches('-')
            .chars()
            .take(60)
            .collect::<String>();
        slug = slug.trim_end_matches('-').to_owned();
        while slug.len() < 3 {
            slug.push_str(if slug.is_empty() { "org" } else { "-x" });
        }
        Slug(slug)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A trimmed, non-empty text of bounded length (names, titles).
pub fn bounded_text(text: &str, max_chars: usize) -> Result<String, Invalid> {
    let text = text.trim();
    if text.is_empty() {
        return invalid("must not be empty");
    }
    if text.chars().count() > max_chars {
        return invalid(format!("must be at most {max_chars} characters"));
    }
    if text.chars().any(char::is_control) {
        return invalid("must not contain control characters");
    }
    Ok(text.to_owned())
}

/// A post's text: like [`bounded_text`], but line breaks (and tabs) are part of every real post.
/// `\r\n` and lone `\r` become `\n`; other control characters are refused.
pub fn post_text(text: &str, max_chars: usize) -> Result<String, Invalid> {
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    let text = normalised.trim();
    if text.is_empty() {
        return invalid("must not be empty");
    }
    if text.chars().count() > max_chars {
        return invalid(format!("must be at most {max_chars} characters"));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return invalid("must not contain control characters other than line breaks and tabs");
    }
    Ok(text.to_owned())
}

/// A BCP 47 language tag of the simple kind the UI offers (`en`, `pt-BR`).
pub fn language_tag(text: &str) -> Result<String, Invalid> {
    let text = text.trim();
    let mut parts = text.split('-');
    let primary = parts.next().unwrap_or_default();
    let primary_ok =
        (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_alphabetic());
    let rest_ok =
        parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if !primary_ok || !rest_ok || text.len() > 10 {
        return invalid("is not a language tag (like en or pt-BR)");
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_text_keeps_line_breaks_and_refuses_other_control_characters() {
        assert_eq!(
            post_text("First line\r\nSecond\rThird\n\n#tag ", 100).unwrap(),
            "First line\nSecond\nThird\n\n#tag"
        );
        assert!(post_text("bell\u{7}", 100).is_err());
        assert!(post_text("  \n ", 100).is_err());
        assert!(post_text("abc", 2).is_err());
    }

    #[test]
    fn emails_are_normalised_and_junk_refused() {
        assert_eq!(
            EmailAddress::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "ada@exa..mple.com",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn passwords_need_twelve_characters() {
        assert!(NewPassword::parse("short-pass1").is_err());
        assert!(NewPassword::parse("twelve-chars").is_ok());
        assert_eq!(
            format!("{:?}", NewPassword::parse("twelve-chars").unwrap()),
            "NewPassword(<redacted>)"
        );
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert_eq!(
            TimeZone::parse("Europe/Paris").unwrap().name(),
            "Europe/Paris"
        );
        assert!(TimeZone::parse("Mars/Olympus").is_err());
    }

    #[test]
    fn slugs_are_derived_and_checked() {
        assert_eq!(Slug::from_name("Acme Corp!").as_str(), "acme-corp");
        assert_eq!(Slug::from_name("!").as_str(), "org");
        assert!(Slug::parse("acme--corp").is_err());
        assert!(Slug::parse("Acme").is_err());
        assert!(Slug::parse("acme-2").is_ok());
    }

    #[test]
    fn language_tags() {
        assert!(language_tag("pt-BR").is_ok());
        assert!(language_tag("english").is_err());
    }
}
