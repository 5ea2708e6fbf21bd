//! `points-demo`: the whole points-kit stack on localhost, for clicking through by hand.
//!
//! Run it with `cargo xtask demo` (which builds the widget first). It starts the Points
//! sandbox, the merchant server (SQLite file `points-kit-demo.db` in the current directory) and
//! the demo storefront, prints their URLs and runs until Ctrl-C. No configuration needed;
//! `POINTS_DEMO_ADDR` and `POINTS_DEMO_SANDBOX_ADDR` move the ports.

use anyhow::Result;
use e2e::{Stack, StackOptions};

#[tokio::main]
async fn main() -> Result<()> {
    let mut options = StackOptions::for_tests();
    // Human-readable lines, but through the server's redacting writer like its JSON logs: no
    // key, secret, token or whole phone number reaches the terminal.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into()),
        )
        .with_writer(server::telemetry::RedactingMakeWriter::new(
            options.redactor(),
            std::io::stdout,
        ))
        .init();

    options.database_url = Some("sqlite://points-kit-demo.db".into());
    options.webhook_backoff_scale = 1.0;
    options.storefront_addr =
        std::env::var("POINTS_DEMO_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
    options.sandbox_addr =
        std::env::var("POINTS_DEMO_SANDBOX_ADDR").unwrap_or_else(|_| "127.0.0.1:8090".into());
    let stack = Stack::start(options).await?;
    // The admin API's token goes to a file only the user can read, never to the terminal.
    let token_file = std::path::Path::new("points-kit-demo.admin-token");
    write_private(token_file, &stack.admin_token)?;

    println!();
    println!("  points-kit demo is running");
    println!();
    println!(
        "  storefront       {}/  (English: /en/)",
        stack.storefront_url
    );
    println!("  product page     {}/oud.html", stack.storefront_url);
    println!("  your orders      {}/order.html", stack.storefront_url);
    println!(
        "  merchant API     {}/api/orders/{{order_number}}",
        stack.storefront_url
    );
    println!(
        "  Points sandbox   {}/api/v1  (hosted checkout under /checkout)",
        stack.sandbox_url
    );
    println!(
        "  webhook deliveries  {}/_sandbox/deliveries",
        stack.sandbox_url
    );
    println!(
        "  admin API        {}/admin/orders/search?q=…  (Authorization: Bearer $(cat {}))",
        stack.storefront_url,
        token_file.display()
    );
    println!();
    println!("  Ctrl-C to stop.");

    tokio::signal::ctrl_c().await?;
    stack.stop().await;
    Ok(())
}

/// Writes `contents` to `path`, readable by the owner only (Unix), replacing any old file.
fn write_private(path: &std::path::Path, contents: &str) -> Result<()> {
    use std::io::Write;
    let _ = std::fs::remove_file(path);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}
