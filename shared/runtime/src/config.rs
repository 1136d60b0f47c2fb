use std::collections::BTreeMap;
use std::fmt;

use cloud::QUEUES;

/// Where the code runs; decides defaults, never behaviour that tests cannot see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Local,
    Dev,
    Prod,
}

/// How to reach Postgres.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseConfig {
    /// A `postgres://` URL (local cluster, or a password-authenticated server).
    Url(String),
    /// RDS Proxy with IAM authentication: no password is stored anywhere.
    RdsProxy {
        host: String,
        port: u16,
        database: String,
        user: String,
    },
}

impl fmt::Debug for DatabaseConfig {
    // The URL may carry a password: never print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseConfig::Url(_) => f.write_str("DatabaseConfig::Url(<redacted>)"),
            DatabaseConfig::RdsProxy {
                host,
                port,
                database,
                user,
            } => f
                .debug_struct("DatabaseConfig::RdsProxy")
                .field("host", host)
                .field("port", port)
                .field("database", database)
                .field("user", user)
                .finish(),
        }
    }
}

/// Everything a function reads from its environment variables.
#[derive(Debug, Clone)]
pub struct Config {
    pub environment: Environment,
    pub database: DatabaseConfig,
    /// Connections per execution environment. Lambda serves one request at a time per
    /// environment, so a small pool is enough and keeps RDS Proxy's fan-in low.
    pub db_max_connections: usize,
    pub table_name: String,
    pub media_bucket: String,
    /// Secrets Manager id (name or ARN) of the application secret.
    pub app_secret_id: String,
    /// Queue URLs by logical queue name, for the queues this function was given.
    pub queue_urls: BTreeMap<&'static str, String>,
    /// ARNs of the queues Scheduler sends to (the publishing lanes), by logical name.
    pub queue_arns: BTreeMap<&'static str, String>,
    /// Where the web app lives: links in emails point there.
    pub app_base_url: String,
    /// The sender of transactional email (an SES-verified identity in AWS).
    pub email_from: String,
    /// Where this API is reachable from browsers: OAuth callbacks come back here.
    pub api_base_url: String,
    /// Locally: the platform sandbox that stands in for every social network.
    pub platform_sandbox_url: Option<String>,
    /// Where one-time publish schedules fire (the publisher function).
    pub publish_trigger: cloud::PublishTrigger,
    /// The management endpoint of the live feed's WebSocket API stage
    /// (`https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`). Unset, live events are
    /// not pushed (the dev server pushes to its own sockets instead).
    pub live_endpoint: Option<String>,
    /// Which language models the agents use, and where they are served.
    pub ai: AiConfig,
    /// How plans are paid for.
    pub billing: Billing,
}

/// How organizations pay for their plans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Billing {
    /// Self-hosted: a platform administrator sets each organization's plan.
    Manual,
    /// Stripe Checkout and the Customer Portal; plans change only from Stripe's events.
    Stripe(StripeConfig),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeConfig {
    /// `https://api.stripe.com`, or the platform sandbox's stand-in locally.
    pub api_base: String,
    /// The recurring Price of each paid plan (`STRIPE_PRICES=pro=price_…,business=…`).
    pub prices: BTreeMap<domain::SubscriptionPlan, String>,
    /// Locally: the sandbox stands in for Stripe, with its own fixed keys.
    pub sandbox: bool,
}

impl StripeConfig {
    /// The platform sandbox's Stripe stand-in, selling its own Prices.
    pub fn sandbox(platform_sandbox_url: &str) -> Self {
        StripeConfig {
            api_base: format!("{}/stripe", platform_sandbox_url.trim_end_matches('/')),
            prices: parse_prices(SANDBOX_STRIPE_PRICES, &mut Vec::new()),
            sandbox: true,
        }
    }

    /// The plan a Stripe Price pays for.
    pub fn plan_of_price(&self, price: &str) -> Option<domain::SubscriptionPlan> {
        self.prices
            .iter()
            .find(|(_, id)| id.as_str() == price)
            .map(|(plan, _)| *plan)
    }
}

/// Where the agents' models are served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AiProvider {
    /// Amazon Bedrock in the function's region; `endpoint` overrides it (the model sandbox).
    Bedrock { endpoint: Option<String> },
    /// An OpenAI-compatible server (OpenAI, Ollama, vLLM) at this base URL (ending in `/v1`).
    OpenAiCompatible { base_url: String },
}

