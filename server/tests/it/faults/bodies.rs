//! Hostile bodies against the `points-server` binary: 10 MB bodies are refused with a 413
//! after at most the body limit is read, slow-loris heads and bodies are cut off, the process's
//! peak memory stays bounded, and other clients are served throughout.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{count, deliver};
use crate::crash::{SECRET, database_url, start_server};
use crate::helpers::{CATALOG, TempDir, TestPoints, new_uuid, order_event};

const TEN_MB: usize = 10 * 1024 * 1024;
/// Peak memory the server may gain while it is attacked; a server buffering the bodies would
/// need over 160 MB for the first test.
const GROWTH_LIMIT_KIB: u64 = 64 * 1024;

/// `VmHWM` (peak resident memory) of process `pid`, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

/// What the server did with a request: the status it answered (if any) and whether it closed
/// the connection.
#[derive(Debug)]
struct Outcome {
    status: Option<u16>,
    closed: bool,
    /// Whether the whole body could be written before the server closed the connection.
    sent_all: bool,
}

impl Outcome {
    /// Refused without taking the body: a 413, or (when the server's close overtook its own
    /// answer, as a close with unread data does) a reset before the body was all sent.
    fn refused_unread(&self) -> bool {
        self.closed && (self.status == Some(413) || (self.status.is_none() && !self.sent_all))
    }
}

/// Sends `head`, then feeds `body` in `chunk`-sized writes every `pause`, while reading what the
/// server answers; stops when the server closes the connection or `limit` passes.
async fn send(
    addr: &str,
    head: String,
    body: Vec<u8>,
    chunk: usize,
    pause: Duration,
    limit: Duration,
) -> Outcome {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let sent_all = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sent = sent_all.clone();
    let write = async move {
        if writer.write_all(head.as_bytes()).await.is_err() {
            return std::future::pending::<()>().await;
        }
        for piece in body.chunks(chunk) {
            // A refused body ends in a reset: stop writing, the reader tells what happened.
            if writer.write_all(piece).await.is_err() {
                return std::future::pending::<()>().await;
            }
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
        }
        sent.store(true, Ordering::SeqCst);
        // Keep the write side open: a half-close could itself end the request.
        std::future::pending::<()>().await;
    };
    let read = async move {
        let mut answer = Vec::new();
        let mut buffer = [0u8; 4096];
        loop {
            match reader.read(&mut buffer).await {
                Ok(0) | Err(_) => return (answer, true),
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            }
        }
    };
    let outcome = tokio::time::timeout(limit, async {
        tokio::select! {
            () = write => unreachable!("the writer never finishes"),
            answer = read => answer,
        }
    })
    .await;
    let (answer, closed) = outcome.unwrap_or_default();
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok());
    Outcome {
        status,
        closed,
        sent_all: sent_all.load(Ordering::SeqCst),
    }
}

fn webhook_head(extra: &str) -> String {
    format!(
        "POST /webhooks/points HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         X-Webhook-Secret: {SECRET}\r\nX-Webhook-Event: approved\r\n{extra}\r\n"
    )
}

