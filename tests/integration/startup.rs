//! What a function does at a cold start: read the secret once, provision nothing, fail clearly.

use cloud::aws_sdk_sqs::types::QueueAttributeName;
use integration_tests::{TestEnv, local_stack, sdk, unique};
use runtime::{AppState, StartupError};

#[tokio::test]
async fn the_app_state_carries_the_secret_read_from_secrets_manager() {
    let env = TestEnv::new().await;
    let state = env.state().await;
    assert_eq!(state.secrets.token_encryption_key.expose().len(), 32);
    assert!(state.secrets.jwt_signing_key.expose().len() >= 32);
    assert_eq!(
        state.secrets.platforms.len(),
        5,
        "locally, every platform's sandbox app is configured"
    );
}

#[tokio::test]
async fn a_missing_secret_stops_start_up_with_an_error_naming_it() {
    let env = TestEnv::new().await;
    let config = env.config_with(|vars| {
        vars.insert("APP_SECRET_ID".into(), "no/such/secret".into());
    });
    let error = AppState::build(config, &sdk())
        .await
        .err()
        .expect("start-up fails");
    assert!(matches!(error, StartupError::Secret(_)), "{error}");
    assert!(error.to_string().contains("no/such/secret"), "{error}");
}

#[tokio::test]
async fn provisioning_twice_is_harmless_and_wires_every_queue_to_its_dead_letter_queue() {
    let aws = cloud::AwsClients::new(&sdk());
    let names = local_stack::LocalResources {
        table: unique("itest"),
        bucket: unique("itest"),
        secret_id: unique("itest/app"),
        queue_prefix: format!("{}-", unique("itest")),
        email_from: "no-reply@itest.local".to_owned(),
    };
    let first = local_stack::provision(&aws, &names).await.unwrap();
    let second = local_stack::provision(&aws, &names).await.unwrap();
    assert_eq!(first.urls, second.urls);
    assert_eq!(first.arns, second.arns);
    assert_eq!(first.urls.len(), cloud::QUEUES.len());

    for queue in cloud::QUEUES {
        let attributes = aws
            .sqs
            .get_queue_attributes()
            .queue_url(&first.urls[queue.name])
            .attribute_names(QueueAttributeName::RedrivePolicy)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap();
        let policy = &attributes[&QueueAttributeName::RedrivePolicy];
        assert!(
            policy.contains(&queue.dead_letter_name()),
            "{}: {policy}",
            queue.name
        );
    }
}
