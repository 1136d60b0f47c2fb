//! `cargo xtask dev` runs this: every API router on one port, against the local stack.
//! `cargo xtask admin grant|revoke EMAIL` runs it with `platform-admin grant|revoke EMAIL`.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    runtime::init_tracing();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["platform-admin", verb @ ("grant" | "revoke"), email] => {
            dev_server::grant_platform_admin(email, *verb == "grant").await
        }
        [] => dev_server::run_from_env().await,
        other => Err(format!("unknown arguments: {other:?}").into()),
    }
}
