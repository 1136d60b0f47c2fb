//! The model sandbox on its own: `model-sandbox [PORT]` (default 4020).

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(4020);
    let (base, _sandbox) = model_sandbox::spawn(port).await?;
    println!("model sandbox listening on {base}");
    tokio::signal::ctrl_c().await
}
