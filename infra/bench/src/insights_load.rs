//! `bench insights`: the insight agents on an organization with 2 years of history for 20
//! accounts (29,200 posts with the platform sandbox's planted patterns, written to Postgres):
//! time and peak heap of each computation as the agents run it (database read included), the
//! predictor's held-out error against its baselines, and how often the planted best slots are
//! recovered, with 16 weeks of history and with only 4.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use domain::Platform;
use insights::predict::{self, Training};
use insights::slots::SlotModel;
use platform_sandbox::{SandboxPost, model};
use store::{OrgId, tokio_postgres};

use crate::api_load::Connection;

const ACCOUNTS: usize = 20;
const DAYS: u32 = 730;
const PER_DAY: u32 = 2;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Runs `work` and returns its result, its time and the heap it added at its peak.
async fn measured<T>(work: impl std::future::Future<Output = T>) -> (T, Duration, usize) {
    let before = crate::reset_heap_peak();
    let started = Instant::now();
    let out = work.await;
    (
        out,
        started.elapsed(),
        crate::heap_peak().saturating_sub(before),
    )
}

/// The planted evening peak (Tuesday and Thursday, 17:00–19:59 UTC) as slots.
fn planted_peak() -> Vec<usize> {
    [1, 3]
        .iter()
        .flat_map(|d| (17..20).map(move |h| d * 24 + h))
        .collect()
}

/// Writes the accounts and their planted history; returns the accounts.
async fn generate(
    db: &tokio_postgres::Client,
    organization_id: uuid::Uuid,
    user_id: uuid::Uuid,
) -> Vec<(uuid::Uuid, Platform)> {
    let platforms = [
        Platform::X,
        Platform::Facebook,
        Platform::Instagram,
        Platform::LinkedIn,
        Platform::TikTok,
    ];
    db.batch_execute(&format!(
        "UPDATE organizations SET subscription_plan = 'enterprise', max_social_accounts = 100 WHERE id = '{organization_id}'"
    ))
    .await
    .expect("plan");
    let now = Utc::now().timestamp() as u64;
    let mut accounts = Vec::new();
    for n in 0..ACCOUNTS {
        let platform = platforms[n % platforms.len()];
        let handle = format!("bench-insights-{n}");
        let id: uuid::Uuid = db
            .query_one(
                "INSERT INTO social_accounts (organization_id, user_id, platform, account_id, account_name)
                 VALUES ($1, $2, $3, $4, $4) RETURNING id",
                &[&organization_id, &user_id, &platform.as_str(), &handle],
            )
            .await
            .expect("account")
            .get(0);
        let history = model::history(&handle, DAYS, PER_DAY, now);
        let (
            mut at,
            mut kinds,
            mut texts,
            mut media,
            mut likes,
            mut comments,
            mut shares,
            mut saves,
            mut clicks,
            mut impressions,
        ) = (
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
        );
        for (i, (created, kind, text, media_count)) in history.into_iter().enumerate() {
            let post = SandboxPost {
                platform,
                user: handle.clone(),
                id: format!("{handle}-{i}"),
                kind: kind.to_owned(),
                text: text.clone(),
                media: (0..media_count).map(|m| format!("m{m}")).collect(),
                reply_to: None,
                created_unix: created,
            };
            let earned = model::engagement(&post, &handle, now);
            at.push(DateTime::<Utc>::from_timestamp(created as i64, 0).expect("time"));
            kinds.push(model::content_type(&post).to_owned());
            texts.push(text);
            media.push(serde_json::Value::Array(
                (0..media_count).map(|_| serde_json::json!("m")).collect(),
            ));
            likes.push(earned.likes as i64);
            comments.push(earned.comments as i64);
            shares.push(earned.shares as i64);
            saves.push(earned.saves as i64);
            clicks.push(earned.clicks as i64);
            impressions.push(earned.impressions as i64);
        }
        db.execute(
            "WITH input AS (
                 SELECT * FROM unnest($3::timestamptz[], $4::text[], $5::text[], $6::jsonb[], $7::int8[], $8::int8[], $9::int8[], $10::int8[], $11::int8[], $12::int8[])
                     AS t(at, kind, text, media, likes, comments, shares, saves, clicks, impressions)),
             p AS (
                 INSERT INTO posts (id, organization_id, user_id, content, content_type, media_urls, status, published_at, origin)
                 SELECT gen_random_uuid(), $1, $13, text, kind, media, 'published', at, 'imported' FROM input
                 RETURNING id, content, published_at),
             pp AS (
                 INSERT INTO post_platforms (id, post_id, social_account_id, status, platform_post_id, published_at)
                 SELECT gen_random_uuid(), p.id, $2, 'published', p.id::text, p.published_at FROM p
                 RETURNING id, post_id, published_at)
             INSERT INTO post_metrics (post_platform_id, organization_id, post_id, social_account_id, platform, content_type,
                                       published_at, likes, comments, shares, saves, clicks, impressions, reach, next_sync_at)
             SELECT pp.id, $1, pp.post_id, $2, $14, i.kind, pp.published_at, i.likes, i.comments, i.shares, i.saves, i.clicks,
                    i.impressions, i.impressions * 8 / 10, now() + interval '7 days'
             FROM pp JOIN p ON p.id = pp.post_id JOIN input i ON i.at = p.published_at AND i.text = p.content",
            &[&organization_id, &id, &at, &kinds, &texts, &media, &likes, &comments, &shares, &saves, &clicks, &impressions, &user_id, &platform.as_str()],
        )
        .await
        .expect("history");
        // Weekly follower counts, as the sync records them.
        let (weeks, followers): (Vec<DateTime<Utc>>, Vec<i32>) = (0..=(DAYS / 7))
            .map(|w| {
                let at = now - u64::from(w) * 7 * 86_400;
                (
                    DateTime::<Utc>::from_timestamp(at as i64, 0).expect("time"),
                    model::followers(&handle, at) as i32,
                )
            })
            .unzip();
        db.execute(
            "INSERT INTO analytics (organization_id, social_account_id, followers_count, recorded_at)
             SELECT $1, $2, f, at FROM unnest($3::timestamptz[], $4::int4[]) AS t(at, f)",
            &[&organization_id, &id, &weeks, &followers],
        )
        .await
        .expect("followers");
        accounts.push((id, platform));
    }
    db.batch_execute("ANALYZE").await.expect("analyze");
    accounts
}