#[tokio::test]
async fn ten_megabyte_bodies_get_413_with_bounded_memory_and_others_are_served() {
    // Arrange
    let dir = TempDir::new();
    std::fs::write(dir.path().join("catalog.json"), CATALOG).expect("catalog");
    let points = TestPoints::spawn().await;
    let (child, address) = start_server(dir.path(), &points).await;
    let pid = child.id().expect("pid");
    let addr = address.trim_start_matches("http://").to_owned();
    let before = peak_rss_kib(pid);

    // Act: 16 concurrent 10 MB bodies, announced by Content-Length or chunked, on the webhook
    // route (with the right secret) and on checkout.
    let body = vec![b'x'; TEN_MB];
    let mut chunked = format!("{:x}\r\n", TEN_MB).into_bytes();
    chunked.extend_from_slice(&body);
    chunked.extend_from_slice(b"\r\n0\r\n\r\n");
    let attacks = (0..16).map(|i| {
        let (head, body) = match i % 3 {
            0 => (
                webhook_head(&format!("Content-Length: {TEN_MB}\r\n")),
                body.clone(),
            ),
            1 => (
                webhook_head("Transfer-Encoding: chunked\r\n"),
                chunked.clone(),
            ),
            _ => (
                format!(
                    "POST /api/checkout HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                     Content-Type: application/json\r\nContent-Length: {TEN_MB}\r\n\r\n"
                ),
                body.clone(),
            ),
        };
        send(
            &addr,
            head,
            body,
            64 * 1024,
            Duration::ZERO,
            Duration::from_secs(30),
        )
    });
    let outcomes = futures::future::join_all(attacks).await;

    // Assert: each one answered 413 and closed; memory stayed bounded; nothing was stored;
    // a real delivery right after is served.
    let answered = outcomes.iter().filter(|o| o.status == Some(413)).count();
    println!("{answered} of 16 read their 413 before the server's close reset the connection");
    for outcome in &outcomes {
        assert!(outcome.refused_unread(), "{outcome:?}");
    }
    let growth = peak_rss_kib(pid).saturating_sub(before);
    println!("peak memory grew by {growth} KiB under 16 × 10 MB bodies");
    assert!(
        growth < GROWTH_LIMIT_KIB,
        "peak memory grew by {growth} KiB"
    );
    let http = reqwest::Client::new();
    let event = order_event("approved", "PK-NOPE", &new_uuid(), "approved");
    assert!(deliver(&http, &address, SECRET, &event).await);
    sqlx::any::install_default_drivers();
    let db = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&database_url(dir.path()))
        .await
        .expect("test pool");
    assert_eq!(
        count(&db, "webhook_inbox").await,
        1,
        "only the real delivery"
    );
    assert_eq!(count(&db, "webhook_rejected").await, 0);
}

#[tokio::test]
async fn slow_loris_heads_and_bodies_are_cut_off_while_others_are_served() {
    // Arrange
    let dir = TempDir::new();
    std::fs::write(dir.path().join("catalog.json"), CATALOG).expect("catalog");
    let points = TestPoints::spawn().await;
    let (child, address) = start_server(dir.path(), &points).await;
    let pid = child.id().expect("pid");
    let addr = address.trim_start_matches("http://").to_owned();
    let before = peak_rss_kib(pid);
    let open = Arc::new(AtomicUsize::new(0));

    // Act: 100 connections trickle a request head (a header byte every 300 ms, never the end)
    // and 20 trickle a webhook body (a byte every 300 ms of a 2,000-byte body). None would end
    // by itself within the limit.
    let trickle = |head: String, body: Vec<u8>| {
        let (addr, open) = (addr.clone(), open.clone());
        async move {
            open.fetch_add(1, Ordering::SeqCst);
            let outcome = send(
                &addr,
                head,
                body,
                1,
                Duration::from_millis(300),
                Duration::from_secs(40),
            )
            .await;
            open.fetch_sub(1, Ordering::SeqCst);
            outcome
        }
    };
    let heads = (0..100).map(|_| {
        trickle(
            "POST /webhooks/points HTTP/1.1\r\nHost: 127.0.0.1\r\n".to_owned(),
            b"X-Slow: ".iter().copied().cycle().take(2_000).collect(),
        )
    });
    let bodies =
        (0..20).map(|_| trickle(webhook_head("Content-Length: 2000\r\n"), vec![b' '; 2_000]));
    let slow = tokio::spawn(futures::future::join_all(
        heads.chain(bodies).collect::<Vec<_>>(),
    ));
    let http = reqwest::Client::new();
    while open.load(Ordering::SeqCst) < 120 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for _ in 0..20 {
        let health = http
            .get(format!("{address}/healthz"))
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .expect("healthz while attacked");
        assert_eq!(health.status(), 200);
    }
    let event = order_event("approved", "PK-NOPE", &new_uuid(), "approved");
    assert!(deliver(&http, &address, SECRET, &event).await);
    let still_open = open.load(Ordering::SeqCst);

    // Assert: the others were served while the slow connections were open; then the server
    // closed every slow head, and answered every slow body 408, within the limit.
    let outcomes = slow.await.expect("slow clients");
    assert!(still_open > 0, "served while slow connections were open");
    let (heads, bodies) = outcomes.split_at(100);
    for outcome in heads {
        assert!(outcome.closed, "a slow head is closed: {outcome:?}");
    }
    for outcome in bodies {
        assert_eq!(outcome.status, Some(408), "a slow body: {outcome:?}");
        assert!(outcome.closed, "{outcome:?}");
    }
    let growth = peak_rss_kib(pid).saturating_sub(before);
    println!("peak memory grew by {growth} KiB under 120 slow connections");
    assert!(
        growth < GROWTH_LIMIT_KIB,
        "peak memory grew by {growth} KiB"
    );
}
