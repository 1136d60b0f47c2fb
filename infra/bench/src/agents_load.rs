//! `bench agents`: the AI task pipeline with the model sandbox answering after a fixed 500 ms.
//!
//! * End to end: 40 content generations (one platform) through the real router over HTTP with
//!   `Prefer: wait=25`, the agent consumed as its event source would; the time beyond the
//!   model's own (three calls: recall, write, remember) is the pipeline's.
//! * Burst: 1,000 tasks queued at once (700 rewrites for the content creator, 300 hashtag
//!   suggestions for the engagement optimizer) plus 10 % duplicate deliveries, consumed with
//!   each agent's deployed concurrency: all complete, none twice (one model call each), the
//!   running count never above the cap, and queue-to-start latency.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use domain::AgentType;
use runtime::AppState;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::api_load::Connection;

const LATENCY: Duration = Duration::from_millis(500);
const GENERATIONS: usize = 40;
const REWRITES: usize = 700;
const HASHTAGS: usize = 300;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// What an agent's event source does: `workers` concurrent invocations, each taking what one
/// receive returns and handling it, until `stop`.
fn consume(state: &AppState, agent: AgentType, workers: usize, stop: Arc<AtomicBool>) {
    let url = state.config.queue_urls[cloud::QueueSpec::for_agent(agent).name].clone();
    for _ in 0..workers {
        let (state, url, stop) = (state.clone(), url.clone(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let batch = cloud::receive_messages(state.sqs(), &url, 1)
                    .await
                    .unwrap_or_default();
                for message in batch {
                    let failed = agents::worker::handle_batch(
                        &state,
                        vec![(message.message_id.clone(), message.body.clone())],
                    )
                    .await;
                    if failed.is_empty() {
                        let _ =
                            cloud::delete_messages(state.sqs(), &url, &[message.receipt_handle])
                                .await;
                    }
                }
            }
        });
    }
}

async fn setup() -> (AppState, model_sandbox::ModelSandbox) {
    let (models_url, models) = model_sandbox::spawn(0).await.expect("model sandbox");
    models.set_latency(LATENCY);
    let state = crate::sandboxed_state(&[("MODEL_SANDBOX_URL", models_url)]).await;
    (state, models)
}

