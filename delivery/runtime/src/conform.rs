//! `POST /conform` (behind the deploy token in both tiers): runs a conformance case file through
//! this build of the engine, so the edge's WebAssembly and the server's native code are each
//! held to the condition language's contract where they run.

use crate::http::Response;
use serde_json::json;

/// A case file may be at most this large.
pub const CASES_MAX_BYTES: usize = 8 * 1024 * 1024;

/// The report for a case file: how many cases passed and each failure.
pub fn conform(cases: &str) -> Response {
    if cases.len() > CASES_MAX_BYTES {
        return Response::error(413, "body", &format!("is larger than {CASES_MAX_BYTES} bytes"));
    }
    let value: serde_json::Value = match serde_json::from_str(cases) {
        Ok(value) => value,
        Err(e) => return Response::error(400, "body", &format!("line {}, column {}: {e}", e.line(), e.column())),
    };
    match vantage_engine::conformance::run(&value) {
        Ok(report) => {
            let failures: Vec<_> =
                report.failures.iter().map(|f| json!({ "name": f.name, "expected": f.expected, "actual": f.actual })).collect();
            Response::json(200, json!({ "passed": report.passed, "failures": failures }).to_string())
        }
        Err(e) => Response::error(400, "body", &e.to_string()),
    }
}