#[derive(Debug, Clone)]
pub struct AiConfig {
    pub provider: AiProvider,
    /// The default chat model of every agent (each agent's configuration may name another).
    pub chat_model: String,
    pub embedding_model: String,
    /// Locally: the model sandbox answers, and every output says so (`sandbox:<model>`).
    pub sandbox: bool,
    pub prices: llm::PriceTable,
    /// One model call's limit.
    pub attempt_timeout: std::time::Duration,
}

impl AiConfig {
    /// The name recorded with an output: the model, marked when the sandbox produced it.
    pub fn label(&self, model: &str) -> String {
        if self.sandbox {
            format!("sandbox:{model}")
        } else {
            model.to_owned()
        }
    }
}

/// Every problem with the environment at once, so a deploy is fixed in one round.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {}", problems.join("; "))]
pub struct ConfigError {
    pub problems: Vec<String>,
}

impl Config {
    /// The URL of queue `name` (a logical name from `cloud::QUEUES`), when this function was
    /// given it.
    pub fn queue_url(&self, name: &str) -> Result<&str, cloud::QueueError> {
        self.queue_urls
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| cloud::QueueError(format!("no URL configured for queue {name}")))
    }

    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut required = |name: &str| {
            get(name).unwrap_or_else(|| {
                problems.push(format!("{name} is not set"));
                String::new()
            })
        };

        let table_name = required("TABLE_NAME");
        let media_bucket = required("MEDIA_BUCKET");
        let app_secret_id = required("APP_SECRET_ID");

        let environment = match get("APP_ENV").as_deref() {
            None | Some("local") => Environment::Local,
            Some("dev") => Environment::Dev,
            Some("prod") => Environment::Prod,
            Some(other) => {
                problems.push(format!("APP_ENV must be local, dev or prod, not '{other}'"));
                Environment::Local
            }
        };

        let database = match (get("DATABASE_URL"), get("DB_HOST")) {
            (Some(url), _) => DatabaseConfig::Url(url),
            (None, Some(host)) => {
                let port = match get("DB_PORT").map(|p| p.parse::<u16>()) {
                    None => 5432,
                    Some(Ok(port)) => port,
                    Some(Err(_)) => {
                        problems.push("DB_PORT must be a port number".to_owned());
                        5432
                    }
                };
                DatabaseConfig::RdsProxy {
                    host,
                    port,
                    database: get("DB_NAME").unwrap_or_else(|| "social".to_owned()),
                    user: get("DB_USER").unwrap_or_else(|| "app".to_owned()),
                }
            }
            (None, None) => {
                problems.push("set DATABASE_URL, or DB_HOST (RDS Proxy with IAM auth)".to_owned());
                DatabaseConfig::Url(String::new())
            }
        };

        let db_max_connections = match get("DB_MAX_CONNECTIONS").map(|n| n.parse::<usize>()) {
            None => 4,
            Some(Ok(n)) if (1..=64).contains(&n) => n,
            Some(_) => {
                problems.push("DB_MAX_CONNECTIONS must be a number from 1 to 64".to_owned());
                4
            }
        };

        let app_base_url = get("APP_BASE_URL")
            .unwrap_or_else(|| "http://localhost:5173".to_owned())
            .trim_end_matches('/')
            .to_owned();
        if !(app_base_url.starts_with("https://") || app_base_url.starts_with("http://")) {
            problems.push("APP_BASE_URL must be an http(s) URL".to_owned());
        }
        let email_from = get("EMAIL_FROM").unwrap_or_else(|| "no-reply@social.local".to_owned());
        if domain::EmailAddress::parse(&email_from).is_err() {
            problems.push("EMAIL_FROM must be an email address".to_owned());
        }

        let api_base_url = get("API_BASE_URL")
            .unwrap_or_else(|| "http://127.0.0.1:3000".to_owned())
            .trim_end_matches('/')
            .to_owned();
        if !(api_base_url.starts_with("https://") || api_base_url.starts_with("http://")) {
            problems.push("API_BASE_URL must be an http(s) URL".to_owned());
        }
        let platform_sandbox_url = get("PLATFORM_SANDBOX_URL");
        if platform_sandbox_url.is_some() && environment == Environment::Prod {
            problems.push("PLATFORM_SANDBOX_URL must not be set in prod".to_owned());
        }

        let live_endpoint = get("LIVE_ENDPOINT").map(|url| url.trim_end_matches('/').to_owned());
        if live_endpoint
            .as_deref()
            .is_some_and(|url| !(url.starts_with("https://") || url.starts_with("http://")))
        {
            problems.push("LIVE_ENDPOINT must be an http(s) URL".to_owned());
        }

        let ai = ai_config(&get, environment, &mut problems);
        let billing = billing_config(&get, platform_sandbox_url.as_deref(), &mut problems);

        let publish_trigger = cloud::PublishTrigger {
            role_arn: match get("SCHEDULER_ROLE_ARN") {
                Some(value) => value,
                // Locally the dev server fires schedules itself, so any well-formed ARN does.
                None if environment == Environment::Local => {
                    "arn:aws:iam::123456789012:role/scheduler".to_owned()
                }
                None => {
                    problems.push("SCHEDULER_ROLE_ARN is not set".to_owned());
                    String::new()
                }
            },
            group: get("SCHEDULE_GROUP").unwrap_or_else(|| "default".to_owned()),
            dead_letter_arn: get("SCHEDULER_DLQ_ARN"),
        };

        let queue_urls = QUEUES
            .iter()
            .filter_map(|queue| get(queue.url_env).map(|url| (queue.name, url)))
            .collect();
        let queue_arns = QUEUES
            .iter()
            .filter_map(|queue| get(queue.arn_env?).map(|arn| (queue.name, arn)))
            .collect();

        if !problems.is_empty() {
            return Err(ConfigError { problems });
        }
        Ok(Config {
            environment,
            database,
            db_max_connections,
            table_name,
            media_bucket,
            app_secret_id,
            queue_urls,
            queue_arns,
            app_base_url,
            email_from,
            api_base_url,
            platform_sandbox_url,
            publish_trigger,
            live_endpoint,
            ai,
            billing,
        })
    }
}

