//! # vantage-serve
//!
//! The server tier of delivery (`vantage serve`): hyper's HTTP/1 server on tokio in front of the
//! delivery runtime. Visitors' routes (`GET /pages/{page}`, `POST /decide`) are answered by
//! [`vantage_delivery::respond`], the same function the edge Worker runs; this crate adds what
//! only a server has: `GET /healthz`, Prometheus `GET /metrics`, deploys (`PUT /release`, the
//! release's SHA-256 verified before an atomic switch) and `GET /release` for the edge to fetch,
//! both behind the deploy token (with `POST /conform`, the contract run by this build), load shedding (503 beyond capacity) and limits on headers,
//! bodies and slow clients.

mod metrics;
pub mod segments;
mod state;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use metrics::Metrics;
use segments::SegmentStore;
use sha2::{Digest, Sha256};
use state::Current;
use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use vantage_delivery::respond::DECIDE_BODY_MAX_BYTES;
use vantage_delivery::segments::{self as webhook, WEBHOOK_BODY_MAX_BYTES};
use vantage_delivery::{respond_with, Arrival, Config, Request, Response};

/// A deploy's release file may be at most this large.
pub const RELEASE_MAX_BYTES: usize = 64 * 1024 * 1024;
/// A client has this long to send its request's headers.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Request headers (the whole head) may take at most this many bytes; beyond, 431.
pub const HEAD_MAX_BYTES: usize = 16 * 1024;
/// The environment variable holding the token deploys must present.
pub const DEPLOY_TOKEN_VAR: &str = "VANTAGE_DEPLOY_TOKEN";

/// How the service runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub config: Config,
    /// The bearer token `PUT /release` and `GET /release` require; without one, both are off.
    pub deploy_token: Option<String>,
    /// Where the release being served is kept across restarts.
    pub state_dir: Option<PathBuf>,
    /// Requests being answered at once beyond which new ones get 503.
    pub max_in_flight: usize,
    /// Open connections beyond which new ones get a 503 and are closed.
    pub max_connections: usize,
    /// The secret CDP webhooks are signed with; without one, `POST /webhooks/segments` is off.
    pub webhook_secret: Option<WebhookSecret>,
}

/// A webhook secret, never printed.
#[derive(Clone)]
pub struct WebhookSecret(Vec<u8>);

impl WebhookSecret {
    /// The secret, if long enough not to be guessed.
    pub fn new(secret: &str) -> Result<WebhookSecret, String> {
        if secret.len() < webhook::SECRET_MIN_BYTES {
            return Err(format!(
                "{} is {} bytes; a signing secret needs at least {}",
                webhook::WEBHOOK_SECRET_VAR,
                secret.len(),
                webhook::SECRET_MIN_BYTES
            ));
        }
        Ok(WebhookSecret(secret.as_bytes().to_vec()))
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(set)")
    }
}

impl Default for ServeOptions {
    fn default() -> ServeOptions {
        ServeOptions {
            config: Config::default(),
            deploy_token: None,
            state_dir: None,
            max_in_flight: 256,
            max_connections: 1024,
            webhook_secret: None,
        }
    }
}

/// The running service's shared state.
pub struct Service {
    current: Current,
    segments: SegmentStore,
    metrics: Metrics,
    in_flight: AtomicUsize,
    options: ServeOptions,
}

