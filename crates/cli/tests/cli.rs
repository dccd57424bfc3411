//! The `vantage` binary on the demo workspace: snapshot tests of what people read, exit codes,
//! and one-line errors for bad input.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use vantage_test_support::copy_dir;

const AT: &str = "2026-11-20T12:00:00Z";

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo-store")
}

fn vantage(workspace: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vantage")).arg("-w").arg(workspace).arg("--at").arg(AT).args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn preview_of_home_as_vip_matches_snapshot() {
    let out = vantage(&demo(), &["preview", "--page", "home", "--profile", "vip-anna"]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!("preview_home_vip_anna_html", stdout(&out));
}

#[test]
fn composed_page_json_matches_snapshot() {
    let out = vantage(&demo(), &["preview", "--page", "product-detail", "--profile", "vip-anna", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!("preview_product_detail_vip_anna_json", stdout(&out));
}

#[test]
fn explanation_says_why_each_slot_shows_what_it_shows() {
    let out = vantage(&demo(), &["preview", "--page", "home", "--profile", "vip-anna", "--explain"]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!("explain_home_vip_anna", stderr(&out));
}

#[test]
fn matrix_matches_snapshot() {
    let out = vantage(&demo(), &["matrix"]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!("matrix", stdout(&out));
}

#[test]
fn lint_of_the_demo_reports_its_deliberate_findings_and_exits_1() {
    let out = vantage(&demo(), &["lint"]);
    let text = stdout(&out);
    insta::assert_snapshot!("lint", text);
    assert!(text.contains("banned_word"), "the demo's deliberate brand-rule hit is found");
    assert!(text.contains("shadowed"), "the demo's deliberate shadowed personalization is found");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn lint_json_is_machine_readable() {
    let out = vantage(&demo(), &["lint", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(report["errors"].as_u64().unwrap() >= 1);
    assert!(report["findings"].as_array().unwrap().iter().all(|f| f["file"].is_string() && f["code"].is_string()));
}

#[test]
fn conform_passes_the_contract_kept_in_the_repository() {
    let contract = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/conformance/contract");
    let c = contract.join("conditions.json");
    let b = contract.join("bucketing.json");
    let cases: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(&c).unwrap()).unwrap();
    let out = vantage(&demo(), &["conform", c.to_str().unwrap(), b.to_str().unwrap()]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains(&format!("{} passed, 0 failed", cases.len())), "{}", stdout(&out));
}

#[test]
fn conform_reports_a_case_whose_expectation_is_wrong_and_exits_1() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("cases.json");
    std::fs::write(&file, r#"[{"name": "eq/wrong_on_purpose", "catalog": {"a": {"type": "string"}}, "condition": {"attr": "a", "op": "eq", "value": "x"}, "context": {"a": "x"}, "expect": false}]"#).unwrap();
    let out = vantage(&demo(), &["conform", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("FAIL") && stdout(&out).contains("eq/wrong_on_purpose: expected false, got true"), "{}", stdout(&out));
}

#[test]
fn unknown_page_is_bad_input_with_one_clear_line() {
    let out = vantage(&demo(), &["preview", "--page", "nope", "--profile", "vip-anna"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no page `nope`"), "{err}");
}

#[test]
fn malformed_file_names_file_line_and_column_and_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ws");
    copy_dir(&demo(), &dir);
    std::fs::write(dir.join("audiences.json"), "{\n  \"audiences\": {\n    \"vip\": ,\n  }\n}\n").unwrap();
    let out = vantage(&dir, &["lint"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("audiences.json:3:12"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn schema_violation_names_the_json_pointer() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ws");
    copy_dir(&demo(), &dir);
    let page = std::fs::read_to_string(dir.join("pages/home.json")).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&page).unwrap();
    value["slots"][0]["entry"] = serde_json::json!(42);
    std::fs::write(dir.join("pages/home.json"), serde_json::to_string_pretty(&value).unwrap()).unwrap();
    let out = vantage(&dir, &["lint"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("pages/home.json at /slots/0/entry"), "{}", stderr(&out));
}

#[test]
fn a_bad_time_is_bad_input() {
    let out = Command::new(env!("CARGO_BIN_EXE_vantage")).arg("-w").arg(demo()).args(["--at", "yesterday", "matrix"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("`yesterday` is not a time"));
}

#[test]
fn bundle_then_impact_reports_who_sees_the_changed_vip_headline() {
    let tmp = tempfile::tempdir().unwrap();
    let before = tmp.path().join("before.json");
    let out = vantage(&demo(), &["bundle", "--out", before.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = tmp.path().join("after");
    copy_dir(&demo(), &dir);
    let hero_path = dir.join("entries/home-hero.json");
    let mut hero: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&hero_path).unwrap()).unwrap();
    let first = &mut hero["personalizations"][0]["patch"];
    first["headline"] = serde_json::json!("A changed headline for our best customers");
    std::fs::write(&hero_path, serde_json::to_string_pretty(&hero).unwrap()).unwrap();
    let out = vantage(&demo(), &["impact", before.to_str().unwrap(), dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("changed personalization home-hero/"), "{text}");
    assert!(text.contains("home/hero:"), "{text}");
}

#[test]
fn an_altered_bundle_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("b.json");
    assert!(vantage(&demo(), &["bundle", "--out", path.to_str().unwrap()]).status.success());
    let text = std::fs::read_to_string(&path).unwrap().replacen("Northwind", "Southwind", 1);
    std::fs::write(&path, text).unwrap();
    let out = vantage(&demo(), &["impact", path.to_str().unwrap(), demo().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("was altered"), "{}", stderr(&out));
}

#[test]
fn export_static_of_the_demo_reports_files_fallbacks_and_the_page_per_segment_count() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("static");
    let out = vantage(&demo(), &["export", "static", "--out", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out_dir.join("manifest.json").is_file());
    // The folder and the release hash vary; the figures do not.
    let text = stdout(&out).replace(out_dir.to_str().unwrap(), "[out]");
    let release = text.split("(release ").nth(1).and_then(|r| r.split(',').next()).unwrap().to_owned();
    insta::assert_snapshot!("export_static_demo", text.replace(&release, "[release]"));
}