/// The sandbox's stand-in Prices, one per paid plan.
pub const SANDBOX_STRIPE_PRICES: &str =
    "pro=price_pro,business=price_business,enterprise=price_enterprise";

/// `pro=price_…,business=price_…` into a map; problems are reported, not guessed around.
fn parse_prices(
    text: &str,
    problems: &mut Vec<String>,
) -> BTreeMap<domain::SubscriptionPlan, String> {
    let mut prices = BTreeMap::new();
    for pair in text.split(',').filter(|p| !p.trim().is_empty()) {
        match pair.split_once('=') {
            Some((plan, price)) if !price.trim().is_empty() => {
                match plan.trim().parse::<domain::SubscriptionPlan>() {
                    Ok(domain::SubscriptionPlan::Free) | Err(_) => {
                        problems.push(format!("STRIPE_PRICES: '{plan}' is not a paid plan"))
                    }
                    Ok(plan) => {
                        prices.insert(plan, price.trim().to_owned());
                    }
                }
            }
            _ => problems.push(format!("STRIPE_PRICES: '{pair}' is not plan=price")),
        }
    }
    prices
}

fn billing_config(
    get: &impl Fn(&str) -> Option<String>,
    platform_sandbox_url: Option<&str>,
    problems: &mut Vec<String>,
) -> Billing {
    match get("BILLING").as_deref() {
        None | Some("manual") => Billing::Manual,
        Some("stripe") => {
            let sandbox = platform_sandbox_url.is_some() && get("STRIPE_API_BASE").is_none();
            let api_base = match (get("STRIPE_API_BASE"), platform_sandbox_url) {
                (Some(base), _) => base.trim_end_matches('/').to_owned(),
                (None, Some(sandbox)) => format!("{}/stripe", sandbox.trim_end_matches('/')),
                (None, None) => "https://api.stripe.com".to_owned(),
            };
            let prices_text = get("STRIPE_PRICES")
                .or_else(|| sandbox.then(|| SANDBOX_STRIPE_PRICES.to_owned()))
                .unwrap_or_default();
            let prices = parse_prices(&prices_text, problems);
            if prices.is_empty() {
                problems.push("BILLING=stripe needs STRIPE_PRICES (pro=price_…,…)".to_owned());
            }
            Billing::Stripe(StripeConfig {
                api_base,
                prices,
                sandbox,
            })
        }
        Some(other) => {
            problems.push(format!("BILLING must be manual or stripe, not '{other}'"));
            Billing::Manual
        }
    }
}

