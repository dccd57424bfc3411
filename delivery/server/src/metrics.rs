//! The service's Prometheus metrics: requests by route and status, a latency histogram, the
//! release being served, decisions per variant, shed requests and deploys. Rendered in the text
//! exposition format at `GET /metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0];

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(&'static str, u16), u64>>,
    latency_buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_ns: AtomicU64,
    decisions: Mutex<BTreeMap<(String, String, String), u64>>,
    pub shed: AtomicU64,
    deploys: Mutex<BTreeMap<&'static str, u64>>,
}

impl Metrics {
    pub fn request(&self, route: &'static str, status: u16, took: Duration) {
        if let Ok(mut requests) = self.requests.lock() {
            *requests.entry((route, status)).or_default() += 1;
        }
        let seconds = took.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.latency_buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_ns.fetch_add(u64::try_from(took.as_nanos()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    pub fn decided(&self, page: &str, variants: &[(String, String)]) {
        if let Ok(mut decisions) = self.decisions.lock() {
            for (slot, variant) in variants {
                *decisions.entry((page.to_owned(), slot.clone(), variant.clone())).or_default() += 1;
            }
        }
    }

    pub fn deploy(&self, result: &'static str) {
        if let Ok(mut deploys) = self.deploys.lock() {
            *deploys.entry(result).or_default() += 1;
        }
    }

    /// The exposition text, with the hash of the release being served.
    pub fn render(&self, release: Option<&str>) -> String {
        let mut out = String::new();
        let _ =
            writeln!(out, "# HELP vantage_requests_total Requests answered, by route and status.\n# TYPE vantage_requests_total counter");
        if let Ok(requests) = self.requests.lock() {
            for ((route, status), n) in requests.iter() {
                let _ = writeln!(out, "vantage_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}");
            }
        }
        let _ = writeln!(out, "# HELP vantage_request_duration_seconds Time from a request's arrival to its answer.\n# TYPE vantage_request_duration_seconds histogram");
        for (bound, bucket) in BUCKETS.iter().zip(&self.latency_buckets) {
            let _ = writeln!(out, "vantage_request_duration_seconds_bucket{{le=\"{bound}\"}} {}", bucket.load(Ordering::Relaxed));
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        let _ = writeln!(out, "vantage_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.latency_sum_ns.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "vantage_request_duration_seconds_sum {sum}\nvantage_request_duration_seconds_count {count}");
        let _ = writeln!(out, "# HELP vantage_release_info The release being served.\n# TYPE vantage_release_info gauge");
        if let Some(hash) = release {
            let _ = writeln!(out, "vantage_release_info{{hash=\"{hash}\"}} 1");
        }
        let _ = writeln!(
            out,
            "# HELP vantage_decisions_total Slots decided, by page, slot and variant.\n# TYPE vantage_decisions_total counter"
        );
        if let Ok(decisions) = self.decisions.lock() {
            for ((page, slot, variant), n) in decisions.iter() {
                let _ = writeln!(
                    out,
                    "vantage_decisions_total{{page=\"{}\",slot=\"{}\",variant=\"{}\"}} {n}",
                    label(page),
                    label(slot),
                    label(variant)
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP vantage_shed_total Requests refused with 503 because the service was at capacity.\n# TYPE vantage_shed_total counter"
        );
        let _ = writeln!(out, "vantage_shed_total {}", self.shed.load(Ordering::Relaxed));
        let _ = writeln!(out, "# HELP vantage_deploys_total Deploys received, by result.\n# TYPE vantage_deploys_total counter");
        if let Ok(deploys) = self.deploys.lock() {
            for (result, n) in deploys.iter() {
                let _ = writeln!(out, "vantage_deploys_total{{result=\"{result}\"}} {n}");
            }
        }
        out
    }
}

/// A label value escaped as the exposition format wants.
fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}
