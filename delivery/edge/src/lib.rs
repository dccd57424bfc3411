//! # vantage-edge
//!
//! The delivery runtime as a WebAssembly module for the Worker in this folder (`worker.js`). The
//! Worker loads a release into it (`PUT /release`, or fetched from the server tier), then hands
//! it each visitor's request as JSON and copies the answer out: the status, headers and body come
//! from [`vantage_delivery::respond`], the function `vantage serve` calls, so both tiers answer
//! with the same bytes.
//!
//! The safe API ([`Edge`]) is what the tests drive; the exported C ABI below only moves bytes in
//! and out of linear memory around it. Imports: `env.random_fill(ptr, len)`, the Worker's
//! `crypto.getRandomValues`, which seeds hash maps.
//!
//! CDP segment webhooks (`vantage-segments/1`): the module verifies them ([`Edge::verify_webhook`])
//! and holds the rule that applies them ([`segments::decide`], the server tier's); the Worker
//! keeps memberships in a Durable Object. Consent first: the module says which unit's
//! memberships a request may use ([`Edge::segments_unit`]) before the Worker reads any, and the
//! Worker hands them back in the [`Envelope`].

use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use vantage_delivery::segments::{self, Applied, OnRecord, SegmentEvent, SegmentSource};
use vantage_delivery::{respond_with, Arrival, Config, LiveRelease, NoSegments, Request, Response};

/// A request as the Worker hands it over.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub request: Request,
    pub now_ms: i64,
    pub fresh_unit: String,
    /// The memberships the Worker read for the unit [`Edge::segments_unit`] named (and only then).
    #[serde(default)]
    pub segments: Option<Pushed>,
}

/// One unit's memberships as the Worker read them from its storage.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pushed {
    pub unit: String,
    pub segments: Vec<String>,
}

impl SegmentSource for Pushed {
    fn segments_of(&self, unit: &str) -> Vec<String> {
        // Only the unit they were read for; never more than a visitor may have.
        if unit == self.unit {
            self.segments.iter().take(segments::SEGMENTS_PER_UNIT_MAX).cloned().collect()
        } else {
            Vec::new()
        }
    }
}

/// A webhook as the Worker hands it over: the two signature headers, the body, the clock.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookEnvelope {
    pub timestamp: Option<String>,
    pub signature: Option<String>,
    pub body: String,
    pub now_ms: i64,
}

/// A verified webhook, for the Worker to apply in its Durable Object.
#[derive(Debug, Serialize)]
pub struct Verified {
    pub event: SegmentEvent,
    pub received_s: i64,
    /// Seen event ids received before this moment may be forgotten (their replays are stale).
    pub forget_before_s: i64,
}

/// What the Durable Object read, in its transaction, for the rule to decide on.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    pub event: SegmentEvent,
    pub on_record: OnRecord,
}

/// The release being served and how requests are read.
#[derive(Debug, Default)]
pub struct Edge {
    release: Option<LiveRelease>,
    config: Config,
    /// The secret webhooks are signed with (`VANTAGE_WEBHOOK_SECRET`); none: webhooks are off.
    webhook_secret: Option<Vec<u8>>,
}

impl Edge {
    /// Reads the Worker's variables (a JSON object of names to strings). A webhook secret shorter
    /// than [`segments::SECRET_MIN_BYTES`] is refused, as `vantage serve` refuses to start with one.
    pub fn configure(&mut self, vars_json: &str) -> Result<(), String> {
        let vars: serde_json::Map<String, serde_json::Value> = serde_json::from_str(vars_json).map_err(|e| format!("variables: {e}"))?;
        let var = |name: &str| vars.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        self.config = Config::from_vars(var)?;
        self.webhook_secret = match var(segments::WEBHOOK_SECRET_VAR).filter(|s| !s.is_empty()) {
            Some(secret) if secret.len() < segments::SECRET_MIN_BYTES => {
                return Err(format!(
                    "{} is {} bytes; a webhook secret needs at least {}",
                    segments::WEBHOOK_SECRET_VAR,
                    secret.len(),
                    segments::SECRET_MIN_BYTES
                ))
            }
            secret => secret.map(String::into_bytes),
        };
        Ok(())
    }

