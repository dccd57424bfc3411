//! Proves that deciding a page allocates nothing once the caller's buffers have grown:
//! a counting global allocator sees zero allocations over many decisions.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use vantage_engine::bundle::Bundle;
use vantage_engine::context::Context;
use vantage_engine::eval::Scratch;
use vantage_engine::synthetic;

struct Counting;

thread_local! {
    // Per thread: the tests run side by side and must not count each other's allocations.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
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
    let before = allocations();
    for _ in 0..1_000 {
        for ctx in &contexts {
            bundle.decisions.decide(page, ctx, &mut scratch, &mut out);
        }
    }
    let allocations = allocations() - before;
    assert_eq!(allocations, 0, "deciding 2,000 pages allocated {allocations} times");
    // And the decisions are real: the first visitor gets personalized slots.
    bundle.decisions.decide(page, &contexts[0], &mut scratch, &mut out);
    let personalized = out.iter().filter(|d| d.choice != vantage_engine::bundle::Choice::Baseline).count();
    assert!(personalized >= 10, "only {personalized} of 30 slots personalized");
}

#[test]
fn reading_varied_visitors_from_json_into_one_context_and_deciding_allocates_nothing() {
    let bundle = Bundle::compile(synthetic::workspace(30), String::new());
    let program = &bundle.decisions.program;
    let page = &bundle.decisions.pages[0];
    let raw: Vec<String> = synthetic::visitors(200, 7).into_iter().map(|v| serde_json::Value::Object(v).to_string()).collect();
    let (mut ctx, mut scratch, mut out) = (Context::empty(), Scratch::for_program(program), Vec::with_capacity(page.slots.len()));
    // Warm up: the context's buffers grow to the largest visitor and its zones are remembered.
    for text in &raw {
        ctx.read_json_str(program, text).unwrap();
        bundle.decisions.decide(page, &ctx, &mut scratch, &mut out);
    }
    let before = allocations();
    let mut personalized = 0;
    for text in &raw {
        ctx.read_json_str(program, text).unwrap();
        bundle.decisions.decide(page, &ctx, &mut scratch, &mut out);
        personalized += out.iter().filter(|d| d.choice != vantage_engine::bundle::Choice::Baseline).count();
    }
    let allocations = allocations() - before;
    assert_eq!(allocations, 0, "reading and deciding 200 visitors allocated {allocations} times");
    assert!(personalized > 200 * 3, "only {personalized} personalized slots over 200 visitors");
}
