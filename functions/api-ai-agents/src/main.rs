//! `/api/ai-agents/*` behind API Gateway: agents and settings, task submission (the work runs in
//! the agent functions), history, memory, workflows and usage.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    http_kit::run_on_lambda(api::ai_agents::router).await
}