    /// The unit id whose memberships the request in `envelope_json` may use, or `None`: then the
    /// Worker reads nothing from its storage (the visitor did not grant the purpose, has no valid
    /// unit cookie, or the request reads no visitor).
    pub fn segments_unit(&self, envelope_json: &str) -> Option<String> {
        let envelope: Envelope = serde_json::from_str(envelope_json).ok()?;
        let release = self.release.as_ref()?;
        vantage_delivery::segments_to_look_up(release, &self.config, &envelope.request).map(str::to_owned)
    }

    /// Checks a webhook exactly as `vantage serve` does: off without a secret (403), at most
    /// [`segments::WEBHOOK_BODY_MAX_BYTES`], signed within five minutes, well formed.
    pub fn verify_webhook(&self, envelope_json: &str) -> Result<Verified, Response> {
        let Some(secret) = &self.webhook_secret else {
            return Err(segments::webhooks_off(&format!("give the Worker the secret {}", segments::WEBHOOK_SECRET_VAR)));
        };
        let envelope: WebhookEnvelope = serde_json::from_str(envelope_json)
            .map_err(|e| Response::error(400, "request", &format!("the Worker sent a malformed webhook: {e}")))?;
        if envelope.body.len() > segments::WEBHOOK_BODY_MAX_BYTES {
            return Err(Response::error(413, "body", &format!("is larger than {} bytes", segments::WEBHOOK_BODY_MAX_BYTES)));
        }
        let now_s = envelope.now_ms.div_euclid(1000);
        let event = segments::verify(secret, envelope.timestamp.as_deref(), envelope.signature.as_deref(), &envelope.body, now_s)
            .map_err(|e| e.response())?;
        Ok(Verified { event, received_s: now_s, forget_before_s: now_s - segments::SEEN_SECONDS })
    }

    /// Answers one visitor request (an [`Envelope`] as JSON).
    pub fn handle(&self, envelope_json: &str) -> Response {
        let envelope: Envelope = match serde_json::from_str(envelope_json) {
            Ok(envelope) => envelope,
            Err(e) => return Response::error(400, "request", &format!("the Worker sent a malformed request: {e}")),
        };
        match &self.release {
            Some(release) => {
                let arrival = Arrival { now_ms: envelope.now_ms, fresh_unit: envelope.fresh_unit };
                // The runtime checks the consent again before it reads these.
                let source: &dyn SegmentSource = match &envelope.segments {
                    Some(pushed) => pushed,
                    None => &NoSegments,
                };
                respond_with(release, &self.config, &envelope.request, &arrival, source).response
            }
            None => Response::error(503, "release", "no release has been deployed yet"),
        }
    }

    pub fn release_hash(&self) -> Option<&str> {
        self.release.as_ref().map(LiveRelease::hash)
    }

    /// Verifies and compiles the release in `text` (announced as `expected`), then switches to
    /// it; a release that fails changes nothing. The answer is `PUT /release`'s, as the server
    /// tier gives it.
    pub fn deploy(&mut self, text: &str, expected: &str) -> Response {
        let checked = vantage_delivery::release::checked_release(text, Some(expected));
        match checked {
            Ok(release) => {
                let previous = self.release.replace(release).map(|old| old.hash().to_owned());
                let hash = self.release_hash().unwrap_or_default();
                Response::json(200, serde_json::json!({ "release": hash, "previous": previous }).to_string())
            }
            Err(message) => {
                let serving = self.release_hash().map_or_else(|| "nothing yet".to_owned(), |h| format!("release {h}"));
                Response::error(422, "body", &format!("{message}; still serving {serving}"))
            }
        }
    }
}

