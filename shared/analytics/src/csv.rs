//! CSV of post performance: one row per post on one account, every column we keep. Used by the
//! export and by reports, so both files read the same.

use store::analytics::dashboards::PostPerformance;

pub const HEADER: &[&str] = &[
    "post_id",
    "target_id",
    "published_at_utc",
    "platform",
    "account",
    "social_account_id",
    "platform_post_id",
    "content_type",
    "origin",
    "hashtags",
    "text",
    "impressions",
    "reach",
    "engagements",
    "engagement_rate_percent",
    "likes",
    "comments",
    "shares",
    "saves",
    "clicks",
    "video_views",
    "synced_at_utc",
];

/// One field, quoted when it must be (RFC 4180), and defused when a spreadsheet would run it
/// as a formula (a leading `=`, `+`, `-`, `@`, tab or carriage return gets a `'`).
fn field(out: &mut String, text: &str) {
    let defused = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quoted = defused || text.contains([',', '"', '\n', '\r']);
    if quoted {
        out.push('"');
    }
    if defused {
        out.push('\'');
    }
    for c in text.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quoted {
        out.push('"');
    }
}

fn line(out: &mut String, fields: &[String]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(out, f);
    }
    out.push_str("\r\n");
}

pub fn header() -> String {
    let mut out = String::new();
    line(
        &mut out,
        &HEADER.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>(),
    );
    out
}

/// Appends one post's row.
pub fn row(out: &mut String, p: &PostPerformance) {
    let t = &p.totals;
    line(
        out,
        &[
            p.post_id.to_string(),
            p.id.to_string(),
            p.published_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            p.platform.to_string(),
            p.account_name.clone().unwrap_or_default(),
            p.social_account_id.to_string(),
            p.platform_post_id.clone(),
            p.content_type.clone(),
            p.origin.clone(),
            p.hashtags.join(" "),
            p.text.clone(),
            t.impressions.to_string(),
            t.reach.to_string(),
            t.engagements.to_string(),
            p.engagement_rate
                .map(|r| format!("{r:.2}"))
                .unwrap_or_default(),
            t.likes.to_string(),
            t.comments.to_string(),
            t.shares.to_string(),
            t.saves.to_string(),
            t.clicks.to_string(),
            t.video_views.to_string(),
            p.synced_at
                .map(|s| s.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default(),
        ],
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> String {
        let mut out = String::new();
        field(&mut out, text);
        out
    }

    #[test]
    fn fields_are_quoted_only_when_needed_and_formulas_are_defused() {
        assert_eq!(one("plain"), "plain");
        assert_eq!(one("a,b"), "\"a,b\"");
        assert_eq!(one("say \"hi\"\nbye"), "\"say \"\"hi\"\"\nbye\"");
        assert_eq!(one("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(one("-5"), "\"'-5\"");
    }
}
