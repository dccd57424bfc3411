//! # vantage-decide-wasm
//!
//! The smallest useful edge build of the decision core: a WebAssembly module that is given a
//! workspace's [`Rules`] (JSON) once and then decides pages for raw visitor JSON, answering each
//! slot's variant. No templates, schemas or feeds: a host (the Worker) composes the response.
//!
//! The safe API ([`Decider`]) is what the tests drive; the exported C ABI below only moves bytes
//! in and out of linear memory around it.

use std::cell::RefCell;
use vantage_core::context::Context;
use vantage_core::eval::Scratch;
use vantage_core::{DecisionBundle, Rules};

/// Compiled rules and the scratch space deciding reuses.
#[derive(Debug)]
pub struct Decider {
    bundle: DecisionBundle,
    scratch: Scratch,
    decisions: Vec<vantage_core::Decision>,
}

impl Decider {
    /// Compiles rules given as JSON; any rule that does not compile refuses the whole set.
    pub fn load(rules_json: &str) -> Result<Decider, String> {
        let rules: Rules =
            serde_json::from_str(rules_json).map_err(|e| format!("rules: {e} (line {}, column {})", e.line(), e.column()))?;
        let bundle = DecisionBundle::compile(&rules).map_err(|e| e.to_string())?;
        let scratch = Scratch::for_program(&bundle.program);
        Ok(Decider { bundle, scratch, decisions: Vec::new() })
    }

    /// Each slot of `page` and the variant a visitor (a flat JSON object) sees, as JSON:
    /// `{"hero": "vip-welcome", ...}`.
    pub fn decide(&mut self, page: &str, visitor_json: &str) -> Result<String, String> {
        let page = self.bundle.page(page).ok_or_else(|| format!("there is no page `{page}`"))?;
        let ctx = Context::from_json_str(&self.bundle.program, visitor_json).map_err(|e| format!("visitor: {e}"))?;
        self.bundle.decide(page, &ctx, &mut self.scratch, &mut self.decisions);
        let mut out = serde_json::Map::new();
        for (slot, decision) in page.slots.iter().zip(&self.decisions) {
            out.insert(slot.slot.clone(), serde_json::Value::String(slot.variant_label(*decision).into_owned()));
        }
        Ok(serde_json::Value::Object(out).to_string())
    }
}

thread_local! {
    static DECIDER: RefCell<Option<Decider>> = const { RefCell::new(None) };
    static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
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
unsafe fn text<'a>(ptr: *const u8, len: usize) -> Result<&'a str, String> {
    std::str::from_utf8(unsafe { std::slice::from_raw_parts(ptr, len) }).map_err(|e| format!("not UTF-8: {e}"))
}

/// Leaves `result` for [`vantage_output_ptr`]/[`vantage_output_len`]; 0 on success, 1 on error
/// (the output then holds the message).
fn answer(result: Result<String, String>) -> u32 {
    let (code, bytes) = match result {
        Ok(text) => (0, text.into_bytes()),
        Err(message) => (1, message.into_bytes()),
    };
    OUTPUT.with(|o| *o.borrow_mut() = bytes);
    code
}

/// Loads and compiles rules (JSON at `ptr..ptr+len`).
///
/// # Safety
/// `ptr..ptr+len` must be initialised memory the host wrote.
#[no_mangle]
pub unsafe extern "C" fn vantage_load(ptr: *const u8, len: usize) -> u32 {
    let loaded = unsafe { text(ptr, len) }.and_then(Decider::load);
    answer(loaded.map(|decider| {
        DECIDER.with(|d| *d.borrow_mut() = Some(decider));
        String::new()
    }))
}

/// Decides `page` for a visitor; the answer is in the output buffer.
///
/// # Safety
/// Both ranges must be initialised memory the host wrote.
#[no_mangle]
pub unsafe extern "C" fn vantage_decide(page_ptr: *const u8, page_len: usize, visitor_ptr: *const u8, visitor_len: usize) -> u32 {
    let inputs = unsafe { text(page_ptr, page_len) }.and_then(|page| Ok((page, unsafe { text(visitor_ptr, visitor_len) }?)));
    answer(inputs.and_then(|(page, visitor)| {
        DECIDER.with(|d| match d.borrow_mut().as_mut() {
            Some(decider) => decider.decide(page, visitor),
            None => Err("no rules are loaded".into()),
        })
    }))
}

#[no_mangle]
pub extern "C" fn vantage_output_ptr() -> *const u8 {
    OUTPUT.with(|o| o.borrow().as_ptr())
}

#[no_mangle]
pub extern "C" fn vantage_output_len() -> usize {
    OUTPUT.with(|o| o.borrow().len())
}
