//! The local stand-ins for what AWS provides in a deployment: resource provisioning on the local
//! AWS endpoint (moto), and the dev server that serves every router on one port.

pub mod cors;
pub mod demo;
pub mod live_socket;
pub mod local_stack;
pub mod web_app;

use runtime::{AppState, Config};

use crate::local_stack::{LocalResources, provision};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Every router on one origin, behind CORS as API Gateway applies it, with the live feed at
/// `/live` (when the state pushes to local sockets, see [`AppState::with_local_sockets`]) and
/// the built web app served on the same origin (as CloudFront serves both in AWS).
pub fn app(state: AppState, cors: cors::CorsPolicy) -> axum::Router {
    let root = web_app::dist_dir();
    let live = axum::Router::new()
        .route(
            live_socket::LIVE_PATH,
            axum::routing::get(live_socket::upgrade),
        )
        .with_state(state.clone());
    // The Function URLs' receivers, at the paths their functions serve.
    let function_urls = api::webhooks::stripe_router(state.clone())
        .merge(api::webhooks::platforms_router(state.clone()));
    http_kit::serve_with_fallback(
        http_kit::with_maintenance(api::all_routes(state.clone()).merge(function_urls), state)
            .merge(live),
        move |request: axum::extract::Request| web_app::serve(root.clone(), request),
    )
    .layer(axum::middleware::from_fn_with_state(cors, cors::apply))
}

