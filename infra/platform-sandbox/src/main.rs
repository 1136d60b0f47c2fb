//! The platform sandbox on its own: `platform-sandbox [PORT]` (default 4010).

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(4010);
    let (base, _sandbox) = platform_sandbox::spawn(port).await?;
    println!("platform sandbox listening on {base}");
    tokio::signal::ctrl_c().await
}
