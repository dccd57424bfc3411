//! `vantage traffic` and `vantage impact --population traffic` end to end on real files: QA or
//! an admin imports a generated export beside the store, a marketer may not, the impact of a rule
//! change is measured on the recorded visitors, and a traffic file changed outside Vantage is
//! refused rather than measured.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo-store")
}

fn vantage(db: &Path, user: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vantage"))
        .arg("--db")
        .arg(db)
        .arg("--workspace")
        .arg(demo())
        .args(["--as", user])
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: Output) -> String {
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn qa_imports_recorded_traffic_and_impact_is_measured_on_it_until_the_file_is_changed_outside_vantage() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("store.db");
    ok(vantage(&db, "ada", &["init", "--from", demo().to_str().unwrap()]));
    ok(vantage(&db, "ada", &["users", "add", "mia", "marketer"]));
    let export = tmp.path().join("export.parquet");
    let generated = ok(vantage(&db, "ada", &["traffic", "generate", "--rows", "5000", "--seed", "9", "--out", export.to_str().unwrap()]));
    assert!(generated.starts_with("wrote 5000 visitors"), "{generated}");
    assert!(ok(vantage(&db, "ada", &["traffic", "status"])).contains("no recorded traffic"));

    let refused = vantage(&db, "mia", &["traffic", "import", export.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("may not import recorded traffic"));

    let imported = ok(vantage(&db, "ada", &["traffic", "import", export.to_str().unwrap()]));
    assert!(imported.starts_with("imported 5000 of 5000 recorded visitors"), "{imported}");
    assert!(ok(vantage(&db, "ada", &["traffic", "status"])).starts_with("5000 recorded visitors from export.parquet"));

    // A rule change: the VIP hero for anyone who spent 1,000 euros.
    let changed = tmp.path().join("changed");
    vantage_test_support::copy_dir(&demo(), &changed);
    let hero = changed.join("entries/home-hero.json");
    let mut doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&hero).unwrap()).unwrap();
    doc["personalizations"][0]["condition"] = serde_json::json!({"attr": "profile.lifetime_value", "op": "gte", "value": 1000});
    std::fs::write(&hero, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let impact = ok(vantage(&db, "ada", &["impact", demo().to_str().unwrap(), changed.to_str().unwrap(), "--population", "traffic"]));
    assert!(impact.starts_with("on 5000 recorded visitors from export.parquet"), "{impact}");
    assert!(impact.contains("home/hero:") && impact.contains("of 5000)"), "{impact}");
    assert!(impact.contains("recorded visitor #"), "examples name rows, never values: {impact}");

    // Someone edits the kept file by hand: it is not the traffic that was imported.
    let kept = tmp.path().join("traffic.parquet");
    let mut bytes = std::fs::read(&kept).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&kept, bytes).unwrap();
    let tampered = vantage(&db, "ada", &["impact", demo().to_str().unwrap(), changed.to_str().unwrap(), "--population", "traffic"]);
    assert!(!tampered.status.success());
    assert!(String::from_utf8_lossy(&tampered.stderr).contains("SHA-256 differs"), "{}", String::from_utf8_lossy(&tampered.stderr));
}

#[test]
fn lint_and_the_matrix_judge_rules_on_recorded_visitors_when_asked_and_say_so() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("store.db");
    ok(vantage(&db, "ada", &["init", "--from", demo().to_str().unwrap()]));
    let refused = vantage(&db, "ada", &["lint", "--population", "traffic"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no recorded traffic was imported"));

    // The shop's real visitors, as the warehouse exported them: no VIP among them.
    let csv = tmp.path().join("visitors.csv");
    std::fs::write(
        &csv,
        "profile.tier,profile.lifetime_value,consents\nstandard,120,personalization\nstandard,80,\ngold,900,personalization\n",
    )
    .unwrap();
    ok(vantage(&db, "ada", &["traffic", "import", csv.to_str().unwrap()]));

    // The demo has a deliberate lint error, so lint exits 1; what it prints is what counts.
    let findings = |args: &[&str]| {
        let out = vantage(&db, "ada", args);
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let simulated = findings(&["lint"]);
    assert!(!simulated.contains("`vip-welcome`"), "simulated VIPs reach it: {simulated}");
    let lint = findings(&["lint", "--population", "traffic"]);
    assert!(lint.starts_with("on 3 recorded visitors from visitors.csv"), "{lint}");
    assert!(
        lint.contains(
            "warning[unreached] entries/home-hero.json /personalizations/0: no visitor among 3 recorded ones matches `vip-welcome`"
        ),
        "{lint}"
    );
    // The Christmas footer is scheduled, not dead, on real visitors too.
    assert!(
        lint.contains(
            "info[scheduled] entries/site-footer.json /personalizations/0: `holiday-cutoff` is scheduled: it starts on 1 Dec 2026"
        ),
        "{lint}"
    );

    let matrix = ok(vantage(&db, "ada", &["matrix", "--population", "traffic"]));
    let hero = matrix.lines().find(|l| l.contains("nobody among 3 recorded visitors sees on hero:")).unwrap_or_else(|| panic!("{matrix}"));
    assert!(hero.contains("vip-welcome"), "{hero}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(vantage(&db, "ada", &["matrix", "--population", "traffic", "--format", "json"]))).unwrap();
    assert_eq!(json[0]["population"], "3 recorded visitors");
    assert!(json[0]["rows"][0]["nobody_sees"].is_array());
}