/// Provisions the local resources named by the environment, migrates the database, and serves
/// every router on `127.0.0.1:$DEV_PORT` (3000) until Ctrl-C.
pub async fn run_from_env() -> Result<(), BoxError> {
    let port: u16 = match std::env::var("DEV_PORT") {
        Ok(text) => text
            .parse()
            .map_err(|_| format!("DEV_PORT is not a port: {text}"))?,
        Err(_) => 3000,
    };
    let mut config = Config::from_env()?;
    // The platform sandbox runs inside the dev server, so connecting and publishing work locally.
    let sandbox_port: u16 = std::env::var("PLATFORM_SANDBOX_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(4010);
    let (sandbox_url, sandbox) = platform_sandbox::spawn(sandbox_port).await?;
    tracing::info!("platform sandbox on {sandbox_url}");
    // Plans are bought through the sandbox's Stripe stand-in unless BILLING says otherwise;
    // its events come back to this server's emulation of the webhook-stripe Function URL.
    if std::env::var_os("BILLING").is_none() {
        config.billing = runtime::Billing::Stripe(runtime::StripeConfig::sandbox(&sandbox_url));
        sandbox.set_stripe_webhook(
            &format!("http://127.0.0.1:{port}{}", api::webhooks::STRIPE_PATH),
            billing::stripe::SANDBOX_WEBHOOK_SECRET,
        );
    }
    config.platform_sandbox_url = Some(sandbox_url);
    // So does the model sandbox, unless AI_PROVIDER names a real model server.
    let model_sandbox_port: u16 = std::env::var("MODEL_SANDBOX_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(4020);
    if std::env::var_os("AI_PROVIDER").is_none() {
        let (model_url, _models) = model_sandbox::spawn(model_sandbox_port).await?;
        tracing::info!("model sandbox on {model_url} (outputs are labelled sandbox:…)");
        config.ai.provider = runtime::AiProvider::Bedrock {
            endpoint: Some(model_url),
        };
        config.ai.sandbox = true;
        config.ai.attempt_timeout = std::time::Duration::from_secs(3);
    }
    let sdk = cloud::load_sdk_config();
    let aws = cloud::AwsClients::new(&sdk);
    let names = LocalResources::of(&config, &LocalResources::default().queue_prefix);
    let queues = provision(&aws, &names).await?;
    config.queue_urls = queues.urls;
    config.queue_arns = queues.arns;
    // The local endpoint accepts pushes but never delivers them: the dev server holds the live
    // feed's sockets itself, and every producer in this process pushes to them.
    let state = AppState::build(config, &sdk)
        .await?
        .with_local_sockets(cloud::LocalSockets::default());
    for migration in store::run_migrations(&state.db).await? {
        tracing::info!(version = migration.version, name = %migration.name, newly_applied = migration.newly_applied, "schema");
    }

    // EventBridge Scheduler does not run locally: the dev server fires the maintenance schedule.
    let maintenance = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(30 * 60));
        loop {
            every.tick().await;
            if let Err(error) = upkeep::run(&maintenance).await {
                tracing::warn!(%error, "maintenance run failed");
            }
            if let Err(error) = agents::scheduled::run(&maintenance).await {
                tracing::warn!(%error, "insight runs not queued");
            }
        }
    });

    // Nor does the local endpoint fire publish schedules or run SQS event sources: the dev
    // server delivers due schedules to their lanes, consumes the lanes with each lane's
    // concurrency, and runs the sweeper every minute, through the same handlers as the
    // Lambda functions.
    let publishing = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
        let mut ticks: u64 = 0;
        loop {
            tick.tick().await;
            ticks += 1;
            if ticks.is_multiple_of(5)
                && let Err(error) = posting::fire_due_schedules(&publishing).await
            {
                tracing::warn!(%error, "firing due schedules failed");
            }
            if ticks.is_multiple_of(30) {
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
                if let Err(error) = posting::sweep(&publishing, deadline).await {
                    tracing::warn!(%error, "sweep failed");
                }
            }
            if let Err(error) = posting::drain_lanes(&publishing).await {
                tracing::warn!(%error, "consuming the publishing lanes failed");
            }
            // The integration-deliveries schedule (every minute in AWS; every 2 s here).
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            if let Err(error) = integrations::deliveries::run_scheduled(&publishing, deadline).await
            {
                tracing::warn!(%error, "sending integration deliveries failed");
            }
        }
    });

    // The hourly metrics sync, and the reports queue's consumer (no event source locally).
    // With `SEED_DEMO=1` the demo organization is seeded first: its simulated days must not
    // race a sync at the real time.
    let analytics = state.clone();
    let seed_demo = std::env::var("SEED_DEMO").is_ok_and(|v| v == "1");
    tokio::spawn(async move {
        if seed_demo {
            seed_demo_organization(&analytics, &sandbox).await;
        }
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3));
        let mut ticks: u64 = 0;
        loop {
            tick.tick().await;
            if ticks.is_multiple_of(1200) {
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
                match analytics::sync::run(&analytics, chrono::Utc::now(), deadline).await {
                    Ok(report) => tracing::info!(?report, "metrics sync"),
                    Err(error) => tracing::warn!(%error, "metrics sync failed"),
                }
            }
            ticks += 1;
            if let Err(error) = analytics::reports::drain(&analytics).await {
                tracing::warn!(%error, "building reports failed");
            }
        }
    });

    // The agents' queues, each consumed with its agent's concurrency.
    for agent in agents::worker::CONSUMED {
        let agents_state = state.clone();
        tokio::spawn(async move {
            loop {
                match agents::worker::drain(&agents_state, agent).await {
                    Ok(0) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
                    Ok(_) => {}
                    Err(error) => {
                        tracing::warn!(%error, %agent, "consuming an agent queue failed");
                        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                    }
                }
            }
        });
    }

    let app = app(state, cors::CorsPolicy::local());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    tracing::info!(
        "dev server listening on http://127.0.0.1:{port} (live feed: ws://127.0.0.1:{port}{})",
        live_socket::LIVE_PATH
    );
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// Grants (or takes back) platform administration to the local user with `email`: the
/// database is migrated first, so it works on a fresh stack once the user signed up.
pub async fn grant_platform_admin(email: &str, on: bool) -> Result<(), BoxError> {
    let config = Config::from_env()?;
    let state = AppState::build(config, &cloud::load_sdk_config()).await?;
    store::run_migrations(&state.db).await?;
    let mut client = state.db.client().await?;
    let pg: &mut store::tokio_postgres::Client = &mut client;
    if admin::grant(pg, email, on).await? {
        println!(
            "{email} is {} a platform administrator",
            if on { "now" } else { "no longer" }
        );
        Ok(())
    } else {
        Err(format!("no user has the email {email}: sign up first").into())
    }
}

/// `cargo xtask dev --seed-demo`: months of history for a demo organization, once.
async fn seed_demo_organization(state: &AppState, sandbox: &platform_sandbox::Sandbox) {
    tracing::warn!("seeding the demo organization (a simulated day at a time)…");
    match demo::seed(state, sandbox, 120).await {
        Ok(seeded) if seeded.already_there => tracing::warn!(
            "demo organization already seeded: sign in as {} / {}",
            demo::DEMO_EMAIL,
            demo::DEMO_PASSWORD
        ),
        Ok(seeded) => tracing::warn!(
            posts = seeded.posts_planted,
            days = seeded.days,
            snapshots = seeded.snapshots,
            seconds = seeded.elapsed.as_secs_f64(),
            "demo organization seeded: sign in as {} / {}",
            demo::DEMO_EMAIL,
            demo::DEMO_PASSWORD
        ),
        Err(error) => tracing::error!(%error, "seeding the demo organization failed"),
    }
}
