//! One classification of platform failures, from each platform's own error shapes. The
//! publisher acts on the class: retry with backoff, wait for the reset, refresh once, report the
//! platform's reason, or — when the request may have been applied — never retry blindly.

use chrono::{DateTime, Utc};
use domain::Platform;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Transient: safe to try again with backoff.
    Retryable { reason: String },
    /// Over a limit; retry after `reset_at` when the platform says when.
    RateLimited {
        reset_at: Option<DateTime<Utc>>,
        reason: String,
    },
    /// The token is expired, revoked or lacks permission: refresh once, else reconnect.
    AuthExpired { reason: String },
    /// The platform refused this content; retrying will not help.
    RejectedContent { reason: String },
    /// The request may have been applied (sent, but no answer): never retry blindly.
    UnknownOutcome { reason: String },
}

impl Failure {
    /// The reason, whatever the class.
    pub fn reason(&self) -> &str {
        match self {
            Failure::Retryable { reason }
            | Failure::RateLimited { reason, .. }
            | Failure::AuthExpired { reason }
            | Failure::RejectedContent { reason }
            | Failure::UnknownOutcome { reason } => reason,
        }
    }

    /// A request that was sent but whose answer never arrived (timeout, reset connection).
    pub fn answer_lost(is_publish: bool, what: &str) -> Failure {
        if is_publish {
            Failure::UnknownOutcome {
                reason: format!(
                    "no answer to the publish request ({what}); it may have been applied"
                ),
            }
        } else {
            Failure::Retryable {
                reason: format!("no answer ({what})"),
            }
        }
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn text_of(value: &Value, pointers: &[&str]) -> Option<String> {
    pointers
        .iter()
        .find_map(|p| value.pointer(p).and_then(Value::as_str).map(str::to_owned))
}

/// Classifies an HTTP answer; `None` means success. `is_publish` marks requests that create
/// content, where a server error may hide an applied request.
pub fn classify_http(
    platform: Platform,
    is_publish: bool,
    status: u16,
    headers: &[(String, String)],
    body: &str,
) -> Option<Failure> {
    let json: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    // 503 says the server did not take the request, whatever code the body carries.
    if status == 503 {
        let reason = text_of(&json, &["/error/message", "/detail", "/message"])
            .unwrap_or_else(|| "HTTP 503".into());
        return Some(Failure::Retryable { reason });
    }
    match platform {
        Platform::Facebook | Platform::Instagram => classify_meta(status, &json, is_publish),
        Platform::TikTok => classify_tiktok(status, &json, is_publish),
        Platform::X => classify_x(status, headers, &json, is_publish),
        Platform::LinkedIn => classify_by_status(status, is_publish, text_of(&json, &["/message"])),
    }
}

fn classify_by_status(status: u16, is_publish: bool, message: Option<String>) -> Option<Failure> {
    let reason = message.unwrap_or_else(|| format!("HTTP {status}"));
    match status {
        200..=299 => None,
        401 => Some(Failure::AuthExpired { reason }),
        429 => Some(Failure::RateLimited {
            reset_at: None,
            reason,
        }),
        408 => Some(Failure::answer_lost(is_publish, "request timeout")),
        // No platform offers an idempotency key for creating a post, and an internal error or a
        // gateway error (500, 502, 504) may come after the post was written: on a publish call
        // the outcome is unknown. 503 says the server did not take the request at all
        // (RFC 9110 §15.6.4, and X documents it as "overloaded"), so it is safe to retry.
        500 | 502 | 504 if is_publish => Some(Failure::UnknownOutcome { reason }),
        500..=599 => Some(Failure::Retryable { reason }),
        _ => Some(Failure::RejectedContent { reason }),
    }
}

fn classify_x(
    status: u16,
    headers: &[(String, String)],
    json: &Value,
    is_publish: bool,
) -> Option<Failure> {
    let reason = text_of(json, &["/detail", "/title", "/errors/0/message"]);
    if status == 429
        || json
            .pointer("/type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.ends_with("usage-capped"))
    {
        let reset_at = header(headers, "x-rate-limit-reset")
            .and_then(|v| v.trim().parse::<i64>().ok())
            .and_then(|s| DateTime::from_timestamp(s, 0));
        return Some(Failure::RateLimited {
            reset_at,
            reason: reason.unwrap_or_else(|| "rate limit exceeded".into()),
        });
    }
    // A 200 may still carry errors and no data.
    if (200..300).contains(&status) && json.get("data").is_none() && json.get("errors").is_some() {
        return Some(Failure::RejectedContent {
            reason: reason.unwrap_or_else(|| "refused".into()),
        });
    }
    classify_by_status(status, is_publish, reason)
}

fn classify_meta(status: u16, json: &Value, is_publish: bool) -> Option<Failure> {
    let Some(error) = json.get("error") else {
        return classify_by_status(status, is_publish, None);
    };
    let code = error.get("code").and_then(Value::as_i64).unwrap_or(0);
    let reason = text_of(error, &["/message"]).unwrap_or_else(|| format!("error {code}"));
    Some(match code {
        190 | 10 | 200..=299 => Failure::AuthExpired { reason },
        // "Unknown" and "service" errors: Meta advises retrying, but a write may have been
        // applied, so on a publish call the outcome is unknown.
        1 | 2 if is_publish => Failure::UnknownOutcome { reason },
        1 | 2 => Failure::Retryable { reason },
        4 | 17 | 32 | 613 => Failure::RateLimited {
            reset_at: None,
            reason,
        },
        368 | 506 => Failure::RejectedContent { reason },
        _ => {
            return classify_by_status(
                if status < 300 { 400 } else { status },
                is_publish,
                Some(reason),
            );
        }
    })
}

fn classify_tiktok(status: u16, json: &Value, is_publish: bool) -> Option<Failure> {
    let code = json
        .pointer("/error/code")
        .and_then(Value::as_str)
        .unwrap_or("");
    let reason = text_of(json, &["/error/message"])
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| code.to_owned());
    match code {
        "ok" | "" if (200..300).contains(&status) => None,
        "access_token_invalid"
        | "scope_not_authorized"
        | "token_not_authorized_for_specified_scope" => Some(Failure::AuthExpired { reason }),
        "rate_limit_exceeded" | "spam_risk_too_many_posts" | "spam_risk_too_many_pending_share" => {
            Some(Failure::RateLimited {
                reset_at: None,
                reason,
            })
        }
        // TikTok gives no retry guarantee for internal errors; an init may have created the
        // publish.
        "internal_error" if is_publish => Some(Failure::UnknownOutcome { reason }),
        "internal_error" => Some(Failure::Retryable { reason }),
        "" => classify_by_status(status, is_publish, None),
        _ if status >= 500 => classify_by_status(status, is_publish, Some(reason)),
        _ => Some(Failure::RejectedContent { reason }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn x_rate_limits_carry_the_reset_time() {
        let failure = classify_http(
            Platform::X,
            true,
            429,
            &headers(&[("x-rate-limit-reset", "1795608000")]),
            "{}",
        );
        assert_eq!(
            failure,
            Some(Failure::RateLimited {
                reset_at: DateTime::from_timestamp(1_795_608_000, 0),
                reason: "rate limit exceeded".into()
            })
        );
    }

    #[test]
    fn x_problems_are_classified() {
        let invalid = r#"{"type":"https://api.x.com/2/problems/invalid-request","title":"Invalid Request","detail":"Text too long","status":400}"#;
        assert_eq!(
            classify_http(Platform::X, true, 400, &[], invalid),
            Some(Failure::RejectedContent {
                reason: "Text too long".into()
            })
        );
        assert!(matches!(
            classify_http(Platform::X, true, 401, &[], "{}"),
            Some(Failure::AuthExpired { .. })
        ));
        let errors_in_200 = r#"{"errors":[{"message":"duplicate content"}]}"#;
        assert!(matches!(
            classify_http(Platform::X, true, 200, &[], errors_in_200),
            Some(Failure::RejectedContent { .. })
        ));
        assert_eq!(
            classify_http(Platform::X, true, 201, &[], r#"{"data":{"id":"1"}}"#),
            None
        );
    }

    #[test]
    fn meta_error_codes_decide_the_class() {
        let meta = |code: i64| {
            format!(
                r#"{{"error":{{"message":"m{code}","type":"OAuthException","code":{code},"fbtrace_id":"x"}}}}"#
            )
        };
        assert!(matches!(
            classify_http(Platform::Facebook, true, 400, &[], &meta(190)),
            Some(Failure::AuthExpired { .. })
        ));
        assert!(matches!(
            classify_http(Platform::Instagram, true, 500, &[], &meta(2)),
            Some(Failure::UnknownOutcome { .. })
        ));
        assert!(matches!(
            classify_http(Platform::Instagram, false, 500, &[], &meta(2)),
            Some(Failure::Retryable { .. })
        ));
        assert!(matches!(
            classify_http(Platform::Instagram, true, 400, &[], &meta(613)),
            Some(Failure::RateLimited { .. })
        ));
        assert!(matches!(
            classify_http(Platform::Facebook, true, 400, &[], &meta(368)),
            Some(Failure::RejectedContent { .. })
        ));
        assert!(matches!(
            classify_http(Platform::Facebook, true, 400, &[], &meta(506)),
            Some(Failure::RejectedContent { .. })
        ));
    }

    #[test]
    fn tiktok_failures_can_arrive_with_http_200() {
        let spam =
            r#"{"error":{"code":"spam_risk_too_many_posts","message":"too many","log_id":"1"}}"#;
        assert!(matches!(
            classify_http(Platform::TikTok, true, 200, &[], spam),
            Some(Failure::RateLimited { .. })
        ));
        let ok = r#"{"data":{"publish_id":"p"},"error":{"code":"ok","message":"","log_id":"1"}}"#;
        assert_eq!(classify_http(Platform::TikTok, true, 200, &[], ok), None);
        let expired =
            r#"{"error":{"code":"access_token_invalid","message":"expired","log_id":"1"}}"#;
        assert!(matches!(
            classify_http(Platform::TikTok, false, 401, &[], expired),
            Some(Failure::AuthExpired { .. })
        ));
    }

    #[test]
    fn a_server_error_on_a_publish_call_is_an_unknown_outcome_except_503() {
        for platform in [Platform::X, Platform::LinkedIn, Platform::Facebook] {
            for status in [500, 502, 504] {
                assert!(
                    matches!(
                        classify_http(platform, true, status, &[], "{}"),
                        Some(Failure::UnknownOutcome { .. })
                    ),
                    "{platform} {status}"
                );
                assert!(matches!(
                    classify_http(platform, false, status, &[], "{}"),
                    Some(Failure::Retryable { .. })
                ));
            }
            assert!(matches!(
                classify_http(platform, true, 503, &[], "{}"),
                Some(Failure::Retryable { .. })
            ));
        }
        let internal = r#"{"error":{"code":"internal_error","message":"oops","log_id":"1"}}"#;
        assert!(matches!(
            classify_http(Platform::TikTok, true, 500, &[], internal),
            Some(Failure::UnknownOutcome { .. })
        ));
    }

    #[test]
    fn a_lost_publish_answer_is_never_retried_blindly() {
        assert!(matches!(
            Failure::answer_lost(true, "timeout"),
            Failure::UnknownOutcome { .. }
        ));
        assert!(matches!(
            Failure::answer_lost(false, "timeout"),
            Failure::Retryable { .. }
        ));
        assert!(matches!(
            classify_http(Platform::LinkedIn, true, 504, &[], ""),
            Some(Failure::UnknownOutcome { .. })
        ));
        assert!(matches!(
            classify_http(Platform::LinkedIn, false, 504, &[], ""),
            Some(Failure::Retryable { .. })
        ));
        assert!(
            matches!(classify_http(Platform::LinkedIn, true, 422, &[], r#"{"message":"commentary too long","status":422}"#),
            Some(Failure::RejectedContent { reason }) if reason == "commentary too long")
        );
    }
}
