//! A bounded load generator for the delivery tiers, loopback only (`scripts/load` drives it):
//!
//! ```text
//! cargo run --release -p vantage-serve --example load -- requests URL [CONCURRENCY] [SECONDS]
//! cargo run --release -p vantage-serve --example load -- deploy TARGET RELEASE_FILE
//! ```
//!
//! `requests` keeps CONCURRENCY keep-alive connections busy for SECONDS (at most 256 and 60)
//! and prints requests per second and latency percentiles as JSON. `deploy` measures the time
//! from `PUT /release` (token from $VANTAGE_DEPLOY_TOKEN) to the first page served by the new
//! release.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("requests") if args.len() >= 2 => {
            let concurrency: usize = args.get(2).map_or(16, |c| c.parse().unwrap()).clamp(1, 256);
            let seconds: u64 = args.get(3).map_or(10, |s| s.parse().unwrap()).clamp(1, 60);
            requests(&args[1], concurrency, Duration::from_secs(seconds)).await;
        }
        Some("deploy") if args.len() == 3 => deploy(&args[1], &args[2]).await,
        _ => {
            eprintln!("usage: load requests URL [CONCURRENCY] [SECONDS] | load deploy TARGET RELEASE_FILE");
            std::process::exit(2);
        }
    }
}

fn loopback(url: &str) {
    let host = url.trim_start_matches("http://").split(['/', ':']).next().unwrap_or("");
    assert!(host == "127.0.0.1" || host == "localhost", "load is only generated against loopback, not {url}");
}

async fn requests(url: &str, concurrency: usize, duration: Duration) {
    loopback(url);
    let deadline = Instant::now() + duration;
    let mut workers = Vec::new();
    for worker in 0..concurrency {
        let url = url.to_owned();
        workers.push(tokio::spawn(async move {
            let client = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap();
            let (mut latencies, mut errors) = (Vec::new(), 0usize);
            while Instant::now() < deadline {
                let started = Instant::now();
                match client.get(&url).header("cookie", format!("vantage_uid=load-{worker}")).send().await {
                    Ok(answer) if answer.status().is_success() || answer.status() == 404 => {
                        let _ = answer.bytes().await;
                        latencies.push(started.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let (mut latencies, mut errors) = (Vec::new(), 0);
    for worker in workers {
        let (l, e) = worker.await.unwrap();
        latencies.extend(l);
        errors += e;
    }
    latencies.sort();
    let at = |q: f64| latencies.get(((latencies.len() as f64 - 1.0) * q).round() as usize).map_or(0, |d| d.as_micros());
    let report = serde_json::json!({
        "url": url, "concurrency": concurrency, "seconds": duration.as_secs(),
        "requests": latencies.len(), "errors": errors,
        "requests_per_second": (latencies.len() as f64 / duration.as_secs_f64()).round(),
        "p50_us": at(0.5), "p99_us": at(0.99), "max_us": at(1.0),
    });
    println!("{report}");
}

async fn deploy(target: &str, release_file: &str) {
    loopback(target);
    let text = std::fs::read_to_string(release_file).unwrap();
    let hash = serde_json::from_str::<serde_json::Value>(&text).unwrap()["hash"].as_str().unwrap().to_owned();
    let token = std::env::var("VANTAGE_DEPLOY_TOKEN").unwrap_or_default();
    let client = reqwest::Client::new();
    let started = Instant::now();
    let put = client.put(format!("{target}/release")).bearer_auth(&token).header("x-vantage-release-sha256", &hash).body(text);
    let answer = put.send().await.unwrap();
    assert!(answer.status().is_success(), "deploy refused: {}", answer.text().await.unwrap_or_default());
    loop {
        let page = client.get(format!("{target}/pages/home")).send().await.unwrap();
        if page.headers().get("x-vantage-release").is_some_and(|h| h.as_bytes() == hash.as_bytes()) {
            break;
        }
    }
    println!("{}", serde_json::json!({ "target": target, "deploy_to_first_response_ms": started.elapsed().as_secs_f64() * 1000.0 }));
}
