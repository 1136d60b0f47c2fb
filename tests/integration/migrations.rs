//! Migrations apply once, in order, atomically, even with several runners at once.

use integration_tests::{connect, empty_database};
use store::{MIGRATIONS, Migration, StoreError, migrate, migrate_with};

async fn recorded_versions(client: &store::tokio_postgres::Client) -> Vec<i32> {
    client
        .query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[tokio::test]
async fn a_second_run_applies_nothing() {
    let database = empty_database().await;
    let mut client = connect(&database).await;

    let first = migrate(&mut client).await.unwrap();
    assert!(first.iter().all(|m| m.newly_applied));
    assert_eq!(first.len(), MIGRATIONS.len());

    let second = migrate(&mut client).await.unwrap();
    assert!(second.iter().all(|m| !m.newly_applied));
    assert_eq!(recorded_versions(&client).await.len(), MIGRATIONS.len());
}

#[tokio::test]
async fn concurrent_runners_apply_each_version_once() {
    let database = empty_database().await;
    let mut runners = Vec::new();
    for _ in 0..4 {
        let database = database.clone();
        runners.push(tokio::spawn(async move {
            let mut client = connect(&database).await;
            migrate(&mut client).await
        }));
    }
    let mut newly_applied = 0;
    for runner in runners {
        let outcome = runner.await.unwrap().expect("every runner succeeds");
        newly_applied += outcome.iter().filter(|m| m.newly_applied).count();
    }
    assert_eq!(
        newly_applied,
        MIGRATIONS.len(),
        "each version applied by exactly one runner"
    );
    let client = connect(&database).await;
    assert_eq!(recorded_versions(&client).await.len(), MIGRATIONS.len());
}

#[tokio::test]
async fn an_applied_migration_that_was_edited_is_refused() {
    let database = empty_database().await;
    let mut client = connect(&database).await;
    let original = [Migration {
        version: 1,
        name: "one",
        sql: "CREATE TABLE one (id INT)",
    }];
    migrate_with(&mut client, &original).await.unwrap();

    let edited = [Migration {
        version: 1,
        name: "one",
        sql: "CREATE TABLE one (id BIGINT)",
    }];
    let error = migrate_with(&mut client, &edited).await.unwrap_err();
    assert!(
        matches!(error, StoreError::Migration(ref m) if m.contains("changed after it was applied")),
        "{error}"
    );
}

#[tokio::test]
async fn a_failing_migration_leaves_nothing_half_applied() {
    let database = empty_database().await;
    let mut client = connect(&database).await;
    let migrations = [
        Migration {
            version: 1,
            name: "good",
            sql: "CREATE TABLE good (id INT)",
        },
        Migration {
            version: 2,
            name: "bad",
            sql: "CREATE TABLE half (id INT); SELECT no_such_function();",
        },
    ];
    let error = migrate_with(&mut client, &migrations).await.unwrap_err();
    assert!(error.to_string().contains("V2 (bad)"), "{error}");

    assert_eq!(recorded_versions(&client).await, vec![1]);
    let half: Option<String> = client
        .query_one("SELECT to_regclass('half')::text", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        half, None,
        "the failed migration's first statement was rolled back"
    );
}