impl Service {
    /// A service serving the release kept in the state folder, else `initial` (a release file's
    /// text), else nothing until the first deploy. Returns what it starts with, said plainly.
    pub fn start(options: ServeOptions, initial: Option<&str>) -> Result<(Arc<Service>, String), String> {
        let segments = SegmentStore::open(options.state_dir.as_deref(), now_ms() / 1000)?;
        let service = Service {
            current: Current::new(options.state_dir.clone()),
            segments,
            metrics: Metrics::default(),
            in_flight: AtomicUsize::new(0),
            options,
        };
        let mut notes = Vec::new();
        let kept = service.current.kept()?;
        let mut serving = None;
        if let Some(text) = kept {
            match service.current.switch(&text, None) {
                Ok((hash, _)) => serving = Some(format!("release {hash}, kept from the last deploy")),
                Err(e) => notes.push(format!("the kept release was refused ({e})")),
            }
        }
        if serving.is_none() {
            if let Some(text) = initial {
                let (hash, _) = service.current.switch(text, None)?;
                serving = Some(format!("release {hash}"));
            }
        }
        notes.insert(0, serving.unwrap_or_else(|| "no release yet: pages answer 503 until the first deploy".into()));
        if service.options.webhook_secret.is_some() {
            notes.push(match &service.segments.file {
                Some(file) => format!("CDP segment webhooks kept in {}", file.display()),
                None => "CDP segment webhooks kept in memory only (no --state folder)".into(),
            });
        }
        Ok((Arc::new(service), notes.join("; ")))
    }

    /// The hash of the release being served.
    pub fn release_hash(&self) -> Option<String> {
        self.current.get().map(|s| s.release.hash().to_owned())
    }
}

/// Accepts connections on `listener` until `shutdown` resolves, then lets open requests finish
/// (at most 3 seconds).
pub async fn run(listener: TcpListener, service: Arc<Service>, shutdown: impl std::future::Future<Output = ()>) {
    let connections = Arc::new(Semaphore::new(service.options.max_connections));
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let Ok((stream, _)) = accepted else {
            // Out of file descriptors or a connection reset before accept: wait a little.
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let Ok(permit) = Arc::clone(&connections).try_acquire_owned() else {
            service.metrics.shed.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(async move {
                let mut stream = stream;
                let _ = stream
                    .write_all(b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            });
            continue;
        };
        let service = Arc::clone(&service);
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .max_buf_size(HEAD_MAX_BYTES)
                .serve_connection(TokioIo::new(stream), service_fn(move |request| answer(Arc::clone(&service), request)));
            let _ = connection.await;
            drop(permit);
        });
    }
    let max = u32::try_from(service.options.max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(Duration::from_secs(3), connections.acquire_many(max)).await;
}

/// Runs the service on `listen` until SIGTERM or Ctrl-C, printing where it listens.
pub fn serve_blocking(listen: std::net::SocketAddr, options: ServeOptions, initial: Option<&str>) -> Result<(), String> {
    let (service, serving) = Service::start(options, initial)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let listener = TcpListener::bind(listen).await.map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        println!("vantage serve: listening on http://{address}, serving {serving}");
        run(listener, service, stop_signal()).await;
        Ok(())
    })
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {},
                _ = tokio::signal::ctrl_c() => {},
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Decrements the in-flight count however the request ends.
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn answer(service: Arc<Service>, request: hyper::Request<Incoming>) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let started = Instant::now();
    let in_flight = service.in_flight.fetch_add(1, Ordering::Relaxed);
    let _guard = InFlight(&service.in_flight);
    let (route, response) = if in_flight >= service.options.max_in_flight {
        service.metrics.shed.fetch_add(1, Ordering::Relaxed);
        let mut busy = Response::error(503, "load", "the service is at capacity; retry in a second");
        busy.headers.push(("retry-after".into(), "1".into()));
        ("shed", busy)
    } else {
        route(&service, request).await
    };
    service.metrics.request(route, response.status, started.elapsed());
    Ok(to_hyper(response))
}

