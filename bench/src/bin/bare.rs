//! `bench-bare ADDR`: the floor `cargo xtask bench` compares webhook intake with. An axum
//! server that answers every request `200 {"received":true}` after reading its body, on the
//! same runtime settings as `points-server`, and nothing else. Prints `listening <addr>`.

use axum::Router;
use axum::body::Bytes;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening {}", listener.local_addr()?);
    let app = Router::new().fallback(|_body: Bytes| async { r#"{"received":true}"# });
    axum::serve(listener, app).await?;
    Ok(())
}
