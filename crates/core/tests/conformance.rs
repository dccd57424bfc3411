//! The condition language's contract: every case of the contract passes, through the same runner
//! as `vantage conform`. The contract's case files are kept in the repository
//! (`fixtures/conformance/contract/`, so a user's clone passes on its own); where the team's
//! shared folder sits beside the repository, the copies must be identical to it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use serde_json::Value;
use std::path::PathBuf;
use vantage_core::conformance::run;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/conformance")
}

fn read(path: &PathBuf) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// How many cases a file holds: a list of cases, or an object of lists.
fn case_count(file: &Value) -> usize {
    match file {
        Value::Array(cases) => cases.len(),
        Value::Object(sections) => sections.values().filter_map(Value::as_array).map(Vec::len).sum(),
        _ => 0,
    }
}

fn assert_every_case_passes(path: PathBuf) {
    let file = read(&path);
    let report = run(&file).unwrap();
    assert!(report.failures.is_empty(), "{}: {} failures:\n{:#?}", path.display(), report.failures.len(), report.failures);
    assert!(report.passed > 0, "{} holds no cases", path.display());
    assert_eq!(report.passed, case_count(&file), "{}: every case is run exactly once", path.display());
}

#[test]
fn every_condition_case_of_the_contract_passes() {
    assert_every_case_passes(fixtures().join("contract/conditions.json"));
}

#[test]
fn every_bucketing_vector_and_assignment_of_the_contract_passes() {
    assert_every_case_passes(fixtures().join("contract/bucketing.json"));
}

#[test]
fn vantage_own_cases_pass() {
    assert_every_case_passes(fixtures().join("vantage-extra.json"));
}

/// The team's copy of the contract (`VANTAGE_SHARED_DIR`, else `shared/` beside the
/// repository), when this machine has it.
fn team_contract() -> Option<PathBuf> {
    let dir = std::env::var_os("VANTAGE_SHARED_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"), PathBuf::from)
        .join("conformance");
    dir.is_dir().then_some(dir)
}

#[test]
fn the_repository_copy_of_the_contract_matches_the_team_copy_when_present() {
    let Some(team) = team_contract() else {
        eprintln!("no shared contract beside the repository: the repository's copy is the contract here");
        return;
    };
    let mut names: Vec<String> = std::fs::read_dir(&team)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".json") || n.ends_with(".md"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "{} holds no case files", team.display());
    for name in names {
        let theirs = std::fs::read(team.join(&name)).unwrap();
        let ours = std::fs::read(fixtures().join("contract").join(&name))
            .unwrap_or_else(|e| panic!("fixtures/conformance/contract/{name} is missing ({e}); copy it from {}", team.display()));
        assert!(
            ours == theirs,
            "fixtures/conformance/contract/{name} differs from {}: copy the team's version",
            team.join(&name).display()
        );
    }
}
