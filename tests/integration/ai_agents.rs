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

/// The content creator as `GET /api/ai-agents` shows it to `member`.
async fn content_creator(app: &TestApp, member: &Member) -> Value {
    let agents = app.api(auth(member)).ai_agents().await;
    agents
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["agent_type"] == "content_creator")
        .unwrap()
        .clone()
}

/// The member's inbox once it holds a notification of `kind`, or as it is after 2 s: the
/// notification is written just after the task or workflow it reports on is settled, which
/// is when a waiting caller already has its answer.
pub(crate) async fn inbox_with(app: &TestApp, member: &Member, kind: &str) -> Value {
    let mut inbox = Value::Null;
    for _ in 0..40 {
        inbox = app.api(auth(member)).notifications("").await.body;
        if inbox["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == kind)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    inbox
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
    let creator = content_creator(&app, &admin).await;
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
    let inbox = inbox_with(&app, &admin, "ai_task_failed").await;
    assert!(
        inbox["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "ai_task_failed"),
        "{inbox}"
    );
    let creator = content_creator(&app, &admin).await;
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

#[tokio::test]
async fn given_memories_when_recalled_then_meaning_words_importance_and_freshness_order_them_and_expired_ones_never_come_back()
 {
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Memory").await;
    let api = || app.api(auth(&admin));
    api().ai_agents().await;
    let voice = api().remember(json!({ "memory_type": "knowledge", "content": "Brand voice: warm, playful and curious about specialty coffee and espresso", "importance": 0.9 })).await;
    assert_eq!(voice.status, StatusCode::CREATED, "{}", voice.body);
    let rule = api().remember(json!({ "memory_type": "preference", "content": "Never promise discounts on espresso drinks", "importance": 0.6 })).await;
    let unrelated = api().remember(json!({ "memory_type": "knowledge", "content": "Quarterly revenue spreadsheet lives in the finance drive", "importance": 0.9 })).await;
    let expired = api().remember(json!({ "memory_type": "knowledge", "content": "Espresso coffee playful warm launch week", "importance": 1.0, "expires_in_days": 1 })).await;
    connect(&app.env.database)
        .await
        .execute("UPDATE ai_agent_memory SET expires_at = now() - interval '1 minute' WHERE id = $1::text::uuid", &[&expired.body["id"].as_str().unwrap()])
        .await
        .unwrap();

    // When the content creator recalls for a post about espresso…
    let agent_id: uuid::Uuid = scalar(&app, &format!("SELECT id FROM ai_agents WHERE organization_id = '{}' AND agent_type = 'content_creator'", admin.organization_id)).await;
    let query = "a playful post about our espresso";
    let vector = model_sandbox::embedding(query);
    let client = app.state.db.client().await.unwrap();
    let recalled = store::agents::memory::recall(
        &**client,
        &store::agents::memory::Recall {
            organization_id: admin.organization_id.parse().unwrap(),
            agent_id,
            embedding: Some((&vector, app.state.config.ai.embedding_model.as_str())),
            text: query,
            limit: 5,
        },
    )
    .await
    .unwrap();

    // …then the brand voice comes first, the related rule next, the unrelated fact last, and
    // the expired memory not at all.
    let order: Vec<String> = recalled.iter().map(|r| r.memory.id.to_string()).collect();
    let ids = [&voice, &rule, &unrelated].map(|m| m.body["id"].as_str().unwrap().to_owned());
    assert_eq!(order, ids, "{recalled:#?}");
    assert!(recalled[0].similarity > recalled[2].similarity);
    assert!(recalled[0].text_match > 0.0 && recalled[2].text_match == 0.0);

    // Members see the live ones, newest first, and can make the agents forget one.
    let listed = api().memories("").await;
    let listed_ids: Vec<&str> = listed.body["memories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed_ids,
        [ids[2].as_str(), ids[1].as_str(), ids[0].as_str()]
    );
    assert_eq!(api().forget(&ids[2]).await.status, StatusCode::NO_CONTENT);
    assert_eq!(api().forget(&ids[2]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        api().memories("memory_type=knowledge").await.body["memories"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let conversation = api()
        .remember(json!({ "memory_type": "conversation", "content": "x" }))
        .await;
    assert_eq!(conversation.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Maintenance deletes what expired.
    upkeep::apply_retention(&app.state, chrono::Utc::now())
        .await
        .unwrap();
    let left: i64 = scalar(&app, "SELECT count(*) FROM ai_agent_memory").await;
    assert_eq!(left, 2);
}

#[tokio::test]
async fn given_feedback_and_a_members_data_then_it_is_remembered_exported_and_erased_with_them() {
    let app = TestApp::spawn().await;
    let _agents = app.run_agents();
    let admin = app.register_admin("Feedback").await;
    let user = app.add_member(&admin, "user").await;
    let task = app
        .api(auth(&user))
        .ai_task("content/generate", brief(&["linkedin"]), Some(20))
        .await;
    let id = task.body["id"].as_str().unwrap();
    let liked = app
        .api(auth(&user))
        .ai_feedback(
            id,
            json!({ "accepted": false, "note": "too formal for us" }),
        )
        .await;
    assert_eq!(liked.status, StatusCode::CREATED, "{}", liked.body);
    assert_eq!(liked.body["memory_type"], "preference");
    assert!(
        liked.body["content"]
            .as_str()
            .unwrap()
            .starts_with("Rejected (content generate): ")
    );
    assert!(
        liked.body["content"]
            .as_str()
            .unwrap()
            .ends_with("because: too formal for us")
    );
    assert_eq!(liked.body["source_task_id"], id);

    // The next brief is written knowing it.
    let next = app
        .api(auth(&user))
        .ai_task("content/generate", brief(&["linkedin"]), Some(20))
        .await;
    let used: Vec<&str> = next.body["output"]["memories_used"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(
        used.contains(&liked.body["id"].as_str().unwrap()),
        "{used:?}"
    );
    let sent = app.env.models.recent_requests();
    let last = sent.last().unwrap().to_string();
    assert!(
        last.contains("too formal for us"),
        "the memory reaches the model as data"
    );

    // Their export holds what they taught the agents; erasing them erases it.
    let export = app.api(auth(&user)).export_data().await;
    assert!(export.status.is_success(), "{}", export.body);
    let status = app
        .api(auth(&user))
        .export(export.body["id"].as_str().unwrap())
        .await;
    let archive: Value = serde_json::from_slice(
        &integration_tests::http_get(status.body["download_url"].as_str().unwrap()).await,
    )
    .unwrap();
    // The preference, and the summaries of their two generations.
    let kinds: Vec<&str> = archive["ai_memory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["memory_type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["conversation", "preference", "conversation"]);
    let erased = app
        .api(auth(&user))
        .delete_account(json!({ "password": integration_tests::PASSWORD }))
        .await;
    assert!(erased.status.is_success(), "{}", erased.body);
    let theirs: i64 = scalar(&app, "SELECT count(*) FROM ai_agent_memory").await;
    assert_eq!(theirs, 0);
}

#[tokio::test]
async fn given_history_when_hashtags_are_suggested_then_each_comes_with_its_evidence_within_each_platforms_cap()
 {
    let app = TestApp::spawn().await;
    let _agents = app.run_agents();
    let admin = app.register_admin("Tags").await;
    let org = admin.organization_id.clone();
    // Given published posts: #coldbrew on 6 posts engaging 8 %, #coffee on 6 at 4 %, the rest 4 %.
    let db = connect(&app.env.database).await;
    let account = app.connect_account(&admin, "instagram").await;
    for i in 0..18 {
        let (tags, engagements) = match i % 3 {
            0 => (json!(["coldbrew"]), 8i64),
            1 => (json!(["coffee"]), 4),
            _ => (json!([]), 4),
        };
        db.execute(
            "WITH p AS (INSERT INTO posts (organization_id, user_id, content, hashtags, status)
                        VALUES ($1::text::uuid, $2::text::uuid, 'Iced coffee season ' || $3::int, $4, 'published') RETURNING id),
                  t AS (INSERT INTO post_platforms (post_id, social_account_id, status, platform_post_id, published_at)
                        SELECT id, $5::text::uuid, 'published', 'ig-' || $3::int, now() - interval '3 days' FROM p
                        RETURNING id, post_id)
             INSERT INTO post_metrics (post_platform_id, organization_id, post_id, social_account_id, platform,
                                       content_type, published_at, likes, impressions, next_sync_at)
             SELECT t.id, $1::text::uuid, t.post_id, $5::text::uuid, 'instagram', 'text', now() - interval '3 days', $6, 100, now()
             FROM t",
            &[&org, &admin.user_id, &i, &tags, &account, &engagements],
        )
        .await
        .unwrap();
    }

    let answer = app
        .api(auth(&admin))
        .ai_task("hashtags/suggest", json!({ "text": "Our iced coffee is back for summer", "platforms": ["instagram", "x"] }), Some(20))
        .await;
    assert_eq!(answer.body["status"], "completed", "{}", answer.body);
    let advice = &answer.body["output"];
    assert_eq!(advice["posts_considered"], 18);
    assert_eq!(advice["baseline_rate"], 5.33);
    let suggestions = advice["suggestions"].as_array().unwrap();
    let cold = suggestions
        .iter()
        .find(|s| s["tag"] == "#coldbrew")
        .unwrap();
    assert_eq!(cold["uses"], 6);
    assert_eq!(cold["engagement_rate"], 8.0);
    // Shrunk toward the mean: (6×8 + 5×5.33) / 11 = 6.79, +27.3 % (raw would be +50 %).
    assert_eq!(cold["lift_pct"], 27.3);
    assert_eq!(
        cold["co_occurrences"], 6,
        "every post shares \"coffee\" with the text"
    );
    assert!(
        cold["evidence"]
            .as_str()
            .unwrap()
            .contains("6 of your posts: 8.00% engagement vs 5.33% on average")
    );
    assert!(
        suggestions
            .iter()
            .any(|s| s["sources"].as_array().unwrap().contains(&json!("model")))
    );
    assert_eq!(
        suggestions[0]["tag"], "#coldbrew",
        "the best evidence ranks first"
    );
    let instagram = advice["per_platform"]["instagram"].as_array().unwrap();
    let x = advice["per_platform"]["x"].as_array().unwrap();
    assert!(instagram.len() <= 5 && x.len() <= 2);
    assert_eq!(x[0], "#coldbrew");
}

#[tokio::test]
async fn given_a_watchlist_when_competitors_are_analysed_then_the_figures_given_come_back_beside_the_prose()
 {
    let app = TestApp::spawn().await;
    let _agents = app.run_agents();
    let admin = app.register_admin("Rivals").await;
    let empty = app
        .api(auth(&admin))
        .ai_task("competitor/analyze", json!({}), None)
        .await;
    assert_eq!(empty.status, StatusCode::CONFLICT);
    app.connect_account(&admin, "x").await;
    let added = app
        .call_as(
            auth(&admin),
            http::Method::POST,
            "/api/analytics/competitors",
            Some(json!({ "platform": "x", "handle": "rival_roasters" })),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);

    let answer = app
        .api(auth(&admin))
        .ai_task(
            "competitor/analyze",
            json!({ "focus": "posting cadence" }),
            Some(20),
        )
        .await;
    assert_eq!(answer.body["status"], "completed", "{}", answer.body);
    let output = &answer.body["output"];
    assert_eq!(
        output["figures"]["competitors"][0]["handle"],
        "@rival_roasters"
    );
    assert!(
        output["figures"]["competitors"][0]["followers"]
            .as_i64()
            .unwrap()
            > 0
    );
    assert!(!output["summary"].as_str().unwrap().is_empty());
    assert!(!output["recommendations"].as_array().unwrap().is_empty());
    let sent = app.env.models.recent_requests().last().unwrap().to_string();
    assert!(sent.contains("rival_roasters") && sent.contains("posting cadence"));
}

async fn workflow_settled(app: &TestApp, member: &Member, id: &str) -> Value {
    for _ in 0..300 {
        let workflow = app.api(auth(member)).workflow(id).await;
        assert_eq!(workflow.status, StatusCode::OK, "{}", workflow.body);
        if workflow.body["status"] != "running" {
            return workflow.body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("workflow {id} did not settle");
}

#[tokio::test]
async fn given_a_campaign_when_its_steps_run_then_drafts_wait_on_the_calendar_for_approval() {
    let app = TestApp::spawn().await;
    let _agents = app.run_agents();
    let admin = app.register_admin("Campaign").await;
    app.grant_plan(&admin, "pro").await;
    let x = app.connect_account(&admin, "x").await;
    let linkedin = app.connect_account(&admin, "linkedin").await;
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).date_naive();
    // Something is on the calendar at 10:00 on the second day already.
    let busy = format!("{}T10:00:00Z", tomorrow + chrono::Duration::days(1));
    connect(&app.env.database)
        .await
        .execute(
            "INSERT INTO posts (organization_id, user_id, content, status, scheduled_at)
             VALUES ($1::text::uuid, $2::text::uuid, 'already planned', 'scheduled', $3::text::timestamptz)",
            &[&admin.organization_id, &admin.user_id, &busy],
        )
        .await
        .unwrap();

    let started = app
        .api(auth(&admin))
        .start_workflow(json!({
            "type": "campaign",
            "name": "Summer cold brew",
            "brief": brief(&["x", "linkedin"]),
            "posts": 3,
            "social_account_ids": [x, linkedin],
            "starts_on": tomorrow.to_string(),
            "timezone": "UTC",
        }))
        .await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.body);
    let id = started.body["id"].as_str().unwrap();
    let done = workflow_settled(&app, &admin, id).await;

    assert_eq!(done["status"], "completed", "{done}");
    let steps: Vec<(&str, &str, &str)> = done["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap(),
                s["agent_type"].as_str().unwrap(),
                s["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("content", "content_creator", "completed"),
            ("slots", "orchestrator", "completed"),
            ("drafts", "orchestrator", "completed")
        ]
    );
    assert!(done["cost_usd"].as_f64().unwrap() > 0.0);
    let posts = done["output"]["content"]["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 3);
    assert_ne!(
        posts[0]["variants"][0]["text"], posts[1]["variants"][0]["text"],
        "each post takes its own angle"
    );

    // Three drafts, one a day at 10:00 (no history to learn from), the busy hour moved on; none scheduled.
    let slots: Vec<&str> = done["output"]["slots"]["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["at"].as_str().unwrap())
        .collect();
    let day = |n: i64| (tomorrow + chrono::Duration::days(n)).to_string();
    assert_eq!(
        slots,
        [
            format!("{}T10:00:00Z", day(0)),
            format!("{}T11:00:00Z", day(1)),
            format!("{}T10:00:00Z", day(2))
        ]
    );
    let drafts = done["output"]["drafts"]["post_ids"].as_array().unwrap();
    assert_eq!(drafts.len(), 3);
    for draft in drafts {
        let post = app.api(auth(&admin)).post(draft.as_str().unwrap()).await;
        assert_eq!(post.body["status"], "draft");
        assert_eq!(post.body["ai_generated"], true);
        assert_eq!(post.body["targets"].as_array().unwrap().len(), 2);
    }
    let on_calendar: i64 = scalar(
        &app,
        "SELECT count(*) FROM posts WHERE status = 'draft' AND scheduled_at IS NOT NULL",
    )
    .await;
    assert_eq!(on_calendar, 3);
    let inbox = inbox_with(&app, &admin, "ai_workflow_finished").await;
    assert!(
        inbox["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "ai_workflow_finished")
    );
}

#[tokio::test]
async fn given_a_step_that_fails_when_the_workflow_is_retried_then_it_resumes_at_that_step() {
    let app = TestApp::spawn().await;
    let _agents = app.run_agents();
    let admin = app.register_admin("Retry").await;
    let x = app.connect_account(&admin, "x").await;
    app.env.models.push_fault(fault(FaultKind::Malformed, 2));
    let started = app
        .api(auth(&admin))
        .start_workflow(json!({ "type": "campaign", "name": "Launch", "brief": brief(&["x"]), "posts": 1, "social_account_ids": [x] }))
        .await;
    let id = started.body["id"].as_str().unwrap().to_owned();
    let failed = workflow_settled(&app, &admin, &id).await;
    assert_eq!(failed["status"], "failed");
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .starts_with("step “content” failed: the model's answer was not usable"),
        "{failed}"
    );
    assert_eq!(
        failed["steps"][1]["status"], "pending",
        "nothing after the failed step ran"
    );
    let inbox = inbox_with(&app, &admin, "ai_workflow_finished").await;
    assert!(
        inbox["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "ai_workflow_finished"
                && n["title"].as_str().unwrap().contains("stopped"))
    );

    let retried = app.api(auth(&admin)).retry_workflow(&id).await;
    assert_eq!(retried.status, StatusCode::ACCEPTED, "{}", retried.body);
    let done = workflow_settled(&app, &admin, &id).await;
    assert_eq!(done["status"], "completed", "{done}");
    let tries: Vec<&str> = done["steps"][0]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(tries, ["failed", "completed"]);
    assert_eq!(
        app.api(auth(&admin)).retry_workflow(&id).await.status,
        StatusCode::CONFLICT
    );
    let other = app.register_admin("Not theirs").await;
    assert_eq!(
        app.api(auth(&other)).retry_workflow(&id).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.api(auth(&other)).workflow(&id).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn given_a_week_when_the_weekly_review_runs_then_figures_a_report_and_recommendations_follow()
{
    let app = TestApp::spawn().await;
    let _agents = app.run_agents();
    let admin = app.register_admin("Weekly").await;
    let started = app
        .api(auth(&admin))
        .start_workflow(json!({ "type": "weekly_review", "timezone": "Europe/Paris" }))
        .await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.body);
    let done = workflow_settled(&app, &admin, started.body["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert!(done["output"]["performance"]["total"].is_object());
    let report_id = done["output"]["report"]["report_id"].as_str().unwrap();
    let report = app.api(auth(&admin)).report(report_id).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(
        report.body["title"]
            .as_str()
            .unwrap()
            .starts_with("Weekly review")
    );
    assert!(
        !done["output"]["recommendations"]["recommendations"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let invalid = app
        .api(auth(&admin))
        .start_workflow(json!({ "type": "weekly_review", "timezone": "Mars/Olympus" }))
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = app
        .api(auth(&admin))
        .start_workflow(json!({ "type": "world_domination" }))
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
}