thread_local! {
    static EDGE: RefCell<Edge> = RefCell::new(Edge::default());
    static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static BODY: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Reserves `len` bytes for the host to write an input into.
#[no_mangle]
pub extern "C" fn vantage_alloc(len: usize) -> *mut u8 {
    let mut buf = Vec::<u8>::with_capacity(len);
    let ptr = buf.as_mut_ptr();
    std::mem::forget(buf);
    ptr
}

/// Gives back a buffer from [`vantage_alloc`].
///
/// # Safety
/// `ptr` and `len` must be exactly what `vantage_alloc` returned and was called with.
#[no_mangle]
pub unsafe extern "C" fn vantage_free(ptr: *mut u8, len: usize) {
    drop(unsafe { Vec::from_raw_parts(ptr, 0, len) });
}

/// # Safety
/// `ptr..ptr+len` must be initialised memory the host wrote.
unsafe fn text<'a>(ptr: *const u8, len: usize) -> &'a str {
    std::str::from_utf8(unsafe { std::slice::from_raw_parts(ptr, len) }).unwrap_or("")
}

fn output(text: String) {
    OUTPUT.with(|o| *o.borrow_mut() = text.into_bytes());
}

/// Leaves the response's status and headers as JSON in the output and its body, as bytes, in
/// the body buffer: the Worker hands the body on without decoding it.
fn output_response(response: &Response) {
    let head = serde_json::json!({ "status": response.status, "headers": response.headers });
    output(head.to_string());
    BODY.with(|b| {
        let mut body = b.borrow_mut();
        body.clear();
        body.extend_from_slice(response.body.as_bytes());
    });
}

/// Reads the Worker's variables; 0 on success, 1 with the message in the output.
///
/// # Safety
/// `ptr..ptr+len` must be initialised memory the host wrote.
#[no_mangle]
pub unsafe extern "C" fn vantage_configure(ptr: *const u8, len: usize) -> u32 {
    let vars = unsafe { text(ptr, len) };
    match EDGE.with(|e| e.borrow_mut().configure(vars)) {
        Ok(()) => 0,
        Err(message) => {
            output(message);
            1
        }
    }
}

/// Deploys a release; the output holds the answer's head and the body buffer its body.
///
/// # Safety
/// Both ranges must be initialised memory the host wrote.
#[no_mangle]
pub unsafe extern "C" fn vantage_deploy(ptr: *const u8, len: usize, hash_ptr: *const u8, hash_len: usize) {
    let (release, expected) = unsafe { (text(ptr, len), text(hash_ptr, hash_len)) };
    let response = EDGE.with(|e| e.borrow_mut().deploy(release, expected));
    output_response(&response);
}

/// Answers a request (an envelope as JSON); the output holds the response's head (status and
/// headers as JSON) and the body buffer its body.
///
/// # Safety
/// `ptr..ptr+len` must be initialised memory the host wrote.
#[no_mangle]
pub unsafe extern "C" fn vantage_handle(ptr: *const u8, len: usize) {
    let envelope = unsafe { text(ptr, len) };
    let response = EDGE.with(|e| e.borrow().handle(envelope));
    output_response(&response);
}

/// The unit id whose memberships the request (an envelope as JSON, without `segments`) may use,
/// in the output; empty: read none (consent first).
///
/// # Safety
/// `ptr..ptr+len` must be initialised memory the host wrote.
#[no_mangle]
pub unsafe extern "C" fn vantage_segments_unit(ptr: *const u8, len: usize) {
    let envelope = unsafe { text(ptr, len) };
    output(EDGE.with(|e| e.borrow().segments_unit(envelope)).unwrap_or_default());
}

/// Verifies a webhook (a [`WebhookEnvelope`] as JSON). 0: verified, the output holds a
/// [`Verified`] as JSON; 1: refused, the output holds the answer's head and the body buffer its
/// body.
///
/// # Safety
/// `ptr..ptr+len` must be initialised memory the host wrote.
#[no_mangle]
pub unsafe extern "C" fn vantage_webhook_verify(ptr: *const u8, len: usize) -> u32 {
    let envelope = unsafe { text(ptr, len) };
    match EDGE.with(|e| e.borrow().verify_webhook(envelope)) {
        Ok(verified) => match serde_json::to_string(&verified) {
            Ok(json) => {
                output(json);
                0
            }
            Err(e) => {
                output_response(&Response::error(500, "webhook", &format!("the event could not be handed on: {e}")));
                1
            }
        },
        Err(refusal) => {
            output_response(&refusal);
            1
        }
    }
}

/// The rule applying a webhook to what the Durable Object holds (a [`RuleInput`] as JSON).
/// 0: the output holds the outcome (`"changed"`, `"outdated"`, `"replay"`, `"full"`, as JSON);
/// 1: the input was malformed, the output says why.
///
/// # Safety
/// `ptr..ptr+len` must be initialised memory the host wrote.
#[no_mangle]
pub unsafe extern "C" fn vantage_segment_rule(ptr: *const u8, len: usize) -> u32 {
    let input = unsafe { text(ptr, len) };
    match serde_json::from_str::<RuleInput>(input) {
        Ok(input) => {
            output(serde_json::to_string(&segments::decide(&input.event, &input.on_record)).unwrap_or_default());
            0
        }
        Err(e) => {
            output(format!("rule input: {e}"));
            1
        }
    }
}

/// The answer to a webhook for its outcome (as [`vantage_segment_rule`] gave it), byte for byte
/// the server tier's; left as for [`vantage_handle`].
///
/// # Safety
/// `ptr..ptr+len` must be initialised memory the host wrote.
#[no_mangle]
pub unsafe extern "C" fn vantage_webhook_answer(ptr: *const u8, len: usize) {
    let outcome = unsafe { text(ptr, len) };
    let response = match serde_json::from_str::<Applied>(outcome) {
        Ok(applied) => applied.response(),
        Err(_) => Response::error(500, "webhook", "the storage gave an unknown outcome"),
    };
    output_response(&response);
}

/// Runs a conformance case file; the answer is left as for [`vantage_handle`].
///
/// # Safety
/// `ptr..ptr+len` must be initialised memory the host wrote.
#[no_mangle]
pub unsafe extern "C" fn vantage_conform(ptr: *const u8, len: usize) {
    let cases = unsafe { text(ptr, len) };
    output_response(&vantage_delivery::conform::conform(cases));
}

/// The request headers the module reads, as a JSON array of lower-case names, in the output:
/// the Worker passes only these.
#[no_mangle]
pub extern "C" fn vantage_headers_read() {
    output(EDGE.with(|e| serde_json::to_string(&e.borrow().config.headers_read()).unwrap_or_default()));
}

/// The hash of the release being served (empty before the first deploy), in the output.
#[no_mangle]
pub extern "C" fn vantage_release_hash() {
    output(EDGE.with(|e| e.borrow().release_hash().unwrap_or_default().to_owned()));
}

#[no_mangle]
pub extern "C" fn vantage_output_ptr() -> *const u8 {
    OUTPUT.with(|o| o.borrow().as_ptr())
}

#[no_mangle]
pub extern "C" fn vantage_output_len() -> usize {
    OUTPUT.with(|o| o.borrow().len())
}

#[no_mangle]
pub extern "C" fn vantage_body_ptr() -> *const u8 {
    BODY.with(|b| b.borrow().as_ptr())
}

#[no_mangle]
pub extern "C" fn vantage_body_len() -> usize {
    BODY.with(|b| b.borrow().len())
}

/// getrandom's custom backend on wasm32 (`--cfg getrandom_backend="custom"`, set in
/// `.cargo/config.toml`): the Worker's `crypto.getRandomValues`.
#[cfg(all(target_arch = "wasm32", getrandom_backend = "custom"))]
mod random {
    #[link(wasm_import_module = "env")]
    extern "C" {
        fn random_fill(ptr: *mut u8, len: usize);
    }

    /// # Safety
    /// `dest..dest+len` must be writable memory, as getrandom guarantees.
    #[no_mangle]
    unsafe extern "Rust" fn __getrandom_v03_custom(dest: *mut u8, len: usize) -> Result<(), getrandom::Error> {
        unsafe { random_fill(dest, len) };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    const SECRET: &str = "a webhook secret of at least thirty-two bytes";
    const NOW_MS: i64 = 1_796_637_600_000;

    fn edge(secret: &str) -> Edge {
        let mut edge = Edge::default();
        edge.configure(&serde_json::json!({ "VANTAGE_WEBHOOK_SECRET": secret }).to_string()).unwrap();
        let release = vantage_engine::release::ReleaseFile::of(vantage_test_support::demo_files());
        let deployed = edge.deploy(&serde_json::to_string(&release).unwrap(), &release.hash);
        assert_eq!(deployed.status, 200, "{}", deployed.body);
        edge
    }

    fn envelope(consents: &str, segments: Option<(&str, &[&str])>) -> String {
        let request = Request::get("/pages/home").with_header("cookie", "vantage_uid=u-42").with_header("x-vantage-consents", consents);
        let mut envelope = serde_json::json!({ "request": request, "now_ms": NOW_MS, "fresh_unit": "f1" });
        if let Some((unit, list)) = segments {
            envelope["segments"] = serde_json::json!({ "unit": unit, "segments": list });
        }
        envelope.to_string()
    }

    fn webhook(body: &str, signed_at: i64) -> String {
        let signature = segments::signature(SECRET.as_bytes(), signed_at, body);
        serde_json::json!({ "timestamp": signed_at.to_string(), "signature": signature, "body": body, "now_ms": NOW_MS }).to_string()
    }

    const VIP_HERO: &str = "data-entry=\"home-hero\" data-variant=\"vip-welcome\"";
    const EVENT: &str = r#"{"messageId":"e1","type":"track","event":"Audience Entered","userId":"u-42","timestamp":"2026-12-07T10:00:00Z","properties":{"audience_key":"vip"}}"#;

    #[test]
    fn the_module_names_the_unit_to_look_up_only_with_consent_and_uses_only_that_units_memberships() {
        let edge = edge(SECRET);
        assert_eq!(edge.segments_unit(&envelope("personalization", None)).as_deref(), Some("u-42"));
        assert_eq!(edge.segments_unit(&envelope("marketing_email", None)), None);
        assert!(edge.handle(&envelope("personalization", Some(("u-42", &["vip"])))).body.contains(VIP_HERO));
        // Memberships handed over without the consent, or for another unit, are not used.
        let declined = edge.handle(&envelope("marketing_email", None));
        assert_eq!(edge.handle(&envelope("marketing_email", Some(("u-42", &["vip"])))), declined);
        assert!(!edge.handle(&envelope("personalization", Some(("u-43", &["vip"])))).body.contains(VIP_HERO));
    }

    #[test]
    fn webhooks_are_verified_as_the_server_verifies_them_and_off_without_a_secret() {
        let edge = edge(SECRET);
        let verified = edge.verify_webhook(&webhook(EVENT, NOW_MS / 1000)).unwrap();
        assert_eq!((verified.event.unit.as_str(), verified.event.entered), ("u-42", true));
        assert_eq!(verified.forget_before_s, NOW_MS / 1000 - segments::SEEN_SECONDS);
        let stale = edge.verify_webhook(&webhook(EVENT, NOW_MS / 1000 - 301)).unwrap_err();
        assert_eq!((stale.status, stale.body.contains("x-vantage-timestamp")), (401, true));
        let huge = format!("{EVENT}{}", " ".repeat(segments::WEBHOOK_BODY_MAX_BYTES));
        assert_eq!(edge.verify_webhook(&webhook(&huge, NOW_MS / 1000)).unwrap_err().status, 413);
        assert_eq!(Edge::default().verify_webhook(&webhook(EVENT, NOW_MS / 1000)).unwrap_err().status, 403);
        let short = Edge::default().configure(r#"{"VANTAGE_WEBHOOK_SECRET": "too short"}"#).unwrap_err();
        assert!(short.contains("VANTAGE_WEBHOOK_SECRET"), "{short}");
    }
}