async fn route(service: &Arc<Service>, request: hyper::Request<Incoming>) -> (&'static str, Response) {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    match (method.as_str(), path.as_str()) {
        ("GET", "/healthz") => ("healthz", healthz(service)),
        ("GET", "/metrics") => {
            let body = service.metrics.render(service.release_hash().as_deref());
            ("metrics", Response { status: 200, headers: vec![("content-type".into(), "text/plain; version=0.0.4".into())], body })
        }
        ("GET", "/release") => ("release", fetch_release(service, &request)),
        ("PUT", "/release") => ("deploy", deploy(service, request).await),
        ("POST", "/conform") => ("conform", conform(service, request).await),
        ("POST", "/webhooks/segments") => ("webhook", segment_webhook(service, request).await),
        ("GET", p) if p.starts_with("/segments/") => ("segments", unit_segments(service, &request)),
        _ => {
            let route = if path == "/decide" {
                "decide"
            } else if path.starts_with("/pages/") {
                "pages"
            } else {
                "other"
            };
            (route, visitor_request(service, request).await)
        }
    }
}

fn healthz(service: &Service) -> Response {
    match service.release_hash() {
        Some(hash) => Response::json(200, serde_json::json!({ "status": "ok", "release": hash }).to_string()),
        None => Response::json(503, serde_json::json!({ "status": "no release yet" }).to_string()),
    }
}

async fn visitor_request(service: &Service, request: hyper::Request<Incoming>) -> Response {
    let Some(served) = service.current.get() else {
        return Response::error(503, "release", "no release has been deployed yet");
    };
    let (parts, body) = request.into_parts();
    let body = match read_body(body, DECIDE_BODY_MAX_BYTES).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let request = Request {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        headers: parts.headers.iter().map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect(),
        body,
    };
    let arrival = Arrival { now_ms: now_ms(), fresh_unit: format!("{:032x}", rand::random::<u128>()) };
    let answer = respond_with(&served.release, &service.options.config, &request, &arrival, &service.segments);
    if let Some(page) = &answer.outcome.page {
        service.metrics.decided(page, &answer.outcome.variants);
    }
    answer.response
}

/// `POST /webhooks/segments`: a CDP's signed membership change. 200 only once it is on disk;
/// unsigned, wrongly signed, stale or replayed requests get 401 and change nothing.
async fn segment_webhook(service: &Service, request: hyper::Request<Incoming>) -> Response {
    let Some(secret) = &service.options.webhook_secret else {
        return webhook::webhooks_off(&format!("start the service with {} set", webhook::WEBHOOK_SECRET_VAR));
    };
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (timestamp, signature) = (header(webhook::TIMESTAMP_HEADER), header(webhook::SIGNATURE_HEADER));
    let body = match read_body(request.into_body(), WEBHOOK_BODY_MAX_BYTES).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let now_s = now_ms() / 1000;
    let event = match webhook::verify(&secret.0, timestamp.as_deref(), signature.as_deref(), &body, now_s) {
        Ok(event) => event,
        Err(e) => return e.response(),
    };
    match service.segments.apply(event, now_s).await {
        Ok(applied) => applied.response(),
        Err(message) => Response::error(503, "webhook", &message),
    }
}

/// `GET /segments/{unit}`: the segments this service holds for a unit id, for QA (deploy token).
fn unit_segments(service: &Service, request: &hyper::Request<Incoming>) -> Response {
    if let Err(refusal) = authorized(service, request.headers()) {
        return refusal;
    }
    let unit = request.uri().path().trim_start_matches("/segments/");
    if !vantage_delivery::visitor::is_id(unit) {
        return Response::error(400, "path", "a unit id is 1 to 64 letters, digits, - or _");
    }
    let segments = vantage_delivery::SegmentSource::segments_of(&service.segments, unit);
    Response::json(200, serde_json::json!({ "unit": unit, "segments": segments }).to_string())
}

fn fetch_release(service: &Service, request: &hyper::Request<Incoming>) -> Response {
    if let Err(refusal) = authorized(service, request.headers()) {
        return refusal;
    }
    match service.current.get() {
        Some(served) => Response {
            status: 200,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("x-vantage-release".into(), served.release.hash().to_owned()),
            ],
            body: served.text.to_string(),
        },
        None => Response::error(404, "release", "no release has been deployed yet"),
    }
}

