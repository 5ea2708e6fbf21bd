//! The HTTP/1.1 accept loop behind [`crate::serve_until`], with the connection limits
//! `axum::serve` lacks.
//!
//! `axum::serve` gives hyper no timer, so hyper's header read timeout never runs: a client that
//! sends a request head one byte at a time (slow-loris) or opens connections and sends nothing
//! keeps each of them, and its task, forever. Here every connection has
//! [`HEADER_READ_TIMEOUT`] to deliver a complete request head (the first one and each one after
//! on a kept-alive connection), else it is closed. Bodies are bounded by the router's layers
//! (size: [`super::BODY_LIMIT`]; time: [`super::REQUEST_TIMEOUT`], and for webhooks
//! [`super::webhooks::BODY_READ_TIMEOUT`]). On shutdown the listener closes at once, idle
//! connections are closed, and open requests finish.

use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceExt;

/// How long a connection may take to send a complete request head.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `router` on `listener` until `shutdown` resolves, then drains open requests.
pub async fn serve_until(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait instead of spinning. A
                    // connection reset before accept is not worth a line.
                    if !is_connection_error(&error) {
                        tracing::error!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = stream;
        let _ = stream.set_nodelay(true);
        // The peer's address, for handlers that ask `ConnectInfo<SocketAddr>` (the limits).
        let service = TowerToHyperService::new(router.clone().map_request(
            move |mut request: axum::extract::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            },
        ));
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

fn is_connection_error(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}
