//! The product's vocabulary: enumerations whose text form is what the database stores (and what
//! its CHECK constraints allow), so a value that parses here is always a value Postgres accepts.

mod enums;

pub use enums::{
    AgentTaskStatus, AgentType, AuditAction, ContentType, DataExportStatus, ExportRequestType,
    InsightSource, IntegrationSyncStatus, MemoryType, Platform, PostPlatformStatus, PostStatus,
    Role, SubscriptionPlan, SubscriptionStatus, UnknownVariant,
};
