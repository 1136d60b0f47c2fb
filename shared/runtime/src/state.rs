use std::sync::Arc;

use auth::{AccessTokens, PasswordHasher};
use cloud::{AwsClients, Mailer, SdkConfig, read_secret_string};
use kv::Kv;
use store::{Db, DbSettings, RdsIamAuth};

use crate::{AppSecrets, Config, ConfigError, DatabaseConfig};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Secret(#[from] cloud::SecretError),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("RDS Proxy IAM auth needs AWS credentials and a region in the environment")]
    NoAwsIdentity,
}

/// What every handler shares: built once per execution environment (cold start) in `main`.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub secrets: Arc<AppSecrets>,
    pub db: Db,
    pub kv: Kv,
    pub aws: AwsClients,
    pub mailer: Mailer,
    pub access_tokens: AccessTokens,
    pub passwords: PasswordHasher,
    pub platforms: platforms::PlatformClient,
    pub token_cipher: platforms::TokenCipher,
}

impl AppState {
    /// Reads the environment and the application secret, and builds pools and clients.
    pub async fn from_env() -> Result<Self, StartupError> {
        let config = Config::from_env()?;
        let sdk = cloud::load_sdk_config().await;
        Self::build(config, &sdk).await
    }

    pub async fn build(config: Config, sdk: &SdkConfig) -> Result<Self, StartupError> {
        let aws = AwsClients::new(sdk);
        let secret = read_secret_string(&aws.secrets, &config.app_secret_id).await?;
        let secrets = AppSecrets::parse(&secret)?;
        let db = Db::new(db_settings(&config, sdk)?)?;
        let kv = Kv::new(aws.dynamodb.clone(), config.table_name.clone());
        let mailer = Mailer::new(aws.ses.clone(), config.email_from.clone());
        let access_tokens = AccessTokens::new(secrets.jwt_signing_key.expose());
        let token_cipher = platforms::TokenCipher::new(secrets.token_encryption_key.expose())
            .map_err(|e| ConfigError {
                problems: vec![e.to_string()],
            })?;
        let platforms = match &config.platform_sandbox_url {
            Some(base) => platforms::PlatformClient::new(
                platforms::Endpoints::sandbox(base),
                std::time::Duration::from_secs(2),
                std::time::Duration::from_millis(20),
            ),
            None => platforms::PlatformClient::new(
                platforms::Endpoints::production(),
                std::time::Duration::from_secs(15),
                std::time::Duration::from_secs(2),
            ),
        };
        Ok(AppState {
            mailer,
            access_tokens,
            passwords: PasswordHasher::default(),
            platforms,
            token_cipher,
            config: Arc::new(config),
            secrets: Arc::new(secrets),
            db,
            kv,
            aws,
        })
    }
}

fn db_settings(config: &Config, sdk: &SdkConfig) -> Result<DbSettings, StartupError> {
    match &config.database {
        DatabaseConfig::Url(url) => Ok(DbSettings::from_url(url, config.db_max_connections)?),
        DatabaseConfig::RdsProxy {
            host,
            port,
            database,
            user,
        } => {
            let credentials = sdk
                .credentials_provider()
                .ok_or(StartupError::NoAwsIdentity)?;
            let region = sdk.region().ok_or(StartupError::NoAwsIdentity)?;
            let iam = RdsIamAuth::new(
                credentials,
                region.to_string(),
                host.clone(),
                *port,
                user.clone(),
            );
            Ok(DbSettings::rds_proxy(
                host,
                *port,
                database,
                iam,
                user,
                config.db_max_connections,
            ))
        }
    }
}
