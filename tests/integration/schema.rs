//! The migrated schema holds every table and column of the spec, and the database itself
//! enforces the rules the spec leaves to convention.

use std::collections::{BTreeMap, BTreeSet};

use domain::{
    AccountStatus, AgentType, ContentType, MediaStatus, Platform, PostPlatformStatus, PostStatus,
    Role, SubscriptionPlan,
};
use integration_tests::{connect, fresh_database};
use store::tokio_postgres::Client;

/// Every table and column of ../shared/seed/platform-spec.md, as the spec lists them.
const SPEC: &[(&str, &[&str])] = &[
    (
        "organizations",
        &[
            "id",
            "name",
            "slug",
            "subscription_plan",
            "subscription_status",
            "max_users",
            "max_social_accounts",
            "created_at",
            "updated_at",
            "deleted_at",
            "data_retention_days",
            "gdpr_consent",
            "gdpr_consent_date",
        ],
    ),
    (
        "users",
        &[
            "id",
            "organization_id",
            "email",
            "password_hash",
            "first_name",
            "last_name",
            "role",
            "avatar_url",
            "timezone",
            "language",
            "is_active",
            "email_verified",
            "last_login",
            "created_at",
            "updated_at",
            "gdpr_consent",
            "gdpr_consent_date",
            "data_export_requested",
            "data_deletion_requested",
        ],
    ),
    (
        "user_sessions",
        &[
            "id",
            "user_id",
            "token_hash",
            "device_info",
            "ip_address",
            "expires_at",
            "created_at",
        ],
    ),
    (
        "social_accounts",
        &[
            "id",
            "organization_id",
            "user_id",
            "platform",
            "account_name",
            "account_handle",
            "account_id",
            "access_token",
            "refresh_token",
            "token_expires_at",
            "account_data",
            "is_active",
            "last_sync",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "posts",
        &[
            "id",
            "organization_id",
            "user_id",
            "title",
            "content",
            "content_type",
            "media_urls",
            "hashtags",
            "mentions",
            "status",
            "scheduled_at",
            "published_at",
            "ai_generated",
            "ai_agent_id",
            "ai_prompt",
            "ai_model_used",
            "engagement_score",
            "reach_count",
            "impression_count",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "post_platforms",
        &[
            "id",
            "post_id",
            "social_account_id",
            "platform_post_id",
            "status",
            "published_at",
            "error_message",
            "platform_data",
        ],
    ),
    (
        "analytics",
        &[
            "id",
            "organization_id",
            "post_id",
            "social_account_id",
            "likes_count",
            "comments_count",
            "shares_count",
            "clicks_count",
            "impressions_count",
            "reach_count",
            "engagement_rate",
            "recorded_at",
            "date_bucket",
            "hour_bucket",
            "sentiment_score",
            "virality_score",
            "platform_algorithm_score",
        ],
    ),
    (
        "audience_insights",
        &[
            "id",
            "organization_id",
            "social_account_id",
            "age_group",
            "gender",
            "location",
            "interests",
            "best_posting_times",
            "preferred_content_types",
            "engagement_trends",
            "analysis_date",
            "data_source",
        ],
    ),
    (
        "ai_agents",
        &[
            "id",
            "organization_id",
            "agent_type",
            "agent_name",
            "configuration",
            "is_active",
            "tasks_completed",
            "success_rate",
            "last_execution",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "ai_agent_tasks",
        &[
            "id",
            "organization_id",
            "agent_id",
            "task_type",
            "input_data",
            "output_data",
            "status",
            "started_at",
            "completed_at",
            "execution_time_ms",
            "error_message",
            "model_used",
            "tokens_used",
            "cost_usd",
            "created_at",
        ],
    ),
    (
        "ai_agent_memory",
        &[
            "id",
            "organization_id",
            "agent_id",
            "memory_type",
            "content_summary",
            "vector_id",
            "metadata",
            "importance_score",
            "created_at",
            "expires_at",
        ],
    ),
    (
        "integrations",
        &[
            "id",
            "organization_id",
            "integration_type",
            "configuration",
            "is_active",
            "last_sync",
            "sync_status",
            "error_message",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "webhook_events",
        &[
            "id",
            "organization_id",
            "source",
            "event_type",
            "event_data",
            "processed",
            "processed_at",
            "retry_count",
            "created_at",
        ],
    ),
    (
        "audit_logs",
        &[
            "id",
            "organization_id",
            "user_id",
            "action",
            "resource_type",
            "resource_id",
            "old_values",
            "new_values",
            "ip_address",
            "user_agent",
            "created_at",
        ],
    ),
    (
        "data_export_requests",
        &[
            "id",
            "user_id",
            "request_type",
            "status",
            "export_url",
            "expires_at",
            "created_at",
            "completed_at",
        ],
    ),
];

async fn columns_by_table(client: &Client) -> BTreeMap<String, BTreeSet<String>> {
    let rows = client
        .query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = 'public'",
            &[],
        )
        .await
        .unwrap();
    let mut tables: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in rows {
        tables.entry(row.get(0)).or_default().insert(row.get(1));
    }
    tables
}

#[tokio::test]
async fn every_table_and_column_of_the_spec_exists() {
    let client = connect(&fresh_database().await).await;
    let tables = columns_by_table(&client).await;
    assert_eq!(SPEC.len(), 15);
    for (table, columns) in SPEC {
        let actual = tables
            .get(*table)
            .unwrap_or_else(|| panic!("table {table} is missing"));
        let missing: Vec<_> = columns.iter().filter(|c| !actual.contains(**c)).collect();
        assert!(missing.is_empty(), "{table} lacks {missing:?}");
    }
}

#[tokio::test]
async fn the_spec_defaults_and_cascade_rules_hold() {
    let client = connect(&fresh_database().await).await;
    let org = client
        .query_one("INSERT INTO organizations (name, slug) VALUES ('Acme', 'acme')
                    RETURNING subscription_plan, subscription_status, max_users, max_social_accounts,
                              data_retention_days, gdpr_consent, id", &[])
        .await
        .unwrap();
    assert_eq!(org.get::<_, String>(0), "free");
    assert_eq!(org.get::<_, String>(1), "active");
    assert_eq!(org.get::<_, i32>(2), 5);
    assert_eq!(org.get::<_, i32>(3), 3);
    assert_eq!(org.get::<_, i32>(4), 365);
    assert!(!org.get::<_, bool>(5));
    let org_id: uuid::Uuid = org.get(6);

    let user: uuid::Uuid = client
        .query_one("INSERT INTO users (organization_id, email, password_hash) VALUES ($1, 'a@acme.io', 'x')
                    RETURNING id", &[&org_id])
        .await
        .unwrap()
        .get(0);
    let defaults = client
        .query_one(
            "SELECT role, timezone, language, is_active, email_verified FROM users WHERE id = $1",
            &[&user],
        )
        .await
        .unwrap();
    assert_eq!(defaults.get::<_, String>(0), "user");
    assert_eq!(defaults.get::<_, String>(1), "UTC");
    assert_eq!(defaults.get::<_, String>(2), "en");
    assert!(defaults.get::<_, bool>(3));
    assert!(!defaults.get::<_, bool>(4));

    let post: uuid::Uuid = client
        .query_one(
            "INSERT INTO posts (organization_id, user_id, content) VALUES ($1, $2, 'hello')
                    RETURNING id",
            &[&org_id, &user],
        )
        .await
        .unwrap()
        .get(0);
    client
        .execute(
            "INSERT INTO audit_logs (organization_id, user_id, action, resource_type, resource_id)
                  VALUES ($1, $2, 'create', 'post', $3)",
            &[&org_id, &user, &post],
        )
        .await
        .unwrap();

    // When the user is deleted, the organization keeps their posts (authorless) and the audit
    // trail stays, anonymised.
    client
        .execute("DELETE FROM users WHERE id = $1", &[&user])
        .await
        .unwrap();
    let authors: Vec<Option<uuid::Uuid>> = client
        .query("SELECT user_id FROM posts", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(authors, vec![None]);
    let audit = client
        .query_one("SELECT user_id FROM audit_logs", &[])
        .await
        .unwrap();
    assert_eq!(audit.get::<_, Option<uuid::Uuid>>(0), None);

    // When the organization is deleted, everything it owns goes.
    client
        .execute("DELETE FROM organizations WHERE id = $1", &[&org_id])
        .await
        .unwrap();
    let audit_rows: i64 = client
        .query_one("SELECT count(*) FROM audit_logs", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(audit_rows, 0);
}

/// Tries `INSERT ... VALUES (<value>)` for one enumerated column inside a savepoint.
async fn accepts(client: &mut Client, insert: &str, value: &str) -> bool {
    let mut tx = client.transaction().await.unwrap();
    let outcome = {
        let savepoint = tx.savepoint("probe").await.unwrap();
        let result = savepoint.execute(insert, &[&value]).await;
        let _ = savepoint.rollback().await;
        result
    };
    tx.rollback().await.unwrap();
    match outcome {
        Ok(_) => true,
        Err(error) => {
            let db = error.as_db_error().expect("a database error");
            assert_eq!(
                db.code().code(),
                "23514",
                "expected a CHECK violation, got {db}"
            );
            false
        }
    }
}

#[tokio::test]
async fn enumerated_columns_accept_exactly_the_domain_values() {
    let mut client = connect(&fresh_database().await).await;
    client
        .batch_execute(
            "INSERT INTO organizations (id, name, slug) VALUES ('00000000-0000-0000-0000-000000000001', 'A', 'a');
             INSERT INTO users (id, organization_id, email, password_hash)
               VALUES ('00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-000000000001', 'u@a.io', 'x');
             INSERT INTO posts (id, organization_id, user_id, content)
               VALUES ('00000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-000000000001',
                       '00000000-0000-0000-0000-000000000002', 'c');
             INSERT INTO social_accounts (id, organization_id, platform, account_id)
               VALUES ('00000000-0000-0000-0000-000000000004', '00000000-0000-0000-0000-000000000001', 'x', '1');",
        )
        .await
        .unwrap();
    const ORG: &str = "'00000000-0000-0000-0000-000000000001'";
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            format!("INSERT INTO social_accounts (organization_id, platform, account_id) VALUES ({ORG}, $1, gen_random_uuid()::text)"),
            Platform::ALL.iter().map(|p| p.as_str()).collect(),
        ),
        (
            format!("INSERT INTO users (organization_id, email, password_hash, role) VALUES ({ORG}, gen_random_uuid()::text || '@a.io', 'x', $1)"),
            Role::ALL.iter().map(|r| r.as_str()).collect(),
        ),
        (
            format!("INSERT INTO posts (organization_id, content, status, scheduled_at) VALUES ({ORG}, 'c', $1, now())"),
            PostStatus::ALL.iter().map(|s| s.as_str()).collect(),
        ),
        (
            format!("INSERT INTO posts (organization_id, content, content_type) VALUES ({ORG}, 'c', $1)"),
            ContentType::ALL.iter().map(|s| s.as_str()).collect(),
        ),
        (
            "INSERT INTO post_platforms (post_id, social_account_id, status, platform_post_id)
             VALUES ('00000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-000000000004', $1, 'p1')".to_owned(),
            PostPlatformStatus::ALL.iter().map(|s| s.as_str()).collect(),
        ),
        (
            format!("INSERT INTO social_accounts (organization_id, platform, account_id, status) VALUES ({ORG}, 'x', gen_random_uuid()::text, $1)"),
            AccountStatus::ALL.iter().map(|s| s.as_str()).collect(),
        ),
        (
            format!("INSERT INTO media_assets (organization_id, s3_key, original_name, mime_type, bytes, status, confirmed_at) VALUES ({ORG}, gen_random_uuid()::text, 'a.png', 'image/png', 1, $1, now())"),
            MediaStatus::ALL.iter().map(|s| s.as_str()).collect(),
        ),
        (
            "INSERT INTO organizations (name, slug, subscription_plan) VALUES ('n', 's' || md5(random()::text), $1)".to_owned(),
            SubscriptionPlan::ALL.iter().map(|s| s.as_str()).collect(),
        ),
        (
            format!("INSERT INTO ai_agents (organization_id, agent_type, agent_name, configuration) VALUES ({ORG}, $1, 'n', '{{}}')"),
            AgentType::ALL.iter().map(|s| s.as_str()).collect(),
        ),
    ];
    for (insert, allowed) in cases {
        for value in &allowed {
            assert!(
                accepts(&mut client, &insert, value).await,
                "{value} refused by: {insert}"
            );
        }
        for bogus in ["", "unknown", "ADMIN-ish"] {
            assert!(
                !accepts(&mut client, &insert, bogus).await,
                "{bogus:?} accepted by: {insert}"
            );
        }
    }
}

#[tokio::test]
async fn updated_at_is_maintained_by_the_database() {
    let client = connect(&fresh_database().await).await;
    let id: uuid::Uuid = client
        .query_one(
            "INSERT INTO organizations (name, slug) VALUES ('A', 'a') RETURNING id",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let row = client
        .query_one(
            "UPDATE organizations SET name = 'B' WHERE id = $1 RETURNING created_at < updated_at",
            &[&id],
        )
        .await
        .unwrap();
    assert!(row.get::<_, bool>(0), "updated_at did not move forward");
}

#[tokio::test]
async fn a_scheduled_post_needs_a_time_and_a_published_target_needs_its_platform_id() {
    let client = connect(&fresh_database().await).await;
    let org: uuid::Uuid = client
        .query_one(
            "INSERT INTO organizations (name, slug) VALUES ('A', 'a') RETURNING id",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let unscheduled = client
        .execute(
            "INSERT INTO posts (organization_id, content, status) VALUES ($1, 'c', 'scheduled')",
            &[&org],
        )
        .await;
    assert!(unscheduled.is_err());
    let lower = client
        .execute(
            "INSERT INTO users (organization_id, email, password_hash) VALUES ($1, 'A@B.io', 'x')",
            &[&org],
        )
        .await;
    assert!(lower.is_err(), "emails must be stored lower-case");
}

#[tokio::test]
async fn the_indexes_the_product_queries_need_exist() {
    let client = connect(&fresh_database().await).await;
    let rows = client
        .query(
            "SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = 'public'",
            &[],
        )
        .await
        .unwrap();
    let definitions: BTreeMap<String, String> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    for (name, columns) in [
        (
            "posts_org_status_schedule_idx",
            "(organization_id, status, scheduled_at)",
        ),
        ("posts_due_idx", "(scheduled_at)"),
        ("post_platforms_target_key", "(post_id, social_account_id)"),
        ("analytics_post_bucket_idx", "(post_id, date_bucket)"),
        (
            "audit_logs_org_created_idx",
            "(organization_id, created_at DESC)",
        ),
        ("user_sessions_token_hash_key", "(token_hash)"),
        (
            "social_accounts_identity_key",
            "(organization_id, platform, account_id)",
        ),
        (
            "ai_agent_tasks_org_created_idx",
            // id breaks ties for the task history's keyset cursor.
            "(organization_id, created_at DESC, id DESC)",
        ),
    ] {
        let definition = definitions
            .get(name)
            .unwrap_or_else(|| panic!("index {name} is missing"));
        assert!(definition.contains(columns), "{name} is {definition}");
    }
}
