use std::fmt;
use std::str::FromStr;

/// A text value that is not one of an enumeration's variants.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not a valid {kind}; expected one of: {expected}")]
pub struct UnknownVariant {
    pub kind: &'static str,
    pub value: String,
    pub expected: String,
}

/// Declares a text-backed enumeration: one list gives the Rust variant, its stored text and any
/// accepted aliases, so parsing, display, serde and the list of allowed values cannot drift apart.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $kind:literal {
            $( $variant:ident => $text:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $( $variant ),+ }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];

            /// The stored (and serialised) text of this variant.
            pub const fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $text ),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownVariant;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                let lowered = value.trim().to_ascii_lowercase();
                match lowered.as_str() {
                    $( $text $(| $alias)* => Ok($name::$variant), )+
                    _ => Err(UnknownVariant {
                        kind: $kind,
                        value: value.to_owned(),
                        expected: [$($text),+].join(", "),
                    }),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({ "type": "string", "enum": [$($text),+] })
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

text_enum! {
    /// A social network the product publishes to. X was Twitter; the old name is still accepted.
    Platform, "platform" {
        Facebook => "facebook",
        Instagram => "instagram",
        X => "x" | "twitter",
        LinkedIn => "linkedin",
        TikTok => "tiktok",
    }
}

impl Platform {
    /// The network's name as people write it, for messages.
    pub const fn display_name(self) -> &'static str {
        match self {
            Platform::Facebook => "Facebook",
            Platform::Instagram => "Instagram",
            Platform::X => "X",
            Platform::LinkedIn => "LinkedIn",
            Platform::TikTok => "TikTok",
        }
    }
}

text_enum! {
    /// A member's role inside one organization.
    Role, "role" {
        Admin => "admin",
        Manager => "manager",
        User => "user",
        Viewer => "viewer",
    }
}

text_enum! {
    /// The state of a post as a whole, derived from its targets once publishing starts.
    PostStatus, "post status" {
        Draft => "draft",
        Scheduled => "scheduled",
        Publishing => "publishing",
        Published => "published",
        PartiallyFailed => "partially_failed",
        Failed => "failed",
    }
}

text_enum! {
    /// A media asset: reserved by an upload URL until its confirmation checked the file.
    MediaStatus, "media status" {
        Pending => "pending",
        Ready => "ready",
    }
}

text_enum! {
    /// A connected social account: usable, or refused by its platform until it is reconnected.
    AccountStatus, "account status" {
        Active => "active",
        NeedsReconnect => "needs_reconnect",
    }
}

text_enum! {
    /// The state of one post on one social account. `Unconfirmed` means the platform may have
    /// applied the request but we never saw its answer, so it is never retried blindly.
    PostPlatformStatus, "post platform status" {
        Pending => "pending",
        Publishing => "publishing",
        Published => "published",
        Failed => "failed",
        Unconfirmed => "unconfirmed",
        Cancelled => "cancelled",
    }
}

text_enum! {
    /// What a notification is about; each kind has one cause that produces it, and users choose
    /// per kind on which channels they hear about it.
    NotificationKind, "notification kind" {
        PostPublished => "post_published",
        PostFailed => "post_failed",
        PostUnconfirmed => "post_unconfirmed",
        AccountNeedsReconnect => "account_needs_reconnect",
        ExportReady => "export_ready",
        ReportReady => "report_ready",
        AiTaskFailed => "ai_task_failed",
        AiWorkflowFinished => "ai_workflow_finished",
        CrisisAlert => "crisis_alert",
        PerformanceAlert => "performance_alert",
        CompetitorAlert => "competitor_alert",
        MemberInvited => "member_invited",
        MemberJoined => "member_joined",
        BillingAlert => "billing_alert",
    }
}

impl NotificationKind {
    /// Whether a user who never chose hears about this kind by email too: failures and what
    /// needs action do, routine news does not.
    pub const fn emailed_by_default(self) -> bool {
        matches!(
            self,
            NotificationKind::PostFailed
                | NotificationKind::PostUnconfirmed
                | NotificationKind::AccountNeedsReconnect
                | NotificationKind::CrisisAlert
                | NotificationKind::BillingAlert
        )
    }
}

