//! A hostile CMS on loopback: a tiny HTTP server of the test's own that answers the sync API
//! with whatever the attack needs, to show what the client refuses to do with it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_native_tls::native_tls;
use vantage_sync::{CmsAdapter, CmsError, StrapiAdapter};

/// What the test server answers: a status, extra header lines, a body.
type Answer = (u16, String, Vec<u8>);

/// Reads one request head and writes `answer(request line)`, the body in 1 MB chunks (no
/// Content-Length) so that only the client's own limit stops a huge body.
async fn handle<S: AsyncRead + AsyncWrite + Unpin>(mut socket: S, answer: &(dyn Fn(&str) -> Answer + Send + Sync)) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if socket.read(&mut byte).await.unwrap_or(0) == 0 {
            return;
        }
        head.push(byte[0]);
    }
    let line = String::from_utf8_lossy(&head).lines().next().unwrap_or("").to_owned();
    let (status, headers, body) = answer(&line);
    let header = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n{headers}\r\n"
    );
    if socket.write_all(header.as_bytes()).await.is_err() {
        return;
    }
    for chunk in body.chunks(1024 * 1024) {
        let framed = [format!("{:x}\r\n", chunk.len()).into_bytes(), chunk.to_vec(), b"\r\n".to_vec()].concat();
        if socket.write_all(&framed).await.is_err() {
            return; // the client stopped reading: that is the point
        }
    }
    let _ = socket.write_all(b"0\r\n\r\n").await;
    let _ = socket.shutdown().await;
}

/// A plain-HTTP test server on loopback; its address.
async fn serve(answer: impl Fn(&str) -> Answer + Send + Sync + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move { handle(socket, &*answer).await });
        }
    });
    url
}

/// A TLS test server on loopback presenting `cert`/`key` (files in `tests/tls`); its address.
async fn serve_tls(cert: &str, key: &str, answer: impl Fn(&str) -> Answer + Send + Sync + 'static) -> String {
    let tls = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tls");
    let identity =
        native_tls::Identity::from_pkcs8(&std::fs::read(tls.join(cert)).unwrap(), &std::fs::read(tls.join(key)).unwrap()).unwrap();
    let acceptor = tokio_native_tls::TlsAcceptor::from(native_tls::TlsAcceptor::new(identity).unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (acceptor, answer) = (acceptor.clone(), answer.clone());
            tokio::spawn(async move {
                if let Ok(stream) = acceptor.accept(socket).await {
                    handle(stream, &*answer).await;
                }
            });
        }
    });
    url
}

fn test_ca() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tls/ca.pem")).unwrap()
}

fn page(changes: &[serde_json::Value], cursor: u64) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({"changes": changes, "cursor": cursor, "more": false})).unwrap()
}

fn adapter(url: &str) -> StrapiAdapter {
    StrapiAdapter::new(url, "token", Duration::from_secs(20)).unwrap()
}

#[tokio::test]
async fn an_endless_answer_is_refused_at_the_limit_instead_of_filling_memory() {
    // 200 MB of one JSON string: far more than any page the client reads.
    let url = serve(|_| (200, String::new(), [b"{\"changes\": [\"".as_slice(), &vec![b'x'; 200 * 1024 * 1024]].concat())).await;
    let error = adapter(&url).changes_since(None).await.unwrap_err();
    assert!(matches!(error, CmsError::TooLarge(_)), "{error:?}");
    assert!(error.to_string().contains("64 MB"), "{error}");
}

#[tokio::test]
async fn a_page_of_large_documents_is_asked_for_again_in_smaller_pages() {
    // A page of many changes is too large; a page of one change is fine.
    let asked = Arc::new(AtomicUsize::new(0));
    let seen = asked.clone();
    let url = serve(move |line| {
        seen.fetch_add(1, Ordering::SeqCst);
        let limit: usize = line.split("limit=").nth(1).and_then(|t| t.split([' ', '&']).next()).unwrap().parse().unwrap();
        let doc = serde_json::json!({"path": "profiles/big.json", "version": 1, "content": "y".repeat(3 * 1024 * 1024), "author": "eve"});
        if limit > 7 {
            (200, String::new(), page(&vec![doc; 30], 30))
        } else {
            (200, String::new(), page(&[doc], 1))
        }
    })
    .await;
    let page = adapter(&url).changes_since(None).await.unwrap();
    assert_eq!(page.changes.len(), 1);
    assert_eq!(page.cursor, "1");
    assert!(asked.load(Ordering::SeqCst) >= 2, "the first page was too large and asked again");
}

/// Counts the requests that reached the server's handler (after any TLS handshake).
fn counting(count: &Arc<AtomicUsize>) -> impl Fn(&str) -> Answer + Send + Sync + 'static {
    let count = count.clone();
    move |_| {
        count.fetch_add(1, Ordering::SeqCst);
        (200, String::new(), page(&[], 7))
    }
}

#[tokio::test]
async fn the_sync_api_is_spoken_over_https_with_a_verified_certificate() {
    let asked = Arc::new(AtomicUsize::new(0));
    let url = serve_tls("cms.pem", "cms.key", counting(&asked)).await;
    let cms = StrapiAdapter::trusting(&url, "token", Duration::from_secs(10), &test_ca()).unwrap();
    let page = cms.changes_since(None).await.unwrap();
    assert_eq!(page.cursor, "7");
    assert_eq!(asked.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_untrusted_certificate_stops_the_sync_before_the_token_is_sent() {
    // The real CMS's certificate from a CA the platform does not trust, and an impostor with a
    // self-signed certificate for the same address: neither receives a request.
    let asked = Arc::new(AtomicUsize::new(0));
    let unknown_ca = serve_tls("cms.pem", "cms.key", counting(&asked)).await;
    let impostor = serve_tls("rogue.pem", "rogue.key", counting(&asked)).await;
    for cms in [
        StrapiAdapter::new(&unknown_ca, "token", Duration::from_secs(10)).unwrap(),
        StrapiAdapter::trusting(&impostor, "token", Duration::from_secs(10), &test_ca()).unwrap(),
    ] {
        let error = cms.changes_since(None).await.unwrap_err();
        assert!(matches!(&error, CmsError::Permanent(m) if m.contains("certificate is not trusted")), "{error:?}");
        assert!(!error.is_retryable());
    }
    assert_eq!(asked.load(Ordering::SeqCst), 0, "no request, so no token, reached either server");
}

#[tokio::test]
async fn plain_http_goes_to_this_machine_only_and_redirects_are_not_followed() {
    for url in ["http://cms.example.com", "http://10.0.0.7:1337", "ftp://127.0.0.1"] {
        let error = StrapiAdapter::new(url, "token", Duration::from_secs(1)).unwrap_err();
        assert!(matches!(error, CmsError::Permanent(_)), "{url}: {error:?}");
    }
    // A CMS answering with a redirect elsewhere would take the token with it: not followed.
    let asked = Arc::new(AtomicUsize::new(0));
    let elsewhere = serve(counting(&asked)).await;
    let target = format!("Location: {elsewhere}/api/vantage/changes\r\n");
    let redirecting = serve(move |_| (307, target.clone(), Vec::new())).await;
    let error = adapter(&redirecting).changes_since(None).await.unwrap_err();
    assert!(matches!(error, CmsError::Permanent(_)), "{error:?}");
    assert_eq!(asked.load(Ordering::SeqCst), 0, "the redirect's target received nothing");
}
