use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use auth::{AccessTokens, PasswordHasher};
use cloud::{Mailer, SdkConfig, aws_sdk_s3, aws_sdk_scheduler, aws_sdk_sqs, read_secret_string};
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

/// What every handler shares, built once per execution environment (cold start) in `main`: the
/// core (configuration, secrets, Postgres, DynamoDB) at start-up, every other client on its
/// first use. A function therefore builds, and its binary links, only the clients its handlers
/// reach: the publisher never builds a mailer, the posts API never an S3 client.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub secrets: Arc<AppSecrets>,
    pub db: Db,
    pub kv: Kv,
    clients: Arc<LazyClients>,
    /// Beside the other clients so the dev server can swap in its own sockets.
    connections: Arc<OnceLock<Option<cloud::Connections>>>,
    maintenance: Arc<crate::maintenance::MaintenanceCache>,
}

struct LazyClients {
    sdk: SdkConfig,
    s3: OnceLock<aws_sdk_s3::Client>,
    sqs: OnceLock<aws_sdk_sqs::Client>,
    scheduler: OnceLock<aws_sdk_scheduler::Client>,
    mailer: OnceLock<Mailer>,
    access_tokens: OnceLock<AccessTokens>,
    passwords: OnceLock<PasswordHasher>,
    platforms: OnceLock<platforms::PlatformClient>,
    models: OnceLock<llm::Provider>,
    token_cipher: platforms::TokenCipher,
}

impl AppState {
    /// Reads the environment and the application secret, and builds the core.
    pub async fn from_env() -> Result<Self, StartupError> {
        let config = Config::from_env()?;
        let sdk = cloud::load_sdk_config();
        Self::build(config, &sdk).await
    }

    pub async fn build(config: Config, sdk: &SdkConfig) -> Result<Self, StartupError> {
        let started = Instant::now();
        let secret = read_secret_string(
            &cloud::aws_sdk_secretsmanager::Client::new(sdk),
            &config.app_secret_id,
        )
        .await?;
        // Logged as a number so `cargo xtask bench init` can report its share of a cold start.
        tracing::info!(
            secret_read_ms = started.elapsed().as_secs_f64() * 1e3,
            "application secret read"
        );
        let secrets = AppSecrets::parse(&secret)?;
        // Built now, not on first use: a bad key is a deploy error, reported at start-up.
        let token_cipher = platforms::TokenCipher::new(secrets.token_encryption_key.expose())
            .map_err(|e| ConfigError {
                problems: vec![e.to_string()],
            })?;
        let db = Db::new(db_settings(&config, sdk)?)?;
        let kv = Kv::new(
            cloud::aws_sdk_dynamodb::Client::new(sdk),
            config.table_name.clone(),
        );
        Ok(AppState {
            config: Arc::new(config),
            secrets: Arc::new(secrets),
            db,
            kv,
            clients: Arc::new(LazyClients {
                sdk: sdk.clone(),
                s3: OnceLock::new(),
                sqs: OnceLock::new(),
                scheduler: OnceLock::new(),
                mailer: OnceLock::new(),
                access_tokens: OnceLock::new(),
                passwords: OnceLock::new(),
                platforms: OnceLock::new(),
                models: OnceLock::new(),
                token_cipher,
            }),
            connections: Arc::new(OnceLock::new()),
            maintenance: Arc::default(),
        })
    }

    pub(crate) fn maintenance_cache(&self) -> &crate::maintenance::MaintenanceCache {
        &self.maintenance
    }

    pub fn s3(&self) -> &aws_sdk_s3::Client {
        self.clients
            .s3
            .get_or_init(|| cloud::s3_client(&self.clients.sdk))
    }

    pub fn sqs(&self) -> &aws_sdk_sqs::Client {
        self.clients
            .sqs
            .get_or_init(|| aws_sdk_sqs::Client::new(&self.clients.sdk))
    }

    pub fn scheduler(&self) -> &aws_sdk_scheduler::Client {
        self.clients
            .scheduler
            .get_or_init(|| aws_sdk_scheduler::Client::new(&self.clients.sdk))
    }

    pub fn mailer(&self) -> &Mailer {
        self.clients.mailer.get_or_init(|| {
            Mailer::new(
                cloud::aws_sdk_sesv2::Client::new(&self.clients.sdk),
                self.config.email_from.clone(),
            )
        })
    }

    pub fn access_tokens(&self) -> &AccessTokens {
        self.clients
            .access_tokens
            .get_or_init(|| AccessTokens::new(self.secrets.jwt_signing_key.expose()))
    }

    pub fn passwords(&self) -> &PasswordHasher {
        self.clients.passwords.get_or_init(PasswordHasher::default)
    }

    /// The social networks' APIs (the platform sandbox locally).
    pub fn platforms(&self) -> &platforms::PlatformClient {
        self.clients
            .platforms
            .get_or_init(|| match &self.config.platform_sandbox_url {
                Some(base) => platforms::PlatformClient::new(
                    platforms::Endpoints::sandbox(base),
                    Duration::from_secs(2),
                    Duration::from_millis(20),
                ),
                None => platforms::PlatformClient::new(
                    platforms::Endpoints::production(),
                    Duration::from_secs(15),
                    Duration::from_secs(2),
                ),
            })
    }

    /// The language models (Bedrock, an OpenAI-compatible server, or the model sandbox).
    pub fn models(&self) -> &llm::Provider {
        self.clients.models.get_or_init(|| {
            let ai = &self.config.ai;
            match &ai.provider {
                crate::AiProvider::Bedrock { endpoint } => {
                    llm::Provider::Bedrock(llm::bedrock::Bedrock::new(
                        &self.clients.sdk,
                        endpoint.as_deref(),
                        ai.attempt_timeout,
                    ))
                }
                crate::AiProvider::OpenAiCompatible { base_url } => {
                    llm::Provider::OpenAi(llm::openai::OpenAiCompatible::new(
                        base_url,
                        self.secrets.ai_api_key.clone(),
                        ai.attempt_timeout,
                    ))
                }
            }
        })
    }

    /// Where live-feed messages go: the WebSocket API's management endpoint, or the dev
    /// server's sockets; `None` when neither is configured.
    pub fn connections(&self) -> Option<&cloud::Connections> {
        self.connections
            .get_or_init(|| {
                self.config
                    .live_endpoint
                    .as_deref()
                    .map(|endpoint| cloud::Connections::gateway(&self.clients.sdk, endpoint))
            })
            .as_ref()
    }

    /// This state with live-feed messages going to sockets the caller holds (the dev server,
    /// tests): the local stand-in for API Gateway's side of the WebSocket API.
    pub fn with_local_sockets(&self, sockets: cloud::LocalSockets) -> Self {
        let local = Some(cloud::Connections::Local(sockets));
        AppState {
            connections: Arc::new(OnceLock::from(local)),
            ..self.clone()
        }
    }

    pub fn token_cipher(&self) -> &platforms::TokenCipher {
        &self.clients.token_cipher
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
