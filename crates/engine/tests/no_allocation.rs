//! Proves that deciding a page allocates nothing once the caller's buffers have grown:
//! a counting global allocator sees zero allocations over many decisions.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use vantage_engine::bundle::Bundle;
use vantage_engine::context::Context;
use vantage_engine::eval::Scratch;
use vantage_engine::synthetic;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn deciding_a_page_allocates_nothing() {
    let bundle = Bundle::compile(synthetic::workspace(30), String::new());
    let page = &bundle.decisions.pages[0];
    let mut visitors = vec![synthetic::visitor()];
    let mut other = synthetic::visitor();
    other.insert("request.device".into(), serde_json::json!("desktop"));
    other.insert("consents".into(), serde_json::json!([]));
    visitors.push(other);
    let contexts: Vec<Context> = visitors.iter().map(|v| Context::from_flat(&bundle.decisions.program, v)).collect();
    let mut scratch = Scratch::for_program(&bundle.decisions.program);
    let mut out = Vec::with_capacity(page.slots.len());
    // Warm up: regex caches and the output buffer reach their steady size.
    for ctx in &contexts {
        bundle.decisions.decide(page, ctx, &mut scratch, &mut out);
    }
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    for _ in 0..1_000 {
        for ctx in &contexts {
            bundle.decisions.decide(page, ctx, &mut scratch, &mut out);
        }
    }
    let allocations = ALLOCATIONS.load(Ordering::SeqCst) - before;
    assert_eq!(allocations, 0, "deciding 2,000 pages allocated {allocations} times");
    // And the decisions are real: the first visitor gets personalized slots.
    bundle.decisions.decide(page, &contexts[0], &mut scratch, &mut out);
    let personalized = out.iter().filter(|d| d.choice != vantage_engine::bundle::Choice::Baseline).count();
    assert!(personalized >= 10, "only {personalized} of 30 slots personalized");
}
