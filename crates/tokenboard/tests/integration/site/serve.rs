//! The server's accept loop over a real socket on loopback: a client that never finishes its
//! headers is disconnected, a whole request is answered, and shutdown returns.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use tokenboard_site::{Site, serve_with_header_timeout};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::common::lake_in;

/// Everything the server sends until it closes the connection. The bound only turns a server
/// that never closes into a failure instead of a hung test.
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut answer))
        .await
        .expect("the server kept the connection open")
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn unfinished_headers_are_cut_off_and_whole_requests_answered() {
    let dir = tempfile::tempdir().unwrap();
    let site = Site::open(lake_in(dir.path())).await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async {
        let _ = stopped.await;
    };
    let server = tokio::spawn(serve_with_header_timeout(
        site,
        listener,
        shutdown,
        Duration::from_millis(300),
    ));

    // The blank line that ends the headers never comes.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: tokenboard\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut slow).await;
    assert!(!answer.contains(" 200 "), "{answer}");

    let mut whole = TcpStream::connect(addr).await.unwrap();
    whole
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: tokenboard\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut whole).await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.contains(r#""status":"ok""#), "{answer}");

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(60), server)
        .await
        .expect("shutdown did not return")
        .unwrap()
        .unwrap();
}
