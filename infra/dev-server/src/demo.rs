//! `cargo xtask dev --seed-demo`: a demo organization with months of history, so a newcomer
//! sees real charts at once. The five accounts are connected with tokens the in-process
//! sandbox issues, their posts are planted on the sandbox's timelines, and then the real
//! metrics sync runs once a simulated day, with the sandbox's clock set to that day: imports,
//! snapshots and follower counts are recorded exactly as the hourly sync records them.

use std::time::{Duration, Instant};

use accounts::RequestOrigin;
use accounts::signup::{Joining, Registration, register};
use chrono::Utc;
use domain::{EmailAddress, NewPassword, Platform};
use platform_sandbox::Sandbox;
use runtime::AppState;
use store::social_accounts::{self, NewAccount};
use uuid::Uuid;

pub const DEMO_EMAIL: &str = "demo@social.local";
pub const DEMO_PASSWORD: &str = "demo-password-2026";
const DEMO_ORGANIZATION: &str = "Demo Coffee Roasters";
/// Posts a day on each account.
pub const POSTS_PER_DAY: u32 = 1;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What the seeding did.
#[derive(Debug, Default)]
pub struct Seeded {
    pub already_there: bool,
    pub posts_planted: usize,
    pub days: u32,
    pub snapshots: usize,
    pub elapsed: Duration,
}

/// Seeds the demo organization with `days` of history, unless it exists already.
pub async fn seed(state: &AppState, sandbox: &Sandbox, days: u32) -> Result<Seeded, BoxError> {
    let started = Instant::now();
    let client = state.db.client().await?;
    if store::accounts::users::find_by_email(&**client, DEMO_EMAIL)
        .await?
        .is_some()
    {
        return Ok(Seeded {
            already_there: true,
            ..Seeded::default()
        });
    }
    drop(client);
    let registered = register(
        state,
        Registration {
            email: EmailAddress::parse(DEMO_EMAIL)?,
            password: NewPassword::parse(DEMO_PASSWORD)?,
            first_name: Some("Dana".into()),
            last_name: Some("Demo".into()),
            joining: Joining::NewOrganization(DEMO_ORGANIZATION.into()),
            gdpr_consent: true,
        },
        &RequestOrigin {
            ip: None,
            user_agent: Some("seed-demo".into()),
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let organization_id = registered.organization.id;
    let user_id = registered.user.id;
    let client = state.db.client().await?;
    // The demo shows a paying customer's view: five accounts need more than the free plan.
    client
        .execute(
            "UPDATE organizations SET subscription_plan = 'business', max_social_accounts = 10 WHERE id = $1",
            &[&organization_id],
        )
        .await?;
    client
        .execute(
            "UPDATE users SET email_verified = true, timezone = 'Europe/Paris' WHERE id = $1",
            &[&user_id],
        )
        .await?;

    let mut seeded = Seeded {
        days,
        ..Seeded::default()
    };
    drop(client);
    for &platform in Platform::ALL {
        let user = match platform {
            Platform::Facebook | Platform::Instagram => "demo-meta".to_owned(),
            other => format!("demo-{other}"),
        };
        let name = format!("Demo Coffee on {}", platform.display_name());
        connect_sandbox_account(
            state,
            sandbox,
            organization_id,
            user_id,
            platform,
            &user,
            &name,
        )
        .await?;
        seeded.posts_planted += sandbox.plant_history(platform, &user, days, POSTS_PER_DAY);
    }

    // One sync a simulated day, at noon UTC, from the first day of history to today.
    let today = Utc::now();
    for back in (1..=days).rev() {
        let day = (today - chrono::Duration::days(i64::from(back)))
            .date_naive()
            .and_hms_opt(12, 0, 0)
            .expect("noon exists")
            .and_utc();
        sandbox.set_clock(day.timestamp() as u64);
        let deadline = Instant::now() + Duration::from_secs(120);
        let report = analytics::sync::run(state, day, deadline).await?;
        seeded.snapshots += report.snapshots;
    }
    sandbox.set_clock(Utc::now().timestamp() as u64);
    let report =
        analytics::sync::run(state, Utc::now(), Instant::now() + Duration::from_secs(120)).await?;
    seeded.snapshots += report.snapshots;
    // What the insight agents should find: a keyword taking off on X today, and a wave of
    // complaints in the last two hours (see the sandbox's `listening.rs`).
    let client = state.db.client().await?;
    store::insights::set_trend_keywords(
        &**client,
        organization_id,
        &["cold brew".to_owned(), "espresso".to_owned()],
    )
    .await?;
    sandbox.plant_burst(&platform_sandbox::Burst {
        term: "cold brew".into(),
        factor: 8.0,
        hours: 24,
    });
    sandbox.plant_mentions(&platform_sandbox::MentionWave {
        user: "demo-x".into(),
        tone: "negative".into(),
        count: 30,
        within_minutes: 120,
    });
    seeded.elapsed = started.elapsed();
    Ok(seeded)
}

/// Stores a connected account of the sandbox user `user` as the connect flow would (tokens
/// issued by the in-process sandbox, sealed to the account); returns its id.
pub async fn connect_sandbox_account(
    state: &AppState,
    sandbox: &Sandbox,
    organization_id: store::OrgId,
    connected_by: Uuid,
    platform: Platform,
    user: &str,
    name: &str,
) -> Result<Uuid, BoxError> {
    let account_id = platform_sandbox::account_of(platform, user);
    // Meta logins act for Instagram; a Facebook Page has its own token, which does not expire.
    let (access, refresh, expires) = match platform {
        Platform::Facebook => (sandbox.issue_page_token(user, &account_id), None, None),
        other => {
            let login = if other == Platform::Instagram {
                Platform::Facebook
            } else {
                other
            };
            let (a, r) = sandbox.issue_tokens(login, user);
            (a, Some(r), Some(Utc::now() + chrono::Duration::hours(1)))
        }
    };
    let id = Uuid::now_v7();
    let client = state.db.client().await?;
    social_accounts::insert(
        &**client,
        &NewAccount {
            id,
            organization_id,
            connected_by,
            platform,
            account_id: &account_id,
            account_name: name,
            account_handle: Some(user),
            followers_count: None,
            owner_id: None,
        },
    )
    .await?;
    let bound = id.as_bytes().to_vec();
    let sealed_refresh = refresh.map(|r| state.token_cipher().encrypt(&r, &bound));
    social_accounts::set_tokens(
        &**client,
        organization_id,
        id,
        &state.token_cipher().encrypt(&access, &bound),
        sealed_refresh.as_deref(),
        expires,
    )
    .await?;
    Ok(id)
}