pub async fn run() {
    let (state, models) = setup().await;
    let port = crate::api_load::serve_api(crate::execution_environment(&state)).await;
    let mut connection = Connection::open(port).await;
    let crate::api_load::Registered {
        token,
        organization_id,
        user_id,
    } = connection.register("agents-bench").await;
    // The plan's budget would stop a thousand tasks: the benchmark runs on the largest plan.
    let db = state.db.client().await.expect("db");
    db.execute(
        "UPDATE organizations SET subscription_plan = 'enterprise' WHERE id = $1",
        &[&organization_id],
    )
    .await
    .expect("plan");
    drop(db);

    println!(
        "agents (release build, model sandbox at a fixed {} ms a call, local Postgres + moto, deployed pool {} per execution environment):",
        LATENCY.as_millis(),
        state.config.db_max_connections
    );
    let stop = Arc::new(AtomicBool::new(false));
    for agent in agents::worker::CONSUMED {
        consume(
            &crate::execution_environment(&state),
            agent,
            agents::worker::concurrency(agent),
            stop.clone(),
        );
    }

    // End to end.
    let headers = format!(
        "Content-Type: application/json\r\nAuthorization: Bearer {token}\r\nPrefer: wait=25\r\n"
    );
    let mut total = Vec::new();
    let mut beyond = Vec::new();
    let mut model = Vec::new();
    let mut queue_to_start = Vec::new();
    for i in 0..GENERATIONS {
        let brief =
            json!({ "topic": format!("Espresso tasting night number {i}"), "platforms": ["x"] })
                .to_string();
        let started = Instant::now();
        let (status, body) = connection
            .request("POST", "/api/ai-agents/content/generate", &headers, &brief)
            .await;
        let elapsed = started.elapsed();
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let task: Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(task["status"], "completed");
        let in_model =
            Duration::from_millis(task["model_latency_ms"].as_u64().expect("model time"));
        total.push(elapsed);
        model.push(in_model);
        beyond.push(elapsed.saturating_sub(in_model));
        let created =
            chrono::DateTime::parse_from_rfc3339(task["created_at"].as_str().unwrap()).unwrap();
        let began =
            chrono::DateTime::parse_from_rfc3339(task["started_at"].as_str().unwrap()).unwrap();
        queue_to_start.push((began - created).to_std().unwrap_or_default());
    }
    for samples in [&mut total, &mut beyond, &mut model, &mut queue_to_start] {
        samples.sort();
    }
    let p = |s: &[Duration], q: f64| ms(crate::percentile(s, q));
    println!(
        "  content generation, request → completed ({GENERATIONS} sequential, 3 model calls each):\n    total p50 {:.0} ms  p95 {:.0} ms | in the model p50 {:.0} ms | beyond the model p50 {:.0} ms  p95 {:.0} ms  max {:.0} ms\n    queue → start p50 {:.1} ms  p99 {:.1} ms",
        p(&total, 0.5),
        p(&total, 0.95),
        p(&model, 0.5),
        p(&beyond, 0.5),
        p(&beyond, 0.95),
        p(&beyond, 1.0),
        p(&queue_to_start, 0.5),
        p(&queue_to_start, 0.99)
    );

    // Burst.
    let calls_before = models.chat_calls();
    let requester = agents::pipeline::Requester {
        organization_id: organization_id.into(),
        user_id,
    };
    let submitted = Instant::now();
    let mut ids: Vec<Uuid> = Vec::with_capacity(REWRITES + HASHTAGS);
    let kinds: Vec<(agents::TaskKind, Value)> = (0..REWRITES)
        .map(|i| (agents::TaskKind::ContentImprove, json!({ "text": format!("Come taste our espresso, batch {i}."), "goal": "clearer" })))
        .chain((0..HASHTAGS).map(|i| (agents::TaskKind::HashtagSuggest, json!({ "text": format!("Iced coffee season {i}"), "platforms": ["instagram"] }))))
        .collect();
    let submitting = futures::future::join_all(kinds.chunks(50).map(|chunk| {
        let state = crate::execution_environment(&state);
        let requester = agents::pipeline::Requester {
            organization_id: requester.organization_id,
            user_id,
        };
        let chunk = chunk.to_vec();
        async move {
            let mut ids = Vec::new();
            for (kind, input) in chunk {
                ids.push(
                    agents::pipeline::submit(&state, &requester, kind, &input)
                        .await
                        .expect("submitted")
                        .id,
                );
            }
            ids
        }
    }))
    .await;
    for batch in submitting {
        ids.extend(batch);
    }
    let queued_in = submitted.elapsed();
    // 10 % delivered twice, as SQS may.
    for (i, id) in ids.iter().enumerate().filter(|(i, _)| i % 10 == 0) {
        let agent = if i < REWRITES {
            AgentType::ContentCreator
        } else {
            AgentType::EngagementOptimizer
        };
        agents::pipeline::dispatch(&state, agent, *id, None)
            .await
            .expect("duplicate");
    }
    let peaks: Arc<std::sync::Mutex<HashMap<String, i64>>> = Arc::default();
    let watching = Arc::new(AtomicBool::new(true));
    {
        let (state, peaks, watching) = (state.clone(), peaks.clone(), watching.clone());
        tokio::spawn(async move {
            while watching.load(Ordering::Relaxed) {
                if let Ok(db) = state.db.client().await
                    && let Ok(rows) = db
                        .query("SELECT a.agent_type, count(*) FROM ai_agent_tasks t JOIN ai_agents a ON a.id = t.agent_id WHERE t.status = 'running' GROUP BY 1", &[])
                        .await
                {
                    let mut peaks = peaks.lock().unwrap();
                    for row in rows {
                        let entry = peaks.entry(row.get::<_, String>(0)).or_default();
                        *entry = (*entry).max(row.get::<_, i64>(1));
                    }
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
    }
    let db = state.db.client().await.expect("db");
    loop {
        let done: i64 = db
            .query_one("SELECT count(*) FROM ai_agent_tasks WHERE status IN ('completed', 'failed') AND id = ANY($1)", &[&ids])
            .await
            .expect("count")
            .get(0);
        if done as usize == ids.len() || submitted.elapsed() > Duration::from_secs(900) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let drained_in = submitted.elapsed();
    watching.store(false, Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    let row = db
        .query_one(
            "SELECT count(*) FILTER (WHERE status = 'completed'), count(*) FILTER (WHERE status = 'failed'),
                    percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at)::float8),
                    percentile_disc(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at)::float8),
                    percentile_disc(0.5) WITHIN GROUP (ORDER BY execution_time_ms - model_latency_ms),
                    percentile_disc(0.95) WITHIN GROUP (ORDER BY execution_time_ms - model_latency_ms)
             FROM ai_agent_tasks WHERE id = ANY($1)",
            &[&ids],
        )
        .await
        .expect("summary");
    let calls = models.chat_calls() - calls_before;
    let (completed, failed): (i64, i64) = (row.get(0), row.get(1));
    let (q50, q99): (f64, f64) = (row.get(2), row.get(3));
    let (run50, run95): (i32, i32) = (row.get(4), row.get(5));
    println!(
        "  burst: {} tasks queued at once ({REWRITES} rewrites, {HASHTAGS} hashtag suggestions) + {} duplicate deliveries, queued in {:.1} s:\n    all settled in {:.1} s: {completed} completed, {failed} failed; model calls {calls} for {} tasks (none twice)\n    peak running: {:?} (caps: content creator {}, engagement optimizer {})\n    queue → start p50 {q50:.1} s  p99 {q99:.1} s (a backlog by design: the caps hold); a task's own time beyond the model p50 {run50} ms  p95 {run95} ms",
        ids.len(),
        ids.len().div_ceil(10),
        queued_in.as_secs_f64(),
        drained_in.as_secs_f64(),
        ids.len(),
        peaks.lock().unwrap(),
        agents::worker::concurrency(AgentType::ContentCreator),
        agents::worker::concurrency(AgentType::EngagementOptimizer),
    );
}
