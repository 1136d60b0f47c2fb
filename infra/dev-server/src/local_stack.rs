//! Creates, idempotently, the resources template.yaml declares, on the local AWS endpoint:
//! the DynamoDB table (with TTL), the media bucket (with CORS), every queue with its DLQ, and
//! the application secret with freshly generated keys.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cloud::aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TimeToLiveSpecification,
};
use cloud::aws_sdk_s3::types::{CorsConfiguration, CorsRule};
use cloud::aws_sdk_sqs::types::QueueAttributeName;
use cloud::{AwsClients, QUEUES, QueueSpec};
use rand::RngCore;

#[derive(Debug, thiserror::Error)]
#[error("provisioning {resource} failed: {reason}")]
pub struct ProvisionError {
    pub resource: String,
    pub reason: String,
}

fn failed(resource: &str, error: impl std::fmt::Debug) -> ProvisionError {
    ProvisionError {
        resource: resource.to_owned(),
        reason: format!("{error:?}"),
    }
}

/// Names of the local resources; tests pass unique ones to isolate themselves.
#[derive(Debug, Clone)]
pub struct LocalResources {
    pub table: String,
    pub bucket: String,
    pub secret_id: String,
    /// Prefix of every queue name.
    pub queue_prefix: String,
    /// The sender address, verified as an SES identity.
    pub email_from: String,
}

impl Default for LocalResources {
    fn default() -> Self {
        LocalResources {
            table: "social-local".to_owned(),
            bucket: "social-local-media".to_owned(),
            secret_id: "social/local/app".to_owned(),
            queue_prefix: "social-local-".to_owned(),
            email_from: "no-reply@social.local".to_owned(),
        }
    }
}

/// Local app secrets carry a prefix the test run's log scan looks for: none may ever be logged.
pub const LOCAL_CLIENT_SECRET_PREFIX: &str = "sbxsecret-";

fn local_client_secret() -> String {
    let mut bytes = [0u8; 18];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{LOCAL_CLIENT_SECRET_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// The database pool size template.yaml gives every function: tests and benchmarks run with it,
/// never with a roomier one.
pub fn deployed_db_max_connections() -> usize {
    const TEMPLATE: &str = include_str!("../../../template.yaml");
    TEMPLATE
        .lines()
        .find_map(|line| line.trim().strip_prefix("DB_MAX_CONNECTIONS:"))
        .and_then(|value| value.trim().trim_matches('"').parse().ok())
        .expect("template.yaml sets DB_MAX_CONNECTIONS for every function")
}

/// The URL and ARN of every queue, by logical queue name.
#[derive(Debug, Clone, Default)]
pub struct ProvisionedQueues {
    pub urls: BTreeMap<&'static str, String>,
    pub arns: BTreeMap<&'static str, String>,
}

impl ProvisionedQueues {
    /// The environment variables a function is configured with for these queues: each queue's
    /// URL, and the ARN of those that schedules deliver to.
    pub fn env_vars(&self) -> impl Iterator<Item = (&'static str, String)> + '_ {
        QUEUES.iter().flat_map(|queue| {
            let url = self
                .urls
                .get(queue.name)
                .map(|url| (queue.url_env, url.clone()));
            let arn = queue
                .arn_env
                .zip(self.arns.get(queue.name))
                .map(|(name, arn)| (name, arn.clone()));
            url.into_iter().chain(arn)
        })
    }
}

/// Provisions everything and returns the queues.
impl LocalResources {
    /// The resources a function configuration names, with its queues under `queue_prefix`.
    pub fn of(config: &runtime::Config, queue_prefix: &str) -> Self {
        LocalResources {
            table: config.table_name.clone(),
            bucket: config.media_bucket.clone(),
            secret_id: config.app_secret_id.clone(),
            email_from: config.email_from.clone(),
            queue_prefix: queue_prefix.to_owned(),
        }
    }
}

pub async fn provision(
    aws: &AwsClients,
    names: &LocalResources,
) -> Result<ProvisionedQueues, ProvisionError> {
    create_table(aws, &names.table).await?;
    create_bucket(aws, &names.bucket).await?;
    create_secret(aws, &names.secret_id).await?;
    verify_sender(aws, &names.email_from).await?;
    create_queues(aws, &names.queue_prefix, QUEUES).await
}

pub async fn create_table(aws: &AwsClients, table: &str) -> Result<(), ProvisionError> {
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .expect("name and type are set")
    };
    let key = |name: &str, kind| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .expect("name and type are set")
    };
    let created = aws
        .dynamodb
        .create_table()
        .table_name(table)
        .attribute_definitions(attribute("pk"))
        .attribute_definitions(attribute("sk"))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await;
    match created {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_resource_in_use_exception()) => {}
        Err(e) => return Err(failed(table, e)),
    }
    aws.dynamodb
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name("ttl")
                .enabled(true)
                .build()
                .expect("name and flag are set"),
        )
        .send()
        .await
        .map(|_| ())
        .or_else(|e| {
            // Enabling TTL twice is refused; that is the state we want.
            let text = format!("{e:?}");
            if text.contains("already enabled") {
                Ok(())
            } else {
                Err(failed(table, e))
            }
        })
}