pub async fn run() {
    let database_url = crate::analytics_load::fresh_database("bench_insights").await;
    let state = crate::local_state_with("bench-insights", |name| match name {
        "DATABASE_URL" => Some(database_url.clone()),
        _ => None,
    })
    .await;
    let environment = crate::execution_environment(&state);
    let port = crate::api_load::serve_api(environment.clone()).await;
    let mut connection = Connection::open(port).await;
    let registered = connection.register("insights-bench").await;
    let (db, db_connection) = tokio_postgres::connect(&database_url, tokio_postgres::NoTls)
        .await
        .expect("the bench database");
    tokio::spawn(db_connection);
    let started = Instant::now();
    let accounts = generate(&db, registered.organization_id, registered.user_id).await;
    let organization_id = OrgId::new(registered.organization_id);
    let posts: i64 = db
        .query_one("SELECT count(*) FROM post_metrics", &[])
        .await
        .expect("count")
        .get(0);
    println!(
        "insights (release build, one execution environment with the deployed pool of {}, database reads included):",
        state.config.db_max_connections
    );
    println!(
        "  dataset: {ACCOUNTS} accounts × {DAYS} days × {PER_DAY} posts/day = {posts} posts with the sandbox's planted patterns, written in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Smart scheduler: one account's heatmap (the organization's 16 weeks are read for priors).
    let mut times = Vec::new();
    let mut peaks = Vec::new();
    let mut recovered = 0;
    let peak = planted_peak();
    for (id, platform) in &accounts {
        let (model, took, heap) = measured(agents::schedule::slot_model(
            &environment,
            organization_id,
            &[(*id, *platform)],
            chrono_tz::UTC,
        ))
        .await;
        let model = model.expect("slots");
        times.push(took);
        peaks.push(heap);
        recovered += model.accounts[0]
            .best(6)
            .iter()
            .filter(|(s, _)| peak.contains(s))
            .count();
    }
    times.sort();
    println!(
        "  smart scheduler, per account (read 16 weeks + fit 168 slots): p50 {:.0} ms, max {:.0} ms; peak heap max {:.1} MiB",
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1]),
        mib(*peaks.iter().max().unwrap_or(&0))
    );
    println!(
        "  best-slot recovery, 16 weeks: {recovered} of {} top-6 slots are planted peak slots ({:.0} %)",
        ACCOUNTS * 6,
        recovered as f64 / (ACCOUNTS * 6) as f64 * 100.0
    );
    let samples: Vec<insights::PostSample> = agents::history::settled_posts(
        &environment,
        organization_id,
        Utc::now() - chrono::Duration::days(i64::from(DAYS) + 1),
    )
    .await
    .expect("samples");
    for weeks in [4_i64, 8] {
        let since = Utc::now() - chrono::Duration::weeks(weeks);
        let thin: Vec<insights::PostSample> = samples
            .iter()
            .filter(|s| s.published_at >= since)
            .cloned()
            .collect();
        let mut hits = 0;
        for (id, platform) in &accounts {
            let model = SlotModel::fit(&[(*id, *platform)], &thin, chrono_tz::UTC);
            hits += model.accounts[0]
                .best(6)
                .iter()
                .filter(|(s, _)| peak.contains(s))
                .count();
        }
        println!(
            "  best-slot recovery, {weeks} weeks (about {} posts an account, most slots empty; priors from the other 19): {hits} of {} ({:.0} %)",
            thin.len() / ACCOUNTS,
            ACCOUNTS * 6,
            hits as f64 / (ACCOUNTS * 6) as f64 * 100.0
        );
    }

    // Engagement predictor: the organization's model on two years (read + train + evaluate).
    let (trained, took, heap) = measured(async {
        let samples: Vec<insights::PostSample> = agents::history::settled_posts(
            &environment,
            organization_id,
            Utc::now() - agents::prediction::HISTORY,
        )
        .await
        .expect("samples");
        predict::train(&samples)
    })
    .await;
    let Training::Trained(predictor) = trained else {
        panic!("enough history")
    };
    let e = &predictor.evaluation;
    println!(
        "  engagement predictor (read 2 years + ridge fit + held-out evaluation + refit): {:.0} ms, peak heap {:.1} MiB",
        ms(took),
        mib(heap)
    );
    println!(
        "    held-out ({} latest posts, trained on {}), median absolute % error:",
        e.held_out, e.trained_on
    );
    println!("      ridge regression  {:>5.1} %", e.error.model * 100.0);
    println!(
        "      account mean      {:>5.1} %",
        e.error.account_mean * 100.0
    );
    println!(
        "      same-slot mean    {:>5.1} %",
        e.error.slot_mean * 100.0
    );
    println!(
        "      used: {:?} (beats both baselines: {})",
        e.kind, e.beats_baselines
    );
    let draft = samples.last().expect("a post").clone();
    let (_, took, _) = measured(async { predictor.suggestions(&draft, Utc::now()) }).await;
    println!(
        "    one prediction with its optimizer suggestions (168 hours, 3 formats, tags, length): {:.1} ms",
        ms(took)
    );

    // Performance tracker: the last 14 days against the 16 weeks before.
    let (judged, took, heap) = measured(async {
        let to = Utc::now() - agents::history::SETTLED_AFTER;
        let from = to - chrono::Duration::days(14);
        let (before, during): (Vec<_>, Vec<_>) = samples
            .iter()
            .filter(|s| s.published_at >= from - chrono::Duration::weeks(16) && s.published_at < to)
            .cloned()
            .partition(|s| s.published_at < from);
        insights::outliers::judge(&before, &during)
    })
    .await;
    println!(
        "  performance tracker (14 days against 16 weeks, {} posts judged): {:.1} ms, peak heap {:.1} MiB; flagged {} (planted noise only)",
        judged.0.len(),
        ms(took),
        mib(heap),
        judged
            .0
            .iter()
            .filter(|j| j.direction != insights::outliers::Direction::Steady)
            .count()
    );

    // Crisis manager's lexicon: every mention is scored before any model reads one.
    let texts = [
        "Worst order ever, cold and stale. Really disappointed",
        "Loved my order from you today, thanks!",
        "Love the taste, hate the price",
        "What time do you open on Sunday?",
    ];
    let started = Instant::now();
    let mut negative = 0;
    for i in 0..100_000 {
        if insights::sentiment::score(texts[i % texts.len()]).label
            == insights::sentiment::Label::Negative
        {
            negative += 1;
        }
    }
    println!(
        "  sentiment lexicon: 100,000 mentions in {:.0} ms ({:.1} µs each; {negative} negative)",
        ms(started.elapsed()),
        started.elapsed().as_secs_f64() * 1e6 / 100_000.0
    );
}
