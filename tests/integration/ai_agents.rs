//! AI agents through the real queues (local AWS endpoint) and the model sandbox (Bedrock's
//! Converse and Titan wire formats): each endpoint, the platform rule checks and the model's
//! self-correction, malformed output, throttling, the budget, redelivery and poison messages,
//! memory recall, workflows, roles and tenant isolation.

use std::time::Duration;

use domain::AgentType;
use http::StatusCode;
use integration_tests::{Member, TestApp, auth, connect};
use model_sandbox::{Fault, FaultKind, Target};
use serde_json::{Value, json};

fn fault(kind: FaultKind, times: u32) -> Fault {
    Fault {
        kind,
        times,
        on: Target::Chat,
    }
}

async fn scalar<T: for<'a> store::tokio_postgres::types::FromSql<'a>>(
    app: &TestApp,
    sql: &str,
) -> T {
    connect(&app.env.database)
        .await
        .query_one(sql, &[])
        .await
        .unwrap()
        .get(0)
}

fn brief(platforms: &[&str]) -> Value {
    json!({
        "topic": "Our new single-origin Ethiopian espresso, bright and floral",
        "goal": "awareness",
        "audience": "coffee lovers in town",
        "platforms": platforms,
    })
}

/// Waits for a task to settle (the runner consumes the queues in the background).
async fn settled(app: &TestApp, member: &Member, id: &str) -> Value {
    for _ in 0..200 {
        let task = app.api(auth(member)).ai_task_detail(id).await;
        assert_eq!(task.status, StatusCode::OK, "{}", task.body);
        if ["completed", "failed"].contains(&task.body["status"].as_str().unwrap()) {
            return task.body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("task {id} did not settle");
}

#[tokio::test]
async fn given_a_brief_when_generated_with_prefer_wait_then_each_platform_gets_a_checked_variant_with_its_cost()
 {
    let app = TestApp::spawn().await;
    let _agents = app.run_agents();
    let admin = app.register_admin("Brief").await;
    app.grant_plan(&admin, "business").await;
    let x = app.connect_account(&admin, "x").await;
    let linkedin = app.connect_account(&admin, "linkedin").await;

    // When a member asks and is willing to wait…
    let mut body = brief(&["x", "linkedin", "instagram"]);
    body["draft_for_accounts"] = json!([x, linkedin]);
    let answer = app
        .api(auth(&admin))
        .ai_task("content/generate", body, Some(20))
        .await;

    // …then the finished task comes back at once: one variant per platform, each within its rules.
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.headers["preference-applied"], "wait=20");
    let task = &answer.body;
    assert_eq!(task["status"], "completed");
    assert_eq!(
        answer.headers["location"],
        format!("/api/ai-agents/tasks/{}", task["id"].as_str().unwrap())
    );
    let variants = task["output"]["variants"].as_array().unwrap();
    let platforms: Vec<&str> = variants
        .iter()
        .map(|v| v["platform"].as_str().unwrap())
        .collect();
    assert_eq!(platforms, ["x", "linkedin", "instagram"]);
    for variant in variants {
        let platform: domain::Platform = variant["platform"].as_str().unwrap().parse().unwrap();
        let text = variant["text"].as_str().unwrap();
        let report = domain::check_text(platform, text, &domain::HashtagCaps::default());
        assert!(report.fits(), "{platform}: {text}");
        assert_eq!(variant["length"], report.length);
        assert!(
            text.to_lowercase().contains("espresso")
                || text.to_lowercase().contains("ethiopian")
                || text.to_lowercase().contains("floral"),
            "{text}"
        );
    }
    // The model, its tokens, time and cost are on the task; the sandbox says it is the sandbox.
    assert!(task["model_used"].as_str().unwrap().starts_with("sandbox:"));
    assert!(
        task["input_tokens"].as_i64().unwrap() > 0 && task["output_tokens"].as_i64().unwrap() > 0
    );
    assert!(task["cost_usd"].as_f64().unwrap() > 0.0);
    let steps: Vec<&str> = task["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert!(
        steps.contains(&"write posts") && steps.contains(&"rule check") && steps.contains(&"embed"),
        "{steps:?}"
    );

    // A draft post holds the variants, marked as the agent's; nothing was scheduled.
    let post_id = task["output"]["draft_post_id"].as_str().unwrap();
    let post = app.api(auth(&admin)).post(post_id).await;
    assert_eq!(post.body["status"], "draft");
    assert_eq!(post.body["ai_generated"], true);
    let db = connect(&app.env.database).await;
    let row = db
        .query_one("SELECT ai_model_used, ai_prompt, scheduled_at IS NULL FROM posts WHERE id = $1::text::uuid", &[&post_id])
        .await
        .unwrap();
    assert!(row.get::<_, String>(0).starts_with("sandbox:"));
    assert!(row.get::<_, String>(1).contains("Ethiopian"));
    assert!(row.get::<_, bool>(2));
    let overrides: i64 = scalar(&app, &format!("SELECT count(*) FROM post_platforms WHERE post_id = '{post_id}' AND text_override IS NOT NULL")).await;
    assert_eq!(
        overrides, 1,
        "LinkedIn's text differs from X's, which is the post's own"
    );

    // The agent counted it, and remembered it.
    let agents = app.api(auth(&admin)).ai_agents().await;
    let creator = agents
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["agent_type"] == "content_creator")
        .unwrap()
        .clone();
    assert_eq!(creator["tasks_completed"], 1);
    assert_eq!(creator["success_rate"], 100.0);
    let memories = app
        .api(auth(&admin))
        .memories("memory_type=conversation")
        .await;
    assert_eq!(memories.body["memories"].as_array().unwrap().len(), 1);

    // Without waiting, the answer is 202 and a status URL to poll.
    let queued = app
        .api(auth(&admin))
        .ai_task("content/generate", brief(&["x"]), None)
        .await;
    assert_eq!(queued.status, StatusCode::ACCEPTED);
    assert_eq!(queued.body["status"], "pending");
    let done = settled(&app, &admin, queued.body["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "completed");
    let usage = app.api(auth(&admin)).ai_usage().await;
    assert!(usage.body["spent_usd"].as_f64().unwrap() > 0.0);
    assert_eq!(usage.body["budget_usd"], 100.0);
}

#[tokio::test]
async fn given_a_model_that_writes_too_long_when_generating_then_it_rewrites_twice_and_then_we_cut_or_thread()
 {
    let app = TestApp::spawn().await;
    let _agents = app.run_agents();
    let admin = app.register_admin("Too long").await;

    // Once too long: sent back with the overflow, and the rewrite fits.
    app.env.models.push_fault(fault(FaultKind::TooLong, 1));
    let once = app
        .api(auth(&admin))
        .ai_task("content/generate", brief(&["x"]), Some(20))
        .await;
    let variant = &once.body["output"]["variants"][0];
    assert_eq!(variant["rewrites"], 1, "{}", once.body);
    assert_eq!(variant["shortened"], false);
    assert!(
        variant["notes"][0]
            .as_str()
            .unwrap()
            .contains("of at most 280")
    );
    assert!(variant["length"].as_u64().unwrap() <= 280);

    // Always too long: two rewrites, then cut at a sentence and flagged.
    app.env.models.push_fault(fault(FaultKind::TooLong, 3));
    let cut = app
        .api(auth(&admin))
        .ai_task("content/generate", brief(&["x"]), Some(20))
        .await;
    let variant = &cut.body["output"]["variants"][0];
    assert_eq!(variant["rewrites"], 2, "{}", cut.body);
    assert_eq!(variant["shortened"], true);
    assert!(variant["length"].as_u64().unwrap() <= 280);
    assert!(
        variant["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("cut at a sentence"))
    );

    // With threads allowed, X gets a thread of posts that each fit instead.
    app.env.models.push_fault(fault(FaultKind::TooLong, 3));
    let mut threaded = brief(&["x"]);
    threaded["allow_thread"] = json!(true);
    let thread = app
        .api(auth(&admin))
        .ai_task("content/generate", threaded, Some(20))
        .await;
    let posts = thread.body["output"]["variants"][0]["thread"]
        .as_array()
        .unwrap()
        .clone();
    assert!(posts.len() >= 2, "{}", thread.body);
    for post in posts {
        assert!(
            domain::check_text(
                domain::Platform::X,
                post.as_str().unwrap(),
                &domain::HashtagCaps::default()
            )
            .fits()
        );
    }
}

#[tokio::test]
async fn given_malformed_answers_when_generating_then_one_is_reasked_and_two_fail_the_task_with_the_reason()
 {
    let app = TestApp::spawn().await;
    let _agents = app.run_agents();
    let admin = app.register_admin("Malformed").await;

    app.env.models.push_fault(fault(FaultKind::Malformed, 1));
    let recovered = app
        .api(auth(&admin))
        .ai_task("content/generate", brief(&["linkedin"]), Some(20))
        .await;
    assert_eq!(recovered.body["status"], "completed", "{}", recovered.body);
    let steps: Vec<&str> = recovered.body["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert!(
        steps.contains(&"malformed answer") && steps.contains(&"write posts (re-asked)"),
        "{steps:?}"
    );

    app.env.models.push_fault(fault(FaultKind::Malformed, 2));
    let failed = app
        .api(auth(&admin))
        .ai_task("content/generate", brief(&["linkedin"]), Some(20))
        .await;
    assert_eq!(failed.status, StatusCode::OK);
    assert_eq!(failed.body["status"], "failed");
    assert!(
        failed.body["error"]
            .as_str()
            .unwrap()
            .contains("not usable"),
        "{}",
        failed.body
    );

    // The requester hears about it; the agent counts one success and one failure.
    let inbox = app.api(auth(&admin)).notifications("").await;
    assert!(
        inbox.body["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "ai_task_failed"),
        "{}",
        inbox.body
    );
    let agents = app.api(auth(&admin)).ai_agents().await;
    let creator = agents
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["agent_type"] == "content_creator")
        .unwrap()
        .clone();
    assert_eq!(
        (
            creator["tasks_completed"].as_i64(),
            creator["tasks_failed"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(creator["success_rate"], 50.0);
}

#[tokio::test]
async fn given_throttling_when_improving_then_the_call_is_retried_and_the_rewrite_says_what_changed()
 {
    let app = TestApp::spawn().await;
    let _agents = app.run_agents();
    let admin = app.register_admin("Throttled").await;

    app.env.models.push_fault(fault(FaultKind::Throttle, 2));
    let answer = app
        .api(auth(&admin))
        .ai_task("content/improve", json!({ "text": "new espresso. it is good. come try", "goal": "more_engaging", "platform": "x" }), Some(20))
        .await;
    assert_eq!(answer.body["status"], "completed", "{}", answer.body);
    let rewrite = answer.body["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "rewrite")
        .unwrap()
        .clone();
    assert_eq!(rewrite["attempts"], 3);
    assert_eq!(rewrite["retried_after"].as_array().unwrap().len(), 2);
    let output = &answer.body["output"];
    assert!(!output["changes"].as_array().unwrap().is_empty());
    assert!(output["changes"][0]["reason"].is_string());
    assert_eq!(output["check"]["platform"], "x");
    assert_eq!(output["original_length"], 34);

    // A tone goal needs the tone.
    let missing = app
        .api(auth(&admin))
        .ai_task(
            "content/improve",
            json!({ "text": "hi", "goal": "tone" }),
            None,
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(missing.body["error"]["details"][0]["field"], "tone");
}

#[tokio::test]
async fn given_the_months_budget_is_spent_when_asking_then_402_with_the_figures_and_nothing_queued()
{
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Spent").await;
    let agents = app.api(auth(&admin)).ai_agents().await;
    let creator = agents.body[0]["agent_type"].clone();
    assert_eq!(creator, "content_creator");
    // Given tasks this month that cost the free plan's $2…
    connect(&app.env.database)
        .await
        .execute(
            "INSERT INTO ai_agent_tasks (organization_id, agent_id, task_type, input_data, status, cost_usd)
             SELECT organization_id, id, 'content_generate', '{}', 'completed', 2.0 FROM ai_agents
             WHERE organization_id = $1::text::uuid AND agent_type = 'content_creator'",
            &[&admin.organization_id],
        )
        .await
        .unwrap();

    let refused = app
        .api(auth(&admin))
        .ai_task("content/generate", brief(&["x"]), None)
        .await;
    assert_eq!(refused.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(refused.error_code(), "plan_limit_reached");
    let details: Vec<(&str, &str)> = refused.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["field"].as_str().unwrap(), d["issue"].as_str().unwrap()))
        .collect();
    assert_eq!(details[0], ("spent_usd", "2.0000"));
    assert_eq!(details[1], ("budget_usd", "2.00"));
    let queued: i64 = scalar(
        &app,
        "SELECT count(*) FROM ai_agent_tasks WHERE status = 'pending'",
    )
    .await;
    assert_eq!(queued, 0);
    let usage = app.api(auth(&admin)).ai_usage().await;
    assert_eq!(
        (
            usage.body["spent_usd"].as_f64(),
            usage.body["budget_usd"].as_f64()
        ),
        (Some(2.0), Some(2.0))
    );
}

#[tokio::test]
async fn given_a_redelivered_message_when_consumed_then_the_task_runs_once() {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Twice").await;
    let queued = app
        .api(auth(&admin))
        .ai_task("content/generate", brief(&["x"]), None)
        .await;
    let id = queued.body["id"].as_str().unwrap().to_owned();
    // Given the same message twice more on the queue (SQS delivers at least once)…
    let url = app.state.config.queue_urls["agent-content-creator"].clone();
    let body = json!({ "task_id": id }).to_string();
    cloud::send_messages(
        app.state.sqs(),
        &url,
        &[
            cloud::OutgoingMessage {
                body: body.clone(),
                delay_secs: 0,
            },
            cloud::OutgoingMessage {
                body,
                delay_secs: 0,
            },
        ],
    )
    .await
    .unwrap();

    // …when the agent consumes all three, concurrently…
    assert_eq!(
        agents::worker::drain(&app.state, AgentType::ContentCreator)
            .await
            .unwrap(),
        3
    );

    // …then the model wrote once, and the agent counted one task.
    let task = app.api(auth(&admin)).ai_task_detail(&id).await;
    assert_eq!(task.body["status"], "completed");
    let writes = app.env.models.recent_requests().len();
    assert_eq!(writes, 1, "one structured call for one task");
    let completed: i32 = scalar(
        &app,
        "SELECT tasks_completed FROM ai_agents WHERE agent_type = 'content_creator'",
    )
    .await;
    assert_eq!(completed, 1);
}

#[tokio::test]
async fn given_a_poison_message_when_it_keeps_failing_then_it_rests_in_the_dead_letter_queue() {
    let app = TestApp::spawn().await;
    let url = app.state.config.queue_urls["agent-content-creator"].clone();
    cloud::send_messages(
        app.state.sqs(),
        &url,
        &[cloud::OutgoingMessage {
            body: "{\"not\":\"a task\"}".into(),
            delay_secs: 0,
        }],
    )
    .await
    .unwrap();
    // Three deliveries fail (maxReceiveCount 3); the fourth receive finds it moved.
    for _ in 0..3 {
        assert_eq!(
            agents::worker::drain(&app.state, AgentType::ContentCreator)
                .await
                .unwrap(),
            1
        );
    }
    assert_eq!(
        agents::worker::drain(&app.state, AgentType::ContentCreator)
            .await
            .unwrap(),
        0
    );
    let dlq = url.replace("agent-content-creator", "agent-content-creator-dlq");
    let rested = cloud::receive_messages(app.state.sqs(), &dlq, 1)
        .await
        .unwrap();
    assert_eq!(rested.len(), 1);
    assert_eq!(rested[0].body, "{\"not\":\"a task\"}");
}

#[tokio::test]
async fn given_roles_and_two_organizations_then_each_sees_and_changes_only_what_it_may() {
    let app = TestApp::spawn().await;
    let _agents = app.run_agents();
    let admin = app.register_admin("Roles").await;
    let viewer = app.add_member(&admin, "viewer").await;
    let user = app.add_member(&admin, "user").await;
    let manager = app.add_member(&admin, "manager").await;
    let other = app.register_admin("Elsewhere").await;

    assert_eq!(
        app.api(auth(&viewer))
            .ai_task("content/generate", brief(&["x"]), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.api(auth(&viewer)).ai_agents().await.status,
        StatusCode::OK
    );
    let task = app
        .api(auth(&user))
        .ai_task("content/generate", brief(&["x"]), Some(20))
        .await;
    assert_eq!(task.body["status"], "completed");
    let id = task.body["id"].as_str().unwrap();

    // Settings and memory are for managers and admins.
    let change = json!({ "settings": { "tone": "playful", "brand_voice": "Warm and curious", "language": "en" } });
    assert_eq!(
        app.api(auth(&user))
            .configure_agent("content_creator", change.clone())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let changed = app
        .api(auth(&manager))
        .configure_agent("content_creator", change)
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.body["settings"]["tone"], "playful");
    assert_eq!(
        app.api(auth(&user))
            .remember(json!({ "memory_type": "knowledge", "content": "We roast on Tuesdays" }))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let bad = app
        .api(auth(&admin))
        .configure_agent(
            "content_creator",
            json!({ "settings": { "model": "rm -rf /", "language": "klingon" } }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["error"]["details"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.api(auth(&admin))
            .configure_agent("astrologer", json!({}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // A switched-off agent takes nothing.
    app.api(auth(&admin))
        .configure_agent("content_creator", json!({ "is_active": false }))
        .await;
    let off = app
        .api(auth(&admin))
        .ai_task("content/generate", brief(&["x"]), None)
        .await;
    assert_eq!(off.status, StatusCode::CONFLICT);

    // Another organization sees none of it.
    assert_eq!(
        app.api(auth(&other)).ai_task_detail(id).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.api(auth(&other)).ai_tasks("").await.body["tasks"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        app.api(auth(&other))
            .ai_feedback(id, json!({ "accepted": true }))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let theirs = app.api(auth(&other)).ai_agents().await;
    assert!(
        theirs
            .body
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["tasks_completed"] == 0 && a["settings"]["tone"].is_null())
    );

    // Bad input is a 422 naming each field.
    let invalid = app
        .api(auth(&admin))
        .ai_task(
            "content/generate",
            json!({ "topic": "", "platforms": ["x", "x"], "link": "javascript:alert(1)" }),
            None,
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = invalid.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["topic", "platforms", "link"]);
}
