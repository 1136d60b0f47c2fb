use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_types::SdkConfig;
use aws_types::region::Region;

/// Region, credentials and endpoint from the environment, as Lambda provides them: `AWS_REGION`,
/// the role's `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`, and
/// `AWS_ENDPOINT_URL` locally (the moto server). Called once per cold start. No profile files,
/// instance metadata, SSO or STS: no function needs them, and leaving `aws-config`'s provider
/// chain out keeps every binary megabytes smaller and its cold start shorter. Without
/// credentials, calls fail with the SDK's "no credentials" error.
pub fn load_sdk_config() -> SdkConfig {
    sdk_config_from(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
}

fn sdk_config_from(var: impl Fn(&str) -> Option<String>) -> SdkConfig {
    let mut builder = SdkConfig::builder().behavior_version(BehaviorVersion::latest());
    if let Some(region) = var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")) {
        builder = builder.region(Region::new(region));
    }
    if let (Some(key), Some(secret)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
        let credentials = Credentials::new(key, secret, var("AWS_SESSION_TOKEN"), None, "env");
        builder = builder.credentials_provider(SharedCredentialsProvider::new(credentials));
    }
    if let Some(endpoint) = var("AWS_ENDPOINT_URL") {
        builder = builder.endpoint_url(endpoint);
    }
    builder.build()
}

/// Every service client at once: for provisioning and tests. Functions build only the clients
/// they use, on first use (`runtime::AppState`).
#[derive(Clone, Debug)]
pub struct AwsClients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub s3: aws_sdk_s3::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub ses: aws_sdk_sesv2::Client,
    pub scheduler: aws_sdk_scheduler::Client,
}

impl AwsClients {
    pub fn new(config: &SdkConfig) -> Self {
        AwsClients {
            dynamodb: aws_sdk_dynamodb::Client::new(config),
            sqs: aws_sdk_sqs::Client::new(config),
            s3: s3_client(config),
            secrets: aws_sdk_secretsmanager::Client::new(config),
            ses: aws_sdk_sesv2::Client::new(config),
            scheduler: aws_sdk_scheduler::Client::new(config),
        }
    }
}

/// The S3 client: a custom endpoint (moto) serves buckets by path, not by virtual host name.
pub fn s3_client(config: &SdkConfig) -> aws_sdk_s3::Client {
    let s3_config = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(config.endpoint_url().is_some())
        .build();
    aws_sdk_s3::Client::from_conf(s3_config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_gives_region_credentials_and_endpoint() {
        let vars = [
            ("AWS_DEFAULT_REGION", "eu-west-1"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", "token"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:5055"),
        ];
        let config = sdk_config_from(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        });
        assert_eq!(config.region().map(|r| r.as_ref()), Some("eu-west-1"));
        assert_eq!(config.endpoint_url(), Some("http://127.0.0.1:5055"));
        assert!(config.credentials_provider().is_some());
    }

    #[test]
    fn without_credentials_no_provider_is_configured() {
        let config = sdk_config_from(|_| None);
        assert!(config.credentials_provider().is_none());
        assert!(config.region().is_none());
    }
}
