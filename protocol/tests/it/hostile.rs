//! A Points (or something posing as it) that answers what Points never would: the client
//! neither follows it elsewhere with the private key nor reads without bound.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode, header};
use protocol::client::{ClientConfig, ClientError, GetOrder, MAX_ANSWER_BYTES, PointsClient};
use protocol::{ApiKey, OrderUuid};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::fast_retries;

fn client_at(base_url: &str) -> PointsClient {
    PointsClient::new(ClientConfig {
        base_url: base_url.to_owned(),
        public_key: "pk_hostile".into(),
        private_key: ApiKey::new("sk_hostile"),
        timeout: Duration::from_secs(5),
        https_only: false,
        retry: fast_retries(3),
    })
    .expect("client")
}

fn get_order() -> GetOrder {
    GetOrder(OrderUuid::parse("550e8400-e29b-41d4-a716-446655440000").expect("uuid"))
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

#[tokio::test]
async fn a_redirect_is_an_error_and_the_key_never_follows_it() {
    // Arrange: "Points" redirects to another host that records any key it is sent.
    let keys_elsewhere = Arc::new(AtomicUsize::new(0));
    let elsewhere = {
        let keys = keys_elsewhere.clone();
        serve(axum::Router::new().fallback(move |headers: HeaderMap| {
            let keys = keys.clone();
            async move {
                if headers.contains_key("x-api-key") {
                    keys.fetch_add(1, Ordering::SeqCst);
                }
                StatusCode::OK
            }
        }))
        .await
    };
    let asked = Arc::new(AtomicUsize::new(0));
    let points = {
        let asked = asked.clone();
        serve(axum::Router::new().fallback(move || {
            let (asked, to) = (asked.clone(), format!("{elsewhere}/api/v1/orders/x"));
            async move {
                asked.fetch_add(1, Ordering::SeqCst);
                (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, to)])
            }
        }))
        .await
    };

    // Act
    let answer = client_at(&format!("{points}/api")).send(&get_order()).await;

    // Assert
    match answer {
        Err(ClientError::Decode(reason)) => assert!(reason.contains("redirect"), "{reason}"),
        other => panic!("a redirect must be refused, got {other:?}"),
    }
    assert_eq!(keys_elsewhere.load(Ordering::SeqCst), 0, "the key followed");
    assert_eq!(asked.load(Ordering::SeqCst), 1, "a redirect is not retried");
}

#[tokio::test]
async fn an_answer_over_the_cap_is_refused_by_its_length() {
    let huge = "x".repeat(MAX_ANSWER_BYTES + 1);
    let points = serve(axum::Router::new().fallback(move || {
        let huge = huge.clone();
        async move { (StatusCode::OK, huge) }
    }))
    .await;

    let answer = client_at(&format!("{points}/api")).send(&get_order()).await;

    match answer {
        Err(ClientError::Decode(reason)) => assert!(reason.contains("answer over"), "{reason}"),
        other => panic!("an oversized answer must be refused, got {other:?}"),
    }
}

/// No `Content-Length`: the body arrives in chunks, endlessly as far as the client knows.
#[tokio::test]
async fn a_chunked_answer_is_cut_off_at_the_cap() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}/api", listener.local_addr().expect("addr"));
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                            transfer-encoding: chunked\r\n\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, " ".repeat(64 * 1024));
                // 64 MiB at most; the client must hang up long before.
                for _ in 0..1024 {
                    if socket.write_all(chunk.as_bytes()).await.is_err() {
                        return;
                    }
                    counter.fetch_add(64 * 1024, Ordering::SeqCst);
                }
                let _ = socket.write_all(b"0\r\n\r\n").await;
            });
        }
    });

    let answer = client_at(&base).send(&get_order()).await;

    match answer {
        Err(ClientError::Decode(reason)) => assert!(reason.contains("answer over"), "{reason}"),
        other => panic!("an endless answer must be cut off, got {other:?}"),
    }
    assert!(
        sent.load(Ordering::SeqCst) < 16 * MAX_ANSWER_BYTES,
        "the client read on: {} bytes sent",
        sent.load(Ordering::SeqCst)
    );
}

#[tokio::test]
async fn an_https_only_client_refuses_a_plain_http_points() {
    let hits = Arc::new(AtomicUsize::new(0));
    let seen = hits.clone();
    let base = serve(axum::Router::new().fallback(move || {
        seen.fetch_add(1, Ordering::SeqCst);
        async { StatusCode::OK }
    }))
    .await;
    let refused = PointsClient::new(ClientConfig {
        base_url: format!("{base}/api"),
        public_key: "pk_hostile".into(),
        private_key: ApiKey::new("sk_hostile"),
        timeout: Duration::from_secs(5),
        https_only: true,
        retry: fast_retries(0),
    });
    match refused {
        Err(ClientError::Config(why)) => assert!(why.contains("https"), "{why}"),
        other => panic!("an http:// base URL was accepted: {other:?}"),
    }
    // The same Points without the flag is reachable: the refusal was the flag's.
    let _ = client_at(&format!("{base}/api")).send(&get_order()).await;
    assert!(hits.load(Ordering::SeqCst) >= 1);
}
