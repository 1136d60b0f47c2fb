//! `cargo xtask dev` runs this: every API router on one port, against the local stack.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    runtime::init_tracing();
    dev_server::run_from_env().await
}
