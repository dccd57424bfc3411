//! The condition language's contract: every case in `../shared/conformance/` passes, read in
//! place, through the same runner as `vantage conform`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use std::path::PathBuf;
use vantage_engine::conformance::run;

/// `shared/` sits beside the repository (as in CI); `VANTAGE_SHARED_DIR` overrides it.
fn shared(file: &str) -> PathBuf {
    let dir = std::env::var_os("VANTAGE_SHARED_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"), PathBuf::from);
    dir.join("conformance").join(file)
}

fn run_file(file: &str) -> vantage_engine::conformance::Report {
    let path = shared(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    run(&value).unwrap()
}

#[test]
fn every_condition_case_passes() {
    let report = run_file("conditions.json");
    assert!(report.failures.is_empty(), "{} failures:\n{:#?}", report.failures.len(), report.failures);
    assert_eq!(report.passed, 559);
}

#[test]
fn every_bucketing_vector_and_assignment_passes() {
    let report = run_file("bucketing.json");
    assert!(report.failures.is_empty(), "{} failures:\n{:#?}", report.failures.len(), report.failures);
    assert_eq!(report.passed, 36 + 201 + 50 + 50);
}

#[test]
fn vantage_own_cases_pass() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/conformance/vantage-extra.json");
    let value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let report = run(&value).unwrap();
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
    assert!(report.passed >= 10);
}
