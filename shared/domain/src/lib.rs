//! The product's vocabulary: enumerations whose text form is what the database stores (and what
//! its CHECK constraints allow), so a value that parses here is always a value Postgres accepts.

mod enums;
mod media_rules;
mod permissions;
mod plans;
mod text_rules;
mod validated;

pub use enums::{
    AccountStatus, AgentTaskStatus, AgentType, AuditAction, ContentType, DataExportStatus,
    EmailDelivery, ExportRequestType, InsightSource, IntegrationSyncStatus, MediaStatus,
    MemoryType, NotificationKind, Platform, PostPlatformStatus, PostStatus, Role, SubscriptionPlan,
    SubscriptionStatus, UnknownVariant,
};
pub use media_rules::{ImageRules, MAX_UPLOAD_BYTES, MediaType};
pub use permissions::Permission;
pub use plans::PlanLimits;
pub use text_rules::{
    HashtagCaps, TextLimits, TextReport, X_URL_WEIGHT, check_text, hashtags, linkedin_commentary,
    text_as_sent, x_weighted_length,
};
pub use validated::{
    EmailAddress, Invalid, NewPassword, Slug, TimeZone, bounded_text, language_tag, post_text,
};
