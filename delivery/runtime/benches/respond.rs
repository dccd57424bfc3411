//! What the delivery runtime adds to a request on this machine: the whole answer to
//! `GET /pages/home` (visitor read, decide, compose, render, headers), the same as `POST /decide`,
//! and the decide part alone. The service's budget is 100 us at p50 beyond the network.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use vantage_delivery::{respond, Arrival, Config, LiveRelease, Request};
use vantage_engine::context::Context;
use vantage_engine::eval::Scratch;
use vantage_engine::release::ReleaseFile;

fn benches(c: &mut Criterion) {
    let release = LiveRelease::from_file(ReleaseFile::of(vantage_test_support::demo_files())).unwrap();
    let config = Config::default();
    let arrival = Arrival { now_ms: 1_795_000_000_000, fresh_unit: "u-bench".into() };
    let page = Request::get("/pages/home")
        .with_header("cookie", "vantage_uid=u-1001")
        .with_header("cf-ipcountry", "DE")
        .with_header("x-vantage-consents", "personalization");
    let decide = Request { method: "POST".into(), body: r#"{"page":"home"}"#.into(), ..Request::get("/decide") }
        .with_header("cookie", "vantage_uid=u-1001")
        .with_header("x-vantage-consents", "personalization");
    c.bench_function("respond/home_page_html", |b| b.iter(|| respond(&release, &config, black_box(&page), &arrival)));
    c.bench_function("respond/home_decide_json", |b| b.iter(|| respond(&release, &config, black_box(&decide), &arrival)));

    let bundle = &release.bundle;
    let compiled = bundle.page("home").unwrap();
    let flat = serde_json::json!({"profile.id": "u-1001", "request.country": "DE", "consents": ["personalization"], "request.now": "2026-11-18T12:00:00Z"});
    let flat = flat.as_object().unwrap().clone();
    let mut scratch = Scratch::for_program(&bundle.decisions.program);
    let mut decisions = Vec::new();
    c.bench_function("decide_only/home", |b| {
        b.iter(|| {
            let ctx = Context::from_flat(&bundle.decisions.program, black_box(&flat));
            bundle.decisions.decide(compiled, &ctx, &mut scratch, &mut decisions);
            decisions.len()
        })
    });
}

criterion_group!(delivery, benches);
criterion_main!(delivery);