/// `POST /conform`: the conformance report of a case file, behind the deploy token.
async fn conform(service: &Service, request: hyper::Request<Incoming>) -> Response {
    if let Err(refusal) = authorized(service, request.headers()) {
        return refusal;
    }
    match read_body(request.into_body(), vantage_delivery::conform::CASES_MAX_BYTES).await {
        Ok(cases) => tokio::task::spawn_blocking(move || vantage_delivery::conform::conform(&cases))
            .await
            .unwrap_or_else(|_| Response::error(500, "body", "the conformance run failed")),
        Err(refusal) => refusal,
    }
}

/// `PUT /release`: the body is a release file, `x-vantage-release-sha256` its hash. Verified,
/// compiled and kept before the switch; anything wrong leaves the current release serving.
async fn deploy(service: &Arc<Service>, request: hyper::Request<Incoming>) -> Response {
    if let Err(refusal) = authorized(service, request.headers()) {
        service.metrics.deploy("unauthorized");
        return refusal;
    }
    let expected = request.headers().get("x-vantage-release-sha256").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let Some(expected) = expected else {
        service.metrics.deploy("refused");
        return Response::error(400, "header x-vantage-release-sha256", "a deploy names the SHA-256 of the release it carries");
    };
    let text = match read_body(request.into_body(), RELEASE_MAX_BYTES).await {
        Ok(text) => text,
        Err(refusal) => return refusal,
    };
    let worker = Arc::clone(service);
    let switched = tokio::task::spawn_blocking(move || worker.current.switch(&text, Some(&expected))).await;
    match switched {
        Ok(Ok((hash, previous))) => {
            service.metrics.deploy("switched");
            Response::json(200, serde_json::json!({ "release": hash, "previous": previous }).to_string())
        }
        Ok(Err(message)) => {
            service.metrics.deploy("refused");
            let serving = service.release_hash().map_or_else(|| "nothing yet".to_owned(), |h| format!("release {h}"));
            Response::error(422, "body", &format!("{message}; still serving {serving}"))
        }
        Err(_) => Response::error(500, "body", "the deploy failed; the current release keeps serving"),
    }
}

/// Checks the bearer token against the deploy token (comparing digests, in constant time). A
/// refusal closes the connection: the request's body is never read, so the connection cannot
/// carry another request, and a client must not put it back in its pool.
fn authorized(service: &Service, headers: &hyper::HeaderMap) -> Result<(), Response> {
    check_token(service, headers).map_err(|mut refusal| {
        refusal.headers.push(("connection".into(), "close".into()));
        refusal
    })
}

fn check_token(service: &Service, headers: &hyper::HeaderMap) -> Result<(), Response> {
    let Some(token) = &service.options.deploy_token else {
        return Err(Response::error(403, "authorization", &format!("deploys are off: start the service with {DEPLOY_TOKEN_VAR} set")));
    };
    let presented = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or("");
    let (a, b) = (Sha256::digest(presented.as_bytes()), Sha256::digest(token.as_bytes()));
    if a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0 {
        Ok(())
    } else {
        Err(Response::error(401, "authorization", "the deploy token does not match"))
    }
}

async fn read_body(body: Incoming, max: usize) -> Result<String, Response> {
    let bytes = match Limited::new(body, max).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Err(Response::error(413, "body", &format!("is larger than {max} bytes"))),
    };
    String::from_utf8(bytes.to_vec()).map_err(|_| Response::error(400, "body", "is not UTF-8 text"))
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn to_hyper(response: Response) -> hyper::Response<Full<Bytes>> {
    let mut builder = hyper::Response::builder().status(response.status);
    for (name, value) in &response.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder.body(Full::new(Bytes::from(response.body))).unwrap_or_else(|_| {
        let mut broken =
            hyper::Response::new(Full::new(Bytes::from_static(b"{\"error\":{\"field\":\"response\",\"message\":\"internal error\"}}")));
        *broken.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        broken
    })
}
