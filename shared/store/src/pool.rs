use std::sync::Arc;
use std::time::{Duration, Instant};

use deadpool_postgres::{Connect, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use futures::future::BoxFuture;
use tokio::task::JoinHandle;
use tokio_postgres::config::SslMode;
use tokio_postgres::{Client, Config as PgConfig, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::{RdsIamAuth, StoreError};

/// A connection checked out of the pool; derefs to `tokio_postgres::Client`.
pub type PooledClient = deadpool_postgres::Object;

/// How the connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain TCP: the local throwaway cluster on loopback.
    Disable,
    /// TLS verified against the public web PKI (RDS Proxy presents an ACM certificate).
    Require,
}

/// Everything needed to open connections, resolved from configuration before the pool exists.
#[derive(Clone)]
pub struct DbSettings {
    pub pg: PgConfig,
    pub tls: TlsMode,
    pub max_connections: usize,
    /// When set, each new connection authenticates with a fresh RDS IAM token.
    pub iam: Option<RdsIamAuth>,
}

impl DbSettings {
    /// Settings from a `postgres://` URL; `sslmode=require` in the URL turns TLS on.
    pub fn from_url(url: &str, max_connections: usize) -> Result<Self, StoreError> {
        let pg: PgConfig = url
            .parse()
            .map_err(|e| StoreError::Unavailable(format!("invalid DATABASE_URL: {e}")))?;
        let tls = match pg.get_ssl_mode() {
            SslMode::Require => TlsMode::Require,
            _ => TlsMode::Disable,
        };
        Ok(DbSettings {
            pg,
            tls,
            max_connections,
            iam: None,
        })
    }

    /// Settings for RDS Proxy with IAM authentication (TLS is mandatory there).
    pub fn rds_proxy(
        host: &str,
        port: u16,
        database: &str,
        iam: RdsIamAuth,
        user: &str,
        max_connections: usize,
    ) -> Self {
        let mut pg = PgConfig::new();
        pg.host(host)
            .port(port)
            .dbname(database)
            .user(user)
            .ssl_mode(SslMode::Require);
        DbSettings {
            pg,
            tls: TlsMode::Require,
            max_connections,
            iam: Some(iam),
        }
    }
}

/// The Postgres pool. Cheap to clone; built once per execution environment.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    iam: Option<RdsIamAuth>,
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

impl Db {
    /// Builds the pool. No connection is opened until one is needed, so cold starts stay short.
    pub fn new(settings: DbSettings) -> Result<Self, StoreError> {
        let DbSettings {
            mut pg,
            tls,
            max_connections,
            iam,
        } = settings;
        pg.connect_timeout(CONNECT_TIMEOUT);
        pg.application_name("social-platform");
        let connect = AppConnect {
            tls: match tls {
                TlsMode::Disable => None,
                TlsMode::Require => Some(rustls_connector()?),
            },
            iam: iam.clone(),
        };
        let manager = Manager::from_connect(
            pg,
            connect,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(max_connections.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(CONNECT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(Db { pool, iam })
    }

    /// Takes a connection from the pool, opening one if needed.
    pub async fn client(&self) -> Result<PooledClient, StoreError> {
        if let Some(iam) = &self.iam {
            iam.refresh_if_stale().await?;
        }
        Ok(self.pool.get().await?)
    }

    /// Round-trips a trivial query; the health check reports the time it took.
    pub async fn ping(&self) -> Result<Duration, StoreError> {
        let started = Instant::now();
        let client = self.client().await?;
        client.simple_query("SELECT 1").await?;
        Ok(started.elapsed())
    }
}

fn rustls_connector() -> Result<MakeRustlsConnect, StoreError> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| StoreError::Unavailable(format!("tls setup: {e}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// Opens connections for the pool, putting the current IAM token in as the password.
struct AppConnect {
    tls: Option<MakeRustlsConnect>,
    iam: Option<RdsIamAuth>,
}

impl Connect for AppConnect {
    fn connect(
        &self,
        pg: &PgConfig,
    ) -> BoxFuture<'_, Result<(Client, JoinHandle<()>), tokio_postgres::Error>> {
        let mut pg = pg.clone();
        if let Some(token) = self.iam.as_ref().and_then(RdsIamAuth::current) {
            pg.password(token.as_str());
        }
        let tls = self.tls.clone();
        Box::pin(async move {
            match tls {
                Some(tls) => {
                    let (client, connection) = pg.connect(tls).await?;
                    Ok((client, drive(connection)))
                }
                None => {
                    let (client, connection) = pg.connect(NoTls).await?;
                    Ok((client, drive(connection)))
                }
            }
        })
    }
}

fn drive<C>(connection: C) -> JoinHandle<()>
where
    C: std::future::Future<Output = Result<(), tokio_postgres::Error>> + Send + 'static,
{
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::warn!(%error, "postgres connection closed with an error");
        }
    })
}