fn ai_config(
    get: &impl Fn(&str) -> Option<String>,
    environment: Environment,
    problems: &mut Vec<String>,
) -> AiConfig {
    let sandbox_url = get("MODEL_SANDBOX_URL").map(|u| u.trim_end_matches('/').to_owned());
    if sandbox_url.is_some() && environment == Environment::Prod {
        problems.push("MODEL_SANDBOX_URL must not be set in prod".to_owned());
    }
    let openai = |base: String| AiProvider::OpenAiCompatible { base_url: base };
    let provider = match get("AI_PROVIDER").as_deref() {
        None | Some("bedrock") => AiProvider::Bedrock {
            endpoint: sandbox_url.clone().or_else(|| get("AI_BEDROCK_ENDPOINT")),
        },
        Some("openai") => match (sandbox_url.clone(), get("AI_BASE_URL")) {
            (Some(sandbox), _) => openai(format!("{sandbox}/v1")),
            (None, Some(base)) if base.starts_with("http://") || base.starts_with("https://") => {
                openai(base.trim_end_matches('/').to_owned())
            }
            (None, _) => {
                problems.push(
                    "AI_PROVIDER=openai needs AI_BASE_URL (an http(s) URL ending in /v1)"
                        .to_owned(),
                );
                openai(String::new())
            }
        },
        Some(other) => {
            problems.push(format!(
                "AI_PROVIDER must be bedrock or openai, not '{other}'"
            ));
            AiProvider::Bedrock { endpoint: None }
        }
    };
    let prices = match get("AI_PRICES") {
        None => llm::PriceTable::default(),
        Some(json) => llm::PriceTable::with_overrides(&json).unwrap_or_else(|problem| {
            problems.push(problem);
            llm::PriceTable::default()
        }),
    };
    let attempt_timeout = match get("AI_CALL_TIMEOUT_SECS").map(|n| n.parse::<u64>()) {
        None if sandbox_url.is_some() => std::time::Duration::from_secs(3),
        None => std::time::Duration::from_secs(60),
        Some(Ok(n)) if (1..=600).contains(&n) => std::time::Duration::from_secs(n),
        Some(_) => {
            problems
                .push("AI_CALL_TIMEOUT_SECS must be a number of seconds from 1 to 600".to_owned());
            std::time::Duration::from_secs(60)
        }
    };
    AiConfig {
        provider,
        chat_model: get("AI_CHAT_MODEL").unwrap_or_else(|| "amazon.nova-lite-v1:0".to_owned()),
        embedding_model: get("AI_EMBEDDING_MODEL")
            .unwrap_or_else(|| "amazon.titan-embed-text-v2:0".to_owned()),
        sandbox: sandbox_url.is_some(),
        prices,
        attempt_timeout,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const BASE: &[(&str, &str)] = &[
        ("TABLE_NAME", "social"),
        ("MEDIA_BUCKET", "media"),
        ("APP_SECRET_ID", "social/app"),
    ];

    #[test]
    fn a_database_url_wins_over_rds_proxy_settings() {
        let mut vars = BASE.to_vec();
        vars.push(("DATABASE_URL", "postgres://u:p@h/db"));
        vars.push(("DB_HOST", "proxy"));
        let config = Config::from_lookup(lookup(&vars)).unwrap();
        assert_eq!(
            config.database,
            DatabaseConfig::Url("postgres://u:p@h/db".into())
        );
        assert!(
            !format!("{config:?}").contains("u:p"),
            "the URL's password leaked into Debug"
        );
    }

    #[test]
    fn rds_proxy_settings_have_defaults() {
        let mut vars = BASE.to_vec();
        vars.push(("DB_HOST", "proxy.example"));
        vars.push(("QUEUE_URL_AGENT_CRISIS_MANAGER", "http://q/crisis"));
        let config = Config::from_lookup(lookup(&vars)).unwrap();
        assert_eq!(
            config.database,
            DatabaseConfig::RdsProxy {
                host: "proxy.example".into(),
                port: 5432,
                database: "social".into(),
                user: "app".into()
            }
        );
        assert_eq!(
            config
                .queue_urls
                .get("agent-crisis-manager")
                .map(String::as_str),
            Some("http://q/crisis")
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let error = Config::from_lookup(lookup(&[
            ("APP_ENV", "staging"),
            ("DB_HOST", "h"),
            ("DB_PORT", "x"),
        ]))
        .unwrap_err();
        assert_eq!(error.problems.len(), 5, "{error}");
        let text = error.to_string();
        for expected in [
            "TABLE_NAME",
            "MEDIA_BUCKET",
            "APP_SECRET_ID",
            "APP_ENV",
            "DB_PORT",
        ] {
            assert!(text.contains(expected), "{text}");
        }
    }
}