pub async fn create_bucket(aws: &AwsClients, bucket: &str) -> Result<(), ProvisionError> {
    match aws.s3.create_bucket().bucket(bucket).send().await {
        Ok(_) => {}
        Err(e)
            if e.as_service_error().is_some_and(|e| {
                e.is_bucket_already_owned_by_you() || e.is_bucket_already_exists()
            }) => {}
        Err(e) => return Err(failed(bucket, e)),
    }
    // Browsers upload straight to the bucket with presigned PUTs. Locally the app is served by
    // the dev server (:3000), by Vite (:5173) or by the browser tests' dev server: any origin
    // (a presigned URL is the credential; no cookie is involved).
    let rule = CorsRule::builder()
        .allowed_methods("PUT")
        .allowed_methods("GET")
        .allowed_methods("HEAD")
        .allowed_origins("*")
        .allowed_headers("*")
        .expose_headers("ETag")
        .max_age_seconds(3000)
        .build()
        .map_err(|e| failed(bucket, e))?;
    aws.s3
        .put_bucket_cors()
        .bucket(bucket)
        .cors_configuration(
            CorsConfiguration::builder()
                .cors_rules(rule)
                .build()
                .map_err(|e| failed(bucket, e))?,
        )
        .send()
        .await
        .map_err(|e| failed(bucket, e))?;
    Ok(())
}

/// SES refuses to send from an unverified address; locally, verification is immediate.
pub async fn verify_sender(aws: &AwsClients, email: &str) -> Result<(), ProvisionError> {
    match aws
        .ses
        .create_email_identity()
        .email_identity(email)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_already_exists_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(failed(email, e)),
    }
}

/// A new application secret: random keys, and an app of every platform registered with the
/// platform sandbox (any client id and secret work there).
/// The verify token Meta's webhook subscription check presents locally.
pub const LOCAL_META_VERIFY_TOKEN: &str = "sandbox-meta-verify-token";

pub fn generate_app_secret() -> String {
    let random = |len: usize| {
        let mut bytes = vec![0u8; len];
        rand::rng().fill_bytes(&mut bytes);
        STANDARD.encode(bytes)
    };
    serde_json::json!({
        "jwt_signing_key": random(64),
        "token_encryption_key": random(32),
        "platforms": {
            "x": { "client_id": "sandbox-x", "client_secret": local_client_secret() },
            "facebook": { "client_id": "sandbox-meta", "client_secret": local_client_secret(),
                          "webhook_verify_token": LOCAL_META_VERIFY_TOKEN },
            "instagram": { "client_id": "sandbox-meta", "client_secret": local_client_secret(),
                           "webhook_verify_token": LOCAL_META_VERIFY_TOKEN },
            "linkedin": { "client_id": "sandbox-linkedin", "client_secret": local_client_secret() },
            "tiktok": { "client_id": "sandbox-tiktok", "client_secret": local_client_secret() },
        },
    })
    .to_string()
}

pub async fn create_secret(aws: &AwsClients, secret_id: &str) -> Result<(), ProvisionError> {
    let created = aws
        .secrets
        .create_secret()
        .name(secret_id)
        .secret_string(generate_app_secret())
        .send()
        .await;
    match created {
        Ok(_) => Ok(()),
        // Keep an existing secret: tokens signed with its keys must stay valid across restarts.
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_resource_exists_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(failed(secret_id, e)),
    }
}

async fn create_queue(
    aws: &AwsClients,
    name: &str,
    attributes: Vec<(QueueAttributeName, String)>,
) -> Result<String, ProvisionError> {
    let mut request = aws.sqs.create_queue().queue_name(name);
    for (key, value) in attributes {
        request = request.attributes(key, value);
    }
    let output = request.send().await.map_err(|e| failed(name, e))?;
    output
        .queue_url
        .ok_or_else(|| failed(name, "no queue URL in the answer"))
}

async fn queue_arn(aws: &AwsClients, name: &str, url: &str) -> Result<String, ProvisionError> {
    aws.sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| failed(name, e))?
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .ok_or_else(|| failed(name, "no queue ARN in the answer"))
}

/// Creates `queues` (each with its dead-letter queue) under `prefix`.
pub async fn create_queues(
    aws: &AwsClients,
    prefix: &str,
    queues: &[QueueSpec],
) -> Result<ProvisionedQueues, ProvisionError> {
    let mut provisioned = ProvisionedQueues::default();
    for queue in queues {
        let dlq_name = format!("{prefix}{}", queue.dead_letter_name());
        let dlq_url = create_queue(
            aws,
            &dlq_name,
            vec![(
                QueueAttributeName::MessageRetentionPeriod,
                "1209600".to_owned(),
            )],
        )
        .await?;
        let dlq_arn = queue_arn(aws, &dlq_name, &dlq_url).await?;
        let redrive = serde_json::json!({
            "deadLetterTargetArn": dlq_arn,
            "maxReceiveCount": queue.max_receive_count,
        });
        let name = format!("{prefix}{}", queue.name);
        let url = create_queue(
            aws,
            &name,
            vec![
                (QueueAttributeName::RedrivePolicy, redrive.to_string()),
                (
                    QueueAttributeName::VisibilityTimeout,
                    queue.visibility_timeout_secs.to_string(),
                ),
            ],
        )
        .await?;
        provisioned
            .arns
            .insert(queue.name, queue_arn(aws, &name, &url).await?);
        provisioned.urls.insert(queue.name, url);
    }
    Ok(provisioned)
}
