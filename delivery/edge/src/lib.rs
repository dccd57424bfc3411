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

use serde::Deserialize;
use std::cell::RefCell;
use vantage_delivery::{respond, Arrival, Config, LiveRelease, Request, Response};

/// A request as the Worker hands it over.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub request: Request,
    pub now_ms: i64,
    pub fresh_unit: String,
}

/// The release being served and how requests are read.
#[derive(Debug, Default)]
pub struct Edge {
    release: Option<LiveRelease>,
    config: Config,
}

impl Edge {
    /// Reads the Worker's variables (a JSON object of names to strings).
    pub fn configure(&mut self, vars_json: &str) -> Result<(), String> {
        let vars: serde_json::Map<String, serde_json::Value> = serde_json::from_str(vars_json).map_err(|e| format!("variables: {e}"))?;
        self.config = Config::from_vars(|name| vars.get(name).and_then(|v| v.as_str()).map(str::to_owned))?;
        Ok(())
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

    /// Answers one visitor request (an [`Envelope`] as JSON).
    pub fn handle(&self, envelope_json: &str) -> Response {
        let envelope: Envelope = match serde_json::from_str(envelope_json) {
            Ok(envelope) => envelope,
            Err(e) => return Response::error(400, "request", &format!("the Worker sent a malformed request: {e}")),
        };
        match &self.release {
            Some(release) => {
                let arrival = Arrival { now_ms: envelope.now_ms, fresh_unit: envelope.fresh_unit };
                respond(release, &self.config, &envelope.request, &arrival).response
            }
            None => Response::error(503, "release", "no release has been deployed yet"),
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