text_enum! {
    /// When notification emails go out: one per notification, or one digest a day.
    EmailDelivery, "email delivery" {
        Immediate => "immediate",
        DailyDigest => "daily_digest",
    }
}

text_enum! {
    ContentType, "content type" {
        Text => "text",
        Image => "image",
        Video => "video",
        Carousel => "carousel",
    }
}

text_enum! {
    SubscriptionPlan, "subscription plan" {
        Free => "free",
        Pro => "pro",
        Business => "business",
        Enterprise => "enterprise",
    }
}

text_enum! {
    /// Mirrors Stripe's subscription states so webhook updates map one to one.
    SubscriptionStatus, "subscription status" {
        Active => "active",
        Trialing => "trialing",
        PastDue => "past_due",
        Canceled => "canceled",
        Incomplete => "incomplete",
        IncompleteExpired => "incomplete_expired",
        Unpaid => "unpaid",
        Paused => "paused",
    }
}

text_enum! {
    AgentType, "agent type" {
        ContentCreator => "content_creator",
        TrendAnalyzer => "trend_analyzer",
        EngagementOptimizer => "engagement_optimizer",
        SmartScheduler => "smart_scheduler",
        PerformanceTracker => "performance_tracker",
        CompetitorMonitor => "competitor_monitor",
        CrisisManager => "crisis_manager",
        Orchestrator => "orchestrator",
    }
}

text_enum! {
    AgentTaskStatus, "agent task status" {
        Pending => "pending",
        Running => "running",
        Completed => "completed",
        Failed => "failed",
        Cancelled => "cancelled",
    }
}

text_enum! {
    MemoryType, "memory type" {
        Conversation => "conversation",
        Knowledge => "knowledge",
        Preference => "preference",
    }
}

text_enum! {
    IntegrationSyncStatus, "integration sync status" {
        Active => "active",
        Error => "error",
        Disabled => "disabled",
    }
}

text_enum! {
    ExportRequestType, "export request type" {
        FullExport => "full_export",
        SpecificData => "specific_data",
    }
}

text_enum! {
    DataExportStatus, "data export status" {
        Pending => "pending",
        Processing => "processing",
        Completed => "completed",
        Failed => "failed",
    }
}

text_enum! {
    InsightSource, "insight source" {
        PlatformApi => "platform_api",
        AiAnalysis => "ai_analysis",
    }
}

text_enum! {
    /// What an audit row records. Reads of personal data are audited too (GDPR access trail).
    AuditAction, "audit action" {
        Create => "create",
        Read => "read",
        Update => "update",
        Delete => "delete",
        Export => "export",
        Login => "login",
        Logout => "logout",
        Publish => "publish",
        Schedule => "schedule",
        Invite => "invite",
        Connect => "connect",
        Disconnect => "disconnect",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing_is_case_insensitive_and_round_trips_through_text() {
        for platform in Platform::ALL {
            assert_eq!(platform.as_str().parse::<Platform>(), Ok(*platform));
            assert_eq!(
                platform.as_str().to_uppercase().parse::<Platform>(),
                Ok(*platform)
            );
        }
    }

    #[test]
    fn twitter_is_an_alias_of_x() {
        assert_eq!("twitter".parse::<Platform>(), Ok(Platform::X));
        assert_eq!(Platform::X.to_string(), "x");
    }

    #[test]
    fn unknown_text_names_the_allowed_values() {
        let error = "myspace".parse::<Platform>().unwrap_err();
        assert_eq!(error.kind, "platform");
        assert!(
            error
                .to_string()
                .contains("facebook, instagram, x, linkedin, tiktok")
        );
    }

    #[test]
    fn serde_uses_the_stored_text_and_rejects_unknown_values() {
        assert_eq!(
            serde_json::to_string(&Role::Manager).unwrap(),
            "\"manager\""
        );
        assert_eq!(
            serde_json::from_str::<PostStatus>("\"partially_failed\"").unwrap(),
            PostStatus::PartiallyFailed
        );
        let error = serde_json::from_str::<Role>("\"owner\"").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("expected one of: admin, manager, user, viewer")
        );
    }
}
